//! Watched balances: polled in the background (one `/ledgers/total` call per account), shown in
//! the tray, and turned into a low-balance alert once per crossing below the account's
//! threshold (Kazoo's, which also sends the platform's e-mail) or below one of the user's own
//! desktop tiers. Which alerts are armed is kept in the cache, so a restart never repeats one.

use crate::{Desk, EngineError};
use chrono::{DateTime, Utc};
use desk_core::alerts::{decide, decide_tiers, AlertState, TierState, Tiers};
use desk_core::money::cents_text;
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
    /// The user's desktop tiers, highest first (empty when none are on).
    pub tiers: Vec<Decimal>,
    pub below: bool,
}

/// A balance that has just fallen below its threshold or a tier: tell the user (once, however
/// many it fell through in one reading).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Crossing {
    pub account_id: String,
    pub name: String,
    pub balance: Decimal,
    /// The lowest threshold crossed now.
    pub threshold: Decimal,
    /// Whether that one is the platform's (Kazoo's) threshold rather than a desktop tier.
    pub platform: bool,
}

impl Crossing {
    pub fn title(&self) -> String {
        format!("Low balance: {}", self.name)
    }

    pub fn body(&self) -> String {
        use desk_core::money::format_money;
        let which = if self.platform {
            "the alert threshold"
        } else {
            "your desktop alert tier"
        };
        format!(
            "The balance is {}, below {which} of {}.",
            format_money(self.balance),
            format_money(self.threshold)
        )
    }
}

/// The desktop alert tiers of one account, as typed amounts.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TiersView {
    pub enabled: bool,
    pub thresholds: Vec<String>,
    /// How many tiers an account may have.
    pub max: usize,
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
            let seen = self.last_balance(&id)?;
            let threshold = self
                .account_docs(&id)
                .map(|(_, d)| d.low_balance().threshold)
                .unwrap_or(desk_core::alerts::DEFAULT_THRESHOLD);
            let tiers = self.alert_tiers(&id)?;
            out.push(WatchedBalance {
                tiers: tiers.active().to_vec(),
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
        let before = self.last_balance(id)?;
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
        let tier_key = format!("tier_alerts:{id}");
        let tier_state: TierState = self.cache.pref(&tier_key)?.unwrap_or_default();
        let (crossed, tier_next) = decide_tiers(&tier_state, &self.alert_tiers(id)?, seen.value);
        if tier_next != tier_state {
            self.cache.set_pref(&tier_key, &tier_next)?;
        }
        // One notification naming the lowest line crossed now.
        let lowest = crossed
            .iter()
            .map(|&t| (t, false))
            .chain(notify.then_some((setting.threshold, true)))
            .min_by_key(|&(t, _)| t);
        Ok((
            moved,
            lowest.map(|(threshold, platform)| Crossing {
                name: self.account_name(id),
                account_id: id.to_owned(),
                balance: seen.value,
                threshold,
                platform,
            }),
        ))
    }

    /// The user's desktop alert tiers for an account (none until set).
    pub fn alert_tiers(&self, id: &str) -> Result<Tiers, EngineError> {
        Ok(self.cache.pref(&format!("tiers:{id}"))?.unwrap_or_default())
    }

    /// Set the desktop alert tiers as typed. A tier the last balance seen is already below
    /// waits for it to recover first: only a fall through a line is a crossing.
    pub async fn save_alert_tiers(
        &self,
        id: &str,
        enabled: bool,
        typed: &[String],
    ) -> Result<TiersView, EngineError> {
        let id = self.known(id)?;
        let tiers = Tiers::parse(enabled, typed)?;
        if let Some(seen) = self.last_balance(id.as_str())? {
            let (_, state) = decide_tiers(&TierState::default(), &tiers, seen.value);
            self.cache.set_pref(&format!("tier_alerts:{id}"), &state)?;
        }
        self.cache.set_pref(&format!("tiers:{id}"), &tiers)?;
        self.cache.flush().await?;
        self.poll_balances_soon();
        self.notify();
        self.tiers_view(id.as_str())
    }

    /// The tiers as the Usage Charges screen shows them, beside the platform's threshold.
    pub fn tiers_view(&self, id: &str) -> Result<TiersView, EngineError> {
        let id = self.known(id)?;
        let tiers = self.alert_tiers(id.as_str())?;
        Ok(TiersView {
            enabled: tiers.enabled,
            thresholds: tiers.thresholds.iter().map(|&t| cents_text(t)).collect(),
            max: desk_core::alerts::MAX_TIERS,
        })
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
