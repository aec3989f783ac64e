//! Integration tests over real parts: the sandbox over HTTP on 127.0.0.1, sled on temp dirs,
//! the OS keyring (gnome-keyring under dbus-run-session in CI), and Kazoo's reference files.

mod balances;
mod billing;
mod client_sandbox;
mod client_transport;
mod consent_and_settling;
mod edits;
mod engine_cache;
mod faults;
mod hostile;
mod kazoo43;
mod kazoo_reference;
mod keyring_store;
mod layering;
mod support;
mod tls;
mod wizard;
