//! Creating what a new sub-account needs, in the order Kazoo's web client does: the account
//! (`cb_accounts` PUT), its first user (`cb_users_v2` PUT), its service plan (`cb_services`
//! POST) — and deleting the account again.

use crate::accounts::{account, decode_err};
use crate::{ApiError, Client, Fetched};
use desk_core::money::from_json;
use desk_core::{AccountDoc, AccountId};
use reqwest::Method;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{json, Value};

/// A plan a reseller offers (a row of `/services/available?details=true`), with its monthly
/// rates by item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanOffer {
    pub id: String,
    pub name: String,
    /// (category, item, monthly rate)
    pub rates: Vec<(String, String, Decimal)>,
}

impl PlanOffer {
    pub fn rate(&self, item: &str) -> Option<Decimal> {
        self.rates.iter().find(|(_, i, _)| i == item).map(|r| r.2)
    }
}

/// A reseller offers a handful of plans; a listing far longer is not a plan listing.
const MAX_PLANS: usize = 500;
const MAX_ITEMS: usize = 200;

/// A document ID safe to put in a path (Kazoo's are 32 hex; plan IDs may be any slug).
fn path_safe(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn offer(row: &Value) -> Option<PlanOffer> {
    let id = row["id"].as_str().filter(|s| path_safe(s))?.to_owned();
    let name = row["name"]
        .as_str()
        .filter(|s| !s.trim().is_empty())
        .map_or_else(|| id.clone(), |s| s.chars().take(120).collect());
    let mut rates = Vec::new();
    for (category, items) in row["plan"].as_object().into_iter().flatten() {
        for (item, settings) in items.as_object().into_iter().flatten() {
            if let Some(rate) = from_json(&settings["rate"]) {
                rates.push((category.clone(), item.clone(), rate));
            }
        }
    }
    rates.truncate(MAX_ITEMS);
    Some(PlanOffer { id, name, rates })
}

impl Client {
    /// `PUT /accounts/{parent}`: a new account below `parent`. Not retried: a lost answer may
    /// have created it.
    pub async fn create_account(
        &self,
        parent: &AccountId,
        doc: Value,
    ) -> Result<Fetched<AccountDoc>, ApiError> {
        let body = json!({ "data": doc });
        account(
            self.call(Method::PUT, &format!("accounts/{parent}"), &[], Some(body))
                .await?,
        )
    }

    /// `DELETE /accounts/{id}`: Kazoo refuses an account with sub-accounts.
    pub async fn delete_account(&self, id: &AccountId) -> Result<(), ApiError> {
        self.call(Method::DELETE, &format!("accounts/{id}"), &[], None)
            .await
            .map(|_| ())
    }

    /// `PUT /accounts/{id}/users`: the new user's ID. The password is hashed by Kazoo and never
    /// comes back.
    pub async fn create_user(&self, account: &AccountId, doc: Value) -> Result<String, ApiError> {
        let body = json!({ "data": doc });
        let reply = self
            .call(
                Method::PUT,
                &format!("accounts/{account}/users"),
                &[],
                Some(body),
            )
            .await?;
        reply.data()["id"]
            .as_str()
            .filter(|id| AccountId::parse(id).is_ok())
            .map(str::to_owned)
            .ok_or_else(|| decode_err(&reply, "the new user has no valid id".into()))
    }

    /// The ID of `account`'s user named `username`, if there is one (Crossbar's listing filter,
    /// and the rows checked here too).
    pub async fn user_named(
        &self,
        account: &AccountId,
        username: &str,
    ) -> Result<Option<String>, ApiError> {
        let reply = self
            .call(
                Method::GET,
                &format!("accounts/{account}/users"),
                &[
                    ("filter_username", username.to_owned()),
                    ("page_size", "500".to_owned()),
                ],
                None,
            )
            .await?;
        let rows = reply
            .data()
            .as_array()
            .ok_or_else(|| decode_err(&reply, "the user listing is not a list".into()))?;
        Ok(rows
            .iter()
            .find(|r| r["username"].as_str() == Some(username))
            .and_then(|r| r["id"].as_str())
            .map(str::to_owned))
    }

    /// The plans `account`'s reseller offers, with their rates.
    pub async fn offered_plans(&self, account: &AccountId) -> Result<Vec<PlanOffer>, ApiError> {
        let reply = self
            .call(
                Method::GET,
                &format!("accounts/{account}/services/available"),
                &[("details", "true".to_owned())],
                None,
            )
            .await?;
        let rows = reply
            .data()
            .as_array()
            .ok_or_else(|| decode_err(&reply, "the plan listing is not a list".into()))?;
        Ok(rows.iter().take(MAX_PLANS).filter_map(offer).collect())
    }

    /// `POST /accounts/{id}/services/{plan}`: assign a plan. Kazoo 4.3 asks no consent here
    /// (no 402); the caller shows the charges first.
    pub async fn assign_plan(&self, account: &AccountId, plan: &str) -> Result<(), ApiError> {
        if !path_safe(plan) {
            return Err(ApiError::InvalidUrl(format!(
                "{plan:?} is not a service plan ID"
            )));
        }
        let path = format!("accounts/{account}/services/{plan}");
        self.call(Method::POST, &path, &[], Some(json!({"data": {}})))
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_row_gives_its_rates_and_a_bad_row_is_skipped() {
        let row = json!({"id": "p1", "name": "Standard", "plan": {
            "limits": {"twoway_trunks": {"rate": 24.99}, "odd": {"rate": "x"}},
            "account": {"hosted_pbx": {"rate": "29.00"}}
        }});
        let o = offer(&row).unwrap();
        assert_eq!(o.rate("twoway_trunks"), Some("24.99".parse().unwrap()));
        assert_eq!(o.rate("hosted_pbx"), Some("29.00".parse().unwrap()));
        assert_eq!(o.rate("odd"), None);
        assert!(offer(&json!({"name": "no id"})).is_none());
        assert!(offer(&json!({"id": "../users"})).is_none(), "not a path");
        assert_eq!(offer(&json!({"id": "p2"})).unwrap().name, "p2");
    }
}
