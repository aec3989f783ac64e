//! "Now", from one place. Everything that depends on the date — card expiry, proration, the
//! usage range, when a payment may be looked up again — asks the desk's clock, so tests (and a
//! debug build started with `--clock`) can pin it while it keeps running at real speed.

use chrono::{DateTime, Duration, Utc};
use std::sync::atomic::{AtomicI64, Ordering};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The computer's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The computer's clock shifted by an offset: it reads a chosen instant when created and then
/// runs on, like the sandbox's clock. Moves only forward. The default is the computer's clock.
#[derive(Debug, Default)]
pub struct OffsetClock {
    offset_ms: AtomicI64,
}

impl OffsetClock {
    pub fn starting_at(at: DateTime<Utc>) -> Self {
        Self {
            offset_ms: AtomicI64::new((at - Utc::now()).num_milliseconds()),
        }
    }

    /// Move the clock forward (a negative amount is ignored: time does not go back).
    pub fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.num_milliseconds().max(0), Ordering::SeqCst);
    }

    /// How far this clock is from the computer's, in milliseconds (for the window's own dates).
    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::SeqCst)
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offset_clock_starts_where_told_runs_on_and_never_goes_back() {
        let at: DateTime<Utc> = "2028-02-29T12:00:00Z".parse().unwrap();
        let c = OffsetClock::starting_at(at);
        let first = c.now();
        assert!((first - at).num_seconds().abs() < 2, "{first}");
        c.advance(Duration::days(1));
        assert_eq!(c.now().date_naive().to_string(), "2028-03-01");
        c.advance(Duration::days(-5));
        assert!(c.now() >= first + Duration::days(1));
    }
}
