//! Proration: what a mid-month addition costs for the rest of the month.
//!
//! The rule, shown in the app as well: a monthly amount added on day *d* of a month of *M* days is
//! charged for the days left **including today**, counted on the calendar of the account's time
//! zone: `amount × (M − d + 1) ÷ M`, rounded half away from zero to the cent. The full monthly
//! amount is charged from the 1st of the next month.

use crate::money::round_cents;
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proration {
    /// Due today.
    pub today: Decimal,
    /// Days charged, including today.
    pub days_charged: u32,
    pub days_in_month: u32,
    /// The full monthly amount, from `next_billing`.
    pub monthly: Decimal,
    pub next_billing: NaiveDate,
}

/// The calendar date "now" in the account's zone (which can be a day ahead of or behind UTC).
pub fn local_date(tz: Tz, now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&tz).date_naive()
}

pub fn days_in_month(date: NaiveDate) -> u32 {
    first_of_next_month(date)
        .pred_opt()
        .map_or(30, |last| last.day())
}

pub fn first_of_next_month(date: NaiveDate) -> NaiveDate {
    let (y, m) = if date.month() == 12 {
        (date.year() + 1, 1)
    } else {
        (date.year(), date.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(NaiveDate::MAX)
}

/// Prorate a change of `monthly_delta` (the monthly amount added) made on `today`.
pub fn prorate(monthly_delta: Decimal, today: NaiveDate) -> Proration {
    let len = days_in_month(today);
    let left = len - today.day() + 1;
    Proration {
        today: round_cents(monthly_delta * Decimal::from(left) / Decimal::from(len)),
        days_charged: left,
        days_in_month: len,
        monthly: monthly_delta,
        next_billing: first_of_next_month(today),
    }
}

/// Prorate at an instant, in an account's zone.
pub fn prorate_at(monthly_delta: Decimal, tz: Tz, now: DateTime<Utc>) -> Proration {
    prorate(monthly_delta, local_date(tz, now))
}

/// The start of a local calendar day as a UTC instant (for date ranges chosen in a zone).
pub fn start_of_day(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    let naive = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => {
            t.with_timezone(&Utc)
        }
        // Midnight skipped by a DST jump: the day starts at the first instant that exists.
        chrono::LocalResult::None => tz
            .from_local_datetime(&(naive + chrono::Duration::hours(1)))
            .earliest()
            .map_or_else(|| Utc.from_utc_datetime(&naive), |t| t.with_timezone(&Utc)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{America, Europe, Pacific};

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }
    fn day(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }
    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn leap_year_february() {
        let p = prorate(d("29.00"), day(2028, 2, 15));
        assert_eq!(
            (p.days_charged, p.days_in_month, p.today),
            (15, 29, d("15.00"))
        );
        assert_eq!(
            prorate(d("28.00"), day(2027, 2, 15)).today,
            d("14.00"),
            "28 days in a common year"
        );
        assert_eq!(p.next_billing, day(2028, 3, 1));
    }

    #[test]
    fn thirty_and_thirty_one_day_months() {
        assert_eq!(
            prorate(d("24.99"), day(2026, 4, 16)).today,
            d("12.50"),
            "15/30 of 24.99 = 12.495 → 12.50"
        );
        let p = prorate(d("24.99"), day(2026, 5, 16));
        assert_eq!((p.days_charged, p.days_in_month), (16, 31));
        assert_eq!(p.today, d("12.90"), "16/31 of 24.99 = 12.8980…");
    }

    #[test]
    fn first_and_last_day_of_a_month() {
        let first = prorate(d("19.99"), day(2026, 3, 1));
        assert_eq!(
            (first.today, first.days_charged),
            (d("19.99"), 31),
            "the whole month"
        );
        let last = prorate(d("19.99"), day(2026, 3, 31));
        assert_eq!(
            (last.today, last.days_charged),
            (d("0.64"), 1),
            "one day: 0.6448…"
        );
        assert_eq!(
            prorate(d("10"), day(2026, 12, 31)).next_billing,
            day(2027, 1, 1)
        );
    }

    #[test]
    fn dst_change_days_count_as_one_calendar_day() {
        // 8 March 2026: New York springs forward; the day has 23 hours but is still one day.
        let spring = prorate_at(d("31.00"), America::New_York, utc("2026-03-08T12:00:00Z"));
        assert_eq!((spring.days_charged, spring.today), (24, d("24.00")));
        // 25 October 2026: Paris falls back; a 25-hour day.
        let fall = prorate_at(d("31.00"), Europe::Paris, utc("2026-10-25T01:30:00Z"));
        assert_eq!((fall.days_charged, fall.today), (7, d("7.00")));
        assert_eq!(
            start_of_day(America::New_York, day(2026, 3, 8)),
            utc("2026-03-08T05:00:00Z")
        );
        assert_eq!(
            start_of_day(America::New_York, day(2026, 3, 9)),
            utc("2026-03-09T04:00:00Z")
        );
    }

    #[test]
    fn far_east_and_far_west_zones_see_another_day_than_utc() {
        // 30 April 2026, 20:00 UTC: already 1 May in Kiritimati (UTC+14) and Tonga (UTC+13),
        // still 30 April in Pago Pago (UTC−11).
        let now = utc("2026-04-30T20:00:00Z");
        let kiritimati = prorate_at(d("31.00"), Pacific::Kiritimati, now);
        assert_eq!(
            (
                kiritimati.days_charged,
                kiritimati.days_in_month,
                kiritimati.today
            ),
            (31, 31, d("31.00"))
        );
        let tonga = prorate_at(d("31.00"), Pacific::Tongatapu, now);
        assert_eq!(tonga.next_billing, day(2026, 6, 1));
        let pago = prorate_at(d("30.00"), Pacific::Pago_Pago, now);
        assert_eq!(
            (pago.days_charged, pago.days_in_month, pago.today),
            (1, 30, d("1.00"))
        );
        assert_eq!(pago.next_billing, day(2026, 5, 1));
        // 1 May 09:00 UTC is still 30 April in Pago Pago.
        assert_eq!(
            local_date(Pacific::Pago_Pago, utc("2026-05-01T09:00:00Z")),
            day(2026, 4, 30)
        );
    }
}
