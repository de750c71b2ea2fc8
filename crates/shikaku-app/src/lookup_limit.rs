//! Limits on 該当資格なし answers (issue 21, finding 3): a terminal or facility that keeps
//! getting "no match" is guessing (birth dates for a known card number, card numbers for a
//! known person), so after too many in a sliding window its lookups are refused until the
//! oldest leaves the window. Counts live in this process (each node of a cluster limits on
//! its own, so a cluster of N nodes allows at most N times as many).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use time::{Duration, OffsetDateTime};

use crate::Caller;

/// The sliding window.
pub const WINDOW: Duration = Duration::minutes(10);
/// No-match answers one terminal may get in [`WINDOW`].
pub const PER_TERMINAL: usize = 20;
/// No-match answers one facility (all its terminals) may get in [`WINDOW`].
pub const PER_FACILITY: usize = 60;
/// Keys remembered at most (the idle ones are dropped first).
const MAX_KEYS: usize = 200_000;

#[derive(Default)]
pub struct NoMatchLimiter {
    windows: Mutex<HashMap<String, VecDeque<OffsetDateTime>>>,
}

fn keys(caller: &Caller) -> [(String, usize); 2] {
    [
        (
            format!("t:{}:{}", caller.facility_code, caller.terminal_name),
            PER_TERMINAL,
        ),
        (format!("f:{}", caller.facility_code), PER_FACILITY),
    ]
}

impl NoMatchLimiter {
    /// `Err(wait)` when this caller's terminal or facility is over its limit.
    pub fn check(&self, caller: &Caller, now: OffsetDateTime) -> Result<(), Duration> {
        let Ok(mut windows) = self.windows.lock() else {
            return Ok(());
        };
        let mut wait = Duration::ZERO;
        for (key, limit) in keys(caller) {
            if let Some(times) = windows.get_mut(&key) {
                while times.front().is_some_and(|t| now - *t >= WINDOW) {
                    times.pop_front();
                }
                if times.len() >= limit
                    && let Some(oldest) = times.get(times.len() - limit)
                {
                    wait = wait.max(*oldest + WINDOW - now);
                }
            }
        }
        if wait > Duration::ZERO {
            Err(wait)
        } else {
            Ok(())
        }
    }

    /// Counts one no-match answer to this caller.
    pub fn record(&self, caller: &Caller, now: OffsetDateTime) {
        let Ok(mut windows) = self.windows.lock() else {
            return;
        };
        if windows.len() >= MAX_KEYS {
            windows.retain(|_, times| times.back().is_some_and(|t| now - *t < WINDOW));
        }
        for (key, limit) in keys(caller) {
            let times = windows.entry(key).or_default();
            times.push_back(now);
            // Only the newest `limit` matter.
            while times.len() > limit {
                times.pop_front();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(terminal: &str) -> Caller {
        Caller {
            facility_code: "1311234566".into(),
            terminal_name: terminal.into(),
            cert_serial: "01".into(),
        }
    }

    fn at(secs: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000 + secs).expect("time")
    }

    #[test]
    fn a_terminal_then_the_facility_is_stopped_until_the_window_moves() {
        let limiter = NoMatchLimiter::default();
        let one = caller("受付1");
        for i in 0..PER_TERMINAL as i64 {
            assert!(limiter.check(&one, at(i)).is_ok());
            limiter.record(&one, at(i));
        }
        // The 20th no-match was at 19 s; the first leaves the window at 600 s.
        assert_eq!(limiter.check(&one, at(30)), Err(Duration::seconds(570)));
        assert!(limiter.check(&one, at(600)).is_ok());
        // Other terminals of the facility go on until the facility's limit.
        for t in 2..5 {
            let other = caller(&format!("受付{t}"));
            for i in 0..PER_TERMINAL as i64 {
                assert!(limiter.check(&other, at(600 + i)).is_ok(), "{t} {i}");
                limiter.record(&other, at(600 + i));
            }
        }
        let fifth = caller("受付5");
        assert!(limiter.check(&fifth, at(700)).is_err(), "the facility's 60");
        assert!(
            limiter.check(&fifth, at(1300)).is_ok(),
            "the window moved on"
        );
    }
}
