use crate::FieldError;
use serde::Serialize;
use std::fmt;

/// A Kazoo account ID: exactly 32 lower-case hexadecimal characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct AccountId(String);

impl AccountId {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let s = input.trim();
        if s.len() != 32 {
            return Err(FieldError::new(
                "id",
                format!(
                    "must be 32 hexadecimal characters (got {})",
                    s.chars().count()
                ),
            ));
        }
        if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(FieldError::new(
                "id",
                "may only contain the hexadecimal digits 0-9 and a-f",
            ));
        }
        Ok(Self(s.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for AccountId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        AccountId::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_32_hex_and_lowercases() {
        let id = AccountId::parse("0123456789ABCDEF0123456789abcdef").unwrap();
        assert_eq!(id.as_str(), "0123456789abcdef0123456789abcdef");
    }

    #[test]
    fn rejects_wrong_length_and_non_hex() {
        let short = AccountId::parse("abc").unwrap_err();
        assert_eq!(short.field, "id");
        assert!(short.message.contains("32"), "{short}");
        let bad = AccountId::parse("g123456789abcdef0123456789abcdef").unwrap_err();
        assert!(bad.message.contains("hexadecimal"), "{bad}");
    }
}
