//! Editing through the real window: each change reaches the sandbox, invalid input never does,
//! and the realm, charges, read-only, offline, conflict and session-expiry flows work as a user
//! meets them.

use crate::app::App;
use crate::backend::{eventually, id, Backend};
use crossbar_sandbox::DEMO_ACCOUNT_NAME;
use serde_json::json;
use std::time::Duration;

async fn signed_in(backend: &Backend, account: &str) -> App {
    let app = App::launch_for(backend, &[]).await;
    app.on_screen("signin").await;
    app.signed_in_as(account, "admin", "demo", false).await;
    assert!(
        !app.shown("#demo-badge").await,
        "a real platform is not labelled Demo"
    );
    app
}

async fn open(app: &App, name: &str) {
    app.replace_text("#account-search", name).await;
    app.wait_for("#account-results", |t| t.contains(name)).await;
    app.type_into("#account-search", "\u{E007}").await;
    app.wait_text("#account-name", name).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn account_info_changes_reach_the_sandbox_and_invalid_ones_send_nothing() {
    let backend = Backend::start(3600).await;
    let app = signed_in(&backend, DEMO_ACCOUNT_NAME).await;
    open(&app, "Bayside Realty").await;

    // Invalid: flagged at the field, nothing staged or sent.
    app.replace_text("#f-contact-technical-email", "tom at bayside")
        .await;
    app.wait_for("#err-contact-technical-email", |t| t.contains("@"))
        .await;
    app.click("#btn-save").await;
    app.wait_for("#err-contact-technical-email", |t| t.contains("needs an @"))
        .await;
    assert!(!app.shown("#chip-pending").await, "nothing pending");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        backend.account("Bayside Realty").await.as_map()["contact"]["technical"]["email"],
        "tom@baysiderealty.example"
    );

    // Warnings appear as soon as the option is chosen, before saving.
    app.select("#f-caller-id-options-outbound-privacy", "full")
        .await;
    app.wait_shown("#privacy-warning").await;
    app.click("input[name=numbers-format][value=national] + span")
        .await;
    app.wait_for("#format-warning", |t| {
        t.contains("National format hides country codes")
    })
    .await;

    // Valid: saved locally, then on the server.
    app.replace_text("#f-contact-technical-email", "ops@bayside.example")
        .await;
    app.replace_text("#f-name", "Bayside Realty Group").await;
    app.wait_for("#save-bar-text", |t| t.starts_with("4 changes"))
        .await;
    app.save_shortcut().await;
    eventually("the edit reaches the sandbox", || async {
        let doc = backend.account("Bayside Realty").await;
        let m = doc.as_map();
        m["name"] == "Bayside Realty Group"
            && m["contact"]["technical"]["email"] == "ops@bayside.example"
            && m["caller_id_options"]["outbound_privacy"] == "full"
            && m["ui_flags"]["numbers_format"] == "national"
    })
    .await;
    app.wait_text("#account-name", "Bayside Realty Group").await;
    assert!(!app.shown("#save-bar").await);
    app.click("#tab-log").await;
    app.wait_for("#change-log", |t| {
        t.contains("Bayside Realty Group") && t.contains("applied")
    })
    .await;
    app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_realm_unlocks_only_when_typed_and_taken_values_are_flagged_on_their_field() {
    let backend = Backend::start(3600).await;
    let app = signed_in(&backend, DEMO_ACCOUNT_NAME).await;
    open(&app, "Pinecrest Pet Hospital").await;

    app.click("#realm-unlock").await;
    app.type_into("#realm-confirm", "wrong.sip.deskdemo.net")
        .await;
    app.click("#realm-confirm-button").await;
    app.wait_for("#realm-confirm-error", |t| {
        t.contains("not the current realm")
    })
    .await;
    app.replace_text("#realm-confirm", "3f9b2d.sip.deskdemo.net")
        .await;
    app.click("#realm-confirm-button").await;
    app.type_into("#f-realm-label", "Pinecrest").await;
    eventually("rename first label fills the realm", || async {
        app.value("#f-realm").await == "pinecrest.sip.deskdemo.net"
    })
    .await;
    app.click("#btn-save").await;
    eventually("new realm on the server", || async {
        backend.account("Pinecrest Pet Hospital").await.as_map()["realm"]
            == "pinecrest.sip.deskdemo.net"
    })
    .await;

    // Taken name and realm: the server's answers land on the fields as sentences.
    app.wait_text("#realm-value", "pinecrest.sip.deskdemo.net")
        .await;
    app.click("#realm-unlock").await;
    app.type_into("#realm-confirm", "pinecrest.sip.deskdemo.net")
        .await;
    app.click("#realm-confirm-button").await;
    app.replace_text("#f-realm", "acme-dental.sip.deskdemo.net")
        .await;
    app.replace_text("#f-name", "Bayside Realty").await;
    app.click("#btn-save").await;
    app.wait_for("#err-name", |t| t == "this name is already taken")
        .await;
    app.wait_for("#err-realm", |t| t == "this realm is already in use")
        .await;
    app.wait_shown("#refused-banner").await;
    assert_eq!(
        backend.account("Pinecrest Pet Hospital").await.as_map()["realm"],
        "pinecrest.sip.deskdemo.net"
    );
    app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn trunk_charges_need_consent_and_cancel_sends_nothing() {
    let backend = Backend::start(3600).await;
    let app = signed_in(&backend, DEMO_ACCOUNT_NAME).await;
    open(&app, "Cape Coast Solar").await;
    app.click("#tab-trunks").await;
    app.wait_shown("#f-twoway-trunks").await;

    app.replace_text("#f-inbound-trunks", "-1").await;
    app.wait_for("#err-inbound-trunks", |t| t.contains("0 or more"))
        .await;
    app.replace_text("#f-inbound-trunks", "2").await;
    app.replace_text("#f-twoway-trunks", "2").await;
    app.wait_text(
        "#capacity-sentence",
        "Up to 4 inbound or 4 outbound calls at once, 6 in total.",
    )
    .await;
    app.click("#btn-save").await;
    app.wait_shown("#charges-accept").await;
    let table = app.text("#charges-table").await;
    assert!(
        table.contains("twoway trunks") && table.contains("0 → 2") && table.contains("24.99"),
        "{table}"
    );
    assert_eq!(
        backend.trunks("Cape Coast Solar").await.twoway,
        0,
        "nothing applied before consent"
    );
    app.click("#charges-accept").await;
    eventually("accepted trunks on the server", || async {
        backend.trunks("Cape Coast Solar").await.twoway == 2
    })
    .await;

    app.wait_text(
        "#capacity-sentence",
        "Up to 4 inbound or 4 outbound calls at once, 6 in total.",
    )
    .await;
    app.replace_text("#f-twoway-trunks", "5").await;
    app.click("#btn-save").await;
    app.wait_shown("#charges-cancel").await;
    app.click("#charges-cancel").await;
    eventually("the cancelled change is dropped", || async {
        !app.shown("#chip-pending").await
    })
    .await;
    assert_eq!(backend.trunks("Cape Coast Solar").await.twoway, 2);
    app.wait_for("#capacity-sentence", |t| t.contains("6 in total"))
        .await;
    app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sub_account_admin_gets_read_only_trunks() {
    let backend = Backend::start(3600).await;
    let app = signed_in(&backend, "Bayside Realty").await;
    app.click("#tab-trunks").await;
    app.replace_text("#f-outbound-trunks", "1").await;
    app.click("#btn-save").await;
    app.wait_for("#trunks-read-only", |t| {
        t.contains("Only the reseller can change trunks")
    })
    .await;
    assert!(
        app.client
            .execute(
                "return document.getElementById('f-inbound-trunks').disabled",
                vec![]
            )
            .await
            .unwrap()
            == json!(true)
    );
    assert_eq!(backend.trunks("Bayside Realty").await.outbound, 3);
    app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn offline_edits_queue_and_are_pushed_when_the_server_is_back() {
    let backend = Backend::start(3600).await;
    let app = signed_in(&backend, DEMO_ACCOUNT_NAME).await;
    open(&app, "Sakura Travel K.K.").await;
    open(&app, "Tonga Pacific Fisheries").await;
    let stopped = backend.stop().await;

    open(&app, "Sakura Travel K.K.").await;
    app.wait_shown("#chip-offline").await;
    assert!(app
        .text("#chip-offline")
        .await
        .starts_with("Offline — as of"));
    app.replace_text("#f-contact-technical-name", "Yui Tanaka")
        .await;
    app.click("#btn-save").await;
    app.wait_for("#chip-pending", |t| t == "1 pending").await;

    let backend = Backend::restart(stopped).await;
    eventually("the queued edit reaches the sandbox", || async {
        backend.account("Sakura Travel K.K.").await.as_map()["contact"]["technical"]["name"]
            == "Yui Tanaka"
    })
    .await;
    eventually("pending chip clears", || async {
        !app.shown("#chip-pending").await
    })
    .await;
    app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_conflict_is_shown_side_by_side_and_the_users_choice_wins() {
    let backend = Backend::start(3600).await;
    let app = signed_in(&backend, DEMO_ACCOUNT_NAME).await;
    open(&app, "Thames Valley Accountants").await;
    app.replace_text("#f-name", "Thames Valley Accountants LLP")
        .await;
    // Behind the app's back: the same field, and another one.
    backend
        .admin
        .patch_account(
            &id("Thames Valley Accountants"),
            json!({"name": "TVA Ltd", "contact": {"technical": {"email": "helpdesk@tva.example"}}}),
        )
        .await
        .unwrap();
    app.click("#btn-save").await;
    app.wait_for("#chip-conflict", |t| t == "1 conflict").await;
    app.click("#chip-conflict").await;
    app.click("#pending-list .btn-primary").await;
    let table = app.text("#conflict-table").await;
    assert!(
        table.contains("Thames Valley Accountants")
            && table.contains("TVA Ltd")
            && table.contains("Thames Valley Accountants LLP"),
        "{table}"
    );
    app.click("#conflict-apply").await;
    eventually(
        "the user's choice is what the sandbox ends with",
        || async {
            backend.account("Thames Valley Accountants").await.as_map()["name"]
                == "Thames Valley Accountants LLP"
        },
    )
    .await;
    let doc = backend.account("Thames Valley Accountants").await;
    assert_eq!(
        doc.as_map()["contact"]["technical"]["email"],
        "helpdesk@tva.example",
        "the other remote change survives"
    );
    app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_session_is_asked_for_again_without_losing_input() {
    // Long enough for the sign-in and a restart on a loaded machine, which must end before the
    // token does (a restart on an expired token rightly asks at once).
    let backend = Backend::start(30).await;
    let app = App::launch_for(&backend, &[]).await;
    app.signed_in_as(DEMO_ACCOUNT_NAME, "admin", "demo", true)
        .await;

    // After a restart only the remembered token is left (the password is never stored): once
    // it expires, the user is asked, and what they were typing stays on screen.
    let app = app.restart(&["--backend", &backend.url()]).await;
    app.on_screen("account").await;
    app.wait_text("#account-name", DEMO_ACCOUNT_NAME).await;
    open(&app, "Marina Bay Properties").await;
    tokio::time::sleep(Duration::from_secs(31)).await;
    app.replace_text("#f-contact-technical-name", "Layla H.")
        .await;
    app.replace_text("#f-contact-technical-email", "typing@marinabay.example")
        .await;
    app.click("#sync-button").await;
    app.wait_shown("#reauth-submit").await;
    app.type_into("#f-password", "demo").await;
    app.click("#reauth-submit").await;
    eventually("the sign-in dialog closes", || async {
        !app.shown("#reauth-submit").await
    })
    .await;
    app.wait_for("#save-bar-text", |t| t.starts_with("2 changes"))
        .await;
    assert_eq!(
        app.value("#f-contact-technical-email").await,
        "typing@marinabay.example",
        "unsaved input kept"
    );
    app.click("#btn-save").await;
    eventually("pushed after signing in again", || async {
        backend.account("Marina Bay Properties").await.as_map()["contact"]["technical"]["name"]
            == "Layla H."
    })
    .await;

    app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_users_get_the_resellers_and_admins_screen() {
    let backend = Backend::start(3600).await;
    let app = App::launch_for(&backend, &[]).await;
    app.sign_in(DEMO_ACCOUNT_NAME, "support", "demo", false)
        .await;
    app.on_screen("not-admin").await;
    app.wait_for("#not-admin-title", |t| {
        t.contains("for resellers and admins")
    })
    .await;
    let rows = app
        .client
        .execute(
            "return document.querySelectorAll('#account-tree [role=treeitem]').length",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(rows, json!(0), "no account data shown");
    app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_background_refresh_never_redraws_a_form_being_edited() {
    let backend = Backend::start(3600).await;
    let proxy = desk_testkit::Proxy::start(backend.running.addr).await;
    let app = App::reseller_through(&backend, &proxy).await;
    open(&app, "Bayside Realty").await;
    app.replace_text("#f-contact-technical-name", "Tom A. (still typing)")
        .await;
    app.wait_for("#save-bar-text", |t| t.starts_with("1 change"))
        .await;

    // Meanwhile someone else changes the e-mail, and the app syncs.
    let bayside = id("Bayside Realty");
    backend
        .admin
        .patch_account(
            &bayside,
            json!({"contact": {"technical": {"email": "new@bayside.example"}}}),
        )
        .await
        .unwrap();
    let reads = proxy.count("GET", &format!("/accounts/{bayside}"));
    app.click("#sync-button").await;
    eventually("the account was read again", || async {
        proxy.count("GET", &format!("/accounts/{bayside}")) > reads
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        app.value("#f-contact-technical-name").await,
        "Tom A. (still typing)",
        "what the user typed stays"
    );
    assert_eq!(
        app.value("#f-contact-technical-email").await,
        "tom@baysiderealty.example",
        "the form is not redrawn under the user"
    );
    app.wait_for("#save-bar-text", |t| t.starts_with("1 change"))
        .await;

    // Discarding shows what the server holds now.
    app.click("#btn-discard").await;
    eventually("fresh values after discarding", || async {
        app.value("#f-contact-technical-email").await == "new@bayside.example"
            && app.value("#f-contact-technical-name").await == "Tom Alvarez"
    })
    .await;
    assert!(!app.shown("#save-bar").await);
    app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_choose_the_zone_times_are_shown_in_and_the_intervals_and_they_persist() {
    let backend = Backend::start(3600).await;
    let app = signed_in(&backend, DEMO_ACCOUNT_NAME).await;
    open(&app, "Sakura Travel K.K.").await;
    app.click("#tab-usage").await;
    app.wait_for(".panel-bar", |t| t.contains("(this computer)"))
        .await;

    app.click("#open-settings").await;
    // About names this very build: its version and the commit it was built from.
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    app.wait_for("#about-version", |t| {
        t.contains(&format!("Account Desk {}", env!("CARGO_PKG_VERSION")))
            && (commit.is_empty() || t.contains(&commit))
            && t.contains("(debug)")
    })
    .await;
    app.select("#set-times", "account").await;
    app.select("#set-interval", "900").await;
    app.select("#set-poll", "300").await;
    app.click("#settings-save").await;
    // Times follow the viewed account's zone at once: Tokyo's.
    app.wait_for(".panel-bar", |t| {
        t.contains("Dates and times in Asia/Tokyo")
    })
    .await;
    app.wait_for("#usage-rows", |t| t.contains(" JST")).await;

    let app = app.restart(&["--backend", &backend.url()]).await;
    let settings: serde_json::Value = serde_json::from_slice(
        &std::fs::read(app.data_dir().join("settings.json")).expect("settings saved"),
    )
    .unwrap();
    assert_eq!(
        (
            &settings["times_in"],
            &settings["sync_interval_secs"],
            &settings["balance_poll_secs"]
        ),
        (&json!("account"), &json!(900), &json!(300))
    );
    app.on_screen("signin").await;
    app.signed_in_as(DEMO_ACCOUNT_NAME, "admin", "demo", false)
        .await;
    app.click("#open-settings").await;
    assert_eq!(
        (
            app.value("#set-times").await,
            app.value("#set-interval").await,
            app.value("#set-poll").await
        ),
        ("account".to_owned(), "900".to_owned(), "300".to_owned())
    );
    app.close().await;
}
