//! The local change log: every push, field by field — when, who, which account, old → new, and
//! what the server said. Kept in time order; exported to CSV on request.

use crate::cache::{sled_err, Cache};
use crate::StoreError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::atomic::{AtomicU32, Ordering};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeRecord {
    /// When it was sent (or discarded).
    pub at: DateTime<Utc>,
    /// Who made the edit.
    pub user: String,
    /// When they made it (none: not known, an edit saved before this was kept).
    #[serde(default)]
    pub edited_at: Option<DateTime<Utc>>,
    pub account_id: String,
    pub account_name: String,
    pub field: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
    /// `applied`, `conflict`, `refused: …`, `discarded`, …
    pub result: String,
    pub request_id: Option<String>,
}

/// Keys sort by time; the counter separates records written in the same nanosecond.
static SEQ: AtomicU32 = AtomicU32::new(0);

impl Cache {
    pub fn log_change(&self, record: &ChangeRecord) -> Result<(), StoreError> {
        let nanos = record.at.timestamp_nanos_opt().unwrap_or_default() as u64;
        let mut key = nanos.to_be_bytes().to_vec();
        key.extend_from_slice(&SEQ.fetch_add(1, Ordering::Relaxed).to_be_bytes());
        let bytes = serde_json::to_vec(record).map_err(|e| StoreError::Sled(e.to_string()))?;
        self.changelog
            .insert(key, bytes)
            .map(|_| ())
            .map_err(sled_err)
    }

    /// Records, newest first, for one account or all.
    pub fn changes(&self, account_id: Option<&str>) -> Result<Vec<ChangeRecord>, StoreError> {
        let mut out = Vec::new();
        for item in self.changelog.iter().rev() {
            let (_, bytes) = item.map_err(sled_err)?;
            if let Ok(r) = serde_json::from_slice::<ChangeRecord>(&bytes) {
                if account_id.is_none_or(|a| a == r.account_id) {
                    out.push(r);
                }
            }
        }
        Ok(out)
    }
}
