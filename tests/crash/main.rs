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

mod phases;
mod work;

use phases::*;
use work::*;

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
