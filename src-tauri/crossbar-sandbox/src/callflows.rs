//! `GET /v2/accounts/{id}/callflows` and `/callflows/{callflow_id}`, read-only. The listing
//! honours Kazoo's `filter_<key>=<value>` query parameters (`filter_numbers=+13125550100`
//! keeps callflows whose `numbers` include that number) and paginates like every listing.

use crate::auth::OnAccount;
use crate::envelope::{self, Reply};
use crate::paging::{self};
use crate::Shared;
use axum::extract::{Path, Query, State as AxState};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/v2/accounts/{id}/callflows", get(list))
        .route("/v2/accounts/{id}/callflows/{callflow_id}", get(one))
}

type Q = Query<HashMap<String, String>>;

fn id_of(doc: &Map<String, Value>) -> &str {
    doc.get("id").and_then(Value::as_str).unwrap_or_default()
}

/// A scalar as a query string would spell it.
fn spelled(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Kazoo's `filter_<key>=<value>`: the key equals the value, or is a list holding it.
pub fn matches_filters(doc: &Map<String, Value>, query: &HashMap<String, String>) -> bool {
    query.iter().all(|(param, wanted)| {
        let Some(key) = param.strip_prefix("filter_") else {
            return true;
        };
        match doc.get(key) {
            Some(Value::Array(items)) => items
                .iter()
                .any(|i| spelled(i).as_deref() == Some(wanted.as_str())),
            Some(v) => spelled(v).as_deref() == Some(wanted.as_str()),
            None => false,
        }
    })
}

/// A row of the listing: the document without its `flow`.
fn row(doc: &Map<String, Value>) -> Value {
    let mut m = doc.clone();
    m.remove("flow");
    m.entry("numbers").or_insert_with(|| json!([]));
    m.entry("patterns").or_insert_with(|| json!([]));
    Value::Object(m)
}

async fn list(
    AxState(shared): AxState<Shared>,
    OnAccount { ctx, id, .. }: OnAccount,
    Query(query): Q,
) -> Reply {
    let state = shared.lock();
    let mut items: Vec<&Map<String, Value>> = state
        .callflows
        .get(&id)
        .map(|cfs| cfs.iter().filter(|c| matches_filters(c, &query)).collect())
        .unwrap_or_default();
    items.sort_by(|a, b| id_of(a).cmp(id_of(b)));
    paging::listing(&ctx, items, |c| id_of(c), &query, row)
}

async fn one(
    AxState(shared): AxState<Shared>,
    OnAccount { ctx, id, .. }: OnAccount,
    Path((_, callflow_id)): Path<(String, String)>,
) -> Reply {
    let state = shared.lock();
    match state
        .callflows
        .get(&id)
        .and_then(|cfs| cfs.iter().find(|c| id_of(c) == callflow_id))
    {
        Some(doc) => Ok(envelope::ok(&ctx, Value::Object(doc.clone()), None)),
        None => Err(envelope::bad_identifier(&ctx, &callflow_id)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_match_scalars_and_list_members() {
        let doc = json!({"id": "a", "numbers": ["+13125550100", "0"], "featurecode": false, "type": "main"});
        let doc = doc.as_object().unwrap();
        let q = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        assert!(matches_filters(doc, &q(&[("filter_numbers", "0")])));
        assert!(matches_filters(
            doc,
            &q(&[("filter_type", "main"), ("page_size", "5")])
        ));
        assert!(matches_filters(doc, &q(&[("filter_featurecode", "false")])));
        assert!(!matches_filters(doc, &q(&[("filter_numbers", "+1999")])));
        assert!(!matches_filters(doc, &q(&[("filter_owner_id", "x")])));
    }
}
