//! A broken or hostile backend cannot hang the app, exhaust its memory, or choose where card
//! numbers go: each case gets an error that says what is wrong.

use crate::support::{demo_login, id, sandbox, Sandbox};
use crossbar_sandbox::{Seed, DEMO_ACCOUNT_NAME};
use desk_engine::{CardEntry, Desk};
use desk_store::MemoryStore;
use desk_testkit::Proxy;
use serde_json::json;
use std::sync::Arc;

async fn through_proxy() -> (Sandbox, Proxy, Desk, tempfile::TempDir) {
    let sbx = sandbox(Seed::Demo, 600).await;
    let proxy = Proxy::start(sbx.running.addr).await;
    let dir = tempfile::tempdir().unwrap();
    let dk = sbx
        .signed_in(
            &proxy.url,
            dir.path(),
            Arc::new(MemoryStore::default()),
            DEMO_ACCOUNT_NAME,
        )
        .await;
    (sbx, proxy, dk, dir)
}

#[tokio::test]
async fn a_body_over_16_mb_is_refused_without_being_read_whole() {
    let (_sbx, proxy, dk, _dir) = through_proxy().await;
    let c = crate::support::client(&proxy.url);
    c.sign_in(demo_login()).await.unwrap();
    let pad = "x".repeat(17 * 1024 * 1024);
    proxy.answer(
        "GET",
        "/ledgers/total",
        200,
        json!({"data": {"amount": 1, "pad": pad}}),
    );
    let e = c.balance(&id(DEMO_ACCOUNT_NAME)).await.unwrap_err();
    assert!(e.to_string().contains("larger than 16 MB"), "{e}");
    drop(dk);
}

#[tokio::test]
async fn a_listing_that_repeats_its_page_keys_ends_with_an_error() {
    let (_sbx, proxy, dk, _dir) = through_proxy().await;
    let row = |n: u32| json!({"id": format!("{n:032x}"), "name": format!("Loop {n}"), "realm": format!("l{n}.example.com"), "tree": [id(DEMO_ACCOUNT_NAME).as_str()]});
    // A, B, A, B …: never the same key twice in a row, so only a memory of every key stops it.
    proxy.answer_once(
        "GET",
        "/descendants",
        200,
        json!({"data": [row(1)], "next_start_key": "B"}),
    );
    proxy.answer_once(
        "GET",
        "/descendants",
        200,
        json!({"data": [row(2)], "next_start_key": "A"}),
    );
    proxy.answer(
        "GET",
        "/descendants",
        200,
        json!({"data": [row(3)], "next_start_key": "B"}),
    );
    let e = tokio::time::timeout(std::time::Duration::from_secs(10), dk.sync_tree())
        .await
        .expect("paging stopped")
        .unwrap_err();
    assert!(e.to_string().contains("repeats a page"), "{e}");
    assert!(proxy.count("GET", "/descendants") < 10);
}

#[tokio::test]
async fn a_client_token_naming_a_foreign_host_gets_no_card_data() {
    let (_sbx, proxy, dk, _dir) = through_proxy().await;
    use base64::Engine;
    let token = base64::engine::general_purpose::STANDARD.encode(
        json!({"authorizationFingerprint": "f", "clientApiUrl": "https://cards.evil.example/client_api"}).to_string(),
    );
    proxy.answer(
        "GET",
        "/braintree/client_token",
        200,
        json!({"data": {"client_token": token}}),
    );
    let reseller = id(DEMO_ACCOUNT_NAME);
    let shown = dk.card_destination(reseller.as_str()).await.unwrap_err();
    assert!(shown.to_string().contains("cards.evil.example"), "{shown}");
    let entry = CardEntry {
        number: "4111 1111 1111 1111".into(),
        expiry: "12/30".into(),
        cvv: "123".into(),
        holder: "Marcus Reyes".into(),
    };
    let e = dk.add_card(reseller.as_str(), entry).await.unwrap_err();
    assert_eq!(e.view().code, "insecure_url", "{e}");
    assert!(!proxy
        .requests()
        .iter()
        .any(|r| r.body.windows(4).any(|w| w == b"4111")));
    // The sandbox's own processor (this computer, like the platform) is named in the dialog.
    let (_sbx, _proxy, dk, _dir) = through_proxy().await;
    assert_eq!(
        dk.card_destination(reseller.as_str()).await.unwrap(),
        "127.0.0.1"
    );
}

#[tokio::test]
async fn a_server_error_or_a_portal_page_keeps_the_edit_queued_until_the_server_takes_it() {
    let (sbx, proxy, dk, _dir) = through_proxy().await;
    let tva = id("Thames Valley Accountants");
    let mut form = dk.account(tva.as_str()).await.unwrap().form;
    form.tech_name = "Olive Grant".into();
    dk.save_account(tva.as_str(), &form).await.unwrap();
    proxy.answer_once(
        "PATCH",
        tva.as_str(),
        500,
        json!({"status": "error", "error": "500", "message": "internal_error", "data": {}}),
    );
    dk.push_pending().await.unwrap();
    assert_eq!(
        dk.pending_edits().unwrap()[0].state,
        "queued",
        "a 500 refuses nothing"
    );
    // A captive portal answers 200 with its own page instead of Kazoo's envelope.
    proxy.answer_once(
        "GET",
        tva.as_str(),
        200,
        json!("<html>Sign in to the hotel Wi-Fi</html>"),
    );
    dk.push_pending().await.unwrap();
    assert_eq!(dk.pending_edits().unwrap()[0].state, "queued");
    dk.push_pending().await.unwrap();
    assert_eq!(dk.status().pending, 0);
    let admin = crate::support::someone_else(&sbx.running.base_url).await;
    let doc = admin.get_account(&tva).await.unwrap().value.to_value();
    assert_eq!(doc["contact"]["technical"]["name"], "Olive Grant");
}
