//! The desktop around the window, driven as a user's desktop does: the tray menu over D-Bus
//! (`com.canonical.dbusmenu`, which every panel reads), native dialogs and window closing over
//! X11 (xdotool, and a WM_DELETE_WINDOW message like a title bar's close button).

use std::process::Command;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(30);
const MENU_PATH: &str = "/org/ayatana/NotificationItem/tray_icon_tray_app_main/Menu";

fn gdbus(args: &[&str]) -> Option<String> {
    let out = Command::new("gdbus")
        .args(["call", "--session", "--timeout", "10"])
        .args(args)
        .output()
        .expect("gdbus (libglib2.0-bin) must be installed");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The app's tray menu, as exported on the session bus by the process `pid`.
pub struct Tray {
    dest: String,
}

impl Tray {
    pub async fn of(pid: u32) -> Tray {
        let started = Instant::now();
        loop {
            let names = gdbus(&[
                "--dest",
                "org.freedesktop.DBus",
                "--object-path",
                "/org/freedesktop/DBus",
                "--method",
                "org.freedesktop.DBus.ListNames",
            ])
            .unwrap_or_default();
            for name in names.split('\'').filter(|n| n.starts_with(":1.")) {
                let owner = gdbus(&[
                    "--dest",
                    "org.freedesktop.DBus",
                    "--object-path",
                    "/org/freedesktop/DBus",
                    "--method",
                    "org.freedesktop.DBus.GetConnectionUnixProcessID",
                    name,
                ]);
                if owner.is_some_and(|o| o.contains(&format!("uint32 {pid},"))) {
                    let tray = Tray {
                        dest: name.to_owned(),
                    };
                    if !tray.items().is_empty() {
                        return tray;
                    }
                }
            }
            assert!(started.elapsed() < WAIT, "no tray menu on the session bus");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// (id, label) of every item with a label, in menu order.
    pub fn items(&self) -> Vec<(u32, String)> {
        let layout = gdbus(&[
            "--dest",
            &self.dest,
            "--object-path",
            MENU_PATH,
            "--method",
            "com.canonical.dbusmenu.GetLayout",
            "0",
            "--",
            "-1",
            "@as []",
        ])
        .unwrap_or_default();
        // `<(7, {'label': <'Open Account Desk'>}, @av [])>, …`
        layout
            .split("<(")
            .skip(1)
            .filter_map(|item| {
                let (id, rest) = item.split_once(", {")?;
                let label = rest.split("'label': <'").nth(1)?.split("'>").next()?;
                Some((id.trim().parse().ok()?, label.replace("\\'", "'")))
            })
            .collect()
    }

    pub fn labels(&self) -> Vec<String> {
        self.items().into_iter().map(|(_, l)| l).collect()
    }

    /// Wait until some item's label satisfies `ok`; returns it.
    pub async fn wait_for(&self, ok: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            if let Some(l) = self.labels().into_iter().find(|l| ok(l)) {
                return l;
            }
            assert!(
                started.elapsed() < WAIT,
                "no such tray item; the menu holds {:?}",
                self.labels()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Choose the item whose label starts with `label`, as a panel does when it is clicked.
    pub fn click(&self, label: &str) {
        let (id, _) = self
            .items()
            .into_iter()
            .find(|(_, l)| l.starts_with(label))
            .unwrap_or_else(|| panic!("no tray item {label:?} in {:?}", self.labels()));
        gdbus(&[
            "--dest",
            &self.dest,
            "--object-path",
            MENU_PATH,
            "--method",
            "com.canonical.dbusmenu.Event",
            "--",
            &id.to_string(),
            "clicked",
            "<0>",
            "0",
        ])
        .unwrap_or_else(|| panic!("the tray did not take the click on {label:?}"));
    }
}

fn xdotool(args: &[&str]) -> Option<String> {
    // `--sync` waits for the X server: never longer than a few seconds.
    let out = Command::new("timeout")
        .arg("10")
        .arg("xdotool")
        .args(args)
        .output()
        .expect("xdotool must be installed");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The visible top-level windows of process `pid`.
pub fn visible_windows(pid: u32) -> Vec<String> {
    xdotool(&["search", "--onlyvisible", "--pid", &pid.to_string()])
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Close the app's window as its title bar's close button does: a WM_DELETE_WINDOW message.
pub fn close_window(pid: u32) {
    let windows = visible_windows(pid);
    assert!(!windows.is_empty(), "no visible window to close");
    for w in windows {
        let script = "import sys\nfrom Xlib import display, X, protocol\n\
            d = display.Display()\nw = d.create_resource_object('window', int(sys.argv[1]))\n\
            p = d.intern_atom('WM_PROTOCOLS'); k = d.intern_atom('WM_DELETE_WINDOW')\n\
            if k in (w.get_wm_protocols() or []):\n\
            \x20   w.send_event(protocol.event.ClientMessage(window=w, client_type=p, data=(32, [k, X.CurrentTime, 0, 0, 0])))\n\
            d.flush()\n";
        // Debian's own Python, where python3-xlib is installed.
        let ok = Command::new("/usr/bin/python3")
            .args(["-c", script, &w])
            .status()
            .expect("/usr/bin/python3 with python3-xlib must be installed");
        assert!(ok.success(), "could not ask window {w} to close");
    }
}

/// Answer the native "Save as" dialog titled `title` with `path`, as a user types it.
pub async fn save_as(title: &str, path: &std::path::Path) {
    let started = Instant::now();
    let window = loop {
        if let Some(w) = xdotool(&["search", "--onlyvisible", "--name", &format!("^{title}$")]) {
            if let Some(w) = w.lines().next() {
                break w.to_owned();
            }
        }
        assert!(started.elapsed() < WAIT, "no “{title}” dialog appeared");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // The name field has focus with the suggested name selected: type over it, then Enter.
    xdotool(&["windowfocus", "--sync", &window]).expect("focus the dialog");
    tokio::time::sleep(Duration::from_millis(300)).await;
    xdotool(&["key", "--clearmodifiers", "ctrl+a"]).expect("select the name");
    xdotool(&["type", "--delay", "20", &path.display().to_string()]).expect("type the path");
    tokio::time::sleep(Duration::from_millis(200)).await;
    xdotool(&["key", "Return"]).expect("press Enter");
}

/// (user name, secret) of every item the Secret Service holds for Account Desk's development
/// builds, read with `secret-tool` as any other program could.
pub fn keyring_entries() -> Vec<(String, String)> {
    // secret-tool prints each item's secret on stdout and its attributes on stderr: one stream,
    // line-buffered, keeps them in order.
    let out = Command::new("sh")
        .args([
            "-c",
            "stdbuf -oL -eL secret-tool search --all --unlock service account-desk.dev 2>&1",
        ])
        .output()
        .expect("secret-tool (libsecret-tools) must be installed");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut entries = Vec::new();
    let (mut user, mut secret) = (None, None);
    for line in text.lines().chain(std::iter::once("[end]")) {
        if line.starts_with('[') {
            if let (Some(u), Some(s)) = (user.take(), secret.take()) {
                entries.push((u, s));
            }
        } else if let Some(u) = line.strip_prefix("attribute.username = ") {
            user = Some(u.to_owned());
        } else if let Some(s) = line.strip_prefix("secret = ") {
            secret = Some(s.to_owned());
        }
    }
    entries
}
