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
}

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
