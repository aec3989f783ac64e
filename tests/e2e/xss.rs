//! Data from a backend is text, never markup.

use crate::app::App;
use crate::backend::{id, Backend};
use crossbar_sandbox::DEMO_ACCOUNT_NAME;
use serde_json::json;

const HOSTILE: &str = "<img src=x onerror=alert(1)>";

#[tokio::test(flavor = "multi_thread")]
async fn a_hostile_account_name_is_shown_as_plain_text() {
    let backend = Backend::start(3600).await;
    backend
        .admin
        .patch_account(&id("Bayside Realty"), json!({"name": HOSTILE}))
        .await
        .unwrap();

    let app = App::launch_for(&backend, &[]).await;
    app.sign_in(DEMO_ACCOUNT_NAME, "admin", "demo", false).await;
    app.wait_text("#account-name", DEMO_ACCOUNT_NAME).await;

    app.open_in_tree(HOSTILE).await;
    app.wait_text("#account-name", HOSTILE).await;
    let images = app
        .client
        .execute("return document.querySelectorAll('img').length;", vec![])
        .await
        .unwrap();
    assert_eq!(images, json!(0), "no element was created from the name");
    assert!(app.client.get_alert_text().await.is_err(), "no script ran");
    app.type_into("#account-search", "onerror").await;
    app.wait_for("#account-results", |t| t.contains(HOSTILE))
        .await;
    let images = app
        .client
        .execute("return document.querySelectorAll('img').length;", vec![])
        .await
        .unwrap();
    assert_eq!(images, json!(0));
    app.close().await;
}
