//! What the commands share: the boot state and the desk of the current profile.

use crate::error::{app_error, CommandResult};
use crossbar_sandbox::Running;
use desk_engine::{Desk, ErrorView, Status};
use serde::Serialize;
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::watch;

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Starting,
    NeedsSignIn,
    Ready,
    Failed,
}

/// What the window needs to know before it can show accounts.
#[derive(Debug, Clone, Serialize)]
pub struct BootView {
    pub phase: Phase,
    pub demo: bool,
    pub server: Option<String>,
    /// Things the user must be told once (cache rebuilt, no keyring).
    pub notices: Vec<String>,
    pub error: Option<ErrorView>,
    pub status: Option<Status>,
}

impl BootView {
    pub fn starting() -> Self {
        Self {
            phase: Phase::Starting,
            demo: false,
            server: None,
            notices: Vec::new(),
            error: None,
            status: None,
        }
    }
}

pub struct AppState {
    pub boot: watch::Sender<BootView>,
    desk: RwLock<Option<Arc<Desk>>>,
    /// The demo backend, kept alive for the life of the app.
    pub sandbox: Mutex<Option<Running>>,
}

impl AppState {
    pub fn new() -> Self {
        Self {
            boot: watch::Sender::new(BootView::starting()),
            desk: RwLock::new(None),
            sandbox: Mutex::new(None),
        }
    }

    pub fn set_desk(&self, desk: Arc<Desk>) {
        *self.desk.write().unwrap_or_else(|p| p.into_inner()) = Some(desk);
    }

    pub fn desk(&self) -> CommandResult<Arc<Desk>> {
        self.desk
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| app_error("starting", "Account Desk is still starting."))
    }

    pub fn update(&self, f: impl FnOnce(&mut BootView)) {
        self.boot.send_modify(f);
    }
}
