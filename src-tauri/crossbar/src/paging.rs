//! Following `next_start_key` through a listing, safely: a server that hands out a key it gave
//! before (A, B, A, B …) or never stops would keep the app paging forever.

use crate::{ApiError, ErrorMeta};
use std::collections::HashSet;

pub(crate) struct PageKeys {
    seen: HashSet<String>,
    pages: usize,
    limit: usize,
    what: &'static str,
}

impl PageKeys {
    /// For a listing of `what` that may take at most `limit` pages.
    pub fn new(what: &'static str, limit: usize) -> Self {
        Self {
            seen: HashSet::new(),
            pages: 0,
            limit,
            what,
        }
    }

    /// After a page: the key to ask for next (`None`: that was the last page), or an error when
    /// the server repeats a key or the listing passes its limit.
    pub fn next(&mut self, next: Option<&str>) -> Result<Option<String>, ApiError> {
        self.pages += 1;
        let Some(key) = next.filter(|k| !k.is_empty()) else {
            return Ok(None);
        };
        let broken = |detail: String| ApiError::Decode {
            detail,
            meta: ErrorMeta {
                status: 200,
                message: "listing".into(),
                request_id: None,
                retry_after: None,
            },
        };
        if !self.seen.insert(key.to_owned()) {
            return Err(broken(format!(
                "the server's {} listing repeats a page (its paging is broken)",
                self.what
            )));
        }
        if self.pages >= self.limit {
            return Err(broken(format!(
                "the server's {} listing goes on past {} pages",
                self.what, self.limit
            )));
        }
        Ok(Some(key.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_seen_before_or_too_many_pages_is_an_error() {
        let mut keys = PageKeys::new("account", 10);
        assert_eq!(keys.next(Some("A")).unwrap().as_deref(), Some("A"));
        assert_eq!(keys.next(Some("B")).unwrap().as_deref(), Some("B"));
        assert!(keys
            .next(Some("A"))
            .unwrap_err()
            .to_string()
            .contains("repeats"));
        let mut keys = PageKeys::new("ledger", 3);
        keys.next(Some("1")).unwrap();
        keys.next(Some("2")).unwrap();
        assert!(keys
            .next(Some("3"))
            .unwrap_err()
            .to_string()
            .contains("past 3 pages"));
        assert_eq!(PageKeys::new("x", 3).next(None).unwrap(), None);
        assert_eq!(PageKeys::new("x", 3).next(Some("")).unwrap(), None);
    }
}
