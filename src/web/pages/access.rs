//! Who may read the pages: a shared token (HTTP Basic password or Bearer) and/or a
//! header set by a trusted reverse proxy, per `[web]`; with neither, only a loopback
//! listener serves them. Every answer carries the pages' security headers.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use subtle::ConstantTimeEq;

use crate::web::WebState;

fn token_matches(given: &str, token: &str) -> bool {
    given.as_bytes().ct_eq(token.as_bytes()).into()
}

/// Lets a request through when it carries the token or the trusted header, and adds
/// the pages' security headers to whatever is answered.
pub async fn require_reader(State(st): State<WebState>, req: Request, next: Next) -> Response {
    let mut resp = check_reader(&st, req, next).await;
    for (k, v) in crate::html::SECURITY_HEADERS {
        resp.headers_mut()
            .insert(k, header::HeaderValue::from_static(v));
    }
    resp
}

/// Who is reading, as far as warroom can tell: a private incident needs a person it
/// knows is in it (or a signed link), never just the shared token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    /// Named by the trusted proxy's header (a Slack user ID for private incidents).
    User(String),
    /// Holds the shared token, or reads on an open loopback listener.
    Anyone,
}

async fn check_reader(st: &WebState, mut req: Request, next: Next) -> Response {
    let web = &st.app.cfg().web;
    let token = web.token.expose();
    let header_name = web.trusted_user_header.trim();
    req.extensions_mut().insert(Viewer::Anyone);
    if token.is_empty() && header_name.is_empty() {
        // No access control configured: fine on a loopback listener (a laptop, or a
        // proxy on the same host), but not for a server anyone can reach.
        if st.app.cfg().pages_open() {
            return next.run(req).await;
        }
        st.app.metrics().request("pages", "forbidden");
        return (
            StatusCode::FORBIDDEN,
            "warroom: the incident pages are off because http.listen is not a loopback address \
             and neither web.token nor web.trusted_user_header is set\n",
        )
            .into_response();
    }
    let headers = req.headers();
    if !header_name.is_empty()
        && let Some(user) = headers
            .get(header_name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    {
        let user = user.to_string();
        req.extensions_mut().insert(Viewer::User(user));
        return next.run(req).await;
    }
    if !token.is_empty() && authorized(headers, token) {
        return next.run(req).await;
    }
    st.app.metrics().request("pages", "unauthorized");
    (
        StatusCode::UNAUTHORIZED,
        [(
            header::WWW_AUTHENTICATE,
            "Basic realm=\"warroom\", charset=\"UTF-8\"",
        )],
        "warroom: sign in with the web token (any user name, the token as password)\n",
    )
        .into_response()
}

fn authorized(headers: &HeaderMap, token: &str) -> bool {
    let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    if let Some(b) = auth.strip_prefix("Bearer ") {
        return token_matches(b.trim(), token);
    }
    if let Some(b) = auth.strip_prefix("Basic ")
        && let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(b.trim())
        && let Ok(s) = String::from_utf8(raw)
    {
        let password = s.split_once(':').map(|(_, p)| p).unwrap_or("");
        return token_matches(password, token);
    }
    false
}
