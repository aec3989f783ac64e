//! The new sub-account wizard: proposals, step checks, creation with progress events, and
//! finishing or undoing a creation cut short.

use crate::error::CommandResult;
use crate::state::AppState;
use desk_engine::{CreationView, NewAccountForm, WizardCheck, WizardStart};
use tauri::{AppHandle, Emitter, State};

#[tauri::command]
pub async fn wizard_start(
    state: State<'_, AppState>,
    parent: String,
) -> CommandResult<WizardStart> {
    Ok(state.desk()?.wizard_start(&parent).await?)
}

#[tauri::command]
pub async fn wizard_check(
    state: State<'_, AppState>,
    form: NewAccountForm,
    step: u8,
) -> CommandResult<WizardCheck> {
    Ok(state.desk()?.wizard_check(&form, step).await?)
}

/// The realm with its first part made from the company name, for the rename helper.
#[tauri::command]
pub fn suggest_realm(name: String, realm: String) -> Option<String> {
    desk_engine::suggest_realm(&name, &realm)
}

#[tauri::command(async)]
pub fn new_creation_id(state: State<'_, AppState>) -> CommandResult<String> {
    Ok(state.desk()?.new_creation_id())
}

/// Each step's end is sent to the window as a `creation-progress` event.
fn progress(app: &AppHandle) -> impl Fn(&CreationView) + Send + Sync + '_ {
    move |v| {
        let _ = app.emit("creation-progress", v);
    }
}

#[tauri::command]
pub async fn create_account(
    app: AppHandle,
    state: State<'_, AppState>,
    creation: String,
    form: NewAccountForm,
    accepted_today: String,
) -> CommandResult<CreationView> {
    let desk = state.desk()?;
    Ok(desk
        .create_account(&creation, &form, &accepted_today, &progress(&app))
        .await?)
}

#[tauri::command]
pub async fn finish_creation(
    app: AppHandle,
    state: State<'_, AppState>,
    creation: String,
    form: NewAccountForm,
) -> CommandResult<CreationView> {
    let desk = state.desk()?;
    Ok(desk
        .finish_creation(&creation, &form, &progress(&app))
        .await?)
}

/// Creations cut short, for the notice at start-up.
#[tauri::command(async)]
pub fn unfinished_creations(state: State<'_, AppState>) -> CommandResult<Vec<CreationView>> {
    Ok(state.desk()?.unfinished_creations()?)
}

#[tauri::command]
pub async fn undo_creation(
    state: State<'_, AppState>,
    creation: String,
) -> CommandResult<CreationView> {
    Ok(state.desk()?.undo_creation(&creation).await?)
}
