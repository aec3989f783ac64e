//! A few months of believable books for the demo seed: daily per-minute usage, monthly plan
//! charges on the 1st, card payments with their transactions, and opening balances chosen so
//! that some accounts sit just below their low-balance threshold.

use crate::billing;
use crate::books::{start_unix, Card, CardBehaviour, LedgerEntry, Transaction};
use crate::model::State;
use chrono::{Datelike, Duration as Days, NaiveDate};
use md5::{Digest, Md5};
use rust_decimal::Decimal;

/// Balances the demo shows on purpose (everything else lands between 20 and 400).
const TARGETS: &[(&str, &str)] = &[
    ("Demo Reseller", "1248.75"),
    ("Lakeside Community Church", "3.20"),
    ("Tonga Pacific Fisheries", "4.10"),
    ("Legacy Imports Ltd", "-12.40"),
];

/// A small deterministic generator per account, so the demo looks the same on every seed.
struct Dice(u64);

impl Dice {
    fn new(id: &str) -> Self {
        let h = Md5::digest(id.as_bytes());
        Self(u64::from_le_bytes(h[..8].try_into().unwrap_or([7; 8])) | 1)
    }
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below.max(1)
    }
}

fn tx(
    id_seed: &mut Dice,
    amount: Decimal,
    ok: bool,
    description: &str,
    at: i64,
    card: &str,
) -> Transaction {
    Transaction {
        id: format!("{:016x}", id_seed.next(u64::MAX)),
        amount,
        status: if ok { "completed" } else { "failed" }.into(),
        description: description.into(),
        message: if ok {
            "Approved"
        } else {
            "Insufficient Funds (2001)"
        }
        .into(),
        created: at,
        reference: None,
        card: Some(card.into()),
    }
}

/// Fill every planned account's books from three months before `now` up to `now`.
pub fn seed(state: &mut State, now: i64) {
    let ids: Vec<(String, String)> = state
        .accounts
        .values()
        .filter(|a| a.plan.is_some())
        .map(|a| {
            (
                a.id.clone(),
                a.doc
                    .get("name")
                    .and_then(|n| n.as_str())
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    for (id, name) in ids {
        account(state, &id, &name, now);
    }
    state.last_tick = now;
}

fn account(state: &mut State, id: &str, name: &str, now: i64) {
    let tz = state.account_zone(id);
    let today = billing::local_today(tz, now);
    let mut dice = Dice::new(id);
    let first = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    let start = (0..3).fold(first, |d, _| (d - Days::days(1)).with_day(1).unwrap_or(d));
    let monthly: Decimal = state.monthly_total(id);
    let trunks = state
        .monthly_items(id)
        .iter()
        .filter(|i| i.0 == "limits")
        .map(|i| i.2)
        .sum::<i64>()
        .max(1);
    let is_reseller = state.account(id).is_some_and(|a| a.is_reseller);
    let card_label = "Visa ending in 1111";
    let mut entries = Vec::new();
    let mut transactions = Vec::new();
    let mut day = start;
    while day < today {
        let at = start_unix(tz, day) + 9 * 3600;
        if day.day() == 1 {
            let label = day.format("%B %Y");
            entries.push(LedgerEntry::new(
                "recurring",
                -monthly,
                format!("Monthly charges, {label}"),
                start_unix(tz, day),
            ));
            if is_reseller {
                let paid = monthly + Decimal::from(150);
                let ok = !(day.month() == first.month() && day.year() == first.year());
                transactions.push(tx(
                    &mut dice,
                    paid,
                    ok,
                    "Recurring payment",
                    at + 3 * 86_400,
                    card_label,
                ));
                if ok {
                    entries.push(LedgerEntry::new(
                        "payments",
                        paid,
                        "Recurring payment",
                        at + 3 * 86_400,
                    ));
                } else {
                    let retry = tx(
                        &mut dice,
                        paid,
                        true,
                        "Manual top-up",
                        at + 4 * 86_400,
                        card_label,
                    );
                    entries.push(LedgerEntry::new(
                        "payments",
                        paid,
                        "Manual top-up",
                        retry.created,
                    ));
                    transactions.push(retry);
                }
            }
        }
        // Business days carry more traffic than weekends.
        let weekend = day.weekday().number_from_monday() > 5;
        let minutes = (dice.next(90) + 20) * trunks as u64 / if weekend { 4 } else { 1 };
        let cents = minutes * (1 + dice.next(3));
        let mut usage = LedgerEntry::new(
            "per-minute-voip",
            -Decimal::new(cents as i64, 2),
            format!("Outbound calls, {day}"),
            at + 10 * 3600,
        );
        usage.quantity = minutes as i64 * 60;
        entries.push(usage);
        day += Days::days(1);
    }
    let target: Decimal = TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .and_then(|(_, t)| t.parse().ok())
        .unwrap_or_else(|| {
            Decimal::from(20 + dice.next(380)) + Decimal::new(dice.next(100) as i64, 2)
        });
    let so_far: Decimal = entries.iter().map(|e| e.amount).sum();
    let opening = LedgerEntry::new(
        "adjustments",
        target - so_far,
        "Opening balance carried forward",
        start_unix(tz, start) - 3600,
    );
    entries.insert(0, opening);
    let books = state.books(id);
    books.ledger = entries;
    books.transactions = transactions;
    if is_reseller {
        // The card on file expires at the end of next month, so the warning shows in the demo.
        let next = billing::next_month(today);
        books.cards.push(Card {
            id: "demo-card-visa".into(),
            card_type: "Visa".into(),
            last_four: "1111".into(),
            expiration_month: next.month(),
            expiration_year: next.year(),
            default: true,
            created: start_unix(tz, start),
            behaviour: CardBehaviour::Approve,
        });
    }
}
