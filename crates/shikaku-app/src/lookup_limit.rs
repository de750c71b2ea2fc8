//! Limits on 該当資格なし answers (issue 21, finding 3). Guessing a birth date for a known
//! card number is stopped per facility and card: after 5 different birth dates answered "no
//! match" within 24 hours, that facility's lookups of that card are refused until the oldest
//! try is a day old (the same wrong date again does not count; another card is not affected).
//! Guessing card numbers at volume is slowed per terminal (1,000 no-match answers in 10
//! minutes) and per facility (3,000), which a month-start 一括照会 stays under. Refused
//! lookups wait until the window moves. Counts live in this process (each node of a cluster
//! limits on its own, so N nodes allow at most N times as many).

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Mutex;

use time::{Date, Duration, OffsetDateTime};

use shikaku_domain::CardNumbers;

use crate::Caller;

/// The window of the terminal and facility limits.
pub const WINDOW: Duration = Duration::minutes(10);
/// No-match answers one terminal may get in [`WINDOW`].
pub const PER_TERMINAL: usize = 1_000;
/// No-match answers one facility (all its terminals) may get in [`WINDOW`].
pub const PER_FACILITY: usize = 3_000;
/// The window of the per-card limit.
pub const CARD_WINDOW: Duration = Duration::hours(24);
/// Different birth dates one facility may try for one card number in [`CARD_WINDOW`].
pub const BIRTH_DATES_PER_CARD: usize = 5;
/// Keys remembered at most per stripe (the idle ones are dropped first).
const MAX_KEYS: usize = 50_000;
/// Lock stripes: a caller's windows are in the stripe of its facility, so lookups of
/// different facilities do not wait for each other.
const STRIPES: usize = 16;

/// (facility, card digest) → (birth-date digest, last try) of its no-match answers.
type CardTries = HashMap<(String, u64), Vec<(u64, OffsetDateTime)>>;

#[derive(Default)]
struct Stripe {
    /// Terminal and facility keys → times of their no-match answers (newest `limit`).
    windows: HashMap<String, VecDeque<OffsetDateTime>>,
    cards: CardTries,
}

#[derive(Default)]
pub struct NoMatchLimiter {
    stripes: [Mutex<Stripe>; STRIPES],
    /// Keys the in-memory digests of card numbers and birth dates (never stored or logged;
    /// cheaper than the keyed hash of the access log on every lookup).
    digest: std::collections::hash_map::RandomState,
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
    fn stripe(&self, caller: &Caller) -> &Mutex<Stripe> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        caller.facility_code.hash(&mut h);
        &self.stripes[(h.finish() % STRIPES as u64) as usize]
    }

    /// `Err(wait)` when this caller may not look up this card now: its terminal or facility
    /// is over its limit, or its facility has tried too many birth dates for the card.
    pub fn check(
        &self,
        caller: &Caller,
        card: &CardNumbers,
        now: OffsetDateTime,
    ) -> Result<(), Duration> {
        let card = self.digest.hash_one(card);
        let Ok(mut stripe) = self.stripe(caller).lock() else {
            return Ok(());
        };
        let mut wait = Duration::ZERO;
        for (key, limit) in keys(caller) {
            if let Some(times) = stripe.windows.get_mut(&key) {
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
        let key = (caller.facility_code.clone(), card);
        if let Some(tries) = stripe.cards.get_mut(&key) {
            tries.retain(|(_, t)| now - *t < CARD_WINDOW);
            if tries.len() >= BIRTH_DATES_PER_CARD {
                let mut times: Vec<OffsetDateTime> = tries.iter().map(|(_, t)| *t).collect();
                times.sort();
                let oldest = times[times.len() - BIRTH_DATES_PER_CARD];
                wait = wait.max(oldest + CARD_WINDOW - now);
            }
        }
        if wait > Duration::ZERO {
            Err(wait)
        } else {
            Ok(())
        }
    }

    /// Counts one no-match answer to this caller for this card and birth date.
    pub fn record(
        &self,
        caller: &Caller,
        card: &CardNumbers,
        birth_date: Date,
        now: OffsetDateTime,
    ) {
        let card = self.digest.hash_one(card);
        let digest = self.digest.hash_one(birth_date);
        let Ok(mut stripe) = self.stripe(caller).lock() else {
            return;
        };
        if stripe.windows.len() >= MAX_KEYS {
            stripe
                .windows
                .retain(|_, times| times.back().is_some_and(|t| now - *t < WINDOW));
        }
        if stripe.cards.len() >= MAX_KEYS {
            stripe
                .cards
                .retain(|_, tries| tries.iter().any(|(_, t)| now - *t < CARD_WINDOW));
        }
        for (key, limit) in keys(caller) {
            let times = stripe.windows.entry(key).or_default();
            times.push_back(now);
            // Only the newest `limit` matter.
            while times.len() > limit {
                times.pop_front();
            }
        }
        let tries = stripe
            .cards
            .entry((caller.facility_code.clone(), card))
            .or_default();
        match tries.iter_mut().find(|(d, _)| *d == digest) {
            Some(seen) => seen.1 = now,
            None => tries.push((digest, now)),
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

    fn card(number: &str) -> CardNumbers {
        CardNumbers {
            insurer: shikaku_domain::InsurerNumber::parse("01130012").expect("insurer"),
            symbol: shikaku_domain::CardSymbol::parse_optional("12").expect("symbol"),
            number: shikaku_domain::CardNumber::parse(number).expect("number"),
            branch: shikaku_domain::Branch::parse("00").expect("branch"),
        }
    }

    fn day(n: u8) -> Date {
        Date::from_calendar_date(1980, time::Month::January, n).expect("date")
    }

    #[test]
    fn birth_dates_for_one_card_are_limited_per_facility() {
        let limiter = NoMatchLimiter::default();
        let one = caller("受付1");
        let first = &card("1");
        for i in 0..BIRTH_DATES_PER_CARD as u8 {
            assert!(limiter.check(&one, first, at(i.into())).is_ok());
            limiter.record(&one, first, day(i + 1), at(i.into()));
        }
        // The first try was at 0 s: a day later the card may be tried again.
        assert_eq!(
            limiter.check(&one, first, at(10)),
            Err(CARD_WINDOW - Duration::seconds(10))
        );
        // Another terminal of the facility is refused too; another card is not.
        assert!(limiter.check(&caller("受付2"), first, at(10)).is_err());
        assert!(limiter.check(&one, &card("2"), at(10)).is_ok());
        assert!(limiter.check(&one, first, at(86_400)).is_ok());
        // The same wrong date again does not count.
        let other = &card("3");
        for i in 0..20 {
            limiter.record(&one, other, day(1), at(i));
        }
        assert!(limiter.check(&one, other, at(30)).is_ok());
    }

    #[test]
    fn a_terminal_then_the_facility_is_stopped_until_the_window_moves() {
        let limiter = NoMatchLimiter::default();
        let nth = |i: usize| card(&(i + 1).to_string());
        let one = caller("受付1");
        for i in 0..PER_TERMINAL {
            limiter.record(&one, &nth(i), day(1), at(0));
        }
        assert_eq!(
            limiter.check(&one, &nth(0), at(30)),
            Err(Duration::seconds(570))
        );
        assert!(limiter.check(&one, &nth(0), at(600)).is_ok());
        for t in 2..5 {
            let other = caller(&format!("受付{t}"));
            for i in 0..PER_TERMINAL {
                limiter.record(&other, &nth(i), day(1), at(600));
            }
        }
        let fifth = caller("受付5");
        assert!(
            limiter.check(&fifth, &nth(0), at(700)).is_err(),
            "the facility's limit"
        );
        assert!(
            limiter.check(&fifth, &nth(0), at(1300)).is_ok(),
            "the window moved on"
        );
    }
}
