use crate::FieldError;
use std::fmt;

/// An account realm: the SIP domain devices register against.
///
/// Input rules (stricter than Kazoo's `^[.\w-]+$`, because a realm is used as a DNS name):
/// 4–253 characters, stored lower case, at least two dot-separated labels, each label 1–63
/// letters, digits or hyphens, not starting or ending with a hyphen.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Realm(String);

const FIELD: &str = "realm";

impl Realm {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let s = input.trim().to_ascii_lowercase();
        let len = s.chars().count();
        if len < 4 {
            return Err(FieldError::new(
                FIELD,
                "is too short: use at least 4 characters, like acme.sip.example.com",
            ));
        }
        if len > 253 {
            return Err(FieldError::new(
                FIELD,
                format!("must be at most 253 characters (this one has {len})"),
            ));
        }
        if s.contains(char::is_whitespace) {
            return Err(FieldError::new(FIELD, "must not contain spaces"));
        }
        let labels: Vec<&str> = s.split('.').collect();
        if labels.len() < 2 {
            return Err(FieldError::new(
                FIELD,
                "needs at least two parts separated by dots, like acme.sip.example.com",
            ));
        }
        for label in &labels {
            check_label(label)?;
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first label: the part a company usually renames (`a1b2c3` in `a1b2c3.sip.example.com`).
    pub fn first_label(&self) -> &str {
        self.0.split('.').next().unwrap_or(&self.0)
    }

    /// Everything after the first label (`sip.example.com`): the platform's realm suffix.
    pub fn suffix(&self) -> &str {
        self.0.split_once('.').map_or("", |(_, rest)| rest)
    }

    /// The same realm with its first label replaced, keeping the platform suffix.
    pub fn rename_first_label(&self, new_label: &str) -> Result<Realm, FieldError> {
        let label = new_label.trim().to_ascii_lowercase();
        if label.contains('.') {
            return Err(FieldError::new(
                FIELD,
                "the new first part must be a single label without dots",
            ));
        }
        check_label(&label)?;
        Realm::parse(&format!("{label}.{}", self.suffix()))
    }

    /// A label suggested from a company name: "Acme & Sons, Ltd." → `acme-sons-ltd`.
    pub fn suggest_label(company: &str) -> String {
        let mut out = String::new();
        for c in company.chars().flat_map(char::to_lowercase) {
            let folded = fold_latin(c);
            if !folded.is_empty() {
                out.push_str(folded);
            } else if c.is_ascii_alphanumeric() {
                out.push(c);
            } else if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        }
        let trimmed = out.trim_end_matches('-');
        trimmed
            .char_indices()
            .take_while(|(i, _)| *i < 63)
            .map(|(_, c)| c)
            .collect::<String>()
            .trim_end_matches('-')
            .to_owned()
    }
}

/// Common accented Latin letters spelled in ASCII, so "Café Müller" suggests `cafe-muller`.
fn fold_latin(c: char) -> &'static str {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => "a",
        'æ' => "ae",
        'ç' | 'č' | 'ć' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'ī' => "i",
        'ñ' | 'ń' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'œ' => "oe",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => "u",
        'ý' | 'ÿ' => "y",
        'ß' => "ss",
        'š' | 'ś' => "s",
        'ž' | 'ź' | 'ż' => "z",
        'ł' => "l",
        'ř' => "r",
        _ => "",
    }
}

fn check_label(label: &str) -> Result<(), FieldError> {
    if label.is_empty() {
        return Err(FieldError::new(
            FIELD,
            "has an empty part: check for two dots in a row or a dot at either end",
        ));
    }
    if label.len() > 63 {
        return Err(FieldError::new(
            FIELD,
            format!("part “{label}” is longer than 63 characters"),
        ));
    }
    if let Some(bad) = label
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(FieldError::new(
            FIELD,
            format!(
                "part “{label}” contains “{bad}”: only letters a–z, digits and hyphens are allowed"
            ),
        ));
    }
    if label.starts_with('-') || label.ends_with('-') {
        return Err(FieldError::new(
            FIELD,
            format!("part “{label}” must not start or end with a hyphen"),
        ));
    }
    Ok(())
}

impl fmt::Display for Realm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercases_and_accepts_dns_style() {
        let r = Realm::parse(" A1B2C3.SIP.Example.com ").unwrap();
        assert_eq!(r.as_str(), "a1b2c3.sip.example.com");
        assert_eq!(r.first_label(), "a1b2c3");
        assert_eq!(r.suffix(), "sip.example.com");
    }

    #[test]
    fn rejects_what_dns_would() {
        for (input, needle) in [
            ("abc", "too short"),
            ("acme", "two parts"),
            ("acme..example.com", "empty part"),
            ("acme_corp.example.com", "“_”"),
            ("-acme.example.com", "hyphen"),
            ("acme corp.example.com", "spaces"),
        ] {
            let e = Realm::parse(input).unwrap_err();
            assert_eq!(e.field, "realm");
            assert!(e.message.contains(needle), "{input}: {e}");
        }
        let long = format!("{}.com", "a".repeat(64));
        assert!(Realm::parse(&long).unwrap_err().message.contains("63"));
        let too_long = format!("{}com", "abcdefghi.".repeat(26));
        assert!(Realm::parse(&too_long).unwrap_err().message.contains("253"));
    }

    #[test]
    fn renames_first_label_keeping_suffix() {
        let r = Realm::parse("4f9e2a.sip.example.com").unwrap();
        assert_eq!(
            r.rename_first_label("Acme").unwrap().as_str(),
            "acme.sip.example.com"
        );
        assert!(r.rename_first_label("acme.corp").is_err());
        assert!(r.rename_first_label("acme_corp").is_err());
    }

    #[test]
    fn suggests_a_label_from_a_company_name() {
        assert_eq!(Realm::suggest_label("Acme & Sons, Ltd."), "acme-sons-ltd");
        assert_eq!(Realm::suggest_label("  Café Müller "), "cafe-muller");
        assert!(Realm::suggest_label(&"x".repeat(100)).len() <= 63);
    }
}
