//! Crash safety: cycles of "edit, `kill -9` at a random moment, restart". Every edit the engine
//! acknowledged as saved locally must still be in the outbox afterwards, and the cache must
//! always open cleanly (never moved aside as damaged).
//!
//! One binary plays both parts: run without arguments it is the controller; with `--writer DIR
//! N` it is the child that keeps saving edits (offline) and prints `ACK <account> <n>` after each
//! one is durable. Runs as a plain program (`harness = false`) so it can re-launch itself.

use crossbar::{AccountRef, BaseUrl, Client, ClientOptions, Credentials};
use crossbar_sandbox::{seed::account_id, Config, Seed, DEMO_ACCOUNT_NAME};
use desk_engine::Desk;
use desk_store::{Cache, DocKind, MemoryStore};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

const CYCLES: usize = 60;
const ACCOUNTS: [&str; 3] = ["Bayside Realty", "Cape Coast Solar", "Kiwi Outdoor Gear"];

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// A desk whose server never answers: every save stays in the outbox.
fn offline_desk(dir: &Path) -> Result<Desk, String> {
    let opened = Cache::open(dir).map_err(|e| e.to_string())?;
    if let Some(notice) = opened.notice {
        return Err(format!("cache did not open cleanly: {notice}"));
    }
    let opts = ClientOptions {
        retries: 0,
        connect_timeout: Duration::from_millis(50),
        ..ClientOptions::default()
    };
    let client = Client::new(
        BaseUrl::parse("http://127.0.0.1:9").map_err(|e| e.to_string())?,
        opts,
    )
    .map_err(|e| e.to_string())?;
    Ok(Desk::new(
        client,
        opened.cache,
        Arc::new(MemoryStore::default()),
        "crash",
    ))
}

fn writer(dir: &Path, mut n: u64) {
    runtime().block_on(async {
        let desk = match offline_desk(dir) {
            Ok(d) => d,
            Err(e) => {
                println!("BROKEN {e}");
                std::process::exit(3);
            }
        };
        // Load the phone metadata first (slow in debug builds) so kills land mid-edit.
        desk_core::phone::warm_up();
        println!("READY");
        loop {
            for name in ACCOUNTS {
                let id = account_id(name);
                let mut form = desk
                    .cached_account(&id)
                    .expect("cached")
                    .expect("cached account")
                    .form;
                form.tech_name = format!("edit {n}");
                desk.save_account(&id, &form).await.expect("save");
                // Only now, after the flush inside save_account, is the edit acknowledged.
                println!("ACK {id} {n}");
                n += 1;
            }
        }
    })
}

/// Prepare a cache with the tree and three accounts, as a signed-in session would leave it.
fn seed(dir: &Path) {
    runtime().block_on(async {
        let backend = tempfile::tempdir().unwrap();
        let sbx = crossbar_sandbox::start(Config::new(backend.path(), Seed::Demo))
            .await
            .unwrap();
        let opened = Cache::open(dir).unwrap();
        let client = Client::new(
            BaseUrl::parse(&sbx.base_url).unwrap(),
            ClientOptions::default(),
        )
        .unwrap();
        let desk = Desk::new(
            client,
            opened.cache,
            Arc::new(MemoryStore::default()),
            "crash",
        );
        desk.sign_in(
            Credentials::password(AccountRef::Name(DEMO_ACCOUNT_NAME.into()), "admin", "demo"),
            false,
        )
        .await
        .unwrap();
        desk.sync_tree().await.unwrap();
        for name in ACCOUNTS {
            desk.account(&account_id(name)).await.unwrap();
        }
        sbx.stop().await;
    });
}

/// A small xorshift: random kill moments without another dependency.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn controller() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let seed_time = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut rng = Rng(seed_time | 1);
    let mut acked: HashMap<String, u64> = HashMap::new();
    let (mut next, mut total_acks, mut lost) = (0u64, 0usize, Vec::new());
    let started = Instant::now();
    for cycle in 0..CYCLES {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .arg("--writer")
            .arg(dir.path())
            .arg(next.to_string())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        match lines.next() {
            Some(Ok(l)) if l == "READY" => {}
            other => panic!("cycle {cycle}: the writer did not start cleanly: {other:?}"),
        }
        let reader =
            std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<String>>());
        std::thread::sleep(Duration::from_millis(1 + rng.below(400)));
        child.kill().unwrap(); // SIGKILL: no destructors, no flush
        child.wait().unwrap();
        for line in reader.join().unwrap() {
            let mut parts = line.split(' ');
            if let (Some("ACK"), Some(id), Some(n)) = (parts.next(), parts.next(), parts.next()) {
                let n: u64 = n.parse().unwrap();
                acked.insert(id.to_owned(), n);
                next = next.max(n + 1);
                total_acks += 1;
            }
        }
        // Restart: the cache must open cleanly and hold every acknowledged edit (or a later one).
        let opened = Cache::open(dir.path())
            .unwrap_or_else(|e| panic!("cycle {cycle}: cache does not open: {e}"));
        assert!(
            opened.notice.is_none(),
            "cycle {cycle}: cache was damaged: {:?}",
            opened.notice
        );
        for (id, n) in &acked {
            let kept = opened
                .cache
                .pending(id, DocKind::Account)
                .unwrap()
                .and_then(|e| {
                    e.fields
                        .into_iter()
                        .find(|f| f.path == "contact.technical.name")
                })
                .and_then(|f| f.mine)
                .and_then(|v| {
                    v.as_str()
                        .and_then(|s| s.strip_prefix("edit "))
                        .and_then(|s| s.parse::<u64>().ok())
                });
            if kept.is_none_or(|k| k < *n) {
                lost.push(format!(
                    "cycle {cycle}: {id} acknowledged edit {n}, outbox has {kept:?}"
                ));
            }
        }
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "crash loop: {CYCLES} cycles of edit + kill -9 + restart, {total_acks} acknowledged edits, {} lost, cache opened cleanly every time ({:.1} s)",
        lost.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        total_acks >= CYCLES,
        "too few edits were made to mean anything: {total_acks}"
    );
    assert!(
        lost.is_empty(),
        "acknowledged edits lost:\n{}",
        lost.join("\n")
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--writer") {
        writer(Path::new(&args[2]), args[3].parse().unwrap());
    } else {
        controller();
    }
}
