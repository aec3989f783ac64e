//! Phone-number display: every number on screen is formatted by the viewed account's
//! `numbers_format` rule, reading national numbers with that account's country rules.

use crate::{AccountDoc, CountryCode, NumbersFormat};
use phonenumber::{country::Id, Mode, PhoneNumber};
use serde::Serialize;

/// A number ready to show: `display` in the account's format, `e164` for the tooltip and for
/// copying, and `problem` when the stored text is not a valid number (then `display` is the
/// text as stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormattedPhone {
    pub display: String,
    pub e164: Option<String>,
    pub problem: Option<String>,
}

/// Numbers from several countries, for the numbers-format preview.
pub const SAMPLE_NUMBERS: &[&str] = &[
    "+14155552671",
    "+442079460958",
    "+33142685300",
    "+4930901820",
    "+61293744000",
    "+81335508111",
    "+5511987654321",
];

#[derive(Debug, Clone)]
pub struct PhoneFormatter {
    rule: Rule,
    home: Option<Id>,
}

#[derive(Debug, Clone)]
enum Rule {
    International,
    National,
    /// Countries shown nationally, with their calling codes to skip the costly region lookup
    /// for numbers that cannot be in the list.
    Exceptions(Vec<(Id, u16)>),
}

impl PhoneFormatter {
    pub fn new(format: &NumbersFormat, home: Option<CountryCode>) -> Self {
        let rule = match format {
            NumbersFormat::International => Rule::International,
            NumbersFormat::National => Rule::National,
            NumbersFormat::InternationalWithExceptions(codes) => Rule::Exceptions(
                codes
                    .iter()
                    .filter_map(CountryCode::phone_id)
                    .filter_map(|id| {
                        let meta = phonenumber::metadata::DATABASE.by_id(id.as_ref())?;
                        Some((id, meta.country_code()))
                    })
                    .collect(),
            ),
        };
        Self {
            rule,
            home: home.and_then(|c| c.phone_id()),
        }
    }

    /// The formatter for an account: its rule (international if the stored rule is unreadable)
    /// and its home country.
    pub fn for_account(doc: &AccountDoc) -> Self {
        let format = doc.numbers_format().valid().cloned().unwrap_or_default();
        Self::new(&format, doc.home_country())
    }

    pub fn format(&self, raw: &str) -> FormattedPhone {
        let text = raw.trim();
        let parsed = match parse(self.home, text) {
            Ok(n) => n,
            Err(_) => {
                return FormattedPhone {
                    display: text.to_owned(),
                    e164: None,
                    problem: Some("not a recognisable phone number".to_owned()),
                }
            }
        };
        let mode = if self.national(&parsed) {
            Mode::National
        } else {
            Mode::International
        };
        FormattedPhone {
            display: parsed.format().mode(mode).to_string(),
            e164: Some(parsed.format().mode(Mode::E164).to_string()),
            problem: None,
        }
    }

    fn national(&self, n: &PhoneNumber) -> bool {
        match &self.rule {
            Rule::International => false,
            Rule::National => true,
            Rule::Exceptions(list) => {
                let code = n.code().value();
                list.iter().any(|(_, c)| *c == code)
                    && n.country()
                        .id()
                        .is_some_and(|id| list.iter().any(|(e, _)| *e == id))
            }
        }
    }
}

/// Parse a number, reading national numbers with `home`'s rules.
///
/// Numbers written with `+` are parsed without a default region: phonenumber 0.3 otherwise
/// strips the default region's national prefix from them (`+33 1…` read with US rules loses
/// its `1`).
pub(crate) fn parse(home: Option<Id>, text: &str) -> Result<PhoneNumber, phonenumber::ParseError> {
    let region = if text.starts_with('+') { None } else { home };
    phonenumber::parse(region, text)
}

/// Load the phone metadata (~100 ms on first use) so the first screen does not pay for it.
pub fn warm_up() {
    let _ = phonenumber::parse(None, SAMPLE_NUMBERS[0]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cc(s: &str) -> Option<CountryCode> {
        Some(CountryCode::parse("c", s).unwrap())
    }

    #[test]
    fn international_is_the_default() {
        let f = PhoneFormatter::new(&NumbersFormat::International, cc("US"));
        let p = f.format("4155552671");
        assert_eq!(p.display, "+1 415-555-2671");
        assert_eq!(p.e164.as_deref(), Some("+14155552671"));
    }

    #[test]
    fn national_uses_each_numbers_own_country() {
        let f = PhoneFormatter::new(&NumbersFormat::National, cc("US"));
        assert_eq!(f.format("+14155552671").display, "(415) 555-2671");
        assert_eq!(f.format("+33142685300").display, "01 42 68 53 00");
    }

    #[test]
    fn exceptions_are_national_others_international() {
        let fmt = NumbersFormat::parse("international_with_exceptions", &["US".into()]).unwrap();
        let f = PhoneFormatter::new(&fmt, cc("US"));
        assert_eq!(f.format("+14155552671").display, "(415) 555-2671");
        assert_eq!(
            f.format("+16135550123").display,
            "+1 613-555-0123",
            "Canada shares +1 but is not US"
        );
        assert_eq!(f.format("+442079460958").display, "+44 20 7946 0958");
    }

    #[test]
    fn national_numbers_are_read_with_the_accounts_country() {
        let fr = PhoneFormatter::new(&NumbersFormat::International, cc("FR"));
        assert_eq!(fr.format("01 42 68 53 00").display, "+33 1 42 68 53 00");
    }

    #[test]
    fn junk_is_shown_as_stored_and_flagged() {
        let f = PhoneFormatter::new(&NumbersFormat::International, cc("US"));
        let p = f.format("call reception");
        assert_eq!(p.display, "call reception");
        assert!(p.problem.is_some());
        assert_eq!(p.e164, None);
    }
}
