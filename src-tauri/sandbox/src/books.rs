//! Each account's books: ledger entries (usage, payments, prorations, recurring charges), the
//! payment processor's transactions, and the cards on file. The balance is the sum of the
//! ledger. Monthly charges, automatic top-ups and the low-balance flag follow the sandbox clock.

use crate::billing::{self, Plan};
use crate::clock::GREGORIAN_OFFSET;
use crate::envelope::{self, random_hex, Ctx};
use crate::model::State;
use crate::{lock, Shared};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{Datelike, NaiveDate, TimeZone};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::MutexGuard;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub id: String,
    /// `per-minute-voip`, `payments`, `prorations`, `recurring`, `adjustments`, …
    pub source: String,
    /// Positive credits, negative debits.
    pub amount: Decimal,
    pub description: String,
    /// Unix seconds.
    pub created: i64,
    pub usage_type: String,
    pub quantity: i64,
    pub unit: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Transaction {
    pub id: String,
    pub amount: Decimal,
    /// `completed` or `failed`.
    pub status: String,
    pub description: String,
    /// The processor's answer ("Approved", "Insufficient Funds (2001)").
    pub message: String,
    pub created: i64,
    /// The client's idempotency reference, when it sent one.
    pub reference: Option<String>,
    pub card: Option<String>,
}

/// How a sandbox card behaves, decided by its number (documented test cards).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CardBehaviour {
    Approve,
    /// Refused when it is added.
    DeclineOnVerify,
    /// Added fine; every charge is declined for insufficient funds.
    DeclineOnCharge,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Card {
    /// The payment-method token.
    pub id: String,
    pub card_type: String,
    pub last_four: String,
    pub expiration_month: u32,
    pub expiration_year: i32,
    pub default: bool,
    pub created: i64,
    pub behaviour: CardBehaviour,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Books {
    pub ledger: Vec<LedgerEntry>,
    pub transactions: Vec<Transaction>,
    pub cards: Vec<Card>,
    pub last_auto_topup: Option<i64>,
}

/// Every request on an account's books starts here: the caller may act on `id`, and the books
/// are brought up to the clock first (monthly charges, top-ups, the low-balance flag).
pub fn open<'a>(
    shared: &'a Shared,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
    id: &str,
) -> Result<(MutexGuard<'a, State>, Ctx), Response> {
    let mut state = lock(shared);
    let (ctx, _) = crate::auth::require_account(&state, headers, query, id)?;
    state
        .settle(id)
        .map_err(|e| envelope::datastore_fault(&ctx, &e))?;
    Ok((state, ctx))
}

/// A positive `amount` from a request body, or Kazoo's 400 on it (`rule` and its detail).
pub fn amount_field(
    ctx: &Ctx,
    data: &serde_json::Map<String, Value>,
    rule: &str,
    detail: Value,
) -> Result<Decimal, Response> {
    data.get("amount")
        .and_then(billing::decimal)
        .filter(|a| *a > Decimal::ZERO)
        .ok_or_else(|| envelope::validation(ctx, envelope::single_error("amount", rule, detail)))
}

pub fn gregorian(unix: i64) -> i64 {
    unix + GREGORIAN_OFFSET
}

impl Books {
    pub fn balance(&self) -> Decimal {
        self.ledger.iter().map(|e| e.amount).sum()
    }

    pub fn default_card(&self) -> Option<&Card> {
        self.cards.iter().find(|c| c.default).or(self.cards.first())
    }
}

impl LedgerEntry {
    pub fn new(
        source: &str,
        amount: Decimal,
        description: impl Into<String>,
        created: i64,
    ) -> Self {
        let unit = if source == "per-minute-voip" {
            "sec"
        } else {
            "USD"
        };
        Self {
            id: random_hex(16),
            source: source.to_owned(),
            amount,
            description: description.into(),
            created,
            usage_type: if amount.is_sign_negative() {
                "debit".into()
            } else {
                "credit".into()
            },
            quantity: 0,
            unit: unit.into(),
        }
    }

    /// As `/ledgers/{source}` lists it.
    pub fn view(&self) -> Value {
        json!({
            "id": self.id,
            "source": {"service": self.source, "id": self.id},
            "amount": billing::money(self.amount),
            "description": self.description,
            "usage": {"type": self.usage_type, "quantity": self.quantity, "unit": self.unit},
            "created": gregorian(self.created),
        })
    }
}

impl Transaction {
    pub fn view(&self) -> Value {
        json!({
            "id": self.id,
            "amount": billing::money(self.amount),
            "status": self.status,
            "description": self.description,
            "reason": if self.status == "failed" { Value::from(self.message.clone()) } else { Value::Null },
            "bookkeeper": {"type": "sandbox", "results": {"message": self.message}},
            "created": gregorian(self.created),
            "metadata": {"reference": self.reference, "card": self.card},
        })
    }
}

impl Card {
    pub fn view(&self, today: NaiveDate) -> Value {
        let expired = (self.expiration_year, self.expiration_month) < (today.year(), today.month());
        json!({
            "id": self.id,
            "card_type": self.card_type,
            "last_four": self.last_four,
            "expiration_month": format!("{:02}", self.expiration_month),
            "expiration_year": self.expiration_year.to_string(),
            "expired": expired,
            "default": self.default,
            "created_at": gregorian(self.created),
        })
    }
}

impl State {
    pub fn books(&mut self, id: &str) -> &mut Books {
        self.books.entry(id.to_owned()).or_default()
    }

    /// The account's zone for billing days: its own, else the nearest ancestor's, else Kazoo's
    /// default.
    pub fn account_zone(&self, id: &str) -> Tz {
        let chain: Vec<String> = self
            .account(id)
            .map(|a| {
                std::iter::once(&a.id)
                    .chain(a.tree.iter().rev())
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        chain
            .iter()
            .filter_map(|i| self.account(i))
            .filter_map(|a| a.doc.get("timezone").and_then(Value::as_str))
            .find_map(|z| z.parse::<Tz>().ok())
            .unwrap_or(chrono_tz::America::Los_Angeles)
    }

    pub fn today(&self, id: &str) -> NaiveDate {
        billing::local_today(self.account_zone(id), self.now())
    }

    pub fn plan_of(&self, id: &str) -> Option<&'static Plan> {
        self.account(id)?.plan.as_deref().and_then(billing::plan)
    }

    /// Charge the default card. `Ok` holds the completed transaction, `Err` the failed one
    /// (or `None` when there is no card at all).
    pub fn charge_card(
        &mut self,
        id: &str,
        amount: Decimal,
        description: &str,
        reference: Option<String>,
    ) -> Result<Transaction, Option<Transaction>> {
        let now = self.now();
        let books = self.books(id);
        let Some(card) = books.default_card().cloned() else {
            return Err(None);
        };
        let approved = card.behaviour == CardBehaviour::Approve;
        let tx = Transaction {
            id: random_hex(16),
            amount,
            status: if approved { "completed" } else { "failed" }.into(),
            description: description.into(),
            message: if approved {
                "Approved".into()
            } else {
                "Insufficient Funds (2001)".into()
            },
            created: now,
            reference,
            card: Some(format!("{} ending in {}", card.card_type, card.last_four)),
        };
        books.transactions.push(tx.clone());
        if approved {
            books
                .ledger
                .push(LedgerEntry::new("payments", amount, description, now));
            Ok(tx)
        } else {
            Err(Some(tx))
        }
    }

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
                let _ = self.charge_card(id, amount, "Automatic top-up", None);
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
                let label = first.format("%B %Y").to_string();
                self.books(&id).ledger.push(LedgerEntry::new(
                    "recurring",
                    -total,
                    format!("Monthly charges, {label}"),
                    start_unix(tz, first),
                ));
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
