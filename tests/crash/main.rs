//! Crash safety: cycles of "work, `kill -9` at a random moment, restart".
//!
//! One binary plays both parts: run without arguments it is the controller; with `--writer` it
//! is the child that keeps working and prints what the engine acknowledged. Runs as a plain
//! program (`harness = false`) so it can re-launch itself.
//!
//! 1. **Offline** (60 cycles): the writer saves edits to every group of fields of two document
//!    kinds (Account Info, billing settings — both on the account document — and the trunks'
//!    limits document) of three accounts and prints `ACK` after each save returns. After each
//!    kill, every field ever acknowledged must be in the outbox with its acknowledged value (or
//!    a later one) and the server value it started from (`base`), and the cache must open
//!    cleanly.
//! 2. **Online** (20 cycles), through a slow proxy to a live sandbox that ignores top-up
//!    references, as Kazoo 4.3 does: the writer saves, pushes and adds credit, so kills land
//!    inside pushes and top-ups. After each kill every acknowledged edit is in the outbox or on
//!    the server; at the end no top-up crossed the network twice, the ledger holds at most one
//!    payment per intent, and every intent the app calls completed was paid exactly once.
//!
//! 3. **Rebuild** (15 cycles, on the offline phase's cache): before each cycle the cache is
//!    stamped as another version's, so the writer's start rebuilds it (salvaging the outbox,
//!    the payment intents and a change log of 5,000 records), and the writer is killed at a
//!    random moment of that rebuild. After each kill the next start must still hold every
//!    acknowledged edit and the unsettled payment intent.
//!
//! Every writer must have died by the controller's SIGKILL (not a panic), and at least 90 % of
//! offline and online cycles must have acknowledged something, or the loop proves nothing.

// SIGKILL and its exit status are Unix's: on Windows the loop is only type-checked.
#![cfg_attr(not(unix), allow(dead_code, unused_imports))]
use chrono::{DateTime, Utc};
use crossbar::{AccountRef, BaseUrl, Client, ClientOptions, Credentials};
use crossbar_sandbox::{seed::account_id, Config, Seed, DEMO_ACCOUNT_NAME};
use desk_engine::{BillingSettingsForm, Clock, Desk, IntentState, TrunksForm};
use desk_store::{Cache, DocKind, MemoryStore};
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Write};
#[cfg(unix)]
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The sandbox's clock and the controller's: pinned, so nothing depends on today's date. Each
/// writer starts its own at this clock's now.
static CLOCK: std::sync::LazyLock<Clock> = std::sync::LazyLock::new(|| {
    Clock::starting_at(
        DateTime::parse_from_rfc3339("2027-01-27T16:00:00Z")
            .unwrap()
            .with_timezone(&Utc),
    )
});

const OFFLINE_CYCLES: usize = 60;
const ONLINE_CYCLES: usize = 20;
const REBUILD_CYCLES: usize = 15;
/// A payment whose answer was lost, as a rebuild finds it: it must survive every rebuild.
const UNSETTLED: &str = "credit_intent:0123456789abcdef0123456789abcdef";

/// What a writer run does.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    /// Saves only, the server unreachable.
    Offline,
    /// Saves, pushes and credit through a live sandbox.
    Online,
    /// Starts on a cache that must be rebuilt, and is killed during the rebuild.
    Rebuild,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Offline => "offline",
            Mode::Online => "online",
            Mode::Rebuild => "rebuild",
        }
    }
}
const ACCOUNTS: [&str; 3] = ["Bayside Realty", "Cape Coast Solar", "Kiwi Outdoor Gear"];

/// A group of fields saved together, one screen's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    /// Account Info: contact name and e-mail.
    Contact,
    /// Trunks: inbound and two-way counts (the limits document).
    Trunks,
    /// Billing settings: the alert threshold.
    Alerts,
}

const GROUPS: [Group; 3] = [Group::Contact, Group::Trunks, Group::Alerts];

impl Group {
    fn name(self) -> &'static str {
        match self {
            Group::Contact => "contact",
            Group::Trunks => "trunks",
            Group::Alerts => "alerts",
        }
    }

    fn parse(s: &str) -> Option<Group> {
        GROUPS.into_iter().find(|g| g.name() == s)
    }

    fn kind(self) -> DocKind {
        match self {
            Group::Trunks => DocKind::Limits,
            _ => DocKind::Account,
        }
    }

    /// The Kazoo paths the group writes, and the value edit `n` writes to each.
    fn fields(self, n: u64) -> Vec<(&'static str, Value)> {
        match self {
            Group::Contact => vec![
                ("contact.technical.name", json!(format!("edit {n}"))),
                (
                    "contact.technical.email",
                    json!(format!("edit{n}@crash.example")),
                ),
            ],
            Group::Trunks => vec![
                ("inbound_trunks", json!(100 + n)),
                ("twoway_trunks", json!(200_000 + n)),
            ],
            Group::Alerts => vec![(
                "notifications.low_balance.threshold",
                json!(1000.25 + n as f64),
            )],
        }
    }
}

/// Which edit wrote `value` to `path` (every value names its edit).
fn edit_of(path: &str, value: &Value) -> Option<u64> {
    match path {
        "contact.technical.name" => value.as_str()?.strip_prefix("edit ")?.parse().ok(),
        "contact.technical.email" => value
            .as_str()?
            .strip_prefix("edit")?
            .strip_suffix("@crash.example")?
            .parse()
            .ok(),
        "inbound_trunks" => value.as_u64()?.checked_sub(100),
        "twoway_trunks" => value.as_u64()?.checked_sub(200_000),
        "notifications.low_balance.threshold" => {
            let n = value.as_f64()? - 1000.25;
            (n >= 0.0 && n.fract() == 0.0).then_some(n as u64)
        }
        _ => None,
    }
}

fn path_kind(path: &str) -> DocKind {
    if path.ends_with("_trunks") {
        DocKind::Limits
    } else {
        DocKind::Account
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn client(url: &str, retries: u32) -> Result<Client, String> {
    let opts = ClientOptions {
        retries,
        connect_timeout: Duration::from_millis(200),
        ..ClientOptions::default()
    };
    Client::new(BaseUrl::parse(url).map_err(|e| e.to_string())?, opts).map_err(|e| e.to_string())
}

fn open_desk(dir: &Path, url: &str, now: DateTime<Utc>, mode: Mode) -> Result<Desk, String> {
    println!("OPENING");
    let opened = Cache::open(dir).map_err(|e| e.to_string())?;
    match opened.notice {
        Some(_) if mode == Mode::Rebuild => println!("REBUILT"),
        Some(notice) => return Err(format!("cache did not open cleanly: {notice}")),
        None => {}
    }
    Ok(Desk::new(
        client(url, 0)?,
        opened.cache,
        Arc::new(MemoryStore::default()),
        "crash",
    )
    .with_clock(Arc::new(Clock::starting_at(now))))
}

fn demo_login() -> Credentials {
    Credentials::password(AccountRef::Name(DEMO_ACCOUNT_NAME.into()), "admin", "demo")
}

/// Save edit `n` of `group` on `id` through the engine, as its screen would.
async fn save(desk: &Desk, id: &str, group: Group, n: u64) -> Result<(), String> {
    let fields = group.fields(n);
    let text = |i: usize| match &fields[i].1 {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match group {
        Group::Contact => {
            let mut form = desk
                .cached_account(id)
                .map_err(|e| e.to_string())?
                .ok_or("account not cached")?
                .form;
            form.tech_name = text(0);
            form.tech_email = text(1);
            desk.save_account(id, &form).await.map(|_| ())
        }
        Group::Trunks => {
            let t = desk
                .cached_trunks(id)
                .map_err(|e| e.to_string())?
                .ok_or("trunks not cached")?;
            let form = TrunksForm {
                inbound: text(0),
                outbound: t.outbound.value.to_string(),
                twoway: text(1),
            };
            desk.save_trunks(id, &form).await.map(|_| ())
        }
        Group::Alerts => {
            let shown = desk.billing_settings(id).map_err(|e| e.to_string())?.form;
            let form = BillingSettingsForm {
                alerts_enabled: true,
                alerts_threshold: text(0),
                ..shown
            };
            desk.save_billing_settings(id, &form).await.map(|_| ())
        }
    }
    .map_err(|e| e.to_string())
}

/// The child: keep saving (and, online, pushing and adding credit) until killed. Its clock
/// starts at `now`, the sandbox's time when the controller started it. Online, it first checks
/// again the credit the previous run was adding when it was killed (`retry`: intent, amount),
/// as a user would after a crash.
fn writer(
    dir: &Path,
    url: &str,
    mode: Mode,
    mut n: u64,
    now: DateTime<Utc>,
    retry: Option<(&str, &str)>,
) {
    let online = mode == Mode::Online;
    runtime().block_on(async {
        let desk = match open_desk(dir, url, now, mode) {
            Ok(d) => d,
            Err(e) => {
                println!("BROKEN {e}");
                std::process::exit(3);
            }
        };
        if online {
            desk.sign_in(demo_login(), false).await.expect("sign in");
        }
        // Load the phone metadata first (slow in debug builds) so kills land mid-work.
        desk_core::phone::warm_up();
        println!("READY");
        let reseller = account_id(DEMO_ACCOUNT_NAME);
        if let Some((intent, amount)) = retry {
            let _ = desk.add_credit(&reseller, intent, amount).await;
        }
        loop {
            for name in ACCOUNTS {
                let id = account_id(name);
                for group in GROUPS {
                    if online && group != Group::Contact {
                        continue;
                    }
                    save(&desk, &id, group, n).await.expect("save");
                    // Only now, after the flush inside the save, is the edit acknowledged.
                    println!("ACK {id} {} {n}", group.name());
                    n += 1;
                }
            }
            if online {
                println!("PUSH");
                let _ = desk.push_pending().await;
                let intent = desk.new_credit_intent();
                // At least Braintree's $5.00 minimum (`braintree.min_amount`).
                let amount = format!("{}.{:02}", 5 + n / 100, n % 100);
                println!("INTENT {intent} {amount}");
                let _ = desk.add_credit(&reseller, &intent, &amount).await;
                n += 1;
            }
        }
    })
}

/// A cache with the tree and the three accounts (documents and trunks), as a signed-in session
/// would leave it; returns every field's server value (each edit's `base`).
fn seed_cache(dir: &Path, url: &str) -> HashMap<(String, String), Option<Value>> {
    runtime().block_on(async {
        let opened = Cache::open(dir).unwrap();
        let desk = Desk::new(
            client(url, 2).unwrap(),
            opened.cache,
            Arc::new(MemoryStore::default()),
            "crash",
        );
        desk.sign_in(demo_login(), false).await.unwrap();
        desk.sync_tree().await.unwrap();
        // The server's documents as another session reads them: each edit's `base`.
        let c = client(url, 2).unwrap();
        c.sign_in(demo_login()).await.unwrap();
        let mut base = HashMap::new();
        for name in ACCOUNTS {
            let id = account_id(name);
            desk.account(&id).await.unwrap();
            desk.trunks(&id).await.unwrap();
            let aid = desk_core::AccountId::parse(&id).unwrap();
            let account = c.get_account(&aid).await.unwrap().value.to_value();
            let limits = c.get_limits(&aid).await.unwrap().value.to_value();
            for group in GROUPS {
                for (path, _) in group.fields(0) {
                    let doc = if group.kind() == DocKind::Limits {
                        &limits
                    } else {
                        &account
                    };
                    let value = desk_core::merge::value_at(doc.as_object().unwrap(), path);
                    base.insert((id.clone(), path.to_owned()), value);
                }
            }
        }
        desk.flush().await.unwrap();
        base
    })
}

/// What one writer run acknowledged, and what it was doing when it was killed.
struct Run {
    acks: Vec<(String, Group, u64)>,
    intents: Vec<(String, String)>,
    last: String,
    /// It had finished opening a rebuilt cache.
    rebuilt: bool,
    /// How long the rebuild took, when it was timed.
    rebuild_took: Option<Duration>,
}

/// Start a writer, kill it at a random moment, and read what it acknowledged.
#[allow(clippy::too_many_arguments)] // one cycle's whole setting, spelled out at each call
fn cycle(
    cycle: usize,
    dir: &Path,
    url: &str,
    mode: Mode,
    rebuild_window: Option<Duration>,
    next: u64,
    retry: Option<&(String, String)>,
    rng: &mut rand::rngs::StdRng,
) -> Run {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .arg("--writer")
        .arg(dir)
        .arg(url)
        .arg(mode.name())
        .arg(next.to_string())
        .arg(CLOCK.now().to_rfc3339())
        .args(retry.map(|(i, a)| [i, a]).into_iter().flatten())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    if mode == Mode::Rebuild {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(l) if l == "OPENING" => seen.push(l),
            other => panic!("cycle {cycle}: the writer did not start: {other:?}"),
        }
        let opening = Instant::now();
        match rebuild_window {
            // Killed at a random moment of the rebuild, as long as the last one took.
            Some(window) => std::thread::sleep(window.mul_f64(rng.gen::<f64>())),
            // The first one is timed, then killed.
            None => {
                match rx.recv_timeout(Duration::from_secs(60)) {
                    Ok(l) if l == "REBUILT" => seen.push(l),
                    other => panic!("cycle {cycle}: the cache was not rebuilt: {other:?}"),
                }
                let mut run = killed(cycle, child, reader, rx, seen);
                run.rebuild_took = Some(opening.elapsed());
                return run;
            }
        }
        return killed(cycle, child, reader, rx, seen);
    }
    loop {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(l) if l == "READY" => break,
            Ok(l) if l == "OPENING" => {}
            other => panic!("cycle {cycle}: the writer did not start cleanly: {other:?}"),
        }
    }
    // Every tenth cycle is killed in its first moments (start-up, the first save); the others
    // at a random moment of steady work, once a first save has been acknowledged.
    if cycle.is_multiple_of(10) {
        std::thread::sleep(Duration::from_millis(rng.gen_range(1..60)));
    } else {
        let started = Instant::now();
        while !seen.iter().any(|l: &String| l.starts_with("ACK ")) {
            let left = Duration::from_secs(30).saturating_sub(started.elapsed());
            match rx.recv_timeout(left) {
                Ok(l) => seen.push(l),
                Err(_) => panic!("cycle {cycle}: the writer acknowledged nothing in 30 s"),
            }
        }
        std::thread::sleep(Duration::from_millis(rng.gen_range(1..400)));
    }
    killed(cycle, child, reader, rx, seen)
}

/// The signal that ended a process (Unix's notion; none elsewhere).
#[cfg(unix)]
fn signal_of(status: &std::process::ExitStatus) -> Option<i32> {
    status.signal()
}

#[cfg(not(unix))]
fn signal_of(_: &std::process::ExitStatus) -> Option<i32> {
    None
}

/// Kill the writer now and read what it acknowledged before.
fn killed(
    cycle: usize,
    mut child: std::process::Child,
    reader: std::thread::JoinHandle<()>,
    rx: std::sync::mpsc::Receiver<String>,
    mut seen: Vec<String>,
) -> Run {
    child.kill().unwrap(); // SIGKILL: no destructors, no flush
    let status = child.wait().unwrap();
    assert_eq!(
        signal_of(&status),
        Some(9),
        "cycle {cycle}: the writer must die by our SIGKILL, not by itself: {status}"
    );
    reader.join().unwrap();
    seen.extend(rx.try_iter());
    let mut run = Run {
        acks: Vec::new(),
        intents: Vec::new(),
        last: seen.last().cloned().unwrap_or_default(),
        rebuilt: seen.iter().any(|l| l == "REBUILT"),
        rebuild_took: None,
    };
    for line in seen {
        let parts: Vec<&str> = line.split(' ').collect();
        match parts.as_slice() {
            ["ACK", id, group, n] => run.acks.push((
                (*id).to_owned(),
                Group::parse(group).expect("group"),
                n.parse().unwrap(),
            )),
            ["INTENT", intent, amount] => run
                .intents
                .push(((*intent).to_owned(), (*amount).to_owned())),
            _ => {}
        }
    }
    run
}

/// The outbox's (mine, base) for every pending field.
type Outbox = HashMap<(String, String), (Option<Value>, Option<Value>)>;

/// The next start's outbox (a rebuild, if one is due, is finished by this opening).
fn outbox(dir: &Path, cycle: usize, rebuilding: bool) -> Outbox {
    let opened =
        Cache::open(dir).unwrap_or_else(|e| panic!("cycle {cycle}: cache does not open: {e}"));
    assert!(
        rebuilding || opened.notice.is_none(),
        "cycle {cycle}: cache was damaged: {:?}",
        opened.notice
    );
    if rebuilding {
        let intent: Option<Value> = opened.cache.pref(UNSETTLED).unwrap();
        assert!(
            intent.is_some(),
            "cycle {cycle}: the unsettled payment was forgotten"
        );
        assert!(
            opened.cache.changes(None).unwrap().len() >= CHANGE_LOG,
            "cycle {cycle}: change log lost"
        );
    }
    let mut out = HashMap::new();
    for edit in opened.cache.all_pending().unwrap() {
        for f in edit.fields {
            assert_eq!(
                path_kind(&f.path),
                edit.kind,
                "{} in the wrong document",
                f.path
            );
            out.insert((edit.account_id.clone(), f.path), (f.mine, f.base));
        }
    }
    out
}

/// How many change-log records the rebuild phase's cache holds (so that a rebuild takes long
/// enough for kills to land inside it).
const CHANGE_LOG: usize = 5_000;

/// Mark the cache as written by another version, so the next start rebuilds it; the first time,
/// give it an unsettled payment and a change log to salvage.
fn stale(dir: &Path, first: bool) {
    let cache = Cache::open(dir).unwrap().cache;
    if first {
        cache
            .set_pref(
                UNSETTLED,
                &json!({"account_id": account_id(DEMO_ACCOUNT_NAME), "amount": "25.00",
                        "created_at": CLOCK.now(), "sent_at": CLOCK.now(), "state": "unknown",
                        "transaction_id": null, "message": null}),
            )
            .unwrap();
        for i in 0..CHANGE_LOG {
            cache
                .log_change(&desk_store::ChangeRecord {
                    at: CLOCK.now() + chrono::Duration::milliseconds(i as i64),
                    user: "crash".into(),
                    edited_at: None,
                    account_id: account_id(ACCOUNTS[i % 3]),
                    account_name: ACCOUNTS[i % 3].into(),
                    field: "contact.technical.name".into(),
                    old: None,
                    new: Some(json!(format!("logged {i}"))),
                    result: "applied".into(),
                    request_id: None,
                })
                .unwrap();
        }
    }
    drop(cache);
    // As another version would have left it: its own schema stamp (`Cache`'s `meta` tree).
    let db = (0..100)
        .find_map(|_| {
            sled::open(dir.join("cache")).ok().or_else(|| {
                std::thread::sleep(Duration::from_millis(20)); // the last flusher winding down
                None
            })
        })
        .expect("the cache folder opens");
    db.open_tree("meta")
        .unwrap()
        .insert("schema_version", &999u32.to_be_bytes())
        .unwrap();
    db.flush().unwrap();
}

fn offline_phase(rng: &mut rand::rngs::StdRng, backend_url: &str) -> (usize, usize) {
    let dir = tempfile::tempdir().unwrap();
    let base = seed_cache(dir.path(), backend_url);
    // From here on the server is gone: every save stays in the outbox.
    let url = "http://127.0.0.1:9";
    let mut acked: BTreeMap<(String, String), u64> = BTreeMap::new();
    let (mut next, mut total, mut cycles_with_acks, mut lost) = (0u64, 0usize, 0usize, Vec::new());
    let (mut mid_rebuild, mut window) = (0, None);
    for c in 0..OFFLINE_CYCLES + REBUILD_CYCLES {
        let rebuilding = c >= OFFLINE_CYCLES;
        if rebuilding {
            stale(dir.path(), c == OFFLINE_CYCLES);
        }
        let mode = if rebuilding {
            Mode::Rebuild
        } else {
            Mode::Offline
        };
        let run = cycle(c, dir.path(), url, mode, window, next, None, rng);
        if rebuilding {
            window = window.or(run.rebuild_took);
            mid_rebuild += usize::from(!run.rebuilt);
        } else {
            cycles_with_acks += usize::from(!run.acks.is_empty());
        }
        for (id, group, n) in run.acks {
            for (path, _) in group.fields(n) {
                acked.insert((id.clone(), path.to_owned()), n);
            }
            next = next.max(n + 1);
            total += 1;
        }
        let kept = outbox(dir.path(), c, rebuilding);
        for (key, n) in &acked {
            let Some((mine, was)) = kept.get(key) else {
                lost.push(format!(
                    "cycle {c}: {key:?} acknowledged edit {n}, not in the outbox"
                ));
                continue;
            };
            let k = mine.as_ref().and_then(|v| edit_of(&key.1, v));
            if k.is_none_or(|k| k < *n) {
                lost.push(format!(
                    "cycle {c}: {key:?} acknowledged edit {n}, outbox has {mine:?}"
                ));
            }
            if was != &base[key] {
                lost.push(format!(
                    "cycle {c}: {key:?} base is {was:?}, the server had {:?}",
                    base[key]
                ));
            }
        }
    }
    assert!(
        cycles_with_acks * 10 >= OFFLINE_CYCLES * 9,
        "only {cycles_with_acks} of {OFFLINE_CYCLES} cycles acknowledged an edit"
    );
    println!(
        "rebuild kills: {mid_rebuild} of {REBUILD_CYCLES} inside the rebuild (it takes {:?}), the first after it, timed",
        window.unwrap_or_default()
    );
    assert!(
        mid_rebuild * 3 >= REBUILD_CYCLES,
        "only {mid_rebuild} of {REBUILD_CYCLES} kills landed before the rebuild ended"
    );
    assert!(
        lost.is_empty(),
        "acknowledged edits lost:\n{}",
        lost.join("\n")
    );
    (total, acked.len())
}

/// Everything the online phase needs from the live side: a sandbox (whose top-up, like Kazoo
/// 4.3's, reads nothing but the amount) behind a slow proxy, run on a thread of its own.
struct Live {
    url: String,
    sandbox_url: String,
    proxy: desk_testkit::Proxy,
    _sandbox: crossbar_sandbox::Running,
    _dir: tempfile::TempDir,
    /// Last: the servers above stop before their runtime does.
    rt: tokio::runtime::Runtime,
}

fn live() -> Live {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, proxy) = rt.block_on(async {
        let mut cfg = Config::new(dir.path(), Seed::Demo);
        cfg.start_at = Some(CLOCK.now().timestamp());
        let sbx = crossbar_sandbox::start(cfg).await.unwrap();
        let proxy = desk_testkit::Proxy::start(sbx.addr).await;
        proxy.delay_answers("", 5);
        proxy.delay_answers("/services/topup", 120);
        (sbx, proxy)
    });
    Live {
        url: proxy.url.clone(),
        sandbox_url: sandbox.base_url.clone(),
        proxy,
        _sandbox: sandbox,
        _dir: dir,
        rt,
    }
}

fn online_phase(rng: &mut rand::rngs::StdRng, live: &Live) -> (usize, usize) {
    let dir = tempfile::tempdir().unwrap();
    seed_cache(dir.path(), &live.sandbox_url);
    let server = live.rt.block_on(async {
        let c = client(&live.sandbox_url, 2).unwrap();
        c.sign_in(demo_login()).await.unwrap();
        c
    });
    let mut acked: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut intents: Vec<(String, String)> = Vec::new();
    let (mut next, mut total, mut cycles_with_acks, mut lost) = (0u64, 0usize, 0usize, Vec::new());
    let (mut in_push, mut in_credit) = (0, 0);
    for c in 0..ONLINE_CYCLES {
        let run = cycle(
            c,
            dir.path(),
            &live.url,
            Mode::Online,
            None,
            next,
            intents.last(),
            rng,
        );
        cycles_with_acks += usize::from(!run.acks.is_empty());
        in_push += usize::from(run.last == "PUSH");
        in_credit += usize::from(run.last.starts_with("INTENT "));
        for (id, group, n) in run.acks {
            for (path, _) in group.fields(n) {
                acked.insert((id.clone(), path.to_owned()), n);
            }
            next = next.max(n + 2);
            total += 1;
        }
        intents.extend(run.intents);
        let kept = outbox(dir.path(), c, false);
        for (key, n) in &acked {
            let pending = kept
                .get(key)
                .and_then(|(mine, _)| mine.as_ref())
                .and_then(|v| edit_of(&key.1, v));
            let on_server = live.rt.block_on(async {
                let id = desk_core::AccountId::parse(&key.0).unwrap();
                let doc = server.get_account(&id).await.unwrap().value.to_value();
                desk_core::merge::value_at(doc.as_object().unwrap(), &key.1)
                    .and_then(|v| edit_of(&key.1, &v))
            });
            if pending.max(on_server).is_none_or(|k| k < *n) {
                lost.push(format!(
                    "cycle {c}: {key:?} acknowledged edit {n}; outbox {pending:?}, server {on_server:?}"
                ));
            }
        }
    }
    assert!(
        cycles_with_acks * 10 >= ONLINE_CYCLES * 9,
        "only {cycles_with_acks} of {ONLINE_CYCLES} online cycles acknowledged an edit"
    );
    assert!(
        lost.is_empty(),
        "acknowledged edits lost:\n{}",
        lost.join("\n")
    );
    println!("online kills: {in_push} during a push, {in_credit} while adding credit");
    check_money(live, &server, dir.path(), &intents);
    (total, intents.len())
}

/// No top-up crossed the network twice for one intent; the ledger holds at most one payment per
/// intent (each intent has its own amount), and exactly one for each the app calls completed.
fn check_money(live: &Live, server: &Client, dir: &Path, intents: &[(String, String)]) {
    let mut sent: HashMap<String, usize> = HashMap::new();
    for r in live.proxy.requests() {
        if r.is("POST", "/services/topup") {
            // Each intent has its own amount, and the amount is all a top-up carries.
            let amount = r.json()["data"]["amount"].to_string();
            *sent.entry(amount).or_default() += 1;
        }
    }
    let twice: Vec<_> = sent.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "top-ups sent more than once: {twice:?}");
    let reseller = desk_core::AccountId::parse(&account_id(DEMO_ACCOUNT_NAME)).unwrap();
    let payments: Vec<rust_decimal::Decimal> = live.rt.block_on(async {
        let now = CLOCK.now();
        server
            .complete_ledger(
                &reseller,
                "payments",
                now - chrono::Duration::hours(2),
                now + chrono::Duration::hours(2),
            )
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.amount)
            .collect()
    });
    let cache = Cache::open(dir).unwrap().cache;
    let states: HashMap<String, IntentState> = cache
        .prefs_with_prefix::<Value>("credit_intent:")
        .unwrap()
        .into_iter()
        .filter_map(|(k, v)| {
            let state = serde_json::from_value(v.get("state")?.clone()).ok()?;
            Some((k.trim_start_matches("credit_intent:").to_owned(), state))
        })
        .collect();
    let mut by_state: BTreeMap<String, usize> = BTreeMap::new();
    for (intent, _) in intents {
        let state = states.get(intent).map_or("never written".to_owned(), |s| {
            format!("{s:?}").to_lowercase()
        });
        *by_state.entry(state).or_default() += 1;
    }
    println!(
        "credit intents by state: {by_state:?}; {} top-up requests crossed the network",
        sent.values().sum::<usize>()
    );
    for (intent, amount) in intents {
        let amount: rust_decimal::Decimal = amount.parse().unwrap();
        let paid = payments.iter().filter(|p| **p == amount).count();
        assert!(
            paid <= 1,
            "intent {intent} ({amount}) was paid {paid} times"
        );
        if states.get(intent) == Some(&IntentState::Completed) {
            assert_eq!(paid, 1, "intent {intent} ({amount}) completed but not paid");
        }
        if matches!(
            states.get(intent),
            Some(IntentState::NotCharged | IntentState::Declined)
        ) {
            assert_eq!(
                paid, 0,
                "intent {intent} ({amount}) said not charged, was paid"
            );
        }
    }
}

fn controller() {
    // Random kill moments; the seed is printed so a failing run can be replayed (CRASH_SEED).
    let seed: u64 = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let started = Instant::now();
    let live = live();
    let (offline_acks, offline_fields) = offline_phase(&mut rng, &live.sandbox_url);
    let (online_acks, intents) = online_phase(&mut rng, &live);
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "crash loop (seed {seed}): {OFFLINE_CYCLES} offline cycles, {offline_acks} acknowledged saves over {offline_fields} fields, none lost; \
         {REBUILD_CYCLES} kills during cache rebuilds, no edit, payment or change-log record lost; \
         {ONLINE_CYCLES} online cycles with pushes and top-ups, {online_acks} saves, {intents} credit intents, none lost or charged twice; \
         the cache opened every time ({:.1} s)",
        started.elapsed().as_secs_f64()
    );
}

#[cfg(not(unix))]
fn main() {
    eprintln!("the crash loop kills its writer with SIGKILL, which is Unix's");
}

#[cfg(unix)]
fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--writer") {
        let now = DateTime::parse_from_rfc3339(&args[6]).expect("--writer … CLOCK");
        let retry = args.get(7).zip(args.get(8));
        writer(
            Path::new(&args[2]),
            &args[3],
            [Mode::Offline, Mode::Online, Mode::Rebuild]
                .into_iter()
                .find(|m| m.name() == args[4])
                .expect("--writer … MODE"),
            args[5].parse().unwrap(),
            now.with_timezone(&Utc),
            retry.map(|(i, a)| (i.as_str(), a.as_str())),
        );
    } else {
        controller();
    }
}
