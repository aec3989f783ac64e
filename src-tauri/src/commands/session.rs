//! Start-up state, platforms (profiles), sign-in and sync.

use crate::error::{app_error, CommandResult};
use crate::session;
use crate::state::{AppState, BootView, Phase};
use desk_engine::SignInForm;
use desk_engine::{Settings, Status};
use tauri::{AppHandle, State};

#[tauri::command(async)]
pub fn boot_status(state: State<'_, AppState>) -> BootView {
    state.view()
}

/// Resolves once start-up has finished (or failed, or needs a sign-in).
#[tauri::command]
pub async fn await_boot(state: State<'_, AppState>) -> CommandResult<BootView> {
    let mut rx = state.boot.subscribe();
    let view = rx
        .wait_for(|b| b.phase != Phase::Starting)
        .await
        .map_err(|_| app_error("starting", "Start-up was interrupted."))?;
    Ok(view.clone())
}

#[tauri::command]
pub async fn sign_in(app: AppHandle, form: SignInForm) -> CommandResult<BootView> {
    session::sign_in(&app, form).await
}

#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> CommandResult<BootView> {
    session::sign_out(&state).await
}

/// Switch to a saved platform (`None`: the built-in demo).
#[tauri::command]
pub async fn open_profile(
    app: AppHandle,
    state: State<'_, AppState>,
    id: Option<String>,
) -> CommandResult<BootView> {
    let profile = match id {
        Some(id) => Some(
            state
                .config()?
                .profiles()
                .profiles
                .into_iter()
                .find(|p| p.id == id)
                .ok_or_else(|| app_error("unknown_profile", "That platform is no longer saved."))?,
        ),
        None => None,
    };
    session::open(&app, profile).await?;
    Ok(state.view())
}

#[tauri::command]
pub async fn forget_profile(state: State<'_, AppState>, id: String) -> CommandResult<BootView> {
    session::forget(&state, &id).await
}

#[tauri::command]
pub async fn sync_now(state: State<'_, AppState>) -> CommandResult<Status> {
    Ok(state.desk()?.sync_now().await?)
}

#[tauri::command(async)]
pub fn save_settings(state: State<'_, AppState>, settings: Settings) -> CommandResult<BootView> {
    let settings = settings.normalized();
    state.config()?.save_settings(&settings)?;
    state.apply_intervals(&settings);
    state.update(|b| b.settings = settings);
    Ok(state.view())
}
