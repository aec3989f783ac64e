//! A sandbox over real HTTP for the tests, and a plain HTTP client (not Account Desk's).
#![allow(dead_code)]

pub mod web;

use crossbar_sandbox::platform::Platform;
use crossbar_sandbox::{seed::account_id, start, Config, Running, Seed, DEMO_ACCOUNT_NAME};
use md5::{Digest, Md5};
use serde_json::Value;
use std::time::Duration;

/// The instant a pinned sandbox starts at.
pub const NOW: &str = "2026-11-18T15:05:00Z";

pub struct Env {
    pub sbx: Running,
    pub http: reqwest::Client,
    dir: tempfile::TempDir,
    ttl: Duration,
}

pub async fn env(seed: Seed, ttl: u64) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::new(dir.path(), seed);
    cfg.token_ttl = Duration::from_secs(ttl);
    launch(cfg, dir).await
}

/// A sandbox on a clock pinned at [`NOW`], its tokens living `ttl` seconds.
pub async fn env_pinned(seed: Seed, ttl: u64) -> Env {
    pinned(seed, ttl, NOW, Platform::default()).await
}

/// The demo on a pinned clock (`at`, RFC 3339) playing `platform`.
pub async fn demo_at(at: &str, platform: Platform) -> Env {
    pinned(Seed::Demo, 3600, at, platform).await
}

async fn pinned(seed: Seed, ttl: u64, at: &str, platform: Platform) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::new(dir.path(), seed);
    cfg.token_ttl = Duration::from_secs(ttl);
    cfg.start_at = Some(
        chrono::DateTime::parse_from_rfc3339(at)
            .unwrap()
            .timestamp(),
    );
    cfg.platform = platform;
    launch(cfg, dir).await
}

async fn launch(cfg: Config, dir: tempfile::TempDir) -> Env {
    let ttl = cfg.token_ttl;
    let sbx = start(cfg).await.unwrap();
    Env {
        sbx,
        http: reqwest::Client::new(),
        dir,
        ttl,
    }
}

pub fn creds(user: &str, pass: &str) -> String {
    hex::encode(Md5::digest(format!("{user}:{pass}").as_bytes()))
}

pub fn reseller() -> String {
    account_id(DEMO_ACCOUNT_NAME)
}

impl Env {
    /// Stop the sandbox and start it again on the same address over the same data.
    pub async fn restart(self) -> Env {
        let addr = self.sbx.addr;
        self.sbx.stop().await;
        let mut cfg = Config::new(self.dir.path(), Seed::Empty);
        cfg.listen = addr;
        cfg.token_ttl = self.ttl;
        launch(cfg, self.dir).await
    }

    /// Move the sandbox's clock on (`PUT /sandbox/clock`).
    pub async fn advance(&self, secs: i64) {
        let res = self
            .http
            .put(format!("{}/sandbox/clock", self.sbx.base_url))
            .json(&serde_json::json!({"data": {"advance_seconds": secs}}))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{}", res.status());
    }

    /// Now on the sandbox's clock, in Unix seconds.
    pub async fn now(&self) -> i64 {
        let res = self
            .http
            .get(format!("{}/sandbox/clock", self.sbx.base_url))
            .send()
            .await
            .unwrap();
        let body: Value = res.json().await.unwrap();
        body["data"]["unix"].as_i64().unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/v2/{path}", self.sbx.base_url)
    }

    pub async fn login_as(&self, account: &str) -> String {
        let res = self
            .http
            .put(self.url("user_auth"))
            .json(&serde_json::json!({"data": {"credentials": creds("admin", "demo"), "account_name": account}}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let body: Value = res.json().await.unwrap();
        body["auth_token"].as_str().unwrap().to_owned()
    }

    pub async fn req(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut r = self
            .http
            .request(method, self.url(path))
            .header("X-Auth-Token", token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let res = r.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        self.req(reqwest::Method::GET, path, token, None).await
    }
}

pub const GREGORIAN: i64 = 62_167_219_200;
pub const DAY: i64 = 86_400;

/// [`NOW`] in Gregorian seconds, as Kazoo stamps documents.
pub fn now() -> i64 {
    chrono::DateTime::parse_from_rfc3339(NOW)
        .unwrap()
        .timestamp()
        + GREGORIAN
}

/// The demo at [`NOW`], signed in as the reseller's admin.
pub async fn demo() -> (Env, String) {
    let e = demo_at(NOW, Platform::default()).await;
    let t = e.login_as(DEMO_ACCOUNT_NAME).await;
    (e, t)
}

/// A listing's `created_from`/`created_to` query.
pub fn range(from: i64, to: i64) -> String {
    format!("created_from={from}&created_to={to}")
}

/// Every row of a paged listing, following `next_start_key`; the pages' sizes.
pub async fn all_pages(e: &Env, path: &str, t: &str) -> (Vec<Value>, Vec<Value>) {
    let (mut rows, mut sizes, mut key) = (Vec::new(), Vec::new(), None::<String>);
    loop {
        let url = match &key {
            Some(k) => format!("{path}&start_key={k}"),
            None => path.to_owned(),
        };
        let (s, body) = e.get(&url, t).await;
        assert_eq!(s, 200, "{url}: {body}");
        rows.extend(body["data"].as_array().unwrap().iter().cloned());
        sizes.push(body["page_size"].clone());
        match body["next_start_key"].as_str() {
            Some(k) => key = Some(k.to_owned()),
            None => return (rows, sizes),
        }
        assert!(sizes.len() < 100, "paging never ends");
    }
}
