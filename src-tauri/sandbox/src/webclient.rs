//! What Kazoo's web client (Monster UI) asks for around its edges, answered in Kazoo's shapes so
//! it can run against the sandbox:
//!
//! - `GET /v2/whitelabel/{domain}` (and `/logo`, `/icon`, …): no authentication; 404
//!   `bad_identifier`, since the sandbox has no white-labelling.
//! - `GET /v2/accounts/{id}/whitelabel`: 404 `bad_identifier` for the same reason.
//! - `GET /v2/accounts/{id}/access_lists`: the account has none, `{}`.
//! - `GET /v2/accounts/{id}/alerts` and `/external_numbers`: empty lists.

use crate::envelope::{self, Ctx, Reply};
use crate::{lock, Shared};
use axum::extract::{Path, Query, State as AxState};
use axum::http::HeaderMap;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use std::collections::HashMap;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/v2/whitelabel/{domain}", get(whitelabel))
        .route("/v2/whitelabel/{domain}/{*rest}", get(whitelabel_part))
        .route("/v2/accounts/{id}/whitelabel", get(account_whitelabel))
        .route("/v2/accounts/{id}/access_lists", get(access_lists))
        .route("/v2/accounts/{id}/alerts", get(alerts))
        .route("/v2/accounts/{id}/external_numbers", get(external_numbers))
}

type Q = Query<HashMap<String, String>>;

async fn whitelabel(Path(domain): Path<String>) -> Reply {
    Err(envelope::bad_identifier(&Ctx::new(""), &domain))
}

async fn whitelabel_part(Path((domain, _)): Path<(String, String)>) -> Reply {
    Err(envelope::bad_identifier(&Ctx::new(""), &domain))
}

/// Authorise a request for `id`, then answer `data`.
fn answer(
    shared: &Shared,
    id: &str,
    q: &HashMap<String, String>,
    h: &HeaderMap,
    data: Value,
) -> Reply {
    let state = lock(shared);
    let (ctx, _) = crate::auth::require_account(&state, h, q, id)?;
    Ok(envelope::ok(&ctx, data, None))
}

async fn account_whitelabel(
    AxState(shared): AxState<Shared>,
    Path(id): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Reply {
    let state = lock(&shared);
    let (ctx, _) = crate::auth::require_account(&state, &headers, &q, &id)?;
    Err(envelope::bad_identifier(&ctx, "whitelabel"))
}

async fn access_lists(
    AxState(shared): AxState<Shared>,
    Path(id): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Reply {
    answer(&shared, &id, &q, &headers, json!({}))
}

async fn alerts(
    AxState(shared): AxState<Shared>,
    Path(id): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Reply {
    answer(&shared, &id, &q, &headers, json!([]))
}

async fn external_numbers(
    AxState(shared): AxState<Shared>,
    Path(id): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Reply {
    answer(&shared, &id, &q, &headers, json!([]))
}
