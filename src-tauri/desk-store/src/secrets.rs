//! Where tokens and API keys live: the OS keyring (Keychain, Windows Credential Manager,
//! Secret Service), or memory when no keyring is available.

use desk_core::Secret;
use parking_lot::Mutex;
use std::collections::HashMap;

/// Windows caps a credential blob at 2560 bytes; refuse longer secrets everywhere so a profile
/// saved on Linux also works on Windows.
const MAX_SECRET_BYTES: usize = 2560;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the system keyring is not available: {0}")]
    Unavailable(String),
    #[error("the system keyring refused the operation: {0}")]
    Failed(String),
    #[error("the secret is {0} bytes, more than the {MAX_SECRET_BYTES} a keyring entry can hold")]
    TooLong(usize),
}

pub trait SecretStore: Send + Sync {
    fn get(&self, key: &str) -> Result<Option<Secret>, SecretError>;
    fn set(&self, key: &str, value: &Secret) -> Result<(), SecretError>;
    /// Removing a missing key is not an error.
    fn delete(&self, key: &str) -> Result<(), SecretError>;
    /// Whether secrets survive a restart (false for the in-memory store).
    fn persistent(&self) -> bool;
}

/// The OS keyring, one entry per key under a service name that includes the build channel, so
/// a development build never reads a release build's secrets.
pub struct KeyringStore {
    service: String,
}

impl KeyringStore {
    pub fn new(channel: &str) -> Self {
        Self {
            service: format!("account-desk.{channel}"),
        }
    }

    /// Check that the keyring answers (reading a key that does not exist is enough).
    pub fn probe(&self) -> Result<(), SecretError> {
        self.get("probe").map(|_| ())
    }

    fn entry(&self, key: &str) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(&self.service, key).map_err(map_err)
    }
}

fn map_err(e: keyring::Error) -> SecretError {
    match e {
        keyring::Error::NoStorageAccess(inner) => SecretError::Unavailable(inner.to_string()),
        keyring::Error::PlatformFailure(inner) => SecretError::Unavailable(inner.to_string()),
        other => SecretError::Failed(other.to_string()),
    }
}

impl SecretStore for KeyringStore {
    fn get(&self, key: &str) -> Result<Option<Secret>, SecretError> {
        match self.entry(key)?.get_password() {
            Ok(v) => Ok(Some(Secret::new(v))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_err(e)),
        }
    }

    fn set(&self, key: &str, value: &Secret) -> Result<(), SecretError> {
        if value.expose().len() > MAX_SECRET_BYTES {
            return Err(SecretError::TooLong(value.expose().len()));
        }
        self.entry(key)?
            .set_password(value.expose())
            .map_err(map_err)
    }

    fn delete(&self, key: &str) -> Result<(), SecretError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_err(e)),
        }
    }

    /// Asked of the store keyring picked, not assumed: a build without a native store feature
    /// silently falls back to keyring's mock, which forgets everything.
    fn persistent(&self) -> bool {
        matches!(
            keyring::default::default_credential_builder().persistence(),
            keyring::credential::CredentialPersistence::UntilDelete
        )
    }
}

/// Secrets for this run only: for tests, and the fallback when no keyring is available (the
/// user is told that nothing will be remembered).
#[derive(Default)]
pub struct MemoryStore {
    map: Mutex<HashMap<String, Secret>>,
}

impl SecretStore for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<Secret>, SecretError> {
        Ok(self.map.lock().get(key).cloned())
    }

    fn set(&self, key: &str, value: &Secret) -> Result<(), SecretError> {
        if value.expose().len() > MAX_SECRET_BYTES {
            return Err(SecretError::TooLong(value.expose().len()));
        }
        self.map.lock().insert(key.to_owned(), value.clone());
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<(), SecretError> {
        self.map.lock().remove(key);
        Ok(())
    }

    fn persistent(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_store_round_trip() {
        let s = MemoryStore::default();
        assert!(s.get("k").unwrap().is_none());
        s.set("k", &Secret::new("v")).unwrap();
        assert_eq!(s.get("k").unwrap().unwrap().expose(), "v");
        s.delete("k").unwrap();
        s.delete("k").unwrap();
        assert!(s.get("k").unwrap().is_none());
        assert!(matches!(
            s.set("k", &Secret::new("x".repeat(3000))),
            Err(SecretError::TooLong(3000))
        ));
    }
}
