//! Pinned and recently opened accounts, per profile (not secret: kept with the cache).

use crate::desk::Desk;
use crate::index::NodeView;
use crate::EngineError;
use serde::Serialize;

const RECENT_MAX: usize = 8;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Shortcuts {
    pub pinned: Vec<NodeView>,
    pub recent: Vec<NodeView>,
}

impl Desk {
    pub(crate) fn recent_ids(&self) -> Result<Vec<String>, EngineError> {
        Ok(self.cache.pref("recent")?.unwrap_or_default())
    }

    pub(crate) fn touch_recent(&self, id: &str) -> Result<(), EngineError> {
        let mut recent = self.recent_ids()?;
        recent.retain(|r| r != id);
        recent.insert(0, id.to_owned());
        recent.truncate(RECENT_MAX);
        Ok(self.cache.set_pref("recent", &recent)?)
    }

    /// Pin or unpin an account; returns whether it is now pinned.
    pub fn toggle_pin(&self, id: &str) -> Result<bool, EngineError> {
        let id = self.known(id)?;
        let mut pinned: Vec<String> = self.cache.pref("pinned")?.unwrap_or_default();
        let now_pinned = if pinned.iter().any(|p| p == id.as_str()) {
            pinned.retain(|p| p != id.as_str());
            false
        } else {
            pinned.push(id.to_string());
            true
        };
        self.cache.set_pref("pinned", &pinned)?;
        self.notify();
        Ok(now_pinned)
    }

    pub fn shortcuts(&self) -> Result<Shortcuts, EngineError> {
        let index = self.index();
        let nodes = |ids: Vec<String>| -> Vec<NodeView> {
            ids.iter()
                .filter_map(|id| index.as_ref().and_then(|i| i.node(id)))
                .collect()
        };
        Ok(Shortcuts {
            pinned: nodes(self.cache.pref("pinned")?.unwrap_or_default()),
            recent: nodes(self.recent_ids()?),
        })
    }
}
