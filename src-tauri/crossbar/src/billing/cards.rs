//! Cards on file, the payment processor's tokenization (card data goes to the processor,
//! never to the platform) and top-ups.

use super::{decode_err, short, text};
use crate::{ApiError, Client, ErrorMeta};
use base64::Engine;
use desk_core::card::CardInput;
use desk_core::money::to_json;
use desk_core::AccountId;
use reqwest::Method;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{json, Value};

/// platform has a payment bookkeeper (`kz_services_topup:topup/4` answers `{ledger}` alone
/// when it has none).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopupReceipt {
    pub transaction: Option<String>,
    /// The transaction's status, when there is one: only `completed` means charged.
    pub status: Option<String>,
    pub ledger: Option<String>,
}

/// A card as the backend reports it: never more than brand, last four and expiry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CardOnFile {
    /// The payment-method token.
    pub token: String,
    pub brand: String,
    pub last_four: String,
    pub exp_month: u32,
    pub exp_year: i32,
    pub default: bool,
}

#[derive(Debug, Clone)]
pub struct ProcessorAccess {
    pub api: url::Url,
    fingerprint: String,
}

impl ProcessorAccess {
    /// The host card data will be sent to, for the card dialog.
    pub fn host(&self) -> String {
        self.api.host_str().unwrap_or_default().to_owned()
    }
}

fn card(v: &Value) -> Option<CardOnFile> {
    let number = |k: &str| match &v[k] {
        Value::String(s) => s.parse::<i64>().ok(),
        other => other.as_i64(),
    };
    Some(CardOnFile {
        token: v["id"].as_str()?.to_owned(),
        brand: text(v, "card_type"),
        last_four: text(v, "last_four"),
        exp_month: u32::try_from(number("expiration_month")?).ok()?,
        exp_year: i32::try_from(number("expiration_year")?).ok()?,
        default: v["default"].as_bool().unwrap_or(false),
    })
}

impl Client {
    /// The cards on file, read from the Braintree customer: unlike `…/braintree/cards`, which
    /// fails until a customer exists, `GET …/customer` answers a placeholder without cards.
    pub async fn cards(&self, id: &AccountId) -> Result<Vec<CardOnFile>, ApiError> {
        let reply = self
            .call(
                Method::GET,
                &format!("accounts/{id}/braintree/customer"),
                &[],
                None,
            )
            .await?;
        let cards = &reply.data()["credit_cards"];
        if cards.is_null() {
            return Ok(Vec::new());
        }
        let list = cards
            .as_array()
            .ok_or_else(|| decode_err(&reply, "the card list is not a list"))?;
        Ok(list.iter().filter_map(card).collect())
    }

    /// Make sure the account has a Braintree customer, which Kazoo creates only on
    /// `POST …/braintree/customer` (`braintree_customer:update/1`); until then the client
    /// token cannot be had. The placeholder Kazoo answers for a missing one has no
    /// `created_at`.
    pub async fn ensure_customer(&self, id: &AccountId, company: &str) -> Result<(), ApiError> {
        let path = format!("accounts/{id}/braintree/customer");
        let reply = self.call(Method::GET, &path, &[], None).await?;
        if reply.data().get("created_at").is_some() {
            return Ok(());
        }
        let body = json!({"data": {"company": company}});
        self.call(Method::POST, &path, &[], Some(body)).await?;
        tracing::info!(account = %id, "payment customer created");
        Ok(())
    }

    /// Where to tokenize a card for this account: only Braintree's gateway (or this computer,
    /// for a platform on this computer), whatever the client token names.
    pub async fn processor_access(&self, id: &AccountId) -> Result<ProcessorAccess, ApiError> {
        let reply = self
            .call(
                Method::GET,
                &format!("accounts/{id}/braintree/client_token"),
                &[],
                None,
            )
            .await?;
        let bad = |d: &str| decode_err(&reply, d);
        let encoded = reply.data()["client_token"]
            .as_str()
            .ok_or_else(|| bad("no client token"))?;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| bad("the client token is not base64"))?;
        let token: Value =
            serde_json::from_slice(&decoded).map_err(|_| bad("the client token is not JSON"))?;
        let fingerprint = token["authorizationFingerprint"]
            .as_str()
            .ok_or_else(|| bad("the client token has no fingerprint"))?;
        let api = crate::base_url::card_processor(
            token["clientApiUrl"]
                .as_str()
                .ok_or_else(|| bad("the client token has no processor address"))?,
            self.base(),
        )?;
        Ok(ProcessorAccess {
            api,
            fingerprint: fingerprint.to_owned(),
        })
    }

    /// Send the card to the payment processor (never to the platform) for a single-use nonce.
    pub async fn tokenize(
        &self,
        access: &ProcessorAccess,
        card: &CardInput,
    ) -> Result<String, ApiError> {
        // Braintree's client API: `{clientApiUrl}/v1/payment_methods/credit_cards`.
        let path = format!(
            "{}/v1/payment_methods/credit_cards",
            access.api.path().trim_end_matches('/')
        );
        let url = access
            .api
            .join(&path)
            .map_err(|e| ApiError::InvalidUrl(format!("bad processor address: {e}")))?;
        let body = json!({
            "authorizationFingerprint": access.fingerprint,
            "creditCard": {
                "number": card.number.expose(),
                "expirationDate": format!("{:02}/{}", card.expiry.month, card.expiry.year),
                "cvv": card.cvv.expose(),
                "cardholderName": card.holder,
            }
        });
        let res = self
            .http()
            .post(url)
            .json(&body)
            .send()
            .await
            .map_err(crate::client::transport)?;
        let status = res.status().as_u16();
        let answer: Value = crate::client::capped_body(res)
            .await
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(Value::Null);
        let meta = ErrorMeta {
            status,
            message: "payment processor".into(),
            request_id: None,
            retry_after: None,
        };
        match status {
            200..=299 => answer["creditCards"][0]["nonce"]
                .as_str()
                .map(str::to_owned)
                .ok_or(ApiError::Decode {
                    detail: "the processor sent no nonce".into(),
                    meta,
                }),
            // Only a 422 is the processor refusing the card; anything else is not a verdict
            // on the card and says what it is.
            422 => Err(ApiError::Declined {
                reason: short(&answer["error"]["message"])
                    .unwrap_or_else(|| "the card was refused".into()),
                meta,
            }),
            _ => Err(ApiError::Unexpected { meta }),
        }
    }

    /// Vault the card behind a nonce as the account's default payment method.
    pub async fn add_card(&self, id: &AccountId, nonce: &str) -> Result<CardOnFile, ApiError> {
        let body = json!({"data": {"payment_method_nonce": nonce}});
        let reply = self
            .call(
                Method::PUT,
                &format!("accounts/{id}/braintree/cards"),
                &[],
                Some(body),
            )
            .await?;
        card(reply.data()).ok_or_else(|| decode_err(&reply, "the card answer is incomplete"))
    }

    /// `POST /services/topup {amount}`: charge the default card and credit the account. Kazoo
    /// reads nothing but `amount` (`cb_services:get_topup_amount/1`), so nothing here can make a
    /// repeat harmless: never retried automatically (see the engine's `credit`).
    pub async fn topup(&self, id: &AccountId, amount: Decimal) -> Result<TopupReceipt, ApiError> {
        let body = json!({"data": {"amount": to_json(amount)}});
        let reply = self
            .call(
                Method::POST,
                &format!("accounts/{id}/services/topup"),
                &[],
                Some(body),
            )
            .await?;
        let d = reply.data();
        let receipt = TopupReceipt {
            transaction: short(&d["transaction"]["id"]),
            status: short(&d["transaction"]["status"]),
            ledger: short(&d["ledger"]["id"]),
        };
        if receipt.transaction.is_none() && receipt.ledger.is_none() {
            return Err(decode_err(&reply, "the top-up answer names no credit"));
        }
        Ok(receipt)
    }
}
