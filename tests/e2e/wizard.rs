//! The new sub-account wizard in the real window: the realm proposal and its rename, a name
//! clash found before anything is created, the charges shown and agreed to, the account created
//! with its admin, plan and trunks and opened from the switcher — and a creation cut short at
//! the plan step (an error injected at the proxy), finished once and undone once.

use crate::app::App;
use crate::backend::Backend;
use desk_testkit::Proxy;
use serde_json::json;

/// Walk steps 1–4 for `name` (its realm by the rename helper), with the standard plan and two
/// two-way trunks; ends on the review. The admin's password, as step 3 showed it.
async fn fill(app: &App, name: &str, realm: &str) -> String {
    app.wait_for("#wizard-step-title", |t| t == "1. Name and realm")
        .await;
    app.type_into("#f-w-name", name).await;
    app.wait_for("#realm-rename", |t| t.contains(realm)).await;
    app.click("#realm-rename").await;
    app.wait_value("#f-w-realm", realm).await;
    app.click("#wizard-next").await;
    app.wait_for("#wizard-step-title", |t| t == "2. Regional settings")
        .await;
    app.wait_for("#wizard-zone", |t| t == "America/Chicago")
        .await;
    app.click("#wizard-next").await;
    app.wait_for("#wizard-step-title", |t| t == "3. First admin")
        .await;
    app.type_into("#f-w-admin-first-name", "Ines").await;
    app.type_into("#f-w-admin-last-name", "Okafor").await;
    app.type_into("#f-w-admin-email", "ines@harbor-dental.example")
        .await;
    app.type_into(
        "#f-w-admin-username",
        &format!("ines.{}", realm.split('.').next().unwrap()),
    )
    .await;
    let password = app.value("#f-w-admin-password").await;
    assert_eq!(password.len(), 16, "a generated password is offered");
    app.click("#wizard-next").await;
    app.wait_for("#wizard-step-title", |t| t == "4. Plan and trunks")
        .await;
    app.select("#f-w-plan", "pbx-standard").await;
    app.replace_text("#f-w-twoway-trunks", "2").await;
    // 1 December in Chicago: the whole month, 29.00 + 2 × 24.99.
    app.wait_text(
        "#wizard-charges",
        "78.98 today (prorated, 31 of 31 days), 78.98 monthly from 1 January 2027",
    )
    .await;
    app.click("#wizard-next").await;
    app.wait_for("#wizard-review", |t| {
        t.contains(name) && t.contains("78.98 today")
    })
    .await;
    password
}

async fn agree_and_create(app: &App) {
    app.click("#wizard-consent").await;
    app.click("#wizard-create").await;
}

fn fail_plan(proxy: &Proxy) {
    proxy.answer_once(
        "POST",
        "/services/",
        500,
        json!({"status": "error", "error": "500", "message": "datastore_fault", "data": {}}),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_wizard_creates_an_account_and_finishes_or_undoes_one_cut_short() {
    let backend = Backend::start(3600).await;
    let proxy = Proxy::start(backend.running.addr).await;
    let app = App::reseller_through(&backend, &proxy).await;

    // Ctrl+N, under the account selected in the switcher (the reseller's own).
    app.ctrl('n').await;
    app.wait_for("#wizard-step-title", |t| t == "1. Name and realm")
        .await;
    let proposed = app.value("#f-w-realm").await;
    let (label, suffix) = proposed.split_once('.').unwrap();
    assert!(
        label.len() == 6 && label.chars().all(|c| c.is_ascii_hexdigit()),
        "{proposed}"
    );
    assert_eq!(suffix, "sip.deskdemo.net");
    assert!(app
        .text("#realm-advice")
        .await
        .contains("rename the first part"));

    // A name Kazoo counts as taken, found before the last step.
    app.type_into("#f-w-name", "bayside REALTY").await;
    app.click("#wizard-next").await;
    app.wait_for("#err-w-name", |t| t.contains("Bayside Realty"))
        .await;
    app.replace_text("#f-w-name", "").await;
    fill(&app, "Harbor Dental", "harbor-dental.sip.deskdemo.net").await;
    app.screenshot("wizard-review").await;

    // Nothing is created before the charges are agreed to.
    let puts = proxy.count("PUT", "/accounts/");
    app.click("#wizard-create").await;
    app.wait_for("#err-w-consent", |t| t.contains("Agree to the charges"))
        .await;
    assert_eq!(proxy.count("PUT", "/accounts/"), puts);
    agree_and_create(&app).await;
    app.wait_for("#creation-message", |t| {
        t.contains("“Harbor Dental” is ready")
    })
    .await;
    assert_eq!(proxy.count("POST", "/services/pbx-standard"), 1);
    app.click("#wizard-open").await;
    app.wait_for("#account-name", |t| t == "Harbor Dental")
        .await;

    // Cut short at the plan step, then finished: no second account.
    fail_plan(&proxy);
    app.click("#open-wizard").await;
    fill(
        &app,
        "Harbor Dental Annex",
        "harbor-dental-annex.sip.deskdemo.net",
    )
    .await;
    agree_and_create(&app).await;
    app.wait_for("#creation-message", |t| {
        t.contains("exists but is not finished")
    })
    .await;
    assert_eq!(
        app.attribute("#creation-steps [data-step=plan]", "data-state")
            .await
            .as_deref(),
        Some("failed")
    );
    app.screenshot("wizard-cut-short").await;
    let puts = proxy.count("PUT", "/accounts/");
    app.click("#wizard-finish").await;
    app.wait_for("#creation-message", |t| t.contains("is ready"))
        .await;
    assert_eq!(proxy.count("PUT", "/accounts/"), puts);
    app.click("#wizard-cancel").await;

    // Cut short again, then undone: the account is deleted on the platform.
    fail_plan(&proxy);
    app.click("#open-wizard").await;
    fill(
        &app,
        "Harbor Dental Kiosk",
        "harbor-dental-kiosk.sip.deskdemo.net",
    )
    .await;
    agree_and_create(&app).await;
    app.wait_for("#creation-message", |t| {
        t.contains("exists but is not finished")
    })
    .await;
    app.click("#wizard-undo").await;
    app.wait_for("#creation-message", |t| t.contains("deleted again"))
        .await;
    assert_eq!(proxy.count("DELETE", "/accounts/"), 1);
    app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_creation_cut_short_is_remembered_across_a_restart_and_finished() {
    let backend = Backend::start(3600).await;
    let proxy = Proxy::start(backend.running.addr).await;
    let app = App::reseller_through(&backend, &proxy).await;
    fail_plan(&proxy);
    app.click("#open-wizard").await;
    fill(&app, "Harbor Dental", "harbor-dental.sip.deskdemo.net").await;
    agree_and_create(&app).await;
    app.wait_for("#creation-message", |t| {
        t.contains("exists but is not finished")
    })
    .await;

    // Closed midway, then the app itself: the half-made account is not forgotten.
    let app = app.restart(&["--backend", &proxy.url]).await;
    app.signed_in_as(crossbar_sandbox::DEMO_ACCOUNT_NAME, "admin", "demo", false)
        .await;
    app.wait_for("#notices", |t| {
        t.contains("“Harbor Dental” exists but is not finished") && t.contains("Ctrl+N")
    })
    .await;
    app.ctrl('n').await;
    app.wait_for("#wizard-unfinished", |t| t.contains("Harbor Dental"))
        .await;
    app.click("#wizard-unfinished button").await;
    app.wait_for("#creation-message", |t| {
        t.contains("exists but is not finished")
    })
    .await;
    // The admin was added before the restart: no password is asked for again.
    assert!(!app.shown("#wizard-resume-password").await);
    let puts = proxy.count("PUT", "");
    app.click("#wizard-finish").await;
    app.wait_for("#creation-message", |t| {
        t.contains("“Harbor Dental” is ready")
    })
    .await;
    assert_eq!(proxy.count("PUT", ""), puts, "no second account or admin");
    assert_eq!(
        proxy.count("POST", "/services/pbx-standard"),
        2,
        "failed once, then assigned"
    );
    app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_new_accounts_admin_sees_the_start_up_charge_and_their_first_card_pays_it() {
    let backend = Backend::start(3600).await;
    let proxy = Proxy::start(backend.running.addr).await;
    let app = App::reseller_through(&backend, &proxy).await;
    app.click("#open-wizard").await;
    let password = fill(&app, "Harbor Dental", "harbor-dental.sip.deskdemo.net").await;
    agree_and_create(&app).await;
    app.wait_for("#creation-message", |t| t.contains("is ready"))
        .await;
    app.close().await;

    // The customer's admin in their own window, where Harbor Dental is the top level.
    let app = App::launch_at(backend.now(), &["--backend", &proxy.url]).await;
    app.signed_in_as("Harbor Dental", "ines.harbor-dental", &password, false)
        .await;
    app.click("#tab-payment").await;
    app.wait_for("#card-due", |t| t.starts_with("78.98 is due"))
        .await;
    app.click("#card-add").await;
    app.wait_for("#card-first-charge", |t| t.contains("78.98 due now, once"))
        .await;
    app.type_into("#f-card-number", "4111 1111 1111 1111").await;
    app.type_into("#f-card-expiry", "12/31").await;
    app.type_into("#f-card-cvv", "123").await;
    let topups = proxy.count("POST", "/services/topup");
    app.click("#card-confirm").await;
    app.wait_for("#card-on-file", |t| t.contains("ending in 1111"))
        .await;
    app.wait_for("#notices", |t| {
        t.contains("78.98 was added to the account.")
    })
    .await;
    assert_eq!(
        proxy.count("POST", "/services/topup"),
        topups + 1,
        "charged once"
    );
    assert!(!app.shown("#card-due").await);
    app.close().await;
}
