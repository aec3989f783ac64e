//! The sandbox does what Kazoo 4.3's source does, each test named after the Kazoo function it
//! follows (2600hz/kazoo, branch 4.3). Over real HTTP, on a pinned clock.

mod common;

use common::{demo_at, reseller, Env};
use crossbar_sandbox::platform::{Bookkeeper, Kazoo, Platform};
use crossbar_sandbox::{seed::account_id, DEMO_ACCOUNT_NAME};
use reqwest::Method;
use serde_json::{json, Value};

const NOW: &str = "2026-11-18T15:05:00Z";
const GREGORIAN: i64 = 62_167_219_200;
const DAY: i64 = 86_400;

fn now() -> i64 {
    chrono::DateTime::parse_from_rfc3339(NOW)
        .unwrap()
        .timestamp()
        + GREGORIAN
}

async fn demo() -> (Env, String) {
    let e = demo_at(NOW, Platform::default()).await;
    let t = e.login_as(DEMO_ACCOUNT_NAME).await;
    (e, t)
}

fn range(from: i64, to: i64) -> String {
    format!("created_from={from}&created_to={to}")
}

/// Every row of a paged listing, following `next_start_key`; the pages' sizes.
async fn all_pages(e: &Env, path: &str, t: &str) -> (Vec<Value>, Vec<Value>) {
    let (mut rows, mut sizes, mut key) = (Vec::new(), Vec::new(), None::<String>);
    loop {
        let url = match &key {
            Some(k) => format!("{path}&start_key={k}"),
            None => path.to_owned(),
        };
        let (s, body) = e.get(&url, t).await;
        assert_eq!(s, 200, "{url}: {body}");
        rows.extend(body["data"].as_array().unwrap().iter().cloned());
        sizes.push(body["page_size"].clone());
        match body["next_start_key"].as_str() {
            Some(k) => key = Some(k.to_owned()),
            None => return (rows, sizes),
        }
        assert!(sizes.len() < 100, "paging never ends");
    }
}

#[tokio::test]
async fn kz_ledger_public_json_dates_rows_by_period_and_strips_created() {
    let (e, t) = demo().await;
    let path = format!(
        "accounts/{}/ledgers/per-minute-voip?{}",
        reseller(),
        range(now() - 30 * DAY, now())
    );
    let (rows, _) = all_pages(&e, &path, &t).await;
    assert!(rows.len() > 50, "a month of calls: {}", rows.len());
    for r in &rows {
        assert!(
            r.get("created").is_none(),
            "kz_doc:public_fields strips pvt_created"
        );
        let start = r["period"]["start"].as_i64().unwrap();
        assert!((now() - 31 * DAY..=now()).contains(&start));
        assert_eq!(r["account"]["name"], DEMO_ACCOUNT_NAME);
        assert_eq!(r["usage"]["type"], "voice");
        assert!(r["usage"]["quantity"].as_i64().unwrap() > 0);
        assert!(r["amount"].as_f64().unwrap() < 0.0, "debits are negative");
        // j5_per_minute:metadata/1 — what Monster UI's Usage Charges reads.
        for key in [
            "from",
            "to",
            "direction",
            "caller_id_number",
            "callee_id_number",
        ] {
            assert!(r["metadata"][key].is_string(), "metadata.{key}: {r}");
        }
    }
    let (_, recurring) = e
        .get(
            &format!(
                "accounts/{}/ledgers/recurring?{}",
                reseller(),
                range(now() - 30 * DAY, now())
            ),
            &t,
        )
        .await;
    let month = &recurring["data"][0]["period"];
    assert!(month["end"].as_i64().unwrap() > month["start"].as_i64().unwrap());
}

#[tokio::test]
async fn crossbar_view_time_range_refuses_more_than_31_days_and_an_hour() {
    let (e, t) = demo().await;
    let max = 31 * DAY + 3_600;
    for path in ["ledgers", "ledgers/payments", "transactions"] {
        let url =
            |from: i64, to: i64| format!("accounts/{}/{path}?{}", reseller(), range(from, to));
        let (s, body) = e.get(&url(now() - max - 1, now()), &t).await;
        assert_eq!(s, 400, "{path}");
        let rule = &body["data"]["created_from"]["date_range"];
        assert!(
            rule["message"].as_str().unwrap().contains("2682000"),
            "{body}"
        );
        assert!(body["data"].get("created_to").is_none());
        let (s, _) = e.get(&url(now() - max, now()), &t).await;
        assert_eq!(s, 200, "{path}: exactly the maximum is allowed");
        let (s, body) = e.get(&url(now(), now() - 10), &t).await;
        assert_eq!(s, 400);
        assert!(body["data"]["created_from"]["date_range"]["message"]
            .as_str()
            .unwrap()
            .contains("prior to"));
    }
    // No range: the last 31 days and an hour, up to now.
    let (s, body) = e
        .get(
            &format!(
                "accounts/{}/ledgers/per-minute-voip?paginate=false",
                reseller()
            ),
            &t,
        )
        .await;
    assert_eq!(s, 200);
    let oldest = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["period"]["start"].as_i64().unwrap())
        .min()
        .unwrap();
    assert!(oldest >= now() - max);
}

#[tokio::test]
async fn crossbar_view_load_modb_pages_at_50_newest_first() {
    let (e, t) = demo().await;
    let path = format!(
        "accounts/{}/ledgers/per-minute-voip?{}",
        reseller(),
        range(now() - 31 * DAY, now())
    );
    let (rows, sizes) = all_pages(&e, &path, &t).await;
    assert!(sizes.len() >= 2, "more than one page");
    // Chunked: `api_util:close_chunk_json_envelope` writes the paging values as text.
    assert_eq!(sizes[0], json!("50"));
    let starts: Vec<i64> = rows
        .iter()
        .map(|r| r["period"]["start"].as_i64().unwrap())
        .collect();
    assert!(starts.windows(2).all(|w| w[0] >= w[1]), "descending");
    let ids: std::collections::HashSet<_> = rows.iter().map(|r| r["id"].clone()).collect();
    assert_eq!(ids.len(), rows.len(), "no row twice");
    // Transactions page too (not chunked: an integer page size).
    let tx = format!(
        "accounts/{}/transactions?{}&page_size=1",
        reseller(),
        range(now() - 31 * DAY, now())
    );
    let (rows, sizes) = all_pages(&e, &tx, &t).await;
    assert!(rows.len() >= 2);
    assert_eq!(sizes[0], json!(1));
    for r in &rows {
        // The `list_by_timestamp` view keeps `created` and flattens the bookkeeper's result.
        assert!(r["created"].as_i64().is_some());
        assert!(r["bookkeeper"]["status"].is_string());
    }
}

#[tokio::test]
async fn crossbar_filter_keeps_and_drops_rows_by_stored_fields() {
    let (e, t) = demo().await;
    let base = format!(
        "accounts/{}/ledgers/payments?{}",
        reseller(),
        range(now() - 31 * DAY, now())
    );
    let (_, all) = e.get(&base, &t).await;
    let (_, manual) = e
        .get(&format!("{base}&filter_executor.trigger=manual"), &t)
        .await;
    let (_, not_manual) = e
        .get(&format!("{base}&filter_not_executor.trigger=manual"), &t)
        .await;
    let n = |b: &Value| b["data"].as_array().unwrap().len();
    assert!(n(&manual) >= 1);
    assert!(manual["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["executor"]["trigger"] == "manual"));
    assert_eq!(n(&manual) + n(&not_manual), n(&all));
    // Amounts compare in units, as stored: 200.00 dollars is 2000000.
    let (_, by_amount) = e.get(&format!("{base}&filter_amount=2000000"), &t).await;
    assert!(by_amount["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["amount"] == 200.0));
    assert!(n(&by_amount) >= 1);
}

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

#[tokio::test]
async fn cb_accounts_maybe_import_enabled_reenables_on_a_patch_without_enabled() {
    let (e, t) = demo().await;
    let id = account_id("Bayside Realty");
    let url = format!("accounts/{id}");
    let (s, _) = e
        .req(
            Method::PATCH,
            &url,
            &t,
            Some(json!({"data": {"enabled": false}})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(e.get(&url, &t).await.1["data"]["enabled"], false);
    // The schema default (`enabled: true`) fills the validated document.
    let (s, _) = e
        .req(
            Method::PATCH,
            &url,
            &t,
            Some(json!({"data": {"name": "Bayside Realty Group"}})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        e.get(&url, &t).await.1["data"]["enabled"],
        true,
        "re-enabled"
    );
    // Sending it as last read keeps it.
    e.req(
        Method::PATCH,
        &url,
        &t,
        Some(json!({"data": {"enabled": false}})),
    )
    .await;
    e.req(
        Method::PATCH,
        &url,
        &t,
        Some(json!({"data": {"name": "Bayside Realty", "enabled": false}})),
    )
    .await;
    assert_eq!(e.get(&url, &t).await.1["data"]["enabled"], false);
}

#[tokio::test]
async fn kzd_accounts_ensure_account_has_timezone_never_stores_inherit() {
    let (e, t) = demo().await;
    let id = account_id("Acme Dental — Brooklyn Office");
    let url = format!("accounts/{id}");
    let (_, parent) = e
        .get(&format!("accounts/{}", account_id("Acme Dental Group")), &t)
        .await;
    let (s, saved) = e
        .req(
            Method::PATCH,
            &url,
            &t,
            Some(json!({"data": {"timezone": "inherit"}})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        saved["data"]["timezone"], parent["data"]["timezone"],
        "the parent's zone, copied"
    );
    // A POST validates the body alone (no tree): the system default.
    let mut doc = saved["data"].clone();
    doc["timezone"] = json!("inherit");
    let (s, posted) = e
        .req(Method::POST, &url, &t, Some(json!({"data": doc})))
        .await;
    assert_eq!(s, 200);
    assert_eq!(posted["data"]["timezone"], "America/Los_Angeles");
}

#[tokio::test]
async fn cb_user_auth_find_account_tries_the_realm_then_the_name() {
    let (e, t) = demo().await;
    let (_, me) = e.get(&format!("accounts/{}", reseller()), &t).await;
    let realm = me["data"]["realm"].as_str().unwrap();
    let login = |data: Value| {
        let e = &e;
        async move {
            let mut data = data;
            data["credentials"] = json!(common::creds("admin", "demo"));
            let res = e
                .http
                .put(e.url("user_auth"))
                .json(&json!({"data": data}))
                .send()
                .await
                .unwrap();
            res.status().as_u16()
        }
    };
    assert_eq!(
        login(json!({"account_realm": realm, "account_name": realm})).await,
        201
    );
    assert_eq!(
        login(json!({"account_realm": DEMO_ACCOUNT_NAME, "account_name": DEMO_ACCOUNT_NAME})).await,
        201
    );
    assert_eq!(
        login(json!({"account_realm": "nowhere.example", "account_name": "Nobody"})).await,
        401
    );
}

#[tokio::test]
async fn kz_services_summary_billing_cycle_is_midnight_utc() {
    // 20:00 UTC on 30 November is already 1 December in Kiritimati; the cycle still follows UTC.
    let e = demo_at("2026-11-30T20:00:00Z", Platform::default()).await;
    let t = e.login_as(DEMO_ACCOUNT_NAME).await;
    let (_, summary) = e
        .get(&format!("accounts/{}/services/summary", reseller()), &t)
        .await;
    let next = chrono::DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z")
        .unwrap()
        .timestamp()
        + GREGORIAN;
    assert_eq!(
        summary["data"]["billing_cycle"],
        json!({"next": next, "period": 1, "unit": "month"})
    );
    // Plans are keyed by ID; the invoice's plan has no id or name.
    assert!(summary["data"]["plans"]
        .as_object()
        .unwrap()
        .contains_key("reseller-wholesale"));
    assert!(summary["data"]["invoices"][0]["plan"].get("name").is_none());
    let (_, available) = e
        .get(&format!("accounts/{}/services/available", reseller()), &t)
        .await;
    assert!(available["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["id"] == "reseller-wholesale" && p["name"].is_string()));
}

#[tokio::test]
async fn cb_accounts_children_rows_carry_counts_and_descendants_carry_trees() {
    let (e, t) = demo().await;
    let (_, children) = e
        .get(&format!("accounts/{}/children", reseller()), &t)
        .await;
    let rows = children["data"].as_array().unwrap();
    assert!(rows
        .iter()
        .all(|r| r.get("tree").is_none() && r["descendants_count"].is_u64()));
    let acme = rows
        .iter()
        .find(|r| r["name"] == "Acme Dental Group")
        .unwrap();
    assert_eq!(acme["descendants_count"], 2);
    let names: Vec<&str> = rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "keyed by name");
    let (_, descendants) = e
        .get(
            &format!("accounts/{}/descendants?paginate=false", reseller()),
            &t,
        )
        .await;
    assert!(descendants["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["tree"].is_array()));
}

#[tokio::test]
async fn kazoo_42_has_no_total_topup_or_summary_and_answers_current_balance() {
    let e = demo_at(
        NOW,
        Platform {
            kazoo: Kazoo::V42,
            bookkeeper: Bookkeeper::Braintree,
        },
    )
    .await;
    let t = e.login_as(DEMO_ACCOUNT_NAME).await;
    let (s, total) = e
        .get(&format!("accounts/{}/ledgers/total", reseller()), &t)
        .await;
    assert_eq!(s, 200);
    assert_eq!(total["version"], "4.2.57");
    assert_eq!(
        total["data"],
        json!([]),
        "4.2 takes `total` for a ledger source"
    );
    let (s, _) = e
        .req(
            Method::POST,
            &format!("accounts/{}/services/topup", reseller()),
            &t,
            Some(json!({"data": {"amount": 10}})),
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = e
        .get(&format!("accounts/{}/services/summary", reseller()), &t)
        .await;
    assert_eq!(s, 404);
    let (s, balance) = e
        .get(
            &format!("accounts/{}/transactions/current_balance", reseller()),
            &t,
        )
        .await;
    assert_eq!(s, 200);
    assert!(balance["data"]["balance"].is_number());
    let v43 = demo_at(NOW, Platform::default()).await;
    let t = v43.login_as(DEMO_ACCOUNT_NAME).await;
    let (_, total) = v43
        .get(&format!("accounts/{}/ledgers/total", reseller()), &t)
        .await;
    assert_eq!(total["version"], "4.3.142");
}
