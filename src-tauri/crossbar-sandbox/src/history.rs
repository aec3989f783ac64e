//! A few months of believable books for the demo seed, built around the sandbox clock's "now"
//! so the demo looks the same on any day of the year: daily per-minute usage, monthly plan
//! charges on each local 1st (this month's included, from its first minute), the reseller's
//! card payments with their transactions and one declined payment in the last week, a card on
//! file that expires within the 45-day warning window, and opening balances chosen so that some
//! accounts sit just below their low-balance threshold.

use crate::billing;
use crate::books::{Card, CardBehaviour, LedgerEntry, Transaction};
use crate::cycle::{monthly_charge, start_unix};
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
        message: if ok { "Approved" } else { "Insufficient Funds" }.into(),
        reason: (!ok).then(|| "api_error".into()),
        created: at,
        trigger: if description.starts_with("Recurring") {
            "recurring"
        } else {
            "manual"
        }
        .into(),
        card: Some(card.into()),
    }
}

/// One outbound call as `j5_per_minute:create_ledger_usage/4` books it: only `period.start`,
/// billed seconds, and the call's parties in `metadata` (the rate's value in units per minute).
fn call(dice: &mut Dice, realm: &str, minutes: u64, cents: u64, at: i64) -> LedgerEntry {
    let seconds = minutes * 60 - dice.next(45);
    let mut e = LedgerEntry::new(
        "per-minute-voip",
        -Decimal::new(cents.max(1) as i64, 2),
        "US outbound",
        at,
    );
    e.source_id = Some(format!("{:016x}@{realm}", dice.next(u64::MAX)));
    e.usage_type = "voice".into();
    e.quantity = seconds as i64;
    let caller = format!("+1415555{:04}", 100 + dice.next(60));
    let callee = format!("+1212555{:04}", dice.next(10_000));
    let rate = (cents * 10_000 / minutes.max(1)) as i64;
    e.metadata = serde_json::json!({
        "from": format!("{}@{realm}", &caller[1..]),
        "to": format!("{}@{realm}", &callee[1..]),
        "direction": "outbound",
        "caller_id_number": caller,
        "caller_id_name": "Front desk",
        "callee_id_number": callee,
        "callee_id_name": callee,
        "resource_type": "offnet-termination",
        "rate": {"name": "US-1", "description": "US outbound", "value": rate, "increment": 60, "minimum": 60, "nocharge_time": 0},
    })
    .as_object()
    .cloned()
    .unwrap_or_default();
    e
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
    let realm = state
        .account(id)
        .and_then(|a| a.doc.get("realm"))
        .and_then(|r| r.as_str())
        .unwrap_or("sip.example.net")
        .to_owned();
    let realm = realm.as_str();
    let card_label = "Visa ending in 1111";
    let mut entries = Vec::new();
    let mut transactions = Vec::new();
    // Every day up to today: this month's charge is there from local midnight on the 1st, so
    // a demo seeded on the 1st shows it too; only what has already happened is written.
    let mut day = start;
    while day <= today {
        let at = start_unix(tz, day) + 9 * 3600;
        if day.day() == 1 {
            entries.push(monthly_charge(tz, day, monthly));
            let paid_at = at + 3 * 86_400;
            if is_reseller && paid_at <= now {
                let paid = monthly + Decimal::from(150);
                transactions.push(tx(
                    &mut dice,
                    paid,
                    true,
                    "Recurring payment",
                    paid_at,
                    card_label,
                ));
                entries.push(LedgerEntry::new(
                    "payments",
                    paid,
                    "Recurring payment",
                    paid_at,
                ));
            }
        }
        // Business days carry more traffic than weekends.
        let weekend = day.weekday().number_from_monday() > 5;
        let minutes = (dice.next(90) + 20) * trunks as u64 / if weekend { 4 } else { 1 };
        let cents = minutes * (1 + dice.next(3));
        let used_at = at + 10 * 3600;
        // A few calls a day, each its own ledger entry as jonny5 writes them.
        let calls = 1 + dice.next(4);
        for n in 0..calls {
            let call_at = used_at + n as i64 * 1_800;
            if day == today && call_at > now {
                break;
            }
            let share = (minutes / calls).max(1);
            entries.push(call(
                &mut dice,
                realm,
                share,
                cents * share / minutes.max(1),
                call_at,
            ));
        }
        day += Days::days(1);
    }
    if is_reseller {
        // One declined card payment, always within the last week (so Usage Charges shows the
        // processor's reason in its default range), then the retry that went through.
        let declined_at = now - 6 * 86_400;
        let amount = Decimal::from(200);
        transactions.push(tx(
            &mut dice,
            amount,
            false,
            "Manual top-up",
            declined_at,
            card_label,
        ));
        let retry = tx(
            &mut dice,
            amount,
            true,
            "Manual top-up",
            declined_at + 86_400,
            card_label,
        );
        entries.push(LedgerEntry::topup(
            amount,
            "manual",
            Some(&retry.id),
            retry.created,
        ));
        transactions.push(retry);
    }
    transactions.sort_by_key(|t| t.created);
    entries.sort_by_key(|e| e.created);
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
        // The card on file expires at the end of the month holding today + 14 days: 14 to 44
        // days away whatever the date, so the demo always shows the 45-day warning.
        let expires = today + Days::days(14);
        books.cards.push(Card {
            id: "demo-card-visa".into(),
            card_type: "Visa".into(),
            last_four: "1111".into(),
            expiration_month: expires.month(),
            expiration_year: expires.year(),
            default: true,
            created: start_unix(tz, start),
            behaviour: CardBehaviour::Approve,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::seed::{build, Seed};
    use chrono::DateTime;

    /// Instants around which the demo must look right: month ends and starts on both sides of
    /// the date line, the 15th, a leap day, DST change days in the US and the EU.
    const DATES: &[&str] = &[
        "2026-12-31T10:30:00Z", // Kiritimati (UTC+14) just into 1 January; the 31st elsewhere
        "2027-01-01T11:30:00Z", // Pago Pago (UTC−11) just into the 1st; the 1st everywhere
        "2027-01-15T12:00:00Z",
        "2027-04-30T23:00:00Z", // the last day of April in the Americas, 1 May in Asia
        "2028-02-29T12:00:00Z",
        "2027-03-14T10:30:00Z", // US clocks went forward half an hour ago
        "2026-10-25T01:30:00Z", // EU clocks went back half an hour ago
    ];

    /// The demo seeded with its clock at `at`, and that instant in unix seconds.
    fn demo_at(at: &str) -> (i64, State) {
        let now = DateTime::parse_from_rfc3339(at).unwrap().timestamp();
        let state = build(
            &Seed::Demo,
            Default::default(),
            std::time::Duration::from_secs(1),
            Clock::starting_at(now),
        );
        (now, state)
    }

    #[test]
    fn on_any_date_the_books_hold_this_months_charge_and_nothing_from_the_future() {
        for at in DATES {
            let (now, state) = demo_at(at);
            let billed: Vec<_> = state
                .accounts
                .values()
                .filter(|a| a.plan.is_some())
                .collect();
            assert!(billed.len() > 20);
            for acct in billed {
                let tz = state.account_zone(&acct.id);
                let today = billing::local_today(tz, now);
                let first = today.with_day(1).unwrap();
                let books = &state.books[&acct.id];
                let this_month = format!("Monthly charges, {}", first.format("%B %Y"));
                assert!(
                    books.ledger.iter().any(|e| e.source == "recurring"
                        && e.description == this_month
                        && e.created == start_unix(tz, first)),
                    "{at}: {} ({tz}, {today}) has no “{this_month}”",
                    acct.doc["name"]
                );
                let late = books.ledger.iter().map(|e| e.created);
                let late = late.chain(books.transactions.iter().map(|t| t.created));
                assert!(late.max().unwrap() <= now, "{at}: an entry from the future");
            }
        }
    }

    #[test]
    fn on_any_date_the_resellers_card_is_inside_the_warning_window_with_a_recent_decline() {
        for at in DATES {
            let (now, state) = demo_at(at);
            let reseller = state.reseller_id().unwrap();
            let today = state.today(&reseller);
            let books = &state.books[&reseller];
            let card = books.default_card().unwrap();
            let last_day = billing::next_month(
                NaiveDate::from_ymd_opt(card.expiration_year, card.expiration_month, 1).unwrap(),
            )
            .pred_opt()
            .unwrap();
            let left = (last_day - today).num_days();
            assert!(
                (14..45).contains(&left),
                "{at}: the card expires in {left} days"
            );
            let declined: Vec<_> = books
                .transactions
                .iter()
                .filter(|t| t.status == "failed")
                .collect();
            assert_eq!(declined.len(), 1, "{at}");
            let age = now - declined[0].created;
            assert!((0..7 * 86_400).contains(&age), "{at}: declined {age} s ago");
        }
    }
}
