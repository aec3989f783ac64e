//! The sandbox's data: accounts, limits, users and tokens, and the questions Kazoo asks of them
//! (who is whose ancestor, who is the reseller).

use crate::clock::Clock;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Duration;

/// An account as stored: the public document plus the private fields Kazoo keeps as `pvt_*`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    /// Public keys only; never contains `id`, `_*` or `pvt_*`.
    pub doc: Map<String, Value>,
    /// Ancestors from the platform master down to the parent (Kazoo's `pvt_tree`).
    pub tree: Vec<String>,
    pub created: i64,
    pub modified: i64,
    pub rev: u64,
    pub is_reseller: bool,
    pub superduper_admin: bool,
    pub enabled: bool,
    pub api_key: String,
    /// The service plan the account is billed on, if any.
    pub plan: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub username: String,
    /// Hex md5 and sha1 of `"username:password"` (lower-cased username): Kazoo's credentials.
    pub md5: String,
    pub sha1: String,
    pub priv_level: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub enabled: bool,
    /// Added after the first data format: absent in older data folders, hence the defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// What Kazoo's web client keeps per user (colour-blind mode, number format, …).
    #[serde(default)]
    pub ui_flags: Map<String, Value>,
    /// Any other public keys a client stored; Kazoo keeps unknown keys as they are.
    #[serde(default)]
    pub extra: Map<String, Value>,
    #[serde(default = "first_rev")]
    pub rev: u64,
}

fn first_rev() -> u64 {
    1
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Token {
    pub account_id: String,
    pub owner_id: Option<String>,
    /// Unix seconds after which the token is refused.
    pub exp: i64,
}

pub struct State {
    pub dir: PathBuf,
    pub token_ttl: Duration,
    pub clock: Clock,
    pub master_id: String,
    pub accounts: BTreeMap<String, Account>,
    pub limits: HashMap<String, Map<String, Value>>,
    pub users: HashMap<String, Vec<User>>,
    /// Callflow documents per account (read-only over the API).
    pub callflows: HashMap<String, Vec<Map<String, Value>>>,
    pub tokens: HashMap<String, Token>,
    pub books: HashMap<String, crate::books::Books>,
    /// Processor authorization fingerprints handed out in client tokens → account ID.
    pub fingerprints: HashMap<String, String>,
    /// Single-use nonces from the processor stand-in.
    pub nonces: HashMap<String, crate::payments::Nonce>,
    /// Unix time up to which monthly charges have been posted.
    pub last_tick: i64,
    /// The Kazoo release and bookkeeper played (set by the run, not stored).
    pub platform: crate::platform::Platform,
    /// Serving only the app on this computer, on this port (`Config::local_only`).
    pub local_only: Option<u16>,
}

/// Kazoo's name normalisation for uniqueness and login: lower case, letters and digits only.
pub fn normalize_name(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

impl State {
    pub fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.get(id)
    }

    /// True when `ancestor` is `id` itself or above it in the tree.
    pub fn reaches(&self, ancestor: &str, id: &str) -> bool {
        ancestor == id
            || self
                .accounts
                .get(id)
                .is_some_and(|a| a.tree.iter().any(|t| t == ancestor))
    }

    /// Kazoo's rule for billing-side writes (limits, plans, balance adjustments): a superduper
    /// admin, or the account's own reseller acting on it from above.
    pub fn bills_for(&self, caller: &str, target: &str) -> bool {
        self.account(caller).is_some_and(|a| a.superduper_admin)
            || (caller != target && self.reseller_of(target) == caller)
    }

    /// The nearest reseller above an account (the master when there is none).
    pub fn reseller_of(&self, id: &str) -> String {
        self.accounts
            .get(id)
            .and_then(|a| {
                a.tree
                    .iter()
                    .rev()
                    .find(|t| self.accounts.get(*t).is_some_and(|p| p.is_reseller))
            })
            .cloned()
            .unwrap_or_else(|| self.master_id.clone())
    }

    /// The seeded "Demo Reseller": the first reseller directly under the master.
    pub fn reseller_id(&self) -> Option<String> {
        self.accounts
            .values()
            .find(|a| a.is_reseller && a.tree == [self.master_id.clone()])
            .map(|a| a.id.clone())
    }

    pub fn find_by_realm(&self, realm: &str) -> Option<&Account> {
        let wanted = realm.to_lowercase();
        self.accounts.values().find(|a| {
            a.doc
                .get("realm")
                .and_then(Value::as_str)
                .is_some_and(|r| r.to_lowercase() == wanted)
        })
    }

    pub fn find_by_name(&self, name: &str) -> Option<&Account> {
        let wanted = normalize_name(name);
        self.accounts.values().find(|a| {
            a.doc
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| normalize_name(n) == wanted)
        })
    }

    /// The document as `GET /v2/accounts/{id}` returns it: public keys plus computed fields.
    pub fn account_view(&self, acct: &Account, caller_account: &str) -> Value {
        let mut doc = acct.doc.clone();
        let reseller = self.reseller_of(&acct.id);
        let billing_mode = if reseller == caller_account && caller_account != acct.id {
            "limits_only"
        } else if reseller == self.master_id {
            "normal"
        } else {
            "manual"
        };
        doc.insert("id".into(), acct.id.clone().into());
        doc.insert("created".into(), acct.created.into());
        doc.insert("enabled".into(), acct.enabled.into());
        doc.insert("is_reseller".into(), acct.is_reseller.into());
        doc.insert("reseller_id".into(), reseller.into());
        doc.insert("superduper_admin".into(), acct.superduper_admin.into());
        doc.insert("wnm_allow_additions".into(), false.into());
        doc.insert("billing_mode".into(), billing_mode.into());
        Value::Object(doc)
    }

    /// The CouchDB-style revision of an account document: `<n>-<md5 of the body>`.
    pub fn revision(rev: u64, doc: &Map<String, Value>) -> String {
        use md5::{Digest, Md5};
        let body = serde_json::to_vec(doc).unwrap_or_default();
        format!("{rev}-{}", hex::encode(Md5::digest(&body)))
    }

    pub fn now(&self) -> i64 {
        self.clock.unix()
    }
}
