//! Account Desk's local state: the sled cache (what was fetched, for offline review), the
//! pending-edit outbox and change log in the same database, small settings files, and the
//! `SecretStore` (tokens and keys, in the OS keyring). Nothing secret ever goes into sled.

mod cache;
mod changelog;
mod json_file;
mod opening;
mod outbox;
mod secrets;

pub use cache::{Cache, CachedNode, CachedTree, Entry, Opened, StoreError, SCHEMA_VERSION};
pub use changelog::ChangeRecord;
pub use json_file::{load_json, save_json};
pub use outbox::{Consent, DocKind, EditState, Made, PendingEdit};
pub use secrets::{KeyringStore, MemoryStore, SecretError, SecretStore};
