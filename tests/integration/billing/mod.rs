//! Money through the engine against the sandbox, on pinned clocks: cards via the processor
//! stand-in, credit sent once per intent even when the answer is lost (counted at a proxy, not
//! trusted to the server), billing settings that leave every other key alone, proration at fixed
//! instants against amounts worked out by hand, usage with hand-computed balances and a CSV a
//! spreadsheet can sum, balance alerts across restarts, the demo on any date, and the sandbox's
//! own billing clock (monthly charges, auto top-up once per 24 hours).

mod alerts;
mod payments;
mod proration;
mod usage;

use crate::support::{
    eventually, id, login, lost_payment, sandbox, sandbox_at, someone_else, Sandbox,
};
use chrono::{Duration as Days, NaiveDate, TimeZone};
use crossbar::Client;
use crossbar_sandbox::{Seed, DEMO_ACCOUNT_NAME};
use desk_engine::{BillingSettingsForm, CardEntry, Desk, IntentState, TrunksForm};
use desk_store::{MemoryStore, SecretStore};
use desk_testkit::{files_under, find_secrets, Proxy};
use rust_decimal::Decimal;
use serde_json::json;
use std::sync::Arc;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

async fn signed_in(
    sbx: &Sandbox,
    url: &str,
    dir: &std::path::Path,
    secrets: Arc<dyn SecretStore>,
) -> Desk {
    sbx.signed_in(url, dir, secrets, DEMO_ACCOUNT_NAME).await
}

/// The demo platform, the reseller's desk on a fresh cache, and a second session to check the
/// server with.
struct Setup {
    sbx: Sandbox,
    dir: tempfile::TempDir,
    secrets: Arc<MemoryStore>,
    dk: Desk,
    admin: Client,
}

async fn setup() -> Setup {
    setup_on(sandbox(Seed::Demo, 600).await).await
}

async fn setup_on(sbx: Sandbox) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let dk = signed_in(&sbx, &sbx.running.base_url, dir.path(), secrets.clone()).await;
    let admin = someone_else(&sbx.running.base_url).await;
    Setup {
        sbx,
        dir,
        secrets,
        dk,
        admin,
    }
}

/// The demo platform behind a counting proxy, the reseller's desk talking through it, and a
/// second session that checks the server directly.
struct Proxied {
    sbx: Sandbox,
    proxy: Proxy,
    dk: Arc<Desk>,
    admin: Client,
    _dir: tempfile::TempDir,
}

async fn proxied() -> Proxied {
    let sbx = sandbox(Seed::Demo, 600).await;
    let proxy = Proxy::start(sbx.running.addr).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let dk = Arc::new(signed_in(&sbx, &proxy.url, dir.path(), secrets).await);
    let admin = someone_else(&sbx.running.base_url).await;
    Proxied {
        sbx,
        proxy,
        dk,
        admin,
        _dir: dir,
    }
}

/// A request the client has no call for (sandbox-only or reseller-only routes), as `admin` when
/// given.
async fn raw(
    method: reqwest::Method,
    url: String,
    admin: Option<&Client>,
    body: serde_json::Value,
) -> reqwest::Response {
    let mut req = reqwest::Client::new().request(method, url).json(&body);
    if let Some(session) = admin.and_then(Client::session) {
        req = req.header("X-Auth-Token", session.token.expose());
    }
    req.send().await.unwrap()
}

/// A reseller's credit or debit on a sub-account's ledger (`way`: `credit` or `debit`).
async fn adjust(sbx: &Sandbox, admin: &Client, name: &str, way: &str, amount: &str, what: &str) {
    let url = format!(
        "{}/v2/accounts/{}/ledgers/{way}",
        sbx.running.base_url,
        id(name)
    );
    let body = json!({"data": {"amount": amount.parse::<f64>().unwrap(), "description": what}});
    let res = raw(reqwest::Method::PUT, url, Some(admin), body).await;
    assert!(res.status().is_success(), "{}", res.status());
}

fn entry(number: &str, expiry: &str) -> CardEntry {
    CardEntry {
        number: number.into(),
        expiry: expiry.into(),
        cvv: "123".into(),
        holder: "Marcus Reyes".into(),
        due_shown: String::new(),
    }
}

/// The amounts an account's `source` ledger got in the day before the sandbox's now.
async fn recent(sbx: &Sandbox, c: &Client, name: &str, source: &str) -> Vec<Decimal> {
    let now = sbx.now();
    c.complete_ledger(&id(name), source, now - Days::days(1), now + Days::hours(1))
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.amount)
        .collect()
}

/// How many payments of `amount` the account's ledger got in the last day.
async fn payments_of(sbx: &Sandbox, c: &Client, amount: &str) -> usize {
    recent(sbx, c, DEMO_ACCOUNT_NAME, "payments")
        .await
        .iter()
        .filter(|p| **p == d(amount))
        .count()
}

/// How many top-up requests for `amount` crossed the network. Kazoo reads nothing else of a
/// top-up (`cb_services:get_topup_amount/1`), so the tests give each intent its own amount.
fn topups(proxy: &Proxy, amount: &str) -> usize {
    proxy
        .requests()
        .iter()
        .filter(|r| {
            r.is("POST", "/services/topup")
                && crossbar::decimal(&r.json()["data"]["amount"]) == Some(d(amount))
        })
        .count()
}
