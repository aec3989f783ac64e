//! tauri-build: embeds the config and generates the ACL. Every app command is listed in the app
//! manifest so the capability file must allow each one explicitly.

/// Keep in step with `generate_handler!` in `src/lib.rs` and `capabilities/main.json`.
const COMMANDS: &[&str] = &[
    "boot_status",
    "await_boot",
    "sign_in",
    "sync_now",
    "list_children",
    "search_accounts",
    "cached_account",
    "fetch_account",
    "cached_trunks",
    "fetch_trunks",
    "zone_clock",
    "copy_text",
];

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    let attrs = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/*.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attrs).expect("tauri-build failed");
}
