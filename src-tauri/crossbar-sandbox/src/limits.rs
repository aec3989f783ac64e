//! `/v2/accounts/{id}/limits`: GET and POST (no PATCH), reseller-only writes, and 402
//! `accept charges` when a billable trunk count rises without consent.

use crate::auth::OnAccount;
use crate::billing::{self, Plan};
use crate::envelope;
use crate::envelope::Reply;
use crate::model::State;
use crate::{rules, Shared};
use axum::body::Bytes;
use axum::extract::{Query, State as AxState};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

const COMPUTED: &[&str] = &["id", "allow_postpay", "max_postpay_amount"];

pub fn routes() -> Router<Shared> {
    Router::new().route(
        "/v2/accounts/{id}/limits",
        get(get_limits).post(post_limits),
    )
}

fn view(state: &State, id: &str) -> (Value, String) {
    let stored = state.limits.get(id).cloned().unwrap_or_default();
    let rev = State::revision(stored.len() as u64, &stored);
    let mut doc = stored;
    doc.entry("allow_prepay").or_insert(true.into());
    doc.insert("id".into(), "limits".into());
    doc.insert("allow_postpay".into(), false.into());
    doc.insert("max_postpay_amount".into(), 0.into());
    (Value::Object(doc), rev)
}

async fn get_limits(
    AxState(shared): AxState<Shared>,
    OnAccount { ctx, id, .. }: OnAccount,
) -> Reply {
    let state = shared.lock();
    let (doc, rev) = view(&state, &id);
    Ok(envelope::ok(&ctx, doc, Some(&rev)))
}

/// Kazoo: the account's reseller, a superduper admin, or a direct child of the master
/// (for its own limits) may write limits. A sub-account's own admin may not.
fn may_write(state: &State, caller: &str, target: &str) -> bool {
    let master_child_self = caller == target
        && state
            .account(target)
            .is_some_and(|a| a.tree == [state.master_id.clone()]);
    state.bills_for(caller, target) || master_child_self
}

fn truthy(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Bool(true))) || matches!(v, Some(Value::String(s)) if s == "true")
}

async fn post_limits(
    AxState(shared): AxState<Shared>,
    OnAccount { ctx, token, id }: OnAccount,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Reply {
    let mut state = shared.lock();
    if !may_write(&state, &token.account_id, &id) {
        return Err(envelope::forbidden(
            &ctx,
            "Please contact your phone provider to add limits.",
        ));
    }
    let (mut input, env) = envelope::request_data(&ctx, &body)?;
    // accept_charges may sit in the envelope, in data, or in the query string.
    let accepted = truthy(env.get("accept_charges"))
        || truthy(input.get("accept_charges"))
        || truthy(
            query
                .get("accept_charges")
                .map(|s| Value::String(s.clone()))
                .as_ref(),
        );
    input.retain(|k, _| {
        !(k.starts_with('_')
            || k.starts_with("pvt_")
            || k == "accept_charges"
            || COMPUTED.contains(&k.as_str()))
    });
    let errs = rules::check_limits(&input);
    if !errs.is_empty() {
        return Err(envelope::validation(&ctx, errs.into_map()));
    }
    if !accepted {
        if let Some(invoice) = charges(&state, &id, &input) {
            return Err(envelope::error(
                &ctx,
                StatusCode::PAYMENT_REQUIRED,
                "accept charges",
                json!([invoice]),
            ));
        }
    }
    let added = added_monthly(&state, &id, &input);
    state.limits.insert(id.clone(), input);
    if let Err(e) = state.save_limits(&id) {
        return Err(envelope::datastore_fault(&ctx, &e));
    }
    // The rest of this month for what was added, on the prorations ledger.
    let today = state.today(&id);
    let charge = billing::prorate(added, today);
    crate::services::post_proration(
        &mut state,
        &ctx,
        &id,
        charge,
        &format!("trunks added on {today}"),
    )?;
    let (doc, rev) = view(&state, &id);
    Ok(envelope::ok(&ctx, doc, Some(&rev)))
}

fn count(doc: Option<&Map<String, Value>>, field: &str) -> i64 {
    doc.and_then(|d| d.get(field))
        .and_then(Value::as_i64)
        .unwrap_or(0)
}

/// The monthly price of the trunks a change adds (zero without a plan or without a rise).
fn added_monthly(state: &State, id: &str, new: &Map<String, Value>) -> Decimal {
    let Some(plan) = state.plan_of(id) else {
        return Decimal::ZERO;
    };
    let old = state.limits.get(id);
    rules::TRUNK_FIELDS
        .iter()
        .filter_map(|field| {
            let rise = count(Some(new), field) - count(old, field);
            Some(plan.rate(field)? * Decimal::from(rise.max(0)))
        })
        .sum()
}

/// The invoice a change would produce, when it raises a billable quantity.
fn charges(state: &State, id: &str, new: &Map<String, Value>) -> Option<Value> {
    let plan: &Plan = state.account(id)?.plan.as_deref().and_then(billing::plan)?;
    let old = state.limits.get(id);
    let mut items = Vec::new();
    let mut recurring = Decimal::ZERO;
    let mut rises = false;
    for field in rules::TRUNK_FIELDS {
        let Some(rate) = plan.rate(field) else {
            continue;
        };
        let (before, after) = (count(old, field), count(Some(new), field));
        recurring += rate * Decimal::from(after);
        rises |= after > before;
        if after != before || after > 0 {
            items.push(json!({
                "category": "limits",
                "item": field,
                "quantity": after,
                "billable": after,
                "rate": billing::money(rate),
                "total": billing::money(rate * Decimal::from(after)),
                // `kz_services_items:maybe_annotate/4`: the difference is proposed − current.
                "changes": {"type": "modified", "difference": {"quantity": after - before, "billable": after - before}},
            }));
        }
    }
    if !rises {
        return None;
    }
    // `kz_services_invoice:public_json/1`: `summary.today` is the activation charges (none on
    // these plans), not a proration; the bookkeeper prorates when it bills.
    Some(json!({
        "plan": plan.as_kazoo(),
        "bookkeeper": {"type": "braintree", "vendor_id": state.reseller_of(id)},
        "items": items,
        "activation_charges": [],
        "taxes": [],
        "summary": {"today": 0, "recurring": billing::money(recurring)},
    }))
}
