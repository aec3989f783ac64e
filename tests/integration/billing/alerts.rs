//! Balance alerts across restarts, the billing settings, the sandbox's own billing clock and the
//! background loops' intervals.

use super::*;

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
    let dk = restarted(&sbx, &dir, &secrets, dk).await;
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
    let dk = restarted(&sbx, &dir, &secrets, dk).await;
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

/// The app restarted on the same folder and keyring, signed in again.
async fn restarted(
    sbx: &Sandbox,
    dir: &tempfile::TempDir,
    secrets: &Arc<MemoryStore>,
    dk: Desk,
) -> Desk {
    drop(dk);
    let dk = sbx.desk(dir.path(), secrets.clone());
    dk.sign_in(login(DEMO_ACCOUNT_NAME), false).await.unwrap();
    dk.sync_tree().await.unwrap();
    dk
}

/// What each poll announced: (threshold, the platform's?) per crossing.
async fn heard(dk: &Desk) -> Vec<(Decimal, bool)> {
    let crossings = dk.poll_balances().await.unwrap();
    crossings
        .iter()
        .map(|c| (c.threshold, c.platform))
        .collect()
}

#[tokio::test]
async fn three_desktop_tiers_notify_once_each_on_the_way_down_and_not_on_the_way_up() {
    let Setup {
        sbx,
        dir,
        secrets,
        dk,
        admin,
    } = setup().await;
    let name = "Lakeside Community Church"; // 3.20, the platform's threshold 5.00
    let church = id(name);
    dk.set_watched(church.as_str(), true).await.unwrap();
    adjust(&sbx, &admin, name, "credit", "21.80", "test").await;
    assert!(heard(&dk).await.is_empty(), "25.00: above every line");
    let tiers = ["20".to_owned(), "8".into(), "12.00".into()];
    let view = dk
        .save_alert_tiers(church.as_str(), true, &tiers)
        .await
        .unwrap();
    assert_eq!(view.thresholds, ["20.00", "12.00", "8.00"], "highest first");
    let bad = dk
        .save_alert_tiers(church.as_str(), true, &["12".into(), "12.00".into()])
        .await
        .unwrap_err();
    assert_eq!(bad.view().field.as_deref(), Some("alert_tiers"));

    let mut down = Vec::new();
    for debit in ["6", "1", "8", "4", "3"] {
        adjust(&sbx, &admin, name, "debit", debit, "test").await;
        down.push(heard(&dk).await);
    }
    // 19.00, 18.00, 10.00, 6.00, 3.00: each tier once, then the platform's threshold.
    assert_eq!(
        down,
        [
            vec![(d("20"), false)],
            vec![],
            vec![(d("12"), false)],
            vec![(d("8"), false)],
            vec![(d("5"), true)],
        ]
    );
    // A restart below every line: nothing is announced again.
    let dk = restarted(&sbx, &dir, &secrets, dk).await;
    assert!(heard(&dk).await.is_empty(), "remembered across the restart");
    let mut up = Vec::new();
    for credit in ["3", "5", "5", "12"] {
        adjust(&sbx, &admin, name, "credit", credit, "test").await;
        up.push(heard(&dk).await);
    }
    assert!(up.iter().all(Vec::is_empty), "not on the way up: {up:?}");
    // 28.00, every line re-armed: one fall through two tiers is one notification, at the lower.
    adjust(&sbx, &admin, name, "debit", "17", "test").await;
    let fall = dk.poll_balances().await.unwrap();
    assert_eq!(fall.len(), 1, "{fall:?}");
    assert_eq!((fall[0].threshold, fall[0].balance), (d("12"), d("11")));
    assert!(
        fall[0].body().contains("desktop alert tier of 12.00"),
        "{}",
        fall[0].body()
    );
    let tray = dk.watched_balances().unwrap();
    let row = tray
        .iter()
        .find(|w| w.account_id == church.as_str())
        .unwrap();
    assert_eq!(row.tiers, [d("20"), d("12"), d("8")]);

    // Tiers off: no notification from them, the platform's threshold still counts.
    dk.save_alert_tiers(church.as_str(), false, &tiers)
        .await
        .unwrap();
    adjust(&sbx, &admin, name, "debit", "4", "test").await;
    assert!(
        heard(&dk).await.is_empty(),
        "7.00: below 8, but the tiers are off"
    );
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
