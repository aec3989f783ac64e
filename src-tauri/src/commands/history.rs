//! The change log: viewing and exporting to CSV through a native save dialog.

use crate::error::CommandResult;
use crate::state::AppState;
use desk_store::ChangeRecord;
use tauri::{AppHandle, State};

#[tauri::command(async)]
pub fn change_log(
    state: State<'_, AppState>,
    id: Option<String>,
) -> CommandResult<Vec<ChangeRecord>> {
    Ok(state.desk()?.changes(id.as_deref())?)
}

/// Ask where to save, then write the CSV. Resolves to the path written, or `None` if the user
/// cancelled.
#[tauri::command]
pub async fn export_change_log(
    app: AppHandle,
    state: State<'_, AppState>,
    id: Option<String>,
) -> CommandResult<Option<String>> {
    let desk = state.desk()?;
    let Some(path) = crate::save_dialog::ask_csv_path(&app, "account-desk-changes.csv").await?
    else {
        return Ok(None);
    };
    desk.export_changes(id.as_deref(), &path)?;
    Ok(Some(path.display().to_string()))
}
