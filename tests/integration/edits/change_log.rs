//! The change log: refused and discarded fields, and who made an edit and when.

use super::*;

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
