//! Kazoo's own reference material: every documented example parses and reads through our
//! types, and every document the client would send validates against Kazoo's schemas.

use crate::support::reference_dir;
use desk_core::{
    AccountDoc, AccountName, CallerIdPrivacy, Contact, ContactName, CountryCode, EmailAddress,
    LimitsDoc, NumbersFormat, PhoneNumber, Realm, Timezone, TrunkLimits,
};
use jsonschema::{Retrieve, Uri, Validator};
use serde_json::{json, Value};
use std::path::PathBuf;

fn read(path: PathBuf) -> Value {
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn example(name: &str) -> Value {
    read(reference_dir().join("examples").join(name))
}

/// Resolves `$ref: "caller_id"` to `schemas/caller_id.json`; refs Kazoo publishes elsewhere
/// (dialplans, formatters, …) resolve to an open schema, since we never send those keys.
struct Schemas;

impl Retrieve for Schemas {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri
            .as_str()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .trim_end_matches(".json")
            .to_owned();
        let path = reference_dir().join("schemas").join(format!("{name}.json"));
        Ok(if path.exists() { read(path) } else { json!({}) })
    }
}

fn validator(schema: &str) -> Validator {
    let schema = read(reference_dir().join("schemas").join(schema));
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .with_retriever(Schemas)
        .build(&schema)
        .unwrap_or_else(|e| panic!("schema does not compile: {e}"))
}

fn assert_valid(v: &Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} breaks Kazoo's schema: {errors:?}\n{doc:#}"
    );
}

#[test]
fn every_example_body_parses() {
    let dir = reference_dir().join("examples");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) == Some("json") {
            read(path);
            count += 1;
        }
    }
    assert!(count >= 15, "found {count} examples");
}

/// The account documents Kazoo documents, as our core reads them.
fn account_examples() -> Vec<(&'static str, Value)> {
    vec![
        (
            "accounts_get_response",
            example("accounts_get_response.json")["data"].clone(),
        ),
        (
            "teletype sample",
            example("account_db_document_sample.teletype-preview.json"),
        ),
    ]
}

#[test]
fn documented_accounts_and_limits_read_through_our_types() {
    for (what, v) in account_examples() {
        let doc = AccountDoc::from_value(v).unwrap();
        assert!(doc.name().valid().is_some(), "{what}: name");
        assert!(doc.realm().valid().is_some(), "{what}: realm");
        assert!(doc.timezone().valid().is_some(), "{what}: timezone");
        assert!(doc.privacy().valid().is_some(), "{what}: privacy");
    }
    let limits =
        LimitsDoc::from_value(example("limits_get_response.json")["data"].clone()).unwrap();
    assert_eq!(
        limits.trunks(),
        TrunkLimits {
            inbound: 0,
            outbound: 5,
            twoway: 0
        }
    );
    let children = example("accounts_children_response.json");
    assert_eq!(children["data"][0]["tree"].as_array().unwrap().len(), 1);
}

/// Each edit the app can make, applied to a document.
/// (name, top-level keys it touches, the edit)
type Edit = (
    &'static str,
    &'static [&'static str],
    Box<dyn Fn(&mut AccountDoc)>,
);

fn edits() -> Vec<Edit> {
    let us = CountryCode::parse("c", "US").ok();
    vec![
        (
            "name",
            &["name"],
            Box::new(|d: &mut AccountDoc| d.set_name(&AccountName::parse("Renamed Co").unwrap())),
        ),
        (
            "realm",
            &["realm"],
            Box::new(|d: &mut AccountDoc| {
                d.set_realm(&Realm::parse("renamed.sip.example.com").unwrap())
            }),
        ),
        (
            "timezone",
            &["timezone"],
            Box::new(|d: &mut AccountDoc| d.set_timezone(Timezone::parse("Europe/Paris").unwrap())),
        ),
        (
            "inherit",
            &["timezone"],
            Box::new(|d: &mut AccountDoc| d.set_timezone(Timezone::Inherit)),
        ),
        (
            "format",
            &["ui_flags"],
            Box::new(|d: &mut AccountDoc| {
                d.set_numbers_format(
                    &NumbersFormat::parse(
                        "international_with_exceptions",
                        &["FR".into(), "us".into()],
                    )
                    .unwrap(),
                )
            }),
        ),
        (
            "privacy",
            &["caller_id_options"],
            Box::new(|d: &mut AccountDoc| d.set_privacy(CallerIdPrivacy::Full)),
        ),
        (
            "privacy default",
            &["caller_id_options"],
            Box::new(|d: &mut AccountDoc| d.set_privacy(CallerIdPrivacy::Default)),
        ),
        (
            "contact",
            &["contact"],
            Box::new(move |d: &mut AccountDoc| {
                d.set_technical_contact(&Contact {
                    name: ContactName::parse("contact.technical.name", "Ops Desk").unwrap(),
                    email: Some(
                        EmailAddress::parse("contact.technical.email", "ops@example.com").unwrap(),
                    ),
                    number: Some(
                        PhoneNumber::parse("contact.technical.number", "(415) 555-2671", us)
                            .unwrap(),
                    ),
                })
            }),
        ),
    ]
}

#[test]
fn what_the_client_sends_validates_against_kazoos_schemas() {
    let master = validator("accounts.json");
    let branch_43 = validator("accounts.kazoo-4.3-branch.json");
    // The validator is live: a document breaking the schema is caught.
    assert!(!master.is_valid(&json!({"name": "x".repeat(129)})));
    assert!(
        !master.is_valid(&json!({"name": "A", "caller_id_options": {"outbound_privacy": "all"}}))
    );
    for (what, original) in account_examples() {
        for (edit, _, apply) in edits() {
            let mut doc = AccountDoc::from_value(original.clone()).unwrap();
            apply(&mut doc);
            let body = doc.outgoing();
            assert_valid(&master, &body, &format!("{what} after {edit}"));
            assert_valid(&branch_43, &body, &format!("{what} after {edit} (4.3)"));
        }
    }
    let limits_schema = validator("limits.json");
    let mut limits =
        LimitsDoc::from_value(example("limits_get_response.json")["data"].clone()).unwrap();
    limits.set_trunks(&TrunkLimits {
        inbound: 11,
        outbound: 5,
        twoway: 2,
    });
    assert_valid(
        &limits_schema,
        &limits.outgoing(),
        "limits after a trunk change",
    );
    assert!(!limits_schema.is_valid(&json!({"inbound_trunks": -1})));
    assert!(!limits_schema.is_valid(&json!({"inbound_trunks": 1.5})));
}

#[test]
fn one_edit_leaves_every_other_key_byte_for_byte() {
    for (what, original) in account_examples() {
        let before = original.as_object().unwrap().clone();
        for (edit, touched, apply) in edits() {
            let mut doc = AccountDoc::from_value(original.clone()).unwrap();
            apply(&mut doc);
            let after = doc.to_value();
            for (key, value) in &before {
                if touched.contains(&key.as_str()) {
                    continue;
                }
                assert_eq!(
                    serde_json::to_string(&after[key]).unwrap(),
                    serde_json::to_string(value).unwrap(),
                    "{what}: {edit} changed {key}"
                );
            }
            // Inside the touched object, siblings of the edited key are untouched too.
            if edit == "contact" {
                assert_eq!(
                    after["contact"].get("billing"),
                    original["contact"].get("billing")
                );
            }
            if edit == "format" {
                let flags_before = original
                    .get("ui_flags")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                for (k, v) in flags_before
                    .iter()
                    .filter(|(k, _)| !k.starts_with("numbers_format"))
                {
                    assert_eq!(&after["ui_flags"][k], v);
                }
            }
        }
    }
    let mut limits =
        LimitsDoc::from_value(example("limits_post_request.json")["data"].clone()).unwrap();
    limits.set_trunks(&TrunkLimits {
        inbound: 1,
        outbound: 5,
        twoway: 0,
    });
    assert_eq!(limits.to_value()["allow_prepay"], true);
    assert_eq!(limits.to_value()["id"], "limits");
}
