//! The sled cache: the last fetched copy of each account document, limits document and the
//! account tree, each with its revision and fetch time, for instant start-up and offline review.
//!
//! Opening it, and rebuilding one that cannot be opened, is in `opening`.

use chrono::{DateTime, Utc};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::path::PathBuf;

/// Bump when the stored layout changes; an older cache is then rebuilt from the server.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the data folder {0} is in use by another Account Desk window")]
    Locked(PathBuf),
    #[error("cannot use the cache folder {path}: {detail}")]
    Io { path: PathBuf, detail: String },
    #[error("the cache could not store data: {0}")]
    Sled(String),
}

/// A cached document with when and at which revision it was fetched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry<T> {
    pub revision: Option<String>,
    pub fetched_at: DateTime<Utc>,
    pub value: T,
}

/// One account of the tree as listed by `/descendants`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedNode {
    pub id: String,
    pub name: Option<String>,
    pub realm: Option<String>,
    pub parent: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CachedTree {
    pub root: String,
    pub synced_at: DateTime<Utc>,
    pub nodes: Vec<CachedNode>,
}

pub struct Cache {
    pub(crate) db: sled::Db,
    pub(crate) accounts: sled::Tree,
    pub(crate) limits: sled::Tree,
    pub(crate) tree: sled::Tree,
    pub(crate) meta: sled::Tree,
    pub(crate) outbox: sled::Tree,
    pub(crate) changelog: sled::Tree,
    /// Outbox and preference entries (intents, alert state) this version cannot read: kept,
    /// never deleted, as `<tree>/<key>`.
    pub(crate) kept_aside: sled::Tree,
}

/// An opened cache and, when it had to be rebuilt, what to tell the user.
pub struct Opened {
    pub cache: Cache,
    pub notice: Option<String>,
}

pub(crate) fn sled_err(e: sled::Error) -> StoreError {
    StoreError::Sled(e.to_string())
}

impl Cache {
    /// How many entries are kept aside because this version cannot read them.
    pub fn kept_aside(&self) -> usize {
        self.kept_aside.len()
    }

    /// An entry of `tree` that does not decode: moved to `kept_aside`, never lost.
    pub(crate) fn set_aside(&self, tree: &sled::Tree, key: &[u8]) -> Result<(), StoreError> {
        let Some(bytes) = tree.get(key).map_err(sled_err)? else {
            return Ok(());
        };
        let mut aside = tree.name().to_vec();
        aside.push(b'/');
        aside.extend_from_slice(key);
        self.kept_aside.insert(aside, bytes).map_err(sled_err)?;
        tree.remove(key).map_err(sled_err)?;
        tracing::error!(key = %String::from_utf8_lossy(key), "an unreadable entry was kept aside");
        Ok(())
    }

    pub(crate) fn put<T: Serialize>(
        tree: &sled::Tree,
        key: &str,
        value: &T,
    ) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(value).map_err(|e| StoreError::Sled(e.to_string()))?;
        tree.insert(key, bytes).map(|_| ()).map_err(sled_err)
    }

    /// Read one entry. One that no longer decodes fails no screen: a copy of the server's
    /// (account, limits, tree) is dropped and fetched again; anything only this computer has
    /// (outbox, preferences and intents) is kept aside instead.
    pub(crate) fn get<T: DeserializeOwned>(
        &self,
        tree: &sled::Tree,
        key: &str,
    ) -> Result<Option<T>, StoreError> {
        let Some(bytes) = tree.get(key).map_err(sled_err)? else {
            return Ok(None);
        };
        match serde_json::from_slice(&bytes) {
            Ok(v) => Ok(Some(v)),
            Err(e) if self.keeps(tree) => {
                tracing::warn!(key, error = %e, "keeping an unreadable entry aside");
                self.set_aside(tree, key.as_bytes())?;
                Ok(None)
            }
            Err(e) => {
                tracing::warn!(key, error = %e, "dropping an unreadable cache entry");
                tree.remove(key).map_err(sled_err)?;
                Ok(None)
            }
        }
    }

    /// Trees holding what only this computer has.
    fn keeps(&self, tree: &sled::Tree) -> bool {
        tree.name() == self.outbox.name() || tree.name() == self.meta.name()
    }

    pub fn put_account(
        &self,
        id: &str,
        entry: &Entry<serde_json::Value>,
    ) -> Result<(), StoreError> {
        Self::put(&self.accounts, id, entry)
    }

    pub fn account(&self, id: &str) -> Result<Option<Entry<serde_json::Value>>, StoreError> {
        self.get(&self.accounts, id)
    }

    pub fn put_limits(&self, id: &str, entry: &Entry<serde_json::Value>) -> Result<(), StoreError> {
        Self::put(&self.limits, id, entry)
    }

    pub fn limits(&self, id: &str) -> Result<Option<Entry<serde_json::Value>>, StoreError> {
        self.get(&self.limits, id)
    }

    /// Replace the whole tree in one batch (a reader never sees half of two syncs).
    pub fn replace_tree(
        &self,
        root: &str,
        nodes: &[CachedNode],
        synced_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for key in self.tree.iter().keys() {
            batch.remove(key.map_err(sled_err)?);
        }
        for n in nodes {
            let bytes = serde_json::to_vec(n).map_err(|e| StoreError::Sled(e.to_string()))?;
            batch.insert(n.id.as_bytes(), bytes);
        }
        self.tree.apply_batch(batch).map_err(sled_err)?;
        Self::put(&self.meta, "tree_root", &root)?;
        Self::put(&self.meta, "tree_synced_at", &synced_at)
    }

    /// One account added to the cached tree (a sub-account just created here).
    pub fn put_node(&self, node: &CachedNode) -> Result<(), StoreError> {
        Self::put(&self.tree, &node.id, node)
    }

    /// One account gone from the cached tree (deleted here), with its cached documents.
    pub fn remove_node(&self, id: &str) -> Result<(), StoreError> {
        for tree in [&self.tree, &self.accounts, &self.limits] {
            tree.remove(id.as_bytes()).map_err(sled_err)?;
        }
        Ok(())
    }

    pub fn tree(&self) -> Result<Option<CachedTree>, StoreError> {
        let Some(root) = self.get::<String>(&self.meta, "tree_root")? else {
            return Ok(None);
        };
        let synced_at = self.get(&self.meta, "tree_synced_at")?.unwrap_or_default();
        let mut nodes = Vec::new();
        for item in self.tree.iter() {
            let (_, bytes) = item.map_err(sled_err)?;
            if let Ok(n) = serde_json::from_slice::<CachedNode>(&bytes) {
                nodes.push(n);
            }
        }
        Ok(Some(CachedTree {
            root,
            synced_at,
            nodes,
        }))
    }

    /// A per-profile preference (pinned and recent accounts, read-only marks): not secret.
    pub fn pref<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        self.get(&self.meta, &format!("pref:{key}"))
    }

    /// Every readable preference whose key starts with `prefix`, with the rest of its key.
    pub fn prefs_with_prefix<T: DeserializeOwned>(
        &self,
        prefix: &str,
    ) -> Result<Vec<(String, T)>, StoreError> {
        let start = format!("pref:{prefix}");
        let mut out = Vec::new();
        for item in self.meta.scan_prefix(&start) {
            let (key, bytes) = item.map_err(sled_err)?;
            let rest = String::from_utf8_lossy(&key[start.len()..]).into_owned();
            match serde_json::from_slice(&bytes) {
                Ok(v) => out.push((rest, v)),
                Err(_) => self.set_aside(&self.meta, &key)?,
            }
        }
        Ok(out)
    }

    pub fn set_pref<T: Serialize>(&self, key: &str, value: &T) -> Result<(), StoreError> {
        Self::put(&self.meta, &format!("pref:{key}"), value)
    }

    /// Make everything written so far durable.
    pub async fn flush(&self) -> Result<(), StoreError> {
        self.db.flush_async().await.map(|_| ()).map_err(sled_err)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn entry(v: serde_json::Value) -> Entry<serde_json::Value> {
        Entry {
            revision: Some("3-abc".into()),
            fetched_at: "2026-11-18T15:05:00Z".parse().unwrap(),
            value: v,
        }
    }

    #[test]
    fn entries_round_trip_with_revision_and_time() {
        let dir = tempfile::tempdir().unwrap();
        let e = entry(json!({"name": "A"}));
        {
            let c = Cache::open(dir.path()).unwrap().cache;
            c.put_account("a1", &e).unwrap();
            c.put_limits("a1", &entry(json!({"inbound_trunks": 2})))
                .unwrap();
            let nodes = vec![CachedNode {
                id: "a1".into(),
                name: Some("A".into()),
                realm: None,
                parent: None,
            }];
            c.replace_tree("a1", &nodes, e.fetched_at).unwrap();
            c.db.flush().unwrap();
        }
        let opened = Cache::open(dir.path()).unwrap();
        assert!(opened.notice.is_none());
        let c = opened.cache;
        assert_eq!(c.account("a1").unwrap(), Some(e));
        assert_eq!(c.limits("a1").unwrap().unwrap().value["inbound_trunks"], 2);
        assert_eq!(c.tree().unwrap().unwrap().nodes.len(), 1);
        assert!(c.account("missing").unwrap().is_none());
    }

    #[test]
    fn an_unreadable_entry_is_dropped_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let c = Cache::open(dir.path()).unwrap().cache;
        c.accounts.insert("bad", b"not json".to_vec()).unwrap();
        assert_eq!(c.account("bad").unwrap(), None);
        assert!(c.accounts.get("bad").unwrap().is_none());
    }

    #[test]
    fn unreadable_edits_and_intents_are_kept_aside_never_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let c = Cache::open(dir.path()).unwrap().cache;
        c.outbox.insert("a1/account", b"{broken".to_vec()).unwrap();
        c.meta
            .insert("pref:credit_intent:abc", b"{broken".to_vec())
            .unwrap();
        assert!(c.pending("a1", crate::DocKind::Account).unwrap().is_none());
        let intents: Vec<(String, serde_json::Value)> =
            c.prefs_with_prefix("credit_intent:").unwrap();
        assert!(intents.is_empty());
        assert_eq!(c.kept_aside(), 2, "both kept");
        assert_eq!(
            c.kept_aside.get("outbox/a1/account").unwrap().as_deref(),
            Some(&b"{broken"[..])
        );
    }
}
