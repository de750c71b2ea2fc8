//! The facility portal's records: facilities and accounts, sessions, the card-reader, use and
//! certificate applications, preparation steps, subsidy applications with documents, and the
//! history of every decision. The rules live in the domain and app layers; state changes here
//! are conditional on the state the caller saw (`expect`), so two racing decisions cannot both
//! win.

use async_trait::async_trait;
use shikaku_domain::portal::{CertStatus, ReaderStatus, SubsidyStatus};
use time::{Date, OffsetDateTime};

use crate::Result;

mod model;

pub use model::*;

#[async_trait]
pub trait PortalStore: Send + Sync {
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
    async fn facilities(
        &self,
        filter: &FacilityFilter,
        offset: u64,
        limit: u64,
    ) -> Result<Page<Facility>>;
    async fn set_plan(&self, code: &str, start: Option<Date>, setup: Option<Date>) -> Result<()>;

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

    /// Files or replaces the use application and sets the facility's plan from it.
    async fn save_use_application(&self, app: &UseApplication, planned_start: Date) -> Result<()>;
    async fn use_application(&self, facility_code: &str) -> Result<Option<UseApplication>>;

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

    /// Marks a preparation step done (`Some`) or not done (`None`).
    async fn set_step(
        &self,
        facility_code: &str,
        step: &str,
        done: Option<(Date, OffsetDateTime)>,
    ) -> Result<()>;
    /// The steps done: (step, when).
    async fn steps_done(&self, facility_code: &str) -> Result<Vec<(String, OffsetDateTime)>>;
    /// When a terminal of this facility first used the eligibility API with this certificate
    /// (the access log), if it did.
    async fn first_use_of_cert(
        &self,
        facility_code: &str,
        serial: &str,
    ) -> Result<Option<OffsetDateTime>>;

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

    async fn append_event(&self, event: &PortalEvent) -> Result<()>;
    /// Events of a subject (e.g. `subsidy:ID`), oldest first.
    async fn events(&self, subject: &str) -> Result<Vec<PortalEvent>>;

    /// Loads many records in one transaction (seeding a benchmark, a migration from another
    /// system): facilities with their accounts, reader and use applications, steps done.
    async fn load_portal(&self, batch: &PortalBatch) -> Result<()>;

    async fn adoption(&self) -> Result<Adoption>;
}

/// Records loaded together by [`PortalStore::load_portal`].
#[derive(Debug, Clone, Default)]
pub struct PortalBatch {
    pub facilities: Vec<(Facility, Account)>,
    pub readers: Vec<ReaderApplication>,
    pub uses: Vec<UseApplication>,
    /// (facility code, step, day done in JST, when).
    pub steps: Vec<(String, String, Date, OffsetDateTime)>,
}

/// `$n` placeholders as the backend writes them.
pub(crate) fn sql(dialect: crate::sql::Dialect, text: &str) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(match dialect {
        crate::sql::Dialect::Postgres => text.to_string(),
        crate::sql::Dialect::Sqlite => text.replace('$', "?"),
    })
}

/// A `LIKE` pattern matching `text` anywhere, with the pattern characters escaped (`\`).
pub(crate) fn contains_pattern(text: &str) -> String {
    let mut out = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

pub(crate) const SET_PLAN: &str =
    "UPDATE facilities SET planned_start = $1, planned_setup = $2 WHERE code = $3";
pub(crate) const FACILITY_COLUMNS: &str = "code, name, category, prefecture, postal_code, address, phone, \
     contact_name, email, planned_start, planned_setup, created_at";
pub(crate) const READER_COLUMNS: &str = "id, facility_code, maker, quantity, applied_on, status, delivery_month, created_at, updated_at";
pub(crate) const CERT_COLUMNS: &str = "id, facility_code, terminal_name, os, status, serial, \
     applied_at, decided_at, downloaded_at";
pub(crate) const SUBSIDY_COLUMNS: &str = "id, facility_code, status, readers, reader_applied, cost_lines, \
     cost_total, rule_set, subsidy, reason, submitted_at, decided_at";

/// A `WHERE` clause being built: conditions joined by `AND`, text arguments bound as `$1`…
#[derive(Default)]
pub(crate) struct Where {
    clauses: Vec<String>,
    pub(crate) args: Vec<String>,
}

impl Where {
    /// Adds an argument; returns its placeholder number.
    fn arg(&mut self, value: String) -> usize {
        self.args.push(value);
        self.args.len()
    }

    pub(crate) fn equals(mut self, column: &str, value: Option<&String>) -> Self {
        if let Some(v) = value {
            let n = self.arg(v.clone());
            self.clauses.push(format!("{column} = ${n}"));
        }
        self
    }

    pub(crate) fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.clauses.join(" AND "))
        }
    }
}

pub(crate) fn app_where(filter: &AppFilter) -> Where {
    Where::default()
        .equals("facility_code", filter.facility_code.as_ref())
        .equals("status", filter.status.as_ref())
}

pub(crate) fn facility_where(filter: &FacilityFilter) -> Where {
    let mut w = Where::default()
        .equals("prefecture", filter.prefecture.as_ref())
        .equals("category", filter.category.as_ref());
    if let Some(t) = filter.text.as_deref().filter(|t| !t.trim().is_empty()) {
        let n = w.arg(contains_pattern(t.trim()));
        w.clauses.push(format!(
            "(name LIKE ${n} ESCAPE '\\' OR code LIKE ${n} ESCAPE '\\')"
        ));
    }
    w
}

/// Stage counts per (category, prefecture): one pass over the facilities; both views of
/// [`Adoption`] are sums of these rows (measured: one pass instead of one per view halves the
/// dashboard query at 200,000 facilities).
pub(crate) const STAGE_COUNTS: &str = "SELECT f.category, f.prefecture, COUNT(*) AS registered, \
     COUNT(r.facility_code) AS reader_applied, COUNT(u.facility_code) AS use_applied, \
     COUNT(c.facility_code) AS certificate_issued, COUNT(s.facility_code) AS operating \
     FROM facilities f \
     LEFT JOIN (SELECT DISTINCT facility_code FROM reader_applications WHERE status <> 'cancelled') r \
       ON r.facility_code = f.code \
     LEFT JOIN use_applications u ON u.facility_code = f.code \
     LEFT JOIN (SELECT DISTINCT facility_code FROM cert_applications \
                WHERE status IN ('issued', 'downloaded')) c ON c.facility_code = f.code \
     LEFT JOIN facility_steps s ON s.facility_code = f.code AND s.step = 'operation-test' \
     GROUP BY f.category, f.prefecture";

#[derive(sqlx::FromRow)]
pub(crate) struct StageRow {
    pub(crate) category: String,
    pub(crate) prefecture: String,
    registered: i64,
    reader_applied: i64,
    use_applied: i64,
    certificate_issued: i64,
    operating: i64,
}

/// Sums stage rows by one of their keys, ordered by the key.
pub(crate) fn sum_by(rows: &[StageRow], key: impl Fn(&StageRow) -> &str) -> Vec<StageCounts> {
    let mut groups: std::collections::BTreeMap<String, StageCounts> =
        std::collections::BTreeMap::new();
    for r in rows {
        let g = groups
            .entry(key(r).to_string())
            .or_insert_with(|| StageCounts {
                group_key: key(r).to_string(),
                ..StageCounts::default()
            });
        g.registered += r.registered;
        g.reader_applied += r.reader_applied;
        g.use_applied += r.use_applied;
        g.certificate_issued += r.certificate_issued;
        g.operating += r.operating;
    }
    groups.into_values().collect()
}

/// `impl PortalStore` for a backend with `pool` and the given dialect; the SQL is the same
/// text for both (placeholders rewritten by [`sql`]).
macro_rules! impl_portal_store {
    ($store:ty, $db:ty, $dialect:expr) => {
        mod portal_impl {
        use super::*;

        #[async_trait::async_trait]
        impl $crate::portal::PortalStore for $store {
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
                Ok(sqlx::query_as(q(&format!(
                    "SELECT {} FROM facilities WHERE code = $1",
                    $crate::portal::FACILITY_COLUMNS
                )))
                .bind(code)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn facilities(
                &self,
                filter: &$crate::portal::FacilityFilter,
                offset: u64,
                limit: u64,
            ) -> $crate::Result<$crate::portal::Page<$crate::portal::Facility>> {
                page(&self.pool, "facilities", $crate::portal::FACILITY_COLUMNS, "code", &$crate::portal::facility_where(filter), offset, limit).await
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
                Ok(sqlx::query_as(q(&format!(
                    "SELECT {} FROM reader_applications WHERE id = $1",
                    $crate::portal::READER_COLUMNS
                )))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn reader_applications(
                &self,
                filter: &$crate::portal::AppFilter,
                offset: u64,
                limit: u64,
            ) -> $crate::Result<$crate::portal::Page<$crate::portal::ReaderApplication>> {
                page(&self.pool, "reader_applications", $crate::portal::READER_COLUMNS, "created_at DESC, id", &$crate::portal::app_where(filter), offset, limit).await
            }

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
                    .bind(&u.facility_code)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn use_application(&self, code: &str) -> $crate::Result<Option<$crate::portal::UseApplication>> {
                Ok(sqlx::query_as(q(
                    "SELECT facility_code, line_type, provider, customer_id, start_month, test_month, online_claims, \
                     setup_date, submitted_at FROM use_applications WHERE facility_code = $1",
                ))
                .bind(code)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn insert_cert_application(&self, a: &$crate::portal::CertApplication) -> $crate::Result<()> {
                sqlx::query(q(&format!(
                    "INSERT INTO cert_applications ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    $crate::portal::CERT_COLUMNS
                )))
                .bind(&a.id)
                .bind(&a.facility_code)
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
                Ok(sqlx::query_as(q(&format!(
                    "SELECT {} FROM cert_applications WHERE id = $1",
                    $crate::portal::CERT_COLUMNS
                )))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn cert_applications(
                &self,
                filter: &$crate::portal::AppFilter,
                offset: u64,
                limit: u64,
            ) -> $crate::Result<$crate::portal::Page<$crate::portal::CertApplication>> {
                page(&self.pool, "cert_applications", $crate::portal::CERT_COLUMNS, "applied_at DESC, id", &$crate::portal::app_where(filter), offset, limit).await
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

            async fn submit_subsidy_application(
                &self,
                a: &$crate::portal::SubsidyApplication,
                event: &$crate::portal::PortalEvent,
            ) -> $crate::Result<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(q(&format!(
                    "INSERT INTO subsidy_applications ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                    $crate::portal::SUBSIDY_COLUMNS
                )))
                .bind(&a.id)
                .bind(&a.facility_code)
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
                     cost_total = $5, rule_set = $6, subsidy = $7, reason = $8, submitted_at = $9, decided_at = $10 \
                     WHERE id = $11 AND status = $12",
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
                .bind(&a.id)
                .bind(shikaku_domain::portal::Choice::code(expect))
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn subsidy_application(&self, id: &str) -> $crate::Result<Option<$crate::portal::SubsidyApplication>> {
                Ok(sqlx::query_as(q(&format!(
                    "SELECT {} FROM subsidy_applications WHERE id = $1",
                    $crate::portal::SUBSIDY_COLUMNS
                )))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn subsidy_applications(
                &self,
                filter: &$crate::portal::AppFilter,
                offset: u64,
                limit: u64,
            ) -> $crate::Result<$crate::portal::Page<$crate::portal::SubsidyApplication>> {
                page(&self.pool, "subsidy_applications", $crate::portal::SUBSIDY_COLUMNS, "submitted_at DESC, id", &$crate::portal::app_where(filter), offset, limit).await
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
                Ok(sqlx::query_as(q(
                    "SELECT application_id, kind, file_name, content_type, sha256, body, uploaded_at \
                     FROM subsidy_documents WHERE application_id = $1 AND kind = $2",
                ))
                .bind(application_id)
                .bind(kind)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn append_event(&self, e: &$crate::portal::PortalEvent) -> $crate::Result<()> {
                let mut conn = self.pool.acquire().await?;
                insert_event(&mut *conn, e).await
            }

            async fn events(&self, subject: &str) -> $crate::Result<Vec<$crate::portal::PortalEvent>> {
                Ok(sqlx::query_as(q(
                    "SELECT at, actor, facility_code, subject, action, detail FROM portal_events \
                     WHERE subject = $1 ORDER BY seq",
                ))
                .bind(subject)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn load_portal(&self, batch: &$crate::portal::PortalBatch) -> $crate::Result<()> {
                let mut tx = self.pool.begin().await?;
                for (f, a) in &batch.facilities {
                    insert_facility(&mut *tx, f).await?;
                    insert_account(&mut *tx, a).await?;
                }
                for r in &batch.readers {
                    insert_reader(&mut *tx, r).await?;
                }
                for u in &batch.uses {
                    save_use(&mut *tx, u).await?;
                }
                for (code, step, on, at) in &batch.steps {
                    insert_step(&mut *tx, code, step, *on, *at).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn adoption(&self) -> $crate::Result<$crate::portal::Adoption> {
                let rows: Vec<$crate::portal::StageRow> =
                    sqlx::query_as(q($crate::portal::STAGE_COUNTS)).fetch_all(&self.pool).await?;
                let by_category = $crate::portal::sum_by(&rows, |r| &r.category);
                let by_prefecture = $crate::portal::sum_by(&rows, |r| &r.prefecture);
                let operating_by_day = sqlx::query_as(q(
                    "SELECT done_on, COUNT(*) FROM facility_steps WHERE step = 'operation-test' \
                     GROUP BY done_on ORDER BY done_on",
                ))
                .fetch_all(&self.pool)
                .await?;
                Ok($crate::portal::Adoption { by_category, by_prefecture, operating_by_day })
            }
        }

        fn q(text: &str) -> sqlx::AssertSqlSafe<String> {
            $crate::portal::sql($dialect, text)
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
            .bind(&f.code)
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

        async fn insert_reader(
            conn: &mut <$db as sqlx::Database>::Connection,
            a: &$crate::portal::ReaderApplication,
        ) -> $crate::Result<()> {
            sqlx::query(q(&format!(
                "INSERT INTO reader_applications ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                $crate::portal::READER_COLUMNS
            )))
            .bind(&a.id)
            .bind(&a.facility_code)
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

        async fn insert_event(
            conn: &mut <$db as sqlx::Database>::Connection,
            e: &$crate::portal::PortalEvent,
        ) -> $crate::Result<()> {
            sqlx::query(q(
                "INSERT INTO portal_events (at, actor, facility_code, subject, action, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            ))
            .bind(e.at)
            .bind(&e.actor)
            .bind(&e.facility_code)
            .bind(&e.subject)
            .bind(&e.action)
            .bind(&e.detail)
            .execute(conn)
            .await?;
            Ok(())
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
            .bind(&u.facility_code)
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

        /// One page of `table` under a filter, and the number of all matching rows.
        async fn page<T>(
            pool: &sqlx::Pool<$db>,
            table: &str,
            columns: &str,
            order: &str,
            filter: &$crate::portal::Where,
            offset: u64,
            limit: u64,
        ) -> $crate::Result<$crate::portal::Page<T>>
        where
            T: for<'r> sqlx::FromRow<'r, <$db as sqlx::Database>::Row> + Send + Unpin,
        {
            let (filter_sql, args) = (filter.sql(), &filter.args);
            let n = args.len();
            let list = format!(
                "SELECT {columns} FROM {table} {filter_sql} ORDER BY {order} LIMIT ${} OFFSET ${}",
                n + 1,
                n + 2
            );
            let mut items = sqlx::query_as::<_, T>(q(&list));
            for a in args {
                items = items.bind(a);
            }
            let items: Vec<T> = items.bind(limit as i64).bind(offset as i64).fetch_all(pool).await?;
            // A first page that is not full holds every row: no count needed (the common
            // case of one facility's applications).
            if offset == 0 && (items.len() as u64) < limit {
                let total = items.len() as u64;
                return Ok($crate::portal::Page { items, total });
            }
            let count = format!("SELECT COUNT(*) FROM {table} {filter_sql}");
            let mut total = sqlx::query_as::<_, (i64,)>(q(&count));
            for a in args {
                total = total.bind(a);
            }
            let (total,) = total.fetch_one(pool).await?;
            Ok($crate::portal::Page { items, total: total as u64 })
        }

        $crate::support::impl_support_store!($store, $db);
        $crate::insurers::impl_insurer_store!($store);
        $crate::identity::impl_identity_store!($store);
        $crate::challenges::impl_challenge_store!($store);
        $crate::cluster::impl_cluster_store!($store);
        }
    };
}
pub(crate) use impl_portal_store;
