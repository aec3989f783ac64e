//! Kazoo's response envelope and error shapes.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

const NODE: &str = "crossbar-sandbox";

/// A handler's answer: both arms are complete Kazoo responses, so `?` returns an error envelope
/// early.
pub type Reply = Result<Response, Response>;

/// Per-request metadata every envelope carries.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub request_id: String,
    pub auth_token: String,
}

tokio::task_local! {
    /// The current request's ID, set by the HTTP layer (`cors::layer`) around each request so
    /// the envelope's `request_id` and the `X-Request-ID` header agree.
    pub static REQUEST_ID: String;
    /// The sandbox clock's unix time when the request arrived, for the envelope's `timestamp`.
    pub static NOW: i64;
    /// The Kazoo release played, for the envelope's `version`.
    pub static VERSION: &'static str;
}

/// The ID of the request being served, or a fresh one outside a request.
pub fn current_request_id() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| random_hex(16))
}

impl Ctx {
    pub fn new(auth_token: impl Into<String>) -> Self {
        Self {
            request_id: current_request_id(),
            auth_token: auth_token.into(),
        }
    }
}

pub fn random_hex(bytes: usize) -> String {
    let buf: Vec<u8> = (0..bytes).map(|_| rand::random::<u8>()).collect();
    hex::encode(buf)
}

/// Kazoo's envelope `timestamp` (`api_util:do_create_resp_envelope/1` stamps
/// `kz_time:iso8601(kz_time:now_s())`): the server's time, here the sandbox clock, which tests pin.
fn timestamp() -> String {
    let now = NOW
        .try_with(|n| chrono::DateTime::from_timestamp(*n, 0))
        .ok()
        .flatten()
        .unwrap_or_else(chrono::Utc::now);
    now.format("%Y-%m-%dT%H:%M:%S").to_string()
}

fn respond(ctx: &Ctx, status: StatusCode, body: Value, revision: Option<&str>) -> Response {
    let mut res = (status, axum::Json(body)).into_response();
    let headers = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&ctx.request_id) {
        headers.insert("x-request-id", v);
    }
    if let Some(rev) = revision.and_then(|r| HeaderValue::from_str(&format!("\"{r}\"")).ok()) {
        headers.insert(header::ETAG, rev);
    }
    res
}

fn base(ctx: &Ctx, status: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("auth_token".into(), ctx.auth_token.clone().into());
    m.insert("request_id".into(), ctx.request_id.clone().into());
    m.insert("status".into(), status.into());
    m.insert("timestamp".into(), timestamp().into());
    let version = VERSION
        .try_with(|v| *v)
        .unwrap_or(crate::platform::Kazoo::V43.version());
    m.insert("version".into(), version.into());
    m.insert("node".into(), NODE.into());
    m
}

/// A success envelope; `extra` adds top-level keys such as pagination.
pub fn success(
    ctx: &Ctx,
    status: StatusCode,
    data: Value,
    revision: Option<&str>,
    extra: Map<String, Value>,
) -> Response {
    let mut m = base(ctx, "success");
    m.insert("data".into(), data);
    m.insert("revision".into(), revision.unwrap_or("automatic").into());
    m.extend(extra);
    respond(ctx, status, Value::Object(m), revision)
}

pub fn ok(ctx: &Ctx, data: Value, revision: Option<&str>) -> Response {
    success(ctx, StatusCode::OK, data, revision, Map::new())
}

pub fn error(ctx: &Ctx, status: StatusCode, message: &str, data: Value) -> Response {
    let mut m = base(ctx, "error");
    m.insert("error".into(), status.as_u16().to_string().into());
    m.insert("message".into(), message.into());
    m.insert("data".into(), data);
    respond(ctx, status, Value::Object(m), None)
}

/// 400 with `data` = field path → rule → detail, as `cb_context:add_validation_error` builds.
pub fn validation(ctx: &Ctx, errors: Map<String, Value>) -> Response {
    error(
        ctx,
        StatusCode::BAD_REQUEST,
        "validation error",
        Value::Object(errors),
    )
}

pub fn unauthorized(ctx: &Ctx) -> Response {
    error(
        ctx,
        StatusCode::UNAUTHORIZED,
        "invalid credentials",
        json!({}),
    )
}

pub fn forbidden(ctx: &Ctx, cause: &str) -> Response {
    error(
        ctx,
        StatusCode::FORBIDDEN,
        "forbidden",
        json!({"cause": cause, "message": "forbidden"}),
    )
}

pub fn bad_identifier(ctx: &Ctx, id: &str) -> Response {
    error(
        ctx,
        StatusCode::NOT_FOUND,
        "bad_identifier",
        json!({"cause": id, "message": "bad identifier"}),
    )
}

pub fn datastore_fault(ctx: &Ctx, detail: &std::io::Error) -> Response {
    error(
        ctx,
        StatusCode::SERVICE_UNAVAILABLE,
        "datastore_fault",
        json!({"message": detail.to_string()}),
    )
}

pub async fn unknown_route() -> Response {
    error(
        &Ctx::new(""),
        StatusCode::NOT_FOUND,
        "faulty_request",
        json!({"message": "faulty request"}),
    )
}

/// 405 for a verb the path does not take (Kazoo's `invalid_method`).
pub async fn invalid_method() -> Response {
    not_allowed(&Ctx::new(""))
}

/// The same 405 from a handler that knows the verb is not offered for this resource.
pub fn not_allowed(ctx: &Ctx) -> Response {
    error(
        ctx,
        StatusCode::METHOD_NOT_ALLOWED,
        "invalid_method",
        json!({"message": "invalid method"}),
    )
}

/// Parse a request body: a JSON object with a `data` object (Kazoo's request envelope).
pub fn request_data(ctx: &Ctx, body: &[u8]) -> Result<(Map<String, Value>, Value), Response> {
    let parse_error = |msg: &str| {
        error(
            ctx,
            StatusCode::BAD_REQUEST,
            "parse_error",
            json!({"message": msg}),
        )
    };
    let envelope: Value = serde_json::from_slice(body)
        .map_err(|e| parse_error(&format!("failed to parse JSON: {e}")))?;
    let Value::Object(mut env) = envelope else {
        return Err(parse_error("the request body must be a JSON object"));
    };
    match env.remove("data") {
        Some(Value::Object(data)) => Ok((data, Value::Object(env))),
        _ => Err(validation(
            ctx,
            single_error(
                "data",
                "required",
                json!({"message": "Field is required but missing"}),
            ),
        )),
    }
}

/// `{field: {rule: detail}}`.
pub fn single_error(field: &str, rule: &str, detail: Value) -> Map<String, Value> {
    let mut inner = Map::new();
    inner.insert(rule.into(), detail);
    let mut m = Map::new();
    m.insert(field.into(), Value::Object(inner));
    m
}
