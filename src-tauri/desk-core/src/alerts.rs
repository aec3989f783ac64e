//! When to tell the user an account's balance is low: once per crossing below the threshold,
//! re-armed only when the balance recovers to the threshold or above.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Kazoo's default low-balance threshold when the account sets none.
pub const DEFAULT_THRESHOLD: Decimal = Decimal::from_parts(500, 0, 0, false, 2);

/// What the app remembers per watched account (across restarts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertState {
    /// A notification may be sent at the next crossing.
    pub armed: bool,
}

impl Default for AlertState {
    fn default() -> Self {
        Self { armed: true }
    }
}

/// The account's alert setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LowBalance {
    pub enabled: bool,
    pub threshold: Decimal,
}

impl Default for LowBalance {
    fn default() -> Self {
        Self {
            enabled: true,
            threshold: DEFAULT_THRESHOLD,
        }
    }
}

/// Decide for a fresh balance reading: whether to notify now, and the state to remember.
pub fn decide(state: AlertState, setting: LowBalance, balance: Decimal) -> (bool, AlertState) {
    let below = balance < setting.threshold;
    match (state.armed, below, setting.enabled) {
        (true, true, true) => (true, AlertState { armed: false }),
        (false, false, _) => (false, AlertState { armed: true }),
        _ => (false, state),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn once_per_crossing_then_rearmed_on_recovery() {
        let setting = LowBalance {
            enabled: true,
            threshold: d("5.00"),
        };
        let mut state = AlertState::default();
        let mut sent = Vec::new();
        for balance in [
            "12.00", "6.00", "4.99", "3.00", "1.00", "4.99", "5.00", "20.00", "2.00",
        ] {
            let (notify, next) = decide(state, setting, d(balance));
            state = next;
            if notify {
                sent.push(balance);
            }
        }
        assert_eq!(
            sent,
            ["4.99", "2.00"],
            "first crossing, then only after recovering to 5.00"
        );
    }

    #[test]
    fn disabled_alerts_never_notify_but_still_rearm() {
        let off = LowBalance {
            enabled: false,
            threshold: d("5"),
        };
        assert_eq!(
            decide(AlertState::default(), off, d("1")),
            (false, AlertState { armed: true })
        );
        assert_eq!(
            decide(AlertState { armed: false }, off, d("9")),
            (false, AlertState { armed: true })
        );
        let on = LowBalance {
            enabled: true,
            threshold: d("5"),
        };
        assert!(
            !decide(AlertState { armed: false }, on, d("1")).0,
            "still below: no repeat"
        );
    }

    #[test]
    fn exactly_at_the_threshold_is_not_below() {
        let on = LowBalance::default();
        assert!(!decide(AlertState::default(), on, d("5.00")).0);
        assert!(decide(AlertState::default(), on, d("4.999")).0);
    }
}
