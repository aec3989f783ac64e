//! `PUT /v2/user_auth`, `PUT /v2/api_auth`, `GET|POST /v2/auth/tokeninfo`,
//! `GET /v2/accounts/{id}/api_key`, and the token check every other route runs first.

use crate::envelope::Reply;
use crate::envelope::{self, Ctx};
use crate::model::{State, Token};
use crate::Shared;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Query, State as AxState};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, put};
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/v2/user_auth", put(user_auth))
        .route("/v2/api_auth", put(api_auth))
        .route(
            "/v2/auth/tokeninfo",
            get(token_info_get).post(token_info_post),
        )
        .route("/v2/accounts/{id}/api_key", get(api_key))
}

/// The token a request carries: `X-Auth-Token`, `Authorization: Bearer`, or `?auth_token=`.
fn presented_token(headers: &HeaderMap, query: &HashMap<String, String>) -> Option<String> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    header("x-auth-token")
        .map(str::to_owned)
        .or_else(|| {
            header("authorization")
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::to_owned)
        })
        .or_else(|| query.get("auth_token").cloned())
        .filter(|t| !t.is_empty())
}

/// Check the request's token: 401 when missing, unknown or expired (expiry never slides).
pub fn require(
    state: &State,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
) -> Result<(Ctx, Token), Response> {
    let token = presented_token(headers, query);
    let ctx = Ctx::new(token.clone().unwrap_or_default());
    let Some(token) = token else {
        return Err(envelope::unauthorized(&ctx));
    };
    match state.tokens.get(&token) {
        Some(t) if t.exp > state.now() => Ok((ctx, t.clone())),
        _ => Err(envelope::unauthorized(&Ctx::new(""))),
    }
}

/// Check the token and that it may act on `account_id` (itself or a descendant): 404 for an
/// unknown account, 403 outside the token's subtree.
pub fn require_account(
    state: &State,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
    account_id: &str,
) -> Result<(Ctx, Token), Response> {
    let (ctx, token) = require(state, headers, query)?;
    if state.account(account_id).is_none() {
        return Err(envelope::bad_identifier(&ctx, account_id));
    }
    if !state.reaches(&token.account_id, account_id) {
        return Err(envelope::forbidden(
            &ctx,
            "the account is outside the authenticated account's tree",
        ));
    }
    Ok((ctx, token))
}

/// A request on `/v2/accounts/{id}/…` whose token may act on `{id}`: what every account route
/// checks first (`crossbar_auth:authenticate/1`, then `cb_simple_authz:authorize/1`: the
/// token's own account or a descendant). 401 without a valid token, 404 for an unknown
/// account, 403 outside the token's tree.
pub struct OnAccount {
    pub ctx: Ctx,
    pub token: Token,
    /// The `{id}` of the path.
    pub id: String,
}

impl FromRequestParts<Shared> for OnAccount {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, shared: &Shared) -> Result<Self, Response> {
        let id = Path::<HashMap<String, String>>::from_request_parts(parts, shared)
            .await
            .ok()
            .and_then(|Path(mut p)| p.remove("id"))
            .unwrap_or_default();
        let query = Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
            .map(|Query(q)| q)
            .unwrap_or_default();
        let state = shared.lock();
        let (ctx, token) = require_account(&state, &parts.headers, &query, &id)?;
        Ok(Self { ctx, token, id })
    }
}

/// An [`OnAccount`] request on the account's billing (balance adjustments, service plans),
/// which only its reseller or a superduper admin may make (`cb_ledgers:authorize_create/1`,
/// `cb_services:is_allowed/1`). Anyone else gets Kazoo's bare `forbidden`
/// (`cb_context:add_system_error(forbidden, Context)`), with no cause.
pub struct BillsAccount(pub OnAccount);

impl FromRequestParts<Shared> for BillsAccount {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, shared: &Shared) -> Result<Self, Response> {
        let on = OnAccount::from_request_parts(parts, shared).await?;
        if !shared.lock().bills_for(&on.token.account_id, &on.id) {
            return Err(envelope::error(
                &on.ctx,
                StatusCode::FORBIDDEN,
                "forbidden",
                json!({"message": "forbidden"}),
            ));
        }
        Ok(Self(on))
    }
}

fn issue_token(state: &mut State, account_id: &str, owner_id: Option<&str>) -> String {
    let now = state.now();
    let exp = now + state.token_ttl.as_secs() as i64;
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = json!({
        "account_id": account_id,
        "owner_id": owner_id,
        "iat": now,
        "exp": exp,
        "jti": envelope::random_hex(8),
    });
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signature = URL_SAFE_NO_PAD.encode(envelope::random_hex(32));
    let token = format!("{header}.{payload}.{signature}");
    state.tokens.insert(
        token.clone(),
        Token {
            account_id: account_id.to_owned(),
            owner_id: owner_id.map(str::to_owned),
            exp,
        },
    );
    token
}

/// What an auth response says about a session: who, where, and which apps it may launch.
fn session_data(
    state: &State,
    account_id: &str,
    owner_id: Option<&str>,
    headers: &HeaderMap,
) -> Value {
    let acct = state.account(account_id);
    let doc = acct.map(|a| &a.doc);
    let text = |k: &str| doc.and_then(|d| d.get(k)).cloned().unwrap_or(Value::Null);
    let apps =
        crate::apps::for_session(state, account_id, owner_id, &crate::apps::api_url(headers));
    json!({
        "account_id": account_id,
        "owner_id": owner_id,
        "reseller_id": state.reseller_of(account_id),
        "is_reseller": acct.is_some_and(|a| a.is_reseller),
        "account_name": text("name"),
        "language": text("language"),
        "apps": apps,
    })
}

fn auth_success(
    state: &mut State,
    account_id: &str,
    owner_id: Option<&str>,
    headers: &HeaderMap,
) -> Reply {
    let token = issue_token(state, account_id, owner_id);
    let ctx = Ctx::new(token);
    if let Err(e) = state.save_tokens() {
        return Err(envelope::datastore_fault(&ctx, &e));
    }
    let data = session_data(state, account_id, owner_id, headers);
    Ok(envelope::success(
        &ctx,
        StatusCode::CREATED,
        data,
        None,
        Map::new(),
    ))
}

async fn user_auth(AxState(shared): AxState<Shared>, headers: HeaderMap, body: Bytes) -> Reply {
    let ctx = Ctx::new("");
    let (data, _) = envelope::request_data(&ctx, &body)?;
    let mut state = shared.lock();
    let text = |k: &str| data.get(k).and_then(Value::as_str).map(str::to_owned);
    let credentials = text("credentials").unwrap_or_default();
    if credentials.is_empty() || credentials.len() > 64 {
        let rule = if credentials.is_empty() {
            "required"
        } else {
            "maxLength"
        };
        return Err(envelope::validation(
            &ctx,
            envelope::single_error(
                "credentials",
                rule,
                json!({"message": "Credentials must be 1 to 64 characters", "target": 64}),
            ),
        ));
    }
    let method = text("method").unwrap_or_else(|| "md5".into());
    if method != "md5" && method != "sha" {
        return Err(envelope::validation(
            &ctx,
            envelope::single_error(
                "method",
                "enum",
                json!({"message": "Value not found in enumerated list of values", "target": ["md5", "sha"], "value": method}),
            ),
        ));
    }
    // `cb_user_auth:find_account/4`: the realm first, the name only when the realm finds
    // nothing; `maybe_authenticate_user/1` drops the lookup's errors, so an unknown account is
    // the same 401 as a wrong password.
    let by_realm = text("account_realm")
        .or_else(|| text("realm"))
        .and_then(|realm| state.find_by_realm(&realm).map(|a| a.id.clone()));
    let account = by_realm.or_else(|| {
        text("account_name").and_then(|name| state.find_by_name(&name).map(|a| a.id.clone()))
    });
    let Some(account_id) = account else {
        return Err(envelope::error(
            &ctx,
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            json!({"message": "invalid credentials"}),
        ));
    };
    let hash = credentials.to_ascii_lowercase();
    let owner = state.users.get(&account_id).and_then(|users| {
        users
            .iter()
            .find(|u| u.enabled && (if method == "sha" { &u.sha1 } else { &u.md5 }) == &hash)
            .map(|u| u.id.clone())
    });
    let Some(owner_id) = owner else {
        return Err(envelope::error(
            &ctx,
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            json!({"message": "invalid credentials"}),
        ));
    };
    // `crossbar_auth`'s account check adds a validation error on `account` (its 423 clause
    // never matches: the property arrives wrapped in a list).
    if state.account(&account_id).is_some_and(|a| !a.enabled) {
        return Err(envelope::validation(
            &ctx,
            envelope::single_error(
                "account",
                "disabled",
                json!({"message": "account disabled"}),
            ),
        ));
    }
    auth_success(&mut state, &account_id, Some(&owner_id), &headers)
}

async fn api_auth(AxState(shared): AxState<Shared>, headers: HeaderMap, body: Bytes) -> Reply {
    let ctx = Ctx::new("");
    let (data, _) = envelope::request_data(&ctx, &body)?;
    let mut state = shared.lock();
    let key = data
        .get("api_key")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if key.len() != 64 {
        return Err(envelope::validation(
            &ctx,
            envelope::single_error(
                "api_key",
                if key.is_empty() {
                    "required"
                } else {
                    "minLength"
                },
                json!({"message": "api_key must be 64 characters", "target": 64}),
            ),
        ));
    }
    let account = state
        .accounts
        .values()
        .find(|a| a.api_key == key)
        .map(|a| a.id.clone());
    match account {
        Some(id) => auth_success(&mut state, &id, None, &headers),
        None => Err(envelope::error(
            &ctx,
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            json!({"message": "invalid credentials"}),
        )),
    }
}

async fn api_key(AxState(shared): AxState<Shared>, OnAccount { ctx, id, .. }: OnAccount) -> Reply {
    let state = shared.lock();
    let key = state
        .account(&id)
        .map(|a| a.api_key.clone())
        .unwrap_or_default();
    Ok(envelope::ok(&ctx, json!({"api_key": key}), None))
}

/// Token info (`GET ?token=` or `POST {"data":{"token":…}}`): what Kazoo's web client asks when
/// it resumes a session from its own cookie. A live token answers like a fresh sign-in (same
/// token, claims included); anything else is 401.
fn token_info(state: &State, token: &str, headers: &HeaderMap) -> Reply {
    let Some(t) = state.tokens.get(token).filter(|t| t.exp > state.now()) else {
        return Err(envelope::unauthorized(&Ctx::new("")));
    };
    let ctx = Ctx::new(token);
    let mut data = session_data(state, &t.account_id, t.owner_id.as_deref(), headers);
    if let Some(claims) = token
        .split('.')
        .nth(1)
        .and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
        .and_then(|b| serde_json::from_slice::<Map<String, Value>>(&b).ok())
    {
        if let Value::Object(d) = &mut data {
            for (k, v) in claims {
                d.entry(k).or_insert(v);
            }
        }
    }
    Ok(envelope::ok(&ctx, data, None))
}

async fn token_info_get(
    AxState(shared): AxState<Shared>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Reply {
    let state = shared.lock();
    let token = query
        .get("token")
        .cloned()
        .or_else(|| presented_token(&headers, &query))
        .unwrap_or_default();
    token_info(&state, &token, &headers)
}

async fn token_info_post(
    AxState(shared): AxState<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let (data, _) = envelope::request_data(&Ctx::new(""), &body)?;
    let state = shared.lock();
    let token = data
        .get("token")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    token_info(&state, &token, &headers)
}
