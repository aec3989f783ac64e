//! The account and limits documents: kept in the cache as fetched (with revision and time),
//! and shown as the Account Info and Trunks views, fresh from the server or else cached.

use crate::views::{self, AccountInputs, AccountView, Freshness, TrunksView};
use crate::{Desk, EngineError};
use crossbar::{ApiError, Fetched};
use desk_core::{AccountDoc, AccountId, LimitsDoc};
use desk_store::{DocKind, Entry};
use serde_json::Value;

impl Desk {
    pub(crate) fn store_account(
        &self,
        id: &AccountId,
        f: &Fetched<AccountDoc>,
    ) -> Result<Entry<Value>, EngineError> {
        let entry = Entry {
            revision: f.revision.clone(),
            fetched_at: self.now(),
            value: f.value.to_value(),
        };
        self.cache.put_account(id.as_str(), &entry)?;
        Ok(entry)
    }

    pub(crate) fn store_limits(
        &self,
        id: &AccountId,
        f: &Fetched<LimitsDoc>,
    ) -> Result<Entry<Value>, EngineError> {
        let entry = Entry {
            revision: f.revision.clone(),
            fetched_at: self.now(),
            value: f.value.to_value(),
        };
        self.cache.put_limits(id.as_str(), &entry)?;
        Ok(entry)
    }

    fn view_from_entry(
        &self,
        id: &str,
        entry: Entry<Value>,
        from_cache: bool,
    ) -> Result<AccountView, EngineError> {
        let server = AccountDoc::from_value(entry.value).map_err(decode)?;
        let pending = self.cache.pending(id, DocKind::Account)?;
        Ok(views::account_view(AccountInputs {
            id,
            server: &server,
            pending: pending.as_ref(),
            breadcrumb: self.index().map(|i| i.breadcrumb(id)).unwrap_or_default(),
            freshness: Freshness {
                fetched_at: entry.fetched_at,
                revision: entry.revision,
                from_cache,
            },
            inherited_zone: self.inherited_zone(id),
            now: self.now(),
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
    /// cannot be reached or the session needs a new sign-in.
    pub async fn account(&self, id: &str) -> Result<AccountView, EngineError> {
        let id = self.known(id)?;
        self.touch_recent(id.as_str())?;
        let read = self.client.get_account(&id).await;
        self.fresh_or_cached(
            read,
            |f| {
                let entry = self.store_account(&id, &f)?;
                self.view_from_entry(id.as_str(), entry, false)
            },
            || self.cached_account(id.as_str()),
        )
    }

    fn trunks_from_entry(
        &self,
        id: &str,
        entry: Entry<Value>,
        from_cache: bool,
    ) -> Result<TrunksView, EngineError> {
        let server = LimitsDoc::from_value(entry.value).map_err(decode)?;
        let pending = self.cache.pending(id, DocKind::Limits)?;
        let read_only = self.limits_read_only(id)?;
        Ok(views::trunks_view(
            &server,
            pending.as_ref(),
            read_only,
            Freshness {
                fetched_at: entry.fetched_at,
                revision: entry.revision,
                from_cache,
            },
        ))
    }

    pub fn cached_trunks(&self, id: &str) -> Result<Option<TrunksView>, EngineError> {
        let id = self.known(id)?;
        match self.cache.limits(id.as_str())? {
            Some(e) => self.trunks_from_entry(id.as_str(), e, true).map(Some),
            None => Ok(None),
        }
    }

    pub async fn trunks(&self, id: &str) -> Result<TrunksView, EngineError> {
        let id = self.known(id)?;
        let read = self.client.get_limits(&id).await;
        self.fresh_or_cached(
            read,
            |f| {
                let entry = self.store_limits(&id, &f)?;
                self.trunks_from_entry(id.as_str(), entry, false)
            },
            || self.cached_trunks(id.as_str()),
        )
    }

    /// Remembered after a 403 on limits: only the reseller may change this account's trunks.
    pub(crate) fn limits_read_only(&self, id: &str) -> Result<bool, EngineError> {
        Ok(self.cache.pref::<bool>(&format!("limits_read_only:{id}"))? == Some(true))
    }

    pub(crate) fn set_limits_read_only(&self, id: &str) -> Result<(), EngineError> {
        Ok(self
            .cache
            .set_pref(&format!("limits_read_only:{id}"), &true)?)
    }
}

pub(crate) fn decode(e: desk_core::DocError) -> EngineError {
    EngineError::Api(ApiError::Decode {
        detail: e.to_string(),
        meta: Default::default(),
    })
}
