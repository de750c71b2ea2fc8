//! Who a facility is: the facility register, pending accounts and their activation letters,
//! and the operator's release and transfer of a code.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::Result;
use crate::insurers::InsurerCounts;

/// One row of the facility register (codes and kinds as the domain parsed them).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RegisterRow {
    pub code: String,
    pub name: String,
    /// `RegisterKind::as_str`.
    pub kind: String,
    /// 7 digits.
    pub postal_code: String,
    pub address: String,
}

/// A letter to post (or posted) to a facility's registered address.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Letter {
    pub facility_code: String,
    /// `registered` or `transferred`.
    pub reason: String,
    pub requested_at: OffsetDateTime,
    pub code_hash: Option<String>,
    pub printed_at: Option<OffsetDateTime>,
    pub expires_at: Option<OffsetDateTime>,
    pub failed_attempts: i64,
    pub used_at: Option<OffsetDateTime>,
}

/// A letter with the register's name and address it goes to.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LetterToSend {
    pub facility_code: String,
    pub reason: String,
    pub requested_at: OffsetDateTime,
    pub printed_at: Option<OffsetDateTime>,
    pub expires_at: Option<OffsetDateTime>,
    pub name: String,
    pub postal_code: String,
    pub address: String,
}

#[async_trait]
pub trait IdentityStore: Send + Sync {
    /// Adds or changes register rows in one transaction; `dry_run` counts only.
    async fn upsert_register(
        &self,
        rows: &[RegisterRow],
        at: OffsetDateTime,
        dry_run: bool,
    ) -> Result<InsurerCounts>;
    async fn register_entry(&self, code: &str) -> Result<Option<RegisterRow>>;
    /// The facility, its pending account and the letter to post, in one transaction
    /// (`Conflict` when the code is registered).
    async fn register_pending(
        &self,
        facility: &crate::portal::Facility,
        account: &crate::portal::Account,
        at: OffsetDateTime,
    ) -> Result<()>;
    /// Letters not used yet (printed or not), oldest request first.
    async fn letters_to_send(&self) -> Result<Vec<LetterToSend>>;
    async fn letter(&self, facility_code: &str) -> Result<Option<Letter>>;
    /// Records a printed code (its hash) for an unused letter; false if there is none.
    async fn print_letter(
        &self,
        facility_code: &str,
        code_hash: &str,
        printed_at: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<bool>;
    /// One more wrong code typed for the letter; the count so far.
    async fn count_activation_failure(&self, facility_code: &str) -> Result<i64>;
    /// Uses the letter (once) and activates the facility's accounts, setting the password
    /// when one is given; sessions signed in before `at` become void. False if the letter was
    /// used meanwhile.
    async fn activate(
        &self,
        facility_code: &str,
        password_hash: Option<&str>,
        at: OffsetDateTime,
    ) -> Result<bool>;
    /// Removes a registration that has no applications or inquiries (facility, accounts,
    /// letter); false when it has some (transfer it instead) or does not exist.
    async fn release_facility(&self, facility_code: &str) -> Result<bool>;
    /// Sets an account's password and voids its sessions signed in before `at`.
    async fn change_password(
        &self,
        login: &str,
        password_hash: &str,
        at: OffsetDateTime,
    ) -> Result<bool>;
    /// Sets a facility's contact person, mail address and phone.
    async fn update_contact(
        &self,
        code: &str,
        contact_name: &str,
        email: &str,
        phone: &str,
    ) -> Result<bool>;
    /// Stores a password-reset token (its hash) for an account and queues the mail carrying
    /// the link, in one transaction.
    async fn request_password_reset(
        &self,
        login: &str,
        token_hash: &str,
        mail: &crate::support::NewMail,
        at: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<()>;
    /// The login of an unused, unexpired reset token.
    async fn password_reset_login(
        &self,
        token_hash: &str,
        at: OffsetDateTime,
    ) -> Result<Option<String>>;
    /// Uses the token (once): sets the password, voids every session and every other token
    /// of the account. The login, or `None` when the token was used, expired or unknown.
    async fn reset_password(
        &self,
        token_hash: &str,
        password_hash: &str,
        at: OffsetDateTime,
    ) -> Result<Option<String>>;
    /// Makes the facility's accounts pending again with an unusable password, voids their
    /// sessions, and asks for a new letter; false when the facility does not exist.
    async fn transfer_facility(
        &self,
        facility_code: &str,
        unusable_hash: &str,
        at: OffsetDateTime,
    ) -> Result<bool>;
}

pub(crate) const LETTER_COLUMNS: &str = "facility_code, reason, requested_at, code_hash, printed_at, \
     expires_at, failed_attempts, used_at";

/// The body of `impl IdentityStore`, expanded beside the portal implementation (shares `q`
/// and its helpers).
macro_rules! impl_identity_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::identity::IdentityStore for $store {
            async fn upsert_register(
                &self,
                rows: &[$crate::identity::RegisterRow],
                at: time::OffsetDateTime,
                dry_run: bool,
            ) -> $crate::Result<$crate::insurers::InsurerCounts> {
                let mut tx = self.pool.begin().await?;
                let mut counts = $crate::insurers::InsurerCounts::default();
                for row in rows {
                    let old: Option<$crate::identity::RegisterRow> = sqlx::query_as(q(
                        "SELECT code, name, kind, postal_code, address FROM facility_register WHERE code = $1",
                    ))
                    .bind(&row.code)
                    .fetch_optional(&mut *tx)
                    .await?;
                    match old {
                        Some(old) if &old == row => {
                            counts.unchanged += 1;
                            continue;
                        }
                        Some(_) => counts.updated += 1,
                        None => counts.inserted += 1,
                    }
                    if !dry_run {
                        sqlx::query(q(
                            "INSERT INTO facility_register (code, name, kind, postal_code, address, updated_at) \
                             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO UPDATE SET \
                             name = excluded.name, kind = excluded.kind, postal_code = excluded.postal_code, \
                             address = excluded.address, updated_at = excluded.updated_at",
                        ))
                        .bind(&row.code)
                        .bind(&row.name)
                        .bind(&row.kind)
                        .bind(&row.postal_code)
                        .bind(&row.address)
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

            async fn register_entry(
                &self,
                code: &str,
            ) -> $crate::Result<Option<$crate::identity::RegisterRow>> {
                Ok(sqlx::query_as(q(
                    "SELECT code, name, kind, postal_code, address FROM facility_register WHERE code = $1",
                ))
                .bind(code)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn register_pending(
                &self,
                f: &$crate::portal::Facility,
                a: &$crate::portal::Account,
                at: time::OffsetDateTime,
            ) -> $crate::Result<()> {
                let mut tx = self.pool.begin().await?;
                insert_facility(&mut *tx, f).await?;
                insert_account(&mut *tx, a).await?;
                sqlx::query(q(
                    "INSERT INTO activation_letters (facility_code, reason, requested_at) VALUES ($1, 'registered', $2)",
                ))
                .bind(f.code.as_str())
                .bind(at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn letters_to_send(&self) -> $crate::Result<Vec<$crate::identity::LetterToSend>> {
                Ok(sqlx::query_as(q(
                    "SELECT l.facility_code, l.reason, l.requested_at, l.printed_at, l.expires_at, \
                     r.name, r.postal_code, r.address \
                     FROM activation_letters l JOIN facility_register r ON r.code = l.facility_code \
                     WHERE l.used_at IS NULL ORDER BY l.requested_at, l.facility_code",
                ))
                .fetch_all(&self.pool)
                .await?)
            }

            async fn letter(
                &self,
                facility_code: &str,
            ) -> $crate::Result<Option<$crate::identity::Letter>> {
                Ok(sqlx::query_as(q(&format!(
                    "SELECT {} FROM activation_letters WHERE facility_code = $1",
                    $crate::identity::LETTER_COLUMNS
                )))
                .bind(facility_code)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn print_letter(
                &self,
                facility_code: &str,
                code_hash: &str,
                printed_at: time::OffsetDateTime,
                expires_at: time::OffsetDateTime,
            ) -> $crate::Result<bool> {
                let done = sqlx::query(q(
                    "UPDATE activation_letters SET code_hash = $1, printed_at = $2, expires_at = $3, \
                     failed_attempts = 0 WHERE facility_code = $4 AND used_at IS NULL",
                ))
                .bind(code_hash)
                .bind(printed_at)
                .bind(expires_at)
                .bind(facility_code)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn count_activation_failure(&self, facility_code: &str) -> $crate::Result<i64> {
                let row: Option<(i64,)> = sqlx::query_as(q(
                    "UPDATE activation_letters SET failed_attempts = failed_attempts + 1 \
                     WHERE facility_code = $1 RETURNING failed_attempts",
                ))
                .bind(facility_code)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map_or(0, |(n,)| n))
            }

            async fn activate(
                &self,
                facility_code: &str,
                password_hash: Option<&str>,
                at: time::OffsetDateTime,
            ) -> $crate::Result<bool> {
                let mut tx = self.pool.begin().await?;
                let used = sqlx::query(q(
                    "UPDATE activation_letters SET used_at = $1 WHERE facility_code = $2 AND used_at IS NULL",
                ))
                .bind(at)
                .bind(facility_code)
                .execute(&mut *tx)
                .await?;
                if used.rows_affected() != 1 {
                    tx.rollback().await?;
                    return Ok(false);
                }
                sqlx::query(q(
                    "UPDATE accounts SET active = $1, sessions_from = $2, failed_logins = 0, locked_until = NULL, \
                     password_hash = COALESCE($3, password_hash) WHERE facility_code = $4",
                ))
                .bind(true)
                .bind(at)
                .bind(password_hash)
                .bind(facility_code)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn release_facility(&self, facility_code: &str) -> $crate::Result<bool> {
                let mut tx = self.pool.begin().await?;
                let (used,): (i64,) = sqlx::query_as(q(
                    "SELECT (SELECT COUNT(*) FROM reader_applications WHERE facility_code = $1) \
                     + (SELECT COUNT(*) FROM use_applications WHERE facility_code = $1) \
                     + (SELECT COUNT(*) FROM cert_applications WHERE facility_code = $1) \
                     + (SELECT COUNT(*) FROM subsidy_applications WHERE facility_code = $1) \
                     + (SELECT COUNT(*) FROM inquiries WHERE facility_code = $1)",
                ))
                .bind(facility_code)
                .fetch_one(&mut *tx)
                .await?;
                if used > 0 {
                    tx.rollback().await?;
                    return Ok(false);
                }
                for statement in [
                    "DELETE FROM activation_letters WHERE facility_code = $1",
                    "DELETE FROM facility_steps WHERE facility_code = $1",
                    "DELETE FROM accounts WHERE facility_code = $1",
                ] {
                    sqlx::query(q(statement))
                        .bind(facility_code)
                        .execute(&mut *tx)
                        .await?;
                }
                let gone = sqlx::query(q("DELETE FROM facilities WHERE code = $1"))
                    .bind(facility_code)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(gone.rows_affected() == 1)
            }

            async fn change_password(
                &self,
                login: &str,
                password_hash: &str,
                at: time::OffsetDateTime,
            ) -> $crate::Result<bool> {
                let done = sqlx::query(q(
                    "UPDATE accounts SET password_hash = $1, sessions_from = $2, failed_logins = 0, \
                     locked_until = NULL WHERE login = $3",
                ))
                .bind(password_hash)
                .bind(at)
                .bind(login)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn update_contact(
                &self,
                code: &str,
                contact_name: &str,
                email: &str,
                phone: &str,
            ) -> $crate::Result<bool> {
                let done = sqlx::query(q(
                    "UPDATE facilities SET contact_name = $1, email = $2, phone = $3 WHERE code = $4",
                ))
                .bind(contact_name)
                .bind(email)
                .bind(phone)
                .bind(code)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn request_password_reset(
                &self,
                login: &str,
                token_hash: &str,
                mail: &$crate::support::NewMail,
                at: time::OffsetDateTime,
                expires_at: time::OffsetDateTime,
            ) -> $crate::Result<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(q(
                    "INSERT INTO password_resets (token_hash, login, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4)",
                ))
                .bind(token_hash)
                .bind(login)
                .bind(at)
                .bind(expires_at)
                .execute(&mut *tx)
                .await?;
                sqlx::query(q(
                    "INSERT INTO mail_outbox (to_addr, subject, body, created_at, attempts, \
                     next_attempt_at) VALUES ($1, $2, $3, $4, 0, $4)",
                ))
                .bind(&mail.to_addr)
                .bind(&mail.subject)
                .bind(&mail.body)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn password_reset_login(
                &self,
                token_hash: &str,
                at: time::OffsetDateTime,
            ) -> $crate::Result<Option<String>> {
                let row: Option<(String, time::OffsetDateTime)> = sqlx::query_as(q(
                    "SELECT login, expires_at FROM password_resets \
                     WHERE token_hash = $1 AND used_at IS NULL",
                ))
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.filter(|(_, expires)| *expires > at).map(|(login, _)| login))
            }

            async fn reset_password(
                &self,
                token_hash: &str,
                password_hash: &str,
                at: time::OffsetDateTime,
            ) -> $crate::Result<Option<String>> {
                let mut tx = self.pool.begin().await?;
                let row: Option<(String, time::OffsetDateTime)> = sqlx::query_as(q(
                    "SELECT login, expires_at FROM password_resets \
                     WHERE token_hash = $1 AND used_at IS NULL",
                ))
                .bind(token_hash)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((login, _)) = row.filter(|(_, expires)| *expires > at) else {
                    tx.rollback().await?;
                    return Ok(None);
                };
                // Every token of the account is spent, this one included.
                let used = sqlx::query(q(
                    "UPDATE password_resets SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
                ))
                .bind(at)
                .bind(token_hash)
                .execute(&mut *tx)
                .await?;
                if used.rows_affected() != 1 {
                    tx.rollback().await?;
                    return Ok(None);
                }
                sqlx::query(q(
                    "UPDATE password_resets SET used_at = $1 WHERE login = $2 AND used_at IS NULL",
                ))
                .bind(at)
                .bind(&login)
                .execute(&mut *tx)
                .await?;
                sqlx::query(q(
                    "UPDATE accounts SET password_hash = $1, sessions_from = $2, failed_logins = 0, \
                     locked_until = NULL WHERE login = $3",
                ))
                .bind(password_hash)
                .bind(at)
                .bind(&login)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(Some(login))
            }

            async fn transfer_facility(
                &self,
                facility_code: &str,
                unusable_hash: &str,
                at: time::OffsetDateTime,
            ) -> $crate::Result<bool> {
                let mut tx = self.pool.begin().await?;
                let moved = sqlx::query(q(
                    "UPDATE accounts SET active = $1, password_hash = $2, sessions_from = $3, \
                     failed_logins = 0, locked_until = NULL WHERE facility_code = $4",
                ))
                .bind(false)
                .bind(unusable_hash)
                .bind(at)
                .bind(facility_code)
                .execute(&mut *tx)
                .await?;
                if moved.rows_affected() == 0 {
                    tx.rollback().await?;
                    return Ok(false);
                }
                sqlx::query(q(
                    "INSERT INTO activation_letters (facility_code, reason, requested_at) VALUES ($1, 'transferred', $2) \
                     ON CONFLICT (facility_code) DO UPDATE SET reason = 'transferred', requested_at = excluded.requested_at, \
                     code_hash = NULL, printed_at = NULL, expires_at = NULL, failed_attempts = 0, used_at = NULL",
                ))
                .bind(facility_code)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(true)
            }
        }
    };
}
pub(crate) use impl_identity_store;
