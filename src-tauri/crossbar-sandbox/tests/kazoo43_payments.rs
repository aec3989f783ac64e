//! The sandbox's money routes do what Kazoo 4.3's source does: top-ups, the bookkeeper's
//! transactions and the Braintree customer and cards, each test named after the Kazoo function
//! it follows (2600hz/kazoo, branch 4.3). Over real HTTP, on a pinned clock.

mod common;

use common::{demo, demo_at, now, range, reseller, Env, NOW};
use crossbar_sandbox::platform::{Bookkeeper, Kazoo, Platform};
use crossbar_sandbox::{seed::account_id, DEMO_ACCOUNT_NAME};
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn get_topup_amount_reads_only_the_amount_so_a_repeat_charges_again() {
    let (e, t) = demo().await;
    let url = format!("accounts/{}/services/topup", reseller());
    let body = json!({"data": {"amount": 25, "reference": "same-intent"}});
    let (s1, first) = e.req(Method::POST, &url, &t, Some(body.clone())).await;
    let (s2, second) = e.req(Method::POST, &url, &t, Some(body)).await;
    assert_eq!((s1, s2), (200, 200));
    for answer in [&first, &second] {
        assert_eq!(answer["data"]["transaction"]["status"], "completed");
        assert!(answer["data"]["transaction"].get("created").is_none());
        assert_eq!(answer["data"]["ledger"]["source"]["service"], "payments");
        assert_eq!(answer["data"]["ledger"]["executor"]["trigger"], "manual");
    }
    assert_ne!(
        first["data"]["transaction"]["id"],
        second["data"]["transaction"]["id"]
    );
    let (_, ledger) = e
        .get(
            &format!(
                "accounts/{}/ledgers/payments?{}",
                reseller(),
                range(now() - 60, now() + 60)
            ),
            &t,
        )
        .await;
    assert_eq!(ledger["data"].as_array().unwrap().len(), 2, "charged twice");
}

#[tokio::test]
async fn kz_services_topup_without_a_bookkeeper_books_the_credit_alone() {
    let e = demo_at(
        NOW,
        Platform {
            kazoo: Kazoo::V43,
            bookkeeper: Bookkeeper::None,
        },
    )
    .await;
    let t = e.login_as(DEMO_ACCOUNT_NAME).await;
    let total = format!("accounts/{}/ledgers/total", reseller());
    let (_, before) = e.get(&total, &t).await;
    let (s, answer) = e
        .req(
            Method::POST,
            &format!("accounts/{}/services/topup", reseller()),
            &t,
            Some(json!({"data": {"amount": 40}})),
        )
        .await;
    assert_eq!(s, 200);
    assert!(answer["data"].get("transaction").is_none(), "{answer}");
    assert_eq!(answer["data"]["ledger"]["amount"], 40.0);
    let (_, after) = e.get(&total, &t).await;
    let moved =
        after["data"]["amount"].as_f64().unwrap() - before["data"]["amount"].as_f64().unwrap();
    assert!((moved - 40.0).abs() < 0.001);
    let (_, txs) = e
        .get(
            &format!(
                "accounts/{}/transactions?{}",
                reseller(),
                range(now() - 60, now() + 60)
            ),
            &t,
        )
        .await;
    assert_eq!(txs["data"], json!([]), "nothing charged");
}

#[tokio::test]
async fn transaction_to_error_reports_the_bookkeepers_reason() {
    let (e, t) = demo().await;
    let url = format!("accounts/{}/services/topup", reseller());
    // braintree.min_amount: below $5 the sale is refused.
    let (s, small) = e
        .req(Method::POST, &url, &t, Some(json!({"data": {"amount": 2}})))
        .await;
    assert_eq!((s, small["message"].as_str()), (500, Some("min_amount")));
    assert_eq!(small["data"]["status"], "failed");
    assert!(small["data"]["bookkeeper"]["results"]["message"]
        .as_str()
        .unwrap()
        .contains("less than"));
    // A sub-account without a card: 402 no_payment_token.
    let sub = account_id("Bayside Realty");
    let (s, none) = e
        .req(
            Method::POST,
            &format!("accounts/{sub}/services/topup"),
            &t,
            Some(json!({"data": {"amount": 20}})),
        )
        .await;
    assert_eq!(
        (s, none["message"].as_str()),
        (402, Some("no_payment_token"))
    );
    // A card the issuer declines: 500 api_error with the processor's words.
    add_card(&e, &t, &reseller(), "4000000000000341").await;
    let (s, declined) = e
        .req(
            Method::POST,
            &url,
            &t,
            Some(json!({"data": {"amount": 20}})),
        )
        .await;
    assert_eq!(
        (s, declined["message"].as_str()),
        (500, Some("api_error")),
        "{declined}"
    );
    assert_eq!(
        declined["data"]["bookkeeper"]["results"]["message"],
        "Insufficient Funds"
    );
    assert_ne!(declined["message"], "bookkeeper_fault");
}

/// Tokenize `number` at the processor the client token names and vault it.
async fn add_card(e: &Env, t: &str, id: &str, number: &str) -> (u16, Value) {
    let (s, token) = e
        .get(&format!("accounts/{id}/braintree/client_token"), t)
        .await;
    assert_eq!(s, 200, "{token}");
    let decoded: Value = serde_json::from_slice(&base64_decode(
        token["data"]["client_token"].as_str().unwrap(),
    ))
    .unwrap();
    let api = decoded["clientApiUrl"].as_str().unwrap().to_owned();
    assert!(api.ends_with("/client_api"), "{api}");
    let res = e
        .http
        .post(format!("{api}/v1/payment_methods/credit_cards"))
        .json(
            &json!({"authorizationFingerprint": decoded["authorizationFingerprint"],
                      "creditCard": {"number": number, "expirationDate": "12/2030", "cvv": "123"}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let nonce: Value = res.json().await.unwrap();
    let nonce = nonce["creditCards"][0]["nonce"]
        .as_str()
        .unwrap()
        .to_owned();
    e.req(
        Method::PUT,
        &format!("accounts/{id}/braintree/cards"),
        t,
        Some(json!({"data": {"payment_method_nonce": nonce}})),
    )
    .await
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

#[tokio::test]
async fn braintree_customer_must_be_created_before_the_first_card() {
    let (e, t) = demo().await;
    let id = account_id("Bayside Realty");
    let (s, placeholder) = e
        .get(&format!("accounts/{id}/braintree/customer"), &t)
        .await;
    assert_eq!(s, 200);
    assert_eq!(placeholder["data"]["credit_cards"], json!([]));
    assert!(
        placeholder["data"].get("created_at").is_none(),
        "an unsaved placeholder"
    );
    let (s, cards) = e.get(&format!("accounts/{id}/braintree/cards"), &t).await;
    assert_eq!((s, cards["message"].as_str()), (500, Some("not_found")));
    let (s, token) = e
        .get(&format!("accounts/{id}/braintree/client_token"), &t)
        .await;
    assert_eq!((s, token["message"].as_str()), (500, Some("api_error")));
    let (s, created) = e
        .req(
            Method::POST,
            &format!("accounts/{id}/braintree/customer"),
            &t,
            Some(json!({"data": {"company": "Bayside Realty"}})),
        )
        .await;
    assert_eq!(s, 200);
    assert!(created["data"]["created_at"].is_i64());
    let (s, vaulted) = add_card(&e, &t, &id, "4111111111111111").await;
    assert_eq!(s, 201, "{vaulted}");
    assert_eq!(vaulted["data"]["last_four"], "1111");
    // braintree_util:bt_api_error_to_json/1: a refusal is 400 with the reason under api_error.
    let (s, refused) = add_card(&e, &t, &id, "4000111111111115").await;
    assert_eq!(
        (s, refused["message"].as_str()),
        (400, Some("braintree api error"))
    );
    assert_eq!(refused["data"]["api_error"]["message"], "Do Not Honor");
    assert!(refused["data"]["api_error"]["errors"][0]["code"].is_string());
}

#[tokio::test]
async fn braintree_client_api_answers_422_for_a_card_it_cannot_read() {
    let (e, t) = demo().await;
    let (_, token) = e
        .get(
            &format!("accounts/{}/braintree/client_token", reseller()),
            &t,
        )
        .await;
    let decoded: Value = serde_json::from_slice(&base64_decode(
        token["data"]["client_token"].as_str().unwrap(),
    ))
    .unwrap();
    let res = e
        .http
        .post(format!("{}/v1/payment_methods/credit_cards", decoded["clientApiUrl"].as_str().unwrap()))
        .json(&json!({"authorizationFingerprint": decoded["authorizationFingerprint"],
                      "creditCard": {"number": "4111111111111112", "expirationDate": "12/2030", "cvv": "123"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    // Without the /v1/ the path is not the processor's.
    let res = e
        .http
        .post(format!(
            "{}/payment_methods/credit_cards",
            decoded["clientApiUrl"].as_str().unwrap()
        ))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}
