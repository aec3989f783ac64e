//! What Kazoo's web client (Monster UI) asks for around its edges, answered in Kazoo's shapes so
//! it can run against the sandbox:
//!
//! - `GET /v2/whitelabel/{domain}` (and `/logo`, `/icon`, …): no authentication; 404
//!   `bad_identifier`, since the sandbox has no white-labelling.
//! - `GET /v2/accounts/{id}/whitelabel`: 404 `bad_identifier` for the same reason.
//! - `GET /v2/accounts/{id}/access_lists`: the account has none, `{}`.
//! - `GET /v2/accounts/{id}/alerts` and `/external_numbers`: empty lists.

use crate::auth::OnAccount;
use crate::envelope::{self, Ctx, Reply};
use crate::Shared;
use axum::extract::Path;
use axum::routing::get;
use axum::Router;
use serde_json::json;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/v2/whitelabel/{domain}", get(whitelabel))
        .route("/v2/whitelabel/{domain}/{*rest}", get(whitelabel_part))
        .route("/v2/accounts/{id}/whitelabel", get(account_whitelabel))
        .route("/v2/accounts/{id}/access_lists", get(access_lists))
        .route("/v2/accounts/{id}/alerts", get(alerts))
        .route("/v2/accounts/{id}/external_numbers", get(external_numbers))
}

async fn whitelabel(Path(domain): Path<String>) -> Reply {
    Err(envelope::bad_identifier(&Ctx::new(""), &domain))
}

async fn whitelabel_part(Path((domain, _)): Path<(String, String)>) -> Reply {
    Err(envelope::bad_identifier(&Ctx::new(""), &domain))
}

async fn account_whitelabel(OnAccount { ctx, .. }: OnAccount) -> Reply {
    Err(envelope::bad_identifier(&ctx, "whitelabel"))
}

async fn access_lists(OnAccount { ctx, .. }: OnAccount) -> Reply {
    Ok(envelope::ok(&ctx, json!({}), None))
}

async fn alerts(OnAccount { ctx, .. }: OnAccount) -> Reply {
    Ok(envelope::ok(&ctx, json!([]), None))
}

async fn external_numbers(OnAccount { ctx, .. }: OnAccount) -> Reply {
    Ok(envelope::ok(&ctx, json!([]), None))
}
