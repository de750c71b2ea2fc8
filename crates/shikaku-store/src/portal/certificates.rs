//! Terminal-certificate applications, the one download (claimed once), and a certificate's
//! first use from the access log.

use async_trait::async_trait;
use shikaku_domain::portal::CertStatus;
use time::OffsetDateTime;

use super::*;
use crate::Result;

#[async_trait]
pub trait CertificateStore: Send + Sync {
    async fn insert_cert_application(&self, app: &CertApplication) -> Result<()>;
    async fn update_cert_application(
        &self,
        app: &CertApplication,
        expect: CertStatus,
    ) -> Result<bool>;
    async fn cert_application(&self, id: &str) -> Result<Option<CertApplication>>;
    async fn cert_applications(
        &self,
        filter: &AppFilter,
        offset: u64,
        limit: u64,
    ) -> Result<Page<CertApplication>>;
    /// The one download: marks an `issued` application downloaded with the serial of the
    /// certificate just made for it. False when it is not (or no longer) `issued`.
    async fn claim_certificate(&self, id: &str, serial: &str, at: OffsetDateTime) -> Result<bool>;
    /// When a terminal of this facility first used the eligibility API with this certificate
    /// (the access log), if it did.
    async fn first_use_of_cert(
        &self,
        facility_code: &str,
        serial: &str,
    ) -> Result<Option<OffsetDateTime>>;
}

/// `impl CertificateStore` for a backend, expanded inside the portal implementation's module so it
/// shares its SQL helpers (`q`, `page`).
macro_rules! impl_certificate_store {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::portal::CertificateStore for $store {
            async fn insert_cert_application(&self, a: &$crate::portal::CertApplication) -> $crate::Result<()> {
                sqlx::query(q(&format!(
                    "INSERT INTO cert_applications ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    $crate::portal::CERT_COLUMNS
                )))
                .bind(&a.id)
                .bind(a.facility_code.as_str())
                .bind(&a.terminal_name)
                .bind(&a.os)
                .bind(shikaku_domain::portal::Choice::code(a.status))
                .bind(&a.serial)
                .bind(a.applied_at)
                .bind(a.decided_at)
                .bind(a.downloaded_at)
                .execute(&self.pool)
                .await
                .map_err(|e| $crate::model::conflict_on_unique(e, "certificate application id"))?;
                Ok(())
            }

            async fn update_cert_application(
                &self,
                a: &$crate::portal::CertApplication,
                expect: shikaku_domain::portal::CertStatus,
            ) -> $crate::Result<bool> {
                let done = sqlx::query(q(
                    "UPDATE cert_applications SET status = $1, serial = $2, \
                     decided_at = $3, downloaded_at = $4 WHERE id = $5 AND status = $6",
                ))
                .bind(shikaku_domain::portal::Choice::code(a.status))
                .bind(&a.serial)
                .bind(a.decided_at)
                .bind(a.downloaded_at)
                .bind(&a.id)
                .bind(shikaku_domain::portal::Choice::code(expect))
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn cert_application(&self, id: &str) -> $crate::Result<Option<$crate::portal::CertApplication>> {
                Ok(sqlx::query_as::<_, $crate::portal::CertApplicationRow>(q(&format!(
                    "SELECT {} FROM cert_applications WHERE id = $1",
                    $crate::portal::CERT_COLUMNS
                )))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?.map(Into::into))
            }

            async fn cert_applications(
                &self,
                filter: &$crate::portal::AppFilter,
                offset: u64,
                limit: u64,
            ) -> $crate::Result<$crate::portal::Page<$crate::portal::CertApplication>> {
                page::<$crate::portal::CertApplicationRow, _>(&self.pool, "cert_applications", $crate::portal::CERT_COLUMNS, "applied_at DESC, id", &$crate::portal::app_where(filter), offset, limit).await
            }

            async fn claim_certificate(
                &self,
                id: &str,
                serial: &str,
                at: time::OffsetDateTime,
            ) -> $crate::Result<bool> {
                // One statement: SQLite takes the write lock, PostgreSQL locks the row, so a
                // second download waits and then finds the application no longer issued.
                let done = sqlx::query(q(
                    "UPDATE cert_applications SET status = 'downloaded', downloaded_at = $1, serial = $2 \
                     WHERE id = $3 AND status = 'issued'",
                ))
                .bind(at)
                .bind(serial)
                .bind(id)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn first_use_of_cert(
                &self,
                code: &str,
                serial: &str,
            ) -> $crate::Result<Option<time::OffsetDateTime>> {
                self.access_log_current().await?;
                // The (facility_code, at) index, oldest first: stops at the first match.
                let row: Option<(time::OffsetDateTime,)> = sqlx::query_as(q(
                    "SELECT at FROM access_log WHERE facility_code = $1 AND cert_serial = $2 ORDER BY at LIMIT 1",
                ))
                .bind(code)
                .bind(serial)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(at,)| at))
            }
        }

    };
}
pub(crate) use impl_certificate_store;
