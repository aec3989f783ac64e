//! Dotted-path access into JSON objects (`contact.technical.email`), touching nothing else.

use serde_json::{Map, Value};

pub(crate) fn get<'a>(map: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('.');
    let mut cur = map.get(parts.next()?)?;
    for p in parts {
        cur = cur.as_object()?.get(p)?;
    }
    Some(cur)
}

/// Set a value, creating intermediate objects. A non-object in the way is replaced: the path
/// belongs to a setting we manage.
pub(crate) fn set(map: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            map.insert(path.to_owned(), value);
        }
        Some((head, rest)) => {
            let child = map
                .entry(head.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !child.is_object() {
                *child = Value::Object(Map::new());
            }
            if let Value::Object(obj) = child {
                set(obj, rest, value);
            }
        }
    }
}

/// Remove a value, then remove parent objects that became empty because of it.
pub(crate) fn remove(map: &mut Map<String, Value>, path: &str) {
    match path.split_once('.') {
        None => {
            map.shift_remove(path);
        }
        Some((head, rest)) => {
            let now_empty = match map.get_mut(head) {
                Some(Value::Object(obj)) => {
                    let had = obj.len();
                    remove(obj, rest);
                    obj.is_empty() && had > 0
                }
                _ => false,
            };
            if now_empty {
                map.shift_remove(head);
            }
        }
    }
}

/// The keys of `edited` that differ from `base`, as a Kazoo PATCH body: changed values, nested
/// objects diffed recursively, and `null` for keys `edited` no longer has.
pub(crate) fn diff(base: &Map<String, Value>, edited: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, new) in edited {
        match (base.get(k), new) {
            (Some(old), new) if old == new => {}
            (Some(Value::Object(old)), Value::Object(new)) => {
                let d = diff(old, new);
                if !d.is_empty() {
                    out.insert(k.clone(), Value::Object(d));
                }
            }
            _ => {
                out.insert(k.clone(), new.clone());
            }
        }
    }
    for k in base.keys() {
        if !edited.contains_key(k) {
            out.insert(k.clone(), Value::Null);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn set_and_remove_prune_only_what_they_emptied() {
        let mut m = obj(json!({"a": {"b": 1, "keep": {}}, "x": 2}));
        set(&mut m, "c.d.e", json!("v"));
        assert_eq!(get(&m, "c.d.e"), Some(&json!("v")));
        remove(&mut m, "c.d.e");
        assert!(!m.contains_key("c"));
        remove(&mut m, "a.b");
        assert_eq!(
            m.get("a"),
            Some(&json!({"keep": {}})),
            "pre-existing empty objects stay"
        );
    }

    #[test]
    fn diff_is_a_minimal_patch() {
        let base = obj(
            json!({"name": "A", "contact": {"technical": {"email": "a@x.io", "name": "N"}, "billing": {"x": 1}}, "gone": 1}),
        );
        let edited = obj(
            json!({"name": "A", "contact": {"technical": {"email": "b@x.io", "name": "N"}, "billing": {"x": 1}}}),
        );
        assert_eq!(
            Value::Object(diff(&base, &edited)),
            json!({"contact": {"technical": {"email": "b@x.io"}}, "gone": null})
        );
    }
}
