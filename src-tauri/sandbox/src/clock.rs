//! The sandbox's notion of "now". Tests can shift it (billing issues need months to pass);
//! it never goes backwards relative to the offset it was given.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds between 0000-01-01 and 1970-01-01: Kazoo timestamps are Gregorian seconds.
pub const GREGORIAN_OFFSET: i64 = 62_167_219_200;

#[derive(Debug, Clone, Copy, Default, serde::Serialize, serde::Deserialize)]
pub struct Clock {
    /// Seconds added to the system clock.
    pub offset: i64,
}

impl Clock {
    pub fn unix(&self) -> i64 {
        let sys = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        sys + self.offset
    }
}
