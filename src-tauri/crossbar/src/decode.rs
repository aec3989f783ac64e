//! Turning an HTTP answer into Kazoo's envelope, or into the right [`ApiError`].

use crate::error::{rule_sentence, ErrorMeta, FieldProblem, Payment};
use crate::{charges, ApiError};
use serde_json::Value;

/// A success envelope.
#[derive(Debug)]
pub(crate) struct Reply {
    pub body: Value,
    pub request_id: Option<String>,
}

impl Reply {
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    pub fn revision(&self) -> Option<String> {
        self.body["revision"]
            .as_str()
            .filter(|r| *r != "automatic")
            .map(str::to_owned)
    }
}

pub(crate) fn decode(
    status: u16,
    request_id: Option<String>,
    bytes: &[u8],
) -> Result<Reply, ApiError> {
    let body: Value = serde_json::from_slice(bytes).unwrap_or(Value::Null);
    let request_id = request_id.or_else(|| body["request_id"].as_str().map(str::to_owned));
    let message = body["message"].as_str().unwrap_or_default().to_owned();
    let meta = ErrorMeta {
        status,
        message: if message.is_empty() {
            format!("HTTP {status}")
        } else {
            message.clone()
        },
        request_id: request_id.clone(),
    };
    if (200..300).contains(&status) {
        if !body.is_object() {
            return Err(ApiError::Decode {
                detail: "the answer is not a JSON envelope".into(),
                meta,
            });
        }
        return Ok(Reply { body, request_id });
    }
    let data = &body["data"];
    let cause = || {
        data["cause"]
            .as_str()
            .or_else(|| data["message"].as_str())
            .unwrap_or(&message)
            .to_owned()
    };
    Err(match status {
        400 => ApiError::Validation {
            fields: field_problems(data),
            meta,
        },
        401 => ApiError::BadCredentials { meta },
        402 => ApiError::PaymentRequired {
            payment: match message.as_str() {
                "accept charges" | "accept_charges" => {
                    Payment::AcceptCharges(Box::new(charges::parse(data)))
                }
                "no_payment_token" => Payment::NoPaymentToken,
                "no_credit" => Payment::NoCredit,
                "billing_issue" => Payment::BillingIssue,
                other => Payment::Other(other.to_owned()),
            },
            meta,
        },
        403 => ApiError::Forbidden {
            cause: cause(),
            meta,
        },
        404 => ApiError::NotFound {
            cause: cause(),
            meta,
        },
        409 => ApiError::Conflict { meta },
        423 => ApiError::Locked { meta },
        429 => ApiError::TooManyRequests { meta },
        // Kazoo reports a processor decline as a 500 carrying the failed transaction.
        500 if message == "bookkeeper_fault" => match crate::billing::transaction_row(data) {
            Some(tx) => ApiError::Declined {
                reason: tx.reason.unwrap_or_else(|| "no reason given".into()),
                meta,
            },
            None => ApiError::Server { meta },
        },
        500..=599 => ApiError::Server { meta },
        _ => ApiError::Unexpected { meta },
    })
}

/// `{field: {rule: {message, target, …}}}` → one problem per field and rule.
fn field_problems(data: &Value) -> Vec<FieldProblem> {
    let Some(fields) = data.as_object() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (field, rules) in fields {
        let field = field.replace("%2E", ".");
        let Some(rules) = rules.as_object() else {
            continue;
        };
        for (rule, detail) in rules {
            let server = detail["message"].as_str().or_else(|| detail.as_str());
            out.push(FieldProblem {
                message: rule_sentence(&field, rule, detail.get("target"), server),
                field: field.clone(),
                rule: rule.clone(),
                server_message: server.map(str::to_owned),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(status: u16, body: Value) -> ApiError {
        decode(status, Some("rq".into()), body.to_string().as_bytes()).unwrap_err()
    }

    #[test]
    fn validation_errors_become_field_sentences() {
        let e = err(
            400,
            json!({"error": "400", "message": "validation error", "data": {
                "realm": {"unique": {"message": "Account realm already in use", "cause": "x.example.com"}},
                "name": {"maxLength": {"message": "too long", "target": 128}},
                "caller_id%2Eexternal": {"type": {"target": "object"}}
            }}),
        );
        let ApiError::Validation { fields, meta } = e else {
            panic!("not validation")
        };
        assert_eq!(meta.request_id.as_deref(), Some("rq"));
        let by = |f: &str| {
            fields
                .iter()
                .find(|p| p.field == f)
                .unwrap()
                .message
                .clone()
        };
        assert_eq!(by("realm"), "this realm is already in use");
        assert_eq!(by("name"), "must be at most 128 characters");
        assert_eq!(by("caller_id.external"), "must be a group of settings");
    }

    #[test]
    fn each_status_is_distinct() {
        let codes: Vec<&str> = [401, 403, 404, 409, 423, 429, 500, 503, 418]
            .iter()
            .map(|s| err(*s, json!({"message": "x", "data": {}})).code())
            .collect();
        assert_eq!(
            codes,
            [
                "bad_credentials",
                "forbidden",
                "not_found",
                "conflict",
                "locked",
                "too_many_requests",
                "server",
                "server",
                "unexpected"
            ]
        );
        let ApiError::NotFound { cause, .. } = err(
            404,
            json!({"message": "bad_identifier", "data": {"cause": "abc"}}),
        ) else {
            panic!()
        };
        assert_eq!(cause, "abc");
    }

    #[test]
    fn payment_kinds() {
        let kind = |m: &str| match err(402, json!({"message": m, "data": {}})) {
            ApiError::PaymentRequired { payment, .. } => payment,
            other => panic!("{other:?}"),
        };
        assert!(matches!(kind("accept charges"), Payment::AcceptCharges(_)));
        assert_eq!(kind("no_payment_token"), Payment::NoPaymentToken);
        assert_eq!(kind("billing_issue"), Payment::BillingIssue);
    }

    #[test]
    fn garbage_success_is_a_decode_error() {
        let e = decode(200, None, b"<html>").unwrap_err();
        assert_eq!(e.code(), "decode");
    }
}
