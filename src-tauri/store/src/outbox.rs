//! The pending-edit outbox: every edit is written here (and flushed) before the user is told it
//! is saved, and leaves only once the server has it. One entry per account document, so later
//! edits of the same document merge into it.

use crate::cache::{sled_err, Cache};
use crate::StoreError;
use chrono::{DateTime, Utc};
use desk_core::FieldChange;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    Account,
    Limits,
}

impl DocKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            DocKind::Account => "account",
            DocKind::Limits => "limits",
        }
    }
}

/// Where a pending edit stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum EditState {
    /// Waiting to be pushed (offline, or not tried yet).
    Queued,
    /// Fields changed on the server too since the edit began: the user chooses per field.
    Conflict {
        theirs: Vec<(String, Option<Value>)>,
    },
    /// The server asks to accept charges (402) before applying it.
    NeedsConsent { charges: Value },
    /// The server refused it; the user fixes or discards it.
    Failed {
        code: String,
        message: String,
        fields: Vec<(String, String)>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingEdit {
    pub account_id: String,
    pub kind: DocKind,
    pub fields: Vec<FieldChange>,
    pub state: EditState,
    /// The user agreed to charges: for exactly which change, quote and month. (An approval
    /// from before this was kept — a bare `accept_charges` — is not read: it is asked again.)
    #[serde(default)]
    pub consent: Option<Consent>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What the user approved: consent holds only while the change, the platform's quote and the
/// month (whose proration the app showed) are all still the ones it was given for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Consent {
    pub fields: Vec<FieldChange>,
    pub charges: Value,
    /// `YYYY-MM` on the account's calendar.
    pub month: String,
}

impl PendingEdit {
    /// The approval, if it was given for this very change in `month`.
    pub fn consent_for(&self, month: &str) -> Option<&Consent> {
        self.consent
            .as_ref()
            .filter(|c| c.fields == self.fields && c.month == month)
    }
}

fn key(account_id: &str, kind: DocKind) -> String {
    format!("{account_id}/{}", kind.as_str())
}

impl Cache {
    pub fn pending(
        &self,
        account_id: &str,
        kind: DocKind,
    ) -> Result<Option<PendingEdit>, StoreError> {
        self.get(&self.outbox, &key(account_id, kind))
    }

    /// Store (or, when it has no fields left, remove) a pending edit. Call [`Cache::flush`]
    /// before telling the user it is saved.
    pub fn put_pending(&self, edit: &PendingEdit) -> Result<(), StoreError> {
        if edit.fields.is_empty() {
            return self.remove_pending(&edit.account_id, edit.kind);
        }
        Self::put(&self.outbox, &key(&edit.account_id, edit.kind), edit)
    }

    pub fn remove_pending(&self, account_id: &str, kind: DocKind) -> Result<(), StoreError> {
        self.outbox
            .remove(key(account_id, kind))
            .map(|_| ())
            .map_err(sled_err)
    }

    /// Every pending edit, oldest first.
    pub fn all_pending(&self) -> Result<Vec<PendingEdit>, StoreError> {
        let mut out = Vec::new();
        for item in self.outbox.iter() {
            let (k, bytes) = item.map_err(sled_err)?;
            match serde_json::from_slice::<PendingEdit>(&bytes) {
                Ok(e) => out.push(e),
                // Never dropped: an unreadable edit is kept aside and reported.
                Err(_) => self.set_aside(&self.outbox, &k)?,
            }
        }
        out.sort_by_key(|e| e.created_at);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pending_edits_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let edit = PendingEdit {
            account_id: "a1".into(),
            kind: DocKind::Account,
            fields: vec![FieldChange {
                path: "name".into(),
                base: Some(json!("A")),
                mine: Some(json!("B")),
            }],
            state: EditState::Queued,
            consent: None,
            created_at: "2026-11-18T15:05:00Z".parse().unwrap(),
            updated_at: "2026-11-18T15:05:00Z".parse().unwrap(),
        };
        {
            let c = Cache::open(dir.path()).unwrap().cache;
            c.put_pending(&edit).unwrap();
            futures_lite_block_on(c.flush()).unwrap();
        }
        let c = Cache::open(dir.path()).unwrap().cache;
        assert_eq!(
            c.pending("a1", DocKind::Account).unwrap(),
            Some(edit.clone())
        );
        assert_eq!(c.all_pending().unwrap().len(), 1);
        let mut empty = edit;
        empty.fields.clear();
        c.put_pending(&empty).unwrap();
        assert!(
            c.all_pending().unwrap().is_empty(),
            "an edit with no fields left is gone"
        );
    }

    fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }
}
