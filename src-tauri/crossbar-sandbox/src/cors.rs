//! The HTTP layer around every route: CORS for browser clients served from another origin (such
//! as Kazoo's web client, Monster UI), and the request ID every response carries.
//!
//! Kazoo answers any `OPTIONS` with its CORS headers and no authentication, and exposes
//! `X-Auth-Token` and `ETag` to scripts. Tokens travel in headers, never in cookies: no
//! `Access-Control-Allow-Credentials`, and no `Set-Cookie` ever leaves the sandbox.

use crate::envelope;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub const ALLOW_METHODS: &str = "GET, PUT, POST, PATCH, DELETE, OPTIONS";
/// What Kazoo's clients send; anything else a preflight asks for is allowed too.
const ALLOW_HEADERS: &[&str] = &[
    "Content-Type",
    "X-Auth-Token",
    "Authorization",
    "If-Match",
    "X-Request-ID",
    "X-Requested-With",
    "Cache-Control",
];
pub const EXPOSE_HEADERS: &str = "X-Auth-Token, ETag, X-Request-ID, Content-Type, Location";
/// Preflight answers may be cached for a day, as Kazoo's are.
const MAX_AGE: &str = "86400";

/// A client-supplied `X-Request-ID` is kept when it is short and plain; otherwise a new one.
fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|id| {
            (1..=64).contains(&id.len())
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| envelope::random_hex(16))
}

/// `Access-Control-Allow-Headers`: the usual ones plus any well-formed names the preflight
/// asked for.
fn allow_headers(requested: Option<&HeaderValue>) -> HeaderValue {
    let mut names: Vec<String> = ALLOW_HEADERS.iter().map(|h| (*h).to_owned()).collect();
    let asked = requested.and_then(|v| v.to_str().ok()).unwrap_or_default();
    for name in asked.split(',').map(str::trim) {
        let token = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if token && !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            names.push(name.to_owned());
        }
    }
    HeaderValue::from_str(&names.join(", ")).unwrap_or(HeaderValue::from_static("*"))
}

fn add_common(headers: &mut HeaderMap, origin: Option<HeaderValue>, request_id: &str) {
    match origin {
        Some(o) => {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
            headers.append(header::VARY, HeaderValue::from_static("Origin"));
        }
        None => {
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            );
        }
    }
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSE_HEADERS),
    );
    if !headers.contains_key("x-request-id") {
        if let Ok(v) = HeaderValue::from_str(request_id) {
            headers.insert("x-request-id", v);
        }
    }
    headers.remove(header::SET_COOKIE);
    headers.remove(header::ACCESS_CONTROL_ALLOW_CREDENTIALS);
}

/// `axum::middleware::from_fn_with_state` layer: answers preflights itself, decorates
/// everything else, and stamps each request with the sandbox clock's time.
pub async fn layer(State(shared): State<crate::Shared>, req: Request, next: Next) -> Response {
    let id = request_id(req.headers());
    let (now, version, local_only) = {
        let state = shared.lock();
        (
            state.now(),
            state.platform.kazoo.version(),
            state.local_only,
        )
    };
    if let Some(port) = local_only {
        if let Some(refused) = refuse_for_local_app(&req, port) {
            return refused;
        }
    }
    let origin = req.headers().get(header::ORIGIN).cloned();
    if req.method() == Method::OPTIONS {
        let requested = req.headers().get(header::ACCESS_CONTROL_REQUEST_HEADERS);
        let mut res = StatusCode::NO_CONTENT.into_response();
        let headers = res.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(ALLOW_METHODS),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            allow_headers(requested),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static(MAX_AGE),
        );
        headers.insert(header::ALLOW, HeaderValue::from_static(ALLOW_METHODS));
        add_common(headers, origin, &id);
        return res;
    }
    let run = envelope::VERSION.scope(version, next.run(req));
    let mut res = envelope::REQUEST_ID
        .scope(id.clone(), envelope::NOW.scope(now, run))
        .await;
    if local_only.is_some() {
        // No CORS at all: only the app itself (not a web page) talks to the in-app demo.
        if let Ok(v) = HeaderValue::from_str(&id) {
            res.headers_mut().entry("x-request-id").or_insert(v);
        }
        res.headers_mut().remove(header::SET_COOKIE);
    } else {
        add_common(res.headers_mut(), origin, &id);
    }
    res
}

/// The in-app demo answers only requests addressed to this computer's port (a page elsewhere
/// that resolves its own name to 127.0.0.1 still sends its own `Host`), takes no preflights,
/// and has no clock routes.
fn refuse_for_local_app(req: &Request, port: u16) -> Option<Response> {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let ours = [format!("127.0.0.1:{port}"), format!("localhost:{port}")];
    if !ours.iter().any(|o| o == host) {
        return Some(envelope::error(
            &envelope::Ctx::new(""),
            StatusCode::MISDIRECTED_REQUEST,
            "misdirected_request",
            serde_json::json!({"message": "this server only answers the app on this computer"}),
        ));
    }
    if req.method() == Method::OPTIONS || req.uri().path().starts_with("/sandbox/") {
        return Some(envelope::error(
            &envelope::Ctx::new(""),
            StatusCode::NOT_FOUND,
            "faulty_request",
            serde_json::json!({"message": "faulty request"}),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preflight_allows_the_usual_headers_and_what_was_asked() {
        let asked = HeaderValue::from_static("x-auth-token, content-type, X-Kazoo-Cluster-ID");
        let allowed = allow_headers(Some(&asked));
        let allowed = allowed.to_str().unwrap();
        assert!(allowed.contains("X-Auth-Token"));
        assert!(allowed.contains("Authorization"));
        assert!(allowed.ends_with("X-Kazoo-Cluster-ID"));
        assert_eq!(allowed.matches("Content-Type").count(), 1);
        let junk = HeaderValue::from_static("bad header;, ok-one");
        assert!(!allow_headers(Some(&junk)).to_str().unwrap().contains("bad"));
    }

    #[test]
    fn client_request_ids_are_kept_only_when_plain() {
        let mut h = HeaderMap::new();
        h.insert("x-request-id", HeaderValue::from_static("abc-123"));
        assert_eq!(request_id(&h), "abc-123");
        h.insert("x-request-id", HeaderValue::from_static("has space"));
        assert_eq!(request_id(&h).len(), 32);
    }
}
