//! End-to-end tests: the real app binary in a real window (under Xvfb in CI), driven through
//! WebDriver (tauri-driver + WebKitWebDriver) the way a user drives it.

mod app;
mod backend;
mod balances;
mod billing;
mod demo;
mod desktop;
mod editing;
mod exports;
mod platforms;
mod secrets;
mod startup;
mod switcher;
mod tray;
mod wizard;
mod xss;
