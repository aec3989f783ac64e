//! Conflicts, consent to charges and read-only trunks: what the server decides about a push.

use super::*;

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
