//! An HTTP proxy on 127.0.0.1 in front of the sandbox. Tests point the app at it to count the
//! requests that really crossed the network (a top-up sent twice is two POSTs, whatever the
//! server then makes of them), to hold one request while the user keeps working, or to let a
//! request reach the server and lose its answer, as a dropped connection does.

use crate::faults::{Dice, Fault, Faults, Injected};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use parking_lot::Mutex;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};

/// Bodies larger than this are refused (the app never sends one).
const MAX_BODY: usize = 4 * 1024 * 1024;

/// One request as it crossed the proxy.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path and query, as sent.
    pub path: String,
    pub body: Vec<u8>,
    /// When it reached the proxy.
    pub at: std::time::Instant,
    /// The status the server answered, when the request reached it (whatever the client then
    /// heard).
    pub upstream: Option<u16>,
    /// The fault injected into it, if any.
    pub fault: Option<&'static str>,
}

impl Request {
    /// A `method` request whose path contains `path_part`.
    pub fn is(&self, method: &str, path_part: &str) -> bool {
        self.method == method && self.path.contains(path_part)
    }

    /// The body as JSON (`Null` when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_default()
    }
}

/// A request kept waiting at the proxy until [`Hold::release`].
#[derive(Clone)]
pub struct Hold {
    method: String,
    path_part: String,
    reached: Arc<Notify>,
    released: watch::Sender<bool>,
}

impl Hold {
    /// Wait until a matching request is being held.
    pub async fn reached(&self) {
        self.reached.notified().await;
    }

    /// Let held (and later) matching requests through.
    pub fn release(&self) {
        self.released.send_replace(true);
    }
}

/// (method, path part, bytes, taken so far).
type Unending = (String, String, u64, Arc<std::sync::atomic::AtomicU64>);

/// (method, path part, status, body, only once, extra headers).
type Canned = (String, String, u16, String, bool, Vec<(String, String)>);

struct Shared {
    upstream: String,
    client: reqwest::Client,
    seen: Mutex<Vec<Request>>,
    down: AtomicBool,
    lose: Mutex<Option<(String, String)>>,
    holds: Mutex<Vec<Hold>>,
    /// (path part, ms): how long a matching answer waits, once the server gave it, to go back.
    delays: Mutex<Vec<(String, u64)>>,
    /// Answered here instead of by the server.
    canned: Mutex<Vec<Canned>>,
    dice: Dice,
    /// Answered with an [`Endless`] body.
    endless: Mutex<Vec<Unending>>,
    /// Requests being relayed now, and the most there have been at once.
    in_flight: Mutex<(usize, usize)>,
}

pub struct Proxy {
    /// `http://127.0.0.1:PORT`, for the app's `--backend`.
    pub url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let url = format!("http://{}", listener.local_addr().expect("proxy address"));
        let shared = Arc::new(Shared {
            upstream: format!("http://{upstream}"),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("proxy client"),
            seen: Mutex::new(Vec::new()),
            down: AtomicBool::new(false),
            lose: Mutex::new(None),
            holds: Mutex::new(Vec::new()),
            delays: Mutex::new(Vec::new()),
            canned: Mutex::new(Vec::new()),
            dice: Dice::default(),
            endless: Mutex::new(Vec::new()),
            in_flight: Mutex::new((0, 0)),
        });
        let accept = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                if accept.down.load(Ordering::SeqCst) {
                    drop(socket); // as if the network were gone
                    continue;
                }
                let shared = accept.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| counted(shared.clone(), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(socket), service)
                        .await;
                });
            }
        });
        Proxy { url, shared, task }
    }

    /// The most requests that were being relayed at the same time.
    pub fn most_at_once(&self) -> usize {
        self.shared.in_flight.lock().1
    }

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<Request> {
        self.shared.seen.lock().clone()
    }

    /// How many `method` requests whose path contains `path_part` crossed the proxy.
    pub fn count(&self, method: &str, path_part: &str) -> usize {
        self.shared
            .seen
            .lock()
            .iter()
            .filter(|r| r.is(method, path_part))
            .count()
    }

    /// Cut the network (new connections are dropped, kept-alive ones die at their next
    /// request), or bring it back.
    pub fn set_down(&self, down: bool) {
        self.shared.down.store(down, Ordering::SeqCst);
    }

    /// The next `method` request whose path contains `path_part` reaches the server, but its
    /// answer never comes back, and the network goes down with it.
    pub fn lose_next_answer(&self, method: &str, path_part: &str) {
        *self.shared.lose.lock() = Some((method.to_owned(), path_part.to_owned()));
    }

    /// Answer matching requests with `status` and the JSON `body` instead of the server (a
    /// server that fails, or says something hostile).
    pub fn answer(&self, method: &str, path_part: &str, status: u16, body: serde_json::Value) {
        self.can(method, path_part, status, body, false);
    }

    /// The same for the next matching request only (a race lost once, say).
    pub fn answer_once(&self, method: &str, path_part: &str, status: u16, body: serde_json::Value) {
        self.can(method, path_part, status, body, true);
    }

    /// The same for the next matching request, with extra headers (`Retry-After`, say).
    pub fn answer_once_with(
        &self,
        method: &str,
        path_part: &str,
        status: u16,
        headers: &[(&str, &str)],
        body: serde_json::Value,
    ) {
        self.shared.canned.lock().push((
            method.to_owned(),
            path_part.to_owned(),
            status,
            body.to_string(),
            true,
            headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
        ));
    }

    fn can(&self, method: &str, path_part: &str, status: u16, body: serde_json::Value, once: bool) {
        self.shared.canned.lock().push((
            method.to_owned(),
            path_part.to_owned(),
            status,
            body.to_string(),
            once,
            Vec::new(),
        ));
    }

    /// Answer matching requests with `body` as it is (not JSON: an HTML page, JSON nested too
    /// deep for a value to hold).
    pub fn answer_text(&self, method: &str, path_part: &str, status: u16, body: String) {
        self.shared.canned.lock().push((
            method.to_owned(),
            path_part.to_owned(),
            status,
            body,
            false,
            Vec::new(),
        ));
    }

    /// Answer matching requests with a 200 whose JSON body goes on for `bytes` bytes, no
    /// length announced. Returns how many bytes the client has taken so far.
    pub fn answer_endless(
        &self,
        method: &str,
        path_part: &str,
        bytes: u64,
    ) -> Arc<std::sync::atomic::AtomicU64> {
        let taken = Arc::new(std::sync::atomic::AtomicU64::new(0));
        self.shared.endless.lock().push((
            method.to_owned(),
            path_part.to_owned(),
            bytes,
            taken.clone(),
        ));
        taken
    }

    /// Forget every canned answer: the server answers again.
    pub fn clear_canned(&self) {
        self.shared.canned.lock().clear();
    }

    /// Inject faults at random into every request from now on (`None`: stop).
    pub fn inject(&self, faults: Option<Faults>) {
        self.shared.dice.set(faults);
    }

    /// The faults injected so far.
    pub fn injected(&self) -> Injected {
        self.shared.dice.injected()
    }

    /// A slow way back: answers to requests whose path contains `path_part` ("" for all) wait
    /// `ms` after the server gave them (so a client killed at a random moment is often killed
    /// after the server acted and before it heard).
    pub fn delay_answers(&self, path_part: &str, ms: u64) {
        self.shared.delays.lock().push((path_part.to_owned(), ms));
    }

    /// Keep matching requests waiting (before they reach the server) until released.
    pub fn hold(&self, method: &str, path_part: &str) -> Hold {
        let hold = Hold {
            method: method.to_owned(),
            path_part: path_part.to_owned(),
            reached: Arc::new(Notify::new()),
            released: watch::Sender::new(false),
        };
        self.shared.holds.lock().push(hold.clone());
        hold
    }
}

type Body = http_body_util::Either<Full<Bytes>, Endless>;
type Reply = hyper::Response<Body>;

/// A body that goes on for `left` bytes (a broken or hostile server's 2 GB answer), counting
/// what the client has taken.
pub struct Endless {
    left: u64,
    chunk: Bytes,
    taken: Arc<std::sync::atomic::AtomicU64>,
}

impl hyper::body::Body for Endless {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        if self.left == 0 {
            return std::task::Poll::Ready(None);
        }
        let n = self.left.min(self.chunk.len() as u64);
        self.left -= n;
        self.taken.fetch_add(n, Ordering::SeqCst);
        let data = self.chunk.slice(..n as usize);
        std::task::Poll::Ready(Some(Ok(hyper::body::Frame::data(data))))
    }
}

fn full(bytes: Bytes) -> Body {
    http_body_util::Either::Left(Full::new(bytes))
}

/// An error closes the client's connection without an answer.
#[derive(Debug)]
struct Dropped(&'static str);

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Dropped {}

/// [`relay`], counted among the requests in flight.
async fn counted(shared: Arc<Shared>, req: hyper::Request<Incoming>) -> Result<Reply, Dropped> {
    {
        let mut n = shared.in_flight.lock();
        n.0 += 1;
        n.1 = n.1.max(n.0);
    }
    let reply = relay(shared.clone(), req).await;
    shared.in_flight.lock().0 -= 1;
    reply
}

async fn relay(shared: Arc<Shared>, req: hyper::Request<Incoming>) -> Result<Reply, Dropped> {
    if shared.down.load(Ordering::SeqCst) {
        return Err(Dropped("network down"));
    }
    let (parts, body) = req.into_parts();
    let body = Limited::new(body, MAX_BODY)
        .collect()
        .await
        .map_err(|_| Dropped("unreadable request body"))?
        .to_bytes();
    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
    let fault = shared.dice.draw(&path);
    let seen = Request {
        method: parts.method.as_str().to_owned(),
        path: path.clone(),
        body: body.to_vec(),
        at: std::time::Instant::now(),
        upstream: None,
        fault: fault.map(Fault::name),
    };
    let index = {
        let mut all = shared.seen.lock();
        all.push(seen.clone());
        all.len() - 1
    };
    let hold = shared
        .holds
        .lock()
        .iter()
        .find(|h| seen.is(&h.method, &h.path_part))
        .cloned();
    if let Some(h) = hold {
        h.reached.notify_one();
        let mut released = h.released.subscribe();
        let _ = released.wait_for(|r| *r).await;
    }
    let canned = {
        let mut canned = shared.canned.lock();
        let hit = canned.iter().position(|(m, p, ..)| seen.is(m, p));
        hit.map(|i| {
            let (_, _, status, body, once, headers) = canned[i].clone();
            if once {
                canned.remove(i);
            }
            (status, body, headers)
        })
    };
    if let Some((status, body, headers)) = canned {
        let mut reply = json_reply(status, body)?;
        for (name, value) in headers {
            let name = hyper::header::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Dropped("bad canned header"))?;
            let value = hyper::header::HeaderValue::from_str(&value)
                .map_err(|_| Dropped("bad canned header"))?;
            reply.headers_mut().insert(name, value);
        }
        return Ok(reply);
    }
    let endless = shared
        .endless
        .lock()
        .iter()
        .find(|(m, p, ..)| seen.is(m, p))
        .map(|(_, _, bytes, taken)| (*bytes, taken.clone()));
    if let Some((bytes, taken)) = endless {
        let mut chunk = b"{\"data\": {\"pad\": \"".to_vec();
        chunk.resize(64 * 1024, b'x');
        let mut reply = hyper::Response::new(http_body_util::Either::Right(Endless {
            left: bytes,
            chunk: Bytes::from(chunk),
            taken,
        }));
        reply.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static("application/json"),
        );
        return Ok(reply);
    }
    match fault {
        Some(Fault::Reset) => return Err(Dropped("connection reset on purpose")),
        Some(Fault::ErrorBefore) => {
            return json_reply(
                503,
                r#"{"status":"error","error":"503","message":"service unavailable","data":{}}"#
                    .into(),
            )
        }
        _ => {}
    }
    let lose = {
        let mut lose = shared.lose.lock();
        let hit = lose.as_ref().is_some_and(|(m, p)| seen.is(m, p));
        if hit {
            lose.take();
        }
        hit
    };
    let mut out = shared
        .client
        .request(parts.method.clone(), format!("{}{path}", shared.upstream))
        .body(body);
    for (name, value) in &parts.headers {
        if !matches!(name.as_str(), "host" | "content-length" | "connection") {
            out = out.header(name, value);
        }
    }
    let answer = out
        .send()
        .await
        .map_err(|_| Dropped("upstream unreachable"))?;
    let status = answer.status();
    shared.seen.lock()[index].upstream = Some(status.as_u16());
    let headers = answer.headers().clone();
    let bytes = answer
        .bytes()
        .await
        .map_err(|_| Dropped("upstream answer cut"))?;
    let delay = shared
        .delays
        .lock()
        .iter()
        .filter(|(p, _)| seen.path.contains(p.as_str()))
        .map(|(_, ms)| *ms)
        .max()
        .unwrap_or(0);
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    match (fault, shared.dice.latency()) {
        (Some(Fault::Slow), Some(latency)) => tokio::time::sleep(latency).await,
        (Some(Fault::Lost), _) => return Err(Dropped("answer lost on purpose")),
        (Some(Fault::ErrorAfter), _) => {
            let mut reply = hyper::Response::new(full(Bytes::from_static(
                b"<html><body><h1>504 Gateway Time-out</h1></body></html>",
            )));
            *reply.status_mut() = hyper::StatusCode::GATEWAY_TIMEOUT;
            return Ok(reply);
        }
        _ => {}
    }
    if lose {
        // The server has done it; the client never hears, and the network goes away.
        shared.down.store(true, Ordering::SeqCst);
        return Err(Dropped("answer lost on purpose"));
    }
    let mut reply = hyper::Response::new(full(bytes));
    *reply.status_mut() = status;
    for (name, value) in &headers {
        if !matches!(
            name.as_str(),
            "content-length" | "transfer-encoding" | "connection"
        ) {
            reply.headers_mut().append(name, value.clone());
        }
    }
    Ok(reply)
}

fn json_reply(status: u16, body: String) -> Result<Reply, Dropped> {
    let mut reply = hyper::Response::new(full(Bytes::from(body)));
    *reply.status_mut() =
        hyper::StatusCode::from_u16(status).map_err(|_| Dropped("bad canned status"))?;
    reply.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    Ok(reply)
}
