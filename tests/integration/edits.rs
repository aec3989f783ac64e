//! Editing through the engine against the sandbox: the outbox, the push, conflicts, charges,
//! refusals, offline queueing and session renewal.

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
async fn a_field_changed_on_both_sides_is_a_conflict_the_user_resolves() {
    let sbx = sandbox(Seed::Demo, 60).await;
    let dir = tempfile::tempdir().unwrap();
    let d = signed_in(&sbx, dir.path(), DEMO_ACCOUNT_NAME).await;
    let acct = id("Thames Valley Accountants");
    let mut form = form_of(&d, "Thames Valley Accountants").await;
    // Behind the app's back: the same field, and another one.
    let other = someone_else(&sbx.running.base_url).await;
    other
        .patch_account(
            &acct,
            json!({"name": "TVA Ltd", "contact": {"technical": {"email": "helpdesk@tva.example"}}}),
        )
        .await
        .unwrap();
    form.name = "Thames Valley Accountants LLP".into();
    form.timezone = "Europe/Dublin".into();
    d.save_account(acct.as_str(), &form).await.unwrap();
    d.push_pending().await.unwrap();

    let edits = d.pending_edits().unwrap();
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0].state, "conflict");
    let name = &edits[0].fields[0];
    assert_eq!(
        (
            name.base.as_str(),
            name.theirs.as_deref(),
            name.mine.as_str()
        ),
        (
            "Thames Valley Accountants",
            Some("TVA Ltd"),
            "Thames Valley Accountants LLP"
        )
    );
    let server = other.get_account(&acct).await.unwrap().value;
    assert_eq!(
        server.as_map()["timezone"],
        "Europe/Dublin",
        "the non-conflicting field went through"
    );

    d.resolve_conflict(
        acct.as_str(),
        DocKind::Account,
        &[("name".into(), Choice::Mine)],
    )
    .await
    .unwrap();
    d.push_pending().await.unwrap();
    let server = other.get_account(&acct).await.unwrap().value;
    assert_eq!(
        server.as_map()["name"],
        "Thames Valley Accountants LLP",
        "the user's choice wins"
    );
    assert_eq!(
        server.as_map()["contact"]["technical"]["email"],
        "helpdesk@tva.example",
        "their other change survives"
    );
    assert_eq!(d.status().pending, 0);
    assert!(d
        .changes(Some(acct.as_str()))
        .unwrap()
        .iter()
        .any(|r| r.result.starts_with("conflict")));

    // Choosing theirs drops mine.
    let mut form = form_of(&d, "Thames Valley Accountants").await;
    other
        .patch_account(&acct, json!({"name": "TVA Group"}))
        .await
        .unwrap();
    form.name = "Mine Again".into();
    d.save_account(acct.as_str(), &form).await.unwrap();
    d.push_pending().await.unwrap();
    d.resolve_conflict(
        acct.as_str(),
        DocKind::Account,
        &[("name".into(), Choice::Theirs)],
    )
    .await
    .unwrap();
    d.push_pending().await.unwrap();
    assert_eq!(
        other.get_account(&acct).await.unwrap().value.as_map()["name"],
        "TVA Group"
    );
    assert_eq!(d.status().pending, 0);
}

#[tokio::test]
async fn raising_trunks_waits_for_consent_and_cancel_sends_nothing() {
    let sbx = sandbox(Seed::Demo, 60).await;
    let dir = tempfile::tempdir().unwrap();
    let d = signed_in(&sbx, dir.path(), DEMO_ACCOUNT_NAME).await;
    let acct = id("Kiwi Outdoor Gear");
    d.trunks(acct.as_str()).await.unwrap();
    let form = TrunksForm {
        inbound: "4".into(),
        outbound: "1".into(),
        twoway: "1".into(),
    };
    d.save_trunks(acct.as_str(), &form).await.unwrap();
    d.push_pending().await.unwrap();
    let edit = &d.pending_edits().unwrap()[0];
    assert_eq!(edit.state, "needs_consent");
    let charges = edit.charges.as_ref().unwrap();
    assert_eq!(
        charges
            .items
            .iter()
            .find(|i| i.item == "inbound_trunks")
            .unwrap()
            .previous,
        Some(2)
    );
    assert!(charges.today.is_some());
    let other = someone_else(&sbx.running.base_url).await;
    assert_eq!(
        other
            .get_limits(&acct)
            .await
            .unwrap()
            .value
            .trunks()
            .inbound,
        2,
        "nothing applied yet"
    );

    d.approve_charges(acct.as_str(), DocKind::Limits)
        .await
        .unwrap();
    d.push_pending().await.unwrap();
    assert_eq!(
        other
            .get_limits(&acct)
            .await
            .unwrap()
            .value
            .trunks()
            .inbound,
        4
    );
    assert_eq!(d.status().pending, 0);

    // Cancel: the edit is dropped, the server keeps its value.
    d.save_trunks(
        acct.as_str(),
        &TrunksForm {
            inbound: "9".into(),
            outbound: "1".into(),
            twoway: "1".into(),
        },
    )
    .await
    .unwrap();
    d.push_pending().await.unwrap();
    assert_eq!(d.pending_edits().unwrap()[0].state, "needs_consent");
    d.discard(acct.as_str(), DocKind::Limits, None)
        .await
        .unwrap();
    d.push_pending().await.unwrap();
    assert_eq!(
        other
            .get_limits(&acct)
            .await
            .unwrap()
            .value
            .trunks()
            .inbound,
        4
    );
    assert_eq!(d.status().pending, 0);
}

#[tokio::test]
async fn a_sub_account_admin_learns_trunks_are_read_only() {
    let sbx = sandbox(Seed::Demo, 60).await;
    let dir = tempfile::tempdir().unwrap();
    let d = signed_in(&sbx, dir.path(), "Bayside Realty").await;
    let acct = id("Bayside Realty");
    assert!(!d.trunks(acct.as_str()).await.unwrap().read_only);
    d.save_trunks(
        acct.as_str(),
        &TrunksForm {
            inbound: "1".into(),
            outbound: "3".into(),
            twoway: "0".into(),
        },
    )
    .await
    .unwrap();
    d.push_pending().await.unwrap();
    let view = d.cached_trunks(acct.as_str()).unwrap().unwrap();
    assert!(view.read_only);
    assert!(view
        .pending
        .unwrap()
        .message
        .unwrap()
        .contains("Only the reseller"));
    let again = d
        .save_trunks(
            acct.as_str(),
            &TrunksForm {
                inbound: "2".into(),
                outbound: "3".into(),
                twoway: "0".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(again.code(), "read_only");
}

#[tokio::test]
async fn offline_edits_queue_and_go_out_when_the_server_is_back() {
    let sbx = sandbox(Seed::Demo, 60).await;
    let dir = tempfile::tempdir().unwrap();
    let d = signed_in(&sbx, dir.path(), DEMO_ACCOUNT_NAME).await;
    let acct = id("Sakura Travel K.K.");
    let mut form = form_of(&d, "Sakura Travel K.K.").await;
    let stopped = sbx.stop().await;

    form.tech_name = "Yui Tanaka".into();
    let view = d.save_account(acct.as_str(), &form).await.unwrap();
    assert_eq!(
        view.technical_contact.name.value.as_deref(),
        Some("Yui Tanaka")
    );
    assert!(d.push_pending().await.unwrap_err().view().code == "network");
    assert!(!d.status().online);
    assert_eq!(d.status().pending, 1, "kept, not lost");
    let offline_view = d.account(acct.as_str()).await.unwrap();
    assert!(offline_view.freshness.from_cache);

    let sbx = stopped.start().await;
    d.push_pending().await.unwrap();
    assert!(d.status().online);
    assert_eq!(d.status().pending, 0);
    let server = someone_else(&sbx.running.base_url)
        .await
        .get_account(&acct)
        .await
        .unwrap()
        .value;
    assert_eq!(
        server.as_map()["contact"]["technical"]["name"],
        "Yui Tanaka"
    );
}

#[tokio::test]
async fn an_expired_session_is_renewed_or_the_user_is_asked_without_losing_edits() {
    let sbx = sandbox(Seed::Demo, 2).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
    let url = sbx.running.base_url.clone();
    let acct = id("Copacabana Importadora Ltda");
    {
        let d = sbx.desk(dir.path(), secrets.clone());
        d.sign_in(demo_login(), true).await.unwrap();
        d.sync_tree().await.unwrap();
        let mut form = form_of(&d, "Copacabana Importadora Ltda").await;
        tokio::time::sleep(Duration::from_millis(2500)).await;
        form.tech_name = "Bruna Lima".into();
        d.save_account(acct.as_str(), &form).await.unwrap();
        d.push_pending()
            .await
            .expect("renewed silently with the password hash in memory");
        assert_eq!(d.status().pending, 0);
    }
    // After a restart only the remembered token is left: once it expires, the user is asked.
    let d = sbx.desk(dir.path(), secrets.clone());
    assert!(d.resume(None).unwrap());
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let mut form = d.cached_account(acct.as_str()).unwrap().unwrap().form;
    form.tech_name = "Bruna Lima Souza".into();
    d.save_account(acct.as_str(), &form).await.unwrap();
    assert_eq!(
        d.push_pending().await.unwrap_err().code(),
        "session_expired"
    );
    assert!(d.status().needs_sign_in);
    assert_eq!(d.status().pending, 1, "the edit waits");
    d.sign_in(demo_login(), true).await.unwrap();
    assert!(!d.status().needs_sign_in);
    d.push_pending().await.unwrap();
    let server = someone_else(&url)
        .await
        .get_account(&acct)
        .await
        .unwrap()
        .value;
    assert_eq!(
        server.as_map()["contact"]["technical"]["name"],
        "Bruna Lima Souza"
    );
}

#[tokio::test]
async fn plain_users_are_refused_and_sign_out_forgets_secrets() {
    let sbx = sandbox(Seed::Demo, 60).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
    let d = sbx.desk(dir.path(), secrets.clone());
    let plain = crossbar::Credentials::password(
        crossbar::AccountRef::Name(DEMO_ACCOUNT_NAME.into()),
        "support",
        "demo",
    );
    assert_eq!(
        d.sign_in(plain, true).await.unwrap_err().code(),
        "not_admin"
    );
    assert!(!d.status().signed_in);
    assert!(
        secrets.get("test/token").unwrap().is_none(),
        "nothing remembered for a refused user"
    );

    let key = someone_else(&sbx.running.base_url)
        .await
        .api_key(&id(DEMO_ACCOUNT_NAME))
        .await
        .unwrap();
    d.sign_in(crossbar::Credentials::ApiKey(key.clone()), true)
        .await
        .unwrap();
    assert_eq!(
        secrets.get("test/api_key").unwrap().unwrap(),
        key,
        "API key remembered in the secret store"
    );
    assert!(d.remembers().unwrap());
    d.sign_out().unwrap();
    assert!(!d.remembers().unwrap());
    assert!(secrets.get("test/token").unwrap().is_none());
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

#[tokio::test]
async fn a_field_edited_again_while_its_push_is_in_flight_keeps_the_newer_value() {
    let sbx = sandbox(Seed::Demo, 60).await;
    let proxy = desk_testkit::Proxy::start(sbx.running.addr).await;
    let dir = tempfile::tempdir().unwrap();
    let d = Arc::new(sbx.desk_at(&proxy.url, dir.path(), Arc::new(MemoryStore::default())));
    d.sign_in(demo_login(), false).await.unwrap();
    d.sync_tree().await.unwrap();
    let other = someone_else(&sbx.running.base_url).await;
    let name = "Tapas Collective Madrid";
    let acct = id(name);
    let mut form = form_of(&d, name).await;
    form.tech_name = "First Edit".into();
    d.save_account(acct.as_str(), &form).await.unwrap();

    // The PATCH is held at the proxy while the user edits the same field again.
    let hold = proxy.hold("PATCH", &format!("/accounts/{acct}"));
    let pushing = tokio::spawn({
        let d = d.clone();
        async move { d.push_pending().await }
    });
    hold.reached().await;
    form.tech_name = "Second Edit".into();
    d.save_account(acct.as_str(), &form).await.unwrap();
    hold.release();
    pushing.await.unwrap().unwrap();

    let server = |o: &crossbar::Client| {
        let o = o.clone();
        let acct = acct.clone();
        async move {
            o.get_account(&acct).await.unwrap().value.as_map()["contact"]["technical"]["name"]
                .clone()
        }
    };
    assert_eq!(server(&other).await, "First Edit");
    let left = d.pending_edits().unwrap();
    assert_eq!(left.len(), 1, "the newer value is still pending");
    assert_eq!(left[0].fields[0].mine, "Second Edit");
    assert_eq!(left[0].state, "queued", "not a conflict with our own push");
    d.push_pending().await.unwrap();
    assert_eq!(server(&other).await, "Second Edit");
    assert_eq!(d.status().pending, 0);
    let log: Vec<(String, String)> = d
        .changes(Some(acct.as_str()))
        .unwrap()
        .into_iter()
        .map(|r| (desk_engine_value(r.new.as_ref()), r.result))
        .collect();
    assert_eq!(
        log,
        [
            ("Second Edit".to_owned(), "applied".to_owned()),
            ("First Edit".to_owned(), "applied".to_owned())
        ]
    );
}

fn desk_engine_value(v: Option<&serde_json::Value>) -> String {
    v.and_then(|v| v.as_str()).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn the_change_log_records_refused_and_discarded_fields() {
    let sbx = sandbox(Seed::Demo, 60).await;
    let dir = tempfile::tempdir().unwrap();
    let d = signed_in(&sbx, dir.path(), DEMO_ACCOUNT_NAME).await;
    let name = "Thames Valley Accountants";
    let acct = id(name);
    let mut form = form_of(&d, name).await;
    form.name = "Bayside Realty".into(); // taken
    d.save_account(acct.as_str(), &form).await.unwrap();
    d.push_pending().await.unwrap();
    d.discard(acct.as_str(), DocKind::Account, None)
        .await
        .unwrap();

    let mut form = form_of(&d, name).await;
    form.tech_name = "Never Sent".into();
    d.save_account(acct.as_str(), &form).await.unwrap();
    d.discard(
        acct.as_str(),
        DocKind::Account,
        Some("contact.technical.name"),
    )
    .await
    .unwrap();
    assert_eq!(d.status().pending, 0);

    let log = d.changes(Some(acct.as_str())).unwrap();
    let rows: Vec<(&str, String, &str)> = log
        .iter()
        .map(|r| {
            (
                r.field.as_str(),
                desk_engine_value(r.new.as_ref()),
                r.result.as_str(),
            )
        })
        .collect();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(
        rows[0],
        ("contact.technical.name", "Never Sent".into(), "discarded")
    );
    assert_eq!(rows[1], ("name", "Bayside Realty".into(), "discarded"));
    assert_eq!((rows[2].0, rows[2].1.as_str()), ("name", "Bayside Realty"));
    assert!(
        rows[2].2.starts_with("refused") && rows[2].2.contains("already taken"),
        "{}",
        rows[2].2
    );
    assert!(
        log[2].request_id.is_some(),
        "the refusal names the server's request"
    );
    assert_eq!(log[0].user, log[2].user);
    let csv = desk_engine::to_csv(&log);
    assert!(
        csv.contains("\"discarded\"") && csv.contains("refused"),
        "{csv}"
    );
}

#[tokio::test]
async fn forgetting_a_platform_removes_its_secrets_and_only_its() {
    let secrets = MemoryStore::default();
    for profile in ["one#1", "two#2"] {
        for what in ["token", "api_key", "payment_token"] {
            secrets
                .set(&format!("{profile}/{what}"), &desk_core::Secret::new("s"))
                .unwrap();
        }
    }
    desk_engine::forget_secrets(&secrets, "one#1").unwrap();
    for what in ["token", "api_key", "payment_token"] {
        assert!(
            secrets.get(&format!("one#1/{what}")).unwrap().is_none(),
            "{what}"
        );
        assert!(
            secrets.get(&format!("two#2/{what}")).unwrap().is_some(),
            "{what}"
        );
    }
}

#[tokio::test]
async fn the_change_log_names_who_made_an_edit_and_when_not_who_pushed_it() {
    use crossbar::{AccountRef, Credentials};
    let (sbx, proxy, d, _dir) = crate::support::through_proxy(600).await;
    let acct = id("Bayside Realty");
    let mut form = form_of(&d, "Bayside Realty").await;
    // Dana edits offline; the edit waits in the outbox.
    proxy.set_down(true);
    let before = sbx.now();
    form.tech_name = "Rosa Delgado".into();
    d.save_account(acct.as_str(), &form).await.unwrap();
    let after = sbx.now();
    // An hour later a colleague signs in on the same computer and the edit goes out.
    sbx.advance(3600).await;
    proxy.set_down(false);
    d.sign_in(
        Credentials::password(
            AccountRef::Name(DEMO_ACCOUNT_NAME.into()),
            crossbar_sandbox::seed::AUDITOR_USERNAME,
            crossbar_sandbox::seed::AUDITOR_PASSWORD,
        ),
        false,
    )
    .await
    .unwrap();
    d.push_pending().await.unwrap();
    form.tech_email = "rosa@bayside.example".into();
    d.save_account(acct.as_str(), &form).await.unwrap();
    d.push_pending().await.unwrap();
    let log = d.changes(Some(acct.as_str())).unwrap();
    let of = |field: &str| log.iter().find(|r| r.field == field).unwrap();
    let dana = of("contact.technical.name");
    assert_eq!(dana.user, "Dana Whitfield (admin)", "{log:?}");
    let edited = dana.edited_at.expect("when Dana made it");
    assert!(before <= edited && edited <= after, "{edited}");
    assert!(
        dana.at >= before + chrono::Duration::seconds(3600),
        "pushed an hour later"
    );
    let audrey = of("contact.technical.email");
    assert_eq!(audrey.user, "Audrey Nakamura (auditor)");
    assert!(audrey.edited_at.is_some_and(|t| t <= audrey.at));
    let csv = desk_engine::to_csv(&log);
    assert!(
        csv.contains(&format!(
            "\"Dana Whitfield (admin)\",\"{}\"",
            edited.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )),
        "{csv}"
    );
}
