//! Limits on 該当資格なし answers (issue 21, finding 3). Guessing a birth date for a known
//! card number is stopped per facility and card: after 5 different birth dates answered "no
//! match" within 24 hours, that facility's lookups of that card are refused until the oldest
//! try is a day old (the same wrong date again does not count; another card is not affected).
//! Guessing card numbers at volume is slowed per terminal (1,000 no-match answers in 10
//! minutes) and per facility (3,000), which a month-start 一括照会 stays under. Refused
//! lookups wait until the window moves.
//!
//! The counts are kept in memory, so a lookup's check costs no round trip; every no-match
//! answer is also stored (`no_match_events`, keyed hashes only) and each node adds the other
//! nodes' answers to its counts every [`SYNC_INTERVAL`] ([`NoMatchLimiter::spawn_sync`]). A
//! cluster's limits therefore hold across nodes, up to what the other nodes answer within one
//! interval, and survive a restart (the last day is read at start).

use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use time::{Date, Duration, OffsetDateTime};

use shikaku_domain::CardNumbers;
use shikaku_store::{NoMatchEvent, Store};

use crate::{Caller, PersonKey};

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

/// How often a node stores its no-match answers and reads the other nodes'.
pub const SYNC_INTERVAL: std::time::Duration = std::time::Duration::from_millis(500);
/// How far back each read looks again (answers committed late by another node).
const SYNC_OVERLAP: Duration = Duration::seconds(5);
/// Stored answers read per query.
const SYNC_PAGE: u32 = 10_000;

pub struct NoMatchLimiter {
    stripes: [Mutex<Stripe>; STRIPES],
    /// Keys the digests of card numbers and birth dates (the same on every node, so the
    /// stored answers count on each; only the digests are stored, never logged).
    key: PersonKey,
    /// This process, in the stored answers (its own are counted when they happen).
    node: String,
    /// Answers not stored yet.
    unsent: Mutex<Vec<NoMatchEvent>>,
}

fn keys(facility: &str, terminal: &str) -> [(String, usize); 2] {
    [
        (format!("t:{facility}:{terminal}"), PER_TERMINAL),
        (format!("f:{facility}"), PER_FACILITY),
    ]
}

impl NoMatchLimiter {
    pub fn new(key: PersonKey) -> Self {
        Self {
            stripes: Default::default(),
            key,
            node: crate::secrets::process_id(),
            unsent: Mutex::default(),
        }
    }

    fn stripe(&self, facility: &str) -> &Mutex<Stripe> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        facility.hash(&mut h);
        &self.stripes[(h.finish() % STRIPES as u64) as usize]
    }

    fn digest(&self, domain: &str, parts: &[&str]) -> u64 {
        let mac = self.key.hash(domain, parts);
        let mut first = [0u8; 8];
        first.copy_from_slice(&mac[..8]);
        u64::from_be_bytes(first)
    }

    fn card_digest(&self, card: &CardNumbers) -> u64 {
        self.digest(
            "no-match-card",
            &[
                card.insurer.as_str(),
                card.symbol_str(),
                card.number.as_str(),
                card.branch.as_str(),
            ],
        )
    }

    /// `Err(wait)` when this caller may not look up this card now: its terminal or facility
    /// is over its limit, or its facility has tried too many birth dates for the card.
    pub fn check(
        &self,
        caller: &Caller,
        card: &CardNumbers,
        now: OffsetDateTime,
    ) -> Result<(), Duration> {
        let Ok(mut stripe) = self.stripe(&caller.facility_code).lock() else {
            return Ok(());
        };
        let mut wait = Duration::ZERO;
        for (key, limit) in keys(&caller.facility_code, &caller.terminal_name) {
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
        // The keyed hash of the card only when this stripe holds any card's tries: a lookup
        // path with no 該当資格なし lately pays nothing for it.
        let key = (!stripe.cards.is_empty())
            .then(|| (caller.facility_code.clone(), self.card_digest(card)));
        if let Some(tries) = key.and_then(|key| stripe.cards.get_mut(&key)) {
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

    /// Counts one no-match answer to this caller for this card and birth date (and queues it
    /// for the other nodes).
    pub fn record(
        &self,
        caller: &Caller,
        card: &CardNumbers,
        birth_date: Date,
        now: OffsetDateTime,
    ) {
        let card = self.card_digest(card);
        let birth = self.digest("no-match-birth", &[&birth_date.to_string()]);
        self.count(
            &caller.facility_code,
            &caller.terminal_name,
            card,
            birth,
            now,
        );
        if let Ok(mut unsent) = self.unsent.lock() {
            unsent.push(NoMatchEvent {
                id: 0,
                node: self.node.clone(),
                facility_code: caller.facility_code.clone(),
                terminal_name: caller.terminal_name.clone(),
                card_hash: format!("{card:016x}"),
                birth_hash: format!("{birth:016x}"),
                at: now,
            });
        }
    }

    /// Counts an answer another node (or an earlier run) stored; false when it is unreadable.
    fn count_stored(&self, e: &NoMatchEvent) -> bool {
        let (Ok(card), Ok(birth)) = (
            u64::from_str_radix(&e.card_hash, 16),
            u64::from_str_radix(&e.birth_hash, 16),
        ) else {
            return false;
        };
        self.count(&e.facility_code, &e.terminal_name, card, birth, e.at);
        true
    }

    fn count(&self, facility: &str, terminal: &str, card: u64, birth: u64, at: OffsetDateTime) {
        let Ok(mut stripe) = self.stripe(facility).lock() else {
            return;
        };
        if stripe.windows.len() >= MAX_KEYS {
            stripe
                .windows
                .retain(|_, times| times.back().is_some_and(|t| at - *t < WINDOW));
        }
        if stripe.cards.len() >= MAX_KEYS {
            stripe
                .cards
                .retain(|_, tries| tries.iter().any(|(_, t)| at - *t < CARD_WINDOW));
        }
        for (key, limit) in keys(facility, terminal) {
            let times = stripe.windows.entry(key).or_default();
            // Kept in time order (another node's answers may arrive late).
            let place = times.partition_point(|t| *t <= at);
            times.insert(place, at);
            // Only the newest `limit` matter.
            while times.len() > limit {
                times.pop_front();
            }
        }
        let tries = stripe
            .cards
            .entry((facility.to_string(), card))
            .or_default();
        match tries.iter_mut().find(|(d, _)| *d == birth) {
            Some(seen) => seen.1 = seen.1.max(at),
            None => tries.push((birth, at)),
        }
    }

    /// Stores this node's answers and counts the other nodes' every [`SYNC_INTERVAL`], from
    /// the last day's at start; answers older than a day are removed from the store now and
    /// then. Runs until the process ends.
    pub fn spawn_sync(self: &Arc<Self>, store: Arc<dyn Store>) {
        let limiter = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut cursor = OffsetDateTime::now_utc() - CARD_WINDOW;
            let mut seen: HashMap<i64, OffsetDateTime> = HashMap::new();
            let mut pruned = std::time::Instant::now();
            let mut failing = false;
            loop {
                let Some(this) = limiter.upgrade() else {
                    return;
                };
                match this.sync_once(store.as_ref(), &mut cursor, &mut seen).await {
                    Ok(()) if failing => {
                        failing = false;
                        tracing::info!("no-match answers are shared again");
                    }
                    Ok(()) => {}
                    Err(e) if !failing => {
                        failing = true;
                        tracing::warn!(error = %e, "no-match answers not shared; retrying");
                    }
                    Err(_) => {}
                }
                if pruned.elapsed() > std::time::Duration::from_secs(60) {
                    pruned = std::time::Instant::now();
                    let before = OffsetDateTime::now_utc() - CARD_WINDOW;
                    if let Err(e) = store.forget_no_matches(before).await {
                        tracing::warn!(error = %e, "old no-match answers not removed");
                    }
                }
                drop(this);
                tokio::time::sleep(SYNC_INTERVAL).await;
            }
        });
    }

    async fn sync_once(
        &self,
        store: &dyn Store,
        cursor: &mut OffsetDateTime,
        seen: &mut HashMap<i64, OffsetDateTime>,
    ) -> Result<(), shikaku_store::StoreError> {
        let unsent = self
            .unsent
            .lock()
            .map(|mut u| std::mem::take(&mut *u))
            .unwrap_or_default();
        if !unsent.is_empty()
            && let Err(e) = store.record_no_matches(&unsent).await
        {
            // Kept for the next round (the answers were counted here already).
            if let Ok(mut u) = self.unsent.lock() {
                let mut again = unsent;
                again.append(&mut u);
                *u = again;
            }
            return Err(e);
        }
        loop {
            let from = *cursor - SYNC_OVERLAP;
            let events = store.no_matches_since(from, SYNC_PAGE).await?;
            let full = events.len() == SYNC_PAGE as usize;
            for e in events {
                *cursor = (*cursor).max(e.at);
                if seen.insert(e.id, e.at).is_some() || e.node == self.node {
                    continue;
                }
                if !self.count_stored(&e) {
                    tracing::warn!(id = e.id, "an unreadable stored no-match answer");
                }
            }
            let horizon = *cursor - SYNC_OVERLAP - SYNC_OVERLAP;
            seen.retain(|_, at| *at >= horizon);
            // A full page moves the cursor on; one that cannot (a page of one instant) ends
            // the round rather than reading it again.
            if !full || *cursor - SYNC_OVERLAP <= from {
                return Ok(());
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
        let limiter = NoMatchLimiter::new(PersonKey::from_bytes(&[1; 32]));
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
        let limiter = NoMatchLimiter::new(PersonKey::from_bytes(&[1; 32]));
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

    #[tokio::test]
    async fn the_limits_hold_across_nodes_sharing_a_store() {
        let db = shikaku_store::testing::TempSqlite::new();
        let store = shikaku_store::open(&db.url).await.expect("store");
        let key = PersonKey::from_bytes(&[1; 32]);
        let (a, b) = (NoMatchLimiter::new(key.clone()), NoMatchLimiter::new(key));
        let one = caller("受付1");
        let first = &card("1");
        let now = OffsetDateTime::now_utc();
        for i in 0..BIRTH_DATES_PER_CARD as u8 {
            a.record(&one, first, day(i + 1), now);
        }
        assert!(a.check(&one, first, now).is_err());
        assert!(b.check(&one, first, now).is_ok(), "not shared yet");
        let (mut cursor_a, mut seen_a) = (now - CARD_WINDOW, HashMap::new());
        let (mut cursor_b, mut seen_b) = (now - CARD_WINDOW, HashMap::new());
        a.sync_once(store.as_ref(), &mut cursor_a, &mut seen_a)
            .await
            .expect("a stores");
        b.sync_once(store.as_ref(), &mut cursor_b, &mut seen_b)
            .await
            .expect("b reads");
        assert!(
            b.check(&one, first, now).is_err(),
            "node b counts node a's answers"
        );
        assert!(b.check(&one, &card("2"), now).is_ok());
        // Node a does not count its own answers twice, nor b its reads again.
        a.sync_once(store.as_ref(), &mut cursor_a, &mut seen_a)
            .await
            .expect("a reads");
        b.sync_once(store.as_ref(), &mut cursor_b, &mut seen_b)
            .await
            .expect("b reads again");
        for limiter in [&a, &b] {
            let stripe = limiter.stripe(&one.facility_code).lock().expect("stripe");
            let times = &stripe.windows["f:1311234566"];
            assert_eq!(times.len(), BIRTH_DATES_PER_CARD);
        }
        // A restarted node reads the last day.
        let c = NoMatchLimiter::new(PersonKey::from_bytes(&[1; 32]));
        c.sync_once(
            store.as_ref(),
            &mut (now - CARD_WINDOW),
            &mut HashMap::new(),
        )
        .await
        .expect("c reads");
        assert!(c.check(&one, first, now).is_err());
    }
}
