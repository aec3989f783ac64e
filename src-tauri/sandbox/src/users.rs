//! `/v2/accounts/{id}/users` and `/users/{user_id}`: who may sign in, and with which privilege.

use crate::envelope;
use crate::envelope::Reply;
use crate::model::User;
use crate::paging::{self, PageError};
use crate::{lock, Shared};
use axum::extract::{Path, Query, State as AxState};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use std::collections::HashMap;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/v2/accounts/{id}/users", get(list))
        .route("/v2/accounts/{id}/users/{user_id}", get(one))
}

/// A user as Kazoo returns it (credentials never leave the server).
fn view(u: &User) -> Value {
    json!({
        "id": u.id,
        "username": u.username,
        "first_name": u.first_name,
        "last_name": u.last_name,
        "email": u.email,
        "priv_level": u.priv_level,
        "enabled": u.enabled,
    })
}

async fn list(
    AxState(shared): AxState<Shared>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Reply {
    let state = lock(&shared);
    let (ctx, _) = crate::auth::require_account(&state, &headers, &query, &id)?;
    let mut users: Vec<&User> = state
        .users
        .get(&id)
        .map(|u| u.iter().collect())
        .unwrap_or_default();
    users.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(match paging::page(users, |u| u.id.as_str(), &query) {
        Ok((page, extra)) => envelope::success(
            &ctx,
            StatusCode::OK,
            Value::Array(page.into_iter().map(view).collect()),
            None,
            extra,
        ),
        Err(PageError::BadStartKey | PageError::BadPageSize) => envelope::validation(
            &ctx,
            envelope::single_error(
                "start_key",
                "invalid",
                json!({"message": "bad paging parameters"}),
            ),
        ),
    })
}

async fn one(
    AxState(shared): AxState<Shared>,
    Path((id, user_id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Reply {
    let state = lock(&shared);
    let (ctx, _) = crate::auth::require_account(&state, &headers, &query, &id)?;
    Ok(
        match state
            .users
            .get(&id)
            .and_then(|us| us.iter().find(|u| u.id == user_id))
        {
            Some(u) => envelope::ok(&ctx, view(u), Some("1-user")),
            None => envelope::bad_identifier(&ctx, &user_id),
        },
    )
}
