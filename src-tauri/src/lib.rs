//! The Account Desk shell: builds the Tauri app, starts the engine off the main thread, and
//! registers the thin commands the window calls. All logic lives in the engine crates.

mod cli;
mod clipboard;
mod commands;
mod error;
mod notify;
mod save_dialog;
mod session;
mod state;
mod tray;
#[cfg(feature = "updater")]
mod updates;

use state::AppState;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tauri::Manager;

/// How many daily log files are kept.
const LOG_DAYS: usize = 14;

fn init_logging(data_dir: &Path) {
    use tracing_subscriber::{filter::Targets, fmt, prelude::*};
    // `RUST_LOG` as "info" or "warn,desk_engine=debug"; anything unreadable means "info".
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|directives| directives.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO));
    // One file a day, the last two weeks kept: a desktop that runs all day for months must not
    // grow a log without end.
    let file = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("account-desk")
        .filename_suffix("log")
        .max_log_files(LOG_DAYS)
        .build(data_dir.join("logs"));
    let file_layer = file
        .ok()
        .map(|f| fmt::layer().with_ansi(false).with_writer(f));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(file_layer)
        .with(fmt::layer().with_writer(std::io::stderr))
        .try_init();
}

/// A second launch hands over to the first: its window comes to the front.
pub(crate) fn focus_main(app: &tauri::AppHandle) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

/// One instance per data folder: a second launch on the same folder focuses the first. (On
/// Linux the guard is a D-Bus name, so a separate `--data-dir` gets its own.)
fn single_instance(opts: &cli::Options) -> tauri::plugin::TauriPlugin<tauri::Wry> {
    let mut builder =
        tauri_plugin_single_instance::Builder::new().callback(|app, _args, _cwd| focus_main(app));
    if let Some(dir) = &opts.data_dir {
        let hash = desk_engine::fnv(&dir.to_string_lossy());
        builder = builder.dbus_id(format!("net.accountdesk.app.d{hash:016x}"));
    }
    builder.build()
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
    let builder = tauri::Builder::default();
    #[cfg(feature = "updater")]
    let builder = builder
        .plugin(updates::plugin())
        .manage(updates::Downloaded::default());
    let result = builder
        // First, so a second instance exits before opening anything (the sled cache included).
        .plugin(single_instance(&opts))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_dialog::init())
        .manage(clipboard::Clipboard::default())
        .manage(AppState::new(Arc::new(match opts.clock {
            Some(at) => desk_engine::Clock::starting_at(at),
            None => desk_engine::Clock::default(),
        })))
        .setup(move |app| {
            let data_dir: PathBuf = match &opts.data_dir {
                Some(d) => d.clone(),
                None => app.path().app_data_dir()?,
            };
            std::fs::create_dir_all(&data_dir)?;
            init_logging(&data_dir);
            tracing::info!(data_dir = %data_dir.display(), demo = opts.backend.is_none(), "starting");
            let handle = app.handle().clone();
            if let Err(e) = tray::create(&handle) {
                // A desktop without a tray still gets notifications and the window.
                tracing::warn!(error = %e, "no tray icon");
            }
            quit_on_signals(&handle);
            let opts = opts.clone();
            #[cfg(feature = "updater")]
            tauri::async_runtime::spawn(updates::check(handle.clone()));
            tauri::async_runtime::spawn(session::start(handle, opts, data_dir));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::session::boot_status,
            commands::session::await_boot,
            commands::session::sign_in,
            commands::session::sign_out,
            commands::session::open_profile,
            commands::session::forget_profile,
            commands::session::sync_now,
            commands::session::save_settings,
            commands::accounts::list_children,
            commands::accounts::search_accounts,
            commands::accounts::shortcuts,
            commands::accounts::toggle_pin,
            commands::accounts::cached_account,
            commands::accounts::fetch_account,
            commands::accounts::cached_trunks,
            commands::accounts::fetch_trunks,
            commands::edits::check_field,
            commands::edits::preview_numbers,
            commands::edits::list_zones,
            commands::edits::list_countries,
            commands::edits::preview_capacity,
            commands::edits::save_account,
            commands::edits::save_trunks,
            commands::edits::pending_edits,
            commands::edits::resolve_conflict,
            commands::edits::approve_charges,
            commands::edits::discard_edit,
            commands::history::change_log,
            commands::history::export_change_log,
            commands::billing::payment_details,
            commands::billing::add_card,
            commands::billing::card_brand,
            commands::billing::card_destination,
            commands::billing::save_billing_contact,
            commands::billing::billing_settings,
            commands::billing::save_billing_settings,
            commands::billing::usage,
            commands::billing::export_usage,
            commands::billing::new_credit_intent,
            commands::billing::add_credit,
            commands::billing::service_plan,
            commands::billing::preview_trunk_charges,
            commands::billing::set_watched,
            commands::billing::watched_balances,
            commands::billing::alert_tiers,
            commands::billing::save_alert_tiers,
            commands::balances::balances,
            commands::balances::refresh_balances,
            commands::balances::export_balances,
            commands::wizard::wizard_start,
            commands::wizard::wizard_check,
            commands::wizard::new_creation_id,
            commands::wizard::suggest_realm,
            commands::wizard::create_account,
            commands::wizard::finish_creation,
            commands::wizard::undo_creation,
            commands::wizard::unfinished_creations,
            commands::system::zone_clock,
            commands::system::copy_text,
        ])
        // Closing the window keeps the app in the tray (balances stay watched); Quit is in the
        // tray menu.
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                if window.app_handle().tray_by_id("main").is_some() {
                    api.prevent_close();
                    let _ = window.hide();
                }
            }
        })
        .build(tauri::generate_context!());
    match result {
        Ok(app) => app.run(|app, event| {
            if let tauri::RunEvent::Exit = event {
                session::shut_down(app);
                #[cfg(feature = "updater")]
                updates::install_on_exit(app);
            }
        }),
        Err(e) => {
            eprintln!("account-desk: {e}");
            std::process::exit(1);
        }
    }
}

/// A desktop session ending (SIGTERM) or Ctrl+C in a terminal quits as the tray's Quit does:
/// the cache is flushed on the way out rather than losing its last half second.
fn quit_on_signals(app: &tauri::AppHandle) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        for kind in [SignalKind::terminate(), SignalKind::interrupt()] {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                match signal(kind) {
                    Ok(mut s) => {
                        if s.recv().await.is_some() {
                            tracing::info!("asked to quit by a signal");
                            app.exit(0);
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "signals will not quit gracefully"),
                }
            });
        }
    }
    #[cfg(not(unix))]
    let _ = app;
}
