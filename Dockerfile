# warroom: build in a full Rust image, run in a small Debian one as a non-root user.
#   docker build -t warroom .
#   docker run -e WARROOM_SLACK__BOT_TOKEN=xoxb-... -e WARROOM_SLACK__SIGNING_SECRET=... \
#              -p 3000:3000 -v warroom:/var/lib/warroom warroom
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# Dependencies first, so that code changes do not rebuild them.
COPY Cargo.toml Cargo.lock ./
# Cargo wants every declared target to exist: stub main, lib and each [[bench]].
RUN mkdir -p src benches tests \
 && echo 'fn main() {}' > src/main.rs && echo '' > src/lib.rs \
 && for b in $(awk '/^\[\[bench\]\]/{getline; gsub(/name = |"/, ""); print}' Cargo.toml); do \
      echo 'fn main() {}' > "benches/$b.rs"; done \
 && cargo build --release --locked --bin warroom \
 && rm -rf src benches
COPY src src
COPY build.rs ./
COPY migrations migrations
COPY config config
COPY benches benches
COPY tests tests
RUN touch src/main.rs src/lib.rs && cargo build --release --locked --bin warroom \
 && strip target/release/warroom

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/warroom --create-home warroom
COPY --from=build /src/target/release/warroom /usr/local/bin/warroom
COPY config/default.toml /etc/warroom/default.toml
USER warroom
WORKDIR /var/lib/warroom
ENV WARROOM_HTTP__LISTEN=0.0.0.0:3000 \
    WARROOM_DATABASE__URL=sqlite:///var/lib/warroom/warroom.db \
    WARROOM_LOG__FORMAT=json
VOLUME ["/var/lib/warroom"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["warroom", "healthcheck", "--url", "http://127.0.0.1:3000/healthz"]
ENTRYPOINT ["warroom"]
CMD ["serve"]
