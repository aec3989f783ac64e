//! Service plans and the charges a change of billable quantities causes: what the sandbox puts
//! in a 402 `accept charges` answer. Its own arithmetic, independent of the client's.

use chrono::{Datelike, NaiveDate, TimeZone};
use chrono_tz::Tz;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Value};

pub struct Plan {
    pub id: &'static str,
    pub name: &'static str,
    /// (category, item, monthly rate in the platform currency as a decimal string)
    pub items: &'static [(&'static str, &'static str, &'static str)],
}

pub const PLANS: &[Plan] = &[
    Plan {
        id: "pbx-standard",
        name: "Hosted PBX Standard",
        items: &[
            ("account", "hosted_pbx", "29.00"),
            ("limits", "inbound_trunks", "14.99"),
            ("limits", "outbound_trunks", "19.99"),
            ("limits", "twoway_trunks", "24.99"),
        ],
    },
    Plan {
        id: "reseller-wholesale",
        name: "Reseller Wholesale",
        items: &[
            ("account", "reseller_platform", "149.00"),
            ("limits", "inbound_trunks", "9.50"),
            ("limits", "outbound_trunks", "12.50"),
            ("limits", "twoway_trunks", "16.00"),
        ],
    },
];

pub fn plan(id: &str) -> Option<&'static Plan> {
    PLANS.iter().find(|p| p.id == id)
}

impl Plan {
    /// An invoice's `plan` (`kzd_service_plan:plan/1`): category → item → settings, with no
    /// ID or name (those are the `plans` keys and `/services/available`).
    pub fn as_kazoo(&self) -> Value {
        let mut plan = serde_json::Map::new();
        for (category, item, rate) in self.items {
            let c = plan.entry(*category).or_insert_with(|| json!({}));
            c[*item] =
                json!({"rate": money(rate.parse().unwrap_or_default()), "activation_charge": 0});
        }
        Value::Object(plan)
    }

    pub fn rate(&self, item: &str) -> Option<Decimal> {
        self.items
            .iter()
            .find(|(_, i, _)| *i == item)
            .and_then(|(_, _, r)| r.parse().ok())
    }
}

/// An exact decimal from a JSON number or numeric string.
pub fn decimal(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => n.to_string().parse().ok(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The 1st of the month after `date`.
pub fn next_month(date: NaiveDate) -> NaiveDate {
    let (y, m) = if date.month() == 12 {
        (date.year() + 1, 1)
    } else {
        (date.year(), date.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(date)
}

/// Money on the wire: Kazoo sends plain JSON numbers.
pub fn money(d: Decimal) -> Value {
    json!(d.round_dp(4).to_f64().unwrap_or(0.0))
}

/// Days left in the month including `today`, and the month's length.
pub fn days_left(today: NaiveDate) -> (u32, u32) {
    let len = next_month(today).pred_opt().map_or(30, |last| last.day());
    (len - today.day() + 1, len)
}

/// The local date "now" in a zone.
pub fn local_today(tz: Tz, unix: i64) -> NaiveDate {
    tz.timestamp_opt(unix, 0)
        .single()
        .map(|t| t.date_naive())
        .unwrap_or_default()
}

/// A monthly amount prorated for the rest of the month: amount × days left ÷ days in month,
/// rounded half away from zero to the cent.
pub fn prorate(monthly: Decimal, today: NaiveDate) -> Decimal {
    let (left, len) = days_left(today);
    (monthly * Decimal::from(left) / Decimal::from(len))
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_left_counts_today() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(days_left(d(2028, 2, 1)), (29, 29));
        assert_eq!(days_left(d(2027, 2, 28)), (1, 28));
        assert_eq!(days_left(d(2026, 4, 16)), (15, 30));
        assert_eq!(days_left(d(2026, 12, 31)), (1, 31));
    }

    #[test]
    fn prorates_to_the_cent() {
        let d = NaiveDate::from_ymd_opt(2026, 4, 16).unwrap();
        assert_eq!(
            prorate("29.98".parse().unwrap(), d),
            "14.99".parse::<Decimal>().unwrap()
        );
    }
}
