//! The billing settings kept on the account document: low-balance alerts
//! (`notifications.low_balance`), auto recharge (`topup.threshold/amount`), how the monthly bill
//! is paid (`topup.monthly`), and the billing contact (`contact.billing`).

use crate::alerts::{LowBalance, DEFAULT_THRESHOLD};
use crate::json_path;
use crate::money::{from_json, parse_amount};
use crate::{AccountDoc, FieldError, Stored};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

/// Recharge `amount` when the balance falls below `threshold` (at most once per 24 hours, the
/// platform's rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AutoRecharge {
    pub threshold: Decimal,
    pub amount: Decimal,
}

impl AutoRecharge {
    pub fn parse(threshold: &str, amount: &str) -> Result<Self, Vec<FieldError>> {
        let t = parse_amount("topup.threshold", threshold);
        let a = parse_amount("topup.amount", amount);
        match (t, a) {
            (Ok(threshold), Ok(amount)) => Ok(Self { threshold, amount }),
            (t, a) => Err([t.err(), a.err()].into_iter().flatten().collect()),
        }
    }
}

/// How the monthly bill is paid (Monster UI's Subscriptions tab).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Subscription {
    /// Neither: the user tops up by hand (the default).
    #[default]
    SelfManage,
    /// `topup.monthly.exact`: the card pays the bill, account credit as backup.
    Card,
    /// `topup.monthly.preemptive`: account credit pays, the card as backup.
    Credit,
}

impl Subscription {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        match input {
            "self_manage" | "" => Ok(Subscription::SelfManage),
            "card" => Ok(Subscription::Card),
            "credit" => Ok(Subscription::Credit),
            other => Err(FieldError::new(
                "topup.monthly",
                format!("“{other}” is not a way to pay: use card, credit or self_manage"),
            )),
        }
    }

    /// (`topup.monthly.preemptive`, `topup.monthly.exact`)
    pub fn flags(&self) -> (bool, bool) {
        match self {
            Subscription::SelfManage => (false, false),
            Subscription::Card => (false, true),
            Subscription::Credit => (true, false),
        }
    }
}

/// The billing contact as stored. Two shapes are in use: `first_name` + `last_name` (Monster UI's
/// billing tab) and a single `name` (the Accounts app); both are read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct BillingContact {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub number: String,
    pub street_address: String,
    pub street_address_extra: String,
    pub locality: String,
    pub region: String,
    pub postal_code: String,
    pub country: String,
}

pub const BILLING_FIELDS: [&str; 10] = [
    "first_name",
    "last_name",
    "email",
    "number",
    "street_address",
    "street_address_extra",
    "locality",
    "region",
    "postal_code",
    "country",
];

impl BillingContact {
    pub fn get(&self, field: &str) -> &str {
        match field {
            "first_name" => &self.first_name,
            "last_name" => &self.last_name,
            "email" => &self.email,
            "number" => &self.number,
            "street_address" => &self.street_address,
            "street_address_extra" => &self.street_address_extra,
            "locality" => &self.locality,
            "region" => &self.region,
            "postal_code" => &self.postal_code,
            _ => &self.country,
        }
    }
}

fn bool_at(doc: &AccountDoc, path: &str) -> Option<bool> {
    json_path::get(doc.as_map(), path).and_then(Value::as_bool)
}

fn money_at(doc: &AccountDoc, path: &str) -> Stored<Decimal> {
    match json_path::get(doc.as_map(), path) {
        None | Some(Value::Null) => Stored::Missing,
        Some(v) => match from_json(v) {
            Some(d) => Stored::Valid(d),
            None => Stored::flag(v, "is not an amount"),
        },
    }
}

impl AccountDoc {
    /// Alerts default to on at 5.00 when unset, as the platform does.
    pub fn low_balance(&self) -> LowBalance {
        LowBalance {
            enabled: bool_at(self, "notifications.low_balance.enabled").unwrap_or(true),
            threshold: money_at(self, "notifications.low_balance.threshold")
                .valid()
                .copied()
                .unwrap_or(DEFAULT_THRESHOLD),
        }
    }

    /// Auto recharge is on only when both amounts are set and above zero.
    pub fn auto_recharge(&self) -> Option<AutoRecharge> {
        let t = money_at(self, "topup.threshold").valid().copied()?;
        let a = money_at(self, "topup.amount").valid().copied()?;
        (t > Decimal::ZERO && a > Decimal::ZERO).then_some(AutoRecharge {
            threshold: t,
            amount: a,
        })
    }

    pub fn subscription(&self) -> Subscription {
        match (
            bool_at(self, "topup.monthly.preemptive"),
            bool_at(self, "topup.monthly.exact"),
        ) {
            (Some(true), _) => Subscription::Credit,
            (_, Some(true)) => Subscription::Card,
            _ => Subscription::SelfManage,
        }
    }

    /// The contact is stored as a single `name` (another tool wrote it), not first/last.
    pub fn billing_contact_is_single_name(&self) -> bool {
        let has =
            |f: &str| json_path::get(self.as_map(), &format!("contact.billing.{f}")).is_some();
        has("name") && !has("first_name") && !has("last_name")
    }

    pub fn billing_contact(&self) -> BillingContact {
        let text = |f: &str| {
            json_path::get(self.as_map(), &format!("contact.billing.{f}"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let mut c = BillingContact::default();
        for f in BILLING_FIELDS {
            let v = text(f);
            match f {
                "first_name" => c.first_name = v,
                "last_name" => c.last_name = v,
                "email" => c.email = v,
                "number" => c.number = v,
                "street_address" => c.street_address = v,
                "street_address_extra" => c.street_address_extra = v,
                "locality" => c.locality = v,
                "region" => c.region = v,
                "postal_code" => c.postal_code = v,
                _ => c.country = v,
            }
        }
        if c.first_name.is_empty() && c.last_name.is_empty() {
            let name = text("name");
            match name.trim().rsplit_once(' ') {
                Some((first, last)) => {
                    c.first_name = first.trim().to_owned();
                    c.last_name = last.to_owned();
                }
                None => c.first_name = name.trim().to_owned(),
            }
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(v: Value) -> AccountDoc {
        AccountDoc::from_value(v).unwrap()
    }
    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn alerts_default_on_at_five() {
        assert_eq!(
            doc(json!({})).low_balance(),
            LowBalance {
                enabled: true,
                threshold: d("5")
            }
        );
        let set =
            doc(json!({"notifications": {"low_balance": {"enabled": false, "threshold": 12.5}}}));
        assert_eq!(
            set.low_balance(),
            LowBalance {
                enabled: false,
                threshold: d("12.5")
            }
        );
    }

    #[test]
    fn auto_recharge_needs_both_positive_amounts() {
        assert_eq!(
            doc(json!({"topup": {"threshold": 10, "amount": 25}})).auto_recharge(),
            Some(AutoRecharge {
                threshold: d("10"),
                amount: d("25")
            })
        );
        assert_eq!(
            doc(json!({"topup": {"threshold": 10}})).auto_recharge(),
            None
        );
        assert_eq!(
            doc(json!({"topup": {"threshold": 0, "amount": 25}})).auto_recharge(),
            None
        );
        let errs = AutoRecharge::parse("0", "x").unwrap_err();
        assert_eq!(
            errs.iter().map(|e| e.field).collect::<Vec<_>>(),
            ["topup.threshold", "topup.amount"]
        );
    }

    #[test]
    fn subscription_from_the_monthly_flags() {
        assert_eq!(doc(json!({})).subscription(), Subscription::SelfManage);
        assert_eq!(
            doc(json!({"topup": {"monthly": {"exact": true, "preemptive": false}}})).subscription(),
            Subscription::Card
        );
        assert_eq!(
            doc(json!({"topup": {"monthly": {"preemptive": true}}})).subscription(),
            Subscription::Credit
        );
        assert_eq!(Subscription::Card.flags(), (false, true));
    }

    #[test]
    fn billing_contact_reads_both_shapes() {
        let split = doc(
            json!({"contact": {"billing": {"first_name": "Marcus", "last_name": "Reyes", "country": "US"}}}),
        );
        assert_eq!(
            (
                split.billing_contact().first_name.as_str(),
                split.billing_contact().country.as_str()
            ),
            ("Marcus", "US")
        );
        let single = doc(json!({"contact": {"billing": {"name": "Accounts Payable Team"}}}));
        let c = single.billing_contact();
        assert_eq!(
            (c.first_name.as_str(), c.last_name.as_str()),
            ("Accounts Payable", "Team")
        );
    }
}
