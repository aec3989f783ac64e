//! A sandbox over real HTTP for the tests, and a plain HTTP client (not Account Desk's).
#![allow(dead_code)]

use crossbar_sandbox::platform::Platform;
use crossbar_sandbox::{seed::account_id, start, Config, Running, Seed, DEMO_ACCOUNT_NAME};
use md5::{Digest, Md5};
use serde_json::Value;
use std::time::Duration;

pub struct Env {
    pub sbx: Running,
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
}

pub async fn env(seed: Seed, ttl: u64) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::new(dir.path(), seed);
    cfg.token_ttl = Duration::from_secs(ttl);
    launch(cfg, dir).await
}

/// The demo on a pinned clock (`at`, RFC 3339) playing `platform`.
pub async fn demo_at(at: &str, platform: Platform) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::new(dir.path(), Seed::Demo);
    cfg.start_at = Some(
        chrono::DateTime::parse_from_rfc3339(at)
            .unwrap()
            .timestamp(),
    );
    cfg.platform = platform;
    launch(cfg, dir).await
}

async fn launch(cfg: Config, dir: tempfile::TempDir) -> Env {
    let sbx = start(cfg).await.unwrap();
    Env {
        sbx,
        http: reqwest::Client::new(),
        _dir: dir,
    }
}

pub fn creds(user: &str, pass: &str) -> String {
    hex::encode(Md5::digest(format!("{user}:{pass}").as_bytes()))
}

pub fn reseller() -> String {
    account_id(DEMO_ACCOUNT_NAME)
}

impl Env {
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
