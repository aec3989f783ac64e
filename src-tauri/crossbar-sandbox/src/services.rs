//! `/services/summary` (plan, items, rates, quantities, next billing date), `POST /services`
//! and `POST /services/{PLAN_ID}` (assign a plan mid-month, charged prorated, as `cb_services`
//! 4.3 does: no 402), and the sandbox-only clock that lets tests move
//! time forward.

use crate::auth::{BillsAccount, OnAccount};
use crate::billing;
use crate::books::{gregorian, LedgerEntry};
use crate::envelope::{self, Ctx, Reply};
use crate::model::State;
use crate::Shared;
use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/v2/accounts/{id}/services",
            get(assigned).post(change_plans),
        )
        .route("/v2/accounts/{id}/services/summary", get(summary))
        .route("/v2/accounts/{id}/services/available", get(available))
        .route("/v2/accounts/{id}/services/{plan_id}", post(assign_one))
        .route("/sandbox/clock", get(clock).put(move_clock))
}

fn plan_map(state: &State, id: &str) -> Value {
    let mut plans = Map::new();
    if let Some(plan) = state.plan_of(id) {
        plans.insert(
            plan.id.into(),
            json!({"vendor_id": state.reseller_of(id), "overrides": {}}),
        );
    }
    Value::Object(plans)
}

async fn assigned(AxState(shared): AxState<Shared>, OnAccount { ctx, id, .. }: OnAccount) -> Reply {
    let state = shared.lock();
    Ok(envelope::ok(&ctx, plan_map(&state, &id), None))
}

async fn summary(AxState(shared): AxState<Shared>, OnAccount { ctx, id, .. }: OnAccount) -> Reply {
    let state = crate::books::open(&shared, &ctx, &id)?;
    state.platform.since_43()?;
    // `kz_services:summary_billing_cycle/1`: the 1st of next month at 00:00 UTC, whatever the
    // account's zone.
    let next = billing::next_month(billing::local_today(chrono_tz::UTC, state.now()));
    let next_unix = crate::cycle::start_unix(chrono_tz::UTC, next);
    let mut invoices = Vec::new();
    let mut quantities: Map<String, Value> = Map::new();
    if let Some(plan) = state.plan_of(&id) {
        let items: Vec<Value> = state
            .monthly_items(&id)
            .into_iter()
            .map(|(category, item, quantity, rate)| {
                let q = quantities.entry(category).or_insert_with(|| json!({}));
                q[item] = quantity.into();
                json!({
                    "category": category,
                    "item": item,
                    "quantity": quantity,
                    "billable": quantity,
                    "rate": billing::money(rate),
                    "total": billing::money(rate * Decimal::from(quantity)),
                })
            })
            .collect();
        let recurring: Decimal = state.monthly_total(&id);
        invoices.push(json!({
            "plan": plan.as_kazoo(),
            "bookkeeper": {"type": "braintree", "vendor_id": state.reseller_of(&id)},
            "items": items,
            "activation_charges": [],
            "taxes": [],
            "summary": {"today": 0, "recurring": billing::money(recurring)},
        }));
    }
    let data = json!({
        "plans": plan_map(&state, &id),
        "invoices": invoices,
        "quantities": quantities,
        "billing_cycle": {"next": gregorian(next_unix), "period": 1, "unit": "month"},
    });
    Ok(envelope::ok(&ctx, data, None))
}

/// `GET /services/available[?details=true]`: the plans the account's reseller offers (the
/// `services/plans` view of the reseller's database): rows `{id, name}`, or with `details` the
/// public plan documents, their `plan` being category → item → rate.
async fn available(
    OnAccount { ctx, .. }: OnAccount,
    Query(q): Query<HashMap<String, String>>,
) -> Reply {
    let details = q.get("details").is_some_and(|v| v == "true");
    let rows: Vec<Value> = billing::PLANS
        .iter()
        .map(|p| match details {
            true => json!({"id": p.id, "name": p.name, "plan": p.as_kazoo()}),
            false => json!({"id": p.id, "name": p.name}),
        })
        .collect();
    Ok(envelope::ok(&ctx, Value::Array(rows), None))
}

/// A plan ID of an `add` (or `plans`) entry: a string, or an object's `id`
/// (`cb_services:get_plan_ids/2`).
fn plan_ids(list: Option<&Value>) -> Vec<String> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().or_else(|| v["id"].as_str()))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `POST /services {add, delete}` (`cb_services:post/1`): only the account's reseller (or a
/// superduper admin) changes plans (`is_allowed/1`). Each added ID must be one of the
/// reseller's plans (`check_plan_id/3`, a 404 `bad_identifier` otherwise); deleting a plan not
/// assigned is `plan_is_not_assigned` (`maybe_forbid_delete/2`, a 500). There is no dry run and
/// no 402: `kz_services:commit/1` saves at once and the bookkeeper bills the new plan, here the
/// rest of the month as a proration. The sandbox keeps one plan per account: the last added.
async fn change_plans(
    AxState(shared): AxState<Shared>,
    BillsAccount(OnAccount { ctx, id, .. }): BillsAccount,
    body: Bytes,
) -> Reply {
    let mut state = shared.lock();
    let (data, _) = envelope::request_data(&ctx, &body)?;
    let added = plan_ids(data.get("add").or_else(|| data.get("plans")));
    let deleted = plan_ids(data.get("delete"));
    let current = state.plan_of(&id).map(|p| p.id);
    if deleted.iter().any(|d| current != Some(d.as_str())) {
        return Err(envelope::error(
            &ctx,
            StatusCode::INTERNAL_SERVER_ERROR,
            "plan_is_not_assigned",
            json!({}),
        ));
    }
    let mut plans = Vec::new();
    for plan_id in &added {
        plans.push(billing::plan(plan_id).ok_or_else(|| envelope::bad_identifier(&ctx, plan_id))?);
    }
    if !deleted.is_empty() {
        set_plan(&mut state, &id, None);
    }
    if let Some(plan) = plans.last() {
        assign(&mut state, &ctx, &id, plan)?;
    }
    state
        .save_account(&id)
        .map_err(|e| envelope::datastore_fault(&ctx, &e))?;
    Ok(envelope::ok(&ctx, plan_map(&state, &id), None))
}

/// `POST /services/{PLAN_ID}` (`cb_services:post/2` → `kz_services_plan:assign/3`): assign one
/// plan, with the same permission and ID check as the bulk form and no 402.
async fn assign_one(
    AxState(shared): AxState<Shared>,
    BillsAccount(OnAccount { ctx, id, .. }): BillsAccount,
    Path((_, plan_id)): Path<(String, String)>,
) -> Reply {
    let mut state = shared.lock();
    let plan = billing::plan(&plan_id).ok_or_else(|| envelope::bad_identifier(&ctx, &plan_id))?;
    assign(&mut state, &ctx, &id, plan)?;
    state
        .save_account(&id)
        .map_err(|e| envelope::datastore_fault(&ctx, &e))?;
    Ok(envelope::ok(&ctx, plan_map(&state, &id), None))
}

/// Assign `plan` and bill the rest of this month of it (nothing when it is already assigned).
fn assign(
    state: &mut State,
    ctx: &Ctx,
    id: &str,
    plan: &billing::Plan,
) -> Result<(), axum::response::Response> {
    if state.plan_of(id).is_some_and(|p| p.id == plan.id) {
        return Ok(());
    }
    let today = state.today(id);
    set_plan(state, id, Some(plan.id));
    let charge = billing::prorate(state.monthly_total(id), today);
    post_proration(
        state,
        ctx,
        id,
        charge,
        &format!("{} from {today}", plan.name),
    )
}

fn set_plan(state: &mut State, id: &str, plan: Option<&str>) {
    if let Some(a) = state.accounts.get_mut(id) {
        a.plan = plan.map(str::to_owned);
    }
}

/// Debit a prorated charge to the `prorations` ledger and persist the account's books.
pub fn post_proration(
    state: &mut State,
    ctx: &Ctx,
    id: &str,
    amount: Decimal,
    what: &str,
) -> Result<(), axum::response::Response> {
    if amount > Decimal::ZERO {
        let now = state.now();
        state.books(id).ledger.push(LedgerEntry::new(
            "prorations",
            -amount,
            format!("Prorated charge: {what}"),
            now,
        ));
        state.after_balance_change(id);
    }
    state
        .save_books(id)
        .map_err(|e| envelope::datastore_fault(ctx, &e))
}

fn clock_view(state: &State) -> Value {
    json!({"unix": state.now(), "gregorian": gregorian(state.now()), "offset": state.clock.offset})
}

async fn clock(AxState(shared): AxState<Shared>) -> Reply {
    let state = shared.lock();
    Ok(envelope::ok(&Ctx::new(""), clock_view(&state), None))
}

/// The longest move of the clock in one request: every month in between is billed.
const MAX_JUMP: i64 = 10 * 365 * 86_400;

/// Sandbox only: `PUT /sandbox/clock {"data":{"advance_seconds":N}}` or `{"unix":T}`. Time only
/// moves forward; monthly charges and automatic top-ups due in between are posted at once.
async fn move_clock(AxState(shared): AxState<Shared>, body: Bytes) -> Reply {
    let mut state = shared.lock();
    let ctx = Ctx::new("");
    let (data, _) = envelope::request_data(&ctx, &body)?;
    let now = state.now();
    let target = match (
        data.get("advance_seconds").and_then(Value::as_i64),
        data.get("unix").and_then(Value::as_i64),
    ) {
        (Some(s), _) if (0..=MAX_JUMP).contains(&s) => now + s,
        (None, Some(t)) if (now..=now + MAX_JUMP).contains(&t) => t,
        _ => {
            return Err(envelope::validation(
                &ctx,
                envelope::single_error(
                    "advance_seconds",
                    "minimum",
                    json!({"message": "the clock only moves forward, at most ten years at a time: give advance_seconds from 0 to 315360000, or a unix time no earlier than now and no later than that"}),
                ),
            ))
        }
    };
    state.clock.offset += target - now;
    state.crawl();
    let ids: Vec<String> = state.books.keys().cloned().collect();
    for id in ids {
        state
            .save_books(&id)
            .map_err(|e| envelope::datastore_fault(&ctx, &e))?;
    }
    state
        .save_meta()
        .map_err(|e| envelope::datastore_fault(&ctx, &e))?;
    Ok(envelope::ok(&ctx, clock_view(&state), None))
}
