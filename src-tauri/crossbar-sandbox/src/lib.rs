//! `crossbar-sandbox`: a Kazoo-compatible Crossbar v2 server for demo mode and tests.
//!
//! It is the independent "other side" Account Desk is tested against, written from Kazoo's
//! documented behaviour (envelopes, validation errors keyed by field and rule, 401/402/403/404,
//! pagination, non-sliding token expiry). It shares no validation code with the client.
//! State lives in memory and is written through to JSON files in the data folder.

// Handlers return a ready axum `Response` as their error: built once per failed request, it is
// not worth boxing.
#![allow(clippy::result_large_err)]

mod accounts;
mod apps;
mod auth;
mod billing;
mod books;
mod callflows;
mod clock;
mod cors;
mod cycle;
mod envelope;
mod filters;
mod history;
mod ledger;
mod limits;
mod model;
mod paging;
mod payments;
mod persist;
pub mod platform;
mod rules;
pub mod seed;
mod services;
mod users;
mod webclient;

use axum::Router;
use parking_lot::Mutex;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

pub use seed::{
    Seed, AUDITOR_PASSWORD, AUDITOR_USERNAME, DEMO_ACCOUNT_NAME, DEMO_PASSWORD, DEMO_USERNAME,
};

/// How to run a sandbox.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// Applied only when the data folder holds no state yet.
    pub seed: Seed,
    /// Lifetime of auth tokens; Kazoo's default is 3600 s and use does not extend it.
    pub token_ttl: Duration,
    /// Where the sandbox's clock starts (unix seconds); it then runs at real speed. A new data
    /// folder is seeded around this instant; an existing one's clock only moves forward to it.
    /// `None`: the computer's clock.
    pub start_at: Option<i64>,
    /// The Kazoo release and payment bookkeeper to play.
    pub platform: platform::Platform,
    /// Serve only the app on this computer (the in-app demo): requests must name this address
    /// as their `Host` (a web page elsewhere cannot reach it by DNS rebinding), no origin is
    /// allowed by CORS, and the sandbox's own clock routes are absent.
    pub local_only: bool,
}

impl Config {
    pub fn new(data_dir: impl Into<PathBuf>, seed: Seed) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: data_dir.into(),
            seed,
            token_ttl: Duration::from_secs(3600),
            start_at: None,
            platform: platform::Platform::default(),
            local_only: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot use the data folder {path}: {source}")]
    Data {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the data folder {path} holds a file the sandbox cannot read: {detail}")]
    Corrupt { path: PathBuf, detail: String },
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

pub(crate) type Shared = Arc<Mutex<model::State>>;

/// A sandbox serving HTTP on a background task.
pub struct Running {
    /// `http://127.0.0.1:PORT` (the API is under `/v2`).
    pub base_url: String,
    pub addr: SocketAddr,
    /// The ID of the seeded "Demo Reseller" account, if the seed has one.
    pub reseller_id: Option<String>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Stop accepting connections and wait for the server task to end.
    pub async fn stop(mut self) {
        self.signal_stop();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    fn signal_stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.signal_stop();
    }
}

/// Load (or seed) the state in `cfg.data_dir` and serve it on `cfg.listen`.
pub async fn start(cfg: Config) -> Result<Running, SandboxError> {
    let mut state = persist::load_or_seed(&cfg.data_dir, &cfg.seed, cfg.token_ttl, cfg.start_at)?;
    state.platform = cfg.platform;
    let reseller_id = state.reseller_id();
    let shared: Shared = Arc::new(Mutex::new(state));
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .map_err(|source| SandboxError::Listen {
            addr: cfg.listen,
            source,
        })?;
    let addr = listener
        .local_addr()
        .map_err(|source| SandboxError::Listen {
            addr: cfg.listen,
            source,
        })?;
    if cfg.local_only {
        shared.lock().local_only = Some(addr.port());
    }
    let (tx, rx) = oneshot::channel::<()>();
    let app = router(shared);
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Ok(Running {
        base_url: format!("http://{addr}"),
        addr,
        reseller_id,
        shutdown: Some(tx),
        task: Some(task),
    })
}

fn router(state: Shared) -> Router {
    Router::new()
        .merge(auth::routes())
        .merge(accounts::routes())
        .merge(limits::routes())
        .merge(users::routes())
        .merge(ledger::routes())
        .merge(payments::routes())
        .merge(services::routes())
        .merge(apps::routes())
        .merge(callflows::routes())
        .merge(webclient::routes())
        .method_not_allowed_fallback(envelope::invalid_method)
        .fallback(envelope::unknown_route)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cors::layer,
        ))
        .with_state(state)
}
