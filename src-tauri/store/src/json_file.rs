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
    let mut f = std::fs::File::create(&tmp).map_err(io)?;
    f.write_all(&bytes).map_err(io)?;
    f.sync_all().map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

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
