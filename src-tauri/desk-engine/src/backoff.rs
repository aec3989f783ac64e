//! Waiting between pushes while the server is in trouble (5xx, 429, an answer that is not
//! Kazoo's): pending edits stay queued and are tried again after 5 s, then 10 s, 20 s … up to
//! 5 minutes, or after the `Retry-After` the server gave when that is longer. A round that
//! goes through clears it. Kazoo's own 429 (`cb_token_auth`'s token bucket, answered by
//! `cb_context:add_system_error(too_many_requests)`) sends no `Retry-After`: there the doubling
//! is all there is; a proxy or load balancer in front of Crossbar may send one.

use chrono::{DateTime, Utc};
use std::time::{Duration, Instant};

const FIRST: Duration = Duration::from_secs(5);
const LONGEST: Duration = Duration::from_secs(300);

#[derive(Debug, Default)]
pub(crate) struct Backoff {
    failures: u32,
    /// No automatic push before this.
    until: Option<Instant>,
    /// The server itself asked for the wait (`Retry-After`): "Sync now" keeps it too.
    asked: bool,
}

impl Backoff {
    /// A round failed for the server's reasons; `asked` is its `Retry-After`, if any. Returns
    /// how long to wait.
    pub(crate) fn failed(&mut self, asked: Option<Duration>) -> Duration {
        let doubling = FIRST
            .saturating_mul(2u32.saturating_pow(self.failures))
            .min(LONGEST);
        self.failures = self.failures.saturating_add(1);
        let wait = asked.map_or(doubling, |a| a.max(doubling));
        self.until = Some(Instant::now() + wait);
        self.asked = asked.is_some();
        wait
    }

    pub(crate) fn succeeded(&mut self) {
        *self = Backoff::default();
    }

    /// How long automatic pushes still wait, if they do.
    pub(crate) fn remaining(&self) -> Option<Duration> {
        self.until
            .map(|u| u.saturating_duration_since(Instant::now()))
            .filter(|d| !d.is_zero())
    }

    /// How long a push the user asked for still waits: only what the server asked for.
    pub(crate) fn remaining_asked(&self) -> Option<Duration> {
        self.remaining().filter(|_| self.asked)
    }

    /// When the next automatic try is, on the desk's clock (`now`), to the second and never
    /// before it really is.
    pub(crate) fn next_try(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let left = self.remaining()?;
        let whole = left.as_secs() + u64::from(left.subsec_nanos() > 0);
        Some(now + chrono::Duration::seconds(i64::try_from(whole).unwrap_or(i64::MAX)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-18T15:05:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn doubles_up_to_five_minutes_keeps_a_longer_retry_after_and_clears_on_success() {
        let mut b = Backoff::default();
        let waits: Vec<u64> = (0..9).map(|_| b.failed(None).as_secs()).collect();
        assert_eq!(waits, [5, 10, 20, 40, 80, 160, 300, 300, 300]);
        assert!(b.remaining().is_some() && b.remaining_asked().is_none());
        b.succeeded();
        assert_eq!(b.remaining(), None);
        assert_eq!(b.failed(Some(Duration::from_secs(2))).as_secs(), 5);
        assert_eq!(b.failed(Some(Duration::from_secs(90))).as_secs(), 90);
        assert!(b.remaining_asked().is_some());
        assert_eq!(
            b.next_try(now()),
            Some(now() + chrono::Duration::seconds(90)),
            "shown on the desk's clock"
        );
    }
}
