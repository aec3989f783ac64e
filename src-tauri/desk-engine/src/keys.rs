//! Where a profile's secrets live in the OS keyring: one entry per secret, named by the
//! profile and its data folder, so two folders (`--data-dir`) never share a saved session and
//! development builds never read a release build's entries.

use crate::EngineError;
use desk_store::SecretStore;
use std::path::Path;

/// The keyring service of this build: debug builds keep their own entries.
pub const KEYRING_CHANNEL: &str = if cfg!(debug_assertions) {
    "dev"
} else {
    "stable"
};

/// The prefix of a profile's keyring entries: its id and a hash of its folder.
pub fn secret_key(id: &str, folder: &Path) -> String {
    format!("{id}#{:016x}", fnv(&folder.to_string_lossy()))
}

/// FNV-1a, 64 bit: stable across Rust versions and platforms, unlike `DefaultHasher`, so a
/// name derived from it still finds its entry after an update.
pub fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The session token of a remembered sign-in.
pub(crate) fn token_key(key: &str) -> String {
    format!("{key}/token")
}

/// The API key of a remembered API-key sign-in (it renews the session silently).
pub(crate) fn api_key_key(key: &str) -> String {
    format!("{key}/api_key")
}

/// The payment-method token of the card last added.
pub(crate) fn payment_token_key(key: &str) -> String {
    format!("{key}/payment_token")
}

/// Remove every secret kept for a profile key (signing out, forgetting a platform).
pub fn forget_secrets(secrets: &dyn SecretStore, key: &str) -> Result<(), EngineError> {
    for name in [token_key(key), api_key_key(key), payment_token_key(key)] {
        secrets.delete(&name)?;
    }
    Ok(())
}

/// A fresh 128-bit ID for one user intent (a credit, a creation), in hex.
pub(crate) fn random_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// Whether `id` has [`random_id`]'s form: anything else did not come from this app.
pub(crate) fn is_random_id(id: &str) -> bool {
    id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use desk_core::Secret;
    use desk_store::MemoryStore;

    #[test]
    fn names_are_stable_and_differ_by_folder() {
        // The FNV-1a test vector: a change here would orphan every saved session.
        assert_eq!(fnv("a"), 0xaf63_dc4c_8601_ec8c);
        let one = secret_key("pbx--acme", Path::new("/home/dana/.local/share/desk"));
        assert_eq!(
            one,
            secret_key("pbx--acme", Path::new("/home/dana/.local/share/desk"))
        );
        assert_ne!(one, secret_key("pbx--acme", Path::new("/tmp/other")));
        assert!(one.starts_with("pbx--acme#"));
    }

    #[test]
    fn forgetting_removes_every_secret_of_the_profile_and_only_those() {
        let store = MemoryStore::default();
        for name in ["p/token", "p/api_key", "p/payment_token", "q/token"] {
            store.set(name, &Secret::new(name)).unwrap();
        }
        forget_secrets(&store, "p").unwrap();
        for gone in ["p/token", "p/api_key", "p/payment_token"] {
            assert!(store.get(gone).unwrap().is_none(), "{gone}");
        }
        assert!(store.get("q/token").unwrap().is_some());
    }
}
