use crate::{CountryCode, FieldError};
use std::fmt;

/// An e-mail address as people type them: `local@domain.tld`, checked for the mistakes that
/// bounce (spaces, missing domain, two `@`), not for every corner of RFC 5321.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(field: &'static str, input: &str) -> Result<Self, FieldError> {
        let s = input.trim();
        let err = |msg: &str| FieldError::new(field, msg.to_owned());
        if s.is_empty() {
            return Err(err("must not be empty"));
        }
        if s.len() > 254 {
            return Err(err("is longer than 254 characters"));
        }
        let (local, domain) = s
            .split_once('@')
            .ok_or_else(|| err("needs an @, like ops@example.com"))?;
        if domain.contains('@') {
            return Err(err("has more than one @"));
        }
        if local.is_empty() || local.len() > 64 {
            return Err(err("needs 1–64 characters before the @"));
        }
        let local_ok = local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        if !local_ok || local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(err("has characters before the @ that mail servers refuse"));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let label_ok = |l: &&str| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        };
        let tld_ok = labels
            .last()
            .is_some_and(|t| t.len() >= 2 && t.chars().all(|c| c.is_ascii_alphabetic()));
        if labels.len() < 2 || !labels.iter().all(label_ok) || !tld_ok {
            return Err(err("needs a domain after the @, like example.com"));
        }
        Ok(Self(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A phone number that the numbering plan of its country accepts, kept in E.164 (`+14152221234`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber {
    e164: String,
}

impl PhoneNumber {
    /// Parse a number as typed. National numbers are read with the rules of `home` (the
    /// account's country); without one, the number must start with `+` and a country code.
    pub fn parse(
        field: &'static str,
        input: &str,
        home: Option<CountryCode>,
    ) -> Result<Self, FieldError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(FieldError::new(field, "must not be empty"));
        }
        let region = home.and_then(|c| c.phone_id());
        let parsed = crate::phone::parse(region, s).map_err(|_| {
            let hint = match home {
                Some(c) if !s.starts_with('+') => format!(
                    "“{s}” is not a phone number (read with the rules of {c}; start with + and \
                     the country code for other countries)"
                ),
                None if !s.starts_with('+') => format!(
                    "“{s}” needs a country code: start with + (this account has no home country)"
                ),
                _ => format!("“{s}” is not a phone number"),
            };
            FieldError::new(field, hint)
        })?;
        if !parsed.is_valid() {
            let country = parsed
                .country()
                .id()
                .map(|id| format!(" for {}", id.as_ref()))
                .unwrap_or_default();
            return Err(FieldError::new(
                field,
                format!("“{s}” is not a valid number{country}: check the digits"),
            ));
        }
        Ok(Self {
            e164: parsed.format().mode(phonenumber::Mode::E164).to_string(),
        })
    }

    pub fn e164(&self) -> &str {
        &self.e164
    }
}

/// A contact person's name: free text up to 128 characters (may be empty).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContactName(String);

impl ContactName {
    pub fn parse(field: &'static str, input: &str) -> Result<Self, FieldError> {
        let s = input.trim();
        if s.chars().count() > 128 {
            return Err(FieldError::new(field, "must be at most 128 characters"));
        }
        if s.chars().any(char::is_control) {
            return Err(FieldError::new(
                field,
                "must not contain line breaks or tabs",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The technical contact (`contact.technical`): first line of support for the account.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Contact {
    pub name: ContactName,
    pub email: Option<EmailAddress>,
    pub number: Option<PhoneNumber>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: &str = "contact.technical.email";

    #[test]
    fn accepts_ordinary_addresses() {
        let e = EmailAddress::parse(F, " Ops.Team+pbx@Example.CO.uk ").unwrap();
        assert_eq!(e.as_str(), "Ops.Team+pbx@example.co.uk");
    }

    #[test]
    fn rejects_addresses_that_would_bounce() {
        for bad in [
            "ops",
            "ops@",
            "@example.com",
            "ops@example",
            "o ps@example.com",
            "a@b@c.com",
            "ops@exa_mple.com",
            "ops..x@example.com",
        ] {
            let e = EmailAddress::parse(F, bad).unwrap_err();
            assert_eq!(e.field, F, "{bad}");
        }
    }

    #[test]
    fn phone_numbers_use_the_home_country_rules() {
        let us = CountryCode::parse("c", "US").unwrap();
        let fr = CountryCode::parse("c", "FR").unwrap();
        let f = "contact.technical.number";
        assert_eq!(
            PhoneNumber::parse(f, "(415) 555-2671", Some(us))
                .unwrap()
                .e164(),
            "+14155552671"
        );
        assert_eq!(
            PhoneNumber::parse(f, "01 42 68 53 00", Some(fr))
                .unwrap()
                .e164(),
            "+33142685300"
        );
        assert_eq!(
            PhoneNumber::parse(f, "+44 20 7946 0958", Some(us))
                .unwrap()
                .e164(),
            "+442079460958"
        );
        let no_home = PhoneNumber::parse(f, "0142685300", None).unwrap_err();
        assert!(no_home.message.contains("country code"), "{no_home}");
        let junk = PhoneNumber::parse(f, "555-CALL-NOW", Some(us)).unwrap_err();
        assert_eq!(junk.field, f);
        let short = PhoneNumber::parse(f, "+1 415 555", Some(us)).unwrap_err();
        assert!(short.message.contains("not a"), "{short}");
    }
}
