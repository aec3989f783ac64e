//! The HTTP machinery: one `reqwest` client, the session token, renewal on 401, retries.

use crate::auth::{AuthState, Session};
use crate::decode::{decode, Reply};
use crate::{ApiError, BaseUrl, Credentials, RetryAfter};
use desk_core::Secret;
use parking_lot::RwLock;
use reqwest::Method;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Whole-request limit.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Extra attempts for idempotent requests after a network error, timeout, 429 or 502–504.
    pub retries: u32,
    /// First backoff; doubles per attempt, plus jitter.
    pub backoff: Duration,
    /// A profile's own certificate authorities, trusted besides the operating system's store
    /// and Mozilla's roots: see [`ClientOptions::with_ca_file`].
    pub extra_roots: Vec<reqwest::Certificate>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(5),
            retries: 2,
            backoff: Duration::from_millis(300),
            extra_roots: Vec::new(),
        }
    }
}

impl ClientOptions {
    /// Also trust the certificate authorities in the PEM file at `path` (a company's own CA
    /// in front of the platform). The error is a sentence about the file.
    pub fn with_ca_file(mut self, path: &std::path::Path) -> Result<Self, String> {
        const MAX: u64 = 1024 * 1024;
        let too_big = std::fs::metadata(path).is_ok_and(|m| m.len() > MAX);
        if too_big {
            return Err(format!(
                "{} is larger than 1 MB: not a certificate file",
                path.display()
            ));
        }
        let pem =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        match reqwest::Certificate::from_pem_bundle(&pem) {
            Ok(certs) if !certs.is_empty() => {
                self.extra_roots = certs;
                Ok(self)
            }
            _ => Err(format!(
                "{} holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\")",
                path.display()
            )),
        }
    }
}

/// A value read from the server with the document revision and the request id.
#[derive(Debug, Clone)]
pub struct Fetched<T> {
    pub value: T,
    pub revision: Option<String>,
    pub request_id: Option<String>,
}

#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: BaseUrl,
    opts: ClientOptions,
    auth: RwLock<Option<AuthState>>,
    /// Serialises renewals so a burst of 401s signs in once.
    renewing: tokio::sync::Mutex<()>,
    /// The platform's release, from the last envelope that named one (`version`, "4.3.142").
    version: RwLock<Option<String>>,
}

impl Client {
    pub fn new(base: BaseUrl, opts: ClientOptions) -> Result<Self, ApiError> {
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .timeout(opts.timeout)
            .connect_timeout(opts.connect_timeout)
            // A redirect could lead a token to plain http or another host.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("AccountDesk/", env!("CARGO_PKG_VERSION")));
        if base.is_loopback() {
            builder = builder.no_proxy();
        }
        for ca in &opts.extra_roots {
            builder = builder.add_root_certificate(ca.clone());
        }
        let http = builder
            .build()
            .map_err(|e| ApiError::Network(format!("cannot start the HTTP client: {e}")))?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base,
                opts,
                auth: RwLock::new(None),
                renewing: tokio::sync::Mutex::new(()),
                version: RwLock::new(None),
            }),
        })
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    pub fn base(&self) -> &BaseUrl {
        &self.inner.base
    }

    /// The platform's release as its envelopes state it (`kz_util:kazoo_version/0`), once any
    /// answer has come.
    pub fn platform_version(&self) -> Option<String> {
        self.inner.version.read().clone()
    }

    /// Kazoo 4.2 and older: no `/ledgers/total`, `/services/topup` or `/services/summary`.
    pub fn is_before_43(&self) -> bool {
        self.platform_version()
            .as_deref()
            .and_then(release)
            .is_some_and(|v| v < (4, 3))
    }

    fn note_version(&self, reply: &Reply) {
        if let Some(v) = reply.body["version"]
            .as_str()
            .filter(|v| release(v).is_some())
        {
            let mut seen = self.inner.version.write();
            if seen.as_deref() != Some(v) {
                *seen = Some(v.chars().take(40).collect());
            }
        }
    }

    pub fn session(&self) -> Option<Session> {
        self.read_auth().as_ref().map(|a| a.session.clone())
    }

    pub(crate) fn read_auth(&self) -> parking_lot::RwLockReadGuard<'_, Option<AuthState>> {
        self.inner.auth.read()
    }

    pub(crate) fn set_auth(&self, state: Option<AuthState>) {
        *self.inner.auth.write() = state;
    }

    fn token(&self) -> Option<Secret> {
        self.read_auth().as_ref().map(|a| a.session.token.clone())
    }

    fn credentials(&self) -> Option<Credentials> {
        self.read_auth()
            .as_ref()
            .and_then(|a| a.credentials.clone())
    }

    /// An authenticated call. A 401 renews the session once with the stored credentials and
    /// resends; a second 401, or none to renew with, is [`ApiError::SessionExpired`].
    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Value>,
    ) -> Result<Reply, ApiError> {
        let expired = |meta| ApiError::SessionExpired { meta };
        let Some(token) = self.token() else {
            return Err(expired(Default::default()));
        };
        match self
            .send(method.clone(), path, query, Some(&token), body.as_ref())
            .await
        {
            Err(ApiError::BadCredentials { meta }) => {
                self.renew(&token).await.map_err(|e| match e {
                    ApiError::BadCredentials { .. } => expired(meta.clone()),
                    other => other,
                })?;
                let token = self.token().ok_or_else(|| expired(meta.clone()))?;
                match self
                    .send(method, path, query, Some(&token), body.as_ref())
                    .await
                {
                    Err(ApiError::BadCredentials { meta }) => Err(expired(meta)),
                    other => other,
                }
            }
            other => other,
        }
    }

    async fn renew(&self, stale: &Secret) -> Result<(), ApiError> {
        let _guard = self.inner.renewing.lock().await;
        if self.token().as_ref() != Some(stale) {
            return Ok(()); // another request already renewed it
        }
        let creds = self.credentials().ok_or(ApiError::BadCredentials {
            meta: Default::default(),
        })?;
        tracing::info!("session expired; signing in again with the stored credentials");
        let renewed = self.authenticate(creds).await.map(|_| ());
        if matches!(
            renewed,
            Err(ApiError::BadCredentials { .. } | ApiError::SecondFactor { .. })
        ) {
            // They no longer work (a changed password): trying them again on every poll could
            // lock the user out, so they are dropped and the user is asked.
            tracing::warn!("the stored credentials were refused; asking the user to sign in");
            if let Some(a) = self.inner.auth.write().as_mut() {
                a.credentials = None;
            }
        }
        renewed
    }

    /// One request with retries for idempotent methods.
    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        token: Option<&Secret>,
        body: Option<&Value>,
    ) -> Result<Reply, ApiError> {
        let url = self.inner.base.join(path)?;
        let idempotent = method == Method::GET;
        let mut attempt = 0;
        loop {
            let mut req = self
                .inner
                .http
                .request(method.clone(), url.clone())
                .query(query);
            if let Some(t) = token {
                req = req.header("X-Auth-Token", t.expose());
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            let result = match req.send().await {
                Ok(res) => {
                    let status = res.status().as_u16();
                    let request_id = res
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    let retry_after = res
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(RetryAfter::parse);
                    match capped_body(res).await {
                        Ok(bytes) => decode(status, request_id, &bytes)
                            .map_err(|e| e.with_retry_after(retry_after)),
                        Err(e) => Err(e),
                    }
                    .inspect(|reply| self.note_version(reply))
                }
                Err(e) => Err(transport(e)),
            };
            tracing::debug!(
                method = %method,
                path,
                outcome = result.as_ref().map_or_else(|e| e.code(), |_| "ok"),
                "crossbar request"
            );
            let retryable = matches!(
                &result,
                Err(ApiError::Network(_) | ApiError::Timeout | ApiError::TooManyRequests { .. })
            ) || matches!(&result, Err(ApiError::Server { meta }) if matches!(meta.status, 502..=504));
            if !(idempotent && retryable && attempt < self.inner.opts.retries) {
                return result;
            }
            let base = self.inner.opts.backoff * 2u32.pow(attempt);
            let jitter = base.mul_f64(rand::random::<f64>() / 2.0);
            let wait = match result.as_ref().err().and_then(ApiError::retry_after) {
                // The server said how long: a short wait is kept here, a long one (or a date,
                // measured on the caller's clock) is the caller's to keep.
                Some(RetryAfter::Seconds(s)) if s <= MAX_INLINE_WAIT => Duration::from_secs(s),
                Some(_) => return result,
                None => base + jitter,
            };
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }
}

/// The longest `Retry-After` a read waits for before giving up on its own.
const MAX_INLINE_WAIT: u64 = 5;

/// Kazoo's largest answers (a page of a listing, an account document) are far smaller; a
/// server sending more is broken or hostile, and is not read into memory.
pub(crate) const MAX_BODY: usize = 16 * 1024 * 1024;

/// The body of `res`, read as it arrives and refused past [`MAX_BODY`].
pub(crate) async fn capped_body(mut res: reqwest::Response) -> Result<Vec<u8>, ApiError> {
    let status = res.status().as_u16();
    let too_big = || ApiError::Decode {
        detail: format!("the answer is larger than {} MB", MAX_BODY / (1024 * 1024)),
        meta: crate::ErrorMeta {
            status,
            message: "answer too large".into(),
            request_id: None,
            retry_after: None,
        },
    };
    if res.content_length().is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_big());
    }
    let mut body = Vec::new();
    while let Some(chunk) = res.chunk().await.map_err(transport)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(too_big());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// What TLS said of the server's certificate, if that is why the request failed.
fn certificate_problem(e: &reqwest::Error) -> Option<String> {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if text.contains("certificate") {
            return Some(text.chars().take(200).collect());
        }
        source = s.source();
    }
    None
}

/// "4.3.142" → (4, 3). A build outside git reports "4.0.0", which says nothing: unknown.
fn release(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    (version != "4.0.0").then_some((major, minor))
}

pub(crate) fn transport(e: reqwest::Error) -> ApiError {
    if e.is_timeout() {
        ApiError::Timeout
    } else if let Some(why) = certificate_problem(&e) {
        ApiError::Network(format!(
            "the server's certificate is not trusted ({why}). If your organisation uses its own \
             certificate authority, add it to this computer's certificate store or choose its \
             file under Certificate authority when signing in"
        ))
    } else if e.is_connect() {
        ApiError::Network("the connection was refused or the host is unreachable".into())
    } else {
        // Without the URL: it is already known to the caller and may carry query parameters.
        ApiError::Network(e.without_url().to_string())
    }
}
