//! Data from a backend is text, never markup.

use crate::app::App;
use crossbar::{AccountRef, BaseUrl, Client, ClientOptions, Credentials};
use crossbar_sandbox::{seed::account_id, Config, Seed, DEMO_ACCOUNT_NAME};
use desk_core::AccountId;
use serde_json::json;

const HOSTILE: &str = "<img src=x onerror=alert(1)>";

#[tokio::test(flavor = "multi_thread")]
async fn a_hostile_account_name_is_shown_as_plain_text() {
    let backend_dir = tempfile::tempdir().unwrap();
    let sbx = crossbar_sandbox::start(Config::new(backend_dir.path(), Seed::Demo))
        .await
        .unwrap();
    let admin = Client::new(
        BaseUrl::parse(&sbx.base_url).unwrap(),
        ClientOptions::default(),
    )
    .unwrap();
    admin
        .sign_in(Credentials::password(
            AccountRef::Name(DEMO_ACCOUNT_NAME.into()),
            "admin",
            "demo",
        ))
        .await
        .unwrap();
    let target = AccountId::parse(&account_id("Bayside Realty")).unwrap();
    admin
        .patch_account(&target, json!({"name": HOSTILE}))
        .await
        .unwrap();

    let app = App::launch(&["--backend", &sbx.base_url]).await;
    app.type_into("#f-account", DEMO_ACCOUNT_NAME).await;
    app.type_into("#f-username", "admin").await;
    app.type_into("#f-password", "demo").await;
    app.click("#signin-submit").await;
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
    sbx.stop().await;
}
