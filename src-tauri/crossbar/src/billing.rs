//! Typed calls for money: balance, ledgers, transactions, the service summary, cards (through
//! the payment processor's client-side tokenization) and top-ups.

use crate::decode::Reply;
use crate::{ApiError, Client, ErrorMeta};
use base64::Engine;
use chrono::{DateTime, Utc};
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
    pub created: DateTime<Utc>,
    /// Seconds for calls, 0 for money movements.
    pub quantity: i64,
    pub unit: String,
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
    /// The processor's reason when it failed ("Insufficient Funds (2001)").
    pub reason: Option<String>,
    pub created: DateTime<Utc>,
    /// The idempotency reference sent with a top-up.
    pub reference: Option<String>,
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

fn decode_err(reply: &Reply, detail: &str) -> ApiError {
    ApiError::Decode {
        detail: detail.to_owned(),
        meta: ErrorMeta {
            status: 200,
            message: "unexpected answer".into(),
            request_id: reply.request_id.clone(),
        },
    }
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_owned()
}

fn ledger_row(v: &Value) -> Option<LedgerRow> {
    Some(LedgerRow {
        id: text(v, "id"),
        source: v["source"]["service"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        amount: from_json(&v["amount"])?,
        description: text(v, "description"),
        created: from_gregorian(&v["created"])?,
        quantity: v["usage"]["quantity"].as_i64().unwrap_or(0),
        unit: v["usage"]["unit"].as_str().unwrap_or_default().to_owned(),
    })
}

pub(crate) fn transaction_row(v: &Value) -> Option<TransactionRow> {
    let reason = v["reason"]
        .as_str()
        .or_else(|| v["bookkeeper"]["results"]["message"].as_str())
        .filter(|_| v["status"] != "completed")
        .map(str::to_owned);
    Some(TransactionRow {
        id: text(v, "id"),
        amount: from_json(&v["amount"])?,
        status: text(v, "status"),
        description: text(v, "description"),
        reason,
        created: from_gregorian(&v["created"])?,
        reference: v["metadata"]["reference"].as_str().map(str::to_owned),
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
/// must not hide a whole statement.
fn rows<T>(reply: &Reply, read: fn(&Value) -> Option<T>, what: &str) -> Result<Vec<T>, ApiError> {
    let list = reply
        .data()
        .as_array()
        .ok_or_else(|| decode_err(reply, &format!("the {what} list is not a list")))?;
    let out: Vec<T> = list.iter().filter_map(read).collect();
    if out.len() < list.len() {
        tracing::warn!(
            skipped = list.len() - out.len(),
            what,
            "unreadable rows skipped"
        );
    }
    Ok(out)
}

fn range(from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<(&'static str, String)> {
    vec![
        ("created_from", to_gregorian(from).to_string()),
        ("created_to", to_gregorian(to).to_string()),
    ]
}

impl Client {
    /// The balance (`/ledgers/total`): one cheap call, used by background polling.
    pub async fn balance(&self, id: &AccountId) -> Result<Decimal, ApiError> {
        let reply = self
            .call(
                Method::GET,
                &format!("accounts/{id}/ledgers/total"),
                &[],
                None,
            )
            .await?;
        from_json(&reply.data()["amount"])
            .ok_or_else(|| decode_err(&reply, "no amount in the balance"))
    }

    /// Totals per ledger source over a range.
    pub async fn ledger_totals(
        &self,
        id: &AccountId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<SourceTotal>, ApiError> {
        let reply = self
            .call(
                Method::GET,
                &format!("accounts/{id}/ledgers"),
                &range(from, to),
                None,
            )
            .await?;
        let map = reply
            .data()
            .as_object()
            .ok_or_else(|| decode_err(&reply, "the ledger totals are not a map"))?;
        let mut out: Vec<SourceTotal> = map
            .iter()
            .filter_map(|(source, v)| {
                Some(SourceTotal {
                    source: source.clone(),
                    amount: from_json(&v["amount"])?,
                    quantity: v["usage"]["quantity"].as_i64().unwrap_or(0),
                    unit: v["usage"]["unit"].as_str().unwrap_or_default().to_owned(),
                })
            })
            .collect();
        out.sort_by(|a, b| a.source.cmp(&b.source));
        Ok(out)
    }

    /// Every entry of one ledger source in a range, following pages, newest first.
    pub async fn ledger_entries(
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
        let mut all = Vec::new();
        let mut key: Option<String> = None;
        loop {
            let mut query = range(from, to);
            query.push(("page_size", "500".into()));
            if let Some(k) = &key {
                query.push(("start_key", k.clone()));
            }
            let reply = self
                .call(
                    Method::GET,
                    &format!("accounts/{id}/ledgers/{source}"),
                    &query,
                    None,
                )
                .await?;
            all.extend(rows(&reply, ledger_row, "ledger")?);
            match reply.body["next_start_key"].as_str() {
                Some(next) if !next.is_empty() && Some(next) != key.as_deref() => {
                    key = Some(next.to_owned())
                }
                _ => return Ok(all),
            }
        }
    }

    pub async fn transactions(
        &self,
        id: &AccountId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<TransactionRow>, ApiError> {
        let reply = self
            .call(
                Method::GET,
                &format!("accounts/{id}/transactions"),
                &range(from, to),
                None,
            )
            .await?;
        rows(&reply, transaction_row, "transaction")
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
        Ok(ServiceSummary {
            plan_id: invoice["plan"]["id"].as_str().map(str::to_owned),
            plan_name: invoice["plan"]["name"].as_str().map(str::to_owned),
            items,
            recurring: from_json(&invoice["summary"]["recurring"]).unwrap_or_default(),
            next_billing: from_gregorian(&d["billing_cycle"]["next"]),
        })
    }

    pub async fn cards(&self, id: &AccountId) -> Result<Vec<CardOnFile>, ApiError> {
        let reply = self
            .call(
                Method::GET,
                &format!("accounts/{id}/braintree/cards"),
                &[],
                None,
            )
            .await?;
        rows(&reply, card, "card")
    }

    /// Where to tokenize a card for this account. The processor's address must be https (or
    /// this computer), like the platform's.
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
        let api = crate::base_url::secure_url(
            token["clientApiUrl"]
                .as_str()
                .ok_or_else(|| bad("the client token has no processor address"))?,
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
        let path = format!(
            "{}/payment_methods/credit_cards",
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
        let answer: Value = res.json().await.unwrap_or(Value::Null);
        let meta = ErrorMeta {
            status,
            message: "payment processor".into(),
            request_id: None,
        };
        match status {
            200..=299 => answer["creditCards"][0]["nonce"]
                .as_str()
                .map(str::to_owned)
                .ok_or(ApiError::Decode {
                    detail: "the processor sent no nonce".into(),
                    meta,
                }),
            _ => Err(ApiError::Declined {
                reason: answer["error"]["message"]
                    .as_str()
                    .unwrap_or("the card was refused")
                    .to_owned(),
                meta,
            }),
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

    /// `POST /services/topup`: charge the default card. `reference` identifies the user's intent;
    /// a server that knows it answers with the earlier top-up instead of charging again. Never
    /// retried automatically (POST is not idempotent by itself).
    pub async fn topup(
        &self,
        id: &AccountId,
        amount: Decimal,
        reference: &str,
    ) -> Result<TransactionRow, ApiError> {
        let body = json!({"data": {"amount": to_json(amount), "reference": reference}});
        let reply = self
            .call(
                Method::POST,
                &format!("accounts/{id}/services/topup"),
                &[],
                Some(body),
            )
            .await?;
        transaction_row(&reply.data()["transaction"])
            .ok_or_else(|| decode_err(&reply, "the top-up answer has no transaction"))
    }
}
