//! `/ledgers` (balance, totals per source, entries), `/ledgers/credit|debit` (reseller
//! adjustments) and `/transactions`.

use crate::billing;
use crate::books::{gregorian, LedgerEntry};
use crate::envelope::{self, Reply};
use crate::paging;
use crate::{lock, Shared};
use axum::body::Bytes;
use axum::extract::{Path, Query, State as AxState};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, put};
use axum::Router;
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/v2/accounts/{id}/ledgers", get(totals))
        .route("/v2/accounts/{id}/ledgers/total", get(total))
        .route("/v2/accounts/{id}/ledgers/credit", put(credit))
        .route("/v2/accounts/{id}/ledgers/debit", put(debit))
        .route("/v2/accounts/{id}/ledgers/{source}", get(entries))
        .route("/v2/accounts/{id}/transactions", get(transactions))
}

type Q = Query<HashMap<String, String>>;

/// `created_from` / `created_to` (Gregorian seconds, inclusive) as a unix range.
fn range(q: &HashMap<String, String>) -> (i64, i64) {
    let at = |k: &str, d: i64| {
        q.get(k)
            .and_then(|v| v.parse::<i64>().ok())
            .map_or(d, |g| g - crate::clock::GREGORIAN_OFFSET)
    };
    (
        at("created_from", i64::MIN / 2),
        at("created_to", i64::MAX / 2),
    )
}

async fn total(
    AxState(shared): AxState<Shared>,
    Path(id): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Reply {
    let (mut state, ctx) = crate::books::open(&shared, &headers, &q, &id)?;
    let amount = state.books(&id).balance();
    Ok(envelope::ok(
        &ctx,
        json!({"amount": billing::money(amount)}),
        None,
    ))
}

async fn totals(
    AxState(shared): AxState<Shared>,
    Path(id): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Reply {
    let (mut state, ctx) = crate::books::open(&shared, &headers, &q, &id)?;
    let (from, to) = range(&q);
    let mut sums: Map<String, Value> = Map::new();
    let mut by_source: HashMap<String, (Decimal, i64, String, String)> = HashMap::new();
    for e in state
        .books(&id)
        .ledger
        .iter()
        .filter(|e| (from..=to).contains(&e.created))
    {
        let s = by_source.entry(e.source.clone()).or_insert((
            Decimal::ZERO,
            0,
            e.usage_type.clone(),
            e.unit.clone(),
        ));
        s.0 += e.amount;
        s.1 += e.quantity;
    }
    for (source, (amount, quantity, kind, unit)) in by_source {
        sums.insert(source, json!({"amount": billing::money(amount), "usage": {"type": kind, "quantity": quantity, "unit": unit}}));
    }
    Ok(envelope::ok(&ctx, Value::Object(sums), None))
}

async fn entries(
    AxState(shared): AxState<Shared>,
    Path((id, source)): Path<(String, String)>,
    Query(q): Q,
    headers: HeaderMap,
) -> Reply {
    let (mut state, ctx) = crate::books::open(&shared, &headers, &q, &id)?;
    let (from, to) = range(&q);
    // Newest first; the page key is the entry's time and id, so it is stable as entries arrive.
    let mut rows: Vec<(String, Value)> = state
        .books(&id)
        .ledger
        .iter()
        .filter(|e| e.source == source && (from..=to).contains(&e.created))
        .map(|e| {
            (
                format!("{:020}-{}", i64::MAX / 2 - e.created, e.id),
                e.view(),
            )
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    paging::listing(&ctx, rows, |r| r.0.as_str(), &q, |r| r.1)
}

async fn transactions(
    AxState(shared): AxState<Shared>,
    Path(id): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
) -> Reply {
    let (mut state, ctx) = crate::books::open(&shared, &headers, &q, &id)?;
    let (from, to) = range(&q);
    let mut list: Vec<_> = state
        .books(&id)
        .transactions
        .iter()
        .filter(|t| (from..=to).contains(&t.created))
        .cloned()
        .collect();
    list.sort_by_key(|t| std::cmp::Reverse(t.created));
    Ok(envelope::ok(
        &ctx,
        Value::Array(list.iter().map(|t| t.view()).collect()),
        None,
    ))
}

async fn credit(
    shared: AxState<Shared>,
    id: Path<String>,
    q: Q,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    adjust(shared, id, q, headers, body, Decimal::ONE).await
}

async fn debit(
    shared: AxState<Shared>,
    id: Path<String>,
    q: Q,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    adjust(shared, id, q, headers, body, Decimal::NEGATIVE_ONE).await
}

async fn adjust(
    AxState(shared): AxState<Shared>,
    Path(id): Path<String>,
    Query(q): Q,
    headers: HeaderMap,
    body: Bytes,
    sign: Decimal,
) -> Reply {
    let mut state = lock(&shared);
    let (ctx, token) = crate::auth::require_account(&state, &headers, &q, &id)?;
    if !state.bills_for(&token.account_id, &id) {
        return Err(envelope::forbidden(
            &ctx,
            "only the reseller may adjust this account's balance",
        ));
    }
    let (data, _) = envelope::request_data(&ctx, &body)?;
    let amount = crate::books::amount_field(
        &ctx,
        &data,
        "minimum",
        json!({"message": "Value must be at least 0.01", "target": 0.01}),
    )?;
    let description = data
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("Adjustment")
        .to_owned();
    let now = state.now();
    let entry = LedgerEntry::new("adjustments", amount * sign, description, now);
    let view = entry.view();
    state.books(&id).ledger.push(entry);
    state.after_balance_change(&id);
    state
        .save_books(&id)
        .map_err(|e| envelope::datastore_fault(&ctx, &e))?;
    let available = state.books(&id).balance();
    Ok(envelope::success(
        &ctx,
        StatusCode::CREATED,
        json!({"ledger": view, "available_dollars": billing::money(available), "created": gregorian(now)}),
        None,
        Map::new(),
    ))
}
