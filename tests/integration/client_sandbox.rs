//! The Crossbar client against the sandbox over real HTTP.

use crate::support::{client, demo_login, id, login, sandbox};
use crossbar::{ApiError, Payment};
use crossbar_sandbox::{Seed, DEMO_ACCOUNT_NAME};
use desk_core::{AccountName, Realm};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn signs_in_and_reads_the_seeded_reseller() {
    let sbx = sandbox(Seed::Demo, 60).await;
    let c = client(&sbx.running.base_url);
    let session = c.sign_in(demo_login()).await.unwrap();
    assert_eq!(session.account_id, id(DEMO_ACCOUNT_NAME));
    assert!(session.is_reseller);
    let acct = c.get_account(&session.account_id).await.unwrap();
    assert_eq!(
        acct.value.name().valid().unwrap().as_str(),
        DEMO_ACCOUNT_NAME
    );
    assert!(acct.revision.is_some());
    assert!(acct.request_id.is_some());
    let wrong = c
        .sign_in(crossbar::Credentials::password(
            crossbar::AccountRef::Name(DEMO_ACCOUNT_NAME.into()),
            "admin",
            "nope",
        ))
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), "bad_credentials");
}

#[tokio::test]
async fn walks_every_page_of_descendants() {
    let sbx = sandbox(Seed::Scale(1200), 60).await;
    let c = client(&sbx.running.base_url);
    let s = c.sign_in(demo_login()).await.unwrap();
    let mut reports = Vec::new();
    let all = c
        .descendants(&s.account_id, 500, |n| reports.push(n))
        .await
        .unwrap();
    assert_eq!(all.skipped, 0);
    let all = all.items;
    assert_eq!(all.len(), 1200);
    assert_eq!(reports, [500, 1000, 1200]);
    let ids: std::collections::HashSet<_> = all.iter().map(|a| a.id.clone()).collect();
    assert_eq!(ids.len(), 1200);
    assert!(all.iter().all(|a| a.tree.contains(&s.account_id)));
}

#[tokio::test]
async fn patch_changes_one_field_and_keeps_the_rest() {
    let sbx = sandbox(Seed::Demo, 60).await;
    let c = client(&sbx.running.base_url);
    c.sign_in(demo_login()).await.unwrap();
    let legacy = id("Legacy Imports Ltd");
    let before = c.get_account(&legacy).await.unwrap().value;
    let mut edited = before.clone();
    edited.set_name(&AccountName::parse("Legacy Imports Limited").unwrap());
    let patch = before.patch_to(&edited);
    assert_eq!(patch, json!({"name": "Legacy Imports Limited"}));
    let after = c.patch_account(&legacy, patch).await.unwrap().value;
    assert_eq!(
        after.name().valid().unwrap().as_str(),
        "Legacy Imports Limited"
    );
    for key in [
        "legacy_crm_id",
        "contact",
        "realm",
        "timezone",
        "format_from_uri",
        "ui_restrictions",
    ] {
        assert_eq!(
            after.as_map().get(key),
            before.as_map().get(key),
            "{key} untouched"
        );
    }
}

#[tokio::test]
async fn uniqueness_errors_land_on_the_field_as_sentences() {
    let sbx = sandbox(Seed::Demo, 60).await;
    let c = client(&sbx.running.base_url);
    c.sign_in(demo_login()).await.unwrap();
    let bayside = id("Bayside Realty");
    let realm = Realm::parse("acme-dental.sip.deskdemo.net").unwrap();
    let err = c
        .patch_account(
            &bayside,
            json!({"realm": realm.as_str(), "name": "Acme Dental Group"}),
        )
        .await
        .unwrap_err();
    let ApiError::Validation { fields, meta } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(meta.status, 400);
    let msg = |f: &str| {
        fields
            .iter()
            .find(|p| p.field == f)
            .map(|p| p.message.clone())
    };
    assert_eq!(
        msg("realm").as_deref(),
        Some("this realm is already in use")
    );
    assert_eq!(msg("name").as_deref(), Some("this name is already taken"));
    assert!(
        err.to_string()
            .contains("Account realm this realm is already in use"),
        "{err}"
    );
}

#[tokio::test]
async fn an_expired_token_is_renewed_once_with_the_stored_credentials() {
    let sbx = sandbox(Seed::Demo, 1).await;
    let c = client(&sbx.running.base_url);
    let s = c.sign_in(demo_login()).await.unwrap();
    let first = s.token.clone();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    c.get_account(&s.account_id)
        .await
        .expect("renewed transparently");
    assert_ne!(c.session().unwrap().token, first);

    // Without credentials to renew with, the user is told to sign in again.
    let other = client(&sbx.running.base_url);
    other.resume(first, s.account_id.clone(), None);
    let err = other.get_account(&s.account_id).await.unwrap_err();
    assert_eq!(err.code(), "session_expired");
}

#[tokio::test]
async fn raising_trunks_returns_the_charges_and_consent_applies_them() {
    let sbx = sandbox(Seed::Demo, 60).await;
    let c = client(&sbx.running.base_url);
    c.sign_in(demo_login()).await.unwrap();
    let sub = id("Cape Coast Solar");
    let mut limits = c.get_limits(&sub).await.unwrap().value;
    let mut t = limits.trunks();
    t.twoway += 2;
    limits.set_trunks(&t);
    let err = c
        .post_limits(&sub, limits.outgoing(), false)
        .await
        .unwrap_err();
    let ApiError::PaymentRequired {
        payment: Payment::AcceptCharges(charges),
        ..
    } = err
    else {
        panic!("{err:?}")
    };
    let item = charges
        .items
        .iter()
        .find(|i| i.item == "twoway_trunks")
        .unwrap();
    assert_eq!((item.quantity, item.previous), (Some(2), Some(0)));
    assert_eq!(item.rate, Some("24.99".parse().unwrap()));
    // Kazoo's quote: `summary.today` is the activation charges (none on this plan).
    assert_eq!(charges.today, Some(rust_decimal::Decimal::ZERO));
    assert_eq!(
        c.get_limits(&sub).await.unwrap().value.trunks().twoway,
        0,
        "nothing changed yet"
    );
    let saved = c.post_limits(&sub, limits.outgoing(), true).await.unwrap();
    assert_eq!(saved.value.trunks().twoway, 2);
}

#[tokio::test]
async fn forbidden_and_not_found_are_distinct() {
    let sbx = sandbox(Seed::Demo, 60).await;
    let c = client(&sbx.running.base_url);
    c.sign_in(login("Bayside Realty")).await.unwrap();
    let own = id("Bayside Realty");
    let limits = c.get_limits(&own).await.unwrap().value;
    let err = c
        .post_limits(&own, limits.outgoing(), true)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "forbidden");
    assert!(err.to_string().contains("phone provider"), "{err}");
    assert_eq!(
        c.get_account(&id(DEMO_ACCOUNT_NAME))
            .await
            .unwrap_err()
            .code(),
        "forbidden"
    );
    let ghost = desk_core::AccountId::parse("0123456789abcdef0123456789abcdef").unwrap();
    assert_eq!(c.get_account(&ghost).await.unwrap_err().code(), "not_found");
}
