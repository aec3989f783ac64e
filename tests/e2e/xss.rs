//! Data from a backend is text, never markup — in every field the window shows: account names in
//! the tree, search and breadcrumb, the realm, contacts, ledger descriptions, the processor's
//! reasons, and the server's own error messages. And the page itself cannot reach the network.

use crate::app::App;
use crate::backend::{id, Backend};
use crossbar_sandbox::DEMO_ACCOUNT_NAME;
use serde_json::json;

const HOSTILE: &str = "<img src=x onerror=alert(1)>";

/// No element was made from the data and no script ran.
async fn harmless(app: &App, where_: &str) {
    let images = app
        .client
        .execute(
            "return document.querySelectorAll('img, script:not([type=module])').length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        images,
        json!(0),
        "{where_}: an element was created from data"
    );
    assert!(
        app.client.get_alert_text().await.is_err(),
        "{where_}: a script ran"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_text_in_every_field_is_shown_as_plain_text() {
    let backend = Backend::start(3600).await;
    let bayside = id("Bayside Realty");
    let reseller = id(DEMO_ACCOUNT_NAME);
    // Values no validation would let through, as older tools or imports leave them.
    let stopped = backend.stop().await;
    stopped.edit_file(&format!("accounts/{bayside}.json"), |a| {
        let doc = &mut a["doc"];
        doc["name"] = json!(format!("{HOSTILE} Realty"));
        doc["realm"] = json!(format!("{HOSTILE}.sip.deskdemo.net"));
        doc["contact"]["technical"] = json!({"name": HOSTILE, "email": HOSTILE, "number": HOSTILE});
    });
    stopped.edit_file(&format!("accounts/{reseller}.json"), |a| {
        a["doc"]["contact"]["billing"] = json!({"first_name": HOSTILE, "last_name": HOSTILE, "email": "ap@demo.example", "street_address": HOSTILE});
    });
    stopped.edit_file(&format!("books/{bayside}.json"), |b| {
        let entries = b["ledger"].as_array_mut().unwrap();
        let last = entries.len() - 1;
        entries[last]["description"] = json!(format!("Calls {HOSTILE}"));
    });
    stopped.edit_file(&format!("books/{reseller}.json"), |b| {
        for t in b["transactions"].as_array_mut().unwrap() {
            if t["status"] == "failed" {
                t["message"] = json!(format!("Declined {HOSTILE}"));
            }
        }
    });
    let backend = Backend::restart(stopped).await;
    // And the server's own words, when it fails.
    let proxy = desk_testkit::Proxy::start(backend.running.addr).await;
    proxy.answer(
        "GET",
        "/services/summary",
        500,
        json!({"auth_token": "", "data": {"message": HOSTILE}, "error": "500", "message": HOSTILE, "status": "error", "request_id": "rq-hostile"}),
    );

    let app = App::reseller_through(&backend, &proxy).await;

    // The reseller's billing contact and its declined payment's reason.
    app.click("#tab-payment").await;
    app.wait_shown("#contact-form").await;
    let contact = app
        .client
        .execute(
            "return [...document.querySelectorAll('#panel-payment input')].map(i => i.value)",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        contact.as_array().unwrap().iter().any(|v| v == HOSTILE),
        "{contact}"
    );
    harmless(&app, "billing contact").await;
    app.click("#tab-usage").await;
    app.wait_for("#transactions", |t| {
        t.contains(&format!("Declined {HOSTILE}"))
    })
    .await;
    harmless(&app, "processor reason").await;
    // The server's error message, as the error block shows it.
    app.click("#tab-plan").await;
    app.click("#panel-plan .error-block summary").await;
    app.wait_for("#panel-plan", |t| {
        t.contains(&format!("Server message: {HOSTILE}"))
    })
    .await;
    harmless(&app, "server message").await;

    // The hostile account: in the tree, the search, the header, the realm, the contact.
    let name = format!("{HOSTILE} Realty");
    app.wait_for("#account-tree", |t| t.contains(&name)).await;
    app.type_into("#account-search", "onerror").await;
    app.wait_for("#account-results", |t| t.contains(&name))
        .await;
    harmless(&app, "search results").await;
    app.open_in_tree(&name).await;
    app.wait_text("#account-name", &name).await;
    app.click("#tab-info").await;
    app.wait_for("#realm-value", |t| t.contains(HOSTILE)).await;
    assert_eq!(app.value("#f-contact-technical-name").await, HOSTILE);
    assert_eq!(app.value("#f-contact-technical-email").await, HOSTILE);
    harmless(&app, "account info").await;
    app.click("#tab-usage").await;
    app.wait_for("#usage-rows", |t| t.contains(&format!("Calls {HOSTILE}")))
        .await;
    harmless(&app, "ledger description").await;

    // The webview itself never reaches the network: a fetch from the page is refused before it
    // leaves (all HTTP goes through Rust).
    let probe = format!("{}/v2/webview-probe", proxy.url);
    let outcome = app
        .client
        .execute_async(
            "const done = arguments[1]; fetch(arguments[0]).then(r => done('reached ' + r.status), e => done('refused: ' + e));",
            vec![json!(probe)],
        )
        .await
        .unwrap();
    assert!(
        outcome.as_str().is_some_and(|o| o.starts_with("refused")),
        "{outcome}"
    );
    assert_eq!(proxy.count("GET", "/webview-probe"), 0);
    app.close().await;
}
