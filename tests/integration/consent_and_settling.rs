//! Money safety against Kazoo's real behaviour: an approval of charges holds only for the exact
//! change, quote and month it was given for; an unconfirmed payment is concluded "not charged"
//! only from complete books, and nothing new is sent while one may still be charged.

use crate::support::{id, lost_payment, sandbox, someone_else, Sandbox};
use crossbar_sandbox::{Seed, DEMO_ACCOUNT_NAME};
use desk_engine::{Desk, IntentState, TrunksForm};
use desk_store::{DocKind, MemoryStore};
use desk_testkit::Proxy;
use serde_json::json;
use std::sync::Arc;

async fn desk_through(sbx: &Sandbox, url: &str, dir: &std::path::Path) -> Desk {
    sbx.signed_in(
        url,
        dir,
        Arc::new(MemoryStore::default()),
        DEMO_ACCOUNT_NAME,
    )
    .await
}

fn trunks(inbound: u32) -> TrunksForm {
    TrunksForm {
        inbound: inbound.to_string(),
        outbound: "1".into(),
        twoway: "1".into(),
    }
}

async fn inbound(sbx: &Sandbox, name: &str) -> i64 {
    let admin = someone_else(&sbx.running.base_url).await;
    admin
        .get_limits(&id(name))
        .await
        .unwrap()
        .value
        .trunks()
        .inbound as i64
}

#[tokio::test]
async fn an_approval_does_not_carry_over_to_another_quote_or_another_month() {
    let sbx = sandbox(Seed::Demo, 10_000_000).await;
    let dir = tempfile::tempdir().unwrap();
    let dk = desk_through(&sbx, &sbx.running.base_url, dir.path()).await;
    let kiwi = id("Kiwi Outdoor Gear");
    dk.trunks(kiwi.as_str()).await.unwrap();
    dk.save_trunks(kiwi.as_str(), &trunks(4)).await.unwrap();
    dk.push_pending().await.unwrap();
    assert_eq!(dk.pending_edits().unwrap()[0].state, "needs_consent");
    dk.approve_charges(kiwi.as_str(), DocKind::Limits)
        .await
        .unwrap();
    // Before it is sent, someone else adds a two-way trunk on the server: the quote for this
    // change is now another one, and the approval does not cover it.
    let admin = someone_else(&sbx.running.base_url).await;
    let mut limits = admin.get_limits(&kiwi).await.unwrap().value;
    limits.set_trunks(&desk_core::TrunkLimits {
        inbound: 2,
        outbound: 1,
        twoway: 2,
    });
    admin
        .post_limits(&kiwi, limits.outgoing(), true)
        .await
        .unwrap();
    dk.push_pending().await.unwrap();
    assert_eq!(
        dk.pending_edits().unwrap()[0].state,
        "needs_consent",
        "asked again"
    );
    assert_eq!(
        inbound(&sbx, "Kiwi Outdoor Gear").await,
        2,
        "nothing applied"
    );
    // Approved again, but the month turns before it goes out: this month's proration was what
    // the user saw, so it is asked again.
    dk.approve_charges(kiwi.as_str(), DocKind::Limits)
        .await
        .unwrap();
    sbx.advance(31 * 86_400).await;
    dk.push_pending().await.unwrap();
    assert_eq!(
        dk.pending_edits().unwrap()[0].state,
        "needs_consent",
        "a new month"
    );
    assert_eq!(inbound(&sbx, "Kiwi Outdoor Gear").await, 2);
    // Approved for this quote and month: applied.
    dk.approve_charges(kiwi.as_str(), DocKind::Limits)
        .await
        .unwrap();
    dk.push_pending().await.unwrap();
    assert_eq!(inbound(&sbx, "Kiwi Outdoor Gear").await, 4);
    assert_eq!(dk.status().pending, 0);
}

/// Add credit whose answer is lost after the platform took it; the network comes back.
async fn lost(dk: &Desk, proxy: &Proxy, amount: &str) -> String {
    let intent = lost_payment(dk, proxy, amount).await;
    proxy.set_down(false);
    intent
}

#[tokio::test]
async fn a_payment_still_processing_keeps_every_new_payment_back() {
    let sbx = sandbox(Seed::Demo, 600).await;
    let proxy = Proxy::start(sbx.running.addr).await;
    let dir = tempfile::tempdir().unwrap();
    let dk = desk_through(&sbx, &proxy.url, dir.path()).await;
    let reseller = id(DEMO_ACCOUNT_NAME);
    let intent = lost(&dk, &proxy, "52.10").await;
    // The books, as a platform whose processor has not settled yet lists them: no credit,
    // and a pending manual transaction of that amount.
    let gregorian = crossbar::to_gregorian(sbx.now());
    proxy.answer("GET", "/ledgers/payments", 200, json!({"data": []}));
    proxy.answer(
        "GET",
        "/transactions",
        200,
        json!({"data": [{"id": "tx-pending", "amount": 52.10, "status": "pending", "description": "Manual top-up",
                         "executor": {"trigger": "manual"}, "bookkeeper": {"status": "pending"}, "created": gregorian}]}),
    );
    sbx.advance(120).await;
    let check = dk
        .add_credit(reseller.as_str(), &intent, "52.10")
        .await
        .unwrap();
    assert_eq!(check.state, IntentState::Unknown);
    assert!(
        check.message.contains("still being processed"),
        "{}",
        check.message
    );
    let other = dk
        .add_credit(reseller.as_str(), &dk.new_credit_intent(), "20.00")
        .await
        .unwrap();
    assert_eq!(other.intent, intent, "the unconfirmed one is named");
    assert_eq!(
        proxy.count("POST", "/services/topup"),
        1,
        "nothing new was sent"
    );
}

#[tokio::test]
async fn an_unreadable_row_in_the_books_concludes_nothing() {
    let sbx = sandbox(Seed::Demo, 600).await;
    let proxy = Proxy::start(sbx.running.addr).await;
    let dir = tempfile::tempdir().unwrap();
    let dk = desk_through(&sbx, &proxy.url, dir.path()).await;
    let reseller = id(DEMO_ACCOUNT_NAME);
    let intent = lost(&dk, &proxy, "61.30").await;
    // One credit the app cannot date: it might be this payment, so nothing is concluded.
    proxy.answer(
        "GET",
        "/ledgers/payments",
        200,
        json!({"data": [{"id": "x", "amount": 61.30, "description": "Manual top-up", "period": "soon"}]}),
    );
    proxy.answer("GET", "/transactions", 200, json!({"data": []}));
    sbx.advance(120).await;
    let e = dk
        .add_credit(reseller.as_str(), &intent, "61.30")
        .await
        .unwrap_err();
    assert_eq!(e.view().code, "decode", "{e}");
    let e = dk
        .add_credit(reseller.as_str(), &dk.new_credit_intent(), "10.00")
        .await
        .unwrap_err();
    assert_eq!(e.view().code, "decode", "{e}");
    assert_eq!(
        proxy.count("POST", "/services/topup"),
        1,
        "nothing sent again"
    );
}
