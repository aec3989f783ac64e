//! The new sub-account wizard through the engine, against the sandbox behind the counting proxy:
//! Kazoo's order (account, admin, plan, trunks), a name clash found before anything exists, a
//! creation cut short at the plan step and then finished or undone, and the start-up charge the
//! customer's first card pays — once. The clock is the sandbox's `NOW` (18 November 2026).

use crate::support::{id, through_proxy, Sandbox};
use crossbar::{AccountRef, Credentials};
use crossbar_sandbox::DEMO_ACCOUNT_NAME;
use desk_engine::{CardEntry, Desk, IntentState, NewAccountForm, NewAdmin, TrunksForm};
use desk_store::MemoryStore;
use desk_testkit::{files_under, find_secrets, Proxy};
use parking_lot::Mutex;
use rust_decimal::Decimal;
use serde_json::json;
use std::sync::Arc;

const PASSWORD: &str = "tide-pool-ledger-42";

fn form(realm_suffix: &str) -> NewAccountForm {
    NewAccountForm {
        parent: id(DEMO_ACCOUNT_NAME).to_string(),
        name: "Harbor Dental".into(),
        realm: format!("harbor-dental.{realm_suffix}"),
        privacy: "name".into(),
        admin: NewAdmin {
            first_name: "Ines".into(),
            last_name: "Okafor".into(),
            email: "ines@harbor-dental.example".into(),
            username: "Ines.Okafor".into(),
            password: PASSWORD.into(),
        },
        plan: "pbx-standard".into(),
        trunks: TrunksForm {
            inbound: "0".into(),
            outbound: "0".into(),
            twoway: "2".into(),
        },
        ..NewAccountForm::default()
    }
}

/// Create `f` with the charges the review showed; the steps' states as each one ended.
async fn create(
    dk: &Desk,
    f: &NewAccountForm,
) -> (desk_engine::CreationView, Vec<Vec<&'static str>>) {
    let today = dk.wizard_check(f, 5).await.unwrap().charges.unwrap().today;
    let seen = Mutex::new(Vec::new());
    let creation = dk.new_creation_id();
    let v = dk
        .create_account(&creation, f, &desk_core::money::format_money(today), &|v| {
            seen.lock().push(v.steps.iter().map(|s| s.state).collect())
        })
        .await
        .unwrap();
    (v, seen.into_inner())
}

fn new_id(v: &desk_engine::CreationView) -> desk_core::AccountId {
    desk_core::AccountId::parse(v.account_id.as_deref().unwrap()).unwrap()
}

#[tokio::test]
async fn the_wizard_creates_an_account_with_its_admin_plan_and_trunks_in_kazoos_order() {
    let (sbx, proxy, dk, dir) = through_proxy(600).await;
    let start = dk
        .wizard_start(id(DEMO_ACCOUNT_NAME).as_str())
        .await
        .unwrap();
    // Proposed: 6 hex characters on the parent's suffix, the parent's zone as a copy.
    let (label, suffix) = start.realm.split_once('.').unwrap();
    assert_eq!(suffix, "sip.deskdemo.net");
    assert!(
        label.len() == 6 && label.chars().all(|c| c.is_ascii_hexdigit()),
        "{label}"
    );
    assert_eq!(start.timezone, "America/Chicago");
    assert!(start.plans.iter().any(|p| p.id == "pbx-standard"));

    // A name Kazoo would call the same (case, spaces and punctuation aside), before the last step.
    let mut clash = form(suffix);
    clash.name = "BAYSIDE-realty".into();
    let err = dk.wizard_check(&clash, 1).await.unwrap_err().view();
    assert_eq!(err.field.as_deref(), Some("name"), "{err:?}");
    assert!(err.message.contains("Bayside Realty"), "{}", err.message);
    let puts = proxy.count("PUT", "/accounts/");

    // 18 November in Chicago: 13 of 30 days of 29.00 (12.57) and of 2 × 24.99 (21.66).
    let f = form(suffix);
    let check = dk.wizard_check(&f, 5).await.unwrap();
    let charges = check.charges.clone().unwrap();
    assert_eq!(
        charges.sentence,
        "34.23 today (prorated, 13 of 30 days), 78.98 monthly from 1 December 2026"
    );
    assert!(check.review.iter().any(|r| r.value.contains("ines.okafor")));
    assert_eq!(
        proxy.count("PUT", "/accounts/"),
        puts,
        "nothing created by a check"
    );

    let (done, seen) = create(&dk, &f).await;
    assert!(done.complete, "{done:?}");
    assert_eq!(
        seen,
        [
            vec!["done", "waiting", "waiting", "waiting"],
            vec!["done", "done", "waiting", "waiting"],
            vec!["done", "done", "done", "waiting"],
            vec!["done", "done", "done", "done"],
        ]
    );
    let acct = new_id(&done);
    let order: Vec<String> = proxy
        .requests()
        .iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.path.replace(acct.as_str(), "NEW")))
        .collect();
    let parent = id(DEMO_ACCOUNT_NAME);
    assert_eq!(
        order[order.len() - 5..],
        [
            format!("PUT /v2/accounts/{parent}"),
            "PUT /v2/accounts/NEW/users".to_owned(),
            "POST /v2/accounts/NEW/services/pbx-standard".to_owned(),
            "POST /v2/accounts/NEW/limits".to_owned(),
            "POST /v2/accounts/NEW/limits".to_owned(),
        ],
        "the trunks' 402 answered, then accepted"
    );
    // In the switcher at once, under its parent.
    assert!(dk
        .search("harbor dental")
        .iter()
        .any(|h| h.id == acct.as_str()));
    let server = crate::support::someone_else(&sbx.running.base_url).await;
    let doc = server.get_account(&acct).await.unwrap().value;
    assert_eq!(doc.as_map()["realm"], "harbor-dental.sip.deskdemo.net");
    assert_eq!(
        doc.as_map()["timezone"],
        "America/Chicago",
        "the parent's, copied"
    );
    assert_eq!(
        doc.as_map()["caller_id_options"]["outbound_privacy"],
        "name"
    );
    let summary = server.service_summary(&acct).await.unwrap();
    assert_eq!(summary.plan_id.as_deref(), Some("pbx-standard"));
    assert_eq!(summary.recurring, "78.98".parse::<Decimal>().unwrap());
    assert_eq!(server.balance(&acct).await.unwrap(), -charges.today);
    // The new admin signs in with the password; it is nowhere on this computer.
    let customer = crate::support::client(&sbx.running.base_url);
    customer
        .sign_in(Credentials::password(
            AccountRef::Name("Harbor Dental".into()),
            "ines.okafor",
            PASSWORD,
        ))
        .await
        .unwrap();
    drop(dk);
    assert!(find_secrets(&files_under(dir.path()), &[("password", PASSWORD)]).is_empty());
}

#[tokio::test]
async fn a_creation_cut_short_at_the_plan_step_is_finished_or_undone() {
    let (sbx, proxy, dk, _dir) = through_proxy(600).await;
    let server = crate::support::someone_else(&sbx.running.base_url).await;
    let fail_plan = |p: &Proxy| {
        p.answer_once(
            "POST",
            "/services/",
            500,
            json!({"status": "error", "error": "500", "message": "datastore_fault", "data": {}}),
        )
    };
    fail_plan(&proxy);
    let (cut, _) = create(&dk, &form("sip.deskdemo.net")).await;
    let states: Vec<&str> = cut.steps.iter().map(|s| s.state).collect();
    assert_eq!(states, ["done", "done", "failed", "waiting"]);
    assert!(
        cut.message.contains("exists but is not finished"),
        "{}",
        cut.message
    );
    assert_eq!(dk.unfinished_creations().unwrap().len(), 1);
    let acct = new_id(&cut);
    assert!(server
        .service_summary(&acct)
        .await
        .unwrap()
        .plan_id
        .is_none());

    // Finish: the plan and the trunks, not a second account or admin.
    let puts = proxy.count("PUT", "");
    let done = dk
        .finish_creation(&cut.id, &form("sip.deskdemo.net"), &|_| {})
        .await
        .unwrap();
    assert!(done.complete, "{done:?}");
    assert_eq!(proxy.count("PUT", ""), puts);
    assert_eq!(
        server
            .service_summary(&acct)
            .await
            .unwrap()
            .plan_id
            .as_deref(),
        Some("pbx-standard")
    );
    assert!(dk.unfinished_creations().unwrap().is_empty());

    // Undo: the account is deleted again and leaves the switcher.
    fail_plan(&proxy);
    let mut other = form("sip.deskdemo.net");
    other.name = "Harbor Dental West".into();
    other.realm = "harbor-west.sip.deskdemo.net".into();
    let (cut, _) = create(&dk, &other).await;
    let gone = new_id(&cut);
    let undone = dk.undo_creation(&cut.id).await.unwrap();
    assert!(
        undone.undone && undone.message.contains("deleted again"),
        "{undone:?}"
    );
    assert!(matches!(
        server.get_account(&gone).await,
        Err(crossbar::ApiError::NotFound { .. })
    ));
    assert!(!dk
        .search("harbor dental west")
        .iter()
        .any(|h| h.id == gone.as_str()));
    assert!(dk.unfinished_creations().unwrap().is_empty());
}

/// Harbor Dental created by the reseller through the proxy, and its admin's own desk (where it is
/// the top-level account). The sandbox and folders live as long as the returned value.
struct Customer {
    _sbx: Sandbox,
    proxy: Proxy,
    desk: Desk,
    acct: desk_core::AccountId,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

async fn new_customer() -> Customer {
    let (sbx, proxy, dk, reseller_dir) = through_proxy(600).await;
    let (made, _) = create(&dk, &form("sip.deskdemo.net")).await;
    let dir = tempfile::tempdir().unwrap();
    let desk = customer_desk(&sbx, &proxy, dir.path()).await;
    Customer {
        acct: new_id(&made),
        _sbx: sbx,
        proxy,
        desk,
        _dirs: (reseller_dir, dir),
    }
}

/// The customer's own desk: its top-level account is the new one.
async fn customer_desk(sbx: &Sandbox, proxy: &Proxy, dir: &std::path::Path) -> Desk {
    let dk = sbx.desk_at(&proxy.url, dir, Arc::new(MemoryStore::default()));
    dk.sign_in(
        Credentials::password(
            AccountRef::Name("Harbor Dental".into()),
            "ines.okafor",
            PASSWORD,
        ),
        false,
    )
    .await
    .unwrap();
    dk.sync_tree().await.unwrap();
    dk
}

/// A card typed in the dialog that said `due` is paid by it.
fn card(number: &str, due: &str) -> CardEntry {
    CardEntry {
        number: number.into(),
        expiry: "12/31".into(),
        cvv: "123".into(),
        holder: "Ines Okafor".into(),
        due_shown: due.into(),
    }
}

#[tokio::test]
async fn the_first_card_pays_the_prorated_start_up_charge_once() {
    let c = new_customer().await;
    let (proxy, customer, acct) = (&c.proxy, &c.desk, &c.acct);
    let due = "34.23".parse::<Decimal>().unwrap();
    let before = customer.payment_details(acct.as_str()).await.unwrap();
    assert!(before.can_pay && before.card.is_none());
    assert_eq!(
        before.due.as_ref().map(|d| d.amount),
        Some(due),
        "{before:?}"
    );

    let topups = proxy.count("POST", "/services/topup");
    let added = customer
        .add_card(acct.as_str(), card("4111 1111 1111 1111", "34.23"))
        .await
        .unwrap();
    let taken = added.first_charge.expect("taken with the first card");
    assert_eq!((taken.state, taken.amount), (IntentState::Completed, due));
    assert_eq!(taken.balance, Some(Decimal::ZERO));
    assert!(added.due.is_none());
    assert_eq!(proxy.count("POST", "/services/topup"), topups + 1);

    // A second card is not a first card.
    let again = customer
        .add_card(acct.as_str(), card("5555 5555 5555 4444", ""))
        .await
        .unwrap();
    assert!(again.first_charge.is_none());
    assert_eq!(proxy.count("POST", "/services/topup"), topups + 1);
}

#[tokio::test]
async fn a_lost_answer_to_the_account_put_finds_the_account_instead_of_making_a_twin() {
    let (sbx, proxy, dk, _dir) = through_proxy(600).await;
    let parent = id(DEMO_ACCOUNT_NAME);
    let created_here = format!("/accounts/{parent}");
    proxy.lose_next_answer("PUT", &created_here);
    let (cut, _) = create(&dk, &form("sip.deskdemo.net")).await;
    assert_eq!(cut.steps[0].state, "failed", "{cut:?}");
    assert!(cut.account_id.is_none() && cut.can_finish && !cut.can_undo);
    assert!(cut.message.contains("never made twice"), "{}", cut.message);

    proxy.set_down(false);
    let done = dk
        .finish_creation(&cut.id, &form("sip.deskdemo.net"), &|_| {})
        .await
        .unwrap();
    assert!(done.complete, "{done:?}");
    assert_eq!(proxy.count("PUT", &created_here), 1, "created once");
    let server = crate::support::someone_else(&sbx.running.base_url).await;
    let kids = server
        .children_page(&parent, None, 500)
        .await
        .unwrap()
        .items;
    let named: Vec<_> = kids
        .iter()
        .filter(|k| k.name.as_deref() == Some("Harbor Dental"))
        .collect();
    assert_eq!(named.len(), 1);
    assert_eq!(done.account_id.as_deref(), Some(named[0].id.as_str()));
}

#[tokio::test]
async fn a_lost_answer_to_the_first_cards_charge_is_settled_from_the_books_not_sent_again() {
    let c = new_customer().await;
    let (proxy, customer, acct) = (&c.proxy, &c.desk, &c.acct);
    customer.payment_details(acct.as_str()).await.unwrap();

    proxy.lose_next_answer("POST", "/services/topup");
    let added = customer
        .add_card(acct.as_str(), card("4111 1111 1111 1111", "34.23"))
        .await
        .unwrap();
    let lost = added.first_charge.expect("tried with the first card");
    assert_eq!(lost.state, IntentState::Unknown, "{lost:?}");
    proxy.set_down(false);

    // The next money action settles it first, from the books: charged once, nothing resent.
    let next = customer.new_credit_intent();
    let settled = customer
        .add_credit(acct.as_str(), &next, "5.00")
        .await
        .unwrap();
    assert_eq!(
        (settled.state, settled.amount),
        (IntentState::Completed, "34.23".parse().unwrap())
    );
    assert_eq!(proxy.count("POST", "/services/topup"), 1);
    assert!(customer
        .payment_details(acct.as_str())
        .await
        .unwrap()
        .due
        .is_none());
}

#[tokio::test]
async fn a_start_up_charge_other_than_the_one_shown_is_not_taken() {
    let c = new_customer().await;
    let (proxy, customer, acct) = (&c.proxy, &c.desk, &c.acct);
    let topups = proxy.count("POST", "/services/topup");
    let added = customer
        .add_card(acct.as_str(), card("4111 1111 1111 1111", "30.00"))
        .await
        .unwrap();
    assert!(added.first_charge.is_none(), "{:?}", added.first_charge);
    assert!(added.card.is_some());
    assert_eq!(proxy.count("POST", "/services/topup"), topups);
}
