//! The account's zone: the calendar billing days are counted in (proration, card expiry, the
//! balance watcher) and the zone times are shown in.

use crate::{Desk, EngineError};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use desk_core::proration::local_date;
use desk_core::{AccountDoc, AccountId, Stored, Timezone};

/// Kazoo's default zone for accounts (and their ancestors) that set none.
const PLATFORM_ZONE: Tz = chrono_tz::America::Los_Angeles;

/// The zone an account document sets, if it sets a valid one.
fn zone_of(doc: &AccountDoc) -> Option<Tz> {
    match doc.timezone() {
        Stored::Valid(Timezone::Zone(tz)) => Some(tz),
        _ => None,
    }
}

impl Desk {
    /// The cached account document's own zone.
    fn own_zone(&self, id: &str) -> Option<Tz> {
        let entry = self.cache.account(id).ok()??;
        zone_of(&AccountDoc::from_value(entry.value).ok()?)
    }

    /// The nearest ancestor's zone, for an account that sets none.
    pub(crate) fn inherited_zone(&self, id: &str) -> Option<Tz> {
        let index = self.index()?;
        let crumbs = index.breadcrumb(id);
        crumbs
            .iter()
            .rev()
            .skip(1)
            .find_map(|c| self.own_zone(&c.id))
    }

    /// The zone billing days are counted in: the account's own, else the nearest ancestor's,
    /// else the platform default.
    pub(crate) fn billing_zone(&self, id: &str) -> Tz {
        self.own_zone(id)
            .or_else(|| self.inherited_zone(id))
            .unwrap_or(PLATFORM_ZONE)
    }

    /// The account's calendar date now (card expiry, proration).
    pub(crate) fn billing_today(&self, id: &str) -> NaiveDate {
        local_date(self.billing_zone(id), self.now())
    }

    /// The month on the account's calendar (`YYYY-MM`): what a proration was worked out for.
    pub(crate) fn billing_month(&self, id: &str) -> String {
        self.billing_today(id).format("%Y-%m").to_string()
    }

    /// The zone times are shown in: the account's or this computer's, as the user chose.
    pub(crate) fn display_zone(&self, id: &str, times_in_account: bool) -> (Tz, String) {
        if times_in_account {
            let tz = self.billing_zone(id);
            (tz, tz.name().to_owned())
        } else {
            let tz = local_zone();
            (tz, format!("{} (this computer)", tz.name()))
        }
    }

    /// The billing screens read settings from the account document, and count days in its zone:
    /// fetch the document if never seen, and for an inherited zone the ancestors' up to the
    /// first that sets one (a zone guessed wrong would shift "today" by a day).
    pub(crate) async fn ensure_cached(&self, id: &AccountId) -> Result<(), EngineError> {
        if self.cache.account(id.as_str())?.is_none() {
            self.account(id.as_str()).await?;
        }
        let crumbs = self
            .index()
            .map(|i| i.breadcrumb(id.as_str()))
            .unwrap_or_default();
        for c in crumbs.iter().rev() {
            let cached = self.cache.account(&c.id)?;
            let zone_set = cached
                .and_then(|e| AccountDoc::from_value(e.value).ok())
                .map(|d| zone_of(&d).is_some());
            match zone_set {
                Some(true) => break,
                Some(false) => continue,
                None if !self.status().online => break,
                None => {
                    let Ok(ancestor) = AccountId::parse(&c.id) else {
                        continue;
                    };
                    match self.observe(self.client.get_account(&ancestor).await) {
                        Ok(f) => {
                            self.store_account(&ancestor, &f)?;
                            if zone_of(&f.value).is_some() {
                                break;
                            }
                        }
                        // Offline or not allowed: the best zone known is used.
                        Err(e) => {
                            tracing::info!(code = e.code(), "an ancestor's zone could not be read");
                            break;
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// This computer's zone, for "times in local time" (`TZ` first, as the C library does).
fn local_zone() -> Tz {
    std::env::var("TZ")
        .ok()
        .and_then(|z| z.trim_start_matches(':').parse().ok())
        .or_else(|| iana_time_zone::get_timezone().ok()?.parse().ok())
        .unwrap_or(chrono_tz::UTC)
}

/// `2026-11-28 10:00 CST`: a time as the screens and exports show it.
pub(crate) fn local_text(t: DateTime<Utc>, zone: Tz) -> String {
    t.with_timezone(&zone)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}
