//! Editing: live checks, saving to the outbox, and the user's decisions on pending edits.

use crate::error::CommandResult;
use crate::state::AppState;
use desk_core::ZoneClock;
use desk_engine::{
    AccountForm, AccountView, CapacityPreview, Choice, CountryChoice, FieldCheck, NumbersPreview,
    PendingView, TrunksForm, TrunksView,
};
use desk_store::DocKind;
use tauri::State;

#[tauri::command(async)]
pub fn check_field(
    state: State<'_, AppState>,
    id: String,
    field: String,
    value: String,
) -> CommandResult<FieldCheck> {
    Ok(state.desk()?.check_field(&id, &field, &value)?)
}

#[tauri::command(async)]
pub fn preview_numbers(
    state: State<'_, AppState>,
    id: String,
    mode: String,
    exceptions: Vec<String>,
) -> CommandResult<NumbersPreview> {
    Ok(state.desk()?.preview_numbers(&id, &mode, &exceptions)?)
}

#[tauri::command(async)]
pub fn list_zones(state: State<'_, AppState>, query: String) -> Vec<ZoneClock> {
    desk_engine::zone_choices(&query, state.clock.now())
}

#[tauri::command(async)]
pub fn list_countries() -> Vec<CountryChoice> {
    desk_engine::country_choices()
}

#[tauri::command(async)]
pub fn preview_capacity(form: TrunksForm) -> CommandResult<CapacityPreview> {
    Ok(desk_engine::capacity_preview(&form)?)
}

#[tauri::command]
pub async fn save_account(
    state: State<'_, AppState>,
    id: String,
    form: AccountForm,
) -> CommandResult<AccountView> {
    Ok(state.desk()?.save_account(&id, &form).await?)
}

#[tauri::command]
pub async fn save_trunks(
    state: State<'_, AppState>,
    id: String,
    form: TrunksForm,
) -> CommandResult<TrunksView> {
    Ok(state.desk()?.save_trunks(&id, &form).await?)
}

#[tauri::command(async)]
pub fn pending_edits(state: State<'_, AppState>) -> CommandResult<Vec<PendingView>> {
    Ok(state.desk()?.pending_edits()?)
}

#[tauri::command]
pub async fn resolve_conflict(
    state: State<'_, AppState>,
    id: String,
    kind: DocKind,
    choices: Vec<(String, Choice)>,
) -> CommandResult<()> {
    Ok(state.desk()?.resolve_conflict(&id, kind, &choices).await?)
}

#[tauri::command]
pub async fn approve_charges(
    state: State<'_, AppState>,
    id: String,
    kind: DocKind,
) -> CommandResult<()> {
    Ok(state.desk()?.approve_charges(&id, kind).await?)
}

#[tauri::command]
pub async fn discard_edit(
    state: State<'_, AppState>,
    id: String,
    kind: DocKind,
    path: Option<String>,
) -> CommandResult<()> {
    Ok(state.desk()?.discard(&id, kind, path.as_deref()).await?)
}
