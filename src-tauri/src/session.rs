//! Profiles in use: start-up, switching platforms, signing in and out. Opening a profile opens
//! its cache, starts its background sync and forwards its changes to the window — all without
//! blocking the window.

use crate::cli::Options;
use crate::error::{app_error, CommandError, CommandResult};
use crate::state::{Active, AppState, BootView, Phase, ProfileView};
use crossbar::{AccountRef, ApiError, BaseUrl, Client, Credentials};
use crossbar_sandbox::{Config, Seed, DEMO_ACCOUNT_NAME, DEMO_PASSWORD, DEMO_USERNAME};
use desk_engine::{
    forget_secrets, profile_for, secret_key, AuthMethod, Desk, EngineError, Profile, SignInForm,
    Start, DEMO_PROFILE, KEYRING_CHANNEL,
};
use desk_store::{Cache, KeyringStore, MemoryStore, SecretStore};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager};

pub fn demo_credentials() -> Credentials {
    Credentials::password(
        AccountRef::Name(DEMO_ACCOUNT_NAME.to_owned()),
        DEMO_USERNAME,
        DEMO_PASSWORD,
    )
}

/// The OS keyring when it answers; otherwise memory, and the user is told.
fn secret_store(notices: &mut Vec<String>) -> Arc<dyn SecretStore> {
    let keyring = KeyringStore::new(KEYRING_CHANNEL);
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

fn refresh_profiles(state: &AppState) {
    if let Ok(config) = state.config() {
        let saved = config.profiles();
        state.update(|b| {
            b.profiles = saved
                .profiles
                .iter()
                .map(|p| ProfileView::of(p, false))
                .collect();
            b.settings = config.settings();
        });
    }
}

/// Start-up: the profile named by `--backend`, else the last one used, else demo mode.
pub async fn start(app: AppHandle, opts: Options, data_dir: PathBuf) {
    let state = app.state::<AppState>();
    let mut notices = Vec::new();
    let _ = state.secrets.set(secret_store(&mut notices));
    let _ = state.data_dir.set(data_dir);
    let Ok(config) = state.config() else { return };
    let settings = config.settings();
    state.apply_intervals(&settings);
    state.update(|b| b.notices = notices);
    refresh_profiles(&state);
    let result = match config.profiles().start(opts.backend.as_deref()) {
        Ok(Start::Open(profile)) => open(&app, profile).await,
        Ok(Start::SignIn { server }) => {
            state.update(|b| {
                b.phase = Phase::NeedsSignIn;
                b.server = Some(server);
            });
            Ok(())
        }
        Err(e) => Err(e.into()),
    };
    if let Err(e) = result {
        fail(&state, e);
    }
}

fn fail(state: &AppState, e: CommandError) {
    let view = e.view().clone();
    tracing::error!(code = %view.code, "start-up failed: {}", view.message);
    state.update(|b| {
        b.phase = Phase::Failed;
        b.error = Some(view);
    });
}

/// Open a profile (`None`: demo mode), resume its remembered session if any, and sync.
pub async fn open(app: &AppHandle, profile: Option<Profile>) -> CommandResult<()> {
    let state = app.state::<AppState>();
    let _one = state.switching.lock().await;
    let demo = profile.is_none();
    let profile = match profile {
        Some(p) => p,
        None => demo_profile(&state).await?,
    };
    let desk = activate(app, &state, profile.clone(), demo)?;
    let credentials = demo.then(demo_credentials);
    if !desk.resume(credentials.clone())? {
        match credentials {
            Some(c) => {
                desk.sign_in(c, true).await?;
            }
            None => {
                state.update(|b| b.phase = Phase::NeedsSignIn);
                return Ok(());
            }
        }
    }
    desk.set_user(&profile.username.clone().unwrap_or_else(|| "API key".into()));
    remember_last(&state, &profile, demo)?;
    finish(&state, &desk).await
}

async fn demo_profile(state: &AppState) -> CommandResult<Profile> {
    let data_dir = state.config()?.profile_dir(DEMO_PROFILE);
    let backend_dir = data_dir.with_file_name("demo-backend");
    let mut sandbox = state.sandbox.lock().await;
    if sandbox.is_none() {
        // The demo platform keeps the app's time, so a pinned clock pins both sides.
        let mut config = Config::new(backend_dir, Seed::Demo);
        config.start_at = Some(state.clock.now().timestamp());
        // It serves this app alone: no web page may reach it, and it has no clock to move.
        config.local_only = true;
        let running = crossbar_sandbox::start(config).await.map_err(|e| {
            app_error(
                "demo_backend",
                format!("The built-in demo backend could not start: {e}"),
            )
        })?;
        *sandbox = Some(running);
    }
    let url = sandbox
        .as_ref()
        .map(|s| s.base_url.clone())
        .unwrap_or_default();
    Ok(Profile {
        id: DEMO_PROFILE.into(),
        label: DEMO_ACCOUNT_NAME.into(),
        server: BaseUrl::parse(&url)?.as_str().to_owned(),
        account: DEMO_ACCOUNT_NAME.into(),
        username: Some(DEMO_USERNAME.into()),
        method: AuthMethod::Password,
        remember: true,
        account_id: None,
        ca_file: None,
    })
}

/// Make `profile` the active one: close the previous profile's desk, open this one's cache,
/// start its background sync and the forwarding of its changes to the window.
fn activate(
    app: &AppHandle,
    state: &AppState,
    profile: Profile,
    demo: bool,
) -> CommandResult<Arc<Desk>> {
    {
        let active = state.active.lock();
        if let Some(a) = active.as_ref().filter(|a| a.profile.id == profile.id) {
            return Ok(a.desk.clone());
        }
    }
    // Dropping the previous profile stops its tasks and closes its cache.
    state.active.lock().take();
    let config = state.config()?;
    let dir = config.profile_dir(&profile.id);
    std::fs::create_dir_all(&dir)
        .map_err(|e| app_error("data_dir", format!("Cannot create {}: {e}", dir.display())))?;
    let opened = Cache::open(&dir)?;
    let base = BaseUrl::parse(&profile.server)?;
    let client = Client::new(base.clone(), profile.client_options()?)?;
    let secrets = state
        .secrets
        .get()
        .cloned()
        .ok_or_else(|| app_error("starting", "Account Desk is still starting."))?;
    let desk = Arc::new(
        Desk::new(
            client,
            opened.cache,
            secrets,
            &secret_key(&profile.id, &dir),
        )
        .with_clock(state.clock.clone()),
    );
    let tasks = vec![
        tokio::spawn(desk.clone().run(state.interval.subscribe())),
        tokio::spawn(forward_changes(app.clone(), desk.clone())),
        tokio::spawn({
            let app = app.clone();
            desk.clone()
                .watch_balances(state.balance_interval.subscribe(), move |c| {
                    crate::notify::low_balance(&app, &c)
                })
        }),
    ];
    state.update(|b| {
        b.demo = demo;
        b.server = Some(base.as_str().to_owned());
        b.notices.extend(opened.notice);
        b.status = Some(desk.status());
        b.profile = Some(ProfileView::of(&profile, demo));
        b.phase = Phase::Starting;
        b.error = None;
    });
    *state.active.lock() = Some(Active {
        profile,
        desk: desk.clone(),
        tasks,
    });
    Ok(desk)
}

/// The app is exiting: stop the active profile's tasks and make its cache durable.
pub fn shut_down(app: &AppHandle) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    let active = state.active.lock().take();
    if let Some(active) = active {
        let desk = active.desk.clone();
        drop(active); // stops its tasks
        if let Err(e) = tauri::async_runtime::block_on(desk.flush()) {
            tracing::error!(code = e.code(), "the cache could not be flushed on exit");
        }
    }
    tracing::info!("stopped");
}

/// Tell the window whenever the desk changed (coalesced: a burst becomes one event).
async fn forward_changes(app: AppHandle, desk: Arc<Desk>) {
    let mut rx = desk.subscribe();
    while rx.changed().await.is_ok() {
        tokio::time::sleep(Duration::from_millis(60)).await;
        rx.borrow_and_update();
        let status = desk.status();
        app.state::<AppState>()
            .update(|b| b.status = Some(status.clone()));
        let _ = app.emit("desk-changed", &status);
        crate::tray::refresh(&app);
    }
}

fn remember_last(state: &AppState, profile: &Profile, demo: bool) -> CommandResult<()> {
    let config = state.config()?;
    let mut saved = config.profiles();
    saved.remember(profile, demo);
    config.save_profiles(&saved)?;
    refresh_profiles(state);
    Ok(())
}

/// Mark the app ready and pull the tree. A cached tree opens the window at once and is pulled
/// behind it: what was cached shows before any network work, and the pull's outcome reaches the
/// status line (offline, or the sign-in prompt of an expired session). Without a cache the
/// window waits for the first pull.
pub async fn finish(state: &AppState, desk: &Arc<Desk>) -> CommandResult<()> {
    if desk.status().root_id.is_some() {
        state.update(|b| {
            b.phase = Phase::Ready;
            b.status = Some(desk.status());
        });
        let desk = desk.clone();
        tokio::spawn(async move {
            if let Err(e) = desk.sync_tree().await {
                tracing::warn!(
                    code = e.code(),
                    "tree not pulled at start; working from the cache"
                );
            }
            desk.poll_balances_soon();
        });
        return Ok(());
    }
    match desk.sync_tree().await {
        Ok(status) => state.update(|b| {
            b.phase = Phase::Ready;
            b.status = Some(status);
        }),
        Err(EngineError::Api(ApiError::SessionExpired { .. })) => {
            state.update(|b| b.phase = Phase::NeedsSignIn);
        }
        Err(e) => return Err(e.into()),
    }
    // Signed in: read the watched balances now rather than at the next interval.
    desk.poll_balances_soon();
    Ok(())
}

/// Sign in to a platform: a new one, a saved one, or the current one again after its session
/// expired (nothing on screen is lost: the window stays as it is).
pub async fn sign_in(app: &AppHandle, form: SignInForm) -> CommandResult<BootView> {
    let state = app.state::<AppState>();
    let (mut profile, credentials) = form.read()?;
    let _one = state.switching.lock().await;
    // Which account this is, asked of the server before a folder is chosen: the profile is
    // that account's, whatever was typed (see `profile_for`).
    let probe = Client::new(BaseUrl::parse(&profile.server)?, profile.client_options()?)?;
    let account_id = probe
        .sign_in(credentials.clone())
        .await
        .map_err(EngineError::from)?
        .account_id
        .to_string();
    profile.id = profile_for(
        &state.config()?.profiles(),
        &profile.server,
        &profile.account,
        &account_id,
    );
    profile.account_id = Some(account_id);
    let desk = activate(app, &state, profile.clone(), false)?;
    match desk.sign_in(credentials, profile.remember).await {
        Ok(info) => {
            if let (Some(name), AuthMethod::ApiKey) = (&info.account_name, profile.method) {
                profile.label = name.clone();
            }
            remember_last(&state, &profile, false)?;

            if state.view().phase == Phase::Ready {
                state.update(|b| b.status = Some(desk.status()));
            } else {
                finish(&state, &desk).await?;
            }
        }
        Err(EngineError::NotAdmin) => {
            state.update(|b| b.phase = Phase::NotAdmin);
        }
        Err(e) => return Err(e.into()),
    }
    Ok(state.view())
}

/// Forget the session and its secrets; the sign-in screen opens, prefilled.
pub async fn sign_out(state: &AppState) -> CommandResult<BootView> {
    let _one = state.switching.lock().await;
    state.desk()?.sign_out()?;
    state.update(|b| b.phase = Phase::NeedsSignIn);
    Ok(state.view())
}

/// Remove a saved platform and its secrets (its cache folder stays until deleted by hand).
pub async fn forget(state: &AppState, id: &str) -> CommandResult<BootView> {
    let _one = state.switching.lock().await;
    let config = state.config()?;
    let mut saved = config.profiles();
    saved.forget(id);
    config.save_profiles(&saved)?;
    if let Some(secrets) = state.secrets.get() {
        forget_secrets(secrets.as_ref(), &secret_key(id, &config.profile_dir(id)))?;
    }
    refresh_profiles(state);
    Ok(state.view())
}
