//! State the nodes of a cluster share (issue 22): login failures, 該当資格なし answers for the
//! no-match limits, and the leases under which one node runs a 一括照会 job.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::Result;

/// One 該当資格なし answer, as every node's no-match limiter counts it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NoMatchEvent {
    /// Assigned by the store (0 before it is stored).
    pub id: i64,
    /// The node that answered (its own events are already counted in its memory).
    pub node: String,
    pub facility_code: String,
    pub terminal_name: String,
    /// Keyed hashes (hex) of the card numbers and of the birth date asked about.
    pub card_hash: String,
    pub birth_hash: String,
    pub at: OffsetDateTime,
}

#[async_trait]
pub trait ClusterStore: Send + Sync {
    /// The failures counted under `key` (a keyed hash) and the time of the last one.
    async fn login_failures(&self, key: &str) -> Result<Option<(u32, OffsetDateTime)>>;
    /// Counts one more failure under `key` at `now` and returns the count; a count whose
    /// last failure is at or before `forget_before` starts again at 1 (and such rows of
    /// every key are removed).
    async fn add_login_failure(
        &self,
        key: &str,
        now: OffsetDateTime,
        forget_before: OffsetDateTime,
    ) -> Result<u32>;
    /// Forgets the failures under `key`.
    async fn clear_login_failures(&self, key: &str) -> Result<()>;

    /// Stores 該当資格なし answers (their `id` is ignored).
    async fn record_no_matches(&self, events: &[NoMatchEvent]) -> Result<()>;
    /// The answers stored at or after `since`, oldest first, at most `limit`.
    async fn no_matches_since(
        &self,
        since: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<NoMatchEvent>>;
    /// Removes the answers before `before`; returns how many.
    async fn forget_no_matches(&self, before: OffsetDateTime) -> Result<u64>;

    /// Takes (or, for its holder, extends) the lease on an unfinished 一括照会 job until
    /// `until`: true for the node that holds it now, false when another node's lease has
    /// not ended by `now` or the job is done or gone.
    async fn lease_batch(
        &self,
        id: &str,
        node: &str,
        until: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<bool>;
    /// Unfinished jobs whose lease (if any) has ended by `now`, oldest first.
    async fn unleased_batches(&self, now: OffsetDateTime, limit: u32) -> Result<Vec<String>>;
}

/// The body of `impl ClusterStore`, expanded beside the portal implementation (shares `q`).
macro_rules! impl_cluster_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::cluster::ClusterStore for $store {
            async fn login_failures(
                &self,
                key: &str,
            ) -> $crate::Result<Option<(u32, time::OffsetDateTime)>> {
                let row: Option<(i64, time::OffsetDateTime)> = sqlx::query_as(q(
                    "SELECT failures, last_at FROM login_failures WHERE key_hash = $1",
                ))
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(n, last)| (u32::try_from(n).unwrap_or(u32::MAX), last)))
            }

            async fn add_login_failure(
                &self,
                key: &str,
                now: time::OffsetDateTime,
                forget_before: time::OffsetDateTime,
            ) -> $crate::Result<u32> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(q(
                    "DELETE FROM login_failures WHERE last_at <= $1 AND key_hash <> $2",
                ))
                .bind(forget_before)
                .bind(key)
                .execute(&mut *tx)
                .await?;
                let (n,): (i64,) = sqlx::query_as(q(
                    "INSERT INTO login_failures (key_hash, failures, last_at) VALUES ($1, 1, $2) \
                     ON CONFLICT (key_hash) DO UPDATE SET \
                     failures = CASE WHEN login_failures.last_at <= $3 THEN 1 \
                                  ELSE login_failures.failures + 1 END, \
                     last_at = $2 \
                     RETURNING failures",
                ))
                .bind(key)
                .bind(now)
                .bind(forget_before)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(u32::try_from(n).unwrap_or(u32::MAX))
            }

            async fn clear_login_failures(&self, key: &str) -> $crate::Result<()> {
                sqlx::query(q("DELETE FROM login_failures WHERE key_hash = $1"))
                    .bind(key)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn record_no_matches(
                &self,
                events: &[$crate::cluster::NoMatchEvent],
            ) -> $crate::Result<()> {
                let mut tx = self.pool.begin().await?;
                for e in events {
                    sqlx::query(q("INSERT INTO no_match_events \
                         (node, facility_code, terminal_name, card_hash, birth_hash, at) \
                         VALUES ($1, $2, $3, $4, $5, $6)"))
                    .bind(&e.node)
                    .bind(&e.facility_code)
                    .bind(&e.terminal_name)
                    .bind(&e.card_hash)
                    .bind(&e.birth_hash)
                    .bind(e.at)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn no_matches_since(
                &self,
                since: time::OffsetDateTime,
                limit: u32,
            ) -> $crate::Result<Vec<$crate::cluster::NoMatchEvent>> {
                Ok(sqlx::query_as(q(
                    "SELECT id, node, facility_code, terminal_name, card_hash, birth_hash, at \
                     FROM no_match_events WHERE at >= $1 ORDER BY at, id LIMIT $2",
                ))
                .bind(since)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?)
            }

            async fn forget_no_matches(&self, before: time::OffsetDateTime) -> $crate::Result<u64> {
                Ok(sqlx::query(q("DELETE FROM no_match_events WHERE at < $1"))
                    .bind(before)
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
            }

            async fn lease_batch(
                &self,
                id: &str,
                node: &str,
                until: time::OffsetDateTime,
                now: time::OffsetDateTime,
            ) -> $crate::Result<bool> {
                Ok(sqlx::query(q(
                    "UPDATE batch_jobs SET claimed_by = $2, claimed_until = $3 \
                     WHERE id = $1 AND status <> 'done' \
                     AND (claimed_by = $2 OR claimed_until IS NULL OR claimed_until <= $4)",
                ))
                .bind(id)
                .bind(node)
                .bind(until)
                .bind(now)
                .execute(&self.pool)
                .await?
                .rows_affected()
                    == 1)
            }

            async fn unleased_batches(
                &self,
                now: time::OffsetDateTime,
                limit: u32,
            ) -> $crate::Result<Vec<String>> {
                let rows: Vec<(String,)> =
                    sqlx::query_as(q("SELECT id FROM batch_jobs WHERE status <> 'done' \
                     AND (claimed_until IS NULL OR claimed_until <= $1) \
                     ORDER BY created_at LIMIT $2"))
                    .bind(now)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(|(id,)| id).collect())
            }
        }
    };
}
pub(crate) use impl_cluster_store;
