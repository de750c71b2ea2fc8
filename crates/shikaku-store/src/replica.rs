//! Eligibility reads from a PostgreSQL hot standby (issue 22, `serve --read-db`), used only
//! while it is known to be at most `max_lag` behind the primary.
//!
//! How far behind is measured without writing anything: every [`SAMPLE_INTERVAL`] the
//! monitor notes the primary's WAL position (`pg_current_wal_lsn()`) with the time, and asks
//! the standby how far it has replayed (`pg_last_wal_replay_lsn()`). The standby holds every
//! commit made before the newest sample whose position it has replayed, so its lag is at most
//! the age of that sample. An idle primary's position does not move, so an idle standby is
//! never "behind". A standby that cannot be reached, or whose lag passes the bound, is not
//! used until a sample shows it caught up again; a read that fails on it is made again on the
//! primary at once, so a standby going away costs no lookup.
//!
//! Only the reads of card numbers go there ([`crate::Store::find_by_card`] and its batched
//! form): never the certificate and revocation check, the access log, or anything that must
//! see a write this node just made.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::{Result, StoreError};

/// How often the primary's position is sampled and the standby's replay is checked.
pub const SAMPLE_INTERVAL: Duration = Duration::from_millis(500);
/// A read the standby has not answered by then is made on the primary instead.
pub const STANDBY_READ_TIMEOUT: Duration = Duration::from_secs(1);

pub(crate) struct Replica {
    pool: PgPool,
    max_lag: Duration,
    usable: AtomicBool,
}

impl Replica {
    /// Connects lazily to the standby at `url` and starts the monitor against `primary`. The
    /// standby is not used until the first sample shows it within `max_lag`.
    pub(crate) fn start(url: &str, max_lag: Duration, primary: PgPool) -> Result<Arc<Self>> {
        let options: PgConnectOptions = url.parse().map_err(StoreError::Backend)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .min_connections(0)
            .acquire_timeout(Duration::from_secs(2))
            .connect_lazy_with(options.options([("jit", "off")]));
        let replica = Arc::new(Self {
            pool,
            max_lag,
            usable: AtomicBool::new(false),
        });
        let weak = Arc::downgrade(&replica);
        tokio::spawn(async move {
            let mut samples: VecDeque<(Instant, String)> = VecDeque::new();
            loop {
                let Some(replica) = weak.upgrade() else {
                    return;
                };
                replica.sample(&primary, &mut samples).await;
                drop(replica);
                tokio::time::sleep(SAMPLE_INTERVAL).await;
            }
        });
        Ok(replica)
    }

    /// The standby's pool while it is usable.
    fn pool(&self) -> Option<&PgPool> {
        self.usable.load(Ordering::Relaxed).then_some(&self.pool)
    }

    /// Runs a read on the standby if it is usable (at most [`STANDBY_READ_TIMEOUT`]); `None`
    /// when it is not usable or the read failed (it is then not used until a sample shows
    /// it back), so the caller reads from the primary.
    pub(crate) async fn read<T, F, Fut>(&self, read: F) -> Option<T>
    where
        F: FnOnce(PgPool) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let pool = self.pool()?.clone();
        let outcome = match tokio::time::timeout(STANDBY_READ_TIMEOUT, read(pool)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(StoreError::Unavailable(sqlx::Error::PoolTimedOut)),
        };
        match outcome {
            Ok(value) => {
                metrics::counter!("shikaku_card_reads_total", "db" => "standby").increment(1);
                Some(value)
            }
            Err(e) => {
                self.failed(&e);
                None
            }
        }
    }

    /// A read on the standby failed: use the primary until a sample shows it back.
    fn failed(&self, error: &StoreError) {
        if self.usable.swap(false, Ordering::Relaxed) {
            tracing::warn!(error = %error, "the standby failed a read; reading from the primary");
        }
    }

    async fn sample(&self, primary: &PgPool, samples: &mut VecDeque<(Instant, String)>) {
        let now = Instant::now();
        // The primary down: lookups fail on their access-log write anyway; the samples taken
        // so far stay.
        if let Ok(lsn) = sqlx::query_scalar::<_, String>("SELECT pg_current_wal_lsn()::text")
            .fetch_one(primary)
            .await
        {
            samples.push_back((now, lsn));
        }
        let lag = match self.replayed(samples).await {
            Ok(lag) => lag,
            Err(e) => {
                if self.usable.swap(false, Ordering::Relaxed) {
                    tracing::warn!(error = %e, "the standby is unreachable; reading from the primary");
                }
                metrics::gauge!("shikaku_standby_usable").set(0.0);
                return;
            }
        };
        // Samples older than the bound can never make the standby usable again.
        while samples.len() > 1
            && samples
                .front()
                .is_some_and(|(t, _)| now.duration_since(*t) > self.max_lag * 2)
        {
            samples.pop_front();
        }
        let lag_ms = lag.map(|l| l.as_millis());
        if let Some(l) = lag {
            metrics::gauge!("shikaku_standby_lag_seconds").set(l.as_secs_f64());
        }
        let usable = lag.is_some_and(|l| l <= self.max_lag);
        metrics::gauge!("shikaku_standby_usable").set(if usable { 1.0 } else { 0.0 });
        let was = self.usable.swap(usable, Ordering::Relaxed);
        match (was, usable) {
            (false, true) => tracing::info!(?lag_ms, "reading card numbers from the standby"),
            (true, false) => {
                tracing::warn!(
                    ?lag_ms,
                    "the standby lags too far; reading from the primary"
                )
            }
            _ => {}
        }
    }

    /// The age of the newest sample the standby has replayed (`None`: none of them yet).
    async fn replayed(
        &self,
        samples: &mut VecDeque<(Instant, String)>,
    ) -> Result<Option<Duration>> {
        if samples.is_empty() {
            return Ok(None);
        }
        // Which samples the standby has reached, compared by PostgreSQL itself (pg_lsn).
        let positions: Vec<String> = samples.iter().map(|(_, lsn)| lsn.clone()).collect();
        let reached: Vec<bool> = sqlx::query_scalar(
            "SELECT COALESCE(pg_last_wal_replay_lsn() >= s::pg_lsn, false) \
             FROM UNNEST($1::text[]) WITH ORDINALITY AS u(s, i) ORDER BY i",
        )
        .bind(&positions)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::from)?;
        let now = Instant::now();
        Ok(samples
            .iter()
            .zip(reached)
            .filter(|(_, r)| *r)
            .map(|((t, _), _)| now.duration_since(*t))
            .min())
    }
}
