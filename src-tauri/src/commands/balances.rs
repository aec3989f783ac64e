//! The Balances screen: a page from the cache, a background refresh, the CSV export.

use crate::error::CommandResult;
use crate::state::AppState;
use desk_engine::{BalancesPage, BalancesQuery};
use tauri::{AppHandle, State};

#[tauri::command(async)]
pub fn balances(state: State<'_, AppState>, query: BalancesQuery) -> CommandResult<BalancesPage> {
    Ok(state.desk()?.balances(&query)?)
}

/// Start reading every balance in the background; the screen hears progress through the
/// desk's change events and asks for pages again.
#[tauri::command]
pub async fn refresh_balances(state: State<'_, AppState>) -> CommandResult<()> {
    let desk = state.desk()?;
    tauri::async_runtime::spawn(async move {
        if let Err(e) = desk.refresh_balances().await {
            tracing::info!(code = e.code(), "balance refresh did not complete");
        }
    });
    Ok(())
}

/// Save the rows the search and filter keep as CSV where the user chooses; `None` when
/// cancelled.
#[tauri::command]
pub async fn export_balances(
    app: AppHandle,
    state: State<'_, AppState>,
    query: BalancesQuery,
) -> CommandResult<Option<String>> {
    let desk = state.desk()?;
    let Some(path) = crate::save_dialog::ask_csv_path(&app, "balances.csv").await? else {
        return Ok(None);
    };
    desk.export_balances(&query, &path)?;
    Ok(Some(path.display().to_string()))
}
