//! Small services for the window: the clock of a zone, the clipboard.

use crate::clipboard::Clipboard;
use crate::error::{app_error, CommandResult};
use crate::state::AppState;
use desk_core::ZoneClock;
use tauri::State;

#[tauri::command(async)]
pub fn zone_clock(state: State<'_, AppState>, zone: String) -> CommandResult<ZoneClock> {
    let tz: chrono_tz::Tz = zone
        .parse()
        .map_err(|_| app_error("invalid_input", format!("“{zone}” is not a time zone")))?;
    Ok(ZoneClock::at(tz, state.clock.now()))
}

/// Copy text (an account ID, a request id) to the system clipboard.
#[tauri::command(async)]
pub fn copy_text(clipboard: State<'_, Clipboard>, text: String) -> CommandResult<()> {
    if text.len() > 4096 {
        return Err(app_error("invalid_input", "That is too much text to copy."));
    }
    clipboard
        .write_text(text)
        .map_err(|e| app_error("clipboard", format!("Could not copy: {e}")))
}
