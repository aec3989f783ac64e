//! The tray icon: Open, Sync now, the balances of watched accounts (each opens its Usage
//! Charges), Quit. Every action is a menu item, since Linux trays report no clicks.

use crate::state::AppState;
use desk_core::money::format_money;
use parking_lot::Mutex;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Emitter, Manager, Wry};

const TRAY_ID: &str = "main";
const BALANCE_PREFIX: &str = "balance:";

pub fn create(app: &AppHandle) -> tauri::Result<()> {
    let mut builder = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip("Account Desk")
        .menu(&menu(app, &[])?)
        .show_menu_on_left_click(true)
        .on_menu_event(on_menu);
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(app)?;
    Ok(())
}

/// (menu id, label) of each watched balance, as the menu shows them.
fn balance_entries(app: &AppHandle) -> Vec<(String, String)> {
    let balances = app
        .try_state::<AppState>()
        .and_then(|s| s.desk().ok())
        .and_then(|d| d.watched_balances().ok())
        .unwrap_or_default();
    balances
        .into_iter()
        .map(|b| {
            let amount = b
                .balance
                .map_or_else(|| "balance not read yet".to_owned(), format_money);
            let mark = if b.below { " — low" } else { "" };
            (
                format!("{BALANCE_PREFIX}{}", b.account_id),
                format!("{}: {amount}{mark}", b.name),
            )
        })
        .collect()
}

fn menu(app: &AppHandle, balances: &[(String, String)]) -> tauri::Result<Menu<Wry>> {
    let item = |id: &str, label: &str| MenuItem::with_id(app, id, label, true, None::<&str>);
    let menu = Menu::new(app)?;
    menu.append(&item("open", "Open Account Desk")?)?;
    menu.append(&item("sync", "Sync now")?)?;
    if !balances.is_empty() {
        menu.append(&PredefinedMenuItem::separator(app)?)?;
    }
    for (id, label) in balances {
        menu.append(&item(id, label)?)?;
    }
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    menu.append(&item("quit", "Quit Account Desk")?)?;
    Ok(menu)
}

/// Rebuild the menu when the watched balances it shows have changed (the window's change
/// events are many; most do not concern the tray).
pub fn refresh(app: &AppHandle) {
    static SHOWN: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());
    let balances = balance_entries(app);
    let mut shown = SHOWN.lock();
    if *shown == balances {
        return;
    }
    if let (Some(tray), Ok(menu)) = (app.tray_by_id(TRAY_ID), menu(app, &balances)) {
        let _ = tray.set_menu(Some(menu));
        *shown = balances;
    }
}

/// Bring the window back and show one account's Usage Charges.
pub fn open_usage(app: &AppHandle, account_id: &str) {
    crate::focus_main(app);
    let _ = app.emit("open-usage", account_id);
}

fn on_menu(app: &AppHandle, event: tauri::menu::MenuEvent) {
    match event.id().as_ref() {
        "open" => crate::focus_main(app),
        "sync" => {
            if let Ok(desk) = app.state::<AppState>().desk() {
                desk.poll_balances_soon();
                tauri::async_runtime::spawn(async move {
                    let _ = desk.sync_now().await;
                });
            }
        }
        "quit" => app.exit(0),
        other => {
            if let Some(id) = other.strip_prefix(BALANCE_PREFIX) {
                open_usage(app, id);
            }
        }
    }
}
