//! A sandbox backend the tests talk to directly: to set things up, to change things behind the
//! app's back, and to check what the app really sent.

use chrono::{DateTime, Utc};
use crossbar::{AccountRef, BaseUrl, Client, ClientOptions, Credentials};
use crossbar_sandbox::{seed::account_id, Config, Running, Seed, DEMO_ACCOUNT_NAME};
use desk_core::{AccountDoc, AccountId, TrunkLimits};
use desk_engine::Clock;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where the end-to-end tests' clocks start: the 1st of a month (the day CI once failed on),
/// mid-afternoon in UTC so no seeded zone is within the hour before its midnight. The app is
/// started on the same clock (`--clock`), so nothing depends on today's date.
pub const E2E_NOW: &str = "2026-12-01T15:05:00Z";

pub fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .with_timezone(&Utc)
}

pub struct Backend {
    pub running: Running,
    pub dir: tempfile::TempDir,
    pub admin: Client,
    /// The sandbox's clock, kept here too: the app is launched on it.
    pub clock: Arc<Clock>,
}

pub fn id(name: &str) -> AccountId {
    AccountId::parse(&account_id(name)).unwrap()
}

impl Backend {
    pub async fn start(ttl_secs: u64) -> Backend {
        Self::start_in(tempfile::tempdir().unwrap(), None, ttl_secs, Seed::Demo).await
    }

    pub async fn start_seeded(seed: Seed) -> Backend {
        Self::start_in(tempfile::tempdir().unwrap(), None, 3600, seed).await
    }

    async fn start_in(
        dir: tempfile::TempDir,
        listen: Option<std::net::SocketAddr>,
        ttl_secs: u64,
        seed: Seed,
    ) -> Backend {
        let clock = Arc::new(Clock::starting_at(instant(E2E_NOW)));
        Self::start_on(dir, listen, ttl_secs, seed, clock).await
    }

    async fn start_on(
        dir: tempfile::TempDir,
        listen: Option<std::net::SocketAddr>,
        ttl_secs: u64,
        seed: Seed,
        clock: Arc<Clock>,
    ) -> Backend {
        let mut cfg = Config::new(dir.path(), seed);
        cfg.token_ttl = Duration::from_secs(ttl_secs);
        cfg.start_at = Some(clock.now().timestamp());
        if let Some(addr) = listen {
            cfg.listen = addr;
        }
        let running = crossbar_sandbox::start(cfg).await.unwrap();
        let admin = Client::new(
            BaseUrl::parse(&running.base_url).unwrap(),
            ClientOptions::default(),
        )
        .unwrap();
        admin
            .sign_in(Credentials::password(
                AccountRef::Name(DEMO_ACCOUNT_NAME.into()),
                "admin",
                "demo",
            ))
            .await
            .unwrap();
        Backend {
            running,
            dir,
            admin,
            clock,
        }
    }

    pub fn url(&self) -> String {
        self.running.base_url.clone()
    }

    /// Now, on the sandbox's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Stop serving; `restart` brings the same data back on the same address.
    pub async fn stop(self) -> Stopped {
        let addr = self.running.addr;
        self.running.stop().await;
        Stopped {
            dir: self.dir,
            addr,
            clock: self.clock,
        }
    }

    pub async fn restart(stopped: Stopped) -> Backend {
        Self::start_on(
            stopped.dir,
            Some(stopped.addr),
            3600,
            Seed::Demo,
            stopped.clock,
        )
        .await
    }

    /// The account seeded as `name` (its id is derived from the seed name, so this still finds
    /// it after a rename).
    pub async fn account(&self, name: &str) -> AccountDoc {
        self.admin.get_account(&id(name)).await.unwrap().value
    }

    /// A reseller's credit or debit (`way`) on the account seeded as `name`, behind the app's
    /// back.
    pub async fn adjust(&self, name: &str, way: &str, amount: f64, description: &str) {
        let token = self.admin.session().unwrap().token;
        let res = reqwest::Client::new()
            .put(format!(
                "{}/v2/accounts/{}/ledgers/{way}",
                self.url(),
                id(name)
            ))
            .header("X-Auth-Token", token.expose())
            .json(&serde_json::json!({"data": {"amount": amount, "description": description}}))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{}", res.status());
    }

    pub async fn trunks(&self, name: &str) -> TrunkLimits {
        self.admin
            .get_limits(&id(name))
            .await
            .unwrap()
            .value
            .trunks()
    }
}

/// A backend that stopped serving and can come back with the same data, address and clock.
pub struct Stopped {
    dir: tempfile::TempDir,
    addr: std::net::SocketAddr,
    clock: Arc<Clock>,
}

impl Stopped {
    /// Change a stored document (`accounts/<id>.json`, `books/<id>.json`, …) while the server is
    /// down: how values its validation would refuse get there (older tools, imports).
    pub fn edit_file(&self, relative: &str, change: impl FnOnce(&mut serde_json::Value)) {
        let path = self.dir.path().join(relative);
        let mut doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        change(&mut doc);
        std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
    }
}

/// Poll `check` until it is true (the app pushes in the background).
pub async fn eventually<F, Fut>(what: &str, check: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never happened: {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
