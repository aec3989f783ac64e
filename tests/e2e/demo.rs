//! Demo mode: the built-in backend, the seeded reseller, switching accounts.

use crate::app::App;

#[tokio::test(flavor = "multi_thread")]
async fn the_seeded_account_info_appears() {
    let app = App::launch(&[]).await;
    app.on_screen("account").await;
    app.wait_text("#account-name", "Demo Reseller").await;
    assert_eq!(
        app.text("#demo-badge").await,
        "Demo",
        "the demo is labelled"
    );
    assert_eq!(
        app.text("#realm-value").await,
        "demo-reseller.sip.deskdemo.net"
    );
    assert_eq!(app.text("#account-id").await.len(), 32);
    let tz = app.text("[data-field=timezone] .value").await;
    assert!(
        tz.contains("America/Chicago") && tz.contains("local time"),
        "{tz}"
    );
    let phone = app.text("#hint-contact-technical-number").await;
    assert!(
        phone.contains("(312) 555-0142"),
        "US number shown nationally (US is an exception): {phone}"
    );
    assert_eq!(
        app.value("#f-caller-id-options-outbound-privacy").await,
        "none"
    );
    assert!(app
        .text("#format-preview")
        .await
        .contains("+44 20 7946 0958"));
    app.screenshot("account-info").await;

    app.click("#tab-trunks").await;
    app.wait_text(
        "#capacity-sentence",
        "Up to 30 inbound or 30 outbound calls at once, 40 in total.",
    )
    .await;
    assert_eq!(app.value("#f-twoway-trunks").await, "20");
    app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn switching_accounts_changes_what_is_shown() {
    let app = App::launch(&[]).await;
    app.wait_text("#account-name", "Demo Reseller").await;

    app.open_in_tree("Maison Laurent Avocats").await;
    app.wait_text("#account-name", "Maison Laurent Avocats")
        .await;
    assert_eq!(
        app.text("#realm-value").await,
        "maison-laurent.sip.deskdemo.net"
    );
    let contact = app.text("#hint-contact-technical-number").await;
    assert!(
        contact.contains("01 42 68 53 00"),
        "French number in the account's national format: {contact}"
    );
    assert!(app.text("#breadcrumb").await.contains("Demo Reseller"));

    // Ctrl+K-style search: type, Enter opens the best match.
    app.type_into("#account-search", "sakura").await;
    app.wait_for("#account-results", |t| t.contains("Sakura Travel K.K."))
        .await;
    app.type_into("#account-search", "\u{E007}").await; // Enter
    app.wait_text("#account-name", "Sakura Travel K.K.").await;
    assert!(app
        .text("[data-field=timezone] .value")
        .await
        .contains("Asia/Tokyo"));

    // A legacy account loads, with its broken values flagged instead of failing.
    app.open_in_tree("Legacy Imports Ltd").await;
    app.wait_text("#account-name", "Legacy Imports Ltd").await;
    assert_eq!(
        app.text("#realm-value").await,
        "Legacy_Imports.SIP.deskdemo.net"
    );
    assert!(app
        .text("[data-field=realm] .note-problem")
        .await
        .contains("only letters a–z, digits and hyphens"));
    assert!(app
        .text("[data-field=timezone] .note-problem")
        .await
        .contains("IANA"));
    app.close().await;
}
