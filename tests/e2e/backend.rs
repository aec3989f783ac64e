//! A sandbox backend the tests talk to directly: to set things up, to change things behind the
//! app's back, and to check what the app really sent.

use crossbar::{AccountRef, BaseUrl, Client, ClientOptions, Credentials};
use crossbar_sandbox::{seed::account_id, Config, Running, Seed, DEMO_ACCOUNT_NAME};
use desk_core::{AccountDoc, AccountId, TrunkLimits};
use std::future::Future;
use std::time::{Duration, Instant};

pub struct Backend {
    pub running: Running,
    pub dir: tempfile::TempDir,
    pub admin: Client,
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
        let mut cfg = Config::new(dir.path(), seed);
        cfg.token_ttl = Duration::from_secs(ttl_secs);
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
        }
    }

    pub fn url(&self) -> String {
        self.running.base_url.clone()
    }

    /// Stop serving; `restart` brings the same data back on the same address.
    pub async fn stop(self) -> (tempfile::TempDir, std::net::SocketAddr) {
        let addr = self.running.addr;
        self.running.stop().await;
        (self.dir, addr)
    }

    pub async fn restart((dir, addr): (tempfile::TempDir, std::net::SocketAddr)) -> Backend {
        Self::start_in(dir, Some(addr), 3600, Seed::Demo).await
    }

    /// The account seeded as `name` (its id is derived from the seed name, so this still finds
    /// it after a rename).
    pub async fn account(&self, name: &str) -> AccountDoc {
        self.admin.get_account(&id(name)).await.unwrap().value
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
