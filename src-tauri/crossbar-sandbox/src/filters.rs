//! Crossbar's generic listing filters (`crossbar_filter`): `filter_{path}=v` keeps rows whose
//! stored document has `v` at the dotted `path`, `filter_not_{path}=v` drops them; all are
//! ANDed. Values compare as text (`kz_json:get_binary_value/3`, a missing key is ""); when they
//! differ, `v` is read as JSON: a list means "one of", anything else must equal the value.
//! They match the stored document (amounts in units, `pvt_*` keys), not the row returned.

use serde_json::Value;
use std::collections::HashMap;

/// Whether the query asks for any filter (time bounds alone are not one).
pub fn any(query: &HashMap<String, String>) -> bool {
    query.keys().any(|k| k.starts_with("filter_"))
}

/// `crossbar_filter:filter_doc/2` for the `filter_` and `filter_not_` parameters.
pub fn keeps(doc: &Value, query: &HashMap<String, String>) -> bool {
    query.iter().all(|(k, v)| {
        if let Some(path) = k.strip_prefix("filter_not_") {
            !matches(doc, path, v)
        } else if let Some(path) = k.strip_prefix("filter_") {
            matches(doc, path, v)
        } else {
            true
        }
    })
}

fn text(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn matches(doc: &Value, path: &str, wanted: &str) -> bool {
    let found = path.split('.').try_fold(doc, |v, key| v.get(key));
    let stored = text(found);
    if stored == wanted {
        return true;
    }
    match serde_json::from_str::<Value>(wanted) {
        Ok(Value::Array(options)) => options.iter().any(|o| text(Some(o)) == stored),
        Ok(decoded) => found == Some(&decoded),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect()
    }

    #[test]
    fn crossbar_filter_compares_text_lists_and_negations() {
        let doc = json!({"executor": {"trigger": "manual"}, "amount": 650000, "metadata": {"automatic_description": true}});
        assert!(keeps(&doc, &q(&[("filter_executor.trigger", "manual")])));
        assert!(!keeps(
            &doc,
            &q(&[("filter_executor.trigger", "automatic")])
        ));
        assert!(keeps(&doc, &q(&[("filter_amount", "650000")])));
        assert!(keeps(
            &doc,
            &q(&[("filter_executor.trigger", r#"["automatic","manual"]"#)])
        ));
        assert!(!keeps(
            &doc,
            &q(&[("filter_not_metadata.automatic_description", "true")])
        ));
        assert!(keeps(
            &doc,
            &q(&[("filter_not_metadata.manual_bookkeeping_tool", "true")])
        ));
        assert!(keeps(&doc, &q(&[("filter_missing", "")])));
        assert!(keeps(&doc, &q(&[("created_from", "1")])));
    }
}
