//! The charges in a 402 `accept charges` answer. Kazoo has sent two shapes: current versions a
//! list of proposed invoices (`items`, `summary.today`, `summary.recurring`), older docs a map of
//! category → item → details with a top-level `activation_charges`. Both are read.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ChargeItem {
    pub category: String,
    pub item: String,
    pub quantity: Option<i64>,
    pub previous: Option<i64>,
    pub rate: Option<Decimal>,
    pub total: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Charges {
    pub items: Vec<ChargeItem>,
    pub activation: Decimal,
    /// Due now, when the server says: Kazoo's `summary.today` is the sum of the activation
    /// charges (`kz_services_invoice:summary/3`), not a proration of the monthly price.
    pub today: Option<Decimal>,
    /// The new monthly amount, when the server says.
    pub recurring: Option<Decimal>,
}

pub use desk_core::money::from_json as decimal;

fn add(acc: &mut Option<Decimal>, v: Option<&Value>) {
    if let Some(d) = v.and_then(decimal) {
        *acc = Some(acc.unwrap_or_default() + d);
    }
}

fn item_from(category: &str, item: &str, v: &Value) -> ChargeItem {
    ChargeItem {
        category: v["category"].as_str().unwrap_or(category).to_owned(),
        item: v["item"].as_str().unwrap_or(item).to_owned(),
        quantity: v["quantity"].as_i64(),
        // Kazoo 4.3: `changes.difference.quantity` is proposed − current
        // (`kz_services_items:maybe_annotate/4`); older answers gave `quantity.previous`.
        previous: v["changes"]["quantity"]["previous"].as_i64().or_else(|| {
            let diff = v["changes"]["difference"]["quantity"].as_i64()?;
            v["quantity"].as_i64()?.checked_sub(diff)
        }),
        rate: decimal(&v["rate"]),
        total: decimal(&v["total"]),
    }
}

pub fn parse(data: &Value) -> Charges {
    let mut c = Charges::default();
    match data {
        Value::Array(invoices) => {
            for inv in invoices {
                for it in inv["items"].as_array().into_iter().flatten() {
                    c.items.push(item_from("", "", it));
                }
                match &inv["activation_charges"] {
                    Value::Array(list) => {
                        for a in list {
                            c.activation += decimal(&a["amount"])
                                .or_else(|| decimal(a))
                                .unwrap_or_default();
                        }
                    }
                    other => c.activation += decimal(other).unwrap_or_default(),
                }
                add(&mut c.today, inv["summary"].get("today"));
                add(&mut c.recurring, inv["summary"].get("recurring"));
            }
        }
        Value::Object(categories) => {
            let mut per_item = Decimal::ZERO;
            for (category, items) in categories
                .iter()
                .filter(|(k, _)| *k != "activation_charges")
            {
                for (item, v) in items.as_object().into_iter().flatten() {
                    c.items.push(item_from(category, item, v));
                    per_item += decimal(&v["activation_charges"]).unwrap_or_default();
                }
            }
            // The top-level figure is the total of the items' activation charges.
            c.activation = categories
                .get("activation_charges")
                .and_then(decimal)
                .unwrap_or(per_item);
        }
        _ => {}
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn reads_the_invoice_list_shape() {
        let c = parse(&json!([{
            "items": [{"category": "limits", "item": "inbound_trunks", "quantity": 5, "rate": 14.99, "total": 74.95,
                       "changes": {"quantity": {"previous": 3, "current": 5}}}],
            "activation_charges": [],
            "summary": {"today": 14.51, "recurring": 74.95}
        }]));
        assert_eq!(c.items[0].previous, Some(3));
        assert_eq!(c.items[0].rate, Some(d("14.99")));
        assert_eq!(c.today, Some(d("14.51")));
        assert_eq!(c.recurring, Some(d("74.95")));
    }

    #[test]
    fn reads_kazoo_43_differences() {
        let c = parse(&json!([{
            "items": [{"category": "limits", "item": "inbound_trunks", "quantity": 5, "rate": 14.99, "total": 74.95,
                       "changes": {"type": "modified", "difference": {"quantity": 2, "billable": 2}}}],
            "activation_charges": [],
            "plan": {"limits": {"inbound_trunks": {"rate": 14.99}}},
            "summary": {"today": 0, "recurring": 74.95}
        }]));
        assert_eq!(c.items[0].previous, Some(3));
        assert_eq!(c.today, Some(Decimal::ZERO));
    }

    #[test]
    fn reads_the_older_map_shape() {
        let c = parse(
            &json!({"limits": {"twoway_trunks": {"category": "limits", "item": "twoway_trunks", "quantity": 1, "rate": 2.0, "activation_charges": 1.0}}, "activation_charges": 1.0}),
        );
        assert_eq!(c.items.len(), 1);
        assert_eq!(c.items[0].rate, Some(d("2")));
        assert_eq!(
            c.activation,
            d("1"),
            "the top-level total, not counted twice"
        );
        assert_eq!(c.today, None);
    }
}
