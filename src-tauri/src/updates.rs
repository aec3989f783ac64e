//! Updates from a company's release channel: Tauri's updater plugin, behind the `updater`
//! feature, off until a channel exists (docs/releasing.md says how to turn it on). When built
//! in, the app asks the endpoints of `plugins.updater` in `tauri.conf.json` once at start; an
//! update whose signature matches the configured public key is downloaded behind the window and
//! installed when the user quits, never in the middle of their work.

use crate::state::AppState;
use parking_lot::Mutex;
use tauri::{AppHandle, Manager};
use tauri_plugin_updater::{Update, UpdaterExt};

/// A downloaded, verified update waiting for the app to quit.
#[derive(Default)]
pub struct Downloaded(Mutex<Option<(Update, Vec<u8>)>>);

pub fn plugin() -> tauri::plugin::TauriPlugin<tauri::Wry, tauri_plugin_updater::Config> {
    tauri_plugin_updater::Builder::new().build()
}

/// Ask the release channel; download what it offers (the plugin checks the signature).
pub async fn check(app: AppHandle) {
    let updater = match app.updater() {
        Ok(u) => u,
        // No endpoint configured: nothing to ask.
        Err(e) => return tracing::info!(error = %e, "updates are not configured"),
    };
    let update = match updater.check().await {
        Ok(Some(update)) => update,
        Ok(None) => return tracing::info!("Account Desk is up to date"),
        Err(e) => return tracing::warn!(error = %e, "could not check for updates"),
    };
    match update.download(|_, _| {}, || {}).await {
        Ok(bytes) => {
            let version = update.version.clone();
            tracing::info!(%version, "update downloaded; it installs on quit");
            *app.state::<Downloaded>().0.lock() = Some((update, bytes));
            app.state::<AppState>().update(|b| {
                b.notices.push(format!(
                    "Account Desk {version} is ready: it is installed when you quit."
                ))
            });
        }
        Err(e) => tracing::warn!(error = %e, "the update could not be downloaded"),
    }
}

/// The app is quitting: install a downloaded update.
pub fn install_on_exit(app: &AppHandle) {
    let taken = app.state::<Downloaded>().0.lock().take();
    if let Some((update, bytes)) = taken {
        if let Err(e) = update.install(bytes) {
            tracing::error!(error = %e, "the update could not be installed");
        }
    }
}
