//! Money through the engine against the sandbox: cards via the processor stand-in, credit that
//! is charged once even when the answer is lost, billing settings that leave every other key
//! alone, the trunk charge preview against what the sandbox charges, usage CSV, balance alerts,
//! and the sandbox's own billing clock (monthly charges, auto top-up once per 24 hours).

use crate::support::{desk, id, login, sandbox, someone_else, Sandbox};
use chrono::{Duration as Days, Utc};
use crossbar::Client;
use crossbar_sandbox::{Seed, DEMO_ACCOUNT_NAME};
use desk_engine::{BillingSettingsForm, CardEntry, Desk, IntentState, TrunksForm};
use desk_store::{MemoryStore, SecretStore};
use rust_decimal::Decimal;
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

async fn signed_in(url: &str, dir: &std::path::Path, secrets: Arc<dyn SecretStore>) -> Desk {
    let d = desk(url, dir, secrets);
    d.sign_in(login(DEMO_ACCOUNT_NAME), false).await.unwrap();
    d.sync_tree().await.unwrap();
    d
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
    let sbx = sandbox(Seed::Demo, 600).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let dk = signed_in(&sbx.running.base_url, dir.path(), secrets.clone()).await;
    let admin = someone_else(&sbx.running.base_url).await;
    Setup {
        sbx,
        dir,
        secrets,
        dk,
        admin,
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

fn entry(number: &str, expiry: &str) -> CardEntry {
    CardEntry {
        number: number.into(),
        expiry: expiry.into(),
        cvv: "123".into(),
        holder: "Marcus Reyes".into(),
    }
}

/// The amounts an account's `source` ledger got in the last day, as the server keeps them.
async fn recent(c: &Client, name: &str, source: &str) -> Vec<Decimal> {
    let now = Utc::now();
    c.ledger_entries(&id(name), source, now - Days::days(1), now + Days::days(1))
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.amount)
        .collect()
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

    // Neither the number nor the token is in the cache folder.
    drop(dk);
    for f in walk(dir.path()) {
        let bytes = std::fs::read(&f).unwrap();
        for secret in ["5555555555554444", "4000111111111115", token.expose()] {
            assert!(
                !contains(&bytes, secret.as_bytes()),
                "{secret} found in {}",
                f.display()
            );
        }
    }
}

pub fn walk(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(root).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// A TCP proxy in front of the sandbox that can lose the answer to a top-up on purpose (the
/// server has charged, the client never hears it) and then play dead.
struct LossyProxy {
    url: String,
    drop_topup_answer: Arc<AtomicBool>,
    down: Arc<AtomicBool>,
}

impl LossyProxy {
    async fn start(upstream: std::net::SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let drop_topup_answer = Arc::new(AtomicBool::new(false));
        let down = Arc::new(AtomicBool::new(false));
        let (drop_flag, down_flag) = (drop_topup_answer.clone(), down.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if down_flag.load(Ordering::SeqCst) {
                    drop(client); // refused, as if the network were gone
                    continue;
                }
                let (drop_flag, down_flag) = (drop_flag.clone(), down_flag.clone());
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    relay(client, server, drop_flag, down_flag).await;
                });
            }
        });
        Self {
            url,
            drop_topup_answer,
            down,
        }
    }
}

async fn relay(
    client: TcpStream,
    server: TcpStream,
    drop_flag: Arc<AtomicBool>,
    down: Arc<AtomicBool>,
) {
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let lose_next = Arc::new(AtomicBool::new(false));
    let lose = lose_next.clone();
    let down_up = down.clone();
    let up = tokio::spawn(async move {
        let mut buf = vec![0u8; 64 * 1024];
        while let Ok(n) = cr.read(&mut buf).await {
            if n == 0 {
                break;
            }
            let chunk = &buf[..n];
            if down_up.load(Ordering::SeqCst) {
                break; // a kept-alive connection dies with the network too
            }
            if contains(chunk, b"/services/topup") && drop_flag.swap(false, Ordering::SeqCst) {
                lose.store(true, Ordering::SeqCst);
            }
            if sw.write_all(chunk).await.is_err() {
                break;
            }
        }
    });
    let mut buf = vec![0u8; 64 * 1024];
    while let Ok(n) = sr.read(&mut buf).await {
        if n == 0 {
            break;
        }
        if lose_next.load(Ordering::SeqCst) {
            // The server answered; the client never hears it, and the network goes away.
            down.store(true, Ordering::SeqCst);
            break;
        }
        if cw.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    up.abort();
}

#[tokio::test]
async fn credit_is_charged_once_per_intent_even_when_the_answer_is_lost() {
    let sbx = sandbox(Seed::Demo, 600).await;
    let proxy = LossyProxy::start(sbx.running.addr).await;
    let dir = tempfile::tempdir().unwrap();
    let dk = Arc::new(signed_in(&proxy.url, dir.path(), Arc::new(MemoryStore::default())).await);
    let admin = someone_else(&sbx.running.base_url).await;
    let reseller = id(DEMO_ACCOUNT_NAME);
    let start = admin.balance(&reseller).await.unwrap();

    // A double click: two sends of one intent, at once. One charge.
    let intent = dk.new_credit_intent();
    let (a, b) = tokio::join!(
        dk.add_credit(reseller.as_str(), &intent, "25.00"),
        dk.add_credit(reseller.as_str(), &intent, "25")
    );
    assert_eq!(
        (a.unwrap().state, b.unwrap().state),
        (IntentState::Completed, IntentState::Completed)
    );
    assert_eq!(
        recent(&admin, DEMO_ACCOUNT_NAME, "payments")
            .await
            .iter()
            .filter(|p| **p == d("25"))
            .count(),
        1
    );

    // The answer to the next one is lost and the network drops: the server charged, the app
    // cannot tell, so it says so and sends nothing more.
    proxy.drop_topup_answer.store(true, Ordering::SeqCst);
    let lost = dk.new_credit_intent();
    let first = dk
        .add_credit(reseller.as_str(), &lost, "40.10")
        .await
        .unwrap();
    assert_eq!(first.state, IntentState::Unknown, "{first:?}");
    assert!(first.message.contains("will not be charged twice"));
    // The user tries again while still offline: it cannot be settled, so nothing is sent.
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

    // A new dialog meanwhile settles the earlier one first: offline, nothing is sent.
    let meanwhile = dk
        .add_credit(reseller.as_str(), &dk.new_credit_intent(), "40.10")
        .await
        .unwrap_err();
    assert_eq!(meanwhile.code(), "network");
    proxy.down.store(false, Ordering::SeqCst);
    // Online, a new dialog learns the earlier payment went through, and charges nothing more.
    let earlier = dk
        .add_credit(reseller.as_str(), &dk.new_credit_intent(), "40.10")
        .await
        .unwrap();
    assert_eq!(
        (earlier.state, earlier.intent.as_str()),
        (IntentState::Completed, lost.as_str())
    );
    assert!(
        earlier.message.contains("did go through"),
        "{}",
        earlier.message
    );

    // "Check again" on the first dialog finds the charge by its reference too.
    let settled = dk
        .add_credit(reseller.as_str(), &lost, "40.10")
        .await
        .unwrap();
    assert_eq!(settled.state, IntentState::Completed);
    let again = dk
        .add_credit(reseller.as_str(), &lost, "40.10")
        .await
        .unwrap();
    assert_eq!(again.state, IntentState::Completed);
    assert_eq!(
        recent(&admin, DEMO_ACCOUNT_NAME, "payments")
            .await
            .iter()
            .filter(|p| **p == d("40.10"))
            .count(),
        1
    );
    assert_eq!(
        admin.balance(&reseller).await.unwrap(),
        start + d("65.10"),
        "exact to the cent"
    );

    // A card that the issuer declines: the processor's reason, and no credit.
    dk.add_card(reseller.as_str(), entry("4000 0000 0000 0341", "12/31"))
        .await
        .unwrap();
    let declined = dk
        .add_credit(reseller.as_str(), &dk.new_credit_intent(), "10")
        .await
        .unwrap_err();
    assert!(
        declined.to_string().contains("Insufficient Funds (2001)"),
        "{declined}"
    );
    assert_eq!(admin.balance(&reseller).await.unwrap(), start + d("65.10"));
    let txs = admin
        .transactions(
            &reseller,
            Utc::now() - Days::hours(1),
            Utc::now() + Days::hours(1),
        )
        .await
        .unwrap();
    assert!(txs
        .iter()
        .any(|t| t.status == "failed" && t.reason.as_deref() == Some("Insufficient Funds (2001)")));

    // The network is down when the next one is sent: the app cannot know it never arrived.
    proxy.down.store(true, Ordering::SeqCst);
    let unsent = dk.new_credit_intent();
    let o = dk
        .add_credit(reseller.as_str(), &unsent, "7.77")
        .await
        .unwrap();
    assert_eq!(o.state, IntentState::Unknown);
    proxy.down.store(false, Ordering::SeqCst);
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
    let other = dk
        .add_credit(reseller.as_str(), &dk.new_credit_intent(), "7.77")
        .await
        .unwrap();
    assert_eq!(
        (other.state, other.intent.as_str()),
        (IntentState::Unknown, unsent.as_str())
    );
    assert_eq!(
        recent(&admin, DEMO_ACCOUNT_NAME, "payments")
            .await
            .iter()
            .filter(|p| **p == d("7.77"))
            .count(),
        0
    );

    // Bad amounts never leave the app (the comma is a thousands separator, never cents).
    for bad in ["0", "-5", "12.345", "abc", "10000.01", "25,00"] {
        let e = dk
            .add_credit(reseller.as_str(), &dk.new_credit_intent(), bad)
            .await
            .unwrap_err()
            .view();
        assert_eq!(e.field.as_deref(), Some("credit.amount"), "{bad}: {e:?}");
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

#[tokio::test]
async fn the_trunk_preview_is_to_the_cent_what_the_sandbox_then_charges() {
    // The sandbox and the cache folder must outlive the test body: bind them.
    let Setup {
        sbx: _sbx,
        dir: _dir,
        dk,
        admin,
        ..
    } = setup().await;
    for name in [
        "Bayside Realty",
        "Tonga Pacific Fisheries",
        "Pago Pago Harbor Clinic",
        "Line Islands Research Station",
    ] {
        let acct = id(name);
        dk.account(acct.as_str()).await.unwrap();
        let t = dk.trunks(acct.as_str()).await.unwrap();
        let form = TrunksForm {
            inbound: (t.inbound.value + 2).to_string(),
            outbound: t.outbound.value.to_string(),
            twoway: (t.twoway.value + 1).to_string(),
        };
        let preview = dk
            .preview_trunk_charges(acct.as_str(), &form)
            .await
            .unwrap()
            .expect("a rise costs");
        assert_eq!(
            preview.proration.monthly,
            d("14.99") * d("2") + d("24.99"),
            "{name}"
        );
        assert!(
            preview.sentence.contains("today (prorated,"),
            "{}",
            preview.sentence
        );
        let same = TrunksForm {
            inbound: t.inbound.value.to_string(),
            outbound: t.outbound.value.to_string(),
            twoway: t.twoway.value.to_string(),
        };
        assert!(dk
            .preview_trunk_charges(acct.as_str(), &same)
            .await
            .unwrap()
            .is_none());

        dk.save_trunks(acct.as_str(), &form).await.unwrap();
        dk.push_pending().await.unwrap();
        dk.approve_charges(acct.as_str(), desk_store::DocKind::Limits)
            .await
            .unwrap();
        dk.push_pending().await.unwrap();
        assert_eq!(
            recent(&admin, name, "prorations").await,
            [-preview.proration.today],
            "{name}: {}",
            preview.sentence
        );
    }
}

#[tokio::test]
async fn usage_lists_rows_with_running_balances_and_exports_them() {
    let Setup {
        sbx: _sbx,
        dir: _dir,
        dk,
        ..
    } = setup().await;
    let acct = id("Acme Dental Group");
    dk.account(acct.as_str()).await.unwrap();
    let today = Utc::now().date_naive();
    let from = today - Days::days(20);
    let u = dk.usage(acct.as_str(), from, today, false).await.unwrap();
    assert!(
        u.rows.len() >= 15,
        "daily usage for the range: {}",
        u.rows.len()
    );
    assert_eq!(u.chart.len(), 21);
    assert_eq!(u.chart.last().unwrap().balance, u.balance);
    // Each row's balance is the one after it; the older row's is that minus this amount.
    for w in u.rows.windows(2) {
        assert_eq!(w[1].balance, w[0].balance - w[0].amount);
    }
    let csv = desk_engine::usage_csv(&u);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), u.rows.len() + 1);
    assert_eq!(
        lines[0],
        format!(
            "Date ({}),Source,Description,Minutes,Amount,Balance",
            u.zone
        )
    );
    assert!(u.zone.ends_with("(this computer)"), "{}", u.zone);
    let first = &u.rows[0];
    assert!(
        lines[1].contains(&format!("{:.2}", first.amount)) && lines[1].contains(&first.description),
        "{}",
        lines[1]
    );
    let total: Decimal = u.sources.iter().map(|s| s.amount).sum();
    assert_eq!(total, u.rows.iter().map(|r| r.amount).sum::<Decimal>());
    let bad = dk
        .usage(acct.as_str(), today, from, false)
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

    let adjust = |amount: f64, way: &str| {
        let url = format!(
            "{}/v2/accounts/{church}/ledgers/{way}",
            sbx.running.base_url
        );
        let admin = &admin;
        async move {
            let body = json!({"data": {"amount": amount, "description": "test"}});
            let res = raw(reqwest::Method::PUT, url, Some(admin), body).await;
            assert!(res.status().is_success(), "{}", res.status());
        }
    };
    adjust(10.0, "credit").await;
    assert!(
        dk.poll_balances().await.unwrap().is_empty(),
        "recovered: re-armed, nothing to say"
    );
    // Remembered across a restart: a new desk on the same folder does not repeat or forget.
    drop(dk);
    let dk = desk(&sbx.running.base_url, dir.path(), secrets);
    dk.sign_in(login(DEMO_ACCOUNT_NAME), false).await.unwrap();
    dk.sync_tree().await.unwrap();
    adjust(9.0, "debit").await;
    let again = dk.poll_balances().await.unwrap();
    assert_eq!(again.len(), 1, "a new crossing after recovery");
    assert_eq!(again[0].balance, d("4.20"));
    assert!(dk.poll_balances().await.unwrap().is_empty());
    let tray = dk.watched_balances().unwrap();
    assert!(tray
        .iter()
        .any(|w| w.account_id == church.as_str() && w.below && w.balance == Some(d("4.20"))));
}

/// A plan assigned mid-month: a 402 first, then the rest of the month by the core's own rule.
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
    assert_eq!(post(true).await.status(), 200);
    let summary = admin.service_summary(&acct).await.unwrap();
    assert_eq!(summary.plan_id.as_deref(), Some("reseller-wholesale"));
    let today = desk_core::proration::local_date(chrono_tz::America::Los_Angeles, Utc::now());
    let expected = desk_core::proration::prorate(summary.recurring, today).today;
    assert_eq!(
        recent(&admin, "Bayside Realty", "prorations").await,
        [-expected]
    );
    assert_eq!(
        crossbar::decimal(&quoted["data"][0]["summary"]["today"]),
        Some(expected)
    );
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
    let next = summary.next_billing.unwrap();
    let before = admin.balance(&reseller).await.unwrap();
    clock(json!({"unix": next.timestamp() + 60})).await;
    let after = admin.balance(&reseller).await.unwrap();
    assert_eq!(
        after,
        before - summary.recurring,
        "the monthly total, on the 1st"
    );
    let recurring = admin
        .ledger_entries(
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
