//! [`Desk`]: one signed-in platform, its cache, its secrets and its outbox.

use crate::clock::Clock;
use crate::index::{AccountIndex, NodeView, SearchHit};
use crate::keys::{api_key_key, forget_secrets, token_key};
use crate::EngineError;
use chrono::{DateTime, Utc};
use crossbar::{ApiError, Client, Credentials};
use desk_core::{AccountDoc, AccountId, Secret};
use desk_store::{Cache, CachedNode, EditState, SecretStore};
use parking_lot::{Mutex, RwLock};
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;
use tokio::sync::watch;

/// Page size for `/descendants`: few round trips at reseller scale, small answers.
const TREE_PAGE: usize = 500;
const SEARCH_LIMIT: usize = 50;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Status {
    pub signed_in: bool,
    /// The session expired and could not be renewed: ask the user to sign in again.
    pub needs_sign_in: bool,
    pub online: bool,
    /// Last successful contact with the server.
    pub as_of: Option<DateTime<Utc>>,
    pub root_id: Option<String>,
    pub root_name: Option<String>,
    pub account_count: usize,
    /// False when secrets are kept in memory only (no OS keyring).
    pub secrets_persistent: bool,
    /// Pending edits by state.
    pub pending: usize,
    pub conflicts: usize,
    pub needs_consent: usize,
    pub failed: usize,
    /// Set while a sync runs: how many accounts of the tree have arrived.
    pub syncing: Option<usize>,
    /// The server is in trouble (or asked us to wait): pending edits are tried again then.
    pub retry_at: Option<DateTime<Utc>>,
    /// Accounts the server listed that could not be read (no valid ID): not in the switcher.
    pub unreadable_accounts: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SignInInfo {
    pub account_id: String,
    pub account_name: Option<String>,
}

#[derive(Default)]
struct Link {
    online: bool,
    needs_sign_in: bool,
    last_contact: Option<DateTime<Utc>>,
    syncing: Option<usize>,
    /// Rows of the last tree listing that could not be read.
    unreadable: usize,
}

pub struct Desk {
    pub(crate) client: Client,
    pub(crate) cache: Cache,
    secrets: Arc<dyn SecretStore>,
    /// Prefix of this profile's keyring entries.
    key: String,
    /// Who the change log names.
    user: RwLock<String>,
    /// The token last written to the keyring (remembered sessions only), so a renewed token
    /// replaces it there.
    remembered: Mutex<Option<Secret>>,
    index: RwLock<Option<Arc<AccountIndex>>>,
    link: RwLock<Link>,
    /// Each part below keeps its own lock, taken only by the module that defines it.
    pub(crate) outbox: crate::outbox::Outbox,
    pub(crate) money: crate::credit::Money,
    pub(crate) pushing: crate::sync::Pushing,
    pub(crate) watching: crate::watch::Watching,
    pub(crate) board: crate::balances::Board,
    pub(crate) creating: crate::wizard::Creating,
    /// Bumped whenever something the window shows has changed.
    changed: watch::Sender<u64>,
    /// What "now" is: every date-dependent rule asks this.
    clock: Arc<Clock>,
}

impl Desk {
    /// A desk over an opened cache; the cached tree (if any) is available at once.
    pub fn new(client: Client, cache: Cache, secrets: Arc<dyn SecretStore>, key: &str) -> Self {
        let cached = cache.tree().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "cached account tree unreadable; it will be refetched");
            None
        });
        let as_of = cached.as_ref().map(|t| t.synced_at);
        let index = cached.and_then(|t| AccountIndex::build(&t.root, &t.nodes).map(Arc::new));
        Self {
            client,
            cache,
            secrets,
            key: key.to_owned(),
            user: RwLock::new(String::new()),
            remembered: Mutex::new(None),
            index: RwLock::new(index),
            link: RwLock::new(Link {
                last_contact: as_of,
                ..Link::default()
            }),
            outbox: Default::default(),
            money: Default::default(),
            pushing: Default::default(),
            watching: Default::default(),
            board: Default::default(),
            creating: Default::default(),
            changed: watch::Sender::new(0),
            clock: Arc::default(),
        }
    }

    /// The same desk on another clock (the app's, which tests and `--clock` pin).
    pub fn with_clock(mut self, clock: Arc<Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Now, by the desk's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Make everything the cache holds durable (before the app exits).
    pub async fn flush(&self) -> Result<(), EngineError> {
        Ok(self.cache.flush().await?)
    }

    /// Changes the window should redraw for (status, pending edits, fresh data).
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    pub(crate) fn notify(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    pub(crate) fn key(&self) -> &str {
        &self.key
    }

    pub(crate) fn secrets(&self) -> &dyn SecretStore {
        self.secrets.as_ref()
    }

    fn token_key(&self) -> String {
        token_key(&self.key)
    }

    fn api_key_key(&self) -> String {
        api_key_key(&self.key)
    }

    pub(crate) fn user(&self) -> String {
        self.user.read().clone()
    }

    pub fn set_user(&self, who: &str) {
        *self.user.write() = who.to_owned();
    }

    pub(crate) fn index(&self) -> Option<Arc<AccountIndex>> {
        self.index.read().clone()
    }

    /// Record the outcome of a server call for the online and sign-in indicators.
    pub(crate) fn observe<T>(&self, r: Result<T, ApiError>) -> Result<T, ApiError> {
        let mut link = self.link.write();
        let before = (link.online, link.needs_sign_in);
        match &r {
            Ok(_) => {
                link.online = true;
                link.needs_sign_in = false;
                link.last_contact = Some(self.now());
            }
            Err(e) if e.is_unreachable() => link.online = false,
            Err(ApiError::SessionExpired { .. }) => {
                link.online = true;
                link.needs_sign_in = true;
            }
            Err(_) => {}
        }
        let after = (link.online, link.needs_sign_in);
        drop(link);
        if before != after {
            self.notify();
        }
        if r.is_ok() {
            self.keep_renewed_token();
        }
        r
    }

    /// The client renews an expired session by itself; a remembered session must remember the
    /// new token, not the dead one.
    fn keep_renewed_token(&self) {
        let mut remembered = self.remembered.lock();
        let (Some(old), Some(session)) = (remembered.as_ref(), self.client.session()) else {
            return;
        };
        if *old != session.token {
            match self.secrets.set(&self.token_key(), &session.token) {
                Ok(()) => *remembered = Some(session.token),
                Err(e) => tracing::warn!(error = %e, "could not remember the renewed session"),
            }
        }
    }

    pub(crate) fn set_syncing(&self, progress: Option<usize>) {
        self.link.write().syncing = progress;
        self.notify();
    }

    /// Sign in. With `remember`, the session survives restarts: an API key is kept in the
    /// keyring (it renews the session silently), a password sign-in keeps only its token.
    /// Users who are not admins are refused before any account data is read.
    pub async fn sign_in(
        &self,
        credentials: Credentials,
        remember: bool,
    ) -> Result<SignInInfo, EngineError> {
        let api_key = match &credentials {
            Credentials::ApiKey(k) => Some(k.clone()),
            Credentials::Password { .. } => None,
        };
        let session = self.observe(self.client.sign_in(credentials).await)?;
        if let Some(owner) = &session.owner_id {
            let user = self.observe(self.client.get_user(&session.account_id, owner).await)?;
            if user.priv_level != "admin" {
                self.client.sign_out();
                return Err(EngineError::NotAdmin);
            }
            self.set_user(&user.display_name());
        } else {
            self.set_user("API key");
        }
        self.secrets.delete(&self.token_key())?;
        self.secrets.delete(&self.api_key_key())?;
        if remember {
            self.secrets.set(&self.token_key(), &session.token)?;
            if let Some(k) = api_key {
                self.secrets.set(&self.api_key_key(), &k)?;
            }
        }
        *self.remembered.lock() = remember.then(|| session.token.clone());
        self.notify();
        self.wake_push();
        Ok(SignInInfo {
            account_id: session.account_id.to_string(),
            account_name: session.account_name,
        })
    }

    /// Continue with the session remembered at the last sign-in, if any (and a cached tree
    /// says whose it is). `credentials` (demo mode) or a remembered API key renew it when it
    /// has expired.
    pub fn resume(&self, credentials: Option<Credentials>) -> Result<bool, EngineError> {
        let (Some(token), Some(index)) = (self.secrets.get(&self.token_key())?, self.index())
        else {
            return Ok(false);
        };
        let root = AccountId::parse(index.root_id())?;
        let renew = match credentials {
            Some(c) => Some(c),
            None => self
                .secrets
                .get(&self.api_key_key())?
                .map(Credentials::ApiKey),
        };
        *self.remembered.lock() = Some(token.clone());
        self.client.resume(token, root, renew);
        Ok(true)
    }

    /// Sign out: forget the session and this profile's secrets. The cache stays for offline
    /// review; pending edits stay in the outbox.
    pub fn sign_out(&self) -> Result<(), EngineError> {
        self.client.sign_out();
        *self.remembered.lock() = None;
        forget_secrets(self.secrets.as_ref(), &self.key)?;
        self.notify();
        Ok(())
    }

    /// Whether a remembered secret exists for this profile (for the sign-in screen).
    pub fn remembers(&self) -> Result<bool, EngineError> {
        Ok(self.secrets.get(&self.token_key())?.is_some()
            || self.secrets.get(&self.api_key_key())?.is_some())
    }

    pub fn status(&self) -> Status {
        let index = self.index();
        let link = self.link.read();
        let pending = self.cache.all_pending().unwrap_or_default();
        let count = |f: fn(&EditState) -> bool| pending.iter().filter(|e| f(&e.state)).count();
        Status {
            signed_in: self.client.session().is_some(),
            needs_sign_in: link.needs_sign_in,
            online: link.online,
            as_of: link.last_contact,
            root_id: index.as_ref().map(|i| i.root_id().to_owned()),
            root_name: index
                .as_ref()
                .and_then(|i| i.node(i.root_id()))
                .map(|n| n.name),
            account_count: index.as_ref().map_or(0, |i| i.len()),
            secrets_persistent: self.secrets.persistent(),
            pending: pending.len(),
            conflicts: count(|s| matches!(s, EditState::Conflict { .. })),
            needs_consent: count(|s| matches!(s, EditState::NeedsConsent { .. })),
            failed: count(|s| matches!(s, EditState::Failed { .. })),
            syncing: link.syncing,
            retry_at: self.retry_at(),
            unreadable_accounts: link.unreadable,
        }
    }

    /// Pull the signed-in account and every descendant into the cache and the switcher.
    pub async fn sync_tree(&self) -> Result<Status, EngineError> {
        let result = self.pull_tree().await;
        self.set_syncing(None);
        result?;
        Ok(self.status())
    }

    async fn pull_tree(&self) -> Result<(), EngineError> {
        let root = self
            .client
            .session()
            .ok_or(EngineError::NotSignedIn)?
            .account_id;
        self.set_syncing(Some(0));
        let root_doc = self.observe(self.client.get_account(&root).await)?;
        self.store_account(&root, &root_doc)?;
        let listing = self.observe(
            self.client
                .descendants(&root, TREE_PAGE, |n| self.set_syncing(Some(n)))
                .await,
        )?;
        self.link.write().unreadable = listing.skipped;
        let rows = listing.items;
        let text =
            |d: &AccountDoc, k: &str| d.as_map().get(k).and_then(Value::as_str).map(str::to_owned);
        let mut nodes = Vec::with_capacity(rows.len() + 1);
        nodes.push(CachedNode {
            id: root.to_string(),
            name: text(&root_doc.value, "name"),
            realm: text(&root_doc.value, "realm"),
            parent: None,
        });
        nodes.extend(rows.into_iter().map(|r| CachedNode {
            id: r.id.to_string(),
            name: r.name,
            realm: r.realm,
            parent: r.tree.last().map(ToString::to_string),
        }));
        self.cache.replace_tree(root.as_str(), &nodes, self.now())?;
        self.cache.flush().await?;
        *self.index.write() = AccountIndex::build(root.as_str(), &nodes).map(Arc::new);
        Ok(())
    }

    /// Rebuild the switcher from the cached tree after one account was added or removed here.
    pub(crate) fn reload_index(&self) -> Result<(), EngineError> {
        if let Some(t) = self.cache.tree()? {
            *self.index.write() = AccountIndex::build(&t.root, &t.nodes).map(Arc::new);
        }
        self.notify();
        Ok(())
    }

    pub fn children(&self, parent: Option<&str>) -> Result<Vec<NodeView>, EngineError> {
        let index = self.index().ok_or(EngineError::NotCached)?;
        index
            .children(parent)
            .ok_or_else(|| EngineError::UnknownAccount(parent.unwrap_or_default().to_owned()))
    }

    pub fn search(&self, query: &str) -> Vec<SearchHit> {
        self.index()
            .map(|i| i.search(query, SEARCH_LIMIT))
            .unwrap_or_default()
    }

    /// An ID the UI asked for: well-formed and in the signed-in tree.
    pub(crate) fn known(&self, id: &str) -> Result<AccountId, EngineError> {
        let id = AccountId::parse(id)?;
        match self.index() {
            Some(ix) if !ix.contains(id.as_str()) => {
                Err(EngineError::UnknownAccount(id.to_string()))
            }
            _ => Ok(id),
        }
    }

    /// The name the switcher knows for an account.
    pub(crate) fn account_name(&self, id: &str) -> String {
        self.index()
            .and_then(|i| i.node(id))
            .map(|n| n.name)
            .unwrap_or_else(|| id.to_owned())
    }
}
