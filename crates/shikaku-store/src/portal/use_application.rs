//! The use application (one per facility, replaced when filed again); filing it sets the
//! facility's plan.

use async_trait::async_trait;
use time::Date;

use super::*;
use crate::Result;

#[async_trait]
pub trait UseApplicationStore: Send + Sync {
    /// Files or replaces the use application and sets the facility's plan from it.
    async fn save_use_application(&self, app: &UseApplication, planned_start: Date) -> Result<()>;
    async fn use_application(&self, facility_code: &str) -> Result<Option<UseApplication>>;
}

/// `impl UseApplicationStore` for a backend, expanded inside the portal implementation's module so it
/// shares its SQL helpers (`q`, `page`).
macro_rules! impl_use_application_store {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::portal::UseApplicationStore for $store {
            async fn save_use_application(
                &self,
                u: &$crate::portal::UseApplication,
                planned_start: time::Date,
            ) -> $crate::Result<()> {
                let mut tx = self.pool.begin().await?;
                save_use(&mut *tx, u).await?;
                sqlx::query(q($crate::portal::SET_PLAN))
                    .bind(planned_start)
                    .bind(u.setup_date)
                    .bind(u.facility_code.as_str())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn use_application(&self, code: &str) -> $crate::Result<Option<$crate::portal::UseApplication>> {
                Ok(sqlx::query_as::<_, $crate::portal::UseApplicationRow>(q(
                    "SELECT facility_code, line_type, provider, customer_id, start_month, test_month, online_claims, \
                     setup_date, submitted_at FROM use_applications WHERE facility_code = $1",
                ))
                .bind(code)
                .fetch_optional(&self.pool)
                .await?.map(Into::into))
            }
        }

        async fn save_use(
            conn: &mut <$db as sqlx::Database>::Connection,
            u: &$crate::portal::UseApplication,
        ) -> $crate::Result<()> {
            sqlx::query(q(
                "INSERT INTO use_applications (facility_code, line_type, provider, customer_id, start_month, \
                 test_month, online_claims, setup_date, submitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (facility_code) DO UPDATE SET line_type = excluded.line_type, \
                 provider = excluded.provider, customer_id = excluded.customer_id, \
                 start_month = excluded.start_month, test_month = excluded.test_month, \
                 online_claims = excluded.online_claims, setup_date = excluded.setup_date, \
                 submitted_at = excluded.submitted_at",
            ))
            .bind(u.facility_code.as_str())
            .bind(&u.line_type)
            .bind(&u.provider)
            .bind(&u.customer_id)
            .bind(&u.start_month)
            .bind(&u.test_month)
            .bind(u.online_claims)
            .bind(u.setup_date)
            .bind(u.submitted_at)
            .execute(conn)
            .await?;
            Ok(())
        }
    };
}
pub(crate) use impl_use_application_store;
