//! Reading and driving the app's window: what a user sees, clicks and types.

use super::{App, BACKSPACE, CTRL, NULL, WAIT};
use fantoccini::Locator;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::{Duration, Instant};

impl App {
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

    /// Wait until an input holds `expected` (the page may handle a click after WebDriver has
    /// answered it).
    pub async fn wait_value(&self, css: &str, expected: &str) {
        let started = Instant::now();
        loop {
            let v = self.value(css).await;
            if v == expected {
                return;
            }
            assert!(
                started.elapsed() < WAIT,
                "{css} holds {v:?}, not {expected:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Wait until the element's text satisfies `ok`; fails with what was last seen.
    pub async fn wait_for(&self, css: &str, ok: impl Fn(&str) -> bool) -> String {
        self.wait_up_to(WAIT, css, ok).await
    }

    /// [`App::wait_for`] for something slower than a screen (a refresh over 10,000 accounts).
    pub async fn wait_up_to(
        &self,
        limit: Duration,
        css: &str,
        ok: impl Fn(&str) -> bool,
    ) -> String {
        let started = Instant::now();
        loop {
            let t = self.text(css).await;
            if ok(&t) {
                return t;
            }
            if started.elapsed() > limit {
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
        self.ctrl('s').await;
    }

    /// Press Ctrl and `key` in the window.
    pub async fn ctrl(&self, key: char) {
        let body = self.client.find(Locator::Css("body")).await.unwrap();
        body.send_keys(&format!("{CTRL}{key}{NULL}")).await.unwrap();
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
}
