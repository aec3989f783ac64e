//! Launching the app under tauri-driver and reading its window.

use crate::backend::{instant, Backend, E2E_NOW};
use chrono::{DateTime, Utc};
use desk_engine::Clock;
use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, MutexGuard};

// Reading and driving the window: a second `impl App` beside this file (which the start-up
// benchmark includes too).
#[path = "window.rs"]
mod window;

/// One window at a time: tests share the display and the driver binaries.
static ONE_AT_A_TIME: Mutex<()> = Mutex::const_new(());

const WAIT: Duration = Duration::from_secs(30);
/// WebDriver key codes.
const CTRL: &str = "\u{E009}";
const NULL: &str = "\u{E000}";
const BACKSPACE: &str = "\u{E003}";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The app under test: `ACCOUNT_DESK_APP` when set (the start-up benchmark's release build),
/// else the binary cargo built beside these tests.
pub fn program() -> PathBuf {
    std::env::var_os("ACCOUNT_DESK_APP")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_account-desk")))
}

fn tauri_driver() -> PathBuf {
    if let Ok(p) = std::env::var("TAURI_DRIVER") {
        return p.into();
    }
    let on_path = std::env::var_os("PATH").map(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("tauri-driver"))
            .find(|p| p.exists())
    });
    if let Some(Some(p)) = on_path {
        return p;
    }
    let home = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cargo")
        });
    home.join("bin/tauri-driver")
}

pub struct App {
    pub client: Client,
    driver: Child,
    _data: tempfile::TempDir,
    _turn: MutexGuard<'static, ()>,
    /// The app's clock as the test keeps it (`--clock`), for a restart to continue from.
    clock: Clock,
    /// When the WebDriver session was asked for (which starts the program): what the start-up
    /// benchmark measures from.
    #[allow(dead_code)] // read by tests/bench/startup.rs, which includes this file
    pub session_started: Instant,
}

impl App {
    /// Start the app with `args` plus a fresh `--data-dir`, its clock (and its demo backend's)
    /// starting at [`E2E_NOW`].
    pub async fn launch(args: &[&str]) -> App {
        Self::launch_at(instant(E2E_NOW), args).await
    }

    /// Start the app with its clock at `at`.
    pub async fn launch_at(at: DateTime<Utc>, args: &[&str]) -> App {
        Self::launch_in(tempfile::tempdir().unwrap(), args, at).await
    }

    /// The demo reseller's admin, signed in to `backend` through `proxy` (which sees every
    /// request the app makes), on the backend's clock.
    pub async fn reseller_through(backend: &Backend, proxy: &desk_testkit::Proxy) -> App {
        let app = Self::launch_at(backend.now(), &["--backend", &proxy.url]).await;
        app.signed_in_as(crossbar_sandbox::DEMO_ACCOUNT_NAME, "admin", "demo", false)
            .await;
        app
    }

    /// The reseller's admin signed in to a `scale:N` backend, the whole tree synced.
    pub async fn reseller_at_scale(backend: &Backend, accounts: usize) -> App {
        let app = Self::launch_for(backend, &[]).await;
        app.signed_in_as(crossbar_sandbox::DEMO_ACCOUNT_NAME, "admin", "demo", false)
            .await;
        let footer = format!("{} accounts", accounts + 1);
        app.wait_for("#sidebar-footer", |t| t == footer).await;
        app
    }

    /// Start the app on `backend` (plus `args`), on the backend's clock.
    pub async fn launch_for(backend: &Backend, args: &[&str]) -> App {
        let url = backend.url();
        let mut all = vec!["--backend", url.as_str()];
        all.extend_from_slice(args);
        Self::launch_at(backend.now(), &all).await
    }

    pub fn data_dir(&self) -> &std::path::Path {
        self._data.path()
    }

    /// Quit the app as a desktop session does (SIGTERM, which the app answers like the tray's
    /// Quit: flush and exit), and see it exit by itself ([`App::exited`]).
    pub async fn quit(self) -> tempfile::TempDir {
        let pids = app_pids(self._data.path());
        assert!(!pids.is_empty(), "the app is running");
        for pid in &pids {
            let _ = Command::new("kill").args(["-TERM", pid]).status();
        }
        self.exited().await
    }

    /// Whether the app still runs, and the end of its log and of what its driver printed: for
    /// the message of a test that timed out.
    fn diagnosis(&self) -> String {
        let tail = |text: &str| {
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(15)..].join("\n")
        };
        format!(
            "app running: {}\n--- app log\n{}\n--- driver output\n{}",
            self.running(),
            tail(&log_text(self._data.path())),
            tail(&std::fs::read_to_string(driver_log(self._data.path())).unwrap_or_default())
        )
    }

    /// The app's process id.
    pub fn pid(&self) -> u32 {
        app_pids(self._data.path())
            .first()
            .and_then(|p| p.parse().ok())
            .expect("the app is running")
    }

    /// Whether the app's process is still there.
    pub fn running(&self) -> bool {
        !app_pids(self._data.path()).is_empty()
    }

    /// Wait for the app to exit by itself (after Quit), check it shut down cleanly, and keep its
    /// data folder for inspection.
    pub async fn exited(mut self) -> tempfile::TempDir {
        let data = std::mem::replace(&mut self._data, tempfile::tempdir().unwrap());
        let started = Instant::now();
        while !app_pids(data.path()).is_empty() {
            if started.elapsed() > WAIT {
                kill_app(data.path());
                panic!("the app did not quit");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = self.client.clone().close().await;
        let log = log_text(data.path());
        assert!(
            log.lines().last().is_some_and(|l| l.contains("stopped")),
            "the app went through its shut-down (cache flushed): {:?}",
            log.lines().last()
        );
        data
    }

    /// Quit and start again on the same data folder (a restart of the app), its clock going on
    /// from where it was.
    pub async fn restart(self, args: &[&str]) -> App {
        let at = self.clock.now();
        let data = self.quit().await;
        Self::launch_in(data, args, at).await
    }

    async fn launch_in(data: tempfile::TempDir, args: &[&str], at: DateTime<Utc>) -> App {
        Self::launch_program(&program(), data, args, at).await
    }

    /// Start `program` (the app, or the benchmark's bare window) as [`App::launch_in`] does.
    pub async fn launch_program(
        program: &std::path::Path,
        data: tempfile::TempDir,
        args: &[&str],
        at: DateTime<Utc>,
    ) -> App {
        assert!(
            std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some(),
            "end-to-end tests open a real window and need a display: run them with \
             `bash scripts/desk.sh test`, which provides Xvfb, D-Bus and a keyring"
        );
        let turn = ONE_AT_A_TIME.lock().await;
        let clock = Clock::starting_at(at);
        let mut all_args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        all_args.push("--data-dir".into());
        all_args.push(data.path().display().to_string());
        // A release build (the benchmark's `ACCOUNT_DESK_APP`) refuses `--clock` and keeps to
        // the computer's: only the test build is pinned.
        if std::env::var_os("ACCOUNT_DESK_APP").is_none() {
            all_args.push("--clock".into());
            all_args.push(clock.now().to_rfc3339());
        }
        let caps = json!({
            "browserName": "wry",
            "tauri:options": {"application": program, "args": all_args},
        });
        let Value::Object(caps) = caps else {
            unreachable!()
        };
        // Starting a WebDriver session now and then fails on a loaded machine (the driver drops
        // the connection while WebKitWebDriver starts): start again, a couple of times, after
        // making sure no window of that attempt is left on the data folder.
        let mut attempt = 0;
        let (client, driver, session_started) = loop {
            attempt += 1;
            let (driver, port) = start_driver(data.path()).await;
            let session_started = Instant::now();
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            let mut builder = ClientBuilder::new(connector);
            builder.capabilities(caps.clone());
            let session =
                tokio::time::timeout(WAIT, builder.connect(&format!("http://127.0.0.1:{port}")))
                    .await
                    .expect("the app window did not open in time");
            match session {
                Ok(client) => break (client, driver, session_started),
                Err(e) if attempt < 3 => {
                    eprintln!("WebDriver session failed ({e}); starting again");
                    let mut driver = driver;
                    end_driver(&mut driver, data.path());
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(e) => panic!("WebDriver session with the app window: {e}"),
            }
        };
        App {
            client,
            driver,
            _data: data,
            _turn: turn,
            clock,
            session_started,
        }
    }

    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }

    /// Stop tauri-driver, WebKitWebDriver (its process group) and the app, which WebKitWebDriver
    /// may start in a group of its own: found by its unique `--data-dir`.
    fn stop_driver(&mut self) {
        end_driver(&mut self.driver, self._data.path());
    }
}

/// tauri-driver on free ports, once it and WebKitWebDriver listen; its output goes to the driver
/// log beside the data folder.
async fn start_driver(data: &std::path::Path) -> (Child, u16) {
    let (port, native) = (free_port(), free_port());
    let output = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(driver_log(data))
        .expect("driver log");
    let driver = Command::new(tauri_driver())
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .stdout(output.try_clone().expect("driver log"))
        .stderr(output)
        .spawn()
        .expect("tauri-driver must be installed (the test command installs it)");
    // tauri-driver forwards to WebKitWebDriver, which starts a moment later: wait for both.
    let started = Instant::now();
    for p in [port, native] {
        while std::net::TcpStream::connect(("127.0.0.1", p)).is_err() {
            assert!(
                started.elapsed() < WAIT,
                "tauri-driver or WebKitWebDriver did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    (driver, port)
}

/// Stop a driver (its process group) and any window it started on `data`.
fn end_driver(driver: &mut Child, data: &std::path::Path) {
    let _ = Command::new("kill")
        .args(["-TERM", "--", &format!("-{}", driver.id())])
        .stderr(Stdio::null())
        .status();
    let _ = driver.kill();
    let _ = driver.wait();
    kill_app(data);
}

/// Where the driver's (and the app's) output goes: beside the data folder, outliving it.
fn driver_log(data_dir: &std::path::Path) -> PathBuf {
    let name = data_dir.file_name().unwrap_or_default().to_string_lossy();
    std::env::temp_dir().join(format!("account-desk-e2e-{name}.log"))
}

/// The processes started on `data_dir` (found by their unique `--data-dir`: the app, or the
/// benchmark's bare window), zombies excluded.
fn app_pids(data_dir: &std::path::Path) -> Vec<String> {
    let needle = data_dir.display().to_string();
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let pid = e.file_name().to_string_lossy().to_string();
            let cmd = std::fs::read(e.path().join("cmdline")).ok()?;
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
            let zombie = stat
                .rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'));
            (pid.chars().all(|c| c.is_ascii_digit()) && !zombie && cmd.contains(&needle))
                .then_some(pid)
        })
        .collect()
}

/// Kill every app process using `data_dir`, and wait until they are gone.
pub fn kill_app(data_dir: &std::path::Path) {
    for pid in app_pids(data_dir) {
        let _ = Command::new("kill").args(["-KILL", &pid]).status();
    }
    let started = Instant::now();
    while !app_pids(data_dir).is_empty() && started.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl Drop for App {
    fn drop(&mut self) {
        self.stop_driver();
    }
}

/// The app's log files (one a day, named by date).
fn is_log(path: &std::path::Path) -> bool {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    name.starts_with("account-desk.") && name.ends_with(".log")
}

/// The app's log, all its daily files oldest first (a run may cross midnight).
pub fn log_text(data_dir: &std::path::Path) -> String {
    let mut files: Vec<PathBuf> = desk_testkit::files_under(&data_dir.join("logs"))
        .into_iter()
        .filter(|f| is_log(f))
        .collect();
    files.sort();
    files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .collect()
}

/// Every file a run of the app may have written: the data folder (cache, settings, logs) and
/// the test session's own XDG folders (webview storage and caches, window state, the keyring's
/// encrypted files). For scans that prove a secret never reached the disk.
pub fn files_written(data_dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files = desk_testkit::files_under(data_dir);
    for var in ["XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"] {
        if let Ok(dir) = std::env::var(var) {
            files.extend(desk_testkit::files_under(std::path::Path::new(&dir)));
        }
    }
    assert!(
        files.iter().any(|f| is_log(f)),
        "the log is among the files scanned"
    );
    files
}
