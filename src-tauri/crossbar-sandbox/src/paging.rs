//! Kazoo-style listing pagination: `page_size`, an opaque `start_key`, `next_start_key` on every
//! page but the last, and `paginate=false` for everything at once.

use crate::envelope::{self, Ctx, Reply};
use axum::http::StatusCode;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

pub const DEFAULT_PAGE_SIZE: usize = 50;

enum PageError {
    BadStartKey,
    BadPageSize,
}

/// One page of `items` (sorted by `key`) as Kazoo's listing envelope, each item shown by `row`;
/// bad paging parameters get Kazoo's 400 on the field at fault.
pub fn listing<T>(
    ctx: &Ctx,
    items: Vec<T>,
    key: impl Fn(&T) -> &str,
    query: &HashMap<String, String>,
    row: impl Fn(T) -> Value,
) -> Reply {
    listing_as(ctx, items, key, query, row, false)
}

/// A chunked listing (`/ledgers/{source}`): the paging keys are written after `data` by
/// `api_util:close_chunk_json_envelope`, every value as text (`"page_size": "50"`).
pub fn chunked_listing<T>(
    ctx: &Ctx,
    items: Vec<T>,
    key: impl Fn(&T) -> &str,
    query: &HashMap<String, String>,
    row: impl Fn(T) -> Value,
) -> Reply {
    listing_as(ctx, items, key, query, row, true)
}

fn listing_as<T>(
    ctx: &Ctx,
    items: Vec<T>,
    key: impl Fn(&T) -> &str,
    query: &HashMap<String, String>,
    row: impl Fn(T) -> Value,
    chunked: bool,
) -> Reply {
    let (page, mut extra) = page(items, key, query).map_err(|e| {
        let (field, msg) = match e {
            PageError::BadStartKey => ("start_key", "start_key is not a key this server issued"),
            PageError::BadPageSize => ("page_size", "page_size must be a positive integer"),
        };
        envelope::validation(
            ctx,
            envelope::single_error(field, "invalid", json!({"message": msg})),
        )
    })?;
    if chunked {
        for v in extra.values_mut() {
            if let Value::Number(n) = v {
                *v = Value::String(n.to_string());
            }
        }
    }
    Ok(envelope::success(
        ctx,
        StatusCode::OK,
        Value::Array(page.into_iter().map(row).collect()),
        None,
        extra,
    ))
}

/// Cut one page out of `items`, which must be sorted by `key`.
fn page<T>(
    items: Vec<T>,
    key: impl Fn(&T) -> &str,
    query: &HashMap<String, String>,
) -> Result<(Vec<T>, Map<String, Value>), PageError> {
    let mut extra = Map::new();
    if query.get("paginate").map(String::as_str) == Some("false") {
        return Ok((items, extra));
    }
    let size = match query.get("page_size") {
        None => DEFAULT_PAGE_SIZE,
        Some(s) => match s.parse::<usize>() {
            Ok(n) if n > 0 => n,
            _ => return Err(PageError::BadPageSize),
        },
    };
    let start = match query.get("start_key").filter(|s| !s.is_empty()) {
        None => 0,
        Some(k) => {
            let raw = URL_SAFE_NO_PAD
                .decode(k)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or(PageError::BadStartKey)?;
            items.partition_point(|i| key(i) < raw.as_str())
        }
    };
    let start_key = query.get("start_key").cloned().unwrap_or_default();
    let mut rest: Vec<T> = items.into_iter().skip(start).collect();
    let next = if rest.len() > size {
        let tail = rest.split_off(size);
        tail.first().map(|t| URL_SAFE_NO_PAD.encode(key(t)))
    } else {
        None
    };
    extra.insert("page_size".into(), rest.len().into());
    extra.insert("start_key".into(), start_key.into());
    if let Some(n) = next {
        extra.insert("next_start_key".into(), n.into());
    }
    Ok((rest, extra))
}
