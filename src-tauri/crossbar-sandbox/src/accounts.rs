//! `/v2/accounts/{id}`: GET, PUT (a new sub-account), POST (replace the public part), PATCH
//! (merge; `null` removes), DELETE, and the `children` / `descendants` listings.

use crate::auth::OnAccount;
use crate::envelope::Reply;
use crate::envelope::{self, Ctx};
use crate::model::{normalize_name, State, Token};
use crate::paging::{self};
use crate::{rules, Shared};
use axum::body::Bytes;
use axum::extract::{Query, State as AxState};
use axum::http::{header, HeaderValue, StatusCode};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// Keys the server computes or keeps private: dropped from any input.
const SERVER_KEYS: &[&str] = &[
    "id",
    "created",
    "enabled",
    "billing_mode",
    "superduper_admin",
    "wnm_allow_additions",
    "is_reseller",
    "reseller_id",
    "api_key",
    "notification_preference",
    "trial_time_left",
    "descendants_count",
];

pub fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/v2/accounts/{id}",
            get(get_account)
                .put(put_account)
                .post(post_account)
                .patch(patch_account)
                .delete(delete_account),
        )
        .route("/v2/accounts/{id}/children", get(children))
        .route("/v2/accounts/{id}/descendants", get(descendants))
}

type Q = Query<HashMap<String, String>>;

async fn get_account(
    AxState(shared): AxState<Shared>,
    OnAccount { ctx, token, id }: OnAccount,
) -> Reply {
    let state = shared.lock();
    let Some(acct) = state.account(&id) else {
        return Err(envelope::bad_identifier(&ctx, &id));
    };
    let rev = State::revision(acct.rev, &acct.doc);
    Ok(envelope::ok(
        &ctx,
        state.account_view(acct, &token.account_id),
        Some(&rev),
    ))
}

/// `crossbar.accounts.account_realm_suffix` on this platform (Kazoo's default is
/// `sip.2600hz.com`; an operator sets its own, as the sandbox's seed does).
const ACCOUNT_REALM_SUFFIX: &str = "sip.deskdemo.net";

/// `PUT /v2/accounts/{PARENT}` (`cb_accounts:validate/2` → `kzd_accounts:validate/3`, then
/// `cb_accounts:put/2`): a new account under the one in the URL, which the caller must be or
/// reach (`cb_simple_authz`). A missing or empty realm becomes `kzd_accounts:random_realm/0`
/// (six hex digits and the platform's suffix — not the parent's realm); a missing zone is the
/// system default, not the parent's (`ensure_account_has_timezone/1`: a new document has no
/// tree yet); realm and name must be unique platform-wide, the name as `normalize_name/1`
/// reads it. `pvt_enabled` is copied from the parent; no service plan is assigned (4.3's
/// `kz_services:create/2` sets none) and nothing is charged, so there is no 402. 201 with
/// `Location`.
async fn put_account(AxState(shared): AxState<Shared>, on: OnAccount, body: Bytes) -> Reply {
    let OnAccount { ctx, token, id } = on;
    let parent = id.as_str();
    let mut state = shared.lock();
    let Some(parent_acct) = state.account(parent).cloned() else {
        return Err(envelope::bad_identifier(&ctx, parent));
    };
    let (mut doc, _) = envelope::request_data(&ctx, &body)?;
    let new_id = envelope::random_hex(16);
    let realm_given = doc
        .get("realm")
        .and_then(Value::as_str)
        .is_some_and(|r| !r.is_empty());
    if !realm_given {
        let realm = format!("{}.{ACCOUNT_REALM_SUFFIX}", envelope::random_hex(3));
        doc.insert("realm".into(), realm.into());
    }
    clean_input(&mut doc);
    // Not stored yet: no tree, so the system default.
    ensure_account_has_timezone(&state, &new_id, &mut doc, Write::Replace);
    let mut errs = rules::check_account(&doc);
    check_unique(&state, "", &doc, &mut errs);
    if !errs.is_empty() {
        return Err(envelope::validation(&ctx, errs.into_map()));
    }
    // The schema's defaults (`accounts.json`), applied by jesse with `use_defaults`.
    doc.entry("enabled").or_insert(Value::Bool(true));
    for key in ["call_restriction", "music_on_hold", "preflow", "ringtones"] {
        doc.entry(key).or_insert_with(|| json!({}));
    }
    let now = state.now();
    let mut tree = parent_acct.tree.clone();
    tree.push(parent_acct.id.clone());
    state.accounts.insert(
        new_id.clone(),
        crate::model::Account {
            id: new_id.clone(),
            doc,
            tree,
            created: now,
            modified: now,
            rev: 1,
            is_reseller: false,
            superduper_admin: false,
            enabled: parent_acct.enabled,
            api_key: envelope::random_hex(32),
            plan: None,
        },
    );
    if let Err(e) = state.save_account(&new_id) {
        state.accounts.remove(&new_id);
        return Err(envelope::datastore_fault(&ctx, &e));
    }
    let Some(acct) = state.account(&new_id) else {
        return Err(envelope::bad_identifier(&ctx, &new_id));
    };
    let rev = State::revision(acct.rev, &acct.doc);
    let mut res = envelope::success(
        &ctx,
        StatusCode::CREATED,
        state.account_view(acct, &token.account_id),
        Some(&rev),
        Map::new(),
    );
    // `crossbar_doc:handle_json_success/3` on a PUT: the new document's ID.
    if let Ok(v) = HeaderValue::from_str(&new_id) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// `DELETE /v2/accounts/{ID}` (`cb_accounts:validate_delete_request/2`, `delete/2`): refused
/// for the platform's master (405: not offered) and, with a 500 `account_has_descendants`, for
/// an account that still has sub-accounts (`kapps_util:account_has_descendants/1`). Otherwise
/// its services end and its data is removed; the answer is the account as it was, marked
/// `_read_only.deleted`. No balance check.
async fn delete_account(AxState(shared): AxState<Shared>, on: OnAccount) -> Reply {
    let OnAccount { ctx, token, id } = on;
    let id = id.as_str();
    let mut state = shared.lock();
    if id == state.master_id {
        return Err(envelope::not_allowed(&ctx));
    }
    let Some(acct) = state.account(id).cloned() else {
        return Err(envelope::bad_identifier(&ctx, id));
    };
    if state
        .accounts
        .values()
        .any(|a| a.tree.iter().any(|t| t == id))
    {
        return Err(envelope::error(
            &ctx,
            StatusCode::INTERNAL_SERVER_ERROR,
            "account_has_descendants",
            json!({"message": "account has descendants"}),
        ));
    }
    let mut view = state.account_view(&acct, &token.account_id);
    view["_read_only"] = json!({"deleted": true});
    state.accounts.remove(id);
    state.limits.remove(id);
    state.users.remove(id);
    state.books.remove(id);
    state.callflows.remove(id);
    if let Err(e) = state.remove_account_files(id) {
        return Err(envelope::datastore_fault(&ctx, &e));
    }
    Ok(envelope::ok(&ctx, view, None))
}

async fn post_account(AxState(shared): AxState<Shared>, on: OnAccount, body: Bytes) -> Reply {
    write(&shared, on, &body, Write::Replace)
}

async fn patch_account(AxState(shared): AxState<Shared>, on: OnAccount, body: Bytes) -> Reply {
    write(&shared, on, &body, Write::Patch)
}

/// POST validates the request body alone; PATCH merges it into the stored document first
/// (`crossbar_doc:patch_and_validate/4`), so the document it validates carries its tree.
#[derive(Clone, Copy, PartialEq)]
enum Write {
    Replace,
    Patch,
}

/// Deep merge as Kazoo's PATCH does: objects merge key by key, `null` removes a key.
pub(crate) fn merge(target: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (k, v) in patch {
        match (target.get_mut(&k), v) {
            (_, Value::Null) => {
                target.remove(&k);
            }
            (Some(Value::Object(t)), Value::Object(p)) => merge(t, p),
            (_, v) => {
                target.insert(k, v);
            }
        }
    }
}

/// What every account write drops or tidies before validating: private and server-computed
/// keys (`kzd_accounts:cleanup_leaky_keys/3` and `kz_doc:public_fields/1`), and spaces in the
/// realm (`kzd_accounts:remove_spaces/3`).
fn clean_input(input: &mut Map<String, Value>) {
    input.retain(|k, _| {
        !(k.starts_with('_') || k.starts_with("pvt_") || SERVER_KEYS.contains(&k.as_str()))
    });
    if let Some(Value::String(realm)) = input.get_mut("realm") {
        realm.retain(|c| !c.is_whitespace());
    }
}

/// The shared write path: authorise, clean, merge, validate, check uniqueness, store.
fn write(shared: &Shared, on: OnAccount, body: &[u8], how: Write) -> Reply {
    let OnAccount { ctx, token, id } = on;
    let id = id.as_str();
    let mut state = shared.lock();
    let (mut input, _) = envelope::request_data(&ctx, body)?;
    // `kzd_accounts:validate/3` runs the schema with defaults on, and `accounts.json` defaults
    // `enabled` to true: a body without it validates as `enabled: true`.
    let enabled = input
        .get("enabled")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    clean_input(&mut input);
    let Some(current) = state.account(id).map(|a| a.doc.clone()) else {
        return Err(envelope::bad_identifier(&ctx, id));
    };
    let mut doc = match how {
        Write::Replace => input,
        Write::Patch => {
            let mut merged = current;
            merge(&mut merged, input);
            merged
        }
    };
    ensure_account_has_timezone(&state, id, &mut doc, how);
    let mut errs = rules::check_account(&doc);
    check_unique(&state, id, &doc, &mut errs);
    if !errs.is_empty() {
        return Err(envelope::validation(&ctx, errs.into_map()));
    }
    store(&mut state, &ctx, &token, id, doc, enabled)
}

/// `kzd_accounts:ensure_account_has_timezone/1`: a missing or `"inherit"` zone is never
/// stored. With the tree in the document (PATCH) the parent's zone is copied in, else the
/// system default (`accounts.default_timezone`, America/Los_Angeles).
fn ensure_account_has_timezone(state: &State, id: &str, doc: &mut Map<String, Value>, how: Write) {
    let set = doc
        .get("timezone")
        .and_then(Value::as_str)
        .is_some_and(|z| z != "inherit");
    if set {
        return;
    }
    let parent = state.account(id).and_then(|a| a.tree.last());
    let zone = match (how, parent) {
        (Write::Patch, Some(parent)) => state.account_zone(parent),
        _ => chrono_tz::America::Los_Angeles,
    };
    doc.insert("timezone".into(), zone.name().into());
}

fn check_unique(state: &State, id: &str, doc: &Map<String, Value>, errs: &mut rules::Errors) {
    if let Some(realm) = doc.get("realm").and_then(Value::as_str) {
        if state.find_by_realm(realm).is_some_and(|a| a.id != id) {
            errs.add(
                "realm",
                "unique",
                json!({"message": "Account realm already in use", "cause": realm}),
            );
        }
    }
    if let Some(name) = doc.get("name").and_then(Value::as_str) {
        let taken = !normalize_name(name).is_empty()
            && state.find_by_name(name).is_some_and(|a| a.id != id);
        if taken {
            errs.add(
                "name",
                "unique",
                json!({"message": "Account name already in use", "cause": name}),
            );
        }
    }
}

fn store(
    state: &mut State,
    ctx: &Ctx,
    token: &Token,
    id: &str,
    doc: Map<String, Value>,
    enabled: bool,
) -> Reply {
    let now = state.now();
    // `cb_accounts:maybe_import_enabled/2`: an account editing itself cannot change it; an
    // ancestor's write sets it to what the validated document says — true unless sent.
    let by_ancestor = token.account_id != id && state.reaches(&token.account_id, id);
    let Some(acct) = state.accounts.get_mut(id) else {
        return Err(envelope::bad_identifier(ctx, id));
    };
    acct.doc = doc;
    acct.rev += 1;
    acct.modified = now;
    if by_ancestor {
        acct.enabled = enabled;
    }
    if let Err(e) = state.save_account(id) {
        return Err(envelope::datastore_fault(ctx, &e));
    }
    let Some(acct) = state.account(id) else {
        return Err(envelope::bad_identifier(ctx, id));
    };
    let rev = State::revision(acct.rev, &acct.doc);
    Ok(envelope::ok(
        ctx,
        state.account_view(acct, &token.account_id),
        Some(&rev),
    ))
}

async fn children(AxState(shared): AxState<Shared>, on: OnAccount, Query(query): Q) -> Reply {
    listing(
        &shared,
        on,
        &query,
        |tree, id| tree.last().map(String::as_str) == Some(id),
        false,
    )
}

async fn descendants(AxState(shared): AxState<Shared>, on: OnAccount, Query(query): Q) -> Reply {
    listing(
        &shared,
        on,
        &query,
        |tree, id| tree.iter().any(|t| t == id),
        true,
    )
}

/// `/children` and `/descendants` (`cb_accounts:load_paginated_children/descendants`): the
/// views are keyed by the parent or ancestor and the account's name, so rows come sorted by
/// name; a child row is `{id, name, realm, descendants_count, flags}`, a descendant's carries
/// its `tree` instead of the count.
fn listing(
    shared: &Shared,
    on: OnAccount,
    query: &HashMap<String, String>,
    include: impl Fn(&[String], &str) -> bool,
    with_tree: bool,
) -> Reply {
    let OnAccount { ctx, id, .. } = on;
    let id = id.as_str();
    let state = shared.lock();
    let name = |a: &crate::model::Account| {
        a.doc
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let mut items: Vec<(String, &crate::model::Account)> = state
        .accounts
        .values()
        .filter(|a| include(&a.tree, id))
        .map(|a| (format!("{}\u{0}{}", name(a), a.id), a))
        .collect();
    items.sort_by(|a, b| a.0.cmp(&b.0));
    let mut below: HashMap<&str, usize> = HashMap::new();
    if !with_tree {
        for a in state.accounts.values() {
            for t in &a.tree {
                *below.entry(t.as_str()).or_default() += 1;
            }
        }
    }
    paging::listing(
        &ctx,
        items,
        |(key, _)| key.as_str(),
        query,
        |(_, a)| {
            let mut row = json!({
                "id": a.id,
                "name": a.doc.get("name").cloned().unwrap_or(Value::Null),
                "realm": a.doc.get("realm").cloned().unwrap_or(Value::Null),
                "flags": a.doc.get("flags").cloned().unwrap_or(json!([])),
            });
            if with_tree {
                row["tree"] = json!(a.tree);
            } else {
                row["descendants_count"] = below.get(a.id.as_str()).copied().unwrap_or(0).into();
            }
            row
        },
    )
}
