//! The switcher, Account Info and Trunks (reading).

use crate::error::CommandResult;
use crate::state::AppState;
use desk_engine::{AccountView, NodeView, SearchHit, Shortcuts, TrunksView};
use tauri::State;

#[tauri::command(async)]
pub fn list_children(
    state: State<'_, AppState>,
    parent: Option<String>,
) -> CommandResult<Vec<NodeView>> {
    Ok(state.desk()?.children(parent.as_deref())?)
}

#[tauri::command(async)]
pub fn search_accounts(state: State<'_, AppState>, query: String) -> CommandResult<Vec<SearchHit>> {
    Ok(state.desk()?.search(&query))
}

#[tauri::command(async)]
pub fn shortcuts(state: State<'_, AppState>) -> CommandResult<Shortcuts> {
    Ok(state.desk()?.shortcuts()?)
}

#[tauri::command(async)]
pub fn toggle_pin(state: State<'_, AppState>, id: String) -> CommandResult<bool> {
    Ok(state.desk()?.toggle_pin(&id)?)
}

#[tauri::command(async)]
pub fn cached_account(
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<Option<AccountView>> {
    Ok(state.desk()?.cached_account(&id)?)
}

#[tauri::command]
pub async fn fetch_account(state: State<'_, AppState>, id: String) -> CommandResult<AccountView> {
    Ok(state.desk()?.account(&id).await?)
}

#[tauri::command(async)]
pub fn cached_trunks(state: State<'_, AppState>, id: String) -> CommandResult<Option<TrunksView>> {
    Ok(state.desk()?.cached_trunks(&id)?)
}

#[tauri::command]
pub async fn fetch_trunks(state: State<'_, AppState>, id: String) -> CommandResult<TrunksView> {
    Ok(state.desk()?.trunks(&id).await?)
}
