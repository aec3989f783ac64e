use crate::FieldError;
use std::fmt;

/// The account's human-friendly name: 1–128 characters after trimming surrounding spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountName(String);

pub(crate) const NAME_MAX: usize = 128;

impl AccountName {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let s = input.trim();
        let len = s.chars().count();
        if len == 0 {
            return Err(FieldError::new("name", "must not be empty"));
        }
        if len > NAME_MAX {
            return Err(FieldError::new(
                "name",
                format!("must be at most {NAME_MAX} characters (this one has {len})"),
            ));
        }
        if s.chars().any(char::is_control) {
            return Err(FieldError::new(
                "name",
                "must not contain control characters such as line breaks or tabs",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What Kazoo compares to find a name already in use (`kzd_accounts:normalize_name/1`):
    /// lower case, letters and digits only, so "Acme Inc" and "ACME-inc" are the same name.
    pub fn uniqueness_key(name: &str) -> String {
        name.chars()
            .flat_map(char::to_lowercase)
            .filter(char::is_ascii_alphanumeric)
            .collect()
    }
}

impl fmt::Display for AccountName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_as_kazoo_compares_them() {
        assert_eq!(
            AccountName::uniqueness_key("ACME-inc"),
            AccountName::uniqueness_key("Acme Inc")
        );
        assert_eq!(AccountName::uniqueness_key("Café №1"), "caf1");
    }

    #[test]
    fn trims_and_bounds_length() {
        assert_eq!(AccountName::parse("  Acme  ").unwrap().as_str(), "Acme");
        assert_eq!(
            AccountName::parse("   ").unwrap_err().message,
            "must not be empty"
        );
        assert!(
            AccountName::parse(&"é".repeat(128)).is_ok(),
            "128 characters, not bytes"
        );
        let long = AccountName::parse(&"x".repeat(129)).unwrap_err();
        assert_eq!(long.field, "name");
        assert!(long.message.contains("129"), "{long}");
    }

    #[test]
    fn markup_is_just_text() {
        let n = AccountName::parse("<img src=x onerror=alert(1)>").unwrap();
        assert_eq!(n.as_str(), "<img src=x onerror=alert(1)>");
    }

    #[test]
    fn rejects_line_breaks() {
        assert!(AccountName::parse("Acme\nCorp").is_err());
    }
}
