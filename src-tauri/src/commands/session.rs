//! Start-up state, sign-in and sync.

use crate::boot;
use crate::error::{app_error, CommandResult};
use crate::state::{AppState, BootView, Phase};
use crossbar::{AccountRef, Credentials};
use desk_core::Realm;
use desk_engine::Status;
use tauri::State;

#[tauri::command]
pub fn boot_status(state: State<'_, AppState>) -> BootView {
    state.boot.borrow().clone()
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

/// Sign in to the configured backend. `account` is an account name or a realm.
#[tauri::command]
pub async fn sign_in(
    state: State<'_, AppState>,
    account: String,
    username: String,
    password: String,
) -> CommandResult<BootView> {
    let desk = state.desk()?;
    let account = account.trim();
    let reference = if Realm::parse(account).is_ok() && !account.contains(' ') {
        AccountRef::Realm(account.to_owned())
    } else {
        AccountRef::Name(account.to_owned())
    };
    desk.sign_in(Credentials::password(reference, &username, &password))
        .await?;
    boot::finish(&state, &desk).await?;
    Ok(state.boot.borrow().clone())
}

#[tauri::command]
pub async fn sync_now(state: State<'_, AppState>) -> CommandResult<Status> {
    let desk = state.desk()?;
    let status = desk.sync_tree(|_| {}).await?;
    state.update(|b| b.status = Some(status.clone()));
    Ok(status)
}
