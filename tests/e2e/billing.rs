//! Money in the real window: the card on file and adding one, Usage Charges with a double-clicked
//! "Add credit" that charges once, the trunk charge preview, and the low-balance notification on
//! the session bus (a real notification daemon, watched with dbus-monitor).

use crate::app::App;
use crate::backend::{eventually, id, Backend};
use chrono::{Duration as Days, TimeZone};
use crossbar_sandbox::DEMO_ACCOUNT_NAME;
use desk_testkit::Proxy;
use rust_decimal::Decimal;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

async fn payments_of(backend: &Backend, name: &str, amount: &str) -> usize {
    let now = backend.now();
    let want: Decimal = amount.parse().unwrap();
    backend
        .admin
        .complete_ledger(
            &id(name),
            "payments",
            now - Days::hours(1),
            now + Days::hours(1),
        )
        .await
        .unwrap()
        .iter()
        .filter(|r| r.amount == want)
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn card_credit_and_charge_preview_in_the_window() {
    let backend = Backend::start(3600).await;
    // Through a proxy that counts what really crosses the network.
    let proxy = Proxy::start(backend.running.addr).await;
    let app = App::reseller_through(&backend, &proxy).await;

    // Payment Details: the card on file, with the warning that it expires soon.
    app.click("#tab-payment").await;
    app.wait_for("#card-on-file", |t| t.contains("Visa ending in 1111"))
        .await;
    app.wait_for("#card-warning", |t| t.contains("expires at the end of"))
        .await;

    // A mistyped number is flagged at the field, and nothing is sent.
    app.click("#card-add").await;
    app.type_into("#f-card-number", "4111 1111 1111 1112").await;
    app.wait_text("#card-brand", "Visa").await;
    app.type_into("#f-card-expiry", "12/31").await;
    app.type_into("#f-card-cvv", "123").await;
    app.click("#card-confirm").await;
    app.wait_for("#err-card-number", |t| !t.is_empty()).await;
    app.replace_text("#f-card-number", "5555 5555 5555 4444")
        .await;
    app.wait_text("#card-brand", "Mastercard").await;
    app.click("#card-confirm").await;
    app.wait_for("#card-on-file", |t| t.contains("ending in 4444"))
        .await;
    app.screenshot("payment-details").await;
    let token = backend
        .admin
        .cards(&id(DEMO_ACCOUNT_NAME))
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.last_four == "4444")
        .expect("vaulted")
        .token;

    // Usage Charges: balance, the failed transaction's reason, and a double-clicked credit.
    app.click("#tab-usage").await;
    app.wait_for("#balance", |t| t.contains("248.75")).await;
    app.wait_for("#transactions", |t| t.contains("Insufficient Funds"))
        .await;
    app.visible("#balance-chart").await;
    app.screenshot("usage-charges").await;
    app.click("#credit-add").await;
    app.type_into("#f-credit-amount", "25").await;
    app.double_click("#credit-confirm").await;
    app.wait_for("#credit-result", |t| t.contains("was added"))
        .await;
    assert_eq!(
        proxy.count("POST", "/services/topup"),
        1,
        "a double click sends one top-up"
    );
    assert_eq!(payments_of(&backend, DEMO_ACCOUNT_NAME, "25").await, 1);
    assert_eq!(
        backend.admin.balance(&id(DEMO_ACCOUNT_NAME)).await.unwrap(),
        "1273.75".parse::<Decimal>().unwrap()
    );
    app.click("#credit-confirm").await; // "Done"
    app.wait_for("#balance", |t| t.contains("273.75")).await;

    // Auto recharge: a zero amount is flagged at its field, then a valid one is saved and sent
    // without touching the subscription.
    app.click("#f-recharge-enabled").await;
    app.replace_text("#f-topup-threshold", "20").await;
    app.replace_text("#f-topup-amount", "0").await;
    app.click("#billing-save").await;
    app.wait_for("#err-topup-amount", |t| t.contains("more than 0.00"))
        .await;
    app.replace_text("#f-topup-amount", "100").await;
    app.click("#billing-save").await;
    eventually("auto recharge on the server", || async {
        let doc = backend.account(DEMO_ACCOUNT_NAME).await;
        let topup = doc.as_map().get("topup").cloned().unwrap_or_default();
        topup["threshold"] == 20.0 && topup["amount"] == 100.0 && topup.get("monthly").is_none()
    })
    .await;

    // Service Plan: items, monthly total, the proration rule with today's numbers.
    app.click("#tab-plan").await;
    app.wait_for("#plan-total", |t| t.contains("689.00")).await;
    app.wait_for("#plan-explanation", |t| {
        t.contains("rounded half away from zero")
    })
    .await;
    app.screenshot("service-plan").await;

    // Trunks: raising them previews the prorated charge before anything is saved.
    app.open_in_tree("Bayside Realty").await;
    app.wait_text("#account-name", "Bayside Realty").await;
    // A sub-account is billed through the reseller: no card form.
    app.click("#tab-payment").await;
    app.wait_for("#billed-through", |t| {
        t.contains("Billed through Demo Reseller")
    })
    .await;
    assert!(!app.shown("#card-add").await);
    app.click("#tab-trunks").await;
    app.replace_text("#f-inbound-trunks", "4").await;
    let preview = app
        .wait_for("#charge-preview", |t| t.contains("today (prorated,"))
        .await;
    assert!(preview.contains("14.99 monthly from"), "{preview}");
    assert_eq!(
        backend.trunks("Bayside Realty").await.inbound,
        3,
        "nothing sent before saving"
    );

    let kept = app.quit().await;
    let found = desk_testkit::find_secrets(
        &crate::app::files_written(kept.path()),
        &[
            ("card number as typed", "5555 5555 5555 4444"),
            ("card number", "5555555555554444"),
            ("mistyped number as typed", "4111 1111 1111 1112"),
            ("mistyped number", "4111111111111112"),
            ("payment token", token.as_str()),
        ],
    );
    assert!(found.is_empty(), "card data on disk: {found:#?}");
}

/// `dbus-monitor` on the test session bus, written to a file we can read while it runs.
struct Monitor {
    child: Child,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Monitor {
    fn start() -> Monitor {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("bus.log");
        let child = Command::new("dbus-monitor")
            .args([
                "--session",
                "interface='org.freedesktop.Notifications',member='Notify'",
            ])
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-monitor (package dbus) must be installed");
        Monitor {
            child,
            log,
            _dir: dir,
        }
    }

    fn count(&self, text: &str) -> usize {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .matches(text)
            .count()
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_low_balance_notification_once_per_crossing_opens_usage_charges() {
    // A real notification server on the session bus, as a desktop has.
    let _daemon = Daemon(
        Command::new("dunst")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dunst must be installed"),
    );
    let monitor = Monitor::start();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let backend = Backend::start(3600).await;
    let app = App::launch_for(&backend, &[]).await;
    app.signed_in_as(DEMO_ACCOUNT_NAME, "admin", "demo", false)
        .await;
    app.open_in_tree("Lakeside Community Church").await;
    app.wait_text("#account-name", "Lakeside Community Church")
        .await;
    app.click("#tab-usage").await;
    app.wait_for("#balance", |t| t.contains("3.20")).await;
    app.visible("#balance-low").await;

    let title = "Low balance: Lakeside Community Church";
    app.click("#watch-balance").await; // watching polls at once
    eventually("the notification went out", || async {
        monitor.count(title) == 1
    })
    .await;
    // Polled again (unwatch, watch): still below, so nothing new.
    app.click("#watch-balance").await;
    app.click("#watch-balance").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(monitor.count(title), 1, "no repeat while still below");

    // It recovers (re-armed, silent), then falls again: one more.
    let church = "Lakeside Community Church";
    backend.adjust(church, "credit", 10.0, "e2e").await;
    app.click("#watch-balance").await;
    app.click("#watch-balance").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(monitor.count(title), 1, "a recovery says nothing");
    backend.adjust(church, "debit", 9.0, "e2e").await;
    app.click("#watch-balance").await;
    app.click("#watch-balance").await;
    eventually("a second crossing", || async { monitor.count(title) == 2 }).await;
    let log = std::fs::read_to_string(&monitor.log).unwrap();
    assert!(log.contains("4.20") && log.contains("5.00"), "{log}");

    // Choosing the notification opens that account's Usage Charges, from wherever the user is.
    app.open_in_tree("Bayside Realty").await;
    app.wait_text("#account-name", "Bayside Realty").await;
    app.click("#tab-info").await;
    let invoked = Command::new("dunstctl")
        .args(["action", "0"])
        .status()
        .expect("dunstctl comes with dunst");
    assert!(invoked.success(), "dunst could not invoke the notification");
    app.wait_tab("usage").await;
    app.wait_text("#account-name", "Lakeside Community Church")
        .await;
    app.wait_for("#balance", |t| t.contains("4.20")).await;
    app.close().await;
}

/// Usage Charges for three months: Kazoo answers at most 31 days a request and 50 rows a page,
/// so the app asks in windows and follows the pages; the window shows every row of the range.
#[tokio::test(flavor = "multi_thread")]
async fn usage_charges_for_the_demo_reseller_over_three_months() {
    let backend = Backend::start(3600).await;
    let app = App::launch_for(&backend, &[]).await;
    app.signed_in_as(DEMO_ACCOUNT_NAME, "admin", "demo", false)
        .await;
    app.click("#tab-usage").await;
    app.wait_for("#balance", |t| t.contains("248.75")).await;
    // Dates are in the zone the screen says (Settings decides: the account's or this computer's).
    let said = app
        .client
        .execute(
            "return [...document.querySelectorAll('.panel-bar .muted')].map(e => e.innerText).find(t => t.startsWith('Dates and times in'))",
            vec![],
        )
        .await
        .unwrap();
    let zone: chrono_tz::Tz = said.as_str().unwrap()["Dates and times in ".len()..]
        .trim_end_matches(" (this computer)")
        .parse()
        .unwrap_or_else(|_| panic!("{said}"));
    let today = backend.now().with_timezone(&zone).date_naive();
    let from = today - Days::days(89);
    app.select("#usage-from", &from.to_string()).await;
    app.click("#usage-apply").await;
    let oldest_month = from.format("%B %Y").to_string();
    let count_rows = "return document.querySelectorAll('#usage-rows tbody tr').length";
    let mut shown = 0;
    for _ in 0..200 {
        shown = app
            .client
            .execute(count_rows, vec![])
            .await
            .unwrap()
            .as_u64()
            .unwrap_or(0);
        if shown > 150 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Every row the platform holds for the range, counted source by source.
    let start = zone
        .from_local_datetime(&from.and_time(chrono::NaiveTime::MIN))
        .unwrap()
        .with_timezone(&chrono::Utc);
    let mut expected = 0;
    for source in [
        "per-minute-voip",
        "recurring",
        "payments",
        "adjustments",
        "prorations",
    ] {
        expected += backend
            .admin
            .complete_ledger(&id(DEMO_ACCOUNT_NAME), source, start, backend.now())
            .await
            .unwrap()
            .len();
    }
    assert!(expected > 150, "{expected} rows in three months");
    assert_eq!(
        shown as usize, expected,
        "every row of the three months is listed"
    );
    let table = app.text("#usage-rows").await;
    let next_month = |d: chrono::NaiveDate| (d + Days::days(32)).format("%B %Y").to_string();
    for month in [next_month(from), today.format("%B %Y").to_string()] {
        assert!(
            table.contains(&format!("Monthly charges, {month}")),
            "{month}"
        );
    }
    let oldest = app
        .client
        .execute(
            "return document.querySelector('#usage-rows tbody tr:last-child td').innerText",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        oldest
            .as_str()
            .unwrap()
            .starts_with(&from.format("%Y-%m").to_string()),
        "the oldest row is from {oldest_month}: {oldest}"
    );
    app.screenshot("usage-three-months").await;
    app.quit().await;
}
