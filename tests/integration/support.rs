use crossbar::{AccountRef, BaseUrl, Client, ClientOptions, Credentials};
use crossbar_sandbox::{Config, Running, Seed, DEMO_ACCOUNT_NAME, DEMO_PASSWORD, DEMO_USERNAME};
use std::path::PathBuf;
use std::time::Duration;

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

pub struct Sandbox {
    pub running: Running,
    dir: tempfile::TempDir,
    ttl: Duration,
}

/// A stopped sandbox that can come back on the same address with the same data.
pub struct Stopped {
    addr: std::net::SocketAddr,
    dir: tempfile::TempDir,
    ttl: Duration,
}

pub async fn sandbox(seed: Seed, ttl_secs: u64) -> Sandbox {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::new(dir.path(), seed);
    cfg.token_ttl = Duration::from_secs(ttl_secs);
    let running = crossbar_sandbox::start(cfg).await.unwrap();
    Sandbox {
        running,
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
            dir: self.dir,
            ttl: self.ttl,
        }
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
            dir: self.dir,
            ttl: self.ttl,
        }
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

/// A desk over a fresh or existing cache folder, with the given secret store.
pub fn desk(
    url: &str,
    dir: &std::path::Path,
    secrets: std::sync::Arc<dyn desk_store::SecretStore>,
) -> desk_engine::Desk {
    let opened = desk_store::Cache::open(dir).unwrap();
    assert!(opened.notice.is_none());
    desk_engine::Desk::new(client(url), opened.cache, secrets, "test")
}
