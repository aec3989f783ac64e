//! The platform's crawler, following the sandbox clock: the monthly charge on the 1st of each
//! month in the account's zone, automatic top-ups (at most one per rolling 24 hours) and the
//! low-balance flag on the account document.

use crate::billing;
use crate::books::{gregorian, LedgerEntry};
use crate::model::State;
use chrono::{Datelike, NaiveDate, TimeZone};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde_json::{json, Value};

impl State {
    /// After the balance moved: an automatic top-up (at most once per rolling 24 hours) and
    /// the low-balance flag the platform's crawler keeps on the account document.
    pub fn after_balance_change(&mut self, id: &str) {
        let now = self.now();
        let doc = self.account(id).map(|a| a.doc.clone()).unwrap_or_default();
        let number = |path: &[&str]| -> Option<Decimal> {
            let mut v = doc.get(path[0])?;
            for p in &path[1..] {
                v = v.get(p)?;
            }
            billing::decimal(v)
        };
        if let (Some(threshold), Some(amount)) = (
            number(&["topup", "threshold"]),
            number(&["topup", "amount"]),
        ) {
            let books = self.books(id);
            let recent = books.last_auto_topup.is_some_and(|t| now - t < 86_400);
            if threshold > Decimal::ZERO
                && amount > Decimal::ZERO
                && books.balance() < threshold
                && !recent
            {
                books.last_auto_topup = Some(now);
                let _ = self.topup(id, amount, "automatic");
            }
        }
        let enabled = doc
            .get("notifications")
            .and_then(|n| n.get("low_balance"))
            .and_then(|l| l.get("enabled"))
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let threshold = number(&["notifications", "low_balance", "threshold"])
            .or(number(&["topup", "threshold"]))
            .unwrap_or(Decimal::new(5, 0));
        let sent = doc
            .get("notifications")
            .and_then(|n| n.get("low_balance"))
            .and_then(|l| l.get("sent_low_balance"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let low = enabled && self.books(id).balance() < threshold;
        if low != sent {
            if let Some(acct) = self.accounts.get_mut(id) {
                let n = acct.doc.entry("notifications").or_insert_with(|| json!({}));
                if let Some(n) = n.as_object_mut() {
                    let lb = n.entry("low_balance").or_insert_with(|| json!({}));
                    if let Some(lb) = lb.as_object_mut() {
                        lb.insert("sent_low_balance".into(), low.into());
                        if low {
                            lb.insert("last_notification".into(), gregorian(now).into());
                        }
                    }
                }
                acct.rev += 1;
                acct.modified = now;
            }
        }
    }

    /// What the platform's crawler would have done by now for `id`: monthly charges, an
    /// automatic top-up, the low-balance flag. Persisted when anything moved.
    pub fn settle(&mut self, id: &str) -> std::io::Result<()> {
        let mark = |s: &State| {
            (
                s.account(id).map(|a| a.rev),
                s.books
                    .get(id)
                    .map(|b| (b.ledger.len(), b.transactions.len())),
            )
        };
        let before = mark(self);
        self.catch_up();
        self.after_balance_change(id);
        if mark(self) != before {
            self.save_books(id)?;
        }
        Ok(())
    }

    /// Bring the books up to the clock: the monthly charge on the 1st of every month that has
    /// begun (in the account's zone) since the last catch-up.
    pub fn catch_up(&mut self) {
        let now = self.now();
        let since = self.last_tick;
        if now <= since {
            return;
        }
        self.last_tick = now;
        // No zone is more than 14 hours from UTC: unless a 1st lies in that wider window, no
        // account's month began (the usual case, so most requests skip the accounts entirely).
        let (from, to) = (
            billing::local_today(chrono_tz::UTC, since - 14 * 3600),
            billing::local_today(chrono_tz::UTC, now + 14 * 3600),
        );
        if (from.year(), from.month()) == (to.year(), to.month()) {
            return;
        }
        let billed = self.billed_accounts();
        for id in billed {
            let tz = self.account_zone(&id);
            let firsts = month_starts(tz, since, now);
            let total = self.monthly_total(&id);
            if firsts.is_empty() || total <= Decimal::ZERO {
                continue;
            }
            for first in firsts {
                self.books(&id)
                    .ledger
                    .push(monthly_charge(tz, first, total));
            }
            self.after_balance_change(&id);
        }
    }

    /// The platform's crawler over every billed account, after the clock jumped: monthly
    /// charges, automatic top-ups and low-balance flags everywhere, not only where read.
    pub fn crawl(&mut self) {
        self.catch_up();
        let billed = self.billed_accounts();
        for id in billed {
            self.after_balance_change(&id);
        }
    }

    fn billed_accounts(&self) -> Vec<String> {
        self.accounts
            .values()
            .filter(|a| a.plan.is_some())
            .map(|a| a.id.clone())
            .collect()
    }

    /// What the account's plan costs a month at its current quantities.
    pub fn monthly_total(&self, id: &str) -> Decimal {
        self.monthly_items(id)
            .iter()
            .map(|(_, _, q, r)| Decimal::from(*q) * *r)
            .sum()
    }

    /// (category, item, quantity, rate) for every billable item of the account's plan.
    pub fn monthly_items(&self, id: &str) -> Vec<(&'static str, &'static str, i64, Decimal)> {
        let Some(plan) = self.plan_of(id) else {
            return Vec::new();
        };
        let limits = self.limits.get(id);
        plan.items
            .iter()
            .filter_map(|(category, item, rate)| {
                let rate: Decimal = rate.parse().ok()?;
                let quantity = if *category == "limits" {
                    limits
                        .and_then(|l| l.get(*item))
                        .and_then(Value::as_i64)
                        .unwrap_or(0)
                } else {
                    1
                };
                Some((*category, *item, quantity, rate))
            })
            .collect()
    }
}

/// The recurring charge for the month starting on `first` (local), its period the whole month.
pub fn monthly_charge(tz: Tz, first: NaiveDate, total: Decimal) -> LedgerEntry {
    let label = first.format("%B %Y").to_string();
    let mut e = LedgerEntry::new(
        "recurring",
        -total,
        format!("Monthly charges, {label}"),
        start_unix(tz, first),
    );
    e.period_end = Some(start_unix(tz, billing::next_month(first)) - 1);
    e
}

pub fn start_unix(tz: Tz, date: NaiveDate) -> i64 {
    tz.from_local_datetime(&date.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map_or(0, |t| t.timestamp())
}

/// The local 1sts of months whose start lies in (since, now].
fn month_starts(tz: Tz, since: i64, now: i64) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let from = billing::local_today(tz, since);
    let mut first = NaiveDate::from_ymd_opt(from.year(), from.month(), 1).unwrap_or(from);
    loop {
        first = billing::next_month(first);
        let at = start_unix(tz, first);
        if at > now {
            return out;
        }
        if at > since {
            out.push(first);
        }
    }
}
