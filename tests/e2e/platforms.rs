//! Platforms: switching between a remembered platform and the demo without signing in again,
//! signing out (its session and payment token leave the keyring), and forgetting it. The
//! keyring is the real Secret Service, read from outside the app with `secret-tool`.

use crate::app::App;
use crate::backend::Backend;
use crate::desktop::keyring_entries;
use crossbar_sandbox::DEMO_ACCOUNT_NAME;

#[tokio::test(flavor = "multi_thread")]
async fn switching_platforms_and_signing_out_or_forgetting_one_removes_its_secrets() {
    let backend = Backend::start(3600).await;
    // Keyring entries of this platform's profile: `127-0-0-1-<port>--…#…/token` and the like.
    let profile = format!("127-0-0-1-{}-", backend.running.addr.port());
    let before = keyring_entries();
    let ours = || -> Vec<String> {
        keyring_entries()
            .into_iter()
            .filter(|e| e.0.starts_with(&profile) && !before.contains(e))
            .map(|(user, _)| user.rsplit('/').next().unwrap_or_default().to_owned())
            .collect()
    };
    let app = App::launch_for(&backend, &[]).await;
    app.on_screen("signin").await;
    app.signed_in_as(DEMO_ACCOUNT_NAME, "admin", "demo", true)
        .await;
    // A card on file leaves its payment-method token in the keyring too.
    app.click("#tab-payment").await;
    app.click("#card-add").await;
    app.type_into("#f-card-number", "5555 5555 5555 4444").await;
    app.type_into("#f-card-expiry", "12/31").await;
    app.type_into("#f-card-cvv", "123").await;
    app.click("#card-confirm").await;
    app.wait_for("#card-on-file", |t| t.contains("ending in 4444"))
        .await;
    let mut held = ours();
    held.sort();
    assert_eq!(
        held,
        ["payment_token", "token"],
        "remembered in the keyring"
    );

    // To the demo and back: the remembered platform opens without a sign-in.
    app.click("#profile-button").await;
    app.click("#menu-demo").await;
    app.on_screen("account").await;
    app.wait_text("#demo-badge", "Demo").await;
    app.click("#profile-button").await;
    let port = backend.running.addr.port().to_string();
    let clicked = app
        .client
        .execute(
            "const b = [...document.querySelectorAll('#profile-menu .menu-item')].find(e => e.textContent.includes(arguments[0])); if (b) b.click(); return !!b;",
            vec![serde_json::json!(port)],
        )
        .await
        .unwrap();
    assert_eq!(
        clicked,
        serde_json::json!(true),
        "the platform is in the menu"
    );
    app.on_screen("account").await;
    app.wait_text("#account-name", DEMO_ACCOUNT_NAME).await;
    assert!(!app.shown("#demo-badge").await);

    // Signing out removes the session and the payment token from the keyring.
    app.click("#profile-button").await;
    app.click("#menu-sign-out").await;
    app.on_screen("signin").await;
    assert_eq!(
        ours(),
        Vec::<String>::new(),
        "nothing of it left in the keyring"
    );

    // Forgetting it: no longer offered, still nothing in the keyring.
    let forget = format!("button[aria-label='Forget {DEMO_ACCOUNT_NAME}']");
    app.click(&forget).await;
    app.click("#dialog-confirm").await;
    app.on_screen("signin").await;
    app.wait_for(".saved-platforms", |t| t.contains("None yet."))
        .await;
    assert!(!app.shown(&forget).await);
    assert!(ours().is_empty());
    app.close().await;
}
