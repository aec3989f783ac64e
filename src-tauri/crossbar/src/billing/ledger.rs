//! The balance, ledger entries and totals, and payment-processor transactions: ranged
//! listings read in 31-day windows, every page of each.

use super::{decode_err, short, text};
use crate::decode::Reply;
use crate::{ApiError, Client};
use chrono::{DateTime, Duration, Utc};
use desk_core::money::from_json;
use desk_core::AccountId;
use reqwest::Method;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

/// Seconds between 0000-01-01 and 1970-01-01: Kazoo timestamps are Gregorian seconds.
const GREGORIAN_OFFSET: i64 = 62_167_219_200;

/// A Kazoo timestamp as UTC; `None` when missing or absurd.
pub fn from_gregorian(v: &Value) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(v.as_i64()?.checked_sub(GREGORIAN_OFFSET)?, 0)
}

pub fn to_gregorian(t: DateTime<Utc>) -> i64 {
    t.timestamp() + GREGORIAN_OFFSET
}

/// One ledger entry (`/ledgers/{source}`): credits positive, debits negative.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LedgerRow {
    pub id: String,
    pub source: String,
    pub amount: Decimal,
    pub description: String,
    /// When it happened: `period.start`, else `period.end` (Kazoo strips `created` from ledger
    /// entries, `kz_ledger:public_json/1`).
    pub at: DateTime<Utc>,
    /// Seconds for calls, 0 for money movements.
    pub quantity: i64,
    pub unit: String,
    /// `executor.trigger` of a top-up: `manual` or `automatic`.
    pub trigger: Option<String>,
    /// The transaction a payment's credit came from, when a bookkeeper charged one.
    pub transaction: Option<String>,
    /// The number a call went to (`metadata.callee_id_number`).
    pub callee: Option<String>,
}

/// Ledger totals for one source over a range (`/ledgers`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceTotal {
    pub source: String,
    pub amount: Decimal,
    pub quantity: i64,
    pub unit: String,
}

/// One payment-processor transaction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransactionRow {
    pub id: String,
    pub amount: Decimal,
    /// `completed`, `failed`, …
    pub status: String,
    pub description: String,
    /// The processor's reason when it failed ("Insufficient Funds").
    pub reason: Option<String>,
    pub created: DateTime<Utc>,
    /// `executor.trigger`: `manual`, `automatic`, …
    pub trigger: Option<String>,
}

/// What a top-up answered: the credit's ledger entry, and the charge's transaction when the
fn ledger_row(v: &Value) -> Option<LedgerRow> {
    let at =
        from_gregorian(&v["period"]["start"]).or_else(|| from_gregorian(&v["period"]["end"]))?;
    Some(LedgerRow {
        id: v["id"].as_str()?.to_owned(),
        source: v["source"]["service"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        amount: from_json(&v["amount"])?,
        description: text(v, "description"),
        at,
        quantity: v["usage"]["quantity"].as_i64().unwrap_or(0),
        unit: v["usage"]["unit"].as_str().unwrap_or_default().to_owned(),
        trigger: short(&v["executor"]["trigger"]),
        transaction: short(&v["metadata"]["transaction"]["id"]),
        callee: short(&v["metadata"]["callee_id_number"]),
    })
}

/// A `/transactions` row: the `list_by_timestamp` view's value, with `created` and the
/// bookkeeper's result flattened to `bookkeeper: {status, reason, message}`.
fn transaction_row(v: &Value) -> Option<TransactionRow> {
    let reason = short(&v["bookkeeper"]["message"])
        .or_else(|| short(&v["bookkeeper"]["results"]["message"]))
        .or_else(|| short(&v["bookkeeper"]["reason"]))
        .filter(|_| v["status"] != "completed");
    Some(TransactionRow {
        id: v["id"].as_str()?.to_owned(),
        amount: from_json(&v["amount"])?,
        status: text(v, "status"),
        description: text(v, "description"),
        reason,
        created: from_gregorian(&v["created"])?,
        trigger: short(&v["executor"]["trigger"]),
    })
}

/// Rows a server sent that we cannot read are skipped with a warning, not fatal: one odd entry
/// must not hide a whole statement. Also says how many were skipped.
fn rows<T>(
    reply: &Reply,
    read: fn(&Value) -> Option<T>,
    what: &str,
) -> Result<(Vec<T>, usize), ApiError> {
    let list = reply
        .data()
        .as_array()
        .ok_or_else(|| decode_err(reply, &format!("the {what} list is not a list")))?;
    let out: Vec<T> = list.iter().filter_map(read).collect();
    let skipped = list.len() - out.len();
    if skipped > 0 {
        tracing::warn!(skipped, what, "unreadable rows skipped");
    }
    Ok((out, skipped))
}

/// How to read the rows of one ranged listing: a row, its ID, and what to call it in errors.
struct RowKind<T> {
    read: fn(&Value) -> Option<T>,
    id_of: fn(&T) -> &str,
    what: &'static str,
}

/// How a ranged listing treats a row it cannot read.
#[derive(Clone, Copy, PartialEq)]
enum Rows {
    /// Skipped (a statement to look at).
    Readable,
    /// An error: the caller concludes from what is absent, so it must see every row.
    Every,
}

fn range(from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<(&'static str, String)> {
    vec![
        ("created_from", to_gregorian(from).to_string()),
        ("created_to", to_gregorian(to).to_string()),
    ]
}

/// `crossbar.maximum_range` defaults to 31 days and an hour (`crossbar_view:time_range/3`);
/// a longer range is a 400, so longer periods are asked for in windows of 31 days.
const WINDOW_DAYS: i64 = 31;
/// Pages per 31-day window (50,000 rows at Kazoo's 50 a page): past that the listing is broken.
const MAX_PAGES: usize = 1_000;

/// `from..=to` cut into consecutive windows of at most [`WINDOW_DAYS`] that do not overlap.
pub fn windows(from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut out = Vec::new();
    let mut start = from;
    while start <= to {
        let end = (start + Duration::days(WINDOW_DAYS)).min(to);
        out.push((start, end));
        start = end + Duration::seconds(1);
    }
    out
}

impl Client {
    /// The balance: `/ledgers/total`, or on Kazoo 4.2 (which has none, and lists a ledger
    /// source named "total" instead) `/transactions/current_balance`. One cheap call, used by
    /// background polling.
    pub async fn balance(&self, id: &AccountId) -> Result<Decimal, ApiError> {
        if !self.is_before_43() {
            let reply = self
                .call(
                    Method::GET,
                    &format!("accounts/{id}/ledgers/total"),
                    &[],
                    None,
                )
                .await?;
            if !reply.data().is_array() {
                return from_json(&reply.data()["amount"])
                    .ok_or_else(|| decode_err(&reply, "no amount in the balance"));
            }
        }
        let reply = self
            .call(
                Method::GET,
                &format!("accounts/{id}/transactions/current_balance"),
                &[],
                None,
            )
            .await?;
        from_json(&reply.data()["balance"])
            .ok_or_else(|| decode_err(&reply, "no balance in the answer"))
    }

    /// Totals per ledger source over a range, added up over 31-day windows.
    pub async fn ledger_totals(
        &self,
        id: &AccountId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<SourceTotal>, ApiError> {
        let mut out: Vec<SourceTotal> = Vec::new();
        for (a, b) in windows(from, to) {
            let reply = self
                .call(
                    Method::GET,
                    &format!("accounts/{id}/ledgers"),
                    &range(a, b),
                    None,
                )
                .await?;
            let map = reply
                .data()
                .as_object()
                .ok_or_else(|| decode_err(&reply, "the ledger totals are not a map"))?;
            for (source, v) in map {
                let Some(amount) = from_json(&v["amount"]) else {
                    continue;
                };
                let quantity = v["usage"]["quantity"].as_i64().unwrap_or(0);
                match out.iter_mut().find(|t| &t.source == source) {
                    Some(t) => {
                        t.amount += amount;
                        t.quantity = t.quantity.saturating_add(quantity);
                    }
                    None => out.push(SourceTotal {
                        source: source.clone(),
                        amount,
                        quantity,
                        unit: v["usage"]["unit"].as_str().unwrap_or_default().to_owned(),
                    }),
                }
            }
        }
        out.sort_by(|a, b| a.source.cmp(&b.source));
        Ok(out)
    }

    /// Every row of a ranged, paged listing: 31-day windows, every page of each
    /// (`next_start_key`), each row once.
    async fn ranged<T>(
        &self,
        path: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        kind: RowKind<T>,
        need: Rows,
    ) -> Result<Vec<T>, ApiError> {
        let RowKind { read, id_of, what } = kind;
        let mut all: Vec<T> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (a, b) in windows(from, to) {
            let mut key: Option<String> = None;
            let mut keys = crate::paging::PageKeys::new(what, MAX_PAGES);
            loop {
                let mut query = range(a, b);
                if let Some(k) = &key {
                    query.push(("start_key", k.clone()));
                }
                let reply = self.call(Method::GET, path, &query, None).await?;
                let (page, skipped) = rows(&reply, read, what)?;
                if skipped > 0 && need == Rows::Every {
                    return Err(decode_err(
                        &reply,
                        &format!("{skipped} of the server's {what} rows could not be read"),
                    ));
                }
                for row in page {
                    if seen.insert(id_of(&row).to_owned()) {
                        all.push(row);
                    }
                }
                key = keys.next(reply.body["next_start_key"].as_str())?;
                if key.is_none() {
                    break;
                }
            }
        }
        Ok(all)
    }

    /// Every entry of one ledger source in a range, or an error if any cannot be read: what
    /// is concluded from it (a payment absent, a running balance) needs every row.
    pub async fn complete_ledger(
        &self,
        id: &AccountId,
        source: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<LedgerRow>, ApiError> {
        if source.is_empty()
            || !source
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(ApiError::InvalidUrl(format!(
                "“{source}” is not a ledger source"
            )));
        }
        self.ranged(
            &format!("accounts/{id}/ledgers/{source}"),
            from,
            to,
            RowKind {
                read: ledger_row,
                id_of: |r| r.id.as_str(),
                what: "ledger",
            },
            Rows::Every,
        )
        .await
    }

    /// Every payment-processor transaction in a range (rows that cannot be read are skipped).
    pub async fn transactions(
        &self,
        id: &AccountId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<TransactionRow>, ApiError> {
        self.transactions_in(id, from, to, Rows::Readable).await
    }

    /// Every transaction in a range, or an error if any cannot be read.
    pub async fn complete_transactions(
        &self,
        id: &AccountId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<TransactionRow>, ApiError> {
        self.transactions_in(id, from, to, Rows::Every).await
    }

    async fn transactions_in(
        &self,
        id: &AccountId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        need: Rows,
    ) -> Result<Vec<TransactionRow>, ApiError> {
        self.ranged(
            &format!("accounts/{id}/transactions"),
            from,
            to,
            RowKind {
                read: transaction_row,
                id_of: |t| t.id.as_str(),
                what: "transaction",
            },
            need,
        )
        .await
    }
}
