//! The preparation steps a facility has done (the timeline).

use async_trait::async_trait;
use time::{Date, OffsetDateTime};

use crate::Result;

#[async_trait]
pub trait StepStore: Send + Sync {
    /// Marks a preparation step done (`Some`) or not done (`None`).
    async fn set_step(
        &self,
        facility_code: &str,
        step: &str,
        done: Option<(Date, OffsetDateTime)>,
    ) -> Result<()>;
    /// The steps done: (step, when).
    async fn steps_done(&self, facility_code: &str) -> Result<Vec<(String, OffsetDateTime)>>;
    /// Facilities whose planned start is on or before `today` and that are not yet counted
    /// as in operation ([`OPERATING`]): (code, planned start).
    async fn operating_candidates(&self, today: Date) -> Result<Vec<(String, Date)>>;
    /// For each (facility, since): its first access-log entry at or after `since` (any kind
    /// of real lookup), by the (facility_code, at) index; the facilities with none are left
    /// out. The SQLite log is brought up to date once for all of them.
    async fn first_lookups_since(
        &self,
        facilities: &[(String, OffsetDateTime)],
    ) -> Result<Vec<(String, OffsetDateTime)>>;
}

/// The marker row (in `facility_steps`) of a facility in operation (運用開始): its planned
/// start has passed and it made a real lookup on or after that day.
pub const OPERATING: &str = "operating";

/// `impl StepStore` for a backend, expanded inside the portal implementation's module so it
/// shares its SQL helpers (`q`, `page`).
macro_rules! impl_step_store {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::portal::StepStore for $store {
            async fn set_step(
                &self,
                code: &str,
                step: &str,
                done: Option<(time::Date, time::OffsetDateTime)>,
            ) -> $crate::Result<()> {
                match done {
                    Some((on, at)) => {
                        let mut conn = self.pool.acquire().await?;
                        insert_step(&mut *conn, code, step, on, at).await?;
                    }
                    None => {
                        sqlx::query(q("DELETE FROM facility_steps WHERE facility_code = $1 AND step = $2"))
                            .bind(code)
                            .bind(step)
                            .execute(&self.pool)
                            .await?;
                    }
                }
                Ok(())
            }

            async fn steps_done(&self, code: &str) -> $crate::Result<Vec<(String, time::OffsetDateTime)>> {
                Ok(sqlx::query_as(q(
                    "SELECT step, done_at FROM facility_steps WHERE facility_code = $1 ORDER BY done_at",
                ))
                .bind(code)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn operating_candidates(&self, today: time::Date) -> $crate::Result<Vec<(String, time::Date)>> {
                Ok(sqlx::query_as(q(
                    "SELECT code, planned_start FROM facilities f WHERE planned_start <= $1 \
                     AND NOT EXISTS (SELECT 1 FROM facility_steps s WHERE s.facility_code = f.code \
                     AND s.step = 'operating') ORDER BY code",
                ))
                .bind(today)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn first_lookups_since(
                &self,
                facilities: &[(String, time::OffsetDateTime)],
            ) -> $crate::Result<Vec<(String, time::OffsetDateTime)>> {
                if facilities.is_empty() {
                    return Ok(Vec::new());
                }
                self.access_log_current().await?;
                let mut found = Vec::new();
                for (code, since) in facilities {
                    let row: Option<(time::OffsetDateTime,)> = sqlx::query_as(q(
                        "SELECT at FROM access_log WHERE facility_code = $1 AND at >= $2 ORDER BY at LIMIT 1",
                    ))
                    .bind(code)
                    .bind(since)
                    .fetch_optional(&self.pool)
                    .await?;
                    if let Some((at,)) = row {
                        found.push((code.clone(), at));
                    }
                }
                Ok(found)
            }
        }

        /// Marks a step done (the first time it is marked stays).
        async fn insert_step(
            conn: &mut <$db as sqlx::Database>::Connection,
            code: &str,
            step: &str,
            on: time::Date,
            at: time::OffsetDateTime,
        ) -> $crate::Result<()> {
            sqlx::query(q(
                "INSERT INTO facility_steps (facility_code, step, done_on, done_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (facility_code, step) DO NOTHING",
            ))
            .bind(code)
            .bind(step)
            .bind(on)
            .bind(at)
            .execute(conn)
            .await?;
            Ok(())
        }
    };
}
pub(crate) use impl_step_store;
