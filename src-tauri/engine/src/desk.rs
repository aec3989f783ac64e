//! [`Desk`]: one signed-in platform, its cache and its secrets.

use crate::index::{AccountIndex, NodeView, SearchHit};
use crate::views::{self, AccountInputs, AccountView, Freshness, TrunksView};
use crate::EngineError;
use chrono::{DateTime, Utc};
use crossbar::{ApiError, Client, Credentials, Fetched};
use desk_core::{AccountDoc, AccountId, LimitsDoc, Stored, Timezone};
use desk_store::{Cache, CachedNode, Entry, SecretStore};
use serde::Serialize;
use serde_json::Value;
use std::sync::{Arc, RwLock};

/// Page size for `/descendants`: few round trips at reseller scale, small answers.
const TREE_PAGE: usize = 500;
const SEARCH_LIMIT: usize = 50;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Status {
    pub signed_in: bool,
    pub online: bool,
    /// Last successful contact with the server.
    pub as_of: Option<DateTime<Utc>>,
    pub root_id: Option<String>,
    pub root_name: Option<String>,
    pub account_count: usize,
    /// False when secrets are kept in memory only (no OS keyring).
    pub secrets_persistent: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SignInInfo {
    pub account_id: String,
    pub account_name: Option<String>,
}

#[derive(Default)]
struct Link {
    online: bool,
    last_contact: Option<DateTime<Utc>>,
}

pub struct Desk {
    client: Client,
    cache: Cache,
    secrets: Arc<dyn SecretStore>,
    /// Prefix of this profile's keyring entries.
    profile: String,
    index: RwLock<Option<Arc<AccountIndex>>>,
    link: RwLock<Link>,
}

impl Desk {
    /// A desk over an opened cache; the cached tree (if any) is available at once.
    pub fn new(client: Client, cache: Cache, secrets: Arc<dyn SecretStore>, profile: &str) -> Self {
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
            profile: profile.to_owned(),
            index: RwLock::new(index),
            link: RwLock::new(Link {
                online: false,
                last_contact: as_of,
            }),
        }
    }

    fn token_key(&self) -> String {
        format!("{}/token", self.profile)
    }

    fn index(&self) -> Option<Arc<AccountIndex>> {
        self.index.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Record the outcome of a server call for the online indicator.
    fn observe<T>(&self, r: Result<T, ApiError>) -> Result<T, ApiError> {
        let mut link = self.link.write().unwrap_or_else(|p| p.into_inner());
        match &r {
            Ok(_) => {
                link.online = true;
                link.last_contact = Some(Utc::now());
            }
            Err(e) if e.is_unreachable() => link.online = false,
            Err(_) => {}
        }
        r
    }

    pub async fn sign_in(&self, credentials: Credentials) -> Result<SignInInfo, EngineError> {
        let session = self.observe(self.client.sign_in(credentials).await)?;
        self.secrets.set(&self.token_key(), &session.token)?;
        Ok(SignInInfo {
            account_id: session.account_id.to_string(),
            account_name: session.account_name,
        })
    }

    /// Continue with the token saved at the last sign-in, if there is one and a cached tree
    /// says whose it is; `credentials` renew it if it has expired.
    pub fn resume(&self, credentials: Option<Credentials>) -> Result<bool, EngineError> {
        let (Some(token), Some(index)) = (self.secrets.get(&self.token_key())?, self.index())
        else {
            return Ok(false);
        };
        let root = AccountId::parse(index.root_id())?;
        self.client.resume(token, root, credentials);
        Ok(true)
    }

    pub fn sign_out(&self) -> Result<(), EngineError> {
        self.client.sign_out();
        self.secrets.delete(&self.token_key())?;
        Ok(())
    }

    pub fn status(&self) -> Status {
        let index = self.index();
        let link = self.link.read().unwrap_or_else(|p| p.into_inner());
        Status {
            signed_in: self.client.session().is_some(),
            online: link.online,
            as_of: link.last_contact,
            root_id: index.as_ref().map(|i| i.root_id().to_owned()),
            root_name: index
                .as_ref()
                .and_then(|i| i.node(i.root_id()))
                .map(|n| n.name),
            account_count: index.as_ref().map_or(0, |i| i.len()),
            secrets_persistent: self.secrets.persistent(),
        }
    }

    /// Pull the signed-in account and every descendant into the cache and the switcher.
    pub async fn sync_tree(&self, progress: impl FnMut(usize)) -> Result<Status, EngineError> {
        let root = self
            .client
            .session()
            .ok_or(EngineError::NotSignedIn)?
            .account_id;
        let root_doc = self.observe(self.client.get_account(&root).await)?;
        self.store_account(&root, &root_doc)?;
        let rows = self.observe(self.client.descendants(&root, TREE_PAGE, progress).await)?;
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
        let now = Utc::now();
        self.cache.replace_tree(root.as_str(), &nodes, now)?;
        self.cache.flush().await?;
        *self.index.write().unwrap_or_else(|p| p.into_inner()) =
            AccountIndex::build(root.as_str(), &nodes).map(Arc::new);
        Ok(self.status())
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
    fn known(&self, id: &str) -> Result<AccountId, EngineError> {
        let id = AccountId::parse(id)?;
        match self.index() {
            Some(ix) if !ix.contains(id.as_str()) => {
                Err(EngineError::UnknownAccount(id.to_string()))
            }
            _ => Ok(id),
        }
    }

    fn store_account(&self, id: &AccountId, f: &Fetched<AccountDoc>) -> Result<(), EngineError> {
        let entry = Entry {
            revision: f.revision.clone(),
            fetched_at: Utc::now(),
            value: f.value.to_value(),
        };
        Ok(self.cache.put_account(id.as_str(), &entry)?)
    }

    fn inherited_zone(&self, id: &str) -> Option<chrono_tz::Tz> {
        let index = self.index()?;
        let crumbs = index.breadcrumb(id);
        crumbs.iter().rev().skip(1).find_map(|c| {
            let entry = self.cache.account(&c.id).ok()??;
            match AccountDoc::from_value(entry.value).ok()?.timezone() {
                Stored::Valid(Timezone::Zone(tz)) => Some(tz),
                _ => None,
            }
        })
    }

    fn view_from_entry(
        &self,
        id: &str,
        entry: Entry<Value>,
        from_cache: bool,
    ) -> Result<AccountView, EngineError> {
        let doc = AccountDoc::from_value(entry.value).map_err(|e| {
            EngineError::Api(ApiError::Decode {
                detail: e.to_string(),
                meta: Default::default(),
            })
        })?;
        Ok(views::account_view(AccountInputs {
            id,
            doc: &doc,
            breadcrumb: self.index().map(|i| i.breadcrumb(id)).unwrap_or_default(),
            freshness: Freshness {
                fetched_at: entry.fetched_at,
                revision: entry.revision,
                from_cache,
            },
            inherited_zone: self.inherited_zone(id),
            now: Utc::now(),
        }))
    }

    /// The Account Info view from the cache only (instant, works offline).
    pub fn cached_account(&self, id: &str) -> Result<Option<AccountView>, EngineError> {
        let id = self.known(id)?;
        match self.cache.account(id.as_str())? {
            Some(e) => self.view_from_entry(id.as_str(), e, true).map(Some),
            None => Ok(None),
        }
    }

    /// The Account Info view fresh from the server, falling back to the cache when the server
    /// cannot be reached.
    pub async fn account(&self, id: &str) -> Result<AccountView, EngineError> {
        let id = self.known(id)?;
        match self.observe(self.client.get_account(&id).await) {
            Ok(f) => {
                self.store_account(&id, &f)?;
                let entry = self
                    .cache
                    .account(id.as_str())?
                    .ok_or(EngineError::NotCached)?;
                self.view_from_entry(id.as_str(), entry, false)
            }
            Err(e) if e.is_unreachable() => self
                .cached_account(id.as_str())?
                .ok_or(EngineError::NotCached),
            Err(e) => Err(e.into()),
        }
    }

    pub fn cached_trunks(&self, id: &str) -> Result<Option<TrunksView>, EngineError> {
        let id = self.known(id)?;
        let Some(entry) = self.cache.limits(id.as_str())? else {
            return Ok(None);
        };
        let doc = LimitsDoc::from_value(entry.value).map_err(|e| {
            EngineError::Api(ApiError::Decode {
                detail: e.to_string(),
                meta: Default::default(),
            })
        })?;
        Ok(Some(views::trunks_view(
            &doc,
            Freshness {
                fetched_at: entry.fetched_at,
                revision: entry.revision,
                from_cache: true,
            },
        )))
    }

    pub async fn trunks(&self, id: &str) -> Result<TrunksView, EngineError> {
        let id = self.known(id)?;
        match self.observe(self.client.get_limits(&id).await) {
            Ok(f) => {
                let fetched_at = Utc::now();
                self.cache.put_limits(
                    id.as_str(),
                    &Entry {
                        revision: f.revision.clone(),
                        fetched_at,
                        value: f.value.to_value(),
                    },
                )?;
                Ok(views::trunks_view(
                    &f.value,
                    Freshness {
                        fetched_at,
                        revision: f.revision,
                        from_cache: false,
                    },
                ))
            }
            Err(e) if e.is_unreachable() => self
                .cached_trunks(id.as_str())?
                .ok_or(EngineError::NotCached),
            Err(e) => Err(e.into()),
        }
    }
}
