//! Launching the app under tauri-driver and reading its window.

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

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
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
}

impl App {
    /// Start the app with `args` plus a fresh `--data-dir`.
    pub async fn launch(args: &[&str]) -> App {
        assert!(
            std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some(),
            "end-to-end tests open a real window and need a display: run them with \
             `bash scripts/desk.sh test`, which provides Xvfb, D-Bus and a keyring"
        );
        let turn = ONE_AT_A_TIME.lock().await;
        let data = tempfile::tempdir().unwrap();
        let (port, native) = (free_port(), free_port());
        let driver = Command::new(tauri_driver())
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tauri-driver must be installed (the test command installs it)");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < WAIT, "tauri-driver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut all_args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        all_args.push("--data-dir".into());
        all_args.push(data.path().display().to_string());
        let caps = json!({
            "browserName": "wry",
            "tauri:options": {"application": env!("CARGO_BIN_EXE_account-desk"), "args": all_args},
        });
        let Value::Object(caps) = caps else {
            unreachable!()
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let mut builder = ClientBuilder::new(connector);
        builder.capabilities(caps);
        let client =
            tokio::time::timeout(WAIT, builder.connect(&format!("http://127.0.0.1:{port}")))
                .await
                .expect("the app window did not open in time")
                .expect("WebDriver session with the app window");
        App {
            client,
            driver,
            _data: data,
            _turn: turn,
        }
    }

    /// The rendered text (`innerText`: what is on screen, hidden parts excluded) of the first
    /// element matching `css`, or "" if there is none. WebKitWebDriver's own "element text"
    /// returns "" for some ARIA roles (listbox options), so the page is asked directly.
    pub async fn text(&self, css: &str) -> String {
        let script =
            "const e = document.querySelector(arguments[0]); return e ? e.innerText.trim() : '';";
        match self.client.execute(script, vec![json!(css)]).await {
            Ok(Value::String(s)) => s,
            _ => String::new(),
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
                panic!("timed out waiting on {css}; last text: {t:?}\n{html:?}");
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
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                if el.is_displayed().await.unwrap_or(false) {
                    return el;
                }
            }
            assert!(started.elapsed() < WAIT, "{css} never became visible");
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    pub async fn click(&self, css: &str) {
        let el = self.visible(css).await;
        el.click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.visible(css).await;
        el.send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
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

    /// Stop tauri-driver, WebKitWebDriver and the app: the whole process group.
    fn stop_driver(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.driver.id())])
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for App {
    fn drop(&mut self) {
        self.stop_driver();
    }
}
