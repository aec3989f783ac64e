//! Reading from the server with the cache behind it: fresh when the server answers, else the
//! copy kept from before (offline review), and readings kept with the time they were read.

use crate::{Desk, EngineError};
use chrono::{DateTime, Utc};
use crossbar::ApiError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A reading from the server, kept so it can be shown offline: what, and when it was read.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Seen<T> {
    pub value: T,
    pub at: DateTime<Utc>,
}

impl<T> Seen<T> {
    /// Read just now (not the copy kept from before going offline).
    pub fn is_fresh(&self, now: DateTime<Utc>) -> bool {
        self.at >= now - chrono::Duration::seconds(30)
    }
}

impl Desk {
    /// Fresh from the server, else the cached copy. `keep` stores the server's answer and makes
    /// what the caller shows; `cached` makes it from the cache alone. Only an unreachable server
    /// or a session that needs a new sign-in falls back: any other error is the answer.
    pub(crate) fn fresh_or_cached<T, V>(
        &self,
        read: Result<T, ApiError>,
        keep: impl FnOnce(T) -> Result<V, EngineError>,
        cached: impl FnOnce() -> Result<Option<V>, EngineError>,
    ) -> Result<V, EngineError> {
        match self.observe(read) {
            Ok(fresh) => keep(fresh),
            Err(e) if falls_back(&e) => cached()?.ok_or_else(|| not_cached(e)),
            Err(e) => Err(e.into()),
        }
    }

    /// A reading kept under `key` with the time it was read, so it can be shown offline with
    /// its age.
    pub(crate) fn remembered<T: Serialize + DeserializeOwned>(
        &self,
        key: &str,
        read: Result<T, ApiError>,
    ) -> Result<Seen<T>, EngineError> {
        self.fresh_or_cached(
            read,
            |value| {
                let seen = Seen {
                    value,
                    at: self.now(),
                };
                self.cache.set_pref(key, &seen)?;
                Ok(seen)
            },
            || Ok(self.cache.pref(key)?),
        )
    }
}

/// Errors after which a view falls back to the cached copy.
pub(crate) fn falls_back(e: &ApiError) -> bool {
    e.is_unreachable() || matches!(e, ApiError::SessionExpired { .. })
}

/// Nothing cached to fall back on: say so when offline, else pass the error on.
fn not_cached(e: ApiError) -> EngineError {
    if e.is_unreachable() {
        EngineError::NotCached
    } else {
        e.into()
    }
}
