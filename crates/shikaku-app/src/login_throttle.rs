//! Login throttling that slows guessing without letting anyone lock an owner out (issue 21,
//! findings 6 and 7). Failures are counted per client and login (the same guesses from the
//! same place: a growing wait after 3) and per client over every login (password spraying: a
//! growing wait after 10); the owner on another client is never slowed by someone else's
//! failures, so there is no account lock to trigger. The login is the typed text, known or
//! not, so waiting reveals nothing about which logins exist. Counts live in this process (one
//! node: a cluster's nodes each slow a client down on their own).

use std::collections::HashMap;
use std::sync::Mutex;

use time::{Duration, OffsetDateTime};

/// Failures of one client at one login before each try must wait.
pub const FREE_PER_LOGIN: u32 = 3;
/// Failures of one client over all logins before each try must wait.
pub const FREE_PER_CLIENT: u32 = 10;
/// The longest wait; failures older than this are forgotten.
pub const MAX_WAIT: Duration = Duration::minutes(15);
/// At most this many clients and pairs are remembered (the oldest are dropped).
const MAX_ENTRIES: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: OffsetDateTime,
}

/// The wait after `count` failures when `free` are allowed: 1 s, 2 s, 4 s, … up to 15 min.
pub fn wait_after(count: u32, free: u32) -> Duration {
    if count < free {
        return Duration::ZERO;
    }
    let exponent = (count - free).min(20);
    Duration::seconds(1i64 << exponent).min(MAX_WAIT)
}

#[derive(Default)]
pub struct LoginThrottle {
    pairs: Mutex<HashMap<(String, String), Failures>>,
    clients: Mutex<HashMap<String, Failures>>,
}

fn remaining(f: Option<&Failures>, free: u32, now: OffsetDateTime) -> Duration {
    match f {
        Some(f) if now - f.last < MAX_WAIT => {
            (f.last + wait_after(f.count, free) - now).max(Duration::ZERO)
        }
        _ => Duration::ZERO,
    }
}

fn bump<K: std::hash::Hash + Eq + Clone>(
    map: &mut HashMap<K, Failures>,
    key: K,
    now: OffsetDateTime,
) -> u32 {
    if map.len() >= MAX_ENTRIES {
        map.retain(|_, f| now - f.last < MAX_WAIT);
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
    }
    let entry = map.entry(key).or_insert(Failures {
        count: 0,
        last: now,
    });
    if now - entry.last >= MAX_WAIT {
        entry.count = 0;
    }
    entry.count += 1;
    entry.last = now;
    entry.count
}

impl LoginThrottle {
    /// How long this client must still wait before trying this login (zero: go ahead).
    pub fn wait(&self, login: &str, client: &str, now: OffsetDateTime) -> Duration {
        let pair = self
            .pairs
            .lock()
            .map(|m| {
                remaining(
                    m.get(&(login.to_string(), client.to_string())),
                    FREE_PER_LOGIN,
                    now,
                )
            })
            .unwrap_or_default();
        let all = self
            .clients
            .lock()
            .map(|m| remaining(m.get(client), FREE_PER_CLIENT, now))
            .unwrap_or_default();
        pair.max(all)
    }

    /// Counts a failed try; returns the failures of this client at this login so far.
    pub fn failed(&self, login: &str, client: &str, now: OffsetDateTime) -> u32 {
        if let Ok(mut m) = self.clients.lock() {
            bump(&mut m, client.to_string(), now);
        }
        self.pairs
            .lock()
            .map(|mut m| bump(&mut m, (login.to_string(), client.to_string()), now))
            .unwrap_or_default()
    }

    /// A successful login forgets this client's failures at this login.
    pub fn succeeded(&self, login: &str, client: &str) {
        if let Ok(mut m) = self.pairs.lock() {
            m.remove(&(login.to_string(), client.to_string()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000 + secs).expect("time")
    }

    #[test]
    fn guesses_slow_down_but_the_owner_elsewhere_does_not() {
        let t = LoginThrottle::default();
        for i in 0..3 {
            assert_eq!(t.wait("1311234566", "198.51.100.7", at(i)), Duration::ZERO);
            t.failed("1311234566", "198.51.100.7", at(i));
        }
        // The third failure: 1 s, then 2 s, 4 s, …
        assert_eq!(
            t.wait("1311234566", "198.51.100.7", at(2)),
            Duration::seconds(1)
        );
        t.failed("1311234566", "198.51.100.7", at(3));
        assert_eq!(
            t.wait("1311234566", "198.51.100.7", at(3)),
            Duration::seconds(2)
        );
        // The owner at the clinic is not slowed.
        assert_eq!(t.wait("1311234566", "203.0.113.9", at(3)), Duration::ZERO);
        // Forgotten after 15 minutes.
        assert_eq!(
            t.wait("1311234566", "198.51.100.7", at(3 + 900)),
            Duration::ZERO
        );
        assert_eq!(wait_after(40, 3), MAX_WAIT);
    }

    #[test]
    fn spraying_many_logins_from_one_client_slows_down() {
        let t = LoginThrottle::default();
        for i in 0..10 {
            let login = format!("13112345{i:02}");
            assert_eq!(t.wait(&login, "198.51.100.7", at(0)), Duration::ZERO);
            t.failed(&login, "198.51.100.7", at(0));
        }
        assert_eq!(
            t.wait("2711111111", "198.51.100.7", at(0)),
            Duration::seconds(1)
        );
        assert_eq!(t.wait("2711111111", "192.0.2.1", at(0)), Duration::ZERO);
        t.succeeded("1311234500", "198.51.100.7");
        assert_eq!(t.wait("1311234500", "198.51.100.7", at(5)), Duration::ZERO);
    }
}
