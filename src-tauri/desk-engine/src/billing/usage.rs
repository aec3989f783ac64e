//! Usage Charges: the ledger over a date range with the balance after every entry, the totals
//! per source, the end-of-day chart and the payment transactions, and the CSV export.

use crate::export::{sheet, Cell};
use crate::zone::local_text;
use crate::{Desk, EngineError};
use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use crossbar::{LedgerRow, TransactionRow};
use desk_core::money::{cents_text, shown};
use desk_core::proration::{local_date, start_of_day};
use desk_core::FieldError;
use rust_decimal::Decimal;
use serde::Serialize;

/// The longest range one view reads.
const MAX_RANGE_DAYS: i64 = 731;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct UsageRow {
    pub source: String,
    pub description: String,
    #[serde(serialize_with = "shown")]
    pub amount: Decimal,
    /// The balance right after this entry.
    #[serde(serialize_with = "shown")]
    pub balance: Decimal,
    pub at: DateTime<Utc>,
    /// `2026-11-28 10:00 CST`, in the zone times are shown in.
    pub local: String,
    pub minutes: Option<Decimal>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChartPoint {
    pub date: NaiveDate,
    /// The balance at the end of that day.
    #[serde(serialize_with = "shown")]
    pub balance: Decimal,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SourceSum {
    pub source: String,
    #[serde(serialize_with = "shown")]
    pub amount: Decimal,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TransactionView {
    #[serde(serialize_with = "shown")]
    pub amount: Decimal,
    pub status: String,
    pub description: String,
    pub reason: Option<String>,
    pub local: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct UsageView {
    pub account_id: String,
    #[serde(serialize_with = "shown")]
    pub balance: Decimal,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The zone the range and times are in.
    pub zone: String,
    pub sources: Vec<SourceSum>,
    pub rows: Vec<UsageRow>,
    pub transactions: Vec<TransactionView>,
    pub chart: Vec<ChartPoint>,
    /// The chart's vertical scale: from zero or the lowest balance, whichever is lower, to the
    /// highest balance (at least one above the bottom).
    #[serde(serialize_with = "shown")]
    pub chart_low: Decimal,
    #[serde(serialize_with = "shown")]
    pub chart_high: Decimal,
    #[serde(serialize_with = "shown")]
    pub threshold: Decimal,
    /// The balance is below the alert threshold.
    pub below_threshold: bool,
    pub alerts_enabled: bool,
    pub watched: bool,
    /// Only the top-level account pays by card (and so may add credit), on a platform that
    /// takes top-ups.
    pub can_pay: bool,
    /// Why a money action is missing on this platform (Kazoo 4.2 has no top-up).
    pub platform_note: Option<String>,
    /// Offline: the balance is the last one seen, at this time.
    pub as_of: Option<DateTime<Utc>>,
}

/// The days a view covers, in the zone its times are shown in.
#[derive(Debug, Clone, Copy)]
struct Range {
    zone: Tz,
    from: NaiveDate,
    to: NaiveDate,
    /// The first instant of `from`, and the first instant after `to`.
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl Range {
    fn new(zone: Tz, from: NaiveDate, to: NaiveDate) -> Result<Self, FieldError> {
        if from > to {
            return Err(FieldError::new(
                "usage.range",
                "the start date is after the end date",
            ));
        }
        if (to - from).num_days() > MAX_RANGE_DAYS {
            return Err(FieldError::new(
                "usage.range",
                "choose at most two years at a time",
            ));
        }
        let after = to
            .checked_add_days(Days::new(1))
            .ok_or_else(|| FieldError::new("usage.range", "the end date is out of range"))?;
        Ok(Self {
            zone,
            from,
            to,
            start: start_of_day(zone, from),
            end: start_of_day(zone, after),
        })
    }
}

/// What the ledger shows over a range: its rows with the balance after each, the totals per
/// source and the end-of-day chart.
#[derive(Debug, Default, PartialEq)]
struct Ledger {
    rows: Vec<UsageRow>,
    sources: Vec<SourceSum>,
    chart: Vec<ChartPoint>,
}

/// The ledger, worked out from the balance now and every entry since the range began (in any
/// order): the balance is walked back from now through each entry, newest first, so entries
/// after the range still move the balances shown inside it.
fn ledger(balance: Decimal, mut entries: Vec<LedgerRow>, range: &Range) -> Ledger {
    entries.sort_by(|a, b| b.at.cmp(&a.at).then(b.id.cmp(&a.id)));
    let chart = chart(balance, &entries, range);
    let mut rows = Vec::new();
    let mut running = balance;
    for e in entries {
        let amount = e.amount;
        if e.at < range.end {
            let minutes = (e.unit == "sec" && e.quantity > 0)
                .then(|| (Decimal::from(e.quantity) / Decimal::from(60)).round_dp(1));
            rows.push(UsageRow {
                local: local_text(e.at, range.zone),
                source: e.source,
                description: e.description,
                amount,
                balance: running,
                at: e.at,
                minutes,
            });
        }
        running -= amount;
    }
    let mut sources: Vec<SourceSum> = Vec::new();
    for r in &rows {
        match sources.iter_mut().find(|s| s.source == r.source) {
            Some(s) => s.amount += r.amount,
            None => sources.push(SourceSum {
                source: r.source.clone(),
                amount: r.amount,
            }),
        }
    }
    sources.sort_by(|a, b| a.source.cmp(&b.source));
    Ledger {
        rows,
        sources,
        chart,
    }
}

/// The chart: end-of-day balances over the range, walking back from the current balance through
/// every entry since the range began.
fn chart(balance: Decimal, newest_first: &[LedgerRow], range: &Range) -> Vec<ChartPoint> {
    let mut points = Vec::new();
    let mut day = range.to;
    let mut running = balance;
    let mut rows = newest_first.iter().peekable();
    loop {
        let end = start_of_day(range.zone, day + Days::new(1));
        while let Some(r) = rows.next_if(|r| r.at >= end) {
            running -= r.amount;
        }
        points.push(ChartPoint {
            date: day,
            balance: running,
        });
        match day.pred_opt() {
            Some(d) if d >= range.from => day = d,
            _ => break,
        }
    }
    points.reverse();
    points
}

/// The chart's bottom and top: zero stays in view, and a flat line still has a height.
fn scale(points: &[ChartPoint]) -> (Decimal, Decimal) {
    let low = points
        .iter()
        .map(|p| p.balance)
        .fold(Decimal::ZERO, Decimal::min);
    let high = points
        .iter()
        .map(|p| p.balance)
        .fold(low + Decimal::ONE, Decimal::max);
    (low, high)
}

/// CSV of the ledger rows shown, for a spreadsheet: the text cells quoted and defused, the
/// minutes and amounts as numbers, so a spreadsheet can sum them.
pub fn usage_csv(view: &UsageView) -> String {
    let header = [
        format!("Date ({})", view.zone),
        "Source".into(),
        "Description".into(),
        "Minutes".into(),
        "Amount".into(),
        "Balance".into(),
    ]
    .map(Cell::text)
    .into();
    let rows = view.rows.iter().map(|r| {
        vec![
            Cell::text(&r.local),
            Cell::text(&r.source),
            Cell::text(&r.description),
            r.minutes.map_or_else(|| Cell::text(""), Cell::number),
            Cell::number(cents_text(r.amount)),
            Cell::number(cents_text(r.balance)),
        ]
    });
    sheet(std::iter::once(header).chain(rows))
}

impl Desk {
    /// The range Usage Charges opens on: the last 30 days, today included, in the zone times are
    /// shown in.
    pub fn default_usage_range(&self, id: &str, times_in_account: bool) -> (NaiveDate, NaiveDate) {
        let (zone, _) = self.display_zone(id, times_in_account);
        let today = local_date(zone, self.now());
        (today - Days::new(29), today)
    }

    /// Usage Charges for `from..=to` (dates in the zone times are shown in).
    pub async fn usage(
        &self,
        id: &str,
        from: NaiveDate,
        to: NaiveDate,
        times_in_account: bool,
    ) -> Result<UsageView, EngineError> {
        let id = self.known(id)?;
        let (shown, zone_name) = self.display_zone(id.as_str(), times_in_account);
        let range = Range::new(shown, from, to)?;
        self.ensure_cached(&id).await?;
        let seen = self.read_balance(&id).await?;
        let (_, doc) = self.account_docs(id.as_str())?;
        let alerts = doc.low_balance();
        let offline = !seen.is_fresh(self.now());
        let mut view = UsageView {
            account_id: id.to_string(),
            balance: seen.value,
            from,
            to,
            zone: zone_name,
            sources: Vec::new(),
            rows: Vec::new(),
            transactions: Vec::new(),
            chart: Vec::new(),
            chart_low: Decimal::ZERO,
            chart_high: Decimal::ONE,
            threshold: alerts.threshold,
            below_threshold: seen.value < alerts.threshold,
            alerts_enabled: alerts.enabled,
            watched: self.watched()?.contains(&id.to_string()),
            can_pay: self.is_top_level(id.as_str()) && !self.client.is_before_43(),
            platform_note: self.before_43_note("adding credit (it has no top-up)"),
            as_of: offline.then_some(seen.at),
        };
        if offline {
            return Ok(view);
        }
        // Everything since the range began, so the balance can be walked back to it.
        let now = self.now().max(range.end);
        let totals = self.observe(self.client.ledger_totals(&id, range.start, now).await)?;
        let mut entries: Vec<LedgerRow> = Vec::new();
        for t in &totals {
            // Every row: one left out would make every balance after it wrong.
            let read = self
                .client
                .complete_ledger(&id, &t.source, range.start, now)
                .await;
            entries.extend(self.observe(read)?);
        }
        let Ledger {
            rows,
            sources,
            chart,
        } = ledger(seen.value, entries, &range);
        (view.chart_low, view.chart_high) = scale(&chart);
        (view.rows, view.sources, view.chart) = (rows, sources, chart);
        let txs: Vec<TransactionRow> =
            self.observe(self.client.transactions(&id, range.start, range.end).await)?;
        view.transactions = txs
            .into_iter()
            .map(|t| TransactionView {
                amount: t.amount,
                local: local_text(t.created, shown),
                status: t.status,
                description: t.description,
                reason: t.reason,
            })
            .collect();
        Ok(view)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(source: &str, amount: &str, at: &str) -> LedgerRow {
        LedgerRow {
            id: at.into(),
            source: source.into(),
            amount: amount.parse().unwrap(),
            description: String::new(),
            at: at.parse().unwrap(),
            quantity: 0,
            unit: "USD".into(),
            trigger: None,
            transaction: None,
            callee: None,
        }
    }

    fn march(zone: Tz, from: u32, to: u32) -> Range {
        let d = |day| NaiveDate::from_ymd_opt(2026, 3, day).unwrap();
        Range::new(zone, d(from), d(to)).unwrap()
    }

    fn amounts(values: impl IntoIterator<Item = Decimal>) -> Vec<String> {
        values.into_iter().map(|v| v.to_string()).collect()
    }

    #[test]
    fn chart_walks_the_balance_back_day_by_day() {
        // +50 on the 3rd, -10 on the 2nd, -5 on the 1st. Balance now 100.
        let rows = vec![
            row("per-minute-voip", "-5", "2026-03-01T12:00:00Z"),
            row("payments", "50", "2026-03-03T12:00:00Z"),
            row("per-minute-voip", "-10", "2026-03-02T12:00:00Z"),
        ];
        let l = ledger("100".parse().unwrap(), rows, &march(chrono_tz::UTC, 1, 3));
        assert_eq!(
            amounts(l.chart.iter().map(|p| p.balance)),
            ["60", "50", "100"]
        );
    }

    #[test]
    fn every_row_shows_the_balance_after_it_and_later_entries_still_count() {
        // A charge after the range (on the 5th) is not listed but moves every balance before it.
        let rows = vec![
            row("per-minute-voip", "-2.50", "2026-03-05T09:00:00Z"),
            row("per-minute-voip", "-1.25", "2026-03-02T09:00:00Z"),
            row("payments", "20", "2026-03-01T09:00:00Z"),
            row("per-minute-voip", "-0.75", "2026-03-01T10:00:00Z"),
        ];
        let l = ledger("40".parse().unwrap(), rows, &march(chrono_tz::UTC, 1, 3));
        assert_eq!(
            amounts(l.rows.iter().map(|r| r.amount)),
            ["-1.25", "-0.75", "20"],
            "newest first, only the range"
        );
        assert_eq!(
            amounts(l.rows.iter().map(|r| r.balance)),
            ["42.50", "43.75", "44.50"]
        );
        let sums: Vec<(String, String)> = l
            .sources
            .iter()
            .map(|s| (s.source.clone(), s.amount.to_string()))
            .collect();
        assert_eq!(
            sums,
            [
                ("payments".to_owned(), "20".to_owned()),
                ("per-minute-voip".to_owned(), "-2.00".to_owned())
            ]
        );
    }

    #[test]
    fn days_are_counted_in_the_zone_shown() {
        // 03:00 UTC on the 2nd is still the 1st in Chicago.
        let rows = vec![row("per-minute-voip", "-3", "2026-03-02T03:00:00Z")];
        let l = ledger(
            "10".parse().unwrap(),
            rows,
            &march(chrono_tz::America::Chicago, 1, 2),
        );
        assert_eq!(amounts(l.chart.iter().map(|p| p.balance)), ["10", "10"]);
        assert!(
            l.rows[0].local.starts_with("2026-03-01 21:00"),
            "{}",
            l.rows[0].local
        );
        let utc = ledger(
            "10".parse().unwrap(),
            vec![row("per-minute-voip", "-3", "2026-03-02T03:00:00Z")],
            &march(chrono_tz::UTC, 1, 2),
        );
        assert_eq!(amounts(utc.chart.iter().map(|p| p.balance)), ["13", "10"]);
    }

    #[test]
    fn call_seconds_are_shown_as_minutes() {
        let mut call = row("per-minute-voip", "-0.20", "2026-03-01T12:00:00Z");
        (call.unit, call.quantity) = ("sec".into(), 130);
        let l = ledger(Decimal::ONE, vec![call], &march(chrono_tz::UTC, 1, 1));
        assert_eq!(l.rows[0].minutes, Some("2.2".parse().unwrap()));
    }

    #[test]
    fn a_range_backwards_or_too_long_is_refused_naming_the_field() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let backwards = Range::new(chrono_tz::UTC, d(3, 2), d(3, 1)).unwrap_err();
        assert_eq!(backwards.field, "usage.range");
        assert!(Range::new(chrono_tz::UTC, d(1, 1), d(12, 31)).is_ok());
        let long = NaiveDate::from_ymd_opt(2029, 1, 1).unwrap();
        assert!(Range::new(chrono_tz::UTC, d(1, 1), long).is_err());
    }

    #[test]
    fn the_chart_keeps_zero_in_view_and_a_flat_line_has_height() {
        let points = |b: &[&str]| -> Vec<ChartPoint> {
            b.iter()
                .map(|v| ChartPoint {
                    date: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
                    balance: v.parse().unwrap(),
                })
                .collect()
        };
        let text = |(a, b): (Decimal, Decimal)| (a.to_string(), b.to_string());
        assert_eq!(
            text(scale(&points(&["12.5", "40"]))),
            ("0".into(), "40".into())
        );
        assert_eq!(
            text(scale(&points(&["-3.2", "-1"]))),
            ("-3.2".into(), "-1".into())
        );
        assert_eq!(text(scale(&points(&["0", "0"]))), ("0".into(), "1".into()));
    }
}
