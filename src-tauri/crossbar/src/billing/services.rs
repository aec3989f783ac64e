//! `/services/summary` and the names of plans.

use super::ledger::from_gregorian;
use super::{short, text};
use crate::{ApiError, Client};
use chrono::{DateTime, Utc};
use desk_core::money::from_json;
use desk_core::AccountId;
use reqwest::Method;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

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
impl Client {
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
}
