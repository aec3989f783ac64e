//! Everything a Crossbar call can fail with, each as a distinct variant with a sentence a user
//! can act on, plus the HTTP status and request id for the "Details" view.

use crate::charges::Charges;
use serde_json::Value;
use std::fmt;

/// What the server said, for support: HTTP status, Kazoo's `message`, and the request id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorMeta {
    pub status: u16,
    pub message: String,
    pub request_id: Option<String>,
    /// A 429's or 5xx's `Retry-After`: how long the server asked us to wait.
    pub retry_after: Option<RetryAfter>,
}

/// The `Retry-After` header (RFC 9110 §10.2.3): a number of seconds, or an HTTP date that the
/// caller measures against its own clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    Seconds(u64),
    At(chrono::DateTime<chrono::Utc>),
}

impl RetryAfter {
    /// A server may ask for any wait; more than this is not taken at its word.
    pub const MAX: std::time::Duration = std::time::Duration::from_secs(3600);

    pub fn parse(header: &str) -> Option<RetryAfter> {
        let header = header.trim();
        if !header.is_empty() && header.bytes().all(|b| b.is_ascii_digit()) {
            // Too many digits for a u64 is still "a very long time" (capped when measured).
            return Some(RetryAfter::Seconds(header.parse().unwrap_or(u64::MAX)));
        }
        chrono::DateTime::parse_from_rfc2822(header)
            .ok()
            .map(|t| RetryAfter::At(t.with_timezone(&chrono::Utc)))
    }

    /// How long to wait from `now`, at most [`RetryAfter::MAX`].
    pub fn wait_from(&self, now: chrono::DateTime<chrono::Utc>) -> std::time::Duration {
        let wait = match *self {
            RetryAfter::Seconds(s) => std::time::Duration::from_secs(s),
            RetryAfter::At(t) => (t - now).to_std().unwrap_or_default(),
        };
        wait.min(Self::MAX)
    }
}

/// One 400 validation failure: `field` is the dotted Kazoo path, `rule` the failed rule
/// (`unique`, `minLength`, …), `message` a sentence for the user.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldProblem {
    pub field: String,
    pub rule: String,
    pub message: String,
    pub server_message: Option<String>,
}

/// The kinds of 402 Payment Required.
#[derive(Debug, Clone, PartialEq)]
pub enum Payment {
    /// The change is billable: show the charges, resend with `accept_charges` on consent.
    AcceptCharges(Box<Charges>),
    NoPaymentToken,
    NoCredit,
    BillingIssue,
    Other(String),
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    InvalidUrl(String),
    #[error("{0}")]
    InsecureUrl(String),
    #[error("Cannot reach the server: {0}")]
    Network(String),
    #[error("The server did not answer in time.")]
    Timeout,
    #[error("{}", validation_sentence(.fields))]
    Validation {
        fields: Vec<FieldProblem>,
        meta: ErrorMeta,
    },
    #[error("The account, user name or password is not right.")]
    BadCredentials { meta: ErrorMeta },
    /// A 401 carrying `multi_factor_request` (`crossbar_auth:create_auth_token/3`): the
    /// password was right, the platform wants a second factor.
    #[error("This user must confirm the sign-in with a second factor ({provider}), which Account Desk cannot ask for: sign in with the account's API key, or as a user without a second factor.")]
    SecondFactor { provider: String, meta: ErrorMeta },
    #[error("Your session has expired and could not be renewed: sign in again.")]
    SessionExpired { meta: ErrorMeta },
    #[error("{}", payment_sentence(.payment))]
    PaymentRequired { payment: Payment, meta: ErrorMeta },
    #[error("Not allowed: {cause}")]
    Forbidden { cause: String, meta: ErrorMeta },
    #[error("Not found on the server: {cause}")]
    NotFound { cause: String, meta: ErrorMeta },
    #[error("Someone else saved this at the same moment; try again.")]
    Conflict { meta: ErrorMeta },
    #[error("This account is locked (disabled or expired).")]
    Locked { meta: ErrorMeta },
    #[error("The server is limiting requests; wait a moment and try again.")]
    TooManyRequests { meta: ErrorMeta },
    #[error("The server had a problem ({}): try again later.", .meta.status)]
    Server { meta: ErrorMeta },
    #[error("The server answered {} ({}).", .meta.status, .meta.message)]
    Unexpected { meta: ErrorMeta },
    /// The payment processor refused a card or a charge; `reason` is its own words.
    #[error("The payment was declined: {reason}")]
    Declined { reason: String, meta: ErrorMeta },
    #[error("The server's answer could not be read: {detail}")]
    Decode { detail: String, meta: ErrorMeta },
}

fn validation_sentence(fields: &[FieldProblem]) -> String {
    match fields {
        [] => "The server refused the change.".to_owned(),
        [one] => format!("{}: {}", desk_core::field_label(&one.field), one.message),
        many => format!(
            "The server refused {} fields: {}",
            many.len(),
            many.iter()
                .map(|p| format!("{} {}", desk_core::field_label(&p.field), p.message))
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}

fn payment_sentence(p: &Payment) -> String {
    match p {
        Payment::AcceptCharges(_) => "This change adds charges that need your approval.".into(),
        Payment::NoPaymentToken => "There is no payment card on file for this account.".into(),
        Payment::NoCredit => "The account does not have enough credit.".into(),
        Payment::BillingIssue => "The account is not in good standing with billing.".into(),
        Payment::Other(m) => format!("Payment required: {m}"),
    }
}

impl ApiError {
    /// A stable code the UI branches on.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidUrl(_) => "invalid_url",
            ApiError::InsecureUrl(_) => "insecure_url",
            ApiError::Network(_) => "network",
            ApiError::Timeout => "timeout",
            ApiError::Validation { .. } => "validation",
            ApiError::BadCredentials { .. } => "bad_credentials",
            ApiError::SecondFactor { .. } => "second_factor",
            ApiError::SessionExpired { .. } => "session_expired",
            ApiError::PaymentRequired { .. } => "payment_required",
            ApiError::Forbidden { .. } => "forbidden",
            ApiError::NotFound { .. } => "not_found",
            ApiError::Conflict { .. } => "conflict",
            ApiError::Locked { .. } => "locked",
            ApiError::TooManyRequests { .. } => "too_many_requests",
            ApiError::Server { .. } => "server",
            ApiError::Unexpected { .. } => "unexpected",
            ApiError::Declined { .. } => "declined",
            ApiError::Decode { .. } => "decode",
        }
    }

    pub fn meta(&self) -> Option<&ErrorMeta> {
        match self {
            ApiError::Validation { meta, .. }
            | ApiError::BadCredentials { meta }
            | ApiError::SecondFactor { meta, .. }
            | ApiError::SessionExpired { meta }
            | ApiError::PaymentRequired { meta, .. }
            | ApiError::Forbidden { meta, .. }
            | ApiError::NotFound { meta, .. }
            | ApiError::Conflict { meta }
            | ApiError::Locked { meta }
            | ApiError::TooManyRequests { meta }
            | ApiError::Server { meta }
            | ApiError::Unexpected { meta }
            | ApiError::Declined { meta, .. }
            | ApiError::Decode { meta, .. } => Some(meta),
            _ => None,
        }
    }

    /// What the server's `Retry-After` asked for, on the failures where it means something.
    pub fn retry_after(&self) -> Option<RetryAfter> {
        match self {
            ApiError::TooManyRequests { meta } | ApiError::Server { meta } => meta.retry_after,
            _ => None,
        }
    }

    pub(crate) fn with_retry_after(mut self, header: Option<RetryAfter>) -> Self {
        if let ApiError::TooManyRequests { meta } | ApiError::Server { meta } = &mut self {
            meta.retry_after = header;
        }
        self
    }

    /// True when the server could not be reached at all (work offline from the cache).
    pub fn is_unreachable(&self) -> bool {
        matches!(self, ApiError::Network(_) | ApiError::Timeout)
    }
}

/// Human sentence for one validation rule. `target` is the limit or pattern the server sent.
pub(crate) fn rule_sentence(
    field: &str,
    rule: &str,
    target: Option<&Value>,
    server: Option<&str>,
) -> String {
    let t = target.map(|t| match t {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    match (rule, field) {
        ("unique", "realm") => "this realm is already in use".into(),
        ("unique", "name") => "this name is already taken".into(),
        ("unique", _) => "this value is already in use".into(),
        ("required", _) => "is required".into(),
        ("minLength", _) => format!("must be at least {} characters", t.unwrap_or_default()),
        ("maxLength", _) => format!("must be at most {} characters", t.unwrap_or_default()),
        ("minimum", _) => format!("must be at least {}", t.unwrap_or_default()),
        ("maximum", _) => format!("must be at most {}", t.unwrap_or_default()),
        ("pattern", _) => "contains characters the platform does not accept".into(),
        ("type", _) => match t {
            Some(t) => format!("must be {}", article(&t)),
            None => "has the wrong type".into(),
        },
        ("enum", _) => "is not one of the allowed values".into(),
        ("not_found", _) => server.map_or("was not found".into(), str::to_owned),
        _ => server.map_or_else(|| format!("was refused ({rule})"), str::to_owned),
    }
}

fn article(kind: &str) -> String {
    match kind {
        "integer" => "a whole number".into(),
        "number" => "a number".into(),
        "string" => "text".into(),
        "boolean" => "on or off".into(),
        "array" => "a list".into(),
        "object" => "a group of settings".into(),
        other => other.into(),
    }
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}",
            desk_core::field_label(&self.field),
            self.message
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_seconds_or_a_date_and_never_more_than_an_hour() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-18T15:05:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let secs = |h: &str| RetryAfter::parse(h).map(|r| r.wait_from(now).as_secs());
        assert_eq!(secs("120"), Some(120));
        assert_eq!(secs(" 7 "), Some(7));
        assert_eq!(secs("99999999999999999999999"), Some(3600));
        assert_eq!(secs("Wed, 18 Nov 2026 15:06:30 GMT"), Some(90));
        assert_eq!(
            secs("Wed, 18 Nov 2026 15:00:00 GMT"),
            Some(0),
            "a date past"
        );
        assert_eq!(secs("Fri, 18 Dec 2026 15:00:00 GMT"), Some(3600));
        assert_eq!(secs("-5"), None);
        assert_eq!(secs("soon"), None);
        assert_eq!(secs(""), None);
    }
}
