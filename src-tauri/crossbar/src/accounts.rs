//! Typed calls for accounts and limits.

use crate::decode::Reply;
use crate::{ApiError, Client, ErrorMeta, Fetched};
use desk_core::{AccountDoc, AccountId, LimitsDoc, Secret};
use reqwest::Method;
use serde_json::{json, Value};

/// One row of `/children` or `/descendants`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSummary {
    pub id: AccountId,
    pub name: Option<String>,
    pub realm: Option<String>,
    /// Ancestors from the top of the platform down to the parent.
    pub tree: Vec<AccountId>,
}

/// A user of an account (`/users/{id}`): who signed in, and whether they are an admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    /// `admin` or `user`.
    pub priv_level: String,
}

impl User {
    /// "Dana Whitfield (admin)", or the user name alone.
    pub fn display_name(&self) -> String {
        let full = format!("{} {}", self.first_name, self.last_name);
        match full.trim() {
            "" => self.username.clone(),
            name => format!("{name} ({})", self.username),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_start_key: Option<String>,
    /// Rows left out because they could not be read (no valid ID).
    pub skipped: usize,
}

pub(crate) fn decode_err(reply: &Reply, detail: String) -> ApiError {
    ApiError::Decode {
        detail,
        meta: ErrorMeta {
            status: 200,
            message: "unexpected answer".into(),
            request_id: reply.request_id.clone(),
            retry_after: None,
        },
    }
}

fn fetched<T>(
    reply: Reply,
    read: impl FnOnce(Value) -> Result<T, String>,
) -> Result<Fetched<T>, ApiError> {
    let revision = reply.revision();
    let value = read(reply.data().clone()).map_err(|d| decode_err(&reply, d))?;
    Ok(Fetched {
        value,
        revision,
        request_id: reply.request_id,
    })
}

pub(crate) fn account(reply: Reply) -> Result<Fetched<AccountDoc>, ApiError> {
    fetched(reply, |v| {
        AccountDoc::from_value(v).map_err(|e| e.to_string())
    })
}

fn limits(reply: Reply) -> Result<Fetched<LimitsDoc>, ApiError> {
    fetched(reply, |v| {
        LimitsDoc::from_value(v).map_err(|e| e.to_string())
    })
}

/// Enough pages for a million accounts at the app's page size.
const MAX_TREE_PAGES: usize = 10_000;

impl Client {
    pub async fn get_account(&self, id: &AccountId) -> Result<Fetched<AccountDoc>, ApiError> {
        account(
            self.call(Method::GET, &format!("accounts/{id}"), &[], None)
                .await?,
        )
    }

    /// PATCH: only the given keys change; `null` removes a key.
    pub async fn patch_account(
        &self,
        id: &AccountId,
        patch: Value,
    ) -> Result<Fetched<AccountDoc>, ApiError> {
        let body = json!({ "data": patch });
        account(
            self.call(Method::PATCH, &format!("accounts/{id}"), &[], Some(body))
                .await?,
        )
    }

    /// POST: replaces the public part of the document.
    pub async fn post_account(
        &self,
        id: &AccountId,
        doc: Value,
    ) -> Result<Fetched<AccountDoc>, ApiError> {
        let body = json!({ "data": doc });
        account(
            self.call(Method::POST, &format!("accounts/{id}"), &[], Some(body))
                .await?,
        )
    }

    pub async fn get_limits(&self, id: &AccountId) -> Result<Fetched<LimitsDoc>, ApiError> {
        limits(
            self.call(Method::GET, &format!("accounts/{id}/limits"), &[], None)
                .await?,
        )
    }

    /// POST the whole limits document (there is no PATCH). A billable increase answers
    /// [`crate::Payment::AcceptCharges`] unless `accept_charges` is set.
    pub async fn post_limits(
        &self,
        id: &AccountId,
        doc: Value,
        accept_charges: bool,
    ) -> Result<Fetched<LimitsDoc>, ApiError> {
        let mut body = json!({ "data": doc });
        if accept_charges {
            body["accept_charges"] = true.into();
        }
        limits(
            self.call(
                Method::POST,
                &format!("accounts/{id}/limits"),
                &[],
                Some(body),
            )
            .await?,
        )
    }

    /// One user of an account; `user_id` must be a Kazoo document id (32 hex characters).
    pub async fn get_user(&self, account: &AccountId, user_id: &str) -> Result<User, ApiError> {
        let user_id = AccountId::parse(user_id).map_err(|e| ApiError::Decode {
            detail: format!("the server named an invalid user id: {}", e.message),
            meta: ErrorMeta::default(),
        })?;
        let reply = self
            .call(
                Method::GET,
                &format!("accounts/{account}/users/{user_id}"),
                &[],
                None,
            )
            .await?;
        let d = reply.data();
        let text = |k: &str| d[k].as_str().unwrap_or_default().to_owned();
        Ok(User {
            id: user_id.to_string(),
            username: text("username"),
            first_name: text("first_name"),
            last_name: text("last_name"),
            priv_level: text("priv_level"),
        })
    }

    pub async fn api_key(&self, id: &AccountId) -> Result<Secret, ApiError> {
        let reply = self
            .call(Method::GET, &format!("accounts/{id}/api_key"), &[], None)
            .await?;
        reply.data()["api_key"]
            .as_str()
            .map(Secret::new)
            .ok_or_else(|| decode_err(&reply, "no api_key in the answer".into()))
    }

    /// One page of `/descendants` (every account below `id`).
    pub async fn descendants_page(
        &self,
        id: &AccountId,
        start_key: Option<&str>,
        page_size: usize,
    ) -> Result<Page<AccountSummary>, ApiError> {
        self.listing_page(&format!("accounts/{id}/descendants"), start_key, page_size)
            .await
    }

    /// One page of `/children` (accounts directly below `id`).
    pub async fn children_page(
        &self,
        id: &AccountId,
        start_key: Option<&str>,
        page_size: usize,
    ) -> Result<Page<AccountSummary>, ApiError> {
        self.listing_page(&format!("accounts/{id}/children"), start_key, page_size)
            .await
    }

    /// Every descendant, page by page (as one page, with every unreadable row counted);
    /// `progress` hears the running count.
    pub async fn descendants(
        &self,
        id: &AccountId,
        page_size: usize,
        mut progress: impl FnMut(usize),
    ) -> Result<Page<AccountSummary>, ApiError> {
        let mut all = Page {
            items: Vec::new(),
            next_start_key: None,
            skipped: 0,
        };
        let mut key: Option<String> = None;
        let mut keys = crate::paging::PageKeys::new("account", MAX_TREE_PAGES);
        loop {
            let page = self.descendants_page(id, key.as_deref(), page_size).await?;
            all.items.extend(page.items);
            all.skipped += page.skipped;
            progress(all.items.len());
            key = keys.next(page.next_start_key.as_deref())?;
            if key.is_none() {
                return Ok(all);
            }
        }
    }

    async fn listing_page(
        &self,
        path: &str,
        start_key: Option<&str>,
        page_size: usize,
    ) -> Result<Page<AccountSummary>, ApiError> {
        let mut query = vec![("page_size", page_size.to_string())];
        if let Some(k) = start_key {
            query.push(("start_key", k.to_owned()));
        }
        let reply = self.call(Method::GET, path, &query, None).await?;
        let rows = reply
            .data()
            .as_array()
            .ok_or_else(|| decode_err(&reply, "the listing is not a list".into()))?;
        let items: Vec<AccountSummary> = rows
            .iter()
            .filter_map(|row| {
                let id = row["id"].as_str().and_then(|s| AccountId::parse(s).ok());
                if id.is_none() {
                    tracing::warn!("skipping a listed account without a valid id");
                }
                Some(AccountSummary {
                    id: id?,
                    name: row["name"].as_str().map(str::to_owned),
                    realm: row["realm"].as_str().map(str::to_owned),
                    tree: row["tree"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|t| t.as_str().and_then(|s| AccountId::parse(s).ok()))
                        .collect(),
                })
            })
            .collect();
        Ok(Page {
            skipped: rows.len() - items.len(),
            items,
            next_start_key: reply.body["next_start_key"]
                .as_str()
                .filter(|k| !k.is_empty())
                .map(str::to_owned),
        })
    }
}
