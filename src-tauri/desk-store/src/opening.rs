//! Opening the cache: a folder another window holds is reported as in use and never moved; a
//! cache that cannot be opened (corrupt after a hard kill, or written by an incompatible
//! version) is moved aside and rebuilt, keeping what only this computer has, and the caller
//! gets a notice to show the user.

use crate::cache::{sled_err, Cache, Opened, StoreError, SCHEMA_VERSION};
use chrono::Utc;
use std::path::Path;

const VERSION_KEY: &str = "schema_version";
/// What the last rebuild has to tell the user, until it is shown.
const NOTICE_KEY: &str = "rebuild_notice";
/// How long (in steps) a lock this process may still hold is waited for: sled's flusher
/// wakes every 500 ms.
const LOCK_WAITS: u32 = 100;
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_millis(20);
/// Small on purpose: the cache is a few MB even at 10,000 accounts.
const CACHE_CAPACITY: u64 = 8 * 1024 * 1024;

/// What a rebuild brought over from the cache it replaced.
#[derive(Debug, Default, PartialEq)]
struct Salvaged {
    edits: usize,
    payments: usize,
    other: usize,
}

enum OpenFailure {
    Locked,
    Unusable(String),
}

fn io_err(path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Io {
        path: path.to_owned(),
        detail: e.to_string(),
    }
}

impl Cache {
    /// Open (or create) the cache in `dir/cache`.
    pub fn open(dir: &Path) -> Result<Opened, StoreError> {
        let opened = Self::open_in(dir);
        // Account data, intents and the change log are this user's alone.
        crate::json_file::make_private(dir);
        opened
    }

    fn open_in(dir: &Path) -> Result<Opened, StoreError> {
        let path = dir.join("cache");
        let fresh = dir.join("cache.rebuilding");
        // A rebuild killed between its two renames left only the finished new cache.
        if !path.exists() && fresh.exists() {
            std::fs::rename(&fresh, &path).map_err(|e| io_err(&fresh, e))?;
        }
        match Self::try_open_waiting(&path) {
            Ok(cache) => {
                let notice = cache.take_rebuild_notice();
                Ok(Opened { cache, notice })
            }
            Err(OpenFailure::Locked) => Err(StoreError::Locked(dir.to_owned())),
            Err(OpenFailure::Unusable(reason)) => Self::rebuild(&path, &fresh, &reason),
        }
    }

    /// Replace the unusable cache at `path` with a new one holding what the server cannot give
    /// back. Crash-safe: the new cache is built and salvaged at `fresh` while the old one stays
    /// where it was, so a kill at any moment leaves either the old cache (the rebuild starts
    /// over) or the finished new one; the notice is stored with it, so it is shown either way.
    fn rebuild(path: &Path, fresh: &Path, reason: &str) -> Result<Opened, StoreError> {
        if fresh.exists() {
            std::fs::remove_dir_all(fresh).map_err(|e| io_err(fresh, e))?;
        }
        // Named for when (the computer's time: a file name, no rule), unique however often.
        let stamp = Utc::now().format("%Y%m%dT%H%M%S%.3f");
        let mut aside = path.with_file_name(format!("cache.unreadable-{stamp}"));
        for n in 2.. {
            if !aside.exists() {
                break;
            }
            aside = path.with_file_name(format!("cache.unreadable-{stamp}-{n}"));
        }
        let unusable = |f| StoreError::Io {
            path: fresh.to_owned(),
            detail: match f {
                OpenFailure::Locked => "locked".into(),
                OpenFailure::Unusable(r) => r,
            },
        };
        {
            let cache = Self::try_open(fresh).map_err(unusable)?;
            let kept = match cache.salvage(path) {
                Some(s) => format!(
                    " Kept from it: {} saved edit(s) not yet on the server and {} payment record(s).",
                    s.edits, s.payments
                ),
                None => " Edits and payment records in it could not be recovered; the copy set aside keeps them.".into(),
            };
            let notice = format!(
                "The local copy of your accounts could not be read ({reason}). It was set \
                 aside at {} and is being rebuilt from the server.{kept}",
                aside.display()
            );
            cache
                .meta
                .insert(NOTICE_KEY, notice.as_bytes())
                .map_err(sled_err)?;
            cache.db.flush().map_err(sled_err)?;
        } // closed, so that it can be moved (Windows) and opened again
        std::fs::rename(path, &aside).map_err(|e| io_err(path, e))?;
        tracing::warn!(%reason, aside = %aside.display(), "cache moved aside and rebuilt");
        std::fs::rename(fresh, path).map_err(|e| io_err(fresh, e))?;
        let cache = Self::try_open_waiting(path).map_err(unusable)?;
        let notice = cache.take_rebuild_notice();
        Ok(Opened { cache, notice })
    }

    /// The notice of a rebuild not yet shown, once.
    fn take_rebuild_notice(&self) -> Option<String> {
        // Read first: every start comes here, and most have nothing to remove.
        self.meta.get(NOTICE_KEY).ok().flatten()?;
        let bytes = self.meta.remove(NOTICE_KEY).ok().flatten()?;
        let _ = self.db.flush();
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// [`Cache::try_open`], waiting out a lock this process is still letting go of: a cache
    /// closed a moment ago (switching profiles back and forth, a restart in the same process)
    /// stays locked until sled's flusher thread has wound down. A lock still held after that is
    /// another window's.
    fn try_open_waiting(path: &Path) -> Result<Cache, OpenFailure> {
        for _ in 0..LOCK_WAITS {
            match Self::try_open(path) {
                Err(OpenFailure::Locked) => std::thread::sleep(LOCK_WAIT),
                other => return other,
            }
        }
        Self::try_open(path)
    }

    fn try_open(path: &Path) -> Result<Cache, OpenFailure> {
        let config = sled::Config::new()
            .path(path)
            .cache_capacity(CACHE_CAPACITY)
            .flush_every_ms(Some(500));
        // sled can panic on some on-disk damage instead of returning an error.
        let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || config.open()))
            .map_err(|_| OpenFailure::Unusable("its files are damaged".into()))?;
        let db = opened.map_err(|e| match &e {
            sled::Error::Io(io) if io.to_string().contains("could not acquire lock") => {
                OpenFailure::Locked
            }
            sled::Error::Io(io) if io.kind() == std::io::ErrorKind::WouldBlock => {
                OpenFailure::Locked
            }
            _ => OpenFailure::Unusable(format!("its files are damaged: {e}")),
        })?;
        let tree = |name: &str| {
            db.open_tree(name)
                .map_err(|e| OpenFailure::Unusable(e.to_string()))
        };
        let cache = Cache {
            accounts: tree("accounts")?,
            limits: tree("limits")?,
            tree: tree("tree")?,
            meta: tree("meta")?,
            outbox: tree("outbox")?,
            changelog: tree("changelog")?,
            kept_aside: tree("kept_aside")?,
            db,
        };
        let stored = cache
            .meta
            .get(VERSION_KEY)
            .map_err(|e| OpenFailure::Unusable(e.to_string()))?;
        match stored {
            None => cache.write_version()?,
            Some(v) if v.as_ref() == SCHEMA_VERSION.to_be_bytes() => {}
            Some(_) => {
                return Err(OpenFailure::Unusable(
                    "it was written by a different version of Account Desk".into(),
                ))
            }
        }
        Ok(cache)
    }

    /// Bring over from a cache set aside what the server cannot give back: pending edits,
    /// the change log and the preferences (payment intents, alert state, pins). `None` when
    /// the old cache cannot be opened at all.
    fn salvage(&self, old: &Path) -> Option<Salvaged> {
        let config = sled::Config::new().path(old);
        let db = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || config.open()))
            .ok()?
            .ok()?;
        let mut got = Salvaged::default();
        for name in ["outbox", "changelog", "meta", "kept_aside"] {
            let Ok(from) = db.open_tree(name) else {
                continue;
            };
            let to = match name {
                "outbox" => &self.outbox,
                "changelog" => &self.changelog,
                "meta" => &self.meta,
                _ => &self.kept_aside,
            };
            for (key, value) in from.iter().flatten() {
                // The tree and the schema stamp are rebuilt; preferences are kept.
                if name == "meta" && !key.starts_with(b"pref:") {
                    continue;
                }
                if to.insert(&key, value).is_err() {
                    continue;
                }
                match name {
                    "outbox" => got.edits += 1,
                    "meta" if key.starts_with(b"pref:credit_intent:") => got.payments += 1,
                    _ => got.other += 1,
                }
            }
        }
        let _ = self.db.flush();
        Some(got)
    }

    fn write_version(&self) -> Result<(), OpenFailure> {
        self.meta
            .insert(VERSION_KEY, &SCHEMA_VERSION.to_be_bytes())
            .map(|_| ())
            .map_err(|e| OpenFailure::Unusable(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::tests::entry;
    use serde_json::json;

    #[test]
    fn a_rebuild_keeps_pending_edits_payments_and_preferences() {
        let dir = tempfile::tempdir().unwrap();
        {
            let c = Cache::open(dir.path()).unwrap().cache;
            c.outbox
                .insert("a1/account", b"{\"any\":1}".to_vec())
                .unwrap();
            c.set_pref("credit_intent:abc", &json!({"amount": "25"}))
                .unwrap();
            c.set_pref("alert:a1", &json!(true)).unwrap();
            c.put_account("a1", &entry(json!({}))).unwrap();
            c.meta.insert(VERSION_KEY, &999u32.to_be_bytes()).unwrap();
            c.db.flush().unwrap();
        }
        let opened = Cache::open(dir.path()).unwrap();
        let notice = opened.notice.unwrap();
        assert!(
            notice.contains("1 saved edit(s)") && notice.contains("1 payment record(s)"),
            "{notice}"
        );
        let c = opened.cache;
        assert!(c.outbox.get("a1/account").unwrap().is_some());
        assert_eq!(
            c.pref::<serde_json::Value>("credit_intent:abc").unwrap(),
            Some(json!({"amount": "25"}))
        );
        assert_eq!(
            c.pref::<serde_json::Value>("alert:a1").unwrap(),
            Some(json!(true))
        );
        assert!(
            c.account("a1").unwrap().is_none(),
            "the server's copies are fetched again"
        );
    }

    /// A cache of another version holding one pending edit, as a rebuild finds it.
    fn stale_cache(dir: &Path) {
        let c = Cache::open(dir).unwrap().cache;
        c.outbox
            .insert("a1/account", b"{\"any\":1}".to_vec())
            .unwrap();
        c.meta.insert(VERSION_KEY, &999u32.to_be_bytes()).unwrap();
        c.db.flush().unwrap();
    }

    #[test]
    fn a_rebuild_killed_before_its_swap_starts_over_from_the_old_cache() {
        let dir = tempfile::tempdir().unwrap();
        stale_cache(dir.path());
        // Killed while building: a half-made new cache beside the untouched old one.
        let half = Cache::try_open(&dir.path().join("cache.rebuilding"))
            .ok()
            .unwrap();
        drop(half);
        let opened = Cache::open(dir.path()).unwrap();
        assert!(opened.notice.unwrap().contains("1 saved edit(s)"));
        assert!(opened.cache.outbox.get("a1/account").unwrap().is_some());
        assert!(!dir.path().join("cache.rebuilding").exists());
    }

    #[test]
    fn a_rebuild_killed_between_its_renames_is_finished_with_its_notice() {
        let dir = tempfile::tempdir().unwrap();
        stale_cache(dir.path());
        // A whole rebuild (its notice shown), then the state its last step leaves replayed:
        // the finished new cache not yet moved into place.
        drop(Cache::open(dir.path()).unwrap());
        let (cache, fresh) = (
            dir.path().join("cache"),
            dir.path().join("cache.rebuilding"),
        );
        {
            let c = Cache::try_open(&cache).ok().unwrap();
            c.meta.insert(NOTICE_KEY, &b"rebuilt"[..]).unwrap();
            c.db.flush().unwrap();
        }
        std::fs::rename(&cache, &fresh).unwrap();
        let opened = Cache::open(dir.path()).unwrap();
        assert_eq!(opened.notice.as_deref(), Some("rebuilt"));
        assert!(opened.cache.outbox.get("a1/account").unwrap().is_some());
        drop(opened);
        assert!(
            Cache::open(dir.path()).unwrap().notice.is_none(),
            "told once"
        );
    }

    #[test]
    fn another_schema_version_is_moved_aside_with_a_notice() {
        let dir = tempfile::tempdir().unwrap();
        {
            let c = Cache::open(dir.path()).unwrap().cache;
            c.meta.insert(VERSION_KEY, &999u32.to_be_bytes()).unwrap();
            c.put_account("a1", &entry(json!({}))).unwrap();
            c.db.flush().unwrap();
        }
        let opened = Cache::open(dir.path()).unwrap();
        let notice = opened.notice.expect("user is told");
        assert!(notice.contains("different version"), "{notice}");
        assert!(
            opened.cache.account("a1").unwrap().is_none(),
            "rebuilt empty"
        );
        let aside: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("cache.unreadable-")
            })
            .collect();
        assert_eq!(aside.len(), 1);
    }

    #[test]
    fn damaged_files_are_moved_aside_with_a_notice() {
        let dir = tempfile::tempdir().unwrap();
        {
            let c = Cache::open(dir.path()).unwrap().cache;
            for i in 0..200 {
                c.put_account(&format!("a{i}"), &entry(json!({"name": i})))
                    .unwrap();
            }
            c.db.flush().unwrap();
        }
        for name in ["conf", "db"] {
            let p = dir.path().join("cache").join(name);
            let len = std::fs::metadata(&p).unwrap().len() as usize;
            std::fs::write(&p, vec![0xA5u8; len.max(64)]).unwrap();
        }
        let opened = Cache::open(dir.path()).unwrap();
        assert!(opened.notice.unwrap().contains("could not be read"));
        opened
            .cache
            .put_account("fresh", &entry(json!({})))
            .unwrap();
        assert!(opened.cache.account("fresh").unwrap().is_some());
    }

    #[test]
    fn a_second_opener_is_told_the_folder_is_in_use() {
        let dir = tempfile::tempdir().unwrap();
        let _first = Cache::open(dir.path()).unwrap();
        match Cache::open(dir.path()) {
            Err(StoreError::Locked(_)) => {}
            Err(e) => panic!("wrong error: {e}"),
            Ok(_) => panic!("second open succeeded"),
        }
        assert!(!dir.path().join("cache.unreadable").exists());
    }
}
