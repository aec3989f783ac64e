use chrono::{DateTime, Utc};
use crossbar::{AccountRef, BaseUrl, Client, ClientOptions, Credentials};
use crossbar_sandbox::platform::Platform;
use crossbar_sandbox::{Config, Running, Seed, DEMO_ACCOUNT_NAME, DEMO_PASSWORD, DEMO_USERNAME};
use desk_engine::Clock;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Where a test's clocks start unless it picks an instant of its own: a Wednesday in the middle
/// of a month, no seeded zone within an hour of midnight. No test reads today's date.
pub const NOW: &str = "2026-11-18T15:05:00Z";

pub fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .with_timezone(&Utc)
}

/// Kazoo's published schemas and examples, beside the project (never copied into it).
pub fn reference_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/kazoo");
    assert!(
        dir.is_dir(),
        "Kazoo reference files not found at {}",
        dir.display()
    );
    dir
}

/// A sandbox and the clock the desks that talk to it keep: both start at the same instant and
/// move forward together ([`Sandbox::advance`]).
pub struct Sandbox {
    pub running: Running,
    pub clock: Arc<Clock>,
    dir: tempfile::TempDir,
    ttl: Duration,
}

/// A stopped sandbox that can come back on the same address with the same data.
pub struct Stopped {
    addr: std::net::SocketAddr,
    clock: Arc<Clock>,
    dir: tempfile::TempDir,
    ttl: Duration,
}

pub async fn sandbox(seed: Seed, ttl_secs: u64) -> Sandbox {
    sandbox_at(seed, ttl_secs, NOW).await
}

/// A sandbox whose clock (and its desks') starts at `at`, its seed built around that instant.
pub async fn sandbox_at(seed: Seed, ttl_secs: u64, at: &str) -> Sandbox {
    sandbox_playing(seed, ttl_secs, at, Platform::default()).await
}

/// The same, playing another Kazoo release or a platform without a payment bookkeeper.
pub async fn sandbox_playing(seed: Seed, ttl_secs: u64, at: &str, platform: Platform) -> Sandbox {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(Clock::starting_at(instant(at)));
    let mut cfg = Config::new(dir.path(), seed);
    cfg.token_ttl = Duration::from_secs(ttl_secs);
    cfg.platform = platform;
    cfg.start_at = Some(clock.now().timestamp());
    let running = crossbar_sandbox::start(cfg).await.unwrap();
    Sandbox {
        running,
        clock,
        dir,
        ttl: Duration::from_secs(ttl_secs),
    }
}

impl Sandbox {
    pub async fn stop(self) -> Stopped {
        let addr = self.running.addr;
        self.running.stop().await;
        Stopped {
            addr,
            clock: self.clock,
            dir: self.dir,
            ttl: self.ttl,
        }
    }

    /// A desk on this sandbox's clock, talking to `url` (the sandbox, or a proxy in front).
    pub fn desk_at(
        &self,
        url: &str,
        dir: &std::path::Path,
        secrets: Arc<dyn desk_store::SecretStore>,
    ) -> desk_engine::Desk {
        desk(&self.clock, url, dir, secrets)
    }

    pub fn desk(
        &self,
        dir: &std::path::Path,
        secrets: Arc<dyn desk_store::SecretStore>,
    ) -> desk_engine::Desk {
        self.desk_at(&self.running.base_url, dir, secrets)
    }

    /// A desk through `url` signed in as `who`'s admin (then its top level), its tree synced.
    pub async fn signed_in(
        &self,
        url: &str,
        dir: &std::path::Path,
        secrets: Arc<dyn desk_store::SecretStore>,
        who: &str,
    ) -> desk_engine::Desk {
        let d = self.desk_at(url, dir, secrets);
        d.sign_in(login(who), false).await.unwrap();
        d.sync_tree().await.unwrap();
        d
    }

    /// Let `secs` pass on the server and on every desk of this sandbox at once.
    pub async fn advance(&self, secs: i64) {
        let res = reqwest::Client::new()
            .put(format!("{}/sandbox/clock", self.running.base_url))
            .json(&serde_json::json!({"data": {"advance_seconds": secs}}))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{}", res.status());
        self.clock.advance(chrono::Duration::seconds(secs));
    }

    /// Now, as the sandbox and its desks see it.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

impl Stopped {
    pub async fn start(self) -> Sandbox {
        let mut cfg = Config::new(self.dir.path(), Seed::Empty);
        cfg.listen = self.addr;
        cfg.token_ttl = self.ttl;
        let running = crossbar_sandbox::start(cfg).await.unwrap();
        Sandbox {
            running,
            clock: self.clock,
            dir: self.dir,
            ttl: self.ttl,
        }
    }

    pub fn clock(&self) -> &Arc<Clock> {
        &self.clock
    }
}

/// A second client, signed in as the reseller: someone else changing things on the server.
pub async fn someone_else(url: &str) -> Client {
    let c = client(url);
    c.sign_in(demo_login()).await.unwrap();
    c
}

pub fn client(url: &str) -> Client {
    let opts = ClientOptions {
        backoff: Duration::from_millis(20),
        ..ClientOptions::default()
    };
    Client::new(BaseUrl::parse(url).unwrap(), opts).unwrap()
}

pub fn login(account: &str) -> Credentials {
    Credentials::password(
        AccountRef::Name(account.into()),
        DEMO_USERNAME,
        DEMO_PASSWORD,
    )
}

pub fn demo_login() -> Credentials {
    login(DEMO_ACCOUNT_NAME)
}

pub fn id(name: &str) -> desk_core::AccountId {
    desk_core::AccountId::parse(&crossbar_sandbox::seed::account_id(name)).unwrap()
}

/// A desk over a fresh or existing cache folder, with the given secret store and clock.
pub fn desk(
    clock: &Arc<Clock>,
    url: &str,
    dir: &std::path::Path,
    secrets: Arc<dyn desk_store::SecretStore>,
) -> desk_engine::Desk {
    // A desk dropped a moment ago (a restart in the same process) is waited for by the cache.
    let opened = desk_store::Cache::open(dir).unwrap();
    assert!(opened.notice.is_none());
    desk_engine::Desk::new(client(url), opened.cache, secrets, "test").with_clock(clock.clone())
}

/// Poll `check` until it holds (background work), for up to 10 seconds.
pub async fn eventually<F, Fut>(what: &str, check: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = std::time::Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "never happened: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Add credit whose answer the network loses after the server took it (and the network goes
/// down with it): the app must say it could not confirm. Returns the dialog's intent.
pub async fn lost_payment(
    dk: &desk_engine::Desk,
    proxy: &desk_testkit::Proxy,
    amount: &str,
) -> String {
    proxy.lose_next_answer("POST", "/services/topup");
    let intent = dk.new_credit_intent();
    let o = dk
        .add_credit(id(DEMO_ACCOUNT_NAME).as_str(), &intent, amount)
        .await
        .unwrap();
    assert_eq!(o.state, desk_engine::IntentState::Unknown, "{o:?}");
    assert!(
        o.message.contains("will not be charged twice"),
        "{}",
        o.message
    );
    intent
}

/// The demo platform (tokens living `ttl` seconds) behind a proxy, and the reseller's desk
/// signed in through it on a fresh cache.
pub async fn through_proxy(
    ttl: u64,
) -> (
    Sandbox,
    desk_testkit::Proxy,
    desk_engine::Desk,
    tempfile::TempDir,
) {
    let sbx = sandbox(Seed::Demo, ttl).await;
    let proxy = desk_testkit::Proxy::start(sbx.running.addr).await;
    let dir = tempfile::tempdir().unwrap();
    let dk = sbx
        .signed_in(
            &proxy.url,
            dir.path(),
            Arc::new(desk_store::MemoryStore::default()),
            DEMO_ACCOUNT_NAME,
        )
        .await;
    (sbx, proxy, dk, dir)
}
