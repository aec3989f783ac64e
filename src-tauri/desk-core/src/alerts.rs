//! When to tell the user an account's balance is low: once per crossing below the threshold,
//! re-armed only when the balance recovers to the threshold or above. The platform's threshold
//! (Kazoo's own, which also sends its e-mail) is one; the user's desktop tiers add more.

use crate::money::{cents_text, parse_amount};
use crate::FieldError;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

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

/// The most tiers one account may have: more would be noise, not warning.
pub const MAX_TIERS: usize = 5;

/// This user's own alert tiers for one account, on this computer (Kazoo keeps one threshold per
/// account, for its e-mail): thresholds highest first, distinct, each announced once per crossing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tiers {
    pub enabled: bool,
    pub thresholds: Vec<Decimal>,
}

impl Tiers {
    /// The thresholds that announce: all of them when the tiers are on, none when off.
    pub fn active(&self) -> &[Decimal] {
        if self.enabled {
            &self.thresholds
        } else {
            &[]
        }
    }

    /// The tiers as typed (blank boxes ignored): amounts above zero, at most [`MAX_TIERS`],
    /// each once. Errors name the field `alert_tiers`.
    pub fn parse(enabled: bool, typed: &[String]) -> Result<Tiers, FieldError> {
        const FIELD: &str = "alert_tiers";
        let mut thresholds = Vec::new();
        for t in typed.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
            let d = parse_amount(FIELD, t)?;
            if thresholds.contains(&d) {
                return Err(FieldError::new(
                    FIELD,
                    format!("{} is there twice", cents_text(d)),
                ));
            }
            thresholds.push(d);
        }
        if thresholds.len() > MAX_TIERS {
            return Err(FieldError::new(
                FIELD,
                format!("at most {MAX_TIERS} tiers per account"),
            ));
        }
        thresholds.sort_by(|a, b| b.cmp(a));
        Ok(Tiers {
            enabled,
            thresholds,
        })
    }
}

/// The tiers that have announced a crossing and wait for the balance to recover, by amount
/// (`cents_text`), remembered across restarts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierState {
    pub disarmed: BTreeSet<String>,
}

/// Decide for a fresh balance reading: the tiers crossed now (highest first) and the state to
/// remember. As for the platform's threshold, tiers that are off never announce but still
/// re-arm; a tier no longer set is forgotten.
pub fn decide_tiers(
    state: &TierState,
    tiers: &Tiers,
    balance: Decimal,
) -> (Vec<Decimal>, TierState) {
    let mut crossed = Vec::new();
    let mut next = TierState::default();
    for &t in &tiers.thresholds {
        let key = cents_text(t);
        let was_disarmed = state.disarmed.contains(&key);
        if balance < t && (was_disarmed || tiers.enabled) {
            if !was_disarmed {
                crossed.push(t);
            }
            next.disarmed.insert(key);
        }
    }
    (crossed, next)
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

    fn tiers(list: &[&str]) -> Tiers {
        Tiers::parse(
            true,
            &list.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        )
        .unwrap()
    }

    #[test]
    fn three_tiers_announce_once_each_on_the_way_down_and_not_on_the_way_up() {
        let t = tiers(&["5", "20.00", "10"]);
        assert_eq!(t.thresholds, [d("20"), d("10"), d("5")]);
        let mut state = TierState::default();
        let mut heard = Vec::new();
        for balance in [
            "25", "19.99", "15", "9", "9.50", "4", "3", "6", "12", "25", "30",
        ] {
            let (crossed, next) = decide_tiers(&state, &t, d(balance));
            state = next;
            heard.extend(crossed.into_iter().map(|c| (balance, c)));
        }
        assert_eq!(
            heard,
            [("19.99", d("20")), ("9", d("10")), ("4", d("5"))],
            "down: once per tier; up: nothing"
        );
        assert!(state.disarmed.is_empty(), "all re-armed at 25");
        // Re-armed: the next fall announces again, and a fall through all three at once names
        // each tier it crossed.
        let (crossed, _) = decide_tiers(&state, &t, d("1"));
        assert_eq!(crossed, [d("20"), d("10"), d("5")]);
    }

    #[test]
    fn tiers_that_are_off_stay_quiet_and_forgotten_tiers_are_dropped() {
        let mut t = tiers(&["10"]);
        t.enabled = false;
        let (crossed, state) = decide_tiers(&TierState::default(), &t, d("1"));
        assert!(crossed.is_empty() && state.disarmed.is_empty());
        let on = tiers(&["10", "5"]);
        let (_, state) = decide_tiers(&TierState::default(), &on, d("1"));
        assert_eq!(state.disarmed.len(), 2);
        let (crossed, state) = decide_tiers(&state, &tiers(&["5"]), d("1"));
        assert!(crossed.is_empty(), "still below: no repeat");
        assert_eq!(state.disarmed.iter().collect::<Vec<_>>(), ["5.00"]);
    }

    #[test]
    fn typed_tiers_are_amounts_each_once_and_a_few_at_most() {
        let typed =
            |l: &[&str]| Tiers::parse(true, &l.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(typed(&["", " 7.5 ", ""]).unwrap().thresholds, [d("7.5")]);
        for bad in [
            &["ten"][..],
            &["5", "5.00"],
            &["0"],
            &["1", "2", "3", "4", "5", "6"],
        ] {
            let e = typed(bad).unwrap_err();
            assert_eq!(e.field, "alert_tiers", "{bad:?}");
        }
    }
}
