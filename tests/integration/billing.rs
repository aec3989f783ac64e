//! Money through the engine against the sandbox, on pinned clocks: cards via the processor
//! stand-in, credit sent once per intent even when the answer is lost (counted at a proxy, not
//! trusted to the server), billing settings that leave every other key alone, proration at fixed
//! instants against amounts worked out by hand, usage with hand-computed balances and a CSV a
//! spreadsheet can sum, balance alerts across restarts, the demo on any date, and the sandbox's
//! own billing clock (monthly charges, auto top-up once per 24 hours).

use crate::support::{
    eventually, id, login, lost_payment, sandbox, sandbox_at, someone_else, Sandbox,
};
use chrono::{Duration as Days, NaiveDate, TimeZone};
use crossbar::Client;
use crossbar_sandbox::{Seed, DEMO_ACCOUNT_NAME};
use desk_engine::{BillingSettingsForm, CardEntry, Desk, IntentState, TrunksForm};
use desk_store::{MemoryStore, SecretStore};
use desk_testkit::{files_under, find_secrets, Proxy};
use rust_decimal::Decimal;
use serde_json::json;
use std::sync::Arc;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

async fn signed_in(
    sbx: &Sandbox,
    url: &str,
    dir: &std::path::Path,
    secrets: Arc<dyn SecretStore>,
) -> Desk {
    sbx.signed_in(url, dir, secrets, DEMO_ACCOUNT_NAME).await
}

/// The demo platform, the reseller's desk on a fresh cache, and a second session to check the
/// server with.
struct Setup {
    sbx: Sandbox,
    dir: tempfile::TempDir,
    secrets: Arc<MemoryStore>,
    dk: Desk,
    admin: Client,
}

async fn setup() -> Setup {
    setup_on(sandbox(Seed::Demo, 600).await).await
}

async fn setup_on(sbx: Sandbox) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let dk = signed_in(&sbx, &sbx.running.base_url, dir.path(), secrets.clone()).await;
    let admin = someone_else(&sbx.running.base_url).await;
    Setup {
        sbx,
        dir,
        secrets,
        dk,
        admin,
    }
}

/// The demo platform behind a counting proxy, the reseller's desk talking through it, and a
/// second session that checks the server directly.
struct Proxied {
    sbx: Sandbox,
    proxy: Proxy,
    dk: Arc<Desk>,
    admin: Client,
    _dir: tempfile::TempDir,
}

async fn proxied() -> Proxied {
    let sbx = sandbox(Seed::Demo, 600).await;
    let proxy = Proxy::start(sbx.running.addr).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let dk = Arc::new(signed_in(&sbx, &proxy.url, dir.path(), secrets).await);
    let admin = someone_else(&sbx.running.base_url).await;
    Proxied {
        sbx,
        proxy,
        dk,
        admin,
        _dir: dir,
    }
}

/// A request the client has no call for (sandbox-only or reseller-only routes), as `admin` when
/// given.
async fn raw(
    method: reqwest::Method,
    url: String,
    admin: Option<&Client>,
    body: serde_json::Value,
) -> reqwest::Response {
    let mut req = reqwest::Client::new().request(method, url).json(&body);
    if let Some(session) = admin.and_then(Client::session) {
        req = req.header("X-Auth-Token", session.token.expose());
    }
    req.send().await.unwrap()
}

/// A reseller's credit or debit on a sub-account's ledger (`way`: `credit` or `debit`).
async fn adjust(sbx: &Sandbox, admin: &Client, name: &str, way: &str, amount: &str, what: &str) {
    let url = format!(
        "{}/v2/accounts/{}/ledgers/{way}",
        sbx.running.base_url,
        id(name)
    );
    let body = json!({"data": {"amount": amount.parse::<f64>().unwrap(), "description": what}});
    let res = raw(reqwest::Method::PUT, url, Some(admin), body).await;
    assert!(res.status().is_success(), "{}", res.status());
}

fn entry(number: &str, expiry: &str) -> CardEntry {
    CardEntry {
        number: number.into(),
        expiry: expiry.into(),
        cvv: "123".into(),
        holder: "Marcus Reyes".into(),
    }
}

/// The amounts an account's `source` ledger got in the day before the sandbox's now.
async fn recent(sbx: &Sandbox, c: &Client, name: &str, source: &str) -> Vec<Decimal> {
    let now = sbx.now();
    c.complete_ledger(&id(name), source, now - Days::days(1), now + Days::hours(1))
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.amount)
        .collect()
}

/// How many payments of `amount` the account's ledger got in the last day.
async fn payments_of(sbx: &Sandbox, c: &Client, amount: &str) -> usize {
    recent(sbx, c, DEMO_ACCOUNT_NAME, "payments")
        .await
        .iter()
        .filter(|p| **p == d(amount))
        .count()
}

/// How many top-up requests for `amount` crossed the network. Kazoo reads nothing else of a
/// top-up (`cb_services:get_topup_amount/1`), so the tests give each intent its own amount.
fn topups(proxy: &Proxy, amount: &str) -> usize {
    proxy
        .requests()
        .iter()
        .filter(|r| {
            r.is("POST", "/services/topup")
                && crossbar::decimal(&r.json()["data"]["amount"]) == Some(d(amount))
        })
        .count()
}

#[tokio::test]
async fn a_card_is_tokenized_at_the_processor_vaulted_and_kept_only_in_the_keyring() {
    let Setup {
        sbx: _sbx,
        dir,
        secrets,
        dk,
        admin,
    } = setup().await;
    let reseller = id(DEMO_ACCOUNT_NAME);
    let before = dk.payment_details(reseller.as_str()).await.unwrap();
    let card = before.card.expect("the demo reseller has a card");
    assert_eq!(
        (card.brand.as_str(), card.last_four.as_str()),
        ("Visa", "1111")
    );
    assert!(
        card.warning.is_some(),
        "the demo card expires soon: {card:?}"
    );

    // Checked here first: nothing reaches the processor or the platform.
    let err = dk
        .add_card(reseller.as_str(), entry("4111 1111 1111 1112", "01/20"))
        .await
        .unwrap_err()
        .view();
    let fields: Vec<&str> = err.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["card_number", "card_expiry"], "{err:?}");

    // The clock is pinned in 2026: this expiry is years ahead on every day the test runs.
    let added = dk
        .add_card(reseller.as_str(), entry("5555 5555 5555 4444", "12/31"))
        .await
        .unwrap();
    let shown = added.card.unwrap();
    assert_eq!(
        (
            shown.brand.as_str(),
            shown.last_four.as_str(),
            shown.expiry.as_str()
        ),
        ("MasterCard", "4444", "12/2031")
    );
    assert!(shown.warning.is_none());
    let token = secrets
        .get("test/payment_token")
        .unwrap()
        .expect("token kept in the keyring");
    let server_cards = admin.cards(&reseller).await.unwrap();
    assert!(server_cards
        .iter()
        .any(|c| c.token == token.expose() && c.default && c.last_four == "4444"));

    // The issuer refuses this one when it is added: said in the processor's words.
    let declined = dk
        .add_card(reseller.as_str(), entry("4000 1111 1111 1115", "12/31"))
        .await
        .unwrap_err();
    assert!(declined.to_string().contains("declined"), "{declined}");
    assert_eq!(
        dk.payment_details(reseller.as_str())
            .await
            .unwrap()
            .card
            .unwrap()
            .last_four,
        "4444"
    );

    // Sub-accounts are billed through the reseller and keep no card.
    let sub = dk
        .payment_details(id("Bayside Realty").as_str())
        .await
        .unwrap();
    assert!(!sub.can_pay);
    assert_eq!(sub.billed_through.as_deref(), Some(DEMO_ACCOUNT_NAME));
    assert_eq!(
        dk.add_card(
            id("Bayside Realty").as_str(),
            entry("5555555555554444", "12/31")
        )
        .await
        .unwrap_err()
        .code(),
        "read_only"
    );

    // Signing out forgets the payment token with the session.
    dk.sign_out().unwrap();
    assert!(secrets.get("test/payment_token").unwrap().is_none());

    // Neither the numbers (as typed, or as digits) nor the token is in the cache folder, in any
    // encoding.
    drop(dk);
    let files = files_under(dir.path());
    assert!(!files.is_empty());
    let found = find_secrets(
        &files,
        &[
            ("card number as typed", "5555 5555 5555 4444"),
            ("card number", "5555555555554444"),
            ("refused card number as typed", "4000 1111 1111 1115"),
            ("refused card number", "4000111111111115"),
            ("payment token", token.expose()),
        ],
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[tokio::test]
async fn credit_is_sent_once_per_intent_even_when_the_answer_is_lost() {
    let Proxied {
        sbx,
        proxy,
        dk,
        admin,
        _dir,
    } = proxied().await;
    let reseller = id(DEMO_ACCOUNT_NAME);
    let start = admin.balance(&reseller).await.unwrap();

    // A double click: two sends of one intent, at once. One request crosses the network (Kazoo,
    // and so the sandbox, would charge a second one again).
    let intent = dk.new_credit_intent();
    let (a, b) = tokio::join!(
        dk.add_credit(reseller.as_str(), &intent, "25.00"),
        dk.add_credit(reseller.as_str(), &intent, "25")
    );
    assert_eq!(topups(&proxy, "25"), 1, "one top-up request per intent");
    assert_eq!(
        (a.unwrap().state, b.unwrap().state),
        (IntentState::Completed, IntentState::Completed),
        "the second click waits for the first and reports its outcome"
    );
    assert_eq!(payments_of(&sbx, &admin, "25").await, 1);

    // The answer to the next one is lost and the network drops: the server charged, the app
    // cannot tell, so it says so and sends nothing more.
    let lost = lost_payment(&dk, &proxy, "40.10").await;
    assert_eq!(topups(&proxy, "40.10"), 1);
    // The user tries again while still offline: it cannot be looked up, so nothing is sent.
    let retry = dk
        .add_credit(reseller.as_str(), &lost, "40.10")
        .await
        .unwrap_err();
    assert_eq!(retry.code(), "network", "{retry:?}");
    // Another amount cannot ride on the same intent.
    let other = dk
        .add_credit(reseller.as_str(), &lost, "50")
        .await
        .unwrap_err()
        .view();
    assert_eq!(other.field.as_deref(), Some("credit.amount"));
    // A new dialog meanwhile must settle the earlier one first: offline, nothing is sent.
    let meanwhile = dk.new_credit_intent();
    let refused = dk
        .add_credit(reseller.as_str(), &meanwhile, "40.10")
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "network");
    assert_eq!(topups(&proxy, "40.10"), 1, "the new dialog sent nothing");

    // Back online, "Check again" on the first dialog looks the payment up and finds it.
    proxy.set_down(false);
    let lookups = proxy.count("GET", "/transactions");
    let settled = dk
        .add_credit(reseller.as_str(), &lost, "40.10")
        .await
        .unwrap();
    assert_eq!(settled.state, IntentState::Completed, "{settled:?}");
    assert!(
        proxy.count("GET", "/transactions") > lookups,
        "the payment was looked up on the server"
    );
    assert_eq!(topups(&proxy, "40.10"), 1, "and not sent again");
    assert_eq!(payments_of(&sbx, &admin, "40.10").await, 1);

    // Another lost answer; this time the user closes the dialog and opens a new one, which finds
    // the earlier payment before it sends anything.
    let closed = lost_payment(&dk, &proxy, "33.30").await;
    proxy.set_down(false);
    let lookups = proxy.count("GET", "/transactions");
    let fresh = dk.new_credit_intent();
    let earlier = dk
        .add_credit(reseller.as_str(), &fresh, "33.30")
        .await
        .unwrap();
    assert_eq!(
        (earlier.state, earlier.intent.as_str()),
        (IntentState::Completed, closed.as_str())
    );
    assert!(
        earlier.message.contains("did go through"),
        "{}",
        earlier.message
    );
    assert!(proxy.count("GET", "/transactions") > lookups);
    assert_eq!(topups(&proxy, "33.30"), 1, "the new dialog sent nothing");
    assert_eq!(payments_of(&sbx, &admin, "33.30").await, 1);

    // The network is down when the next one is sent: it never reaches the server, and the app
    // cannot know that.
    proxy.set_down(true);
    let unsent = dk.new_credit_intent();
    let o = dk
        .add_credit(reseller.as_str(), &unsent, "7.77")
        .await
        .unwrap();
    assert_eq!(o.state, IntentState::Unknown);
    assert_eq!(topups(&proxy, "7.77"), 0);
    proxy.set_down(false);
    // Checked at once: not listed, and not sent again so soon (it could still be processing);
    // a new dialog meanwhile does not charge either.
    let check = dk
        .add_credit(reseller.as_str(), &unsent, "7.77")
        .await
        .unwrap();
    assert_eq!(check.state, IntentState::Unknown);
    assert!(
        check.message.contains("not listed yet"),
        "{}",
        check.message
    );
    let another = dk.new_credit_intent();
    let other = dk
        .add_credit(reseller.as_str(), &another, "7.77")
        .await
        .unwrap();
    assert_eq!(
        (other.state, other.intent.as_str()),
        (IntentState::Unknown, unsent.as_str())
    );
    assert_eq!(topups(&proxy, "7.77"), 0);
    // A minute later it is still not listed: sent again, once.
    sbx.advance(61).await;
    let resent = dk
        .add_credit(reseller.as_str(), &unsent, "7.77")
        .await
        .unwrap();
    assert_eq!(resent.state, IntentState::Completed, "{resent:?}");
    assert_eq!(topups(&proxy, "7.77"), 1);
    assert_eq!(payments_of(&sbx, &admin, "7.77").await, 1);
    assert_eq!(
        admin.balance(&reseller).await.unwrap(),
        start + d("25") + d("40.10") + d("33.30") + d("7.77"),
        "exact to the cent"
    );

    // A card that the issuer declines: the processor's reason, one request, and no credit.
    dk.add_card(reseller.as_str(), entry("4000 0000 0000 0341", "12/31"))
        .await
        .unwrap();
    let refused_card = dk.new_credit_intent();
    let declined = dk
        .add_credit(reseller.as_str(), &refused_card, "10")
        .await
        .unwrap_err();
    assert!(
        declined.to_string().contains("Insufficient Funds"),
        "{declined}"
    );
    assert_eq!(topups(&proxy, "10"), 1);
    assert_eq!(admin.balance(&reseller).await.unwrap(), start + d("106.17"));
    let txs = admin
        .transactions(
            &reseller,
            sbx.now() - Days::hours(1),
            sbx.now() + Days::hours(1),
        )
        .await
        .unwrap();
    assert!(txs
        .iter()
        .any(|t| t.status == "failed" && t.reason.as_deref() == Some("Insufficient Funds")));

    // Bad amounts never leave the app (the comma is a thousands separator, never cents).
    let before = proxy.count("POST", "/services/topup");
    for bad in ["0", "-5", "12.345", "abc", "10000.01", "25,00"] {
        let e = dk
            .add_credit(reseller.as_str(), &dk.new_credit_intent(), bad)
            .await
            .unwrap_err()
            .view();
        assert_eq!(e.field.as_deref(), Some("credit.amount"), "{bad}: {e:?}");
    }
    assert_eq!(proxy.count("POST", "/services/topup"), before);
}

/// Kazoo 4.3's top-up has no reference of any kind: a lost answer is settled by amount and
/// time, and a payment another intent already claimed is never taken for this one's.
#[tokio::test]
async fn on_a_server_that_ignores_references_a_lost_payment_is_found_by_its_amount() {
    let Proxied {
        sbx,
        proxy,
        dk,
        admin,
        _dir,
    } = proxied().await;
    let reseller = id(DEMO_ACCOUNT_NAME);

    let first = lost_payment(&dk, &proxy, "15.00").await;
    proxy.set_down(false);
    let found = dk
        .add_credit(reseller.as_str(), &first, "15.00")
        .await
        .unwrap();
    assert_eq!(found.state, IntentState::Completed, "{found:?}");
    assert_eq!(topups(&proxy, "15"), 1);

    // The next payment of the same amount never reaches the server. The one that is listed is
    // the first intent's, so after a minute this one is sent, once.
    proxy.set_down(true);
    let second = dk.new_credit_intent();
    let o = dk
        .add_credit(reseller.as_str(), &second, "15.00")
        .await
        .unwrap();
    assert_eq!(o.state, IntentState::Unknown);
    proxy.set_down(false);
    sbx.advance(61).await;
    let sent = dk
        .add_credit(reseller.as_str(), &second, "15.00")
        .await
        .unwrap();
    assert_eq!(sent.state, IntentState::Completed, "{sent:?}");
    assert_eq!(topups(&proxy, "15"), 2, "one each");
    assert_eq!(payments_of(&sbx, &admin, "15").await, 2);
}

/// A trunk rise of two inbound (14.99) and one two-way (24.99) trunk: 54.97 a month.
fn rise(t: &desk_engine::TrunksView) -> TrunksForm {
    TrunksForm {
        inbound: (t.inbound.value + 2).to_string(),
        outbound: t.outbound.value.to_string(),
        twoway: (t.twoway.value + 1).to_string(),
    }
}

/// (account, charged today, the preview's sentence).
type Expected = (&'static str, &'static str, &'static str);

/// Per instant, what raising trunks costs, worked out by hand: 54.97 × days left (today
/// included) ÷ days in the month, on the account's calendar, rounded half away from zero to the
/// cent.
const PRORATIONS: &[(&str, &[Expected])] = &[
    // Kiritimati (UTC+14) and Tonga (UTC+13) are already on 1 May; Pago Pago (UTC−11) and Los
    // Angeles are still on 30 April.
    (
        "2026-04-30T20:00:00Z",
        &[
            (
                "Line Islands Research Station",
                "54.97",
                "54.97 today (prorated, 31 of 31 days), 54.97 monthly from 1 June 2026",
            ),
            (
                "Tonga Pacific Fisheries",
                "54.97",
                "54.97 today (prorated, 31 of 31 days), 54.97 monthly from 1 June 2026",
            ),
            (
                "Pago Pago Harbor Clinic",
                "1.83",
                "1.83 today (prorated, 1 of 30 days), 54.97 monthly from 1 May 2026",
            ),
            (
                "Bayside Realty",
                "1.83",
                "1.83 today (prorated, 1 of 30 days), 54.97 monthly from 1 May 2026",
            ),
        ],
    ),
    // A half cent: 54.97 × 14 ÷ 28 = 27.485.
    (
        "2027-02-15T20:00:00Z",
        &[(
            "Bayside Realty",
            "27.49",
            "27.49 today (prorated, 14 of 28 days), 54.97 monthly from 1 March 2027",
        )],
    ),
    // The last day of the year in Los Angeles, the first of the next one in Tonga.
    (
        "2026-12-31T20:00:00Z",
        &[
            (
                "Bayside Realty",
                "1.77",
                "1.77 today (prorated, 1 of 31 days), 54.97 monthly from 1 January 2027",
            ),
            (
                "Tonga Pacific Fisheries",
                "54.97",
                "54.97 today (prorated, 31 of 31 days), 54.97 monthly from 1 February 2027",
            ),
        ],
    ),
    // DST days are one day each: Los Angeles springs forward, Paris falls back.
    (
        "2027-03-14T20:00:00Z",
        &[(
            "Bayside Realty",
            "31.92",
            "31.92 today (prorated, 18 of 31 days), 54.97 monthly from 1 April 2027",
        )],
    ),
    (
        "2026-10-25T12:00:00Z",
        &[(
            "Maison Laurent Avocats",
            "12.41",
            "12.41 today (prorated, 7 of 31 days), 54.97 monthly from 1 November 2026",
        )],
    ),
    // Pinecrest inherits its zone: the reseller's Chicago is on 1 May, Los Angeles (the platform
    // default) on 30 April.
    (
        "2027-05-01T06:00:00Z",
        &[(
            "Pinecrest Pet Hospital",
            "54.97",
            "54.97 today (prorated, 31 of 31 days), 54.97 monthly from 1 June 2027",
        )],
    ),
];

#[tokio::test]
async fn trunk_charges_at_fixed_instants_are_the_amounts_worked_out_by_hand_on_both_sides() {
    for (at, cases) in PRORATIONS {
        let Setup {
            sbx,
            dir: _dir,
            dk,
            admin,
            ..
        } = setup_on(sandbox_at(Seed::Demo, 600, at).await).await;
        for (name, today, sentence) in *cases {
            let acct = id(name);
            dk.account(acct.as_str()).await.unwrap();
            let t = dk.trunks(acct.as_str()).await.unwrap();
            let form = rise(&t);
            let preview = dk
                .preview_trunk_charges(acct.as_str(), &form)
                .await
                .unwrap()
                .expect("a rise costs");
            assert_eq!(
                (preview.proration.today, preview.sentence.as_str()),
                (d(today), *sentence),
                "{at} {name}"
            );
            dk.save_trunks(acct.as_str(), &form).await.unwrap();
            dk.push_pending().await.unwrap();
            dk.approve_charges(acct.as_str(), desk_store::DocKind::Limits)
                .await
                .unwrap();
            dk.push_pending().await.unwrap();
            assert_eq!(
                recent(&sbx, &admin, name, "prorations").await,
                [-d(today)],
                "{at} {name}: what the sandbox charged"
            );
        }
    }
}

/// An account with no zone of its own and none above it counts days in Los Angeles, the
/// platform's default.
#[tokio::test]
async fn an_account_without_any_zone_counts_days_in_the_platform_default() {
    let sbx = sandbox_at(Seed::Demo, 600, "2027-05-01T06:00:00Z").await;
    let other = someone_else(&sbx.running.base_url).await;
    for name in [DEMO_ACCOUNT_NAME, "Sakura Travel K.K."] {
        other
            .patch_account(&id(name), json!({"timezone": null}))
            .await
            .unwrap();
    }
    let Setup {
        sbx,
        dir: _dir,
        dk,
        admin,
        ..
    } = setup_on(sbx).await;
    let acct = id("Sakura Travel K.K.");
    dk.account(acct.as_str()).await.unwrap();
    let t = dk.trunks(acct.as_str()).await.unwrap();
    let preview = dk
        .preview_trunk_charges(acct.as_str(), &rise(&t))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        preview.sentence, "1.83 today (prorated, 1 of 30 days), 54.97 monthly from 1 May 2027",
        "Tokyo and Chicago are on 1 May; Los Angeles on 30 April"
    );
    dk.save_trunks(acct.as_str(), &rise(&t)).await.unwrap();
    dk.push_pending().await.unwrap();
    dk.approve_charges(acct.as_str(), desk_store::DocKind::Limits)
        .await
        .unwrap();
    dk.push_pending().await.unwrap();
    assert_eq!(
        recent(&sbx, &admin, "Sakura Travel K.K.", "prorations").await,
        [d("-1.83")]
    );
}

/// A known run of entries on a pinned clock: every balance and chart point is written out by
/// hand, and the CSV is a table a spreadsheet can sum.
#[tokio::test]
async fn usage_rows_balances_chart_and_csv_match_a_hand_kept_ledger() {
    // Noon in Chicago; the church's seeded balance is 3.20 and no usage is written after now.
    // Days pass below: sessions that outlive them.
    let Setup {
        sbx,
        dir: _dir,
        dk,
        admin,
        ..
    } = setup_on(sandbox_at(Seed::Demo, 100_000_000, "2026-11-09T18:00:00Z").await).await;
    let church = "Lakeside Community Church";
    let acct = id(church);
    sbx.advance(86_400).await;
    adjust(&sbx, &admin, church, "credit", "100", "Cheque received").await;
    sbx.advance(86_400).await;
    adjust(
        &sbx,
        &admin,
        church,
        "debit",
        "30",
        "=HYPERLINK(\"http://x\")",
    )
    .await;
    sbx.advance(2 * 86_400).await;
    adjust(&sbx, &admin, church, "debit", "20.55", "Late fee").await;

    let day = |n: u32| NaiveDate::from_ymd_opt(2026, 11, n).unwrap();
    let u = dk
        .usage(acct.as_str(), day(10), day(13), true)
        .await
        .unwrap();
    assert_eq!(u.zone, "America/Chicago");
    assert_eq!(u.balance, d("52.65"));
    let rows: Vec<(&str, Decimal, Decimal)> = u
        .rows
        .iter()
        .map(|r| (r.description.as_str(), r.amount, r.balance))
        .collect();
    assert_eq!(
        rows,
        [
            ("Late fee", d("-20.55"), d("52.65")),
            ("=HYPERLINK(\"http://x\")", d("-30"), d("73.20")),
            ("Cheque received", d("100"), d("103.20")),
        ]
    );
    let chart: Vec<(NaiveDate, Decimal)> = u.chart.iter().map(|p| (p.date, p.balance)).collect();
    assert_eq!(
        chart,
        [
            (day(10), d("103.20")),
            (day(11), d("73.20")),
            (day(12), d("73.20")),
            (day(13), d("52.65")),
        ]
    );
    let sources: Vec<(&str, Decimal)> = u
        .sources
        .iter()
        .map(|s| (s.source.as_str(), s.amount))
        .collect();
    assert_eq!(sources, [("adjustments", d("49.45"))]);

    // The CSV: one header, then numbers a spreadsheet sums (never text like '-20.55), and text
    // that could run as a formula defused.
    let csv = desk_engine::usage_csv(&u);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "Date (America/Chicago)",
            "Source",
            "Description",
            "Minutes",
            "Amount",
            "Balance"
        ]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 3);
    let number = |r: &csv::StringRecord, i: usize| -> Decimal {
        r[i].parse()
            .unwrap_or_else(|_| panic!("column {i} is not a number: {:?}", &r[i]))
    };
    let amounts: Decimal = records.iter().map(|r| number(r, 4)).sum();
    assert_eq!(amounts, d("49.45"), "the amounts sum to the source total");
    let balances: Vec<Decimal> = records.iter().map(|r| number(r, 5)).collect();
    assert_eq!(balances, [d("52.65"), d("73.20"), d("103.20")]);
    assert_eq!(&records[0][0], "2026-11-13 12:00 CST");
    assert_eq!(&records[1][2], "'=HYPERLINK(\"http://x\")");

    let bad = dk
        .usage(acct.as_str(), day(13), day(10), false)
        .await
        .unwrap_err()
        .view();
    assert_eq!(bad.field.as_deref(), Some("usage.range"));
}

#[tokio::test]
async fn a_low_balance_alerts_once_per_crossing_and_remembers_it_across_restarts() {
    let Setup {
        sbx,
        dir,
        secrets,
        dk,
        admin,
    } = setup().await;
    let church = id("Lakeside Community Church");
    assert_eq!(
        dk.watched().unwrap(),
        [id(DEMO_ACCOUNT_NAME).to_string()],
        "the top-level account by default"
    );
    dk.set_watched(church.as_str(), true).await.unwrap();
    let first = dk.poll_balances().await.unwrap();
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(
        (first[0].name.as_str(), first[0].balance),
        ("Lakeside Community Church", d("3.20"))
    );
    assert!(first[0].body().contains("3.20") && first[0].body().contains("5.00"));
    assert!(
        dk.poll_balances().await.unwrap().is_empty(),
        "still below: no repeat"
    );
    // The platform keeps its own low-balance flag on the account, as Kazoo's crawler does.
    let flagged = admin.get_account(&church).await.unwrap().value.to_value();
    assert_eq!(
        flagged["notifications"]["low_balance"]["sent_low_balance"],
        true
    );

    // A restart while the balance is still below: the new desk remembers it already said so.
    let restart = |dk: Desk| {
        drop(dk);
        sbx.desk(dir.path(), secrets.clone())
    };
    let dk = restart(dk);
    dk.sign_in(login(DEMO_ACCOUNT_NAME), false).await.unwrap();
    dk.sync_tree().await.unwrap();
    assert!(
        dk.poll_balances().await.unwrap().is_empty(),
        "no second alert for the same crossing after a restart"
    );

    // It recovers (re-armed, silently), the app restarts, and it falls again: one new alert.
    adjust(
        &sbx,
        &admin,
        "Lakeside Community Church",
        "credit",
        "10",
        "test",
    )
    .await;
    assert!(
        dk.poll_balances().await.unwrap().is_empty(),
        "recovered: re-armed, nothing to say"
    );
    let dk = restart(dk);
    dk.sign_in(login(DEMO_ACCOUNT_NAME), false).await.unwrap();
    dk.sync_tree().await.unwrap();
    adjust(
        &sbx,
        &admin,
        "Lakeside Community Church",
        "debit",
        "9",
        "test",
    )
    .await;
    let again = dk.poll_balances().await.unwrap();
    assert_eq!(again.len(), 1, "a new crossing after recovery");
    assert_eq!(again[0].balance, d("4.20"));
    assert!(dk.poll_balances().await.unwrap().is_empty());
    let tray = dk.watched_balances().unwrap();
    assert!(tray
        .iter()
        .any(|w| w.account_id == church.as_str() && w.below && w.balance == Some(d("4.20"))));
}

/// A plan assigned mid-month: a 402 first, then the rest of the month. On 18 November in Los
/// Angeles, 13 of 30 days of 215.00 (149.00 + 3 × 9.50 + 3 × 12.50) is 93.1666… → 93.17.
#[tokio::test]
async fn a_plan_added_mid_month_is_charged_for_the_rest_of_it() {
    let sbx = sandbox(Seed::Demo, 600).await;
    let admin = someone_else(&sbx.running.base_url).await;
    let acct = id("Bayside Realty");
    let url = format!("{}/v2/accounts/{acct}/services", sbx.running.base_url);
    let post = |accept: bool| {
        let mut body = json!({"data": {"add": ["reseller-wholesale"]}});
        if accept {
            body["accept_charges"] = true.into();
        }
        raw(reqwest::Method::POST, url.clone(), Some(&admin), body)
    };
    let dry = post(false).await;
    assert_eq!(dry.status(), 402);
    let quoted: serde_json::Value = dry.json().await.unwrap();
    assert_eq!(quoted["message"], "accept charges");
    // `summary.today` is the activation charges (`kz_services_invoice:summary/3`), none on
    // this plan: the proration is not in Kazoo's quote.
    assert_eq!(
        crossbar::decimal(&quoted["data"][0]["summary"]["today"]),
        Some(d("0"))
    );
    assert_eq!(post(true).await.status(), 200);
    let summary = admin.service_summary(&acct).await.unwrap();
    assert_eq!(summary.plan_id.as_deref(), Some("reseller-wholesale"));
    assert_eq!(summary.recurring, d("215.00"));
    assert_eq!(
        recent(&sbx, &admin, "Bayside Realty", "prorations").await,
        [d("-93.17")]
    );
}

/// The demo, opened on the days a calendar goes wrong: the card warning is there, and so is
/// this month's charge for accounts on both sides of the date line.
#[tokio::test]
async fn on_any_date_the_demo_warns_of_the_card_and_lists_this_months_charge() {
    const DATES: &[&str] = &[
        "2026-12-31T10:30:00Z", // Kiritimati just into 1 January, the 31st elsewhere
        "2027-01-01T11:30:00Z", // Pago Pago just into the 1st
        "2027-01-15T12:00:00Z",
        "2027-04-30T23:00:00Z", // the last day of April in the Americas
        "2028-02-29T12:00:00Z",
        "2027-03-14T10:30:00Z", // US DST change
        "2026-10-25T01:30:00Z", // EU DST change
    ];
    const ACCOUNTS: &[&str] = &[
        DEMO_ACCOUNT_NAME,
        "Line Islands Research Station",
        "Tonga Pacific Fisheries",
        "Kiwi Outdoor Gear",
        "Sakura Travel K.K.",
        "Maison Laurent Avocats",
        "Bayside Realty",
        "Pago Pago Harbor Clinic",
    ];
    for at in DATES {
        let Setup {
            sbx, dir: _dir, dk, ..
        } = setup_on(sandbox_at(Seed::Demo, 600, at).await).await;
        let reseller = id(DEMO_ACCOUNT_NAME);
        let card = dk
            .payment_details(reseller.as_str())
            .await
            .unwrap()
            .card
            .expect("a card on file");
        assert!(
            card.warning
                .as_deref()
                .is_some_and(|w| w.contains("expires at the end of")),
            "{at}: {card:?}"
        );
        for name in ACCOUNTS {
            let acct = id(name);
            let zone: chrono_tz::Tz = dk
                .account(acct.as_str())
                .await
                .unwrap()
                .timezone
                .effective
                .expect("each of these accounts has a zone")
                .parse()
                .unwrap();
            let today = sbx.now().with_timezone(&zone).date_naive();
            let first = chrono::Datelike::with_day(&today, 1).unwrap();
            let u = dk.usage(acct.as_str(), first, today, true).await.unwrap();
            let wanted = format!("Monthly charges, {}", first.format("%B %Y"));
            assert!(
                u.rows.iter().any(|r| r.description == wanted),
                "{at}: {name} ({zone}, {today}) shows no “{wanted}”"
            );
        }
    }
}

#[tokio::test]
async fn alerts_auto_recharge_and_subscription_round_trip_leaving_other_keys() {
    // The sandbox and the cache folder must outlive the test body: bind them.
    let Setup {
        sbx: _sbx,
        dir: _dir,
        dk,
        admin,
        ..
    } = setup().await;
    let acct = id("Harbor Logistics GmbH");
    // Another tool set the subscription and keeps its own keys under topup.
    admin
        .patch_account(
            &acct,
            json!({"topup": {"monthly": {"preemptive": true}, "vendor_note": "keep me"}}),
        )
        .await
        .unwrap();
    dk.account(acct.as_str()).await.unwrap();
    let start = dk.billing_settings(acct.as_str()).unwrap().form;
    assert_eq!(start.subscription, "credit");
    assert!(
        start.alerts_enabled && start.alerts_threshold == "5.00",
        "default on at 5.00: {start:?}"
    );
    assert!(!start.recharge_enabled);

    let form = BillingSettingsForm {
        alerts_threshold: "12.50".into(),
        recharge_enabled: true,
        recharge_threshold: "10".into(),
        recharge_amount: "50.00".into(),
        ..start.clone()
    };
    let saved = dk
        .save_billing_settings(acct.as_str(), &form)
        .await
        .unwrap();
    assert!(
        saved.pending.contains(&"topup.amount".to_owned()),
        "{saved:?}"
    );
    dk.push_pending().await.unwrap();
    let doc = admin.get_account(&acct).await.unwrap().value.to_value();
    assert_eq!(
        doc["notifications"]["low_balance"],
        json!({"enabled": true, "threshold": 12.5})
    );
    assert_eq!(doc["topup"]["threshold"], json!(10.0));
    assert_eq!(doc["topup"]["amount"], json!(50.0));
    assert_eq!(
        doc["topup"]["monthly"],
        json!({"preemptive": true}),
        "auto recharge leaves the subscription alone"
    );
    assert_eq!(doc["topup"]["vendor_note"], "keep me");
    assert_eq!(doc["contact"]["technical"]["name"], "Katrin Vogel");

    // Both amounts must be above zero; the error names the field and nothing is staged.
    let bad = BillingSettingsForm {
        recharge_amount: "0".into(),
        ..form.clone()
    };
    let e = dk
        .save_billing_settings(acct.as_str(), &bad)
        .await
        .unwrap_err()
        .view();
    assert_eq!(e.field.as_deref(), Some("topup.amount"));
    assert_eq!(dk.status().pending, 0);

    // Off removes both keys; card subscription sets exact and clears preemptive.
    let off = BillingSettingsForm {
        recharge_enabled: false,
        subscription: "card".into(),
        ..form
    };
    dk.save_billing_settings(acct.as_str(), &off).await.unwrap();
    dk.push_pending().await.unwrap();
    let doc = admin.get_account(&acct).await.unwrap().value.to_value();
    assert!(
        doc["topup"].get("threshold").is_none() && doc["topup"].get("amount").is_none(),
        "{doc}"
    );
    assert_eq!(
        doc["topup"]["monthly"],
        json!({"preemptive": false, "exact": true})
    );
    assert_eq!(doc["topup"]["vendor_note"], "keep me");
    dk.account(acct.as_str()).await.unwrap();
    let back = dk.billing_settings(acct.as_str()).unwrap().form;
    assert_eq!(
        (
            back.subscription.as_str(),
            back.recharge_enabled,
            back.alerts_threshold.as_str()
        ),
        ("card", false, "12.50")
    );

    // The single-name billing contact is read, and saving splits it.
    let legacy = id("Legacy Imports Ltd");
    dk.account(legacy.as_str()).await.unwrap();
    let p = dk.payment_details(legacy.as_str()).await.unwrap();
    assert!(p.contact_single_name);
    assert_eq!(
        (p.contact.first_name.as_str(), p.contact.last_name.as_str()),
        ("Accounts", "Payable")
    );
    let mut contact = p.contact.clone();
    contact.email = "not an email".into();
    let e = dk
        .save_billing_contact(legacy.as_str(), &contact)
        .await
        .unwrap_err()
        .view();
    assert_eq!(e.field.as_deref(), Some("contact.billing.email"));
    contact.email = "ap@legacy-imports.example".into();
    contact.country = "gb".into();
    dk.save_billing_contact(legacy.as_str(), &contact)
        .await
        .unwrap();
    dk.push_pending().await.unwrap();
    let doc = admin.get_account(&legacy).await.unwrap().value.to_value();
    assert_eq!(
        doc["contact"]["billing"],
        json!({"email": "ap@legacy-imports.example", "first_name": "Accounts", "last_name": "Payable", "country": "GB"})
    );
    assert_eq!(doc["legacy_crm_id"], "CRM-00917");
}

/// The sandbox's clock: the 1st brings the monthly charge; an automatic top-up happens at most
/// once per rolling 24 hours.
#[tokio::test]
async fn the_sandbox_bills_monthly_and_tops_up_at_most_once_a_day() {
    let sbx = sandbox(Seed::Demo, 100_000_000).await;
    let admin = someone_else(&sbx.running.base_url).await;
    let reseller = id(DEMO_ACCOUNT_NAME);
    let clock_url = format!("{}/sandbox/clock", sbx.running.base_url);
    let clock = |body: serde_json::Value| {
        let url = clock_url.clone();
        async move {
            let res = raw(reqwest::Method::PUT, url, None, json!({"data": body})).await;
            assert!(res.status().is_success());
        }
    };
    let summary = admin.service_summary(&reseller).await.unwrap();
    // Kazoo's cycle turns at 00:00 UTC (`kz_services:summary_billing_cycle/1`); the sandbox
    // posts the month's charge when the 1st begins on the reseller's calendar (Chicago).
    let cycle = summary.next_billing.unwrap();
    assert_eq!(cycle.time(), chrono::NaiveTime::MIN, "midnight UTC");
    let next = chrono_tz::America::Chicago
        .from_local_datetime(&cycle.date_naive().and_time(chrono::NaiveTime::MIN))
        .unwrap()
        .with_timezone(&chrono::Utc);
    let before = admin.balance(&reseller).await.unwrap();
    clock(json!({"unix": next.timestamp() + 60})).await;
    let after = admin.balance(&reseller).await.unwrap();
    assert_eq!(
        after,
        before - summary.recurring,
        "the monthly total, on the 1st"
    );
    let recurring = admin
        .complete_ledger(
            &reseller,
            "recurring",
            next - Days::hours(1),
            next + Days::hours(1),
        )
        .await
        .unwrap();
    assert_eq!(recurring.len(), 1);

    // Auto recharge far above the balance: one top-up now, none an hour later, one a day later.
    admin
        .patch_account(
            &reseller,
            json!({"topup": {"threshold": 100000, "amount": 100}}),
        )
        .await
        .unwrap();
    let count = || async {
        let now = next + Days::days(3);
        admin
            .transactions(&reseller, next - Days::days(1), now)
            .await
            .unwrap()
            .iter()
            .filter(|t| t.description == "Automatic top-up")
            .count()
    };
    clock(json!({"advance_seconds": 60})).await;
    assert_eq!(count().await, 1);
    clock(json!({"advance_seconds": 3600})).await;
    assert_eq!(count().await, 1, "not twice within 24 hours");
    clock(json!({"advance_seconds": 86_400})).await;
    assert_eq!(count().await, 2);
    let back = json!({"data": {"advance_seconds": -10}});
    let refused = raw(reqwest::Method::PUT, clock_url, None, back).await;
    assert_eq!(refused.status(), 400, "time does not go back");
}

/// The intervals chosen in Settings drive the background loops: the balance watcher polls at
/// its interval (and at once when started), the sync loop pulls the tree at its own, and a new
/// choice takes effect without a restart.
#[tokio::test]
async fn the_background_loops_follow_the_intervals_chosen_in_settings() {
    // The sandbox and the cache folder must outlive the test body: bind them.
    let Proxied {
        sbx: _sbx,
        proxy,
        dk,
        _dir,
        ..
    } = proxied().await;
    let hour = std::time::Duration::from_secs(3600);
    let quick = std::time::Duration::from_millis(150);
    let (balances_every, balances_rx) = tokio::sync::watch::channel(hour);
    let (sync_every, sync_rx) = tokio::sync::watch::channel(hour);
    let watcher = tokio::spawn(dk.clone().watch_balances(balances_rx, |_| {}));
    let syncer = tokio::spawn(dk.clone().run(sync_rx));
    let polls = || proxy.count("GET", "/ledgers/total");
    let pulls = || proxy.count("GET", "/descendants");
    eventually("the watcher reads the balance at once", || async {
        polls() == 1
    })
    .await;
    let tree = pulls();
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(
        (polls(), pulls()),
        (1, tree),
        "an hour apart: nothing more yet"
    );

    balances_every.send(quick).unwrap();
    eventually("balances polled at the new interval", || async {
        polls() >= 4
    })
    .await;
    assert_eq!(pulls(), tree, "the sync interval is its own");
    sync_every.send(quick).unwrap();
    eventually("the tree pulled at the new interval", || async {
        pulls() >= tree + 3
    })
    .await;
    // Back to an hour: both go quiet.
    balances_every.send(hour).unwrap();
    sync_every.send(hour).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (p, t) = (polls(), pulls());
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!((polls(), pulls()), (p, t));
    watcher.abort();
    syncer.abort();
}
