-- The incident core: incidents, roles, timeline, action items, the durable jobs
-- queue, processed Slack event IDs and a small key-value cache.
-- Times are milliseconds since the Unix epoch, UTC (to_timestamp(x / 1000.0) reads them).

CREATE TABLE incidents (
    id                 BIGSERIAL PRIMARY KEY,
    title              TEXT    NOT NULL,
    description        TEXT,
    severity           BIGINT  NOT NULL,
    status             TEXT    NOT NULL,
    private            BIGINT  NOT NULL DEFAULT 0,
    team_id            TEXT,
    origin_channel_id  TEXT,
    channel_id         TEXT UNIQUE,
    channel_name       TEXT,
    headline_ts        TEXT,
    declared_by        TEXT    NOT NULL,
    declared_at        BIGINT  NOT NULL,
    acknowledged_at    BIGINT,
    identified_at      BIGINT,
    mitigated_at       BIGINT,
    resolved_at        BIGINT,
    impact_started_at  BIGINT,
    impact             TEXT,
    impact_ppm         BIGINT,
    summary            TEXT,
    services           TEXT    NOT NULL DEFAULT '',
    source             TEXT,
    postmortem_done_at BIGINT,
    version            BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX incidents_status ON incidents (status);

CREATE TABLE incident_roles (
    incident_id BIGINT  NOT NULL REFERENCES incidents (id),
    role        TEXT    NOT NULL,
    user_id     TEXT    NOT NULL,
    assigned_at BIGINT  NOT NULL,
    PRIMARY KEY (incident_id, role, user_id)
);

CREATE TABLE timeline (
    id          BIGSERIAL PRIMARY KEY,
    incident_id BIGINT  NOT NULL REFERENCES incidents (id),
    at          BIGINT  NOT NULL,
    actor       TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    source_key  TEXT,
    recorded_at BIGINT  NOT NULL
);
CREATE INDEX timeline_incident ON timeline (incident_id, at, id);
-- One entry per source message (pinned and reacted to counts once; redeliveries too).
CREATE UNIQUE INDEX timeline_source ON timeline (incident_id, source_key);

CREATE TABLE action_items (
    id          BIGSERIAL PRIMARY KEY,
    incident_id BIGINT  NOT NULL REFERENCES incidents (id),
    seq         BIGINT  NOT NULL,
    text        TEXT    NOT NULL,
    owner       TEXT,
    priority    TEXT,
    due         TEXT,
    status      TEXT    NOT NULL DEFAULT 'open',
    created_by  TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    done_at     BIGINT,
    UNIQUE (incident_id, seq)
);

CREATE TABLE jobs (
    id           BIGSERIAL PRIMARY KEY,
    kind         TEXT    NOT NULL,
    queue        TEXT,
    payload      TEXT    NOT NULL,
    state        TEXT    NOT NULL DEFAULT 'pending',
    run_at       BIGINT  NOT NULL,
    attempts     BIGINT  NOT NULL DEFAULT 0,
    locked_until BIGINT,
    locked_by    TEXT,
    last_error   TEXT,
    dedupe_key   TEXT,
    created_at   BIGINT  NOT NULL,
    finished_at  BIGINT
);
CREATE INDEX jobs_due ON jobs (state, run_at);
CREATE INDEX jobs_queue ON jobs (queue, state, id);
CREATE UNIQUE INDEX jobs_dedupe ON jobs (dedupe_key) WHERE state = 'pending';

CREATE TABLE processed_events (
    event_id    TEXT    PRIMARY KEY,
    received_at BIGINT  NOT NULL
);

CREATE TABLE kv (
    key        TEXT    PRIMARY KEY,
    value      TEXT    NOT NULL,
    updated_at BIGINT  NOT NULL
);
