use crate::{CountryCode, FieldError};

pub(crate) const MODE_FIELD: &str = "ui_flags.numbers_format";
pub(crate) const EXCEPTIONS_FIELD: &str = "ui_flags.numbers_format_exceptions";

/// How phone numbers are displayed for an account (`ui_flags.numbers_format`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum NumbersFormat {
    /// `+1 415-222-1234` for every number (Kazoo's default when unset).
    #[default]
    International,
    /// Every number in its own country's national form (`(415) 222-1234`): ambiguous across
    /// countries.
    National,
    /// International, except numbers of the listed countries, which are shown nationally.
    InternationalWithExceptions(Vec<CountryCode>),
}

impl NumbersFormat {
    /// Build from the mode name and the exception list a user picked. Exceptions are normalised
    /// (upper case, sorted, no duplicates) and only kept in the exceptions mode.
    pub fn parse(mode: &str, exceptions: &[String]) -> Result<Self, FieldError> {
        match mode.trim() {
            "" | "international" => Ok(NumbersFormat::International),
            "national" => Ok(NumbersFormat::National),
            "international_with_exceptions" => {
                let mut codes = exceptions
                    .iter()
                    .map(|c| CountryCode::parse(EXCEPTIONS_FIELD, c))
                    .collect::<Result<Vec<_>, _>>()?;
                codes.sort();
                codes.dedup();
                if codes.is_empty() {
                    return Err(FieldError::new(
                        EXCEPTIONS_FIELD,
                        "choose at least one country to show in national format",
                    ));
                }
                Ok(NumbersFormat::InternationalWithExceptions(codes))
            }
            other => Err(FieldError::new(
                MODE_FIELD,
                format!(
                    "“{other}” is not a format; use international, national or \
                     international_with_exceptions"
                ),
            )),
        }
    }

    pub fn mode_name(&self) -> &'static str {
        match self {
            NumbersFormat::International => "international",
            NumbersFormat::National => "national",
            NumbersFormat::InternationalWithExceptions(_) => "international_with_exceptions",
        }
    }

    pub fn exceptions(&self) -> &[CountryCode] {
        match self {
            NumbersFormat::InternationalWithExceptions(c) => c,
            _ => &[],
        }
    }

    /// The warning to show as soon as this mode is chosen, if any.
    pub fn warning(&self) -> Option<&'static str> {
        match self {
            NumbersFormat::National => Some(
                "National format hides country codes: numbers from different countries can \
                 look alike. Not recommended if this account makes or receives international calls.",
            ),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_modes() {
        assert_eq!(
            NumbersFormat::parse("", &[]).unwrap(),
            NumbersFormat::International
        );
        assert_eq!(
            NumbersFormat::parse("national", &[]).unwrap(),
            NumbersFormat::National
        );
        let ex = NumbersFormat::parse(
            "international_with_exceptions",
            &["fr".into(), "US".into(), "FR".into()],
        )
        .unwrap();
        let codes: Vec<_> = ex.exceptions().iter().map(|c| c.as_str()).collect();
        assert_eq!(codes, ["FR", "US"]);
    }

    #[test]
    fn names_the_field_that_is_wrong() {
        assert_eq!(
            NumbersFormat::parse("local", &[]).unwrap_err().field,
            MODE_FIELD
        );
        let e = NumbersFormat::parse("international_with_exceptions", &["XX1".into()]).unwrap_err();
        assert_eq!(e.field, EXCEPTIONS_FIELD);
        assert!(NumbersFormat::parse("international_with_exceptions", &[]).is_err());
    }

    #[test]
    fn warns_in_national_mode_only() {
        assert!(NumbersFormat::National.warning().is_some());
        assert!(NumbersFormat::International.warning().is_none());
    }
}
