//! Subsidy applications (filed with their history entry in one transaction, one live per
//! facility) and their documents.

use async_trait::async_trait;
use shikaku_domain::portal::SubsidyStatus;

use super::*;
use crate::Result;

#[async_trait]
pub trait SubsidyStore: Send + Sync {
    /// Files a subsidy application with its history entry, in one transaction; `Conflict`
    /// when the facility has a live application already (also one filed concurrently).
    async fn submit_subsidy_application(
        &self,
        app: &SubsidyApplication,
        event: &PortalEvent,
    ) -> Result<()>;
    async fn update_subsidy_application(
        &self,
        app: &SubsidyApplication,
        expect: SubsidyStatus,
    ) -> Result<bool>;
    async fn subsidy_application(&self, id: &str) -> Result<Option<SubsidyApplication>>;
    async fn subsidy_applications(
        &self,
        filter: &AppFilter,
        offset: u64,
        limit: u64,
    ) -> Result<Page<SubsidyApplication>>;
    /// Stores a document (a second upload of the same kind replaces the first).
    async fn save_document(&self, doc: &SubsidyDocument) -> Result<()>;
    /// Documents of an application, without their bodies.
    async fn documents(&self, application_id: &str) -> Result<Vec<SubsidyDocument>>;
    async fn document(&self, application_id: &str, kind: &str) -> Result<Option<SubsidyDocument>>;
}

/// `impl SubsidyStore` for a backend, expanded inside the portal implementation's module so it
/// shares its SQL helpers (`q`, `page`).
macro_rules! impl_subsidy_store {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::portal::SubsidyStore for $store {
            async fn submit_subsidy_application(
                &self,
                a: &$crate::portal::SubsidyApplication,
                event: &$crate::portal::PortalEvent,
            ) -> $crate::Result<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(q(&format!(
                    "INSERT INTO subsidy_applications ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
                    $crate::portal::SUBSIDY_COLUMNS
                )))
                .bind(&a.id)
                .bind(a.facility_code.as_str())
                .bind(shikaku_domain::portal::Choice::code(a.status))
                .bind(a.readers)
                .bind(a.reader_applied)
                .bind(&a.cost_lines)
                .bind(a.cost_total)
                .bind(&a.rule_set)
                .bind(a.subsidy)
                .bind(&a.reason)
                .bind(a.submitted_at)
                .bind(a.decided_at)
                .bind(&a.vendor)
                .bind(&a.receipt_number)
                .bind(a.completed_on)
                .execute(&mut *tx)
                .await
                .map_err(|e| $crate::model::conflict_on_unique(e, "live subsidy application"))?;
                insert_event(&mut *tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn update_subsidy_application(
                &self,
                a: &$crate::portal::SubsidyApplication,
                expect: shikaku_domain::portal::SubsidyStatus,
            ) -> $crate::Result<bool> {
                let done = sqlx::query(q(
                    "UPDATE subsidy_applications SET status = $1, readers = $2, reader_applied = $3, cost_lines = $4, \
                     cost_total = $5, rule_set = $6, subsidy = $7, reason = $8, submitted_at = $9, decided_at = $10, \
                     vendor = $11, receipt_number = $12, completed_on = $13 WHERE id = $14 AND status = $15",
                ))
                .bind(shikaku_domain::portal::Choice::code(a.status))
                .bind(a.readers)
                .bind(a.reader_applied)
                .bind(&a.cost_lines)
                .bind(a.cost_total)
                .bind(&a.rule_set)
                .bind(a.subsidy)
                .bind(&a.reason)
                .bind(a.submitted_at)
                .bind(a.decided_at)
                .bind(&a.vendor)
                .bind(&a.receipt_number)
                .bind(a.completed_on)
                .bind(&a.id)
                .bind(shikaku_domain::portal::Choice::code(expect))
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn subsidy_application(&self, id: &str) -> $crate::Result<Option<$crate::portal::SubsidyApplication>> {
                Ok(sqlx::query_as::<_, $crate::portal::SubsidyApplicationRow>(q(&format!(
                    "SELECT {} FROM subsidy_applications WHERE id = $1",
                    $crate::portal::SUBSIDY_COLUMNS
                )))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?.map(Into::into))
            }

            async fn subsidy_applications(
                &self,
                filter: &$crate::portal::AppFilter,
                offset: u64,
                limit: u64,
            ) -> $crate::Result<$crate::portal::Page<$crate::portal::SubsidyApplication>> {
                page::<$crate::portal::SubsidyApplicationRow, _>(&self.pool, "subsidy_applications", $crate::portal::SUBSIDY_COLUMNS, "submitted_at DESC, id", &$crate::portal::app_where(filter), offset, limit).await
            }

            async fn save_document(&self, d: &$crate::portal::SubsidyDocument) -> $crate::Result<()> {
                sqlx::query(q(
                    "INSERT INTO subsidy_documents (application_id, kind, file_name, content_type, sha256, body, uploaded_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (application_id, kind) DO UPDATE SET \
                     file_name = excluded.file_name, content_type = excluded.content_type, sha256 = excluded.sha256, \
                     body = excluded.body, uploaded_at = excluded.uploaded_at",
                ))
                .bind(&d.application_id)
                .bind(&d.kind)
                .bind(&d.file_name)
                .bind(&d.content_type)
                .bind(&d.sha256)
                .bind(&d.body)
                .bind(d.uploaded_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn documents(&self, application_id: &str) -> $crate::Result<Vec<$crate::portal::SubsidyDocument>> {
                let rows: Vec<(String, String, String, String, Vec<u8>, time::OffsetDateTime)> = sqlx::query_as(q(
                    "SELECT application_id, kind, file_name, content_type, sha256, uploaded_at \
                     FROM subsidy_documents WHERE application_id = $1 ORDER BY kind",
                ))
                .bind(application_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(application_id, kind, file_name, content_type, sha256, uploaded_at)| {
                        $crate::portal::SubsidyDocument {
                            application_id,
                            kind,
                            file_name,
                            content_type,
                            sha256,
                            body: Vec::new(),
                            uploaded_at,
                        }
                    })
                    .collect())
            }

            async fn document(
                &self,
                application_id: &str,
                kind: &str,
            ) -> $crate::Result<Option<$crate::portal::SubsidyDocument>> {
                Ok(sqlx::query_as::<_, $crate::portal::SubsidyDocumentRow>(q(
                    "SELECT application_id, kind, file_name, content_type, sha256, body, uploaded_at \
                     FROM subsidy_documents WHERE application_id = $1 AND kind = $2",
                ))
                .bind(application_id)
                .bind(kind)
                .fetch_optional(&self.pool)
                .await?.map(Into::into))
            }
        }

    };
}
pub(crate) use impl_subsidy_store;
