//! The pending-edit outbox: every edit is written here (and flushed) before the user is told it
//! is saved, and leaves only once the server has it. One entry per account document, so later
//! edits of the same document merge into it.

use crate::cache::{sled_err, Cache};
use crate::StoreError;
use chrono::{DateTime, Utc};
use desk_core::FieldChange;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

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
    /// Per field path: who edited it and when. The change log names them, not whoever is
    /// signed in when the edit is finally pushed. (Absent in edits saved before this was kept.)
    #[serde(default)]
    pub made: BTreeMap<String, Made>,
    /// Per field path: values sent whose answer never came back (a dropped connection, a 5xx
    /// after the server may have acted). The server holding one of them is this app's own
    /// write, not someone else's change: not a conflict.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sent: BTreeMap<String, Vec<Option<Value>>>,
}

/// Who made an edit, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Made {
    pub by: String,
    pub at: DateTime<Utc>,
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

/// How many unanswered values a field remembers (the oldest is forgotten first).
const SENT_KEPT: usize = 8;

impl PendingEdit {
    /// `fields` were sent and no answer says whether the server took them.
    pub fn note_sent(&mut self, fields: &[FieldChange]) {
        for f in fields {
            let values = self.sent.entry(f.path.clone()).or_default();
            if !values.contains(&f.mine) {
                values.push(f.mine.clone());
            }
            if values.len() > SENT_KEPT {
                values.remove(0);
            }
        }
    }

    /// Whether `value` is one this app sent for `path` without hearing the answer.
    pub fn was_sent(&self, path: &str, value: &Option<Value>) -> bool {
        self.sent.get(path).is_some_and(|v| v.contains(value))
    }

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
            made: BTreeMap::from([(
                "name".into(),
                Made {
                    by: "dana".into(),
                    at: "2026-11-18T15:05:00Z".parse().unwrap(),
                },
            )]),
            sent: BTreeMap::new(),
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
