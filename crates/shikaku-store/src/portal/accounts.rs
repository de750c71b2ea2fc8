//! Facilities and their accounts, login failures and locks, passwords, sessions (only
//! the SHA-256 of a session id) and the planned dates.

use async_trait::async_trait;
use time::{Date, OffsetDateTime};

use super::*;
use crate::Result;

#[async_trait]
pub trait AccountStore: Send + Sync {
    /// The facility and its account, together; `Conflict` when the code is registered.
    async fn register_facility(&self, facility: &Facility, account: &Account) -> Result<()>;
    /// An operator account; `Conflict` when the login exists.
    async fn insert_account(&self, account: &Account) -> Result<()>;
    async fn account(&self, login: &str) -> Result<Option<Account>>;
    /// Counts one more failed login, atomically (parallel guesses are all counted); returns
    /// the failures in a row so far (0 for an unknown login).
    async fn count_login_failure(&self, login: &str) -> Result<i64>;
    /// Locks the account until `until` (`None`: unlocks) and clears the failure count.
    async fn set_login_lock(&self, login: &str, until: Option<OffsetDateTime>) -> Result<()>;
    async fn set_password(&self, login: &str, password_hash: &str) -> Result<()>;
    /// Creates or replaces a session.
    async fn save_session(&self, session: &PortalSession) -> Result<()>;
    /// Creates a session; `Conflict` if the id exists (the caller draws another).
    async fn create_session(&self, session: &PortalSession) -> Result<()>;
    async fn session(&self, token_hash: &[u8]) -> Result<Option<PortalSession>>;
    async fn delete_session(&self, token_hash: &[u8]) -> Result<()>;
    /// Removes sessions that expired before `now`; returns how many.
    async fn delete_expired_sessions(&self, now: OffsetDateTime) -> Result<u64>;
    async fn facility(&self, code: &str) -> Result<Option<Facility>>;
    async fn set_plan(&self, code: &str, start: Option<Date>, setup: Option<Date>) -> Result<()>;
}

/// `impl AccountStore` for a backend, expanded inside the portal implementation's module so it
/// shares its SQL helpers (`q`, `page`).
macro_rules! impl_account_store {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::portal::AccountStore for $store {
            async fn register_facility(
                &self,
                f: &$crate::portal::Facility,
                a: &$crate::portal::Account,
            ) -> $crate::Result<()> {
                let mut tx = self.pool.begin().await?;
                insert_facility(&mut *tx, f).await?;
                insert_account(&mut *tx, a).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn insert_account(&self, a: &$crate::portal::Account) -> $crate::Result<()> {
                let mut conn = self.pool.acquire().await?;
                insert_account(&mut *conn, a).await
            }

            async fn account(&self, login: &str) -> $crate::Result<Option<$crate::portal::Account>> {
                Ok(sqlx::query_as(q(
                    "SELECT login, role, facility_code, password_hash, failed_logins, locked_until, created_at, \
                     active, sessions_from FROM accounts WHERE login = $1",
                ))
                .bind(login)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn count_login_failure(&self, login: &str) -> $crate::Result<i64> {
                let row: Option<(i64,)> = sqlx::query_as(q(
                    "UPDATE accounts SET failed_logins = failed_logins + 1 WHERE login = $1 RETURNING failed_logins",
                ))
                .bind(login)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map_or(0, |(n,)| n))
            }

            async fn set_login_lock(
                &self,
                login: &str,
                until: Option<time::OffsetDateTime>,
            ) -> $crate::Result<()> {
                sqlx::query(q("UPDATE accounts SET failed_logins = 0, locked_until = $1 WHERE login = $2"))
                    .bind(until)
                    .bind(login)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn set_password(&self, login: &str, hash: &str) -> $crate::Result<()> {
                let done = sqlx::query(q("UPDATE accounts SET password_hash = $1, failed_logins = 0, locked_until = NULL WHERE login = $2"))
                    .bind(hash)
                    .bind(login)
                    .execute(&self.pool)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err($crate::StoreError::NotFound(format!("account {login}")));
                }
                Ok(())
            }

            async fn save_session(&self, s: &$crate::portal::PortalSession) -> $crate::Result<()> {
                sqlx::query(q(
                    "INSERT INTO portal_sessions (token_hash, data, expires_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (token_hash) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
                ))
                .bind(&s.token_hash)
                .bind(&s.data)
                .bind(s.expires_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn create_session(&self, s: &$crate::portal::PortalSession) -> $crate::Result<()> {
                sqlx::query(q("INSERT INTO portal_sessions (token_hash, data, expires_at) VALUES ($1, $2, $3)"))
                    .bind(&s.token_hash)
                    .bind(&s.data)
                    .bind(s.expires_at)
                    .execute(&self.pool)
                    .await
                    .map_err(|e| $crate::model::conflict_on_unique(e, "session id"))?;
                Ok(())
            }

            async fn session(&self, token_hash: &[u8]) -> $crate::Result<Option<$crate::portal::PortalSession>> {
                Ok(sqlx::query_as(q(
                    "SELECT token_hash, data, expires_at FROM portal_sessions WHERE token_hash = $1",
                ))
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn delete_expired_sessions(&self, now: time::OffsetDateTime) -> $crate::Result<u64> {
                let done = sqlx::query(q("DELETE FROM portal_sessions WHERE expires_at < $1"))
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn delete_session(&self, token_hash: &[u8]) -> $crate::Result<()> {
                sqlx::query(q("DELETE FROM portal_sessions WHERE token_hash = $1"))
                    .bind(token_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn facility(&self, code: &str) -> $crate::Result<Option<$crate::portal::Facility>> {
                Ok(sqlx::query_as::<_, $crate::portal::FacilityRow>(q(&format!(
                    "SELECT {} FROM facilities WHERE code = $1",
                    $crate::portal::FACILITY_COLUMNS
                )))
                .bind(code)
                .fetch_optional(&self.pool)
                .await?.map(Into::into))
            }

            async fn set_plan(
                &self,
                code: &str,
                start: Option<time::Date>,
                setup: Option<time::Date>,
            ) -> $crate::Result<()> {
                sqlx::query(q($crate::portal::SET_PLAN))
                    .bind(start)
                    .bind(setup)
                    .bind(code)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }
        }

        async fn insert_account(
            conn: &mut <$db as sqlx::Database>::Connection,
            a: &$crate::portal::Account,
        ) -> $crate::Result<()> {
            sqlx::query(q(
                "INSERT INTO accounts (login, role, facility_code, password_hash, failed_logins, locked_until, created_at, \
                 active, sessions_from) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            ))
            .bind(&a.login)
            .bind(&a.role)
            .bind(&a.facility_code)
            .bind(&a.password_hash)
            .bind(a.failed_logins)
            .bind(a.locked_until)
            .bind(a.created_at)
            .bind(a.active)
            .bind(a.sessions_from)
            .execute(conn)
            .await
            .map_err(|e| $crate::model::conflict_on_unique(e, "account"))?;
            Ok(())
        }

        async fn insert_facility(
            conn: &mut <$db as sqlx::Database>::Connection,
            f: &$crate::portal::Facility,
        ) -> $crate::Result<()> {
            sqlx::query(q(&format!(
                "INSERT INTO facilities ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                $crate::portal::FACILITY_COLUMNS
            )))
            .bind(f.code.as_str())
            .bind(&f.name)
            .bind(&f.category)
            .bind(&f.prefecture)
            .bind(&f.postal_code)
            .bind(&f.address)
            .bind(&f.phone)
            .bind(&f.contact_name)
            .bind(&f.email)
            .bind(f.planned_start)
            .bind(f.planned_setup)
            .bind(f.created_at)
            .execute(conn)
            .await
            .map_err(|e| $crate::model::conflict_on_unique(e, "facility code"))?;
            Ok(())
        }
    };
}
pub(crate) use impl_account_store;
