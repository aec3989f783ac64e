use crate::zone_countries::{COUNTRY_NAMES, ZONE_COUNTRIES};
use crate::FieldError;
use chrono_tz::Tz;
use std::fmt;
use std::str::FromStr;

/// An ISO 3166-1 alpha-2 country code that the phone-number database knows, stored upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    pub fn parse(field: &'static str, input: &str) -> Result<Self, FieldError> {
        let s = input.trim().to_ascii_uppercase();
        let bytes = s.as_bytes();
        if bytes.len() != 2 || !bytes.iter().all(u8::is_ascii_uppercase) {
            return Err(FieldError::new(
                field,
                format!("“{input}” is not a two-letter country code such as US or FR"),
            ));
        }
        if phonenumber::country::Id::from_str(&s).is_err() {
            return Err(FieldError::new(
                field,
                format!("“{s}” is not a country with a telephone numbering plan"),
            ));
        }
        Ok(Self([bytes[0], bytes[1]]))
    }

    pub fn as_str(&self) -> &str {
        // Only ever built from two ASCII upper-case letters.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    pub(crate) fn phone_id(&self) -> Option<phonenumber::country::Id> {
        phonenumber::country::Id::from_str(self.as_str()).ok()
    }

    /// The English short name ("France"), or the code when the tz database has none.
    pub fn name(&self) -> &'static str {
        COUNTRY_NAMES
            .binary_search_by(|(code, _)| (*code).cmp(self.as_str()))
            .map(|i| COUNTRY_NAMES[i].1)
            .unwrap_or("")
    }

    /// Every country with a telephone numbering plan, sorted by name: the exception picker.
    pub fn all() -> Vec<CountryCode> {
        let mut all: Vec<CountryCode> = COUNTRY_NAMES
            .iter()
            .filter_map(|(code, _)| CountryCode::parse("country", code).ok())
            .collect();
        all.sort_by_key(|c| c.name());
        all
    }

    /// The country a canonical IANA zone lies in (`Europe/Paris` → FR), if it has one.
    pub fn of_zone(tz: Tz) -> Option<Self> {
        let i = ZONE_COUNTRIES
            .binary_search_by(|(zone, _)| (*zone).cmp(tz.name()))
            .ok()?;
        CountryCode::parse("country", ZONE_COUNTRIES[i].1).ok()
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_cases_and_checks_the_numbering_plan() {
        assert_eq!(CountryCode::parse("c", "fr").unwrap().as_str(), "FR");
        assert!(CountryCode::parse("c", "FRA").is_err());
        assert!(CountryCode::parse("c", "QQ")
            .unwrap_err()
            .message
            .contains("QQ"));
    }

    #[test]
    fn names_and_lists_countries() {
        assert_eq!(CountryCode::parse("c", "DE").unwrap().name(), "Germany");
        let all = CountryCode::all();
        assert!(all.len() > 200);
        assert!(all.windows(2).all(|w| w[0].name() <= w[1].name()));
        assert!(all.iter().all(|c| !c.name().is_empty()));
    }

    #[test]
    fn finds_the_country_of_a_zone() {
        assert_eq!(
            CountryCode::of_zone(chrono_tz::Europe::Paris)
                .unwrap()
                .as_str(),
            "FR"
        );
        assert_eq!(
            CountryCode::of_zone(chrono_tz::America::Sao_Paulo)
                .unwrap()
                .as_str(),
            "BR"
        );
        assert_eq!(CountryCode::of_zone(chrono_tz::Etc::UTC), None);
    }
}
