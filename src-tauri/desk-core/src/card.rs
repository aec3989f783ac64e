//! Payment card input, checked before it leaves the machine: number (Luhn, brand), expiry (not in
//! the past in the account's time zone) and security code. The number and code are wiped from
//! memory when dropped, print as `<redacted>`, and are never serialised.

use crate::FieldError;
use chrono::NaiveDate;
use serde::Serialize;
use std::fmt;
use zeroize::Zeroize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Brand {
    Visa,
    Mastercard,
    Amex,
    Discover,
    Jcb,
    Diners,
    Unknown,
}

impl Brand {
    /// The brand from the leading digits, as soon as they say it (shown while typing).
    pub fn of(digits: &str) -> Brand {
        let n = |len: usize| digits.get(..len).and_then(|p| p.parse::<u32>().ok());
        match (n(1), n(2), n(3), n(4), n(6)) {
            (Some(4), ..) => Brand::Visa,
            (_, Some(34 | 37), ..) => Brand::Amex,
            (_, Some(51..=55), ..) => Brand::Mastercard,
            (.., Some(2221..=2720), _) => Brand::Mastercard,
            (.., Some(6011), _) | (_, Some(65), ..) => Brand::Discover,
            (_, _, Some(644..=649), ..) => Brand::Discover,
            (.., Some(3528..=3589), _) => Brand::Jcb,
            (_, _, Some(300..=305), ..) | (_, Some(36 | 38), ..) => Brand::Diners,
            _ => Brand::Unknown,
        }
    }

    /// The brand the leading digits already name, if they name one.
    pub fn named_by(digits: &str) -> Option<Brand> {
        Some(Self::of(digits)).filter(|b| *b != Brand::Unknown)
    }

    pub fn label(&self) -> &'static str {
        match self {
            Brand::Visa => "Visa",
            Brand::Mastercard => "Mastercard",
            Brand::Amex => "American Express",
            Brand::Discover => "Discover",
            Brand::Jcb => "JCB",
            Brand::Diners => "Diners Club",
            Brand::Unknown => "Card",
        }
    }
}

/// Digits only: spaces and dashes people type are dropped.
fn digits(input: &str) -> Result<String, ()> {
    let d: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if d.chars().all(|c| c.is_ascii_digit()) {
        Ok(d)
    } else {
        Err(())
    }
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A card number that passed the checks. Wiped on drop.
pub struct CardNumber(String);

impl CardNumber {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        const F: &str = "card_number";
        let mut d = digits(input).map_err(|_| FieldError::new(F, "may only contain digits"))?;
        if !(12..=19).contains(&d.len()) {
            let n = d.len();
            d.zeroize();
            return Err(FieldError::new(
                F,
                format!("has {n} digits; card numbers have 12 to 19"),
            ));
        }
        if !luhn(&d) {
            d.zeroize();
            return Err(FieldError::new(
                F,
                "is not a valid card number: check the digits",
            ));
        }
        Ok(Self(d))
    }

    pub fn brand(&self) -> Brand {
        Brand::of(&self.0)
    }

    pub fn last_four(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }

    /// The digits, for the one request that sends them to the payment processor.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Drop for CardNumber {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CardNumber(<redacted> …{})", self.last_four())
    }
}

/// A card's security code (CVV/CVC): 3 digits, 4 for American Express. Wiped on drop.
pub struct SecurityCode(String);

impl SecurityCode {
    pub fn parse(input: &str, brand: Brand) -> Result<Self, FieldError> {
        const F: &str = "card_cvv";
        let want = if brand == Brand::Amex { 4 } else { 3 };
        let d = input.trim();
        if d.len() != want || !d.chars().all(|c| c.is_ascii_digit()) {
            return Err(FieldError::new(
                F,
                format!("is the {want}-digit code on the card"),
            ));
        }
        Ok(Self(d.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Drop for SecurityCode {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for SecurityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecurityCode(<redacted>)")
    }
}

/// A card's expiry month. A card is valid through the last day of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Expiry {
    pub month: u32,
    pub year: i32,
}

impl Expiry {
    /// `MM/YY`, `MM/YYYY`, `MM-YY`, `MMYY`; not in the past on `today` (the account's date).
    pub fn parse(input: &str, today: NaiveDate) -> Result<Self, FieldError> {
        const F: &str = "card_expiry";
        let bad = || FieldError::new(F, "use the month and year on the card, like 08/29");
        let d: String = input.chars().filter(|c| c.is_ascii_digit()).collect();
        let (m, y) = match d.len() {
            4 => (&d[..2], &d[2..]),
            6 => (&d[..2], &d[2..]),
            _ => return Err(bad()),
        };
        let month: u32 = m.parse().map_err(|_| bad())?;
        let mut year: i32 = y.parse().map_err(|_| bad())?;
        if year < 100 {
            year += 2000;
        }
        if !(1..=12).contains(&month) {
            return Err(FieldError::new(F, "the month must be 01 to 12"));
        }
        let e = Expiry { month, year };
        if e.expired_on(today) {
            return Err(FieldError::new(F, "this card has expired"));
        }
        Ok(e)
    }

    /// The last day the card can be used.
    pub fn last_day(&self) -> NaiveDate {
        let (y, m) = if self.month == 12 {
            (self.year.saturating_add(1), 1)
        } else {
            (self.year, self.month + 1)
        };
        NaiveDate::from_ymd_opt(y, m, 1)
            .and_then(|d| d.pred_opt())
            .unwrap_or(NaiveDate::MAX)
    }

    pub fn expired_on(&self, today: NaiveDate) -> bool {
        today > self.last_day()
    }

    /// Expires within `days` of `today` (and is not yet expired): time to warn.
    pub fn expires_within(&self, today: NaiveDate, days: i64) -> bool {
        !self.expired_on(today) && (self.last_day() - today).num_days() < days
    }

    /// `08/29`, as printed on cards.
    pub fn label(&self) -> String {
        format!("{:02}/{:02}", self.month, self.year % 100)
    }
}

/// What a user enters for a new card.
#[derive(Debug)]
pub struct CardInput {
    pub number: CardNumber,
    pub expiry: Expiry,
    pub cvv: SecurityCode,
    pub holder: String,
}

impl CardInput {
    /// Check all three fields; every problem is reported, each on its field.
    pub fn parse(
        number: &str,
        expiry: &str,
        cvv: &str,
        holder: &str,
        today: NaiveDate,
    ) -> Result<Self, Vec<FieldError>> {
        let mut typed = digits(number).unwrap_or_default();
        let brand = Brand::of(&typed);
        typed.zeroize();
        let number = CardNumber::parse(number);
        let expiry = Expiry::parse(expiry, today);
        let cvv = SecurityCode::parse(cvv, brand);
        match (number, expiry, cvv) {
            (Ok(number), Ok(expiry), Ok(cvv)) => Ok(CardInput {
                number,
                expiry,
                cvv,
                holder: holder.trim().to_owned(),
            }),
            (n, e, c) => Err([n.err(), e.err(), c.err()].into_iter().flatten().collect()),
        }
    }
}

/// Whether a stored expiry (from the backend) is near or past, for the warnings.
pub fn expiry_of(month: u32, year: i32) -> Option<Expiry> {
    let year = if year < 100 { year + 2000 } else { year };
    (1..=12).contains(&month).then_some(Expiry { month, year })
}

impl fmt::Display for Expiry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}/{:04}", self.month, self.year)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn luhn_and_brand() {
        let visa = CardNumber::parse("4111 1111 1111 1111").unwrap();
        assert_eq!((visa.brand(), visa.last_four()), (Brand::Visa, "1111"));
        assert_eq!(
            CardNumber::parse("5555-5555-5555-4444").unwrap().brand(),
            Brand::Mastercard
        );
        assert_eq!(
            CardNumber::parse("378282246310005").unwrap().brand(),
            Brand::Amex
        );
        assert_eq!(
            CardNumber::parse("2223003122003222").unwrap().brand(),
            Brand::Mastercard
        );
        assert_eq!(Brand::of("60"), Brand::Unknown);
        assert_eq!(Brand::of("6011"), Brand::Discover);
        assert!(CardNumber::parse("4111 1111 1111 1112")
            .unwrap_err()
            .message
            .contains("not a valid"));
        assert!(CardNumber::parse("4111")
            .unwrap_err()
            .message
            .contains("4 digits"));
        assert_eq!(CardNumber::parse("4111x").unwrap_err().field, "card_number");
        assert!(!format!("{:?}", visa).contains("4111 1111"));
    }

    #[test]
    fn expiry_is_checked_against_the_accounts_date() {
        let today = day(2026, 11, 30);
        assert!(
            Expiry::parse("11/26", today).is_ok(),
            "valid through the end of its month"
        );
        assert!(Expiry::parse("10/26", today)
            .unwrap_err()
            .message
            .contains("expired"));
        assert_eq!(
            Expiry::parse("0829", today).unwrap(),
            Expiry {
                month: 8,
                year: 2029
            }
        );
        assert_eq!(Expiry::parse("08/2029", today).unwrap().year, 2029);
        assert!(Expiry::parse("13/29", today)
            .unwrap_err()
            .message
            .contains("01 to 12"));
        assert!(Expiry::parse("8/9", today).is_err());
        // Kiritimati is already in December while UTC is still on November 30.
        assert!(Expiry::parse("11/26", day(2026, 12, 1)).is_err());
        let e = Expiry {
            month: 12,
            year: 2026,
        };
        assert!(e.expires_within(day(2026, 12, 10), 30));
        assert!(!e.expires_within(day(2026, 10, 1), 30));
        assert_eq!(e.last_day(), day(2026, 12, 31));
    }

    #[test]
    fn security_code_length_follows_the_brand() {
        assert!(SecurityCode::parse("123", Brand::Visa).is_ok());
        assert!(SecurityCode::parse("1234", Brand::Amex).is_ok());
        assert!(SecurityCode::parse("1234", Brand::Visa)
            .unwrap_err()
            .message
            .contains("3-digit"));
        let errs = CardInput::parse("4111", "01/20", "1", "", day(2026, 1, 1)).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["card_number", "card_expiry", "card_cvv"]);
    }
}
