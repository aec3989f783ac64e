//! "Now", from one place. Everything that depends on the date — card expiry, proration, the
//! usage range, when a payment may be looked up again — asks the desk's clock, so tests (and a
//! debug build started with `--clock`) can pin it while it keeps running at real speed.

use chrono::{DateTime, Duration, Utc};
use std::sync::atomic::{AtomicI64, Ordering};

/// The computer's clock shifted by an offset: the default is the computer's own; one made with
/// [`Clock::starting_at`] reads that instant when created and then runs on, like the sandbox's
/// clock. Moves only forward.
#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
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

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offset_clock_starts_where_told_runs_on_and_never_goes_back() {
        let at: DateTime<Utc> = "2028-02-29T12:00:00Z".parse().unwrap();
        let c = Clock::starting_at(at);
        let first = c.now();
        assert!((first - at).num_seconds().abs() < 2, "{first}");
        c.advance(Duration::days(1));
        assert_eq!(c.now().date_naive().to_string(), "2028-03-01");
        c.advance(Duration::days(-5));
        assert!(c.now() >= first + Duration::days(1));
    }
}
