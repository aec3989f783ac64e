//! Billing settings kept on the account document: low-balance alerts, auto recharge and the
//! subscription payment choice, validated here and saved through the outbox like any edit.

use crate::{Desk, EngineError};
use desk_core::billing::{AutoRecharge, Subscription};
use desk_core::money::{cents_text, parse_amount, to_json};
use desk_core::{AccountDoc, FieldError};
use desk_store::DocKind;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BillingSettingsForm {
    pub alerts_enabled: bool,
    pub alerts_threshold: String,
    pub recharge_enabled: bool,
    pub recharge_threshold: String,
    pub recharge_amount: String,
    /// `self_manage`, `card` or `credit`.
    pub subscription: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BillingSettingsView {
    pub form: BillingSettingsForm,
    /// Dotted paths with a pending (unsynced) value.
    pub pending: Vec<String>,
}

fn form_of(doc: &AccountDoc) -> BillingSettingsForm {
    let alerts = doc.low_balance();
    let recharge = doc.auto_recharge();
    BillingSettingsForm {
        alerts_enabled: alerts.enabled,
        alerts_threshold: cents_text(alerts.threshold),
        recharge_enabled: recharge.is_some(),
        recharge_threshold: recharge
            .map(|r| cents_text(r.threshold))
            .unwrap_or_default(),
        recharge_amount: recharge.map(|r| cents_text(r.amount)).unwrap_or_default(),
        subscription: match doc.subscription() {
            Subscription::SelfManage => "self_manage",
            Subscription::Card => "card",
            Subscription::Credit => "credit",
        }
        .to_owned(),
    }
}

/// Kazoo paths and values for what the user changed on the billing form, compared with the form
/// as it was shown (amounts as amounts: a shown `5.00` and a typed `5` are the same), so keys
/// the user did not touch are never written or removed. Every invalid field is reported.
fn desired_settings(
    form: &BillingSettingsForm,
    doc: &AccountDoc,
) -> Result<crate::edits::Desired, EngineError> {
    let shown = form_of(doc);
    let mut out = Vec::new();
    let mut errors: Vec<FieldError> = Vec::new();
    let same_amount = |typed: &str, was: &str| {
        typed.trim().parse::<Decimal>().ok() == was.parse::<Decimal>().ok()
    };
    let alerts_changed = form.alerts_enabled != shown.alerts_enabled
        || !same_amount(&form.alerts_threshold, &shown.alerts_threshold);
    if alerts_changed {
        // Written together, as the platform's own client does.
        match parse_amount(
            "notifications.low_balance.threshold",
            &form.alerts_threshold,
        ) {
            Ok(t) => out.push(("notifications.low_balance.threshold", Some(to_json(t)))),
            Err(e) if form.alerts_enabled => errors.push(e),
            Err(_) => {}
        }
        out.push((
            "notifications.low_balance.enabled",
            Some(form.alerts_enabled.into()),
        ));
    }
    let recharge_changed = form.recharge_enabled != shown.recharge_enabled
        || !same_amount(&form.recharge_threshold, &shown.recharge_threshold)
        || !same_amount(&form.recharge_amount, &shown.recharge_amount);
    match (form.recharge_enabled, recharge_changed) {
        (_, false) => {}
        (true, true) => {
            match AutoRecharge::parse(&form.recharge_threshold, &form.recharge_amount) {
                Ok(r) => {
                    out.push(("topup.threshold", Some(to_json(r.threshold))));
                    out.push(("topup.amount", Some(to_json(r.amount))));
                }
                Err(es) => errors.extend(es),
            }
        }
        // Turned off: both keys go, as the platform's own client does.
        (false, true) => {
            for path in ["topup.threshold", "topup.amount"] {
                if !stored_missing(doc, path) {
                    out.push((path, None));
                }
            }
        }
    }
    match Subscription::parse(&form.subscription) {
        Ok(s) if s != doc.subscription() => {
            let (preemptive, exact) = s.flags();
            out.push(("topup.monthly.preemptive", Some(preemptive.into())));
            out.push(("topup.monthly.exact", Some(exact.into())));
        }
        Ok(_) => {}
        Err(e) => errors.push(e),
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(EngineError::InvalidInput(errors))
    }
}

fn stored_missing(doc: &AccountDoc, path: &str) -> bool {
    desk_core::merge::value_at(doc.as_map(), path).is_none()
}

impl Desk {
    pub fn billing_settings(&self, id: &str) -> Result<BillingSettingsView, EngineError> {
        let id = self.known(id)?;
        let (_, doc) = self.account_docs(id.as_str())?;
        let pending = self.cache.pending(id.as_str(), DocKind::Account)?;
        Ok(BillingSettingsView {
            form: form_of(&doc),
            pending: pending
                .map(|p| {
                    p.fields
                        .into_iter()
                        .map(|f| f.path)
                        .filter(|p| p.starts_with("topup.") || p.starts_with("notifications."))
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    /// Alerts, auto recharge and subscription: validated here, staged in the outbox, pushed as
    /// the keys that changed (a PATCH merges, so every other key stays as it is).
    pub async fn save_billing_settings(
        &self,
        id: &str,
        form: &BillingSettingsForm,
    ) -> Result<BillingSettingsView, EngineError> {
        let id = self.known(id)?;
        let (server, doc) = self.account_docs(id.as_str())?;
        let desired = desired_settings(form, &doc)?;
        self.stage(id.as_str(), DocKind::Account, &server, desired)
            .await?;
        self.billing_settings(id.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_compare_amounts_not_json_numbers() {
        let doc = AccountDoc::from_value(serde_json::json!({"notifications": {"low_balance": {"enabled": true, "threshold": 5}}, "topup": {"monthly": {"exact": true}}})).unwrap();
        let mut form = form_of(&doc);
        form.alerts_threshold = "5.00".into();
        assert!(
            desired_settings(&form, &doc).unwrap().is_empty(),
            "5 and 5.00 are the same amount"
        );
        form.recharge_enabled = true;
        form.recharge_threshold = "10".into();
        form.recharge_amount = "0".into();
        let err = desired_settings(&form, &doc).unwrap_err().view();
        assert_eq!(err.field.as_deref(), Some("topup.amount"));
        form.recharge_amount = "25".into();
        let paths: Vec<&str> = desired_settings(&form, &doc)
            .unwrap()
            .iter()
            .map(|d| d.0)
            .collect();
        assert_eq!(
            paths,
            ["topup.threshold", "topup.amount"],
            "the subscription is left alone"
        );
    }
}
