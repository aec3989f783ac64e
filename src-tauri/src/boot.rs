//! Start-up: open the cache, choose where secrets live, start the demo backend when no backend
//! is configured, sign in, and pull the account tree — without ever blocking the window.

use crate::cli::Options;
use crate::error::{app_error, CommandError};
use crate::state::{AppState, Phase};
use crossbar::{AccountRef, ApiError, BaseUrl, Client, ClientOptions, Credentials};
use crossbar_sandbox::{Config, Seed, DEMO_ACCOUNT_NAME, DEMO_PASSWORD, DEMO_USERNAME};
use desk_engine::{Desk, EngineError};
use desk_store::{Cache, KeyringStore, MemoryStore, SecretStore};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Keyring entries of development builds never mix with release builds'.
const CHANNEL: &str = if cfg!(debug_assertions) {
    "dev"
} else {
    "stable"
};

pub fn demo_credentials() -> Credentials {
    Credentials::password(
        AccountRef::Name(DEMO_ACCOUNT_NAME.to_owned()),
        DEMO_USERNAME,
        DEMO_PASSWORD,
    )
}

/// The OS keyring when it answers; otherwise memory, and the user is told.
fn secret_store(notices: &mut Vec<String>) -> Arc<dyn SecretStore> {
    let keyring = KeyringStore::new(CHANNEL);
    match keyring.probe() {
        Ok(()) => Arc::new(keyring),
        Err(e) => {
            tracing::warn!(error = %e, "no usable keyring; secrets kept in memory");
            notices.push(format!(
                "No system keyring is available ({e}). Your sign-in is kept in memory only and \
                 you will be asked again next time."
            ));
            Arc::new(MemoryStore::default())
        }
    }
}

/// Keyring entries are per profile folder, so two data folders (`--data-dir`) never share a
/// saved session. FNV-1a: stable across Rust versions, unlike `DefaultHasher`.
fn profile_key(name: &str, folder: &Path) -> String {
    let hash = folder
        .to_string_lossy()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    format!("{name}#{hash:016x}")
}

/// A folder name for a server address: readable, and distinct per server.
fn profile_folder(server: &str) -> String {
    let slug: String = server
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    slug.trim_matches('-').chars().take(80).collect()
}

pub async fn boot(state: &AppState, opts: Options, data_dir: PathBuf) {
    match start(state, &opts, &data_dir).await {
        Ok(()) => {}
        Err(e) => {
            let view = e.view().clone();
            tracing::error!(code = %view.code, "start-up failed: {}", view.message);
            state.update(|b| {
                b.phase = Phase::Failed;
                b.error = Some(view);
            });
        }
    }
}

async fn start(state: &AppState, opts: &Options, data_dir: &Path) -> Result<(), CommandError> {
    let mut notices = Vec::new();
    let secrets = secret_store(&mut notices);
    let demo = opts.backend.is_none();
    let (base, profile, profile_dir) = match &opts.backend {
        Some(url) => {
            let base = BaseUrl::parse(url)?;
            let folder = profile_folder(base.as_str());
            (base, folder.clone(), data_dir.join("profiles").join(folder))
        }
        None => {
            let running =
                crossbar_sandbox::start(Config::new(data_dir.join("demo-backend"), Seed::Demo))
                    .await
                    .map_err(|e| {
                        app_error(
                            "demo_backend",
                            format!("The built-in demo backend could not start: {e}"),
                        )
                    })?;
            let base = BaseUrl::parse(&running.base_url)?;
            *state.sandbox.lock().unwrap_or_else(|p| p.into_inner()) = Some(running);
            (base, "demo".to_owned(), data_dir.join("demo"))
        }
    };
    std::fs::create_dir_all(&profile_dir).map_err(|e| {
        app_error(
            "data_dir",
            format!("Cannot create {}: {e}", profile_dir.display()),
        )
    })?;
    let opened = Cache::open(&profile_dir)?;
    notices.extend(opened.notice);
    let client = Client::new(base.clone(), ClientOptions::default())?;
    let desk = Arc::new(Desk::new(
        client,
        opened.cache,
        secrets,
        &profile_key(&profile, &profile_dir),
    ));
    state.set_desk(desk.clone());
    state.update(|b| {
        b.demo = demo;
        b.server = Some(base.as_str().to_owned());
        b.notices = notices;
        b.status = Some(desk.status());
    });

    let credentials = demo.then(demo_credentials);
    let resumed = desk.resume(credentials.clone())?;
    if !resumed {
        match credentials {
            Some(c) => {
                desk.sign_in(c).await?;
            }
            None => {
                state.update(|b| b.phase = Phase::NeedsSignIn);
                return Ok(());
            }
        }
    }
    finish(state, &desk).await
}

/// Pull the tree and mark the app ready; offline with a cached tree is still ready.
pub async fn finish(state: &AppState, desk: &Desk) -> Result<(), CommandError> {
    match desk.sync_tree(|_| {}).await {
        Ok(status) => state.update(|b| {
            b.phase = Phase::Ready;
            b.status = Some(status);
        }),
        Err(EngineError::Api(e)) if e.is_unreachable() && desk.status().root_id.is_some() => {
            tracing::warn!("server unreachable at start; working from the cache");
            state.update(|b| {
                b.phase = Phase::Ready;
                b.status = Some(desk.status());
            });
        }
        Err(EngineError::Api(ApiError::SessionExpired { .. })) => {
            state.update(|b| b.phase = Phase::NeedsSignIn);
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}
