//! The switcher at reseller scale, pinned and recent accounts, and the single-instance guard.

use crate::app::App;
use crate::backend::Backend;
use crossbar_sandbox::{Seed, DEMO_ACCOUNT_NAME};
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread")]
async fn ten_thousand_accounts_load_lazily_and_search_per_keystroke() {
    let backend = Backend::start_seeded(Seed::Scale(10_000)).await;
    let app = App::reseller_at_scale(&backend, 10_000).await;
    let rendered = app
        .client
        .execute(
            "return document.querySelectorAll('[role=treeitem]').length",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        rendered,
        json!(1001),
        "the root and its 1,000 children; grandchildren load on expand"
    );

    // Ctrl+K, type, Enter.
    let body = app
        .client
        .find(fantoccini::Locator::Css("body"))
        .await
        .unwrap();
    body.send_keys("\u{E009}k\u{E000}").await.unwrap();
    let focused = app
        .client
        .execute("return document.activeElement.id", vec![])
        .await
        .unwrap();
    assert_eq!(focused, json!("account-search"));
    app.type_into("#account-search", "acct04217").await;
    app.wait_for("#account-results", |t| t.contains("04217"))
        .await;
    app.type_into("#account-search", "\u{E007}").await;
    app.wait_for("#account-name", |t| t.ends_with("04217"))
        .await;

    // Pinned and recent.
    app.click("#pin-button").await;
    app.wait_for("#pinned-list", |t| t.ends_with("04217")).await;
    app.replace_text("#account-search", "acct00042").await;
    app.wait_for("#account-results", |t| t.contains("00042"))
        .await;
    app.type_into("#account-search", "\u{E007}").await;
    app.wait_for("#account-name", |t| t.ends_with("00042"))
        .await;
    app.wait_for("#recent-list", |t| {
        t.contains("04217") || t.contains(DEMO_ACCOUNT_NAME)
    })
    .await;
    app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_launch_hands_over_to_the_first() {
    let app = App::launch(&[]).await;
    app.wait_text("#account-name", DEMO_ACCOUNT_NAME).await;
    let started = Instant::now();
    let status = std::process::Command::new(crate::app::program())
        .arg("--data-dir")
        .arg(app.data_dir())
        .status()
        .unwrap();
    assert!(status.success(), "the second instance exits cleanly");
    assert!(started.elapsed() < Duration::from_secs(20));
    // The first one is still there and working.
    app.click("#tab-trunks").await;
    app.wait_for("#capacity-sentence", |t| t.contains("40 in total"))
        .await;
    app.close().await;
}
