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

fn system_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Clock {
    pub fn unix(&self) -> i64 {
        system_unix() + self.offset
    }

    /// A clock that reads `unix` now and runs on from there.
    pub fn starting_at(unix: i64) -> Self {
        Self {
            offset: unix - system_unix(),
        }
    }

    /// Move forward to `unix` if it is later; a clock never goes back.
    pub fn catch_up_to(&mut self, unix: i64) {
        let now = self.unix();
        if unix > now {
            self.offset += unix - now;
        }
    }
}
