//! Card-reader applications; a change is written only over the state the caller saw.

use async_trait::async_trait;
use shikaku_domain::portal::ReaderStatus;

use super::*;
use crate::Result;

#[async_trait]
pub trait ReaderStore: Send + Sync {
    async fn insert_reader_application(&self, app: &ReaderApplication) -> Result<()>;
    /// Writes `app` over the stored row if that row's status is still `expect`.
    async fn update_reader_application(
        &self,
        app: &ReaderApplication,
        expect: ReaderStatus,
    ) -> Result<bool>;
    async fn reader_application(&self, id: &str) -> Result<Option<ReaderApplication>>;
    /// Newest first.
    async fn reader_applications(
        &self,
        filter: &AppFilter,
        offset: u64,
        limit: u64,
    ) -> Result<Page<ReaderApplication>>;
}

/// `impl ReaderStore` for a backend, expanded inside the portal implementation's module so it
/// shares its SQL helpers (`q`, `page`).
macro_rules! impl_reader_store {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::portal::ReaderStore for $store {
            async fn insert_reader_application(&self, a: &$crate::portal::ReaderApplication) -> $crate::Result<()> {
                let mut conn = self.pool.acquire().await?;
                insert_reader(&mut *conn, a).await
            }

            async fn update_reader_application(
                &self,
                a: &$crate::portal::ReaderApplication,
                expect: shikaku_domain::portal::ReaderStatus,
            ) -> $crate::Result<bool> {
                let done = sqlx::query(q(
                    "UPDATE reader_applications SET maker = $1, quantity = $2, status = $3, delivery_month = $4, \
                     updated_at = $5 WHERE id = $6 AND status = $7",
                ))
                .bind(&a.maker)
                .bind(a.quantity)
                .bind(shikaku_domain::portal::Choice::code(a.status))
                .bind(&a.delivery_month)
                .bind(a.updated_at)
                .bind(&a.id)
                .bind(shikaku_domain::portal::Choice::code(expect))
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn reader_application(&self, id: &str) -> $crate::Result<Option<$crate::portal::ReaderApplication>> {
                Ok(sqlx::query_as::<_, $crate::portal::ReaderApplicationRow>(q(&format!(
                    "SELECT {} FROM reader_applications WHERE id = $1",
                    $crate::portal::READER_COLUMNS
                )))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?.map(Into::into))
            }

            async fn reader_applications(
                &self,
                filter: &$crate::portal::AppFilter,
                offset: u64,
                limit: u64,
            ) -> $crate::Result<$crate::portal::Page<$crate::portal::ReaderApplication>> {
                page::<$crate::portal::ReaderApplicationRow, _>(&self.pool, "reader_applications", $crate::portal::READER_COLUMNS, "created_at DESC, id", &$crate::portal::app_where(filter), offset, limit).await
            }
        }

        async fn insert_reader(
            conn: &mut <$db as sqlx::Database>::Connection,
            a: &$crate::portal::ReaderApplication,
        ) -> $crate::Result<()> {
            sqlx::query(q(&format!(
                "INSERT INTO reader_applications ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                $crate::portal::READER_COLUMNS
            )))
            .bind(&a.id)
            .bind(a.facility_code.as_str())
            .bind(&a.maker)
            .bind(a.quantity)
            .bind(a.applied_on)
            .bind(shikaku_domain::portal::Choice::code(a.status))
            .bind(&a.delivery_month)
            .bind(a.created_at)
            .bind(a.updated_at)
            .execute(conn)
            .await
            .map_err(|e| $crate::model::conflict_on_unique(e, "reader application id"))?;
            Ok(())
        }
    };
}
pub(crate) use impl_reader_store;
