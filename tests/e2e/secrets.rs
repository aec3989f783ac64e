//! No secret reaches the disk: after signing in by password and by API key ("remember me"),
//! editing and syncing, and quitting as a desktop session does, no password, credentials hash,
//! API key or auth token is found — in any encoding — in the data folder, the logs, or the
//! webview's storage and caches. They are in the OS keyring, as the Secret Service itself says.

use crate::app::App;
use crate::backend::{eventually, id, Backend};
use crossbar_sandbox::{AUDITOR_PASSWORD, AUDITOR_USERNAME, DEMO_ACCOUNT_NAME};
use std::collections::HashMap;

/// Every secret the Secret Service holds for Account Desk's development builds.
fn keyring_secrets() -> Vec<String> {
    crate::desktop::keyring_entries()
        .into_iter()
        .map(|(_, secret)| secret)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn no_password_key_or_token_on_disk_in_logs_or_webview_storage() {
    let backend = Backend::start(3600).await;
    let api_key = backend.admin.api_key(&id(DEMO_ACCOUNT_NAME)).await.unwrap();
    let app = App::launch_for(&backend, &[]).await;
    app.on_screen("signin").await;
    app.signed_in_as(DEMO_ACCOUNT_NAME, AUDITOR_USERNAME, AUDITOR_PASSWORD, true)
        .await;
    assert!(
        !app.text("#boot-notices").await.contains("keyring"),
        "the OS keyring was used, not memory: {}",
        app.text("#boot-notices").await
    );
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
    app.on_screen("signin").await;
    app.replace_text("#f-server", &backend.url()).await;
    app.click("input[name=signin-method][value=api_key] + span")
        .await;
    app.replace_text("#f-api-key", api_key.expose()).await;
    app.click("#signin-remember").await;
    app.click("#signin-submit").await;
    app.on_screen("account").await;
    app.wait_text("#account-name", DEMO_ACCOUNT_NAME).await;
    app.click("#tab-log").await;
    app.click("#sync-button").await;

    let tokens: HashMap<String, serde_json::Value> =
        serde_json::from_slice(&std::fs::read(backend.dir.path().join("tokens.json")).unwrap())
            .unwrap();
    // Remembered means in the keyring: the Secret Service holds the key and a session token.
    let held = keyring_secrets();
    assert!(
        held.iter().any(|s| s == api_key.expose()),
        "the API key is in the Secret Service"
    );
    assert!(
        held.iter().any(|s| tokens.contains_key(s)),
        "a session token is in the Secret Service"
    );

    let kept = app.quit().await;
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
    let mut secrets: Vec<(&str, &str)> = vec![
        ("password", AUDITOR_PASSWORD),
        ("credentials hash", &hash),
        ("API key", api_key.expose()),
    ];
    secrets.extend(tokens.keys().map(|t| ("auth token", t.as_str())));

    // The log says what happened, never what was sent: no request or answer bodies.
    let log = crate::app::log_text(kept.path());
    assert!(log.contains("starting") && log.contains("stopped"), "{log}");
    for body in ["Noc Team", "{\"data\"", "\"auth_token\"", "\"credentials\""] {
        assert!(!log.contains(body), "the log holds {body:?}:\n{log}");
    }

    let files = crate::app::files_written(kept.path());
    assert!(
        files
            .iter()
            .any(|f| f.to_string_lossy().contains("/cache/")),
        "the sled cache was scanned"
    );
    let found = desk_testkit::find_secrets(&files, &secrets);
    assert!(found.is_empty(), "secrets on disk:\n{found:#?}");
    eprintln!(
        "scanned {} files for {} secrets in {} forms each: none found",
        files.len(),
        secrets.len(),
        desk_testkit::secret_forms(AUDITOR_PASSWORD).len()
    );
}
