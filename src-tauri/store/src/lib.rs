//! Account Desk's local state: the sled cache (what was fetched, for offline review) and the
//! `SecretStore` (tokens and keys, in the OS keyring). Nothing secret ever goes into sled.

mod cache;
mod secrets;

pub use cache::{Cache, CachedNode, CachedTree, Entry, Opened, StoreError, SCHEMA_VERSION};
pub use secrets::{KeyringStore, MemoryStore, SecretError, SecretStore};
