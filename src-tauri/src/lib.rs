//! The Account Desk shell: builds the Tauri app, starts the engine off the main thread, and
//! registers the thin commands the window calls. All logic lives in the engine crates.

mod boot;
mod cli;
mod commands;
mod error;
mod state;

use state::AppState;
use std::path::{Path, PathBuf};
use tauri::Manager;

fn init_logging(data_dir: &Path) {
    use tracing_subscriber::{fmt, prelude::*, EnvFilter};
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = data_dir.join("logs");
    let file = std::fs::create_dir_all(&logs).and_then(|_| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(logs.join("account-desk.log"))
    });
    let file_layer = file.ok().map(|f| {
        fmt::layer()
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(f))
    });
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(file_layer)
        .with(fmt::layer().with_writer(std::io::stderr))
        .try_init();
}

pub fn run() {
    let opts = match cli::Options::from_env() {
        Ok(o) => o,
        Err(msg) => {
            eprintln!("account-desk: {msg}");
            std::process::exit(2);
        }
    };
    // The phone metadata takes ~100 ms to load: do it before the first screen needs it.
    std::thread::spawn(desk_core::phone::warm_up);
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_clipboard_manager::init())
        .manage(AppState::new())
        .setup(move |app| {
            let data_dir: PathBuf = match &opts.data_dir {
                Some(d) => d.clone(),
                None => app.path().app_data_dir()?,
            };
            std::fs::create_dir_all(&data_dir)?;
            init_logging(&data_dir);
            tracing::info!(data_dir = %data_dir.display(), demo = opts.backend.is_none(), "starting");
            let handle = app.handle().clone();
            let opts = opts.clone();
            tauri::async_runtime::spawn(async move {
                let state = handle.state::<AppState>();
                boot::boot(&state, opts, data_dir).await;
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::session::boot_status,
            commands::session::await_boot,
            commands::session::sign_in,
            commands::session::sync_now,
            commands::accounts::list_children,
            commands::accounts::search_accounts,
            commands::accounts::cached_account,
            commands::accounts::fetch_account,
            commands::accounts::cached_trunks,
            commands::accounts::fetch_trunks,
            commands::system::zone_clock,
            commands::system::copy_text,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("account-desk: {e}");
        std::process::exit(1);
    }
}
