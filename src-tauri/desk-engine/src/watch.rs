//! Watched balances: polled in the background (one `/ledgers/total` call per account), shown in
//! the tray, and turned into a low-balance alert once per crossing below the account's
//! threshold. Whether an alert is armed is kept in the cache, so a restart never repeats one.

use crate::{Desk, EngineError};
use chrono::{DateTime, Utc};
use desk_core::alerts::{decide, AlertState};
use desk_core::AccountId;
use rust_decimal::Decimal;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};

const WATCHED: &str = "watched";

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WatchedBalance {
    pub account_id: String,
    pub name: String,
    pub balance: Option<Decimal>,
    pub as_of: Option<DateTime<Utc>>,
    pub threshold: Decimal,
    pub below: bool,
}

/// A balance that has just fallen below its threshold: tell the user.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Crossing {
    pub account_id: String,
    pub name: String,
    pub balance: Decimal,
    pub threshold: Decimal,
}

impl Crossing {
    pub fn title(&self) -> String {
        format!("Low balance: {}", self.name)
    }

    pub fn body(&self) -> String {
        use desk_core::money::format_money;
        format!(
            "The balance is {}, below the alert threshold of {}.",
            format_money(self.balance),
            format_money(self.threshold)
        )
    }
}

/// Wakes the balance watcher before its interval (taken only here).
#[derive(Default)]
pub(crate) struct Watching {
    kick: Notify,
}

impl Desk {
    /// Accounts whose balances are watched; the top-level account until the user chooses.
    pub fn watched(&self) -> Result<Vec<String>, EngineError> {
        match self.cache.pref::<Vec<String>>(WATCHED)? {
            Some(list) => Ok(list),
            None => Ok(self
                .index()
                .map(|i| vec![i.root_id().to_owned()])
                .unwrap_or_default()),
        }
    }

    pub async fn set_watched(&self, id: &str, on: bool) -> Result<Vec<String>, EngineError> {
        let id = self.known(id)?.to_string();
        let mut list = self.watched()?;
        list.retain(|w| *w != id);
        if on {
            list.push(id);
        }
        self.cache.set_pref(WATCHED, &list)?;
        self.cache.flush().await?;
        self.notify();
        Ok(list)
    }

    /// The last balance seen for each watched account (no network).
    pub fn watched_balances(&self) -> Result<Vec<WatchedBalance>, EngineError> {
        let mut out = Vec::new();
        for id in self.watched()? {
            let seen: Option<crate::billing::SeenBalance> =
                self.cache.pref(&format!("balance:{id}"))?;
            let threshold = self
                .account_docs(&id)
                .map(|(_, d)| d.low_balance().threshold)
                .unwrap_or(desk_core::alerts::DEFAULT_THRESHOLD);
            out.push(WatchedBalance {
                name: self.account_name(&id),
                balance: seen.as_ref().map(|s| s.value),
                as_of: seen.as_ref().map(|s| s.at),
                below: seen.as_ref().is_some_and(|s| s.value < threshold),
                threshold,
                account_id: id,
            });
        }
        Ok(out)
    }

    /// Read every watched balance once and return the new crossings. The armed state is flushed
    /// before the caller notifies, so a crash or restart cannot repeat an alert.
    pub async fn poll_balances(&self) -> Result<Vec<Crossing>, EngineError> {
        let mut crossings = Vec::new();
        let mut moved = false;
        for id in self.watched()? {
            // One account that cannot be read (deleted, not allowed, offline) must not hold back
            // the others' alerts.
            match self.poll_one(&id).await {
                Ok((changed, crossing)) => {
                    moved |= changed;
                    crossings.extend(crossing);
                }
                Err(e) => tracing::info!(account = %id, code = e.code(), "balance not read"),
            }
        }
        self.cache.flush().await?;
        // Only news redraws the window and the tray.
        if moved || !crossings.is_empty() {
            self.notify();
        }
        Ok(crossings)
    }

    /// Read one watched balance: whether it moved, and the crossing to announce, if any.
    async fn poll_one(&self, id: &str) -> Result<(bool, Option<Crossing>), EngineError> {
        let account = AccountId::parse(id)?;
        if self.cache.account(id)?.is_none() {
            // The alert setting lives on the account document.
            let fetched = self.observe(self.client.get_account(&account).await)?;
            self.store_account(&account, &fetched)?;
        }
        let before: Option<crate::billing::SeenBalance> =
            self.cache.pref(&format!("balance:{id}"))?;
        let seen = self.read_balance(&account).await?;
        let moved = before.is_none_or(|b| b.value != seen.value);
        if !seen.is_fresh(self.now()) {
            return Ok((false, None)); // offline: an old balance is no news
        }
        let (_, doc) = self.account_docs(id)?;
        let setting = doc.low_balance();
        let key = format!("alert:{id}");
        let state: AlertState = self.cache.pref(&key)?.unwrap_or_default();
        let (notify, next) = decide(state, setting, seen.value);
        if next != state {
            self.cache.set_pref(&key, &next)?;
        }
        Ok((
            moved,
            notify.then(|| Crossing {
                name: self.account_name(id),
                account_id: id.to_owned(),
                balance: seen.value,
                threshold: setting.threshold,
            }),
        ))
    }

    /// Poll every `interval` until its sender is dropped; `alert` hears each crossing.
    pub async fn watch_balances(
        self: Arc<Self>,
        mut interval: watch::Receiver<Duration>,
        alert: impl Fn(Crossing) + Send + 'static,
    ) {
        loop {
            if self.client.session().is_some() {
                match self.poll_balances().await {
                    Ok(crossings) => crossings.into_iter().for_each(&alert),
                    Err(e) => tracing::info!(code = e.code(), "balance poll did not complete"),
                }
            }
            let period = *interval.borrow();
            tokio::select! {
                _ = tokio::time::sleep(period) => {}
                _ = self.watching.kick.notified() => {}
                changed = interval.changed() => if changed.is_err() { return },
            }
        }
    }

    /// Poll now (tray "Sync now", after adding credit).
    pub fn poll_balances_soon(&self) {
        self.watching.kick.notify_one();
    }
}
