//! The outbox's entries change one at a time: read, change and write under one lock, so a save
//! and a push finishing at the same moment never overwrite each other's change.

use crate::{Desk, EngineError};
use desk_store::{DocKind, PendingEdit};
use parking_lot::Mutex;

/// The lock over the outbox's entries (taken only here).
#[derive(Default)]
pub(crate) struct Outbox {
    lock: Mutex<()>,
}

impl Desk {
    /// Change one document's outbox entry as it is now (`None`: nothing pending) and keep what
    /// `change` returns (`None`: the outbox stays as it was). Not flushed: the caller flushes
    /// before it tells the user the change is kept.
    pub(crate) fn change_pending(
        &self,
        id: &str,
        kind: DocKind,
        change: impl FnOnce(Option<PendingEdit>) -> Result<Option<PendingEdit>, EngineError>,
    ) -> Result<(), EngineError> {
        let _one = self.outbox.lock.lock();
        if let Some(edit) = change(self.cache.pending(id, kind)?)? {
            self.cache.put_pending(&edit)?;
        }
        Ok(())
    }

    /// Change the outbox's entry for `pushed_from`'s document as it is *now* (the user may have
    /// edited it while a push was in flight; gone: nothing to do), and flush.
    pub(crate) async fn update_current(
        &self,
        pushed_from: &PendingEdit,
        change: impl FnOnce(&mut PendingEdit),
    ) -> Result<(), EngineError> {
        self.change_pending(&pushed_from.account_id, pushed_from.kind, |now| {
            Ok(now.map(|mut edit| {
                change(&mut edit);
                edit
            }))
        })?;
        self.cache.flush().await?;
        Ok(())
    }
}
