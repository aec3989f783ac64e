//! Money: exact decimals (`rust_decimal`), never floating point. Amounts a user types are parsed
//! here; amounts from Kazoo (JSON numbers) are read through their shortest decimal text.

use crate::FieldError;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;
use std::str::FromStr;

/// The largest single credit a user may add: a guard against an extra zero.
pub const MAX_CREDIT: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 2); // 10,000.00

/// Parse an amount as typed: `25`, `25.5`, `25.50`, `1,250.00`; more than zero, at most two
/// decimals. A comma only ever separates thousands: `25,00` is refused rather than read as
/// 2,500.
pub fn parse_amount(field: &'static str, input: &str) -> Result<Decimal, FieldError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new(field, "enter an amount"));
    }
    let not_an_amount =
        || FieldError::new(field, format!("“{trimmed}” is not an amount, like 25.00"));
    // Digits, thousands commas before the one dot, digits after it: `1_000` and `1.000,00`
    // (a comma after the dot) are not read as something else.
    let (whole, fraction) = trimmed.split_once('.').unwrap_or((trimmed, "0"));
    let whole_ok = !whole.trim_start_matches('-').is_empty()
        && whole
            .trim_start_matches('-')
            .chars()
            .all(|c| c.is_ascii_digit() || c == ',');
    if !whole_ok || fraction.is_empty() || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return Err(not_an_amount());
    }
    let mut groups = whole.trim_start_matches('-').split(',');
    let first = groups.next().unwrap_or_default();
    if whole.contains(',') && (first.is_empty() || first.len() > 3 || groups.any(|g| g.len() != 3))
    {
        return Err(FieldError::new(
            field,
            format!(
                "“{trimmed}”: use a dot for cents, like 25.00 (a comma only separates thousands)"
            ),
        ));
    }
    let s: String = trimmed.chars().filter(|c| *c != ',').collect();
    let d = Decimal::from_str(&s).map_err(|_| not_an_amount())?;
    if d.scale() > 2 && d.normalize().scale() > 2 {
        return Err(FieldError::new(field, "use at most two decimals (cents)"));
    }
    if d <= Decimal::ZERO {
        return Err(FieldError::new(field, "must be more than 0.00"));
    }
    Ok(d.round_dp(2))
}

/// A credit to add: an amount, no more than [`MAX_CREDIT`].
pub fn parse_credit(field: &'static str, input: &str) -> Result<Decimal, FieldError> {
    let d = parse_amount(field, input)?;
    if d > MAX_CREDIT {
        return Err(FieldError::new(
            field,
            format!(
                "is more than the {} a single credit may add",
                format_money(MAX_CREDIT)
            ),
        ));
    }
    Ok(d)
}

/// No real balance or charge comes near this; larger values from a backend are refused, so
/// sums of many entries can never overflow.
const MAX_MAGNITUDE: Decimal = Decimal::from_parts(0xA4C6_8000, 0x38D7E, 0, false, 0); // 1e15

/// An exact decimal from a Kazoo JSON number or numeric string (`None` if it is not one, or is
/// absurdly large).
pub fn from_json(v: &Value) -> Option<Decimal> {
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_owned(),
        _ => return None,
    };
    Decimal::from_str(&text)
        .ok()
        .or_else(|| Decimal::from_scientific(&text).ok())
        .filter(|d| d.abs() <= MAX_MAGNITUDE)
}

/// `12.50`: rounded to the cent (half away from zero), always two decimals. (Formatting with
/// `{:.2}` alone would truncate.)
pub fn cents_text(d: Decimal) -> String {
    format!("{:.2}", round_cents(d))
}

/// A JSON number for Kazoo, which stores money as numbers. Two-decimal amounts survive this
/// exactly: the float nearest to `12.34` prints back as `12.34`.
pub fn to_json(d: Decimal) -> Value {
    use rust_decimal::prelude::ToPrimitive;
    d.to_f64()
        .and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

/// Half away from zero, to the cent: the rounding rule for every amount shown or charged.
pub fn round_cents(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// `1,234.50`, `-3.20`: two decimals, thousands separated.
pub fn format_money(d: Decimal) -> String {
    let r = round_cents(d);
    let negative = r.is_sign_negative() && !r.is_zero();
    let text = format!("{:.2}", r.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{}{grouped}.{frac}", if negative { "-" } else { "" })
}

/// Serializes an amount as the window shows it: `{"value": "-3.2", "text": "-3.20"}`, the exact
/// decimal (for signs, sorting and charts) beside [`format_money`]'s text, so the window never
/// formats money itself. For `#[serde(serialize_with = "…")]` on the fields of views.
pub fn shown<S: serde::Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeStruct;
    let mut m = s.serialize_struct("Money", 2)?;
    m.serialize_field("value", d)?;
    m.serialize_field("text", &format_money(*d))?;
    m.end()
}

/// [`shown`] for an amount that may be absent (`null`).
pub fn shown_opt<S: serde::Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => shown(d, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn parses_amounts_people_type() {
        assert_eq!(parse_amount("a", " 25 ").unwrap(), d("25"));
        assert_eq!(parse_amount("a", "1,250.5").unwrap(), d("1250.50"));
        assert_eq!(parse_amount("a", "0.10").unwrap(), d("0.1"));
        for (bad, needle) in [
            ("", "enter"),
            ("ten", "not an amount"),
            ("-5", "more than"),
            ("0", "more than"),
            ("1.234", "two decimals"),
        ] {
            let e = parse_amount("amount", bad).unwrap_err();
            assert_eq!(e.field, "amount");
            assert!(e.message.contains(needle), "{bad}: {e}");
        }
        assert_eq!(
            parse_amount("a", "12,345,678.90").unwrap(),
            d("12345678.90")
        );
        for european in ["25,00", "12,5", "1,25", ",250", "1250,000.00"] {
            let e = parse_amount("amount", european).unwrap_err();
            assert!(e.message.contains("dot for cents"), "{european}: {e}");
        }
        // Nothing that Rust or a European keyboard would read another way is taken.
        for odd in ["1_000", "1.000,00", "12.", "1e3", "+5", "5 000", "0x10"] {
            let e = parse_amount("amount", odd).unwrap_err();
            assert!(e.message.contains("not an amount"), "{odd}: {e}");
        }
        assert!(parse_credit("a", "10000.01").is_err());
        assert!(parse_credit("a", "10000").is_ok());
    }

    #[test]
    fn json_round_trip_is_exact_to_the_cent() {
        for s in ["0.10", "12.34", "-54.74", "1000000.01", "14.99"] {
            assert_eq!(from_json(&to_json(d(s))), Some(d(s)), "{s}");
        }
        assert_eq!(from_json(&json!(-54.7404)), Some(d("-54.7404")));
        assert_eq!(from_json(&json!("7.5")), Some(d("7.5")));
        assert_eq!(from_json(&json!(1e15)), Some(d("1000000000000000")));
        assert_eq!(
            from_json(&json!(1.01e15)),
            None,
            "absurd amounts are refused"
        );
        assert_eq!(cents_text(d("4.999")), "5.00");
        assert_eq!(cents_text(d("-0.0199")), "-0.02");
        assert_eq!(cents_text(d("7")), "7.00");
    }

    #[test]
    fn formats_with_two_decimals_and_separators() {
        assert_eq!(format_money(d("1234.5")), "1,234.50");
        assert_eq!(format_money(d("-3.204")), "-3.20");
        assert_eq!(format_money(d("0.005")), "0.01", "half away from zero");
        assert_eq!(format_money(d("-0.001")), "0.00");
        assert_eq!(format_money(d("1000000")), "1,000,000.00");
    }

    #[test]
    fn the_window_gets_each_amount_with_its_text() {
        #[derive(serde::Serialize)]
        struct View {
            #[serde(serialize_with = "shown")]
            balance: Decimal,
            #[serde(serialize_with = "shown_opt")]
            due: Option<Decimal>,
        }
        let v = View {
            balance: d("-1234.5"),
            due: None,
        };
        assert_eq!(
            serde_json::to_value(v).unwrap(),
            json!({"balance": {"value": "-1234.5", "text": "-1,234.50"}, "due": null})
        );
    }
}
