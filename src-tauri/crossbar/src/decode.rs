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

/// Bookkeeper reasons for a sale that was refused, so nothing was charged
/// (`braintree_util:error_to_props/1`, `kz_transaction:handle_bookkeeper_result/2`).
const DECLINES: &[&str] = &["api_error", "min_amount", "max_amount"];

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
        retry_after: None,
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
        // `braintree_util:bt_api_error_to_json/1`: Braintree refused the card; its sentence is
        // `api_error.message` (the per-field errors repeat it in Braintree's terms).
        400 if message == "braintree api error" => ApiError::Declined {
            reason: data["api_error"]["message"]
                .as_str()
                .unwrap_or("the card was refused")
                .chars()
                .take(300)
                .collect(),
            meta,
        },
        400 => ApiError::Validation {
            fields: field_problems(data),
            meta,
        },
        401 if data.get("multi_factor_request").is_some() => ApiError::SecondFactor {
            provider: data["multi_factor_request"]["provider_name"]
                .as_str()
                .unwrap_or("second factor")
                .chars()
                .filter(|c| c.is_alphanumeric() || *c == ' ')
                .take(40)
                .collect(),
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
        // `crossbar_services:transaction_to_error/3`: a refused charge is a 500 whose message is
        // the bookkeeper's reason and whose data is the failed transaction. Only reasons that
        // say the sale was refused are declines; a timeout or a fault may still have charged.
        500 if DECLINES.contains(&message.as_str()) && data["status"] == "failed" => {
            ApiError::Declined {
                reason: data["bookkeeper"]["results"]["message"]
                    .as_str()
                    .unwrap_or(&message)
                    .chars()
                    .take(300)
                    .collect(),
                meta,
            }
        }
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
    fn deeply_nested_or_html_answers_are_unreadable_not_a_crash() {
        let nested = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let e = decode(200, None, nested.as_bytes()).unwrap_err();
        assert_eq!(e.code(), "decode");
        let html = b"<html><body>Sign in to the Wi-Fi</body></html>";
        assert_eq!(decode(200, None, html).unwrap_err().code(), "decode");
        assert_eq!(decode(500, None, html).unwrap_err().code(), "server");
    }

    #[test]
    fn kazoo_refusals_are_declines_and_faults_are_not() {
        let failed = |reason: &str| {
            json!({"message": reason, "data": {"status": "failed",
                   "bookkeeper": {"results": {"status": "error", "reason": reason, "message": "Insufficient Funds"}}}})
        };
        assert!(matches!(err(500, failed("api_error")),
            ApiError::Declined { reason, .. } if reason == "Insufficient Funds"));
        assert_eq!(err(500, failed("min_amount")).code(), "declined");
        // A timeout or an unspecified fault may still have charged: not a decline.
        assert_eq!(err(500, failed("timeout")).code(), "server");
        assert_eq!(err(500, failed("unspecified_fault")).code(), "server");
        let bt = json!({"message": "braintree api error", "data": {"api_error": {
            "errors": [{"code": "2000", "message": "Do Not Honor", "attribute": "credit_card"}],
            "verification": {}, "message": "Do Not Honor"}}});
        assert!(
            matches!(err(400, bt), ApiError::Declined { reason, .. } if reason == "Do Not Honor")
        );
        let mfa = json!({"message": "invalid_credentials", "data": {
            "message": "client needs to preform second-factor authentication",
            "multi_factor_request": {"provider_name": "duo", "settings": {}}}});
        let e = err(401, mfa);
        assert_eq!(e.code(), "second_factor");
        assert!(e.to_string().contains("duo"));
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
