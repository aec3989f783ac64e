//! The tray, clicked over D-Bus as a desktop panel does: watched balances (each opens its Usage
//! Charges), Sync now, closing the window to the tray, Open, and Quit.

use crate::app::App;
use crate::backend::{eventually, Backend};
use crate::desktop::{close_window, visible_windows, Tray};
use desk_testkit::Proxy;

#[tokio::test(flavor = "multi_thread")]
async fn the_tray_watches_balances_syncs_keeps_the_app_when_closed_and_quits() {
    let backend = Backend::start(3600).await;
    let proxy = Proxy::start(backend.running.addr).await;
    let app = App::reseller_through(&backend, &proxy).await;
    let pid = app.pid();
    let tray = Tray::of(pid).await;
    // The top-level account is watched from the start.
    tray.wait_for(|l| l == "Demo Reseller: 1,248.75").await;
    for item in ["Open Account Desk", "Sync now", "Quit Account Desk"] {
        assert!(
            tray.labels().iter().any(|l| l == item),
            "{item}: {:?}",
            tray.labels()
        );
    }

    // Watching the church from its Usage Charges puts its balance in the tray, marked low.
    app.open_in_tree("Lakeside Community Church").await;
    app.wait_text("#account-name", "Lakeside Community Church")
        .await;
    app.click("#tab-usage").await;
    app.wait_for("#balance", |t| t.contains("3.20")).await;
    app.click("#watch-balance").await;
    tray.wait_for(|l| l == "Lakeside Community Church: 3.20 — low")
        .await;

    // Sync now: the account tree and the watched balances are read again.
    let trees = proxy.count("GET", "/descendants");
    let balances = proxy.count("GET", "/ledgers/total");
    tray.click("Sync now");
    eventually("the tray's Sync now reached the server", || async {
        proxy.count("GET", "/descendants") > trees
            && proxy.count("GET", "/ledgers/total") > balances
    })
    .await;

    // A watched balance opens its account's Usage Charges, from wherever the user is.
    app.open_in_tree("Bayside Realty").await;
    app.wait_text("#account-name", "Bayside Realty").await;
    app.click("#tab-info").await;
    tray.click("Lakeside Community Church:");
    app.wait_text("#account-name", "Lakeside Community Church")
        .await;
    app.wait_tab("usage").await;

    // Closing the window keeps Account Desk running in the tray, still watching balances.
    close_window(pid);
    eventually("the window is hidden", || async {
        visible_windows(pid).is_empty()
    })
    .await;
    assert!(app.running(), "closing the window does not quit");
    backend
        .adjust("Lakeside Community Church", "debit", 1.0, "e2e")
        .await;
    tray.click("Sync now");
    tray.wait_for(|l| l == "Lakeside Community Church: 2.20 — low")
        .await;

    // Open brings the window back as it was.
    tray.click("Open Account Desk");
    eventually("the window is shown again", || async {
        !visible_windows(pid).is_empty()
    })
    .await;
    app.wait_text("#account-name", "Lakeside Community Church")
        .await;

    // Quit ends the app, cleanly.
    tray.click("Quit Account Desk");
    app.exited().await;
}
