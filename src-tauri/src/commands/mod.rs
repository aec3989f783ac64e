//! Thin Tauri commands: argument plumbing over the engine, nothing else. One file per screen.

pub mod accounts;
pub mod session;
pub mod system;
