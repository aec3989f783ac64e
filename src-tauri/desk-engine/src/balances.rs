//! Balances at a glance: every sub-account of the signed-in reseller with its balance, its
//! thresholds (the platform's and the user's desktop tiers), whether auto recharge is on, and
//! when the balance was read.
//!
//! Kazoo 4.3 has no call that answers many balances: `cb_ledgers` answers `/ledgers/total` for
//! one account (`kz_ledgers:get/1` sums that account's own ledger), `/ledgers/summary/{YYYYMM}`
//! breaks one account's monthly database down by account (flows, not balances), and the
//! account listings (`/descendants`, `/children`) carry none. So, as Kazoo's own web client
//! does, a refresh reads `/ledgers/total` once per account — here with bounded concurrency, in
//! the background — and the account document only when it is not cached (it holds the
//! thresholds). Each reading is kept with its time; the screen is built from the cache alone.

use crate::export::{sheet, write_file, Cell};
use crate::{Desk, EngineError};
use chrono::{DateTime, Utc};
use desk_core::money::{cents_text, shown_opt};
use desk_core::{AccountDoc, AccountId};
use futures_util::stream::{self, StreamExt};
use parking_lot::{Mutex, RwLock};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::path::Path;
use std::sync::Arc;

/// Requests in flight at once during a refresh: fast at 10,000 accounts, gentle on the platform.
pub const CONCURRENCY: usize = 8;
/// The most rows one page of the screen asks for.
const MAX_PAGE: usize = 500;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BalanceRow {
    pub account_id: String,
    pub name: String,
    pub realm: String,
    /// The last balance read; `None` until one has been.
    #[serde(serialize_with = "shown_opt")]
    pub balance: Option<Decimal>,
    pub read_at: Option<DateTime<Utc>>,
    /// The platform's threshold (Kazoo's, which also sends its e-mail); `None` while the
    /// account's document has not been read.
    #[serde(serialize_with = "shown_opt")]
    pub threshold: Option<Decimal>,
    pub alerts_enabled: bool,
    /// The user's desktop tiers that are on, highest first.
    pub tiers: Vec<String>,
    /// `None` while the account's document has not been read.
    pub auto_recharge: Option<bool>,
    pub watched: bool,
    /// Below the platform's threshold.
    pub below: bool,
    /// How far the balance is above its threshold (negative: below): what "closest to
    /// running out" sorts by.
    #[serde(serialize_with = "shown_opt")]
    pub headroom: Option<Decimal>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BalanceFilter {
    #[default]
    All,
    /// Below the platform's threshold.
    Below,
    Watched,
    /// No balance read yet.
    Unread,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BalanceSort {
    /// Least headroom first; accounts not read yet last.
    #[default]
    Closest,
    Name,
    /// Lowest balance first.
    Balance,
    /// Read longest ago first (never read first of all).
    Oldest,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct BalancesQuery {
    #[serde(default)]
    pub search: String,
    #[serde(default)]
    pub filter: BalanceFilter,
    #[serde(default)]
    pub sort: BalanceSort,
    #[serde(default)]
    pub offset: usize,
    /// At most [`MAX_PAGE`]; 0 means the most.
    #[serde(default)]
    pub limit: usize,
}

#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct RefreshProgress {
    pub done: usize,
    pub of: usize,
    pub failed: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BalancesPage {
    /// Sub-accounts in all.
    pub total: usize,
    /// Those the search and filter keep.
    pub matching: usize,
    pub rows: Vec<BalanceRow>,
    /// Set while a refresh runs.
    pub refresh: Option<RefreshProgress>,
    /// The last refresh, when it ended: how many could not be read.
    pub last_failed: usize,
    /// How many have no balance read yet.
    pub unread: usize,
    pub oldest_read: Option<DateTime<Utc>>,
}

/// The board behind the screen (its locks taken only here): the rows built from the cache, the
/// change they were built at, and the refresh in progress.
#[derive(Default)]
pub(crate) struct Board {
    rows: RwLock<Option<(u64, Arc<Vec<BalanceRow>>)>>,
    progress: Mutex<Option<RefreshProgress>>,
    last_failed: Mutex<usize>,
    one_at_a_time: tokio::sync::Mutex<()>,
}

impl Desk {
    /// One page of the Balances screen, from the cache (instant, offline too).
    pub fn balances(&self, query: &BalancesQuery) -> Result<BalancesPage, EngineError> {
        let rows = self.board_rows()?;
        let kept = kept(&rows, query);
        let limit = match query.limit {
            0 => MAX_PAGE,
            n => n.min(MAX_PAGE),
        };
        Ok(BalancesPage {
            total: rows.len(),
            matching: kept.len(),
            rows: kept
                .into_iter()
                .skip(query.offset)
                .take(limit)
                .cloned()
                .collect(),
            refresh: *self.board.progress.lock(),
            last_failed: *self.board.last_failed.lock(),
            unread: rows.iter().filter(|r| r.balance.is_none()).count(),
            oldest_read: rows.iter().filter_map(|r| r.read_at).min(),
        })
    }

    /// Every row the search and filter keep, in the screen's order, as CSV; returns how many
    /// were written.
    pub fn export_balances(
        &self,
        query: &BalancesQuery,
        path: &Path,
    ) -> Result<usize, EngineError> {
        let rows = self.board_rows()?;
        let kept = kept(&rows, query);
        write_file(path, &to_csv(&kept))?;
        Ok(kept.len())
    }

    /// Read every sub-account's balance (and its document when not cached) with at most
    /// [`CONCURRENCY`] requests at once. One refresh at a time: a second call while one runs
    /// returns at once. An account that cannot be read is counted, not fatal; when the platform
    /// cannot be reached at all, the refresh stops there.
    pub async fn refresh_balances(&self) -> Result<RefreshProgress, EngineError> {
        let Ok(_one) = self.board.one_at_a_time.try_lock() else {
            return Ok(self.board.progress.lock().unwrap_or_default());
        };
        if self.client.session().is_none() {
            return Err(EngineError::NotSignedIn);
        }
        let ids: Vec<String> = self
            .index()
            .map(|i| i.descendants().map(|n| n.id).collect())
            .unwrap_or_default();
        let of = ids.len();
        *self.board.progress.lock() = Some(RefreshProgress {
            done: 0,
            of,
            failed: 0,
        });
        self.notify();
        let mut results = stream::iter(ids)
            .map(|id| async move { self.read_one_balance(&id).await })
            .buffer_unordered(CONCURRENCY);
        let mut progress = RefreshProgress {
            done: 0,
            of,
            failed: 0,
        };
        while let Some(result) = results.next().await {
            progress.done += 1;
            if let Err(e) = result {
                progress.failed += 1;
                tracing::debug!(code = e.code(), "a balance was not read");
                if !self.status().online {
                    // The platform cannot be reached: the others would fail the same way.
                    let read = progress.done - progress.failed;
                    progress = RefreshProgress {
                        done: of,
                        of,
                        failed: of - read,
                    };
                    break;
                }
            }
            *self.board.progress.lock() = Some(progress);
            // The window redraws the counter now and then, not once per account.
            if progress.done.is_multiple_of(1_000) {
                self.notify();
            }
        }
        drop(results);
        self.cache.flush().await?;
        *self.board.progress.lock() = None;
        *self.board.last_failed.lock() = progress.failed;
        self.notify();
        Ok(progress)
    }

    async fn read_one_balance(&self, id: &str) -> Result<(), EngineError> {
        let account = AccountId::parse(id)?;
        if self.cache.account(id)?.is_none() {
            let fetched = self.observe(self.client.get_account(&account).await)?;
            self.store_account(&account, &fetched)?;
        }
        // Only an answer counts: the copy kept from before is no reading.
        let balance = self.observe(self.client.balance(&account).await)?;
        self.remembered(&crate::billing::balance_key(id), Ok(balance))?;
        Ok(())
    }

    /// The rows, rebuilt from the cache when anything changed since they were built.
    fn board_rows(&self) -> Result<Arc<Vec<BalanceRow>>, EngineError> {
        let change = *self.subscribe().borrow();
        if let Some((at, rows)) = self.board.rows.read().as_ref() {
            if *at == change {
                return Ok(rows.clone());
            }
        }
        let rows = Arc::new(self.build_rows()?);
        *self.board.rows.write() = Some((change, rows.clone()));
        Ok(rows)
    }

    fn build_rows(&self) -> Result<Vec<BalanceRow>, EngineError> {
        let Some(index) = self.index() else {
            return Ok(Vec::new());
        };
        let watched: std::collections::HashSet<String> = self.watched()?.into_iter().collect();
        let mut rows = Vec::with_capacity(index.len());
        for node in index.descendants() {
            let seen = self.last_balance(&node.id)?;
            let doc = self
                .cache
                .account(&node.id)?
                .and_then(|e| AccountDoc::from_value(e.value).ok());
            let alerts = doc.as_ref().map(AccountDoc::low_balance);
            let tiers = self.alert_tiers(&node.id)?;
            let balance = seen.as_ref().map(|s| s.value);
            let threshold = alerts.map(|a| a.threshold);
            let headroom = balance.zip(threshold).map(|(b, t)| b - t);
            rows.push(BalanceRow {
                watched: watched.contains(&node.id),
                below: headroom.is_some_and(|h| h < Decimal::ZERO),
                account_id: node.id,
                name: node.name,
                realm: node.realm,
                balance,
                read_at: seen.map(|s| s.at),
                threshold,
                alerts_enabled: alerts.is_none_or(|a| a.enabled),
                tiers: tiers.active().iter().map(|&t| cents_text(t)).collect(),
                auto_recharge: doc.as_ref().map(|d| d.auto_recharge().is_some()),
                headroom,
            });
        }
        Ok(rows)
    }
}

/// The rows a search and filter keep, in the order asked for.
fn kept<'a>(rows: &'a [BalanceRow], query: &BalancesQuery) -> Vec<&'a BalanceRow> {
    let search = query.search.trim().to_lowercase();
    let mut kept: Vec<&BalanceRow> = rows
        .iter()
        .filter(|r| match query.filter {
            BalanceFilter::All => true,
            BalanceFilter::Below => r.below,
            BalanceFilter::Watched => r.watched,
            BalanceFilter::Unread => r.balance.is_none(),
        })
        .filter(|r| {
            search.is_empty()
                || r.name.to_lowercase().contains(&search)
                || r.realm.to_lowercase().contains(&search)
                || r.account_id.starts_with(&search)
        })
        .collect();
    let by_name =
        |a: &&BalanceRow, b: &&BalanceRow| a.name.to_lowercase().cmp(&b.name.to_lowercase());
    // Not read yet: after every amount.
    let last_if_none = |a: Option<Decimal>, b: Option<Decimal>| match (a, b) {
        (Some(a), Some(b)) => a.cmp(&b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    match query.sort {
        BalanceSort::Closest => {
            kept.sort_by(|a, b| last_if_none(a.headroom, b.headroom).then_with(|| by_name(a, b)))
        }
        BalanceSort::Balance => {
            kept.sort_by(|a, b| last_if_none(a.balance, b.balance).then_with(|| by_name(a, b)))
        }
        BalanceSort::Name => kept.sort_by(by_name),
        BalanceSort::Oldest => {
            kept.sort_by(|a, b| a.read_at.cmp(&b.read_at).then_with(|| by_name(a, b)))
        }
    }
    kept
}

/// The rows as CSV: amounts as numbers, the rest as text.
fn to_csv(rows: &[&BalanceRow]) -> String {
    let amount =
        |d: Option<Decimal>| d.map_or_else(|| Cell::text(""), |d| Cell::number(cents_text(d)));
    let on_off = |on: bool| Cell::text(if on { "on" } else { "off" });
    let header = [
        "account_id",
        "account_name",
        "realm",
        "balance",
        "read_utc",
        "threshold",
        "alerts",
        "desktop_tiers",
        "auto_recharge",
        "watched",
    ]
    .map(Cell::text)
    .into();
    let lines = rows.iter().map(|r| {
        vec![
            Cell::text(&r.account_id),
            Cell::text(&r.name),
            Cell::text(&r.realm),
            amount(r.balance),
            Cell::text(
                r.read_at
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                    .unwrap_or_default(),
            ),
            amount(r.threshold),
            on_off(r.alerts_enabled),
            Cell::text(r.tiers.join(" ")),
            r.auto_recharge.map_or_else(|| Cell::text(""), on_off),
            Cell::text(if r.watched { "yes" } else { "no" }),
        ]
    });
    sheet(std::iter::once(header).chain(lines))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, balance: Option<&str>, threshold: &str) -> BalanceRow {
        let balance = balance.map(|b| b.parse::<Decimal>().unwrap());
        let threshold: Decimal = threshold.parse().unwrap();
        let headroom = balance.map(|b| b - threshold);
        BalanceRow {
            account_id: format!("{:0>32}", name.len()),
            name: name.into(),
            realm: format!("{}.example", name.to_lowercase()),
            balance,
            read_at: None,
            threshold: Some(threshold),
            alerts_enabled: true,
            tiers: Vec::new(),
            auto_recharge: Some(false),
            watched: name.starts_with('W'),
            below: headroom.is_some_and(|h| h < Decimal::ZERO),
            headroom,
        }
    }

    fn names(rows: &[&BalanceRow]) -> Vec<String> {
        rows.iter().map(|r| r.name.clone()).collect()
    }

    #[test]
    fn closest_to_running_out_first_and_unread_last() {
        let rows = [
            row("Alpha", Some("50"), "5"),
            row("Bravo", Some("3"), "5"),
            row("Charlie", None, "5"),
            row("Delta", Some("12"), "10"),
            row("Echo", Some("-4"), "5"),
        ];
        let q = BalancesQuery::default();
        assert_eq!(
            names(&kept(&rows, &q)),
            ["Echo", "Bravo", "Delta", "Alpha", "Charlie"]
        );
        let q = BalancesQuery {
            sort: BalanceSort::Balance,
            ..q
        };
        assert_eq!(
            names(&kept(&rows, &q)),
            ["Echo", "Bravo", "Delta", "Alpha", "Charlie"]
        );
        let below = BalancesQuery {
            filter: BalanceFilter::Below,
            ..BalancesQuery::default()
        };
        assert_eq!(names(&kept(&rows, &below)), ["Echo", "Bravo"]);
        let search = BalancesQuery {
            search: " DEL".into(),
            ..BalancesQuery::default()
        };
        assert_eq!(names(&kept(&rows, &search)), ["Delta"]);
    }

    #[test]
    fn the_export_has_amounts_as_numbers_and_names_as_text() {
        let rows = [row("=Bad", Some("-4"), "5")];
        let csv = to_csv(&rows.iter().collect::<Vec<_>>());
        let line = csv.lines().nth(1).unwrap();
        assert!(
            line.contains(",\"'=Bad\",") && line.contains(",-4.00,"),
            "{line}"
        );
    }
}
