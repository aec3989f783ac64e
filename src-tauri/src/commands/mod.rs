//! Thin Tauri commands: argument plumbing over the engine, nothing else. One file per screen.

pub mod accounts;
pub mod balances;
pub mod billing;
pub mod edits;
pub mod history;
pub mod session;
pub mod system;
pub mod wizard;
