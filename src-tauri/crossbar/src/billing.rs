//! Typed calls for money: balance, ledgers, transactions, the service summary, cards (through
//! the payment processor's client-side tokenization) and top-ups.

use crate::decode::Reply;
use crate::{ApiError, Client, ErrorMeta};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use desk_core::card::CardInput;
use desk_core::money::{from_json, to_json};
use desk_core::AccountId;
use reqwest::Method;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

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
/// platform has a payment bookkeeper (`kz_services_topup:topup/4` answers `{ledger}` alone
/// when it has none).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopupReceipt {
    pub transaction: Option<String>,
    /// The transaction's status, when there is one: only `completed` means charged.
    pub status: Option<String>,
    pub ledger: Option<String>,
}

/// A card as the backend reports it: never more than brand, last four and expiry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CardOnFile {
    /// The payment-method token.
    pub token: String,
    pub brand: String,
    pub last_four: String,
    pub exp_month: u32,
    pub exp_year: i32,
    pub default: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanItem {
    pub category: String,
    pub item: String,
    pub quantity: i64,
    pub rate: Decimal,
    pub total: Decimal,
}

/// `/services/summary`: what the account pays monthly and when it is next billed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceSummary {
    pub plan_id: Option<String>,
    pub plan_name: Option<String>,
    pub items: Vec<PlanItem>,
    pub recurring: Decimal,
    pub next_billing: Option<DateTime<Utc>>,
}

/// Where and with what to tokenize a card (decoded from `/braintree/client_token`).
#[derive(Debug, Clone)]
pub struct ProcessorAccess {
    pub api: url::Url,
    fingerprint: String,
}

impl ProcessorAccess {
    /// The host card data will be sent to, for the card dialog.
    pub fn host(&self) -> String {
        self.api.host_str().unwrap_or_default().to_owned()
    }
}

fn decode_err(reply: &Reply, detail: &str) -> ApiError {
    ApiError::Decode {
        detail: detail.to_owned(),
        meta: ErrorMeta {
            status: 200,
            message: "unexpected answer".into(),
            request_id: reply.request_id.clone(),
            retry_after: None,
        },
    }
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_owned()
}

fn short(v: &Value) -> Option<String> {
    v.as_str()
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().take(120).collect())
}

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

fn card(v: &Value) -> Option<CardOnFile> {
    let number = |k: &str| match &v[k] {
        Value::String(s) => s.parse::<i64>().ok(),
        other => other.as_i64(),
    };
    Some(CardOnFile {
        token: v["id"].as_str()?.to_owned(),
        brand: text(v, "card_type"),
        last_four: text(v, "last_four"),
        exp_month: u32::try_from(number("expiration_month")?).ok()?,
        exp_year: i32::try_from(number("expiration_year")?).ok()?,
        default: v["default"].as_bool().unwrap_or(false),
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

    pub async fn service_summary(&self, id: &AccountId) -> Result<ServiceSummary, ApiError> {
        let reply = self
            .call(
                Method::GET,
                &format!("accounts/{id}/services/summary"),
                &[],
                None,
            )
            .await?;
        let d = reply.data();
        let invoice = d["invoices"].get(0).cloned().unwrap_or(Value::Null);
        let items = invoice["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| {
                Some(PlanItem {
                    category: text(i, "category"),
                    item: text(i, "item"),
                    quantity: i["quantity"].as_i64().unwrap_or(0),
                    rate: from_json(&i["rate"])?,
                    total: from_json(&i["total"])?,
                })
            })
            .collect();
        // Plans are keyed by ID (`kzd_services:plans/1`); their names are in the rows of
        // `/services/available`.
        let plan_id = d["plans"]
            .as_object()
            .and_then(|p| p.keys().next().cloned());
        let plan_name = match &plan_id {
            Some(plan) => self.plan_name(id, plan).await,
            None => None,
        };
        Ok(ServiceSummary {
            plan_id,
            plan_name,
            items,
            recurring: from_json(&invoice["summary"]["recurring"]).unwrap_or_default(),
            next_billing: from_gregorian(&d["billing_cycle"]["next"]),
        })
    }

    /// A plan's name as the reseller lists it; `None` when the listing cannot be read.
    async fn plan_name(&self, id: &AccountId, plan: &str) -> Option<String> {
        let reply = self
            .call(
                Method::GET,
                &format!("accounts/{id}/services/available"),
                &[],
                None,
            )
            .await
            .ok()?;
        let rows = reply.data().as_array()?;
        let row = rows.iter().find(|r| r["id"].as_str() == Some(plan))?;
        short(&row["name"])
    }

    /// The cards on file, read from the Braintree customer: unlike `…/braintree/cards`, which
    /// fails until a customer exists, `GET …/customer` answers a placeholder without cards.
    pub async fn cards(&self, id: &AccountId) -> Result<Vec<CardOnFile>, ApiError> {
        let reply = self
            .call(
                Method::GET,
                &format!("accounts/{id}/braintree/customer"),
                &[],
                None,
            )
            .await?;
        let cards = &reply.data()["credit_cards"];
        if cards.is_null() {
            return Ok(Vec::new());
        }
        let list = cards
            .as_array()
            .ok_or_else(|| decode_err(&reply, "the card list is not a list"))?;
        Ok(list.iter().filter_map(card).collect())
    }

    /// Make sure the account has a Braintree customer, which Kazoo creates only on
    /// `POST …/braintree/customer` (`braintree_customer:update/1`); until then the client
    /// token cannot be had. The placeholder Kazoo answers for a missing one has no
    /// `created_at`.
    pub async fn ensure_customer(&self, id: &AccountId, company: &str) -> Result<(), ApiError> {
        let path = format!("accounts/{id}/braintree/customer");
        let reply = self.call(Method::GET, &path, &[], None).await?;
        if reply.data().get("created_at").is_some() {
            return Ok(());
        }
        let body = json!({"data": {"company": company}});
        self.call(Method::POST, &path, &[], Some(body)).await?;
        tracing::info!(account = %id, "payment customer created");
        Ok(())
    }

    /// Where to tokenize a card for this account: only Braintree's gateway (or this computer,
    /// for a platform on this computer), whatever the client token names.
    pub async fn processor_access(&self, id: &AccountId) -> Result<ProcessorAccess, ApiError> {
        let reply = self
            .call(
                Method::GET,
                &format!("accounts/{id}/braintree/client_token"),
                &[],
                None,
            )
            .await?;
        let bad = |d: &str| decode_err(&reply, d);
        let encoded = reply.data()["client_token"]
            .as_str()
            .ok_or_else(|| bad("no client token"))?;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| bad("the client token is not base64"))?;
        let token: Value =
            serde_json::from_slice(&decoded).map_err(|_| bad("the client token is not JSON"))?;
        let fingerprint = token["authorizationFingerprint"]
            .as_str()
            .ok_or_else(|| bad("the client token has no fingerprint"))?;
        let api = crate::base_url::card_processor(
            token["clientApiUrl"]
                .as_str()
                .ok_or_else(|| bad("the client token has no processor address"))?,
            self.base(),
        )?;
        Ok(ProcessorAccess {
            api,
            fingerprint: fingerprint.to_owned(),
        })
    }

    /// Send the card to the payment processor (never to the platform) for a single-use nonce.
    pub async fn tokenize(
        &self,
        access: &ProcessorAccess,
        card: &CardInput,
    ) -> Result<String, ApiError> {
        // Braintree's client API: `{clientApiUrl}/v1/payment_methods/credit_cards`.
        let path = format!(
            "{}/v1/payment_methods/credit_cards",
            access.api.path().trim_end_matches('/')
        );
        let url = access
            .api
            .join(&path)
            .map_err(|e| ApiError::InvalidUrl(format!("bad processor address: {e}")))?;
        let body = json!({
            "authorizationFingerprint": access.fingerprint,
            "creditCard": {
                "number": card.number.expose(),
                "expirationDate": format!("{:02}/{}", card.expiry.month, card.expiry.year),
                "cvv": card.cvv.expose(),
                "cardholderName": card.holder,
            }
        });
        let res = self
            .http()
            .post(url)
            .json(&body)
            .send()
            .await
            .map_err(crate::client::transport)?;
        let status = res.status().as_u16();
        let answer: Value = crate::client::capped_body(res)
            .await
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(Value::Null);
        let meta = ErrorMeta {
            status,
            message: "payment processor".into(),
            request_id: None,
            retry_after: None,
        };
        match status {
            200..=299 => answer["creditCards"][0]["nonce"]
                .as_str()
                .map(str::to_owned)
                .ok_or(ApiError::Decode {
                    detail: "the processor sent no nonce".into(),
                    meta,
                }),
            // Only a 422 is the processor refusing the card; anything else is not a verdict
            // on the card and says what it is.
            422 => Err(ApiError::Declined {
                reason: short(&answer["error"]["message"])
                    .unwrap_or_else(|| "the card was refused".into()),
                meta,
            }),
            _ => Err(ApiError::Unexpected { meta }),
        }
    }

    /// Vault the card behind a nonce as the account's default payment method.
    pub async fn add_card(&self, id: &AccountId, nonce: &str) -> Result<CardOnFile, ApiError> {
        let body = json!({"data": {"payment_method_nonce": nonce}});
        let reply = self
            .call(
                Method::PUT,
                &format!("accounts/{id}/braintree/cards"),
                &[],
                Some(body),
            )
            .await?;
        card(reply.data()).ok_or_else(|| decode_err(&reply, "the card answer is incomplete"))
    }

    /// `POST /services/topup {amount}`: charge the default card and credit the account. Kazoo
    /// reads nothing but `amount` (`cb_services:get_topup_amount/1`), so nothing here can make a
    /// repeat harmless: never retried automatically (see the engine's `credit`).
    pub async fn topup(&self, id: &AccountId, amount: Decimal) -> Result<TopupReceipt, ApiError> {
        let body = json!({"data": {"amount": to_json(amount)}});
        let reply = self
            .call(
                Method::POST,
                &format!("accounts/{id}/services/topup"),
                &[],
                Some(body),
            )
            .await?;
        let d = reply.data();
        let receipt = TopupReceipt {
            transaction: short(&d["transaction"]["id"]),
            status: short(&d["transaction"]["status"]),
            ledger: short(&d["ledger"]["id"]),
        };
        if receipt.transaction.is_none() && receipt.ledger.is_none() {
            return Err(decode_err(&reply, "the top-up answer names no credit"));
        }
        Ok(receipt)
    }
}
