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

/// The label a user sees for a Kazoo field path.
pub fn field_label(field: &str) -> &str {
    match field {
        "id" => "Account ID",
        "name" => "Account name",
        "realm" => "Account realm",
        "timezone" => "Timezone",
        "ui_flags.numbers_format" => "Phone numbers format",
        "ui_flags.numbers_format_exceptions" => "Countries shown in national format",
        "caller_id_options.outbound_privacy" => "Caller-ID privacy",
        "contact.technical.name" => "Technical contact name",
        "contact.technical.email" => "Technical contact e-mail",
        "contact.technical.number" => "Technical contact phone",
        "inbound_trunks" => "Inbound trunks",
        "outbound_trunks" => "Outbound trunks",
        "twoway_trunks" => "Two-way trunks",
        other => other,
    }
}
