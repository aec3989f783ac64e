//! Typed calls for money: balance, ledgers and transactions ([`ledger`]), the service summary
//! ([`services`]), cards through the payment processor's client-side tokenization and top-ups
//! ([`cards`]).

mod cards;
mod ledger;
mod services;

pub use cards::{CardOnFile, ProcessorAccess, TopupReceipt};
pub use ledger::{from_gregorian, to_gregorian, windows, LedgerRow, SourceTotal, TransactionRow};
pub use services::{PlanItem, ServiceSummary};

use crate::decode::Reply;
use crate::{ApiError, ErrorMeta};
use serde_json::Value;

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
