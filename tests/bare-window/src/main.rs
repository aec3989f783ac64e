//! A bare Tauri window: the floor the start-up benchmark (`tests/bench/startup.rs`) measures
//! Account Desk against. It takes no arguments to heart (the benchmark passes the app's).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if let Err(e) = tauri::Builder::default().run(tauri::generate_context!()) {
        eprintln!("bare-window: {e}");
        std::process::exit(1);
    }
}
