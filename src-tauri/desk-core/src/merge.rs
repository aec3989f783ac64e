//! Three-way merge of a pending edit with the server's current document.
//!
//! Kazoo writes are last-writer-wins, so before pushing, the client re-reads the document and
//! decides per field: apply mine (the server still has the value I started from), nothing to do
//! (the server already has my value), or conflict (someone else changed it since).

use crate::json_path;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One field of a pending edit. `None` means "key absent".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// Dotted Kazoo path, e.g. `contact.technical.email`.
    pub path: String,
    /// The server's value when the user made the edit.
    pub base: Option<Value>,
    /// The value the user wants.
    pub mine: Option<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    /// The server still has `base`: send `mine`.
    Apply,
    /// The server already holds `mine`.
    AlreadyThere,
    /// Both sides changed the field: the user must choose.
    Conflict { theirs: Option<Value> },
}

/// The value at `path`, with JSON `null` read as absent.
pub fn value_at(doc: &Map<String, Value>, path: &str) -> Option<Value> {
    json_path::get(doc, path).filter(|v| !v.is_null()).cloned()
}

pub fn resolve(change: &FieldChange, remote: &Map<String, Value>) -> Resolution {
    let theirs = value_at(remote, &change.path);
    if theirs == change.mine {
        Resolution::AlreadyThere
    } else if theirs == change.base {
        Resolution::Apply
    } else {
        Resolution::Conflict { theirs }
    }
}

/// Set (or, for `None`, remove) a field in a document.
pub fn apply(doc: &mut Map<String, Value>, path: &str, value: Option<&Value>) {
    match value {
        Some(v) => json_path::set(doc, path, v.clone()),
        None => json_path::remove(doc, path),
    }
}

/// A Kazoo PATCH body setting each field: nested objects, `null` to remove a key.
pub fn patch_body<'a>(fields: impl IntoIterator<Item = (&'a str, Option<&'a Value>)>) -> Value {
    let mut body = Map::new();
    for (path, value) in fields {
        json_path::set(&mut body, path, value.cloned().unwrap_or(Value::Null));
    }
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(path: &str, base: Option<Value>, mine: Option<Value>) -> FieldChange {
        FieldChange {
            path: path.into(),
            base,
            mine,
        }
    }

    #[test]
    fn decides_per_field() {
        let remote = json!({"name": "Theirs", "realm": "a.example.com", "contact": {"technical": {"email": "x@y.io"}}});
        let remote = remote.as_object().unwrap();
        let name = change("name", Some(json!("Base")), Some(json!("Mine")));
        assert_eq!(
            resolve(&name, remote),
            Resolution::Conflict {
                theirs: Some(json!("Theirs"))
            }
        );
        let realm = change(
            "realm",
            Some(json!("a.example.com")),
            Some(json!("b.example.com")),
        );
        assert_eq!(resolve(&realm, remote), Resolution::Apply);
        let email = change(
            "contact.technical.email",
            Some(json!("old@y.io")),
            Some(json!("x@y.io")),
        );
        assert_eq!(resolve(&email, remote), Resolution::AlreadyThere);
        let removed = change(
            "caller_id_options.outbound_privacy",
            Some(json!("full")),
            None,
        );
        assert_eq!(
            resolve(&removed, remote),
            Resolution::AlreadyThere,
            "already absent"
        );
        let added = change("timezone", None, Some(json!("Europe/Paris")));
        assert_eq!(resolve(&added, remote), Resolution::Apply);
    }

    #[test]
    fn builds_a_nested_patch_with_nulls() {
        let v = json!("a@b.io");
        let body = patch_body([
            ("contact.technical.email", Some(&v)),
            ("caller_id_options.outbound_privacy", None),
        ]);
        assert_eq!(
            body,
            json!({"contact": {"technical": {"email": "a@b.io"}}, "caller_id_options": {"outbound_privacy": null}})
        );
    }
}
