//! A broken or hostile backend cannot hang the app, exhaust its memory, or choose where card
//! numbers go: each case gets an error that says what is wrong.

use crate::support::{demo_login, id, Sandbox};
use crossbar_sandbox::DEMO_ACCOUNT_NAME;
use desk_engine::{CardEntry, Desk};
use desk_testkit::Proxy;
use serde_json::json;
use std::sync::Arc;

async fn through_proxy() -> (Sandbox, Proxy, Desk, tempfile::TempDir) {
    crate::support::through_proxy(600).await
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
        due_shown: String::new(),
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

#[tokio::test]
async fn a_two_gigabyte_answer_is_cut_at_16_mb_while_the_desk_keeps_answering() {
    let (_sbx, proxy, dk, _dir) = through_proxy().await;
    let acct = id("Bayside Realty");
    dk.account(acct.as_str()).await.unwrap();
    let taken = proxy.answer_endless("GET", acct.as_str(), 2 << 30);
    let dk = Arc::new(dk);
    let started = std::time::Instant::now();
    let fetch = tokio::spawn({
        let (dk, acct) = (dk.clone(), acct.clone());
        async move { dk.account(acct.as_str()).await.map(|_| ()) }
    });
    // Meanwhile everything the window asks of the desk is answered at once, from the cache.
    let mut slowest = std::time::Duration::ZERO;
    while !fetch.is_finished() {
        let t = std::time::Instant::now();
        assert!(dk.cached_account(acct.as_str()).unwrap().is_some());
        assert!(!dk.search("Bayside").is_empty());
        let _ = dk.status();
        slowest = slowest.max(t.elapsed());
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let e = fetch.await.unwrap().unwrap_err();
    assert!(e.to_string().contains("larger than 16 MB"), "{e}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    let taken = taken.load(std::sync::atomic::Ordering::SeqCst);
    assert!(taken < 64 << 20, "read {taken} bytes of 2 GB");
    assert!(
        slowest < std::time::Duration::from_millis(250),
        "the desk stalled {slowest:?}"
    );
}

/// Each answer below is broken in its own way: a document that cannot be read is an error
/// that says so; a readable document with wrongly typed fields is shown with each of those
/// fields flagged by name; nothing panics and no wrong figure is shown as right.
#[tokio::test]
async fn nested_html_and_wrongly_typed_answers_each_get_an_error_not_a_crash() {
    let (_sbx, proxy, dk, _dir) = through_proxy().await;
    let acct = id("Bayside Realty");
    let reseller = id(DEMO_ACCOUNT_NAME);
    for body in [
        format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
        format!(
            "{{\"data\": {}{}}}",
            "{\"a\":".repeat(10_000),
            "}".repeat(10_000)
        ),
        "<html><body>Gateway login</body></html>".into(),
    ] {
        proxy.answer_text("GET", acct.as_str(), 200, body);
        let e = dk.account(acct.as_str()).await.map(|_| ()).unwrap_err();
        assert_eq!(e.view().code, "decode", "{e}");
        proxy.clear_canned();
    }

    let wrong = json!({"data": {"id": acct.as_str(), "name": 42, "realm": ["x"], "timezone": {"zone": 1}, "contact": "nobody", "caller_id_options": 7}});
    proxy.answer_text("GET", acct.as_str(), 200, wrong.to_string());
    let v = dk.account(acct.as_str()).await.unwrap();
    let flagged = [
        ("name", v.name.problem.clone()),
        ("realm", v.realm.problem.clone()),
        ("timezone", v.timezone.problem.clone()),
        ("contact", v.technical_contact.name.problem.clone()),
        ("caller_id_options", v.privacy.problem.clone()),
    ];
    for (field, problem) in &flagged {
        let problem = problem
            .as_deref()
            .unwrap_or_else(|| panic!("{field} not flagged: {v:?}"));
        assert!(problem.contains("is stored as"), "{field}: {problem}");
    }
    assert!(v
        .technical_contact
        .name
        .problem
        .unwrap()
        .contains("“contact”"));
    proxy.clear_canned();

    proxy.answer_text(
        "GET",
        "/limits",
        200,
        json!({"data": {"inbound_trunks": "many", "twoway_trunks": -3, "outbound_trunks": {}}})
            .to_string(),
    );
    let t = dk.trunks(acct.as_str()).await.unwrap();
    for count in [&t.inbound, &t.outbound, &t.twoway] {
        assert!(
            count
                .problem
                .as_deref()
                .is_some_and(|p| p.contains("counted as 0")),
            "{t:?}"
        );
    }
    proxy.clear_canned();

    // A usage row that cannot be read is an error, not a gap that shifts every balance after it.
    proxy.answer_text(
        "GET",
        "/ledgers/per-minute-voip?",
        200,
        json!({"data": [{"id": "r1", "amount": "lots", "created": "yesterday", "source": {"service": 5}}]}).to_string(),
    );
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
    let e = dk
        .usage(reseller.as_str(), day(1), day(18), true)
        .await
        .map(|_| ())
        .unwrap_err();
    assert_eq!(e.view().code, "decode", "{e}");
    proxy.clear_canned();
    assert!(dk
        .usage(reseller.as_str(), day(1), day(18), true)
        .await
        .is_ok());

    proxy.answer_text(
        "GET",
        "/braintree/customer",
        200,
        json!({"data": {"credit_cards": "none", "id": 7}}).to_string(),
    );
    let e = dk
        .payment_details(reseller.as_str())
        .await
        .map(|_| ())
        .unwrap_err();
    assert!(e.to_string().contains("card list is not a list"), "{e}");
    proxy.clear_canned();

    // A listed account without a readable ID is left out of the switcher, and counted.
    proxy.answer_text(
        "GET",
        "/descendants",
        200,
        json!({"data": [{"id": 5, "name": [], "realm": {}, "tree": "root"}, {"id": id("Bayside Realty").as_str(), "name": "Bayside Realty", "tree": [reseller.as_str()]}]}).to_string(),
    );
    let status = dk.sync_tree().await.unwrap();
    assert_eq!(status.unreadable_accounts, 1);
    assert_eq!(status.account_count, 2, "the root and the readable row");
}

#[tokio::test]
async fn a_cyclic_account_tree_is_cut_and_every_walk_of_it_ends() {
    let (_sbx, proxy, dk, _dir) = through_proxy().await;
    let reseller = id(DEMO_ACCOUNT_NAME);
    let (a, b) = (format!("{:032x}", 0xa), format!("{:032x}", 0xb));
    // Each names the other as its parent: A under B under A.
    proxy.answer_text(
        "GET",
        "/descendants",
        200,
        json!({"data": [
            {"id": a, "name": "Loop A", "tree": [reseller.as_str(), b]},
            {"id": b, "name": "Loop B", "tree": [reseller.as_str(), a]},
        ]})
        .to_string(),
    );
    let walk = async {
        dk.sync_tree().await.unwrap();
        let top = dk.children(None).unwrap();
        let hits = dk.search("Loop");
        (top, hits)
    };
    let (top, hits) = tokio::time::timeout(std::time::Duration::from_secs(5), walk)
        .await
        .expect("walking a cyclic tree ends");
    assert_eq!(hits.len(), 2, "both still findable");
    assert!(!top.is_empty());
    for hit in &hits {
        assert!(hit.path.len() <= 2, "ancestors walked once: {:?}", hit.path);
    }
}
