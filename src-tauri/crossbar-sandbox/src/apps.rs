//! The app store, read-only: `GET /v2/apps_store`, `GET /v2/accounts/{id}/apps_store` and
//! `/apps_store/{app_id}`. A small fixed catalogue shaped like Kazoo's app documents, so Kazoo's
//! web client can list and launch its apps. Apps are served by the web client itself; the
//! store only says which exist, who may use them, and which API they talk to.

use crate::auth::OnAccount;
use crate::envelope::{self, Reply};
use crate::model::{State, User};
use crate::Shared;
use axum::extract::{Path, Query, State as AxState};
use axum::http::HeaderMap;
use axum::routing::get;
use axum::Router;
use md5::{Digest, Md5};
use serde_json::{json, Value};
use std::collections::HashMap;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/v2/apps_store", get(list_own))
        .route("/v2/accounts/{id}/apps_store", get(list))
        .route("/v2/accounts/{id}/apps_store/{app_id}", get(one))
}

type Q = Query<HashMap<String, String>>;

/// Who may use an app: Kazoo's `allowed_users`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Allowed {
    All,
    Admins,
    /// The users listed in `users`; the sandbox lists the account's admins.
    Specific,
}

impl Allowed {
    fn as_str(self) -> &'static str {
        match self {
            Allowed::All => "all",
            Allowed::Admins => "admins",
            Allowed::Specific => "specific",
        }
    }
}

struct App {
    name: &'static str,
    label: &'static str,
    description: &'static str,
    allowed: Allowed,
    masqueradable: bool,
}

const CATALOGUE: &[App] = &[
    App {
        name: "accounts",
        label: "Accounts Manager",
        description: "Create and manage sub-accounts.",
        allowed: Allowed::Admins,
        masqueradable: false,
    },
    App {
        name: "voip",
        label: "SmartPBX",
        description: "Users, devices, groups and the main number of a hosted PBX.",
        allowed: Allowed::All,
        masqueradable: true,
    },
    App {
        name: "numbers",
        label: "Number Manager",
        description: "Buy, port and manage the phone numbers of an account.",
        allowed: Allowed::Specific,
        masqueradable: true,
    },
    App {
        name: "callflows",
        label: "Callflows",
        description: "Advanced call routing.",
        allowed: Allowed::Specific,
        masqueradable: true,
    },
    App {
        name: "webhooks",
        label: "Webhooks",
        description: "Send call and account events to other systems.",
        allowed: Allowed::All,
        masqueradable: true,
    },
];

fn app_id(name: &str) -> String {
    hex::encode(Md5::digest(format!("app:{name}").as_bytes()))
}

/// The API clients should use, as this request reached the sandbox.
pub fn api_url(headers: &HeaderMap) -> String {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}/v2/")
}

fn admins<'a>(state: &'a State, account: &str) -> Vec<&'a User> {
    state
        .users
        .get(account)
        .map(|us| us.iter().filter(|u| u.priv_level == "admin").collect())
        .unwrap_or_default()
}

fn doc(state: &State, account: &str, app: &App, api_url: &str) -> Value {
    let users: Vec<Value> = if app.allowed == Allowed::Specific {
        admins(state, account)
            .into_iter()
            .map(|u| json!({"id": u.id, "first_name": u.first_name, "last_name": u.last_name}))
            .collect()
    } else {
        Vec::new()
    };
    json!({
        "id": app_id(app.name),
        "name": app.name,
        "i18n": {"en-US": {"label": app.label, "description": app.description, "extended_description": app.description, "features": []}},
        "tags": ["reseller", "developer"],
        "icon": format!("{}.png", app.name),
        "api_url": api_url,
        "author": "2600Hz",
        "version": "4.3",
        "license": "-",
        "price": 0,
        "phase": "gold",
        "masqueradable": app.masqueradable,
        "screenshots": [],
        "urls": {},
        "allowed_users": app.allowed.as_str(),
        "users": users,
    })
}

fn permitted(state: &State, account: &str, app: &App, owner: Option<&str>) -> bool {
    let Some(owner) = owner else {
        // An API key speaks for the whole account.
        return true;
    };
    match app.allowed {
        Allowed::All => true,
        Allowed::Admins | Allowed::Specific => admins(state, account).iter().any(|u| u.id == owner),
    }
}

/// The apps a session may launch, as the `apps` of an auth response: `id`, `name`, `api_url`,
/// `label`.
pub fn for_session(state: &State, account: &str, owner: Option<&str>, api_url: &str) -> Vec<Value> {
    CATALOGUE
        .iter()
        .filter(|a| permitted(state, account, a, owner))
        .map(|a| {
            json!({
                "id": app_id(a.name),
                "name": a.name,
                "api_url": api_url,
                "label": a.label,
                "i18n": {"en-US": {"label": a.label}},
            })
        })
        .collect()
}

fn listing(state: &State, account: &str, api_url: &str) -> Value {
    Value::Array(
        CATALOGUE
            .iter()
            .map(|a| doc(state, account, a, api_url))
            .collect(),
    )
}

async fn list_own(AxState(shared): AxState<Shared>, Query(q): Q, headers: HeaderMap) -> Reply {
    let state = shared.lock();
    let (ctx, token) = crate::auth::require(&state, &headers, &q)?;
    let data = listing(&state, &token.account_id, &api_url(&headers));
    Ok(envelope::ok(&ctx, data, None))
}

async fn list(
    AxState(shared): AxState<Shared>,
    OnAccount { ctx, id, .. }: OnAccount,
    headers: HeaderMap,
) -> Reply {
    let state = shared.lock();
    let data = listing(&state, &id, &api_url(&headers));
    Ok(envelope::ok(&ctx, data, None))
}

async fn one(
    AxState(shared): AxState<Shared>,
    OnAccount { ctx, id, .. }: OnAccount,
    Path((_, app)): Path<(String, String)>,
    headers: HeaderMap,
) -> Reply {
    let state = shared.lock();
    match CATALOGUE
        .iter()
        .find(|a| app_id(a.name) == app || a.name == app)
    {
        Some(a) => Ok(envelope::ok(
            &ctx,
            doc(&state, &id, a, &api_url(&headers)),
            None,
        )),
        None => Err(envelope::bad_identifier(&ctx, &app)),
    }
}
