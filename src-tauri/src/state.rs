//! What the commands share: the start-up view, the active profile's desk and its background
//! tasks, the secret store, and the data folder's settings files.

use crate::error::{app_error, CommandResult};
use crossbar_sandbox::Running;
use desk_engine::{Clock, ConfigFiles, Desk, ErrorView, Profile, Settings, Status};
use desk_store::SecretStore;
use parking_lot::Mutex;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::watch;

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Starting,
    NeedsSignIn,
    /// Signed in as a user who is not an admin: no data is shown.
    NotAdmin,
    Ready,
    Failed,
}

/// A saved platform as the sign-in screen lists it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ProfileView {
    pub id: String,
    pub label: String,
    pub server: String,
    pub account: String,
    pub username: Option<String>,
    pub method: desk_engine::AuthMethod,
    pub remember: bool,
    pub demo: bool,
    pub ca_file: Option<String>,
}

impl ProfileView {
    pub fn of(p: &Profile, demo: bool) -> Self {
        Self {
            id: p.id.clone(),
            label: p.label.clone(),
            server: p.server.clone(),
            account: p.account.clone(),
            username: p.username.clone(),
            method: p.method,
            remember: p.remember,
            ca_file: p.ca_file.clone(),
            demo,
        }
    }
}

/// What the window needs to know about the app as a whole.
#[derive(Debug, Clone, Serialize)]
pub struct BootView {
    pub phase: Phase,
    pub demo: bool,
    pub server: Option<String>,
    /// Things the user must be told once (cache rebuilt, no keyring).
    pub notices: Vec<String>,
    pub error: Option<ErrorView>,
    pub status: Option<Status>,
    pub profile: Option<ProfileView>,
    pub profiles: Vec<ProfileView>,
    pub settings: Settings,
    /// How far the app's clock is from the computer's (0 unless a debug build was started with
    /// `--clock`): the window adds it to its own dates.
    pub clock_offset_ms: i64,
    /// Settings → About.
    pub about: About,
}

/// Which build this is, for Settings → About and support.
#[derive(Debug, Clone, Serialize)]
pub struct About {
    pub version: &'static str,
    /// The commit it was built from (`unknown` outside a git checkout).
    pub build: &'static str,
    /// `release` or `debug`.
    pub profile: &'static str,
}

impl About {
    pub const THIS: About = About {
        version: env!("CARGO_PKG_VERSION"),
        build: env!("ACCOUNT_DESK_BUILD"),
        profile: if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
    };
}

/// The profile in use: its desk and the tasks that live as long as it does.
pub struct Active {
    pub profile: Profile,
    pub desk: Arc<Desk>,
    pub tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Active {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

pub struct AppState {
    pub boot: watch::Sender<BootView>,
    pub data_dir: OnceLock<PathBuf>,
    pub secrets: OnceLock<Arc<dyn SecretStore>>,
    pub active: Mutex<Option<Active>>,
    /// The demo backend, started on first use and kept for the life of the app.
    pub sandbox: tokio::sync::Mutex<Option<Running>>,
    /// The background sync interval, watched by the active desk's loop.
    pub interval: watch::Sender<Duration>,
    /// How often the active desk reads watched balances.
    pub balance_interval: watch::Sender<Duration>,
    /// Serialises profile switches and sign-ins.
    pub switching: tokio::sync::Mutex<()>,
    /// "Now" for every desk and for the window's clocks.
    pub clock: Arc<Clock>,
}

impl AppState {
    pub fn new(clock: Arc<Clock>) -> Self {
        Self {
            boot: watch::Sender::new(BootView {
                phase: Phase::Starting,
                demo: false,
                server: None,
                notices: Vec::new(),
                error: None,
                status: None,
                profile: None,
                profiles: Vec::new(),
                settings: Settings::default(),
                clock_offset_ms: clock.offset_ms(),
                about: About::THIS,
            }),
            data_dir: OnceLock::new(),
            secrets: OnceLock::new(),
            active: Mutex::new(None),
            sandbox: tokio::sync::Mutex::new(None),
            interval: watch::Sender::new(Duration::from_secs(
                Settings::default().sync_interval_secs,
            )),
            balance_interval: watch::Sender::new(Duration::from_secs(
                Settings::default().balance_poll_secs,
            )),
            switching: tokio::sync::Mutex::new(()),
            clock,
        }
    }

    pub fn config(&self) -> CommandResult<ConfigFiles> {
        self.data_dir
            .get()
            .map(|d| ConfigFiles::new(d))
            .ok_or_else(|| app_error("starting", "Account Desk is still starting."))
    }

    pub fn desk(&self) -> CommandResult<Arc<Desk>> {
        self.active
            .lock()
            .as_ref()
            .map(|a| a.desk.clone())
            .ok_or_else(|| app_error("not_signed_in", "Sign in first."))
    }

    pub fn apply_intervals(&self, settings: &Settings) {
        self.interval
            .send_replace(Duration::from_secs(settings.sync_interval_secs));
        self.balance_interval
            .send_replace(Duration::from_secs(settings.balance_poll_secs));
    }

    pub fn update(&self, f: impl FnOnce(&mut BootView)) {
        self.boot.send_modify(f);
    }

    pub fn view(&self) -> BootView {
        self.boot.borrow().clone()
    }
}
