//! Faults drawn at random for the proxy's requests, from a seed so that a failing run can be
//! replayed, and the count of those injected.

use parking_lot::Mutex;
use rand::{Rng, SeedableRng};

/// Faults drawn at random for each request (`/sandbox/…` control routes excepted), from
/// `seed` so that a failing run can be replayed. Rates are fractions of requests.
#[derive(Debug, Clone, Copy)]
pub struct Faults {
    pub seed: u64,
    /// A 5xx answer: half given here (the server never saw the request), half after the
    /// server acted, as a gateway that timed out says 504.
    pub server_errors: f64,
    /// The connection is reset before the request reaches the server.
    pub resets: f64,
    /// The server acts; its answer never comes back (the connection drops).
    pub lost_answers: f64,
    /// The answer comes back `latency` late.
    pub slow: f64,
    pub latency: std::time::Duration,
}

/// How many faults of each kind were injected.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Injected {
    pub errors_before: usize,
    pub errors_after: usize,
    pub resets: usize,
    pub lost_answers: usize,
    pub slow: usize,
}

impl Injected {
    pub fn total(&self) -> usize {
        self.errors_before + self.errors_after + self.resets + self.lost_answers + self.slow
    }
}

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Fault {
    ErrorBefore,
    ErrorAfter,
    Reset,
    Lost,
    Slow,
}

impl Fault {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Fault::ErrorBefore => "503 before the server",
            Fault::ErrorAfter => "504 after the server acted",
            Fault::Reset => "reset",
            Fault::Lost => "answer lost",
            Fault::Slow => "slow answer",
        }
    }
}

/// The dice: the faults asked for (none by default) and how many of each were injected.
#[derive(Default)]
pub(crate) struct Dice {
    faults: Mutex<Option<(Faults, rand::rngs::StdRng)>>,
    injected: Mutex<Injected>,
}

impl Dice {
    pub(crate) fn set(&self, faults: Option<Faults>) {
        *self.faults.lock() = faults.map(|f| (f, rand::rngs::StdRng::seed_from_u64(f.seed)));
    }

    pub(crate) fn injected(&self) -> Injected {
        *self.injected.lock()
    }

    pub(crate) fn latency(&self) -> Option<std::time::Duration> {
        self.faults.lock().as_ref().map(|(f, _)| f.latency)
    }

    /// The fault for one request, if faults are on and the dice say so; counted as injected.
    pub(crate) fn draw(&self, path: &str) -> Option<Fault> {
        if path.starts_with("/sandbox") {
            return None;
        }
        let fault = {
            let mut faults = self.faults.lock();
            let (f, rng) = faults.as_mut()?;
            let (roll, half): (f64, bool) = (rng.gen(), rng.gen());
            let error = if half {
                Fault::ErrorBefore
            } else {
                Fault::ErrorAfter
            };
            let mut edge = 0.0;
            [
                (f.server_errors, error),
                (f.resets, Fault::Reset),
                (f.lost_answers, Fault::Lost),
                (f.slow, Fault::Slow),
            ]
            .into_iter()
            .find_map(|(rate, fault)| {
                edge += rate;
                (roll < edge).then_some(fault)
            })?
        };
        let mut n = self.injected.lock();
        *match fault {
            Fault::ErrorBefore => &mut n.errors_before,
            Fault::ErrorAfter => &mut n.errors_after,
            Fault::Reset => &mut n.resets,
            Fault::Lost => &mut n.lost_answers,
            Fault::Slow => &mut n.slow,
        } += 1;
        Some(fault)
    }
}
