//! Launching the app under tauri-driver and reading its window.

use crate::backend::{instant, Backend, E2E_NOW};
use chrono::{DateTime, Utc};
use desk_engine::Clock;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, MutexGuard};

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

    /// The text a user can see in the first element matching `css`: "" when there is none or
    /// it is not displayed (for an element that is not rendered `innerText` is its whole text,
    /// so a hidden screen would otherwise "show" its static words). WebKitWebDriver's own
    /// "element text" returns "" for some ARIA roles (listbox options), so the page is asked.
    pub async fn text(&self, css: &str) -> String {
        let script = "const e = document.querySelector(arguments[0]); \
            if (!e || e.getClientRects().length === 0 || getComputedStyle(e).visibility === 'hidden') return ''; \
            return e.innerText.trim();";
        match self.client.execute(script, vec![json!(css)]).await {
            Ok(Value::String(s)) => s,
            _ => String::new(),
        }
    }

    /// The current value of an input or select.
    pub async fn value(&self, css: &str) -> String {
        let script = "const e = document.querySelector(arguments[0]); return e ? e.value : null;";
        match self.client.execute(script, vec![json!(css)]).await {
            Ok(Value::String(s)) => s,
            other => panic!("no input {css}: {other:?}"),
        }
    }

    /// Wait until the element's text satisfies `ok`; fails with what was last seen.
    pub async fn wait_for(&self, css: &str, ok: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let t = self.text(css).await;
            if ok(&t) {
                return t;
            }
            if started.elapsed() > WAIT {
                self.screenshot("timeout").await;
                let html = self
                    .client
                    .execute("return document.body.outerHTML", vec![])
                    .await;
                panic!(
                    "timed out waiting on {css}; last text: {t:?}\n{html:?}\n{}",
                    self.diagnosis()
                );
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    pub async fn wait_text(&self, css: &str, expected: &str) {
        self.wait_for(css, |t| t == expected).await;
    }

    /// The element once it is on screen (present and displayed).
    pub async fn visible(&self, css: &str) -> fantoccini::elements::Element {
        let started = Instant::now();
        loop {
            if self.shown(css).await {
                if let Ok(el) = self.client.find(Locator::Css(css)).await {
                    return el;
                }
            }
            if started.elapsed() > WAIT {
                self.screenshot("never-visible").await;
                panic!("{css} never became visible");
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    pub async fn click(&self, css: &str) {
        // The screen may redraw between finding the element and clicking it (fresh data
        // arriving): find it again.
        for attempt in 0..3 {
            let el = self.visible(css).await;
            // As a user would: bring it to the middle of the view, clear of the sticky tab bar
            // and save bar.
            let _ = self
                .client
                .execute(
                    "document.querySelector(arguments[0]).scrollIntoView({block: 'center'});",
                    vec![json!(css)],
                )
                .await;
            match el.click().await {
                Ok(_) => return,
                Err(fantoccini::error::CmdError::Standard(e))
                    if attempt < 2
                        && e.error == fantoccini::error::ErrorStatus::StaleElementReference =>
                {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => {
                    self.screenshot("click-failed").await;
                    let at = self
                        .client
                        .execute(
                            "const r = document.querySelector(arguments[0]).getBoundingClientRect(); \
                             const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2); \
                             return [r.x, r.y, r.width, r.height, window.innerWidth, window.innerHeight, top ? top.outerHTML.slice(0, 200) : null];",
                            vec![json!(css)],
                        )
                        .await;
                    panic!("click {css}: {e:?} {at:?}");
                }
            }
        }
    }

    /// Two clicks in the same moment (a user's double click on a button).
    pub async fn double_click(&self, css: &str) {
        self.visible(css).await;
        self.client
            .execute(
                "const e = document.querySelector(arguments[0]); e.click(); e.click();",
                vec![json!(css)],
            )
            .await
            .unwrap();
    }

    /// An attribute of the first element matching `css`.
    pub async fn attribute(&self, css: &str, name: &str) -> Option<String> {
        let script = "const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null;";
        match self
            .client
            .execute(script, vec![json!(css), json!(name)])
            .await
        {
            Ok(Value::String(s)) => Some(s),
            _ => None,
        }
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.visible(css).await;
        el.send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// Replace what an input holds, the way a user does: select all, then type.
    pub async fn replace_text(&self, css: &str, text: &str) {
        // The screen may redraw (fresh data arriving) between finding and typing: try again.
        for attempt in 0..3 {
            self.click(css).await;
            let el = self.visible(css).await;
            let typed = async {
                el.send_keys(&format!("{CTRL}a{NULL}")).await?;
                el.send_keys(if text.is_empty() { BACKSPACE } else { text })
                    .await
            };
            match typed.await {
                Ok(()) => return,
                Err(e) if attempt < 2 => eprintln!("retrying typing into {css}: {e}"),
                Err(e) => panic!("type into {css}: {e}"),
            }
        }
    }

    /// Press Ctrl+S in the window.
    pub async fn save_shortcut(&self) {
        let body = self.client.find(Locator::Css("body")).await.unwrap();
        body.send_keys(&format!("{CTRL}s{NULL}")).await.unwrap();
    }

    /// Choose an option of a select element by its value. (WebKitWebDriver cannot click an
    /// <option>; the page gets the same `change` a user's pick fires.)
    pub async fn select(&self, css: &str, value: &str) {
        self.visible(css).await;
        let script = "const e = document.querySelector(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('change', {bubbles: true}));";
        self.client
            .execute(script, vec![json!(css), json!(value)])
            .await
            .unwrap();
    }

    /// Sign in through the sign-in screen.
    pub async fn sign_in(&self, account: &str, user: &str, password: &str, remember: bool) {
        self.replace_text("#f-account", account).await;
        self.replace_text("#f-username", user).await;
        self.replace_text("#f-password", password).await;
        if remember {
            self.click("#signin-remember").await;
        }
        self.click("#signin-submit").await;
    }

    /// Sign in and wait for that account's screen, the only one shown.
    pub async fn signed_in_as(&self, account: &str, user: &str, password: &str, remember: bool) {
        self.sign_in(account, user, password, remember).await;
        self.on_screen("account").await;
        self.wait_text("#account-name", account).await;
    }

    /// Whether an element exists and is displayed right now.
    /// Whether an element exists and is rendered (asked of the page: WebKitWebDriver's own
    /// "is displayed" answers false for some ARIA roles, such as menu items).
    pub async fn shown(&self, css: &str) -> bool {
        let script = "const e = document.querySelector(arguments[0]); \
            return !!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';";
        self.client.execute(script, vec![json!(css)]).await.ok() == Some(json!(true))
    }

    pub async fn wait_shown(&self, css: &str) {
        self.visible(css).await;
    }

    /// Wait until the section tab `name` (`#tab-<name>`) is the selected one.
    pub async fn wait_tab(&self, name: &str) {
        let css = format!("#tab-{name}");
        let started = Instant::now();
        while self.attribute(&css, "aria-selected").await.as_deref() != Some("true") {
            assert!(
                started.elapsed() < WAIT,
                "the {name} tab was never selected"
            );
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Wait until the screen `name` (`#screen-<name>`) is shown and every other one hidden.
    pub async fn on_screen(&self, name: &str) {
        let script = "const want = 'screen-' + arguments[0]; \
            const screens = [...document.querySelectorAll('.screen')]; \
            return screens.some(s => s.id === want) && screens.every(s => (s.id === want) === (s.getClientRects().length > 0));";
        let started = Instant::now();
        while self.client.execute(script, vec![json!(name)]).await.ok() != Some(json!(true)) {
            if started.elapsed() > WAIT {
                self.screenshot("wrong-screen").await;
                panic!("the {name} screen was never the only one shown");
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Click the tree row of the account named `name` (its parent must be expanded).
    pub async fn open_in_tree(&self, name: &str) {
        let script = "const name = arguments[0];
            const row = [...document.querySelectorAll('[role=treeitem] > .node-row')]
              .find(r => r.querySelector('.node-name').textContent === name);
            if (!row) return false;
            row.click();
            return true;";
        let started = Instant::now();
        loop {
            let clicked = self
                .client
                .execute(script, vec![json!(name)])
                .await
                .unwrap();
            if clicked == json!(true) {
                return;
            }
            assert!(started.elapsed() < WAIT, "no tree row named {name}");
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Save a screenshot (after two animation frames, so it is not a stale frame).
    pub async fn screenshot(&self, name: &str) {
        let _ = self
            .client
            .execute_async("const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));", vec![])
            .await;
        if let Ok(png) = self.client.screenshot().await {
            let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-screenshots");
            let _ = std::fs::create_dir_all(&dir);
            let _ = std::fs::write(dir.join(format!("{name}.png")), png);
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
