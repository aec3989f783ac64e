//! `/ledgers` (balance, totals per source, entries), `/ledgers/credit|debit` (reseller
//! adjustments), `/transactions`, and 4.2's `/transactions/current_balance`.

use crate::auth::{BillsAccount, OnAccount};
use crate::billing;
use crate::books::{gregorian, LedgerEntry};
use crate::clock::GREGORIAN_OFFSET;
use crate::envelope::{self, Ctx, Reply};
use crate::platform::Kazoo;
use crate::Shared;
use crate::{filters, paging};
use axum::body::Bytes;
use axum::extract::{Path, Query, State as AxState};
use axum::http::StatusCode;
use axum::response::Response;
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
        .route(
            "/v2/accounts/{id}/transactions/current_balance",
            get(current_balance),
        )
}

type Q = Query<HashMap<String, String>>;

/// `crossbar.maximum_range`'s default: 31 days and an hour.
pub const MAX_RANGE: i64 = 31 * 86_400 + 3_600;

/// `crossbar_view:time_range/3`: `created_to` (Gregorian seconds) or now, `created_from` or
/// `MAX_RANGE` before it; a missing, non-integer or non-positive value takes its default. A
/// longer or reversed range is a 400 on `created_from` (`date_range`). The range as unix.
fn time_range(ctx: &Ctx, q: &HashMap<String, String>, now: i64) -> Result<(i64, i64), Response> {
    let at = |k: &str| {
        q.get(k)
            .and_then(|v| v.parse::<i64>().ok())
            .filter(|g| *g > 0)
    };
    let to = at("created_to").unwrap_or(gregorian(now));
    let from = at("created_from").unwrap_or(to - MAX_RANGE);
    let refuse = |message: String, cause: i64| {
        envelope::validation(
            ctx,
            envelope::single_error(
                "created_from",
                "date_range",
                json!({"message": message, "cause": cause}),
            ),
        )
    };
    if to - from > MAX_RANGE {
        return Err(refuse(
            format!("created_to {to} is more than {MAX_RANGE} seconds from created_from {from}"),
            to,
        ));
    }
    if from > to {
        return Err(refuse(
            format!("created_to {to} is prior to created_from {from}"),
            from,
        ));
    }
    Ok((from - GREGORIAN_OFFSET, to - GREGORIAN_OFFSET))
}

async fn total(AxState(shared): AxState<Shared>, OnAccount { ctx, id, .. }: OnAccount) -> Reply {
    let mut state = crate::books::open(&shared, &ctx, &id)?;
    if state.platform.kazoo == Kazoo::V42 {
        // 4.2's `cb_ledgers` takes "total" for a ledger source and lists its (no) entries.
        return Ok(envelope::ok(&ctx, json!([]), None));
    }
    let amount = state.books(&id).balance();
    Ok(envelope::ok(
        &ctx,
        json!({"amount": billing::money(amount)}),
        None,
    ))
}

/// 4.2's balance (`cb_transactions:validate_transaction/3`, "current_balance"); in 4.3 the
/// word is taken for a transaction ID, which it is not.
async fn current_balance(
    AxState(shared): AxState<Shared>,
    OnAccount { ctx, id, .. }: OnAccount,
) -> Reply {
    let mut state = crate::books::open(&shared, &ctx, &id)?;
    if state.platform.kazoo != Kazoo::V42 {
        return Err(envelope::bad_identifier(&ctx, "current_balance"));
    }
    let balance = state.books(&id).balance();
    Ok(envelope::ok(
        &ctx,
        json!({"balance": billing::money(balance)}),
        None,
    ))
}

/// `GET /ledgers`: totals per source over the range (`kz_ledgers:get_ranged_summary`), not
/// paginated and not filtered.
async fn totals(
    AxState(shared): AxState<Shared>,
    OnAccount { ctx, id, .. }: OnAccount,
    Query(q): Q,
) -> Reply {
    let mut state = crate::books::open(&shared, &ctx, &id)?;
    let (from, to) = time_range(&ctx, &q, state.now())?;
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

/// `GET /ledgers/{source}`: the range's entries, newest first, 50 a page, chunked
/// (`cb_ledgers:read_ledger/3` through `crossbar_view:load_modb`).
async fn entries(
    AxState(shared): AxState<Shared>,
    OnAccount { ctx, id, .. }: OnAccount,
    Path((_, source)): Path<(String, String)>,
    Query(q): Q,
) -> Reply {
    let mut state = crate::books::open(&shared, &ctx, &id)?;
    let (from, to) = time_range(&ctx, &q, state.now())?;
    let name = state.name_of(&id);
    let account = (id.as_str(), name.as_str());
    // The view is keyed [service, pvt_created]; descending, so newest first.
    let mut rows: Vec<(String, Value)> = state
        .books(&id)
        .ledger
        .iter()
        .filter(|e| e.source == source && (from..=to).contains(&e.created))
        .filter(|e| !filters::any(&q) || filters::keeps(&e.stored(account), &q))
        .map(|e| {
            (
                format!("{:020}-{}", i64::MAX / 2 - e.created, e.id),
                e.view(account),
            )
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    paging::chunked_listing(&ctx, rows, |r| r.0.as_str(), &q, |r| r.1)
}

/// `GET /transactions`: the range's transactions as the `list_by_timestamp` view holds them,
/// newest first, 50 a page (`cb_transactions`).
async fn transactions(
    AxState(shared): AxState<Shared>,
    OnAccount { ctx, id, .. }: OnAccount,
    Query(q): Q,
) -> Reply {
    let mut state = crate::books::open(&shared, &ctx, &id)?;
    let (from, to) = time_range(&ctx, &q, state.now())?;
    let mut rows: Vec<(String, Value)> = state
        .books(&id)
        .transactions
        .iter()
        .filter(|t| (from..=to).contains(&t.created))
        .filter(|t| !filters::any(&q) || filters::keeps(&t.stored(), &q))
        .map(|t| {
            (
                format!("{:020}-{}", i64::MAX / 2 - t.created, t.id),
                t.listed(),
            )
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    paging::listing(&ctx, rows, |r| r.0.as_str(), &q, |r| r.1)
}

async fn credit(shared: AxState<Shared>, on: BillsAccount, body: Bytes) -> Reply {
    adjust(shared, on, body, Decimal::ONE).await
}

async fn debit(shared: AxState<Shared>, on: BillsAccount, body: Bytes) -> Reply {
    adjust(shared, on, body, Decimal::NEGATIVE_ONE).await
}

/// `PUT /ledgers/credit|debit`: only the account's reseller (or a superduper admin) adjusts
/// its balance (`cb_ledgers:authorize_create/1`).
async fn adjust(
    AxState(shared): AxState<Shared>,
    BillsAccount(OnAccount { ctx, id, .. }): BillsAccount,
    body: Bytes,
    sign: Decimal,
) -> Reply {
    let mut state = shared.lock();
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
    let name = state.name_of(&id);
    let view = entry.view((&id, &name));
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
