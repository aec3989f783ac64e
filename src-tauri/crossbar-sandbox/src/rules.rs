//! The sandbox's own reading of Kazoo's `accounts.json` and `limits.json` schemas: the checks a
//! real Crossbar runs before storing a document, reported as `{field: {rule: detail}}`.

use serde_json::{json, Map, Value};

#[derive(Default)]
pub struct Errors(Map<String, Value>);

impl Errors {
    pub fn add(&mut self, field: &str, rule: &str, detail: Value) {
        let entry = self
            .0
            .entry(field.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(rules) = entry {
            rules.insert(rule.to_owned(), detail);
        }
    }

    pub fn contains(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }
}

fn at<'a>(doc: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('.');
    let mut cur = doc.get(parts.next()?)?;
    for p in parts {
        cur = cur.as_object()?.get(p)?;
    }
    Some(cur)
}

fn type_error(errs: &mut Errors, field: &str, want: &str, v: &Value) {
    errs.add(
        field,
        "type",
        json!({"message": format!("Value did not match type(s): {want}"), "target": want, "value": v}),
    );
}

fn string_rule(errs: &mut Errors, doc: &Map<String, Value>, field: &str, min: usize, max: usize) {
    match at(doc, field) {
        None => {}
        Some(Value::String(s)) => {
            let len = s.chars().count();
            if len < min {
                errs.add(
                    field,
                    "minLength",
                    json!({"message": format!("String must be at least {min} characters"), "target": min, "value": s}),
                );
            }
            if len > max {
                errs.add(
                    field,
                    "maxLength",
                    json!({"message": format!("String must not be more than {max} characters"), "target": max, "value": s}),
                );
            }
        }
        Some(v) => type_error(errs, field, "string", v),
    }
}

fn number_rule(errs: &mut Errors, doc: &Map<String, Value>, field: &str) {
    if let Some(v) = at(doc, field) {
        if !v.is_number() {
            type_error(errs, field, "number", v);
        }
    }
}

fn bool_rule(errs: &mut Errors, doc: &Map<String, Value>, field: &str) {
    if let Some(v) = at(doc, field) {
        if !v.is_boolean() {
            type_error(errs, field, "boolean", v);
        }
    }
}

/// Kazoo's realm pattern `^[.\w-]+$`.
fn realm_pattern_ok(realm: &str) -> bool {
    !realm.is_empty()
        && realm
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '-')
}

/// Schema checks for an account document (uniqueness is checked against the store elsewhere).
pub fn check_account(doc: &Map<String, Value>) -> Errors {
    let mut errs = Errors::default();
    match doc.get("name") {
        None | Some(Value::Null) => errs.add(
            "name",
            "required",
            json!({"message": "Field is required but missing"}),
        ),
        Some(_) => string_rule(&mut errs, doc, "name", 1, 128),
    }
    string_rule(&mut errs, doc, "realm", 4, 253);
    if let Some(Value::String(realm)) = doc.get("realm") {
        if !realm_pattern_ok(realm) {
            errs.add(
                "realm",
                "pattern",
                json!({"message": "Failed to match pattern '^[.\\w-]+$'", "target": "^[.\\w-]+$", "value": realm}),
            );
        }
    }
    string_rule(&mut errs, doc, "timezone", 5, 32);
    string_rule(&mut errs, doc, "language", 0, usize::MAX);
    if let Some(v) = at(doc, "caller_id_options.outbound_privacy") {
        let allowed = ["full", "name", "number", "none"];
        if !v.as_str().is_some_and(|s| allowed.contains(&s)) {
            errs.add(
                "caller_id_options.outbound_privacy",
                "enum",
                json!({"message": "Value not found in enumerated list of values", "target": allowed, "value": v}),
            );
        }
    }
    for kind in ["internal", "external", "emergency", "asserted"] {
        for part in ["name", "number"] {
            string_rule(&mut errs, doc, &format!("caller_id.{kind}.{part}"), 0, 35);
        }
    }
    number_rule(&mut errs, doc, "notifications.low_balance.threshold");
    bool_rule(&mut errs, doc, "notifications.low_balance.enabled");
    number_rule(&mut errs, doc, "topup.threshold");
    errs
}

/// Kazoo's user name pattern `^([+@.\w_-]+)$`.
fn username_pattern_ok(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || "+@._-".contains(c))
}

fn required_string(errs: &mut Errors, doc: &Map<String, Value>, field: &str, max: usize) {
    match doc.get(field) {
        None | Some(Value::Null) => errs.add(
            field,
            "required",
            json!({"message": "Field is required but missing"}),
        ),
        Some(_) => string_rule(errs, doc, field, 1, max),
    }
}

/// Schema checks for a user document (`users.json`); uniqueness is checked elsewhere.
pub fn check_user(doc: &Map<String, Value>) -> Errors {
    let mut errs = Errors::default();
    required_string(&mut errs, doc, "first_name", 128);
    required_string(&mut errs, doc, "last_name", 128);
    string_rule(&mut errs, doc, "username", 1, 256);
    if let Some(Value::String(name)) = doc.get("username") {
        if !name.is_empty() && !username_pattern_ok(name) {
            errs.add(
                "username",
                "pattern",
                json!({"message": "Failed to match pattern '^([+@.\\w_-]+)$'", "target": "^([+@.\\w_-]+)$", "value": name}),
            );
        }
    }
    string_rule(&mut errs, doc, "email", 3, 254);
    if let Some(Value::String(email)) = doc.get("email") {
        let well_formed = email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        }) && !email.chars().any(char::is_whitespace);
        if email.chars().count() >= 3 && !well_formed {
            errs.add(
                "email",
                "format",
                json!({"message": "Value is not a valid email", "target": "email", "value": email}),
            );
        }
    }
    if let Some(v) = doc.get("priv_level") {
        let allowed = ["user", "admin"];
        if !v.as_str().is_some_and(|s| allowed.contains(&s)) {
            errs.add(
                "priv_level",
                "enum",
                json!({"message": "Value not found in enumerated list of values", "target": allowed, "value": v}),
            );
        }
    }
    string_rule(&mut errs, doc, "timezone", 5, 32);
    bool_rule(&mut errs, doc, "enabled");
    if let Some(v) = doc.get("ui_flags") {
        if !v.is_object() {
            type_error(&mut errs, "ui_flags", "object", v);
        }
    }
    errs
}

pub const TRUNK_FIELDS: [&str; 3] = ["inbound_trunks", "outbound_trunks", "twoway_trunks"];

/// Schema checks for a limits document: counts are integers ≥ 0.
pub fn check_limits(doc: &Map<String, Value>) -> Errors {
    let mut errs = Errors::default();
    let integer_fields =
        TRUNK_FIELDS
            .iter()
            .chain(&["burst_trunks", "calls", "resource_consuming_calls"]);
    for field in integer_fields {
        match doc.get(*field) {
            None => {}
            Some(v) if v.as_i64().is_some_and(|n| n < 0) => errs.add(
                field,
                "minimum",
                json!({"message": "Value must be at least 0", "target": 0, "value": v}),
            ),
            Some(v) if v.is_i64() || v.is_u64() => {}
            Some(v) => type_error(&mut errs, field, "integer", v),
        }
    }
    bool_rule(&mut errs, doc, "allow_prepay");
    if let Some(v) = doc.get("authz_resource_types") {
        if !v.as_array().is_some_and(|a| a.iter().all(Value::is_string)) {
            type_error(&mut errs, "authz_resource_types", "array", v);
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn account_rules_key_errors_by_field_and_rule() {
        let errs = check_account(&obj(json!({"realm": "a b", "timezone": "UTC", "caller_id_options": {"outbound_privacy": "all"}}))).into_map();
        assert!(errs["name"]["required"].is_object());
        assert!(errs["realm"]["pattern"].is_object());
        assert_eq!(errs["timezone"]["minLength"]["target"], 5);
        assert!(errs["caller_id_options.outbound_privacy"]["enum"].is_object());
        assert!(
            check_account(&obj(json!({"name": "ok", "realm": "Upper_Case.example"}))).is_empty()
        );
    }

    #[test]
    fn user_rules_follow_the_users_schema() {
        let errs = check_user(&obj(json!({"username": "has space", "email": "nope", "priv_level": "root", "timezone": "UTC", "enabled": "yes"}))).into_map();
        assert!(errs["first_name"]["required"].is_object());
        assert!(errs["last_name"]["required"].is_object());
        assert!(errs["username"]["pattern"].is_object());
        assert!(errs["email"]["format"].is_object());
        assert!(errs["priv_level"]["enum"].is_object());
        assert_eq!(errs["timezone"]["minLength"]["target"], 5);
        assert!(errs["enabled"]["type"].is_object());
        assert!(check_user(&obj(json!({"first_name": "Ana", "last_name": "Li", "username": "ana.li+ops@example.com", "email": "ana@example.com", "priv_level": "admin"}))).is_empty());
    }

    #[test]
    fn limits_must_be_whole_and_not_negative() {
        let errs = check_limits(&obj(
            json!({"inbound_trunks": -1, "outbound_trunks": 2.5, "twoway_trunks": "3"}),
        ))
        .into_map();
        assert!(errs["inbound_trunks"]["minimum"].is_object());
        assert!(errs["outbound_trunks"]["type"].is_object());
        assert!(errs["twoway_trunks"]["type"].is_object());
    }
}
