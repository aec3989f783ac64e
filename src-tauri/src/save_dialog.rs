//! The native "Save as…" dialog for CSV exports.

use crate::error::{app_error, CommandResult};
use std::path::PathBuf;
use tauri::AppHandle;
use tauri_plugin_dialog::DialogExt;

/// The dialog's title (tests find the native window by it).
const TITLE: &str = "Export as CSV";

/// Ask where to save a CSV file, suggesting `file_name`; `None` when the user cancels.
pub async fn ask_csv_path(app: &AppHandle, file_name: &str) -> CommandResult<Option<PathBuf>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title(TITLE)
        .add_filter("CSV", &["csv"])
        .set_file_name(file_name)
        .save_file(move |path| {
            let _ = tx.send(path);
        });
    let Some(path) = rx
        .await
        .map_err(|_| app_error("dialog", "The save dialog closed unexpectedly."))?
    else {
        return Ok(None);
    };
    path.into_path()
        .map(Some)
        .map_err(|e| app_error("dialog", format!("That location cannot be written: {e}")))
}
