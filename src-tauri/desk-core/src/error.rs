use crate::field::field_label;
use std::fmt;

/// A value a user entered (or a backend stored) that breaks a rule.
///
/// `field` is the Kazoo document path (`realm`, `contact.technical.email`, `inbound_trunks`) so the
/// UI can put the message next to the right input; `message` says what is wrong in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", field_label(self.field), self.message)
    }
}

impl std::error::Error for FieldError {}
