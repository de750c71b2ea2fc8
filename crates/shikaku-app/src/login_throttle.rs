//! Login throttling that slows guessing without letting anyone lock an owner out (issue 21,
//! findings 6 and 7). Failures are counted per client and login (the same guesses from the
//! same place: a growing wait after 3) and per client over every login (password spraying: a
//! growing wait after 10); the owner on another client is never slowed by someone else's
//! failures, so there is no account lock to trigger. The login is the typed text, known or
//! not, so waiting reveals nothing about which logins exist. The counts live in the store
//! under keyed hashes of the login and the client's address (issue 22: every node of a
//! cluster sees the same waits).

use std::sync::Arc;

use shikaku_store::{Store, StoreError};
use time::{Duration, OffsetDateTime};

use crate::PersonKey;

/// Failures of one client at one login before each try must wait.
pub const FREE_PER_LOGIN: u32 = 3;
/// Failures of one client over all logins before each try must wait.
pub const FREE_PER_CLIENT: u32 = 10;
/// The longest wait; failures older than this are forgotten.
pub const MAX_WAIT: Duration = Duration::minutes(15);

/// The wait after `count` failures when `free` are allowed: 1 s, 2 s, 4 s, … up to 15 min.
pub fn wait_after(count: u32, free: u32) -> Duration {
    if count < free {
        return Duration::ZERO;
    }
    let exponent = (count - free).min(20);
    Duration::seconds(1i64 << exponent).min(MAX_WAIT)
}

/// What is left of the wait after `count` failures, the last at `last`.
fn remaining(failures: Option<(u32, OffsetDateTime)>, free: u32, now: OffsetDateTime) -> Duration {
    match failures {
        Some((count, last)) if now - last < MAX_WAIT => {
            (last + wait_after(count, free) - now).max(Duration::ZERO)
        }
        _ => Duration::ZERO,
    }
}

#[derive(Clone)]
pub struct LoginThrottle {
    store: Arc<dyn Store>,
    key: PersonKey,
}

impl LoginThrottle {
    pub fn new(store: Arc<dyn Store>, key: PersonKey) -> Self {
        Self { store, key }
    }

    fn pair(&self, login: &str, client: &str) -> String {
        hex::encode(self.key.hash("login-throttle", &["pair", login, client]))
    }

    fn client(&self, client: &str) -> String {
        hex::encode(self.key.hash("login-throttle", &["client", client]))
    }

    /// How long this client must still wait before trying this login (zero: go ahead).
    pub async fn wait(
        &self,
        login: &str,
        client: &str,
        now: OffsetDateTime,
    ) -> Result<Duration, StoreError> {
        let pair = self.store.login_failures(&self.pair(login, client)).await?;
        let all = self.store.login_failures(&self.client(client)).await?;
        Ok(remaining(pair, FREE_PER_LOGIN, now).max(remaining(all, FREE_PER_CLIENT, now)))
    }

    /// Counts a failed try; returns the failures of this client at this login so far.
    pub async fn failed(
        &self,
        login: &str,
        client: &str,
        now: OffsetDateTime,
    ) -> Result<u32, StoreError> {
        let forget = now - MAX_WAIT;
        self.store
            .add_login_failure(&self.client(client), now, forget)
            .await?;
        self.store
            .add_login_failure(&self.pair(login, client), now, forget)
            .await
    }

    /// A successful login forgets this client's failures at this login.
    pub async fn succeeded(&self, login: &str, client: &str) -> Result<(), StoreError> {
        self.store
            .clear_login_failures(&self.pair(login, client))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000 + secs).expect("time")
    }

    async fn throttle() -> (shikaku_store::testing::TempSqlite, LoginThrottle) {
        let db = shikaku_store::testing::TempSqlite::new();
        let store = shikaku_store::open(&db.url).await.expect("store");
        (
            db,
            LoginThrottle::new(store, PersonKey::from_bytes(&[7; 32])),
        )
    }

    async fn wait(t: &LoginThrottle, login: &str, client: &str, secs: i64) -> Duration {
        t.wait(login, client, at(secs)).await.expect("wait")
    }

    #[tokio::test]
    async fn guesses_slow_down_but_the_owner_elsewhere_does_not() {
        let (_db, t) = throttle().await;
        let (login, guesser) = ("1311234566", "198.51.100.7");
        for i in 0..3 {
            assert_eq!(wait(&t, login, guesser, i).await, Duration::ZERO);
            t.failed(login, guesser, at(i)).await.expect("failed");
        }
        // The third failure: 1 s, then 2 s, 4 s, …
        assert_eq!(wait(&t, login, guesser, 2).await, Duration::seconds(1));
        assert_eq!(t.failed(login, guesser, at(3)).await.expect("failed"), 4);
        assert_eq!(wait(&t, login, guesser, 3).await, Duration::seconds(2));
        // The owner at the clinic is not slowed.
        assert_eq!(wait(&t, login, "203.0.113.9", 3).await, Duration::ZERO);
        // Forgotten after 15 minutes, and counted from 1 again.
        assert_eq!(wait(&t, login, guesser, 3 + 900).await, Duration::ZERO);
        assert_eq!(t.failed(login, guesser, at(903)).await.expect("failed"), 1);
        assert_eq!(wait_after(40, 3), MAX_WAIT);
    }

    #[tokio::test]
    async fn spraying_many_logins_from_one_client_slows_down() {
        let (_db, t) = throttle().await;
        let client = "198.51.100.7";
        for i in 0..10 {
            let login = format!("13112345{i:02}");
            assert_eq!(wait(&t, &login, client, 0).await, Duration::ZERO);
            t.failed(&login, client, at(0)).await.expect("failed");
        }
        assert_eq!(
            wait(&t, "2711111111", client, 0).await,
            Duration::seconds(1)
        );
        assert_eq!(wait(&t, "2711111111", "192.0.2.1", 0).await, Duration::ZERO);
        t.succeeded("1311234500", client).await.expect("succeeded");
        assert_eq!(wait(&t, "1311234500", client, 5).await, Duration::ZERO);
    }
}
