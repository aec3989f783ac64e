//! The change log: viewing and exporting to CSV through a native save dialog.

use crate::error::{app_error, CommandResult};
use crate::state::AppState;
use desk_store::ChangeRecord;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

#[tauri::command]
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
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .add_filter("CSV", &["csv"])
        .set_file_name("account-desk-changes.csv")
        .save_file(move |path| {
            let _ = tx.send(path);
        });
    let Some(path) = rx
        .await
        .map_err(|_| app_error("dialog", "The save dialog closed unexpectedly."))?
    else {
        return Ok(None);
    };
    let path = path
        .into_path()
        .map_err(|e| app_error("dialog", format!("That location cannot be written: {e}")))?;
    desk.export_changes(id.as_deref(), &path)?;
    Ok(Some(path.display().to_string()))
}
