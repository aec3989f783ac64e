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
    _dir: tempfile::TempDir,
}

pub async fn sandbox(seed: Seed, ttl_secs: u64) -> Sandbox {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::new(dir.path(), seed);
    cfg.token_ttl = Duration::from_secs(ttl_secs);
    let running = crossbar_sandbox::start(cfg).await.unwrap();
    Sandbox { running, _dir: dir }
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
