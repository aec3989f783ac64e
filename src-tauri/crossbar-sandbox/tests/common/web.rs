//! Kazoo's web client as the sandbox sees it: requests from another origin, signed in the way
//! Monster UI signs in.

use super::{creds, Env};
use crossbar_sandbox::{DEMO_ACCOUNT_NAME, DEMO_PASSWORD, DEMO_USERNAME};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub const ORIGIN: &str = "http://localhost:3000";

/// A browser on another origin (Monster UI's), over real HTTP.
pub struct Web {
    pub base: String,
    pub http: reqwest::Client,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Web {
    pub fn new(sbx: &Env) -> Self {
        Self {
            base: sbx.sbx.base_url.clone(),
            http: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/v2/{path}", self.base)
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut r = self
            .http
            .request(method, self.url(path))
            .header("Origin", ORIGIN);
        if let Some(t) = token {
            r = r.header("X-Auth-Token", t);
        }
        if let Some(b) = body {
            r = r.json(&b);
        }
        let res = r.send().await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.send(Method::GET, path, Some(token), None).await
    }

    /// Sign in the way Monster UI does: md5("user:password") and the account name.
    pub async fn login_as(&self, account: &str, user: &str, pass: &str) -> Answer {
        self.send(
            Method::PUT,
            "user_auth",
            None,
            Some(json!({"data": {"credentials": creds(user, pass), "account_name": account, "method": "md5"}})),
        )
        .await
    }

    pub async fn token(&self) -> String {
        let a = self
            .login_as(DEMO_ACCOUNT_NAME, DEMO_USERNAME, DEMO_PASSWORD)
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
        a.body["auth_token"].as_str().unwrap().to_owned()
    }
}

/// RFC 4648 base64url without padding, as in a JWT.
pub fn base64url_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .unwrap()
}
