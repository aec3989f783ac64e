//! Small settings files (profiles, preferences) written atomically: a crash leaves the old
//! file or the new one, never half of one.

use crate::StoreError;
use serde::{de::DeserializeOwned, Serialize};
use std::io::Write;
use std::path::Path;

/// Read a settings file; a missing one gives the default. An unreadable one is set aside (so
/// the user's file is never overwritten blindly) and the default is used.
pub fn load_json<T: DeserializeOwned + Default>(path: &Path) -> T {
    let Ok(bytes) = std::fs::read(path) else {
        return T::default();
    };
    match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            let aside = path.with_extension("json.unreadable");
            tracing::warn!(path = %path.display(), error = %e, "settings file unreadable; set aside");
            let _ = std::fs::rename(path, aside);
            T::default()
        }
    }
}

/// A new file only its owner can read (0600 on Unix; Windows keeps files in the user's profile
/// private already).
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Make `dir` and everything in it readable by its owner only (0700 / 0600 on Unix).
pub fn make_private(dir: &Path) {
    // Windows: the app data folder (under the user's profile) is already the user's alone.
    #[cfg(not(unix))]
    let _ = dir;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let set = |p: &Path, mode: u32| {
            let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode));
        };
        set(dir, 0o700);
        let mut todo = vec![dir.to_owned()];
        while let Some(d) = todo.pop() {
            for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = entry.path();
                match entry.file_type() {
                    Ok(t) if t.is_dir() => {
                        set(&p, 0o700);
                        todo.push(p);
                    }
                    Ok(t) if t.is_file() => set(&p, 0o600),
                    _ => {}
                }
            }
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
}

pub fn save_json<T: Serialize>(path: &Path, value: &T) -> Result<(), StoreError> {
    let io = |e: std::io::Error| StoreError::Io {
        path: path.to_owned(),
        detail: e.to_string(),
    };
    let bytes = serde_json::to_vec_pretty(value).map_err(|e| StoreError::Sled(e.to_string()))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = path.with_extension("json.tmp");
    let mut f = private_file(&tmp).map_err(io)?;
    f.write_all(&bytes).map_err(io)?;
    f.sync_all().map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn settings_and_the_cache_are_readable_by_their_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let p = dir.path().join("profiles.json");
        save_json(&p, &vec!["a".to_owned()]).unwrap();
        assert_eq!(mode(&p), 0o600);
        let _cache = crate::Cache::open(dir.path()).unwrap();
        let cache = dir.path().join("cache");
        assert_eq!(mode(&cache), 0o700);
        for f in std::fs::read_dir(&cache).unwrap().flatten() {
            if f.file_type().unwrap().is_file() {
                assert_eq!(mode(&f.path()), 0o600, "{}", f.path().display());
            }
        }
    }

    #[test]
    fn round_trips_and_survives_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("settings.json");
        assert_eq!(load_json::<Vec<String>>(&p), Vec::<String>::new());
        save_json(&p, &vec!["a".to_owned()]).unwrap();
        assert_eq!(load_json::<Vec<String>>(&p), vec!["a".to_owned()]);
        std::fs::write(&p, b"{garbage").unwrap();
        assert!(load_json::<Vec<String>>(&p).is_empty());
        assert!(dir.path().join("settings.json.unreadable").exists());
    }
}
