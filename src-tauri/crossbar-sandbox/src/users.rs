//! `/v2/accounts/{id}/users` and `/users/{user_id}`: who may sign in, and with which privilege.
//!
//! GET lists (paginated like `children`) or reads; PUT creates; POST replaces the public part;
//! PATCH merges (`null` removes). Checks follow Kazoo's `users.json`; user names are lower-cased
//! and unique within the account; a `password` is turned into Kazoo's credential hashes and
//! never stored or returned.

use crate::auth::OnAccount;
use crate::envelope::{self, Ctx, Reply};
use crate::model::{State, Token, User};
use crate::paging::{self};
use crate::{rules, Shared};
use axum::body::Bytes;
use axum::extract::{Path, Query, State as AxState};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/v2/accounts/{id}/users", get(list).put(create))
        .route(
            "/v2/accounts/{id}/users/{user_id}",
            get(one).post(replace).patch(patch),
        )
}

type Q = Query<HashMap<String, String>>;

/// The stored public document (no `id`, no credentials).
fn public_doc(u: &User) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("username".into(), u.username.clone().into());
    m.insert("first_name".into(), u.first_name.clone().into());
    m.insert("last_name".into(), u.last_name.clone().into());
    if !u.email.is_empty() {
        m.insert("email".into(), u.email.clone().into());
    }
    m.insert("priv_level".into(), u.priv_level.clone().into());
    m.insert("enabled".into(), u.enabled.into());
    if let Some(tz) = &u.timezone {
        m.insert("timezone".into(), tz.clone().into());
    }
    if !u.ui_flags.is_empty() {
        m.insert("ui_flags".into(), Value::Object(u.ui_flags.clone()));
    }
    for (k, v) in &u.extra {
        m.entry(k.clone()).or_insert_with(|| v.clone());
    }
    m
}

/// A user as `GET /users/{id}` returns it (credentials never leave the server).
fn view(u: &User) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), u.id.clone().into());
    m.extend(public_doc(u));
    Value::Object(m)
}

/// A row of the listing: Kazoo's `users/crossbar_listing` keys.
fn row(u: &User) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), u.id.clone().into());
    m.insert("username".into(), u.username.clone().into());
    m.insert("first_name".into(), u.first_name.clone().into());
    m.insert("last_name".into(), u.last_name.clone().into());
    m.insert("email".into(), u.email.clone().into());
    m.insert("priv_level".into(), u.priv_level.clone().into());
    m.insert("enabled".into(), u.enabled.into());
    if let Some(tz) = &u.timezone {
        m.insert("timezone".into(), tz.clone().into());
    }
    Value::Object(m)
}

fn revision(u: &User) -> String {
    State::revision(u.rev, &public_doc(u))
}

async fn list(
    AxState(shared): AxState<Shared>,
    OnAccount { ctx, id, .. }: OnAccount,
    Query(query): Q,
) -> Reply {
    let state = shared.lock();
    let mut users: Vec<&User> = state
        .users
        .get(&id)
        .map(|u| u.iter().collect())
        .unwrap_or_default();
    // `crossbar_filter:filter_doc/2` runs on every listing (`filter_username=…`).
    users.retain(|u| {
        !crate::filters::any(&query) || crate::filters::keeps(&Value::Object(public_doc(u)), &query)
    });
    users.sort_by(|a, b| a.id.cmp(&b.id));
    paging::listing(&ctx, users, |u| u.id.as_str(), &query, row)
}

fn find<'a>(state: &'a State, account: &str, user_id: &str) -> Option<&'a User> {
    state
        .users
        .get(account)
        .and_then(|us| us.iter().find(|u| u.id == user_id))
}

async fn one(
    AxState(shared): AxState<Shared>,
    OnAccount { ctx, id, .. }: OnAccount,
    Path((_, user_id)): Path<(String, String)>,
) -> Reply {
    let state = shared.lock();
    match find(&state, &id, &user_id) {
        Some(u) => Ok(envelope::ok(&ctx, view(u), Some(&revision(u)))),
        None => Err(envelope::bad_identifier(&ctx, &user_id)),
    }
}

async fn create(AxState(shared): AxState<Shared>, on: OnAccount, body: Bytes) -> Reply {
    write(&shared, on, None, &body, |_, input| input)
}

async fn replace(
    AxState(shared): AxState<Shared>,
    on: OnAccount,
    Path((_, user_id)): Path<(String, String)>,
    body: Bytes,
) -> Reply {
    write(&shared, on, Some(&user_id), &body, |_, input| input)
}

async fn patch(
    AxState(shared): AxState<Shared>,
    on: OnAccount,
    Path((_, user_id)): Path<(String, String)>,
    body: Bytes,
) -> Reply {
    write(&shared, on, Some(&user_id), &body, |current, input| {
        let mut merged = current.clone();
        crate::accounts::merge(&mut merged, input);
        merged
    })
}

/// Whether the token speaks for an admin: an API key, or a user whose `priv_level` is admin.
fn caller_is_admin(state: &State, token: &Token) -> bool {
    match &token.owner_id {
        None => true,
        Some(owner) => {
            find(state, &token.account_id, owner).is_some_and(|u| u.priv_level == "admin")
        }
    }
}

/// The shared write path: authorise, clean, combine, validate, check uniqueness, store.
fn write(
    shared: &Shared,
    on: OnAccount,
    user_id: Option<&str>,
    body: &[u8],
    combine: impl FnOnce(&Map<String, Value>, Map<String, Value>) -> Map<String, Value>,
) -> Reply {
    let OnAccount { ctx, token, id } = on;
    let account = id.as_str();
    let mut state = shared.lock();
    let (mut input, _) = envelope::request_data(&ctx, body)?;
    input.retain(|k, _| !(k.starts_with('_') || k.starts_with("pvt_") || k == "id"));
    let password = input.remove("password");
    let current = match user_id {
        Some(uid) => match find(&state, account, uid) {
            Some(u) => Some(u.clone()),
            None => return Err(envelope::bad_identifier(&ctx, uid)),
        },
        None => None,
    };
    // Plain users may edit only themselves, and may not raise their own privilege.
    let admin = caller_is_admin(&state, &token);
    let own = current
        .as_ref()
        .is_some_and(|u| token.owner_id.as_deref() == Some(u.id.as_str()));
    if !admin && !own {
        return Err(envelope::forbidden(
            &ctx,
            "only an admin may create or change other users",
        ));
    }
    let base = current.as_ref().map(public_doc).unwrap_or_default();
    let mut doc = combine(&base, input);
    if let Some(Value::String(name)) = doc.get_mut("username") {
        *name = name.trim().to_lowercase();
    }
    // Schema defaults.
    doc.entry("priv_level").or_insert_with(|| "user".into());
    doc.entry("enabled").or_insert(Value::Bool(true));
    if !admin && doc.get("priv_level") != base.get("priv_level") {
        return Err(envelope::forbidden(
            &ctx,
            "only an admin may change priv_level",
        ));
    }
    let mut errs = rules::check_user(&doc);
    let username = doc
        .get("username")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let this_id = current.as_ref().map(|u| u.id.as_str());
    let taken = !username.is_empty()
        && state.users.get(account).is_some_and(|us| {
            us.iter()
                .any(|u| Some(u.id.as_str()) != this_id && u.username.to_lowercase() == username)
        });
    if taken {
        errs.add(
            "username",
            "unique",
            json!({"message": "Username must be unique within account", "cause": username}),
        );
    }
    let password = match password {
        None | Some(Value::Null) => None,
        Some(Value::String(p)) if !p.is_empty() => Some(p),
        Some(Value::String(_)) => {
            errs.add(
                "password",
                "minLength",
                json!({"message": "String must be at least 1 characters", "target": 1}),
            );
            None
        }
        Some(v) => {
            errs.add(
                "password",
                "type",
                json!({"message": "Value did not match type(s): string", "target": "string", "value": v}),
            );
            None
        }
    };
    // `kzd_users:maybe_rehash_creds/1`: the credentials hash the user name, so a new user with
    // a name, or a new name, needs the password (`generate_password_if_empty` is off by
    // default); a password with no name gets one (`generate_username_if_empty`).
    let named = !username.is_empty() && current.as_ref().is_none_or(|u| u.username != username);
    if named && password.is_none() && !errs.contains("password") {
        errs.add(
            "password",
            "required",
            json!({"message": "The password must be provided when creating / updating the user name", "cause": username}),
        );
    }
    let username = match (&password, username.is_empty(), &current) {
        (Some(_), true, None) => {
            let generated = format!("user_{}", envelope::random_hex(8));
            doc.insert("username".into(), generated.clone().into());
            generated
        }
        _ => username,
    };
    if !errs.is_empty() {
        return Err(envelope::validation(&ctx, errs.into_map()));
    }
    let mut user = current.unwrap_or_else(|| User {
        id: envelope::random_hex(16),
        username: String::new(),
        md5: String::new(),
        sha1: String::new(),
        priv_level: "user".into(),
        first_name: String::new(),
        last_name: String::new(),
        email: String::new(),
        enabled: true,
        timezone: None,
        ui_flags: Map::new(),
        extra: Map::new(),
        rev: 0,
    });
    if let Some(p) = &password {
        let (md5, sha1) = crate::seed::credentials(&username, p);
        user.md5 = md5;
        user.sha1 = sha1;
    }
    apply(&mut user, doc);
    user.rev += 1;
    store(&mut state, &ctx, account, user, user_id.is_none())
}

/// Copy a validated public document into the typed user.
fn apply(u: &mut User, mut doc: Map<String, Value>) {
    let mut text = |k: &str| match doc.remove(k) {
        Some(Value::String(s)) => s,
        _ => String::new(),
    };
    u.username = text("username");
    u.first_name = text("first_name");
    u.last_name = text("last_name");
    u.email = text("email");
    u.priv_level = text("priv_level");
    u.enabled = doc
        .remove("enabled")
        .and_then(|v| v.as_bool())
        .unwrap_or(true);
    u.timezone = match doc.remove("timezone") {
        Some(Value::String(s)) => Some(s),
        _ => None,
    };
    u.ui_flags = match doc.remove("ui_flags") {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    u.extra = doc;
}

fn store(state: &mut State, ctx: &Ctx, account: &str, user: User, created: bool) -> Reply {
    let users = state.users.entry(account.to_owned()).or_default();
    match users.iter_mut().find(|u| u.id == user.id) {
        Some(slot) => *slot = user.clone(),
        None => users.push(user.clone()),
    }
    if let Err(e) = state.save_users(account) {
        return Err(envelope::datastore_fault(ctx, &e));
    }
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(envelope::success(
        ctx,
        status,
        view(&user),
        Some(&revision(&user)),
        Map::new(),
    ))
}
