//! Start-up, memory and idle budgets of the real app window, beside a bare Tauri window measured
//! the same way (the floor, `tests/bare-window`).
//!
//! `bash scripts/desk.sh bench` builds both for release and runs this with `--bench` under Xvfb,
//! D-Bus and a keyring, the release app named by `ACCOUNT_DESK_APP`: the figures of
//! `docs/benchmarks.md`. Under `cargo test` (so in `.ci/run`) the same code runs once on a small
//! plan against the debug build, as a check that every measurement still works.
//!
//! Every time is measured as a user meets it: from asking WebDriver for a session (which starts
//! the program) or from the click, to the moment the page shows the content, polled through
//! WebDriver. Memory is the proportional set size (PSS) of each process of the app: the shell and
//! the WebKit processes it starts. Idle CPU and wakeups are read from `/proc` over a quiet spell.

#[allow(dead_code)]
#[path = "../e2e/app.rs"]
mod app;
#[allow(dead_code)]
#[path = "../e2e/backend.rs"]
mod backend;

use app::App;
use backend::{instant, Backend, E2E_NOW};
use crossbar_sandbox::{Seed, DEMO_ACCOUNT_NAME};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How much of each measurement a run takes.
struct Plan {
    launches: usize,
    switches: usize,
    openings: usize,
    watched: usize,
    idle: Duration,
}

/// The benchmark: the figures.
const FULL: Plan = Plan {
    launches: 5,
    switches: 10,
    openings: 50,
    watched: 20,
    idle: Duration::from_secs(60),
};

/// Under `cargo test`: every measurement once, quickly.
const CHECK: Plan = Plan {
    launches: 1,
    switches: 1,
    openings: 3,
    watched: 2,
    idle: Duration::from_secs(3),
};

/// Linux's clock tick for `/proc/<pid>/stat` times (`USER_HZ`, 100 on every supported kernel).
const TICKS_PER_SEC: f64 = 100.0;
/// Settling time before a memory reading: the page's idle work after it first shows content.
const SETTLE: Duration = Duration::from_secs(2);
const WAIT: Duration = Duration::from_secs(60);

/// The Account Info panel shows an account: its header and a filled form.
const INFO_FILLED: &str = "const s = document.getElementById('screen-account'); \
    const p = document.getElementById('panel-info'); \
    return !!s && !s.hidden && !!p && !p.hidden && \
      document.getElementById('account-name').textContent.length > 0 && \
      [...p.querySelectorAll('input')].some(i => i.value.length > 0);";
/// The Trunks panel shows its capacity sentence.
const TRUNKS_FILLED: &str = "const p = document.getElementById('panel-trunks'); \
    const s = document.getElementById('capacity-sentence'); \
    return !!p && !p.hidden && !!s && s.textContent.length > 0;";
/// The bare window's static page.
const FLOOR_FILLED: &str = "const e = document.getElementById('ready'); \
    return !!e && e.getClientRects().length > 0;";

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let plan = if full { &FULL } else { &CHECK };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    let report = runtime.block_on(measure(plan));
    println!("{}", report.markdown());
    if !full {
        report.check();
    }
}

/// The bare window, beside the app binary (same profile: a workspace member built with it).
fn floor_program() -> PathBuf {
    let floor =
        app::program().with_file_name(format!("bare-window{}", std::env::consts::EXE_SUFFIX));
    assert!(
        floor.exists(),
        "{} is missing: build it first (`cargo build -p bare-window`, with --release for the benchmark)",
        floor.display()
    );
    floor
}

async fn measure(plan: &Plan) -> Report {
    let floor = floor_program();
    let mut r = Report::default();

    // Launches: a first one on an empty data folder, then restarts on the same folder showing
    // the cached account. The demo, as a new user first meets the app.
    for _ in 0..plan.launches {
        let app = App::launch(&[]).await;
        r.cold.push(until(&app, INFO_FILLED).await);
        let app = app.restart(&[]).await;
        r.warm.push(until(&app, INFO_FILLED).await);
        tokio::time::sleep(SETTLE).await;
        r.pss_launch = pss_by_process(app.pid());
        for _ in 0..plan.switches {
            r.switch
                .push(switch_to(&app, "trunks", TRUNKS_FILLED).await);
            r.switch.push(switch_to(&app, "info", INFO_FILLED).await);
        }
        app.quit().await;
    }

    // A working day: a reseller with many customers opens accounts one after another, then
    // leaves the window open with the tray watching balances.
    let backend = Backend::start_seeded(Seed::Scale(plan.openings.max(plan.watched) + 10)).await;
    let app = App::launch_for(&backend, &[]).await;
    app.signed_in_as(DEMO_ACCOUNT_NAME, "admin", "demo", false)
        .await;
    let mut ids = Vec::new();
    for n in 1..=plan.openings {
        let started = Instant::now();
        open_by_search(&app, &format!("acct{n:05}")).await;
        r.open.push(started.elapsed());
        ids.push(app.text("#account-id").await);
    }
    tokio::time::sleep(SETTLE).await;
    r.pss_opened = pss_by_process(app.pid());
    for id in ids.iter().take(plan.watched) {
        let set = app
            .client
            .execute(
                "return window.__TAURI__.core.invoke('set_watched', {id: arguments[0], on: true}).then(() => true);",
                vec![json!(id)],
            )
            .await;
        assert_eq!(set.ok(), Some(json!(true)), "watch the balance of {id}");
    }
    let watched = app
        .client
        .execute(
            "return window.__TAURI__.core.invoke('watched_balances').then(w => w.length);",
            vec![],
        )
        .await
        .expect("watched balances");
    r.watched = watched.as_u64().unwrap_or(0) as usize;
    tokio::time::sleep(SETTLE).await;
    r.idle_app = idle(app.pid(), plan.idle).await;
    app.close().await;
    drop(backend);

    // The floor, measured the same way.
    for n in 1..=plan.launches {
        let data = tempfile::tempdir().expect("a data folder");
        let window = App::launch_program(&floor, data, &[], instant(E2E_NOW)).await;
        r.floor_launch.push(until(&window, FLOOR_FILLED).await);
        if n == plan.launches {
            tokio::time::sleep(SETTLE).await;
            r.pss_floor = pss_by_process(window.pid());
            r.idle_floor = idle(window.pid(), plan.idle).await;
        }
    }
    r
}

/// Time from the session request until `ready` holds in the page.
async fn until(app: &App, ready: &str) -> Duration {
    poll(app, ready).await;
    app.session_started.elapsed()
}

/// Click a section tab (as the page's own click handler sees it) and time until it is filled.
async fn switch_to(app: &App, tab: &str, ready: &str) -> Duration {
    let started = Instant::now();
    app.client
        .execute(
            "document.getElementById(arguments[0]).click();",
            vec![json!(format!("tab-{tab}"))],
        )
        .await
        .expect("click a tab");
    poll(app, ready).await;
    started.elapsed()
}

/// Open an account through the switcher: type, Enter, and wait for its filled Account Info.
async fn open_by_search(app: &App, realm: &str) {
    app.replace_text("#account-search", realm).await;
    app.wait_for("#account-results", |t| t.contains(&realm[4..]))
        .await;
    app.type_into("#account-search", "\u{E007}").await;
    app.wait_for("#account-name", |t| t.ends_with(&realm[4..]))
        .await;
    poll(app, INFO_FILLED).await;
}

async fn poll(app: &App, ready: &str) {
    let started = Instant::now();
    while app.client.execute(ready, vec![]).await.ok() != Some(json!(true)) {
        assert!(started.elapsed() < WAIT, "the page never showed: {ready}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The program and every process it started (WebKit's web and network processes).
fn family(root: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            let ppid = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            Some((pid, ppid))
        })
        .collect();
    let mut all = vec![root];
    let mut i = 0;
    while i < all.len() {
        let p = all[i];
        all.extend(parents.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    all
}

/// What a process is, by its command name: the program, or one of WebKit's helpers.
fn role(pid: u32, root: u32) -> String {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    let comm = comm.trim();
    if pid == root {
        "app".into()
    } else if comm.starts_with("WebKitWebProces") {
        "web".into()
    } else if comm.starts_with("WebKitNetworkPr") {
        "network".into()
    } else {
        comm.to_owned()
    }
}

/// PSS in KiB by role, across the program's processes.
fn pss_by_process(root: u32) -> BTreeMap<String, u64> {
    let mut by = BTreeMap::new();
    for pid in family(root) {
        let rollup =
            std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
        let kib: u64 = rollup
            .lines()
            .find_map(|l| l.strip_prefix("Pss:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0);
        *by.entry(role(pid, root)).or_insert(0) += kib;
    }
    by
}

/// CPU ticks (user + system, all threads, finished ones included) of every process of the
/// program, and the context switches of each thread alive now, by (pid, thread id).
fn usage(root: u32) -> (u64, BTreeMap<(u32, String), u64>) {
    let mut ticks = 0;
    let mut switches = BTreeMap::new();
    for pid in family(root) {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        // After the command name: state is field 3, utime 14 and stime 15.
        ticks += [11, 12]
            .iter()
            .filter_map(|&i| fields.get(i)?.parse::<u64>().ok())
            .sum::<u64>();
        for task in std::fs::read_dir(format!("/proc/{pid}/task"))
            .into_iter()
            .flatten()
            .flatten()
        {
            let status = std::fs::read_to_string(task.path().join("status")).unwrap_or_default();
            let n = status
                .lines()
                .filter(|l| l.contains("ctxt_switches:"))
                .filter_map(|l| l.split(':').nth(1)?.trim().parse::<u64>().ok())
                .sum::<u64>();
            switches.insert((pid, task.file_name().to_string_lossy().into_owned()), n);
        }
    }
    (ticks, switches)
}

/// CPU share (percent of one core) and wakeups per second over a quiet `spell`. Wakeups are
/// counted per thread: a thread that ended during the spell takes its count with it, so totals
/// of the two readings would under-count (they read 0 when idle threads of a pool retired).
async fn idle(root: u32, spell: Duration) -> Idle {
    let (t0, s0) = usage(root);
    let started = Instant::now();
    tokio::time::sleep(spell).await;
    let (t1, s1) = usage(root);
    let secs = started.elapsed().as_secs_f64();
    let woke: u64 = s1
        .iter()
        .map(|(thread, n)| n.saturating_sub(s0.get(thread).copied().unwrap_or(0)))
        .sum();
    Idle {
        cpu_percent: (t1.saturating_sub(t0)) as f64 / TICKS_PER_SEC / secs * 100.0,
        wakeups_per_sec: woke as f64 / secs,
        secs,
    }
}

#[derive(Default, Clone, Copy)]
struct Idle {
    cpu_percent: f64,
    wakeups_per_sec: f64,
    secs: f64,
}

#[derive(Default)]
struct Report {
    cold: Vec<Duration>,
    warm: Vec<Duration>,
    switch: Vec<Duration>,
    open: Vec<Duration>,
    floor_launch: Vec<Duration>,
    pss_launch: BTreeMap<String, u64>,
    pss_opened: BTreeMap<String, u64>,
    pss_floor: BTreeMap<String, u64>,
    watched: usize,
    idle_app: Idle,
    idle_floor: Idle,
}

/// The times in seconds, smallest first.
fn sorted_secs(times: &[Duration]) -> Vec<f64> {
    let mut s: Vec<f64> = times.iter().map(Duration::as_secs_f64).collect();
    s.sort_by(f64::total_cmp);
    s
}

/// "median (min–max)" in seconds.
fn spread(times: &[Duration]) -> String {
    let s = sorted_secs(times);
    match s.as_slice() {
        [] => "—".into(),
        [only] => format!("{only:.3} s"),
        _ => format!(
            "{:.3} s ({:.3}–{:.3})",
            s[s.len() / 2],
            s[0],
            s[s.len() - 1]
        ),
    }
}

fn median(times: &[Duration]) -> f64 {
    let s = sorted_secs(times);
    s.get(s.len() / 2).copied().unwrap_or(f64::NAN)
}

fn mib(by: &BTreeMap<String, u64>) -> String {
    let total: u64 = by.values().sum();
    let parts: Vec<String> = by
        .iter()
        .map(|(k, v)| format!("{k} {:.0}", *v as f64 / 1024.0))
        .collect();
    format!("{:.0} MiB ({})", total as f64 / 1024.0, parts.join(", "))
}

fn total_mib(by: &BTreeMap<String, u64>) -> f64 {
    by.values().sum::<u64>() as f64 / 1024.0
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "**not met**"
    }
}

impl Report {
    fn markdown(&self) -> String {
        let floor = median(&self.floor_launch);
        let warm_ok = median(&self.warm) <= 1.25 * floor;
        let cold_ok = median(&self.cold) <= 1.5 * floor;
        let mem_ok = total_mib(&self.pss_launch) <= total_mib(&self.pss_floor) + 40.0;
        let idle = |i: &Idle| {
            format!(
                "{:.2} % of a core, {:.1} wakeups/s (over {:.0} s)",
                i.cpu_percent, i.wakeups_per_sec, i.secs
            )
        };
        [
            "| figure | Account Desk | bare Tauri window (floor) | budget |".to_owned(),
            "|---|---|---|---|".to_owned(),
            format!(
                "| launch → cached Account Info (warm) | {} | {} | ≤ 1.25 × floor: {} |",
                spread(&self.warm),
                spread(&self.floor_launch),
                verdict(warm_ok)
            ),
            format!(
                "| first launch, empty data folder → Account Info | {} | | ≤ 1.5 × floor: {} |",
                spread(&self.cold),
                verdict(cold_ok)
            ),
            format!(
                "| screen switch (Trunks ↔ Account Info) | {} | | |",
                spread(&self.switch)
            ),
            format!(
                "| open an account through the switcher (type, Enter, filled) | {} | | |",
                spread(&self.open)
            ),
            format!(
                "| PSS after launch | {} | {} | ≤ floor + 40 MiB: {} |",
                mib(&self.pss_launch),
                mib(&self.pss_floor),
                verdict(mem_ok)
            ),
            format!(
                "| PSS after opening {} accounts | {} | | |",
                self.open.len(),
                mib(&self.pss_opened)
            ),
            format!(
                "| idle, tray watching {} balances | {} | {} | |",
                self.watched,
                idle(&self.idle_app),
                idle(&self.idle_floor)
            ),
        ]
        .join("\n")
    }

    /// Under `cargo test`: every figure was taken and is plausible.
    fn check(&self) {
        for (what, times) in [
            ("cold launch", &self.cold),
            ("warm launch", &self.warm),
            ("switch", &self.switch),
            ("opening", &self.open),
            ("floor launch", &self.floor_launch),
        ] {
            assert!(!times.is_empty(), "{what} measured");
            assert!(times.iter().all(|t| *t < WAIT), "{what}: {times:?}");
        }
        for (what, pss) in [
            ("after launch", &self.pss_launch),
            ("after opening", &self.pss_opened),
            ("floor", &self.pss_floor),
        ] {
            for role in ["app", "web"] {
                assert!(
                    pss.get(role).is_some_and(|k| *k > 1024),
                    "PSS {what}: the {role} process is found and measured: {pss:?}"
                );
            }
        }
        // The top-level account is watched from the start.
        assert_eq!(self.watched, CHECK.watched + 1, "the balances are watched");
        assert!(self.idle_app.secs >= CHECK.idle.as_secs_f64());
        // sled's flusher alone wakes the app twice a second: zero means the counter is broken.
        assert!(self.idle_app.wakeups_per_sec > 0.0, "wakeups are counted");
    }
}
