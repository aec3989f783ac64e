//! Editing through the engine against the sandbox: the outbox, the push, conflicts, charges,
//! refusals, offline queueing and session renewal.

mod change_log;
mod conflicts;
mod sessions;

use crate::support::{demo_login, id, sandbox, someone_else, Sandbox};
use crossbar_sandbox::{Seed, DEMO_ACCOUNT_NAME};
use desk_engine::{AccountForm, Choice, Desk, TrunksForm};
use desk_store::{DocKind, MemoryStore, SecretStore};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

async fn signed_in(sbx: &Sandbox, dir: &std::path::Path, who: &str) -> Desk {
    sbx.signed_in(
        &sbx.running.base_url,
        dir,
        Arc::new(MemoryStore::default()),
        who,
    )
    .await
}

async fn form_of(d: &Desk, name: &str) -> AccountForm {
    d.account(id(name).as_str()).await.unwrap().form
}

#[tokio::test]
async fn a_valid_edit_is_saved_locally_then_pushed_as_a_patch() {
    let sbx = sandbox(Seed::Demo, 60).await;
    let dir = tempfile::tempdir().unwrap();
    let d = signed_in(&sbx, dir.path(), DEMO_ACCOUNT_NAME).await;
    let acct = id("Maison Laurent Avocats");
    let mut form = form_of(&d, "Maison Laurent Avocats").await;
    form.name = "Maison Laurent & Associés".into();
    form.tech_number = "01 42 68 53 01".into();
    form.privacy = "full".into();
    let saved = d.save_account(acct.as_str(), &form).await.unwrap();
    let mark = saved.pending.expect("pending until pushed");
    assert_eq!(mark.state, "queued");
    assert_eq!(
        saved.name.value.as_deref(),
        Some("Maison Laurent & Associés"),
        "shown with the pending value"
    );
    assert!(saved.privacy.warning.is_some());
    assert_eq!(d.status().pending, 1);

    d.push_pending().await.unwrap();
    assert_eq!(d.status().pending, 0);
    let server = someone_else(&sbx.running.base_url)
        .await
        .get_account(&acct)
        .await
        .unwrap()
        .value;
    assert_eq!(server.as_map()["name"], "Maison Laurent & Associés");
    assert_eq!(
        server.as_map()["contact"]["technical"]["number"],
        "+33142685301",
        "stored as E.164"
    );
    assert_eq!(
        server.as_map()["contact"]["technical"]["email"],
        "technique@maisonlaurent.example",
        "untouched sibling"
    );
    assert_eq!(
        server.as_map()["caller_id_options"]["outbound_privacy"],
        "full"
    );
    let log = d.changes(Some(acct.as_str())).unwrap();
    assert_eq!(log.len(), 3);
    assert!(log
        .iter()
        .all(|r| r.result == "applied" && r.request_id.is_some()));
    let csv = desk_engine::to_csv(&log);
    assert!(
        csv.contains("\"Maison Laurent Avocats\",\"Maison Laurent & Associés\",\"applied\""),
        "{csv}"
    );
}

#[tokio::test]
async fn invalid_input_names_every_field_and_stages_nothing() {
    let sbx = sandbox(Seed::Demo, 60).await;
    let dir = tempfile::tempdir().unwrap();
    let d = signed_in(&sbx, dir.path(), DEMO_ACCOUNT_NAME).await;
    let mut form = form_of(&d, "Bayside Realty").await;
    form.name = " ".into();
    form.tech_email = "tom at bayside".into();
    form.timezone = "Mars/Olympus".into();
    form.numbers_format = "international_with_exceptions".into();
    form.numbers_format_exceptions = vec![];
    let err = d
        .save_account(id("Bayside Realty").as_str(), &form)
        .await
        .unwrap_err();
    let fields: Vec<String> = err.view().fields.into_iter().map(|f| f.field).collect();
    assert_eq!(
        fields,
        [
            "name",
            "timezone",
            "ui_flags.numbers_format_exceptions",
            "contact.technical.email"
        ]
    );
    assert_eq!(d.status().pending, 0);

    let mut trunks = TrunksForm {
        inbound: "-1".into(),
        outbound: "2.5".into(),
        twoway: "3".into(),
    };
    d.trunks(id("Bayside Realty").as_str()).await.unwrap();
    let err = d
        .save_trunks(id("Bayside Realty").as_str(), &trunks)
        .await
        .unwrap_err();
    assert_eq!(err.view().fields.len(), 2);
    trunks.inbound = "3".into();
    trunks.outbound = "3".into();
    assert!(d
        .save_trunks(id("Bayside Realty").as_str(), &trunks)
        .await
        .unwrap()
        .pending
        .is_some());
}

#[tokio::test]
async fn a_realm_change_needs_the_current_realm_typed_and_uniqueness_lands_on_the_field() {
    let sbx = sandbox(Seed::Demo, 60).await;
    let dir = tempfile::tempdir().unwrap();
    let d = signed_in(&sbx, dir.path(), DEMO_ACCOUNT_NAME).await;
    let acct = id("Pinecrest Pet Hospital");
    let mut form = form_of(&d, "Pinecrest Pet Hospital").await;
    form.realm = "Pinecrest.sip.deskdemo.net".into();
    let err = d.save_account(acct.as_str(), &form).await.unwrap_err();
    assert_eq!(err.view().field.as_deref(), Some("realm_confirmation"));
    form.realm_confirmation = "3F9B2D.sip.deskdemo.net".into();
    let view = d.save_account(acct.as_str(), &form).await.unwrap();
    assert_eq!(
        view.realm.value.as_deref(),
        Some("pinecrest.sip.deskdemo.net"),
        "stored lower case"
    );
    d.push_pending().await.unwrap();
    assert_eq!(d.status().pending, 0);

    // Taken realm and name: the server's 400 becomes sentences on the fields.
    let mut form = form_of(&d, "Pinecrest Pet Hospital").await;
    form.realm = "acme-dental.sip.deskdemo.net".into();
    form.realm_confirmation = "pinecrest.sip.deskdemo.net".into();
    form.name = "Bayside Realty".into();
    d.save_account(acct.as_str(), &form).await.unwrap();
    d.push_pending().await.unwrap();
    let view = d.cached_account(acct.as_str()).unwrap().unwrap();
    let mark = view.pending.unwrap();
    assert_eq!(mark.state, "failed");
    let msg = |f: &str| {
        mark.field_errors
            .iter()
            .find(|(p, _)| p == f)
            .map(|(_, m)| m.clone())
    };
    assert_eq!(
        msg("realm").as_deref(),
        Some("this realm is already in use")
    );
    assert_eq!(msg("name").as_deref(), Some("this name is already taken"));
    assert_eq!(d.status().failed, 1);
    let server = someone_else(&sbx.running.base_url)
        .await
        .get_account(&acct)
        .await
        .unwrap()
        .value;
    assert_eq!(
        server.as_map()["name"],
        "Pinecrest Pet Hospital",
        "nothing applied"
    );
    d.discard(acct.as_str(), DocKind::Account, None)
        .await
        .unwrap();
    assert_eq!(d.status().pending, 0);
}

#[tokio::test]
async fn a_field_edited_back_to_its_value_is_no_longer_pending_and_nothing_is_sent() {
    let sbx = sandbox(Seed::Demo, 60).await;
    let proxy = desk_testkit::Proxy::start(sbx.running.addr).await;
    let dir = tempfile::tempdir().unwrap();
    let d = sbx.desk_at(&proxy.url, dir.path(), Arc::new(MemoryStore::default()));
    d.sign_in(demo_login(), false).await.unwrap();
    d.sync_tree().await.unwrap();
    let name = "Tapas Collective Madrid";
    let acct = id(name);
    let original = form_of(&d, name).await;
    let mut form = original.clone();
    form.tech_name = "Lucía F.".into();
    form.tech_email = "lf@tapascollective.example".into();
    d.save_account(acct.as_str(), &form).await.unwrap();
    assert_eq!(d.status().pending, 1);
    // One field back to what the server has: only the other stays pending.
    form.tech_name = original.tech_name.clone();
    let view = d.save_account(acct.as_str(), &form).await.unwrap();
    let pending: Vec<String> = d.pending_edits().unwrap()[0]
        .fields
        .iter()
        .map(|f| f.path.clone())
        .collect();
    assert_eq!(pending, ["contact.technical.email"]);
    assert_eq!(
        view.technical_contact.name.value.as_deref(),
        Some("Lucía Fernández")
    );
    // Both back: nothing pending, and a push sends nothing at all.
    d.save_account(acct.as_str(), &original).await.unwrap();
    assert_eq!(d.status().pending, 0);
    d.push_pending().await.unwrap();
    assert_eq!(proxy.count("PATCH", "/accounts/"), 0, "nothing was sent");
    assert!(
        d.changes(Some(acct.as_str())).unwrap().is_empty(),
        "and nothing is logged as sent"
    );
}

fn desk_engine_value(v: Option<&serde_json::Value>) -> String {
    v.and_then(|v| v.as_str()).unwrap_or_default().to_owned()
}
