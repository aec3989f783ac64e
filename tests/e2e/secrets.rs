//! No secret reaches the disk: after signing in by password and by API key ("remember me"),
//! editing and syncing, no password, credentials hash, API key or auth token is found in the
//! data folder, the logs, or the webview's storage and caches. (They live in the OS keyring.)

use crate::app::App;
use crate::backend::{eventually, id, Backend};
use crossbar_sandbox::{AUDITOR_PASSWORD, AUDITOR_USERNAME, DEMO_ACCOUNT_NAME};
use std::collections::HashMap;

#[tokio::test(flavor = "multi_thread")]
async fn no_password_key_or_token_on_disk_in_logs_or_webview_storage() {
    let backend = Backend::start(3600).await;
    let api_key = backend.admin.api_key(&id(DEMO_ACCOUNT_NAME)).await.unwrap();
    let app = App::launch(&["--backend", &backend.url()]).await;
    app.sign_in(DEMO_ACCOUNT_NAME, AUDITOR_USERNAME, AUDITOR_PASSWORD, true)
        .await;
    app.wait_text("#account-name", DEMO_ACCOUNT_NAME).await;
    app.replace_text("#f-contact-technical-name", "Noc Team")
        .await;
    app.click("#btn-save").await;
    eventually("edit pushed", || async {
        backend.account(DEMO_ACCOUNT_NAME).await.as_map()["contact"]["technical"]["name"]
            == "Noc Team"
    })
    .await;

    // A second platform entry, by API key, remembered.
    app.click("#profile-button").await;
    app.click("#menu-add").await;
    app.replace_text("#f-server", &backend.url()).await;
    app.click("input[name=signin-method][value=api_key] + span")
        .await;
    app.replace_text("#f-api-key", api_key.expose()).await;
    app.click("#signin-remember").await;
    app.click("#signin-submit").await;
    app.wait_shown("#screen-account").await;
    app.wait_text("#account-name", DEMO_ACCOUNT_NAME).await;
    app.click("#tab-log").await;
    app.click("#sync-button").await;

    let kept = app.quit().await;
    let data = kept.path().to_owned();

    let tokens: HashMap<String, serde_json::Value> =
        serde_json::from_slice(&std::fs::read(backend.dir.path().join("tokens.json")).unwrap())
            .unwrap();
    assert!(
        tokens.len() >= 2,
        "the app's sessions are among the issued tokens"
    );
    let hash = format!(
        "{:x}",
        <md5::Md5 as md5::Digest>::digest(
            format!("{AUDITOR_USERNAME}:{AUDITOR_PASSWORD}").as_bytes()
        )
    );
    let mut secrets: Vec<(String, String)> = vec![
        ("password".into(), AUDITOR_PASSWORD.into()),
        ("credentials hash".into(), hash),
        ("API key".into(), api_key.expose().into()),
    ];
    secrets.extend(tokens.keys().map(|t| ("auth token".into(), t.clone())));

    let files = crate::app::files_written(&data);
    assert!(
        files
            .iter()
            .any(|f| f.to_string_lossy().contains("/cache/")),
        "the sled cache was scanned"
    );
    let mut found = Vec::new();
    for f in &files {
        let bytes = std::fs::read(f).unwrap_or_default();
        for (what, secret) in &secrets {
            if bytes.windows(secret.len()).any(|w| w == secret.as_bytes()) {
                found.push(format!("{what} in {}", f.display()));
            }
        }
    }
    assert!(found.is_empty(), "secrets on disk:\n{}", found.join("\n"));
    eprintln!(
        "scanned {} files for {} secrets: none found",
        files.len(),
        secrets.len()
    );
}
