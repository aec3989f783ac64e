//! Account Desk against a sandbox that does what Kazoo 4.3's source does (and 4.2's where
//! asked): what broke against a real platform while a kinder sandbox passed every test.

use crate::support::{
    client, demo_login, id, sandbox, sandbox_playing, someone_else, Sandbox, NOW,
};
use chrono::Duration as Days;
use crossbar::Client;
use crossbar_sandbox::platform::{Bookkeeper, Kazoo, Platform};
use crossbar_sandbox::{Seed, DEMO_ACCOUNT_NAME};
use desk_engine::{CardEntry, Desk, IntentState};
use desk_store::MemoryStore;
use desk_testkit::Proxy;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::sync::Arc;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// A desk signed in as `account` (which is then its top level), through `url`.
async fn desk_for(sbx: &Sandbox, url: &str, dir: &std::path::Path, account: &str) -> Desk {
    sbx.signed_in(url, dir, Arc::new(MemoryStore::default()), account)
        .await
}

fn card(number: &str) -> CardEntry {
    CardEntry {
        number: number.into(),
        expiry: "12/30".into(),
        cvv: "123".into(),
        holder: "Tom Alvarez".into(),
        due_shown: String::new(),
    }
}

#[tokio::test]
async fn a_disabled_sub_account_stays_disabled_after_its_reseller_edits_it() {
    let sbx = sandbox(Seed::Demo, 600).await;
    let admin = someone_else(&sbx.running.base_url).await;
    let sub = id("Thames Valley Accountants");
    admin
        .patch_account(&sub, json!({"enabled": false}))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dk = desk_for(&sbx, &sbx.running.base_url, dir.path(), DEMO_ACCOUNT_NAME).await;
    let mut form = dk.account(sub.as_str()).await.unwrap().form;
    form.tech_name = "Olivia Grant".into();
    dk.save_account(sub.as_str(), &form).await.unwrap();
    dk.push_pending().await.unwrap();
    let doc = admin.get_account(&sub).await.unwrap().value.to_value();
    assert_eq!(
        doc["contact"]["technical"]["name"], "Olivia Grant",
        "the edit landed"
    );
    assert_eq!(doc["enabled"], false, "and the account is still disabled");
}

#[tokio::test]
async fn a_patch_that_loses_a_race_is_read_again_and_sent_once_more() {
    let sbx = sandbox(Seed::Demo, 600).await;
    let proxy = Proxy::start(sbx.running.addr).await;
    let dir = tempfile::tempdir().unwrap();
    let dk = desk_for(&sbx, &proxy.url, dir.path(), DEMO_ACCOUNT_NAME).await;
    let sub = id("Cape Coast Solar");
    let mut form = dk.account(sub.as_str()).await.unwrap().form;
    form.tech_name = "Lindiwe Mokoena".into();
    dk.save_account(sub.as_str(), &form).await.unwrap();
    proxy.answer_once(
        "PATCH",
        sub.as_str(),
        409,
        json!({"status": "error", "error": "409", "message": "conflict", "data": {}}),
    );
    dk.push_pending().await.unwrap();
    assert_eq!(proxy.count("PATCH", sub.as_str()), 2, "one retry");
    assert_eq!(dk.status().pending, 0);
    let admin = someone_else(&sbx.running.base_url).await;
    let doc = admin.get_account(&sub).await.unwrap().value.to_value();
    assert_eq!(doc["contact"]["technical"]["name"], "Lindiwe Mokoena");
}

/// Every row of `source` from `from` to now, read by hand in 31-day windows with paging off.
async fn by_hand(
    sbx: &Sandbox,
    admin: &Client,
    source: &str,
    from: chrono::DateTime<chrono::Utc>,
) -> Vec<Value> {
    let token = admin.session().unwrap().token;
    let mut rows = Vec::new();
    for (a, b) in crossbar::windows(from, sbx.now()) {
        let url = format!(
            "{}/v2/accounts/{}/ledgers/{source}?paginate=false&created_from={}&created_to={}",
            sbx.running.base_url,
            id(DEMO_ACCOUNT_NAME),
            crossbar::to_gregorian(a),
            crossbar::to_gregorian(b)
        );
        let body: Value = reqwest::Client::new()
            .get(url)
            .header("X-Auth-Token", token.expose())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        rows.extend(body["data"].as_array().unwrap().iter().cloned());
    }
    rows
}

#[tokio::test]
async fn usage_charges_over_ninety_days_shows_every_row_in_windows_and_pages() {
    let sbx = sandbox(Seed::Demo, 600).await;
    let proxy = Proxy::start(sbx.running.addr).await;
    let dir = tempfile::tempdir().unwrap();
    let dk = desk_for(&sbx, &proxy.url, dir.path(), DEMO_ACCOUNT_NAME).await;
    let reseller = id(DEMO_ACCOUNT_NAME);
    let (_, to) = dk.default_usage_range(reseller.as_str(), true);
    let from = to - Days::days(89);
    let view = dk.usage(reseller.as_str(), from, to, true).await.unwrap();
    // Kazoo refuses ranges over 31 days and pages at 50: the app asked in windows and followed
    // the pages (no request was refused).
    let pages = proxy
        .requests()
        .iter()
        .filter(|r| r.is("GET", "/ledgers/per-minute-voip") && r.path.contains("start_key"))
        .count();
    assert!(pages >= 3, "followed {pages} next pages");
    let start = view.rows.last().unwrap().at - Days::hours(1);
    let admin = someone_else(&sbx.running.base_url).await;
    let mut expected = 0;
    let mut spent = Decimal::ZERO;
    for source in [
        "per-minute-voip",
        "recurring",
        "payments",
        "adjustments",
        "prorations",
    ] {
        let rows = by_hand(&sbx, &admin, source, start).await;
        expected += rows.len();
        spent += rows
            .iter()
            .map(|r| crossbar::decimal(&r["amount"]).unwrap())
            .sum::<Decimal>();
    }
    let calls = view
        .rows
        .iter()
        .filter(|r| r.source == "per-minute-voip")
        .count();
    assert!(calls > 150, "{calls} calls over 90 days");
    assert_eq!(view.rows.len(), expected, "every row of the 90 days, once");
    // The balance before the oldest row, walked back by the app, is the balance now less what
    // the server lists since then.
    let oldest = view.rows.last().unwrap();
    assert_eq!(oldest.balance - oldest.amount, view.balance - spent);
    assert!(view
        .rows
        .iter()
        .all(|r| r.at.date_naive() >= from - Days::days(1)));
}

#[tokio::test]
async fn the_first_card_on_an_account_without_a_payment_customer_is_added() {
    let sbx = sandbox(Seed::Demo, 600).await;
    let proxy = Proxy::start(sbx.running.addr).await;
    let dir = tempfile::tempdir().unwrap();
    // Bayside Realty signs in itself: it is then the top level, and has never had a card.
    let dk = desk_for(&sbx, &proxy.url, dir.path(), "Bayside Realty").await;
    let bayside = id("Bayside Realty");
    assert!(dk
        .payment_details(bayside.as_str())
        .await
        .unwrap()
        .card
        .is_none());
    let view = dk
        .add_card(bayside.as_str(), card("4111 1111 1111 1111"))
        .await
        .unwrap();
    assert_eq!(view.card.unwrap().last_four, "1111");
    let order: Vec<String> = proxy
        .requests()
        .iter()
        .filter(|r| r.path.contains("/braintree/"))
        .map(|r| {
            format!(
                "{} {}",
                r.method,
                r.path.rsplit('/').next().unwrap_or_default()
            )
        })
        .collect();
    let at = |what: &str| {
        order
            .iter()
            .position(|o| o == what)
            .unwrap_or_else(|| panic!("{what} in {order:?}"))
    };
    assert!(at("POST customer") < at("GET client_token"), "{order:?}");
    assert!(at("GET client_token") < at("PUT cards"), "{order:?}");
    // A card the issuer refuses: Braintree's reason, not a list of fields.
    let refused = dk
        .add_card(bayside.as_str(), card("4000 1111 1111 1115"))
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("Do Not Honor"), "{refused}");
}

#[tokio::test]
async fn a_decline_shows_the_processors_reason_and_nothing_is_credited() {
    let sbx = sandbox(Seed::Demo, 600).await;
    let dir = tempfile::tempdir().unwrap();
    let dk = desk_for(&sbx, &sbx.running.base_url, dir.path(), DEMO_ACCOUNT_NAME).await;
    let reseller = id(DEMO_ACCOUNT_NAME);
    dk.add_card(reseller.as_str(), card("4000 0000 0000 0341"))
        .await
        .unwrap();
    let admin = someone_else(&sbx.running.base_url).await;
    let before = admin.balance(&reseller).await.unwrap();
    let err = dk
        .add_credit(reseller.as_str(), &dk.new_credit_intent(), "30")
        .await
        .unwrap_err();
    assert_eq!(err.view().code, "declined", "{err}");
    assert!(err.to_string().contains("Insufficient Funds"), "{err}");
    assert_eq!(admin.balance(&reseller).await.unwrap(), before);
}

#[tokio::test]
async fn without_a_bookkeeper_a_lost_top_up_settles_from_the_ledger_once() {
    let platform = Platform {
        kazoo: Kazoo::V43,
        bookkeeper: Bookkeeper::None,
    };
    let sbx = sandbox_playing(Seed::Demo, 600, NOW, platform).await;
    let proxy = Proxy::start(sbx.running.addr).await;
    let dir = tempfile::tempdir().unwrap();
    let dk = desk_for(&sbx, &proxy.url, dir.path(), DEMO_ACCOUNT_NAME).await;
    let reseller = id(DEMO_ACCOUNT_NAME);
    let admin = someone_else(&sbx.running.base_url).await;
    let before = admin.balance(&reseller).await.unwrap();
    // The answer ({ledger} alone here) is lost after the platform booked the credit.
    proxy.lose_next_answer("POST", "/services/topup");
    let intent = dk.new_credit_intent();
    let lost = dk
        .add_credit(reseller.as_str(), &intent, "45.60")
        .await
        .unwrap();
    assert_eq!(lost.state, IntentState::Unknown, "{lost:?}");
    proxy.set_down(false);
    let settled = dk
        .add_credit(reseller.as_str(), &intent, "45.60")
        .await
        .unwrap();
    assert_eq!(settled.state, IntentState::Completed, "{settled:?}");
    // A new dialog for the same amount is a new payment, and sent once.
    let again = dk
        .add_credit(reseller.as_str(), &dk.new_credit_intent(), "45.60")
        .await
        .unwrap();
    assert_eq!(again.state, IntentState::Completed);
    assert_eq!(proxy.count("POST", "/services/topup"), 2);
    assert_eq!(
        admin.balance(&reseller).await.unwrap(),
        before + d("91.20"),
        "exactly two credits"
    );
    let txs = admin
        .transactions(
            &reseller,
            sbx.now() - Days::hours(1),
            sbx.now() + Days::hours(1),
        )
        .await
        .unwrap();
    assert!(txs.is_empty(), "nothing was charged to a card: {txs:?}");
}

#[tokio::test]
async fn on_kazoo_42_the_balance_shows_and_top_up_is_not_offered() {
    let platform = Platform {
        kazoo: Kazoo::V42,
        bookkeeper: Bookkeeper::Braintree,
    };
    let sbx = sandbox_playing(Seed::Demo, 600, NOW, platform).await;
    let dir = tempfile::tempdir().unwrap();
    let dk = desk_for(&sbx, &sbx.running.base_url, dir.path(), DEMO_ACCOUNT_NAME).await;
    let reseller = id(DEMO_ACCOUNT_NAME);
    let c = client(&sbx.running.base_url);
    c.sign_in(demo_login()).await.unwrap();
    assert_eq!(c.platform_version().as_deref(), Some("4.2.57"));
    let (_, to) = dk.default_usage_range(reseller.as_str(), true);
    let view = dk
        .usage(reseller.as_str(), to - Days::days(6), to, true)
        .await
        .unwrap();
    assert_eq!(
        view.balance,
        d("1248.75"),
        "from transactions/current_balance"
    );
    assert!(!view.can_pay, "no Add credit on 4.2");
    assert!(
        view.platform_note.as_deref().unwrap().contains("4.2"),
        "{view:?}"
    );
    let plan = dk.service_plan(reseller.as_str()).await.unwrap();
    assert!(plan.platform_note.is_some());
}
