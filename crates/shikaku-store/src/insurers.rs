//! The insurer register: names of insurer numbers, loaded from a file by operators.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct InsurerRow {
    pub number: String,
    pub name: String,
    pub updated_at: OffsetDateTime,
}

/// What a load changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InsurerCounts {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

#[async_trait]
pub trait InsurerStore: Send + Sync {
    /// Adds or renames insurers (number, name) in one transaction; `dry_run` counts only.
    async fn upsert_insurers(
        &self,
        rows: &[(String, String)],
        at: OffsetDateTime,
        dry_run: bool,
    ) -> Result<InsurerCounts>;
    /// The whole register, by number.
    async fn insurers(&self) -> Result<Vec<InsurerRow>>;
    /// When each insurer's qualifications were last loaded (insurer number, time, and the
    /// date the file covers when given), by number.
    async fn insurer_data(&self) -> Result<Vec<(String, OffsetDateTime, Option<time::Date>)>>;
}

/// The body of `impl InsurerStore`, expanded beside the portal implementation (shares `q`).
macro_rules! impl_insurer_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::insurers::InsurerStore for $store {
            async fn upsert_insurers(
                &self,
                rows: &[(String, String)],
                at: time::OffsetDateTime,
                dry_run: bool,
            ) -> $crate::Result<$crate::insurers::InsurerCounts> {
                let mut tx = self.pool.begin().await?;
                let mut counts = $crate::insurers::InsurerCounts::default();
                for (number, name) in rows {
                    let old: Option<(String,)> =
                        sqlx::query_as(q("SELECT name FROM insurers WHERE number = $1"))
                            .bind(number)
                            .fetch_optional(&mut *tx)
                            .await?;
                    match old {
                        Some((old,)) if &old == name => counts.unchanged += 1,
                        Some(_) => counts.updated += 1,
                        None => counts.inserted += 1,
                    }
                    if !dry_run {
                        sqlx::query(q(
                            "INSERT INTO insurers (number, name, updated_at) VALUES ($1, $2, $3) \
                             ON CONFLICT (number) DO UPDATE SET name = excluded.name, \
                             updated_at = excluded.updated_at WHERE insurers.name <> excluded.name",
                        ))
                        .bind(number)
                        .bind(name)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                if dry_run {
                    tx.rollback().await?;
                } else {
                    tx.commit().await?;
                }
                Ok(counts)
            }

            async fn insurers(&self) -> $crate::Result<Vec<$crate::insurers::InsurerRow>> {
                Ok(sqlx::query_as(q(
                    "SELECT number, name, updated_at FROM insurers ORDER BY number",
                ))
                .fetch_all(&self.pool)
                .await?)
            }

            async fn insurer_data(
                &self,
            ) -> $crate::Result<Vec<(String, time::OffsetDateTime, Option<time::Date>)>> {
                Ok(sqlx::query_as(q(
                    "SELECT insurer_number, loaded_at, covers_on FROM insurer_data ORDER BY insurer_number",
                ))
                .fetch_all(&self.pool)
                .await?)
            }
        }
    };
}
pub(crate) use impl_insurer_store;
