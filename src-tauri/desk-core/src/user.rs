//! A new user's sign-in: the user name Kazoo stores and the password chosen for it.

use crate::FieldError;

/// A user name as Kazoo stores it: lower case (`kzd_users:maybe_normalize_username/1`),
/// 1–256 characters of letters, digits and `+ @ . _ -` (`users.json`: `^([+@.\w_-]+)$`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserName(String);

impl UserName {
    pub fn parse(field: &'static str, input: &str) -> Result<Self, FieldError> {
        let s = input.trim().to_lowercase();
        if s.is_empty() {
            return Err(FieldError::new(field, "must not be empty"));
        }
        if s.chars().count() > 256 {
            return Err(FieldError::new(field, "must be at most 256 characters"));
        }
        if let Some(c) = s
            .chars()
            .find(|c| !(c.is_alphanumeric() || "+@._-".contains(*c)))
        {
            return Err(FieldError::new(
                field,
                format!("may hold letters, digits and + @ . _ - only, not {c:?}"),
            ));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The shortest password accepted for a new admin (Kazoo has no rule; an admin of a phone
/// system holds a lot of power).
pub const PASSWORD_MIN: usize = 10;

/// A new password: long enough, at most 128 characters, no surrounding spaces (a copy-paste
/// slip a user would never find again).
pub fn check_password(field: &'static str, password: &str) -> Result<(), FieldError> {
    let n = password.chars().count();
    if n < PASSWORD_MIN {
        return Err(FieldError::new(
            field,
            format!("must be at least {PASSWORD_MIN} characters (this one has {n})"),
        ));
    }
    if n > 128 {
        return Err(FieldError::new(field, "must be at most 128 characters"));
    }
    if password.trim() != password {
        return Err(FieldError::new(field, "must not start or end with a space"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_are_lower_cased_and_keep_to_kazoos_characters() {
        assert_eq!(
            UserName::parse("u", " Dana.W@Harbor.example ")
                .unwrap()
                .as_str(),
            "dana.w@harbor.example"
        );
        assert_eq!(UserName::parse("u", "").unwrap_err().field, "u");
        assert!(UserName::parse("u", "dana w")
            .unwrap_err()
            .message
            .contains("' '"));
    }

    #[test]
    fn passwords_are_long_enough_and_not_padded() {
        assert!(check_password("p", "correct horse").is_ok());
        assert!(check_password("p", "short").is_err());
        assert!(check_password("p", " padded password ").is_err());
    }
}
