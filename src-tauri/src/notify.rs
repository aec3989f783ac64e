//! Native low-balance notifications. Choosing one opens that account's Usage Charges.

use desk_engine::Crossing;
use tauri::AppHandle;

pub fn low_balance(app: &AppHandle, crossing: &Crossing) {
    tracing::info!(account = %crossing.account_id, "low-balance alert");
    let mut n = notify_rust::Notification::new();
    n.summary(&crossing.title())
        .body(&crossing.body())
        .appname("Account Desk")
        .action("default", "Open Usage Charges");
    let app = app.clone();
    let account = crossing.account_id.clone();
    // Showing and waiting for the user's choice block: keep them off the async runtime.
    std::thread::spawn(move || show(&n, &app, &account));
}

/// Freedesktop notifications report the action chosen: open the account then.
#[cfg(all(unix, not(target_os = "macos")))]
fn show(n: &notify_rust::Notification, app: &AppHandle, account: &str) {
    match n.show() {
        Ok(handle) => handle.wait_for_action(|action| {
            if action == "default" {
                crate::tray::open_usage(app, account);
            }
        }),
        Err(e) => tracing::warn!(error = %e, "the notification could not be shown"),
    }
}

/// Elsewhere a click brings the app forward; the tray entry opens the account.
#[cfg(not(all(unix, not(target_os = "macos"))))]
fn show(n: &notify_rust::Notification, _app: &AppHandle, _account: &str) {
    if let Err(e) = n.show() {
        tracing::warn!(error = %e, "the notification could not be shown");
    }
}
