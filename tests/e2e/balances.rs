//! The Balances screen over 10,000 sub-accounts in the real window: every balance read in the
//! background, closest to running out first, searched, and one click to Usage Charges.

use crate::app::App;
use crate::backend::Backend;
use crossbar_sandbox::Seed;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn ten_thousand_balances_are_read_sorted_searched_and_opened() {
    let backend = Backend::start_seeded(Seed::Scale(10_000)).await;
    let app = App::reseller_at_scale(&backend, 10_000).await;
    app.click("#open-balances").await;
    app.wait_for("#balances-summary", |t| {
        t.starts_with("10000 accounts") && t.contains("10000 not read yet")
    })
    .await;

    app.click("#balances-refresh").await;
    // The counter moves while the balances are read; the screen stays usable meanwhile.
    app.wait_for("#balances-progress", |t| t.starts_with("Reading balances…"))
        .await;
    app.wait_up_to(Duration::from_secs(240), "#balances-summary", |t| {
        t.starts_with("10000 accounts") && !t.contains("not read")
    })
    .await;
    // Closest to running out first: the one account with nothing credited, 5.00 below its
    // threshold, marked as below it.
    let first = "#balances-table tbody tr:first-child";
    app.wait_for(&format!("{first} td:nth-child(2)"), |t| t == "0.00")
        .await;
    assert!(app.text(first).await.contains("00001"));
    assert_eq!(
        app.attribute(first, "class").await.as_deref(),
        Some("balance-below")
    );
    app.screenshot("balances").await;

    app.type_into("#balances-search", "acct04217").await;
    app.wait_for("#balances-table tbody", |t| {
        t.contains("04217") && t.lines().filter(|l| l.contains("acct")).count() == 1
    })
    .await;
    app.click("#balances-table tbody tr:first-child .link-button")
        .await;
    app.wait_for("#account-name", |t| t.ends_with("04217"))
        .await;
    assert_eq!(
        app.attribute("#tab-usage", "aria-selected")
            .await
            .as_deref(),
        Some("true")
    );
    app.wait_for("#balance", |t| !t.is_empty()).await;
    app.close().await;
}
