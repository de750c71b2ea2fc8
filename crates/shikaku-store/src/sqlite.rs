//! The embedded default store: SQLite in WAL mode with synchronous=FULL.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use shikaku_domain::{CardNumbers, InsurerNumber, Qualification};
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, QueryBuilder, Sqlite, SqlitePool};
use time::{Date, OffsetDateTime};

use crate::model::{QualificationRow, into_qualifications};
use crate::sql::{self, AccessRow, CertRow, Dialect, LinePair, Queries, StoreOverlap};
use crate::{
    AccessLogEntry, Conflict, Finish, HistoryEntry, ImportCounts, ImportMeta, ImportSession,
    Result, RevokeOutcome, StagedRow, Store, StoreError, TerminalCert,
};

const STAGING_DDL: &str = "CREATE TEMP TABLE import_staging (
    line INTEGER NOT NULL, insurer_number TEXT NOT NULL, symbol TEXT NOT NULL, number TEXT NOT NULL,
    branch TEXT NOT NULL, qualified_from TEXT NOT NULL, qualified_until TEXT, person_ref TEXT NOT NULL,
    insured_category INTEGER NOT NULL, name TEXT NOT NULL, name_kana TEXT NOT NULL, sex INTEGER NOT NULL,
    birth_date TEXT NOT NULL, copay_ratio INTEGER NOT NULL, limit_category TEXT, specific_disease INTEGER,
    my_number_hash BLOB, row_hash BLOB NOT NULL)";
const STAGING_INDEX: &str = "CREATE INDEX IF NOT EXISTS temp.import_staging_key \
     ON import_staging (insurer_number, symbol, number, branch, qualified_from)";
const STAGING_LINE_INDEX: &str =
    "CREATE INDEX IF NOT EXISTS temp.import_staging_line ON import_staging (line)";

/// Rows per multi-row INSERT into staging (18 parameters each, under SQLite's 32,766 limit).
const STAGE_BATCH: usize = 500;

pub struct SqliteStore {
    pool: SqlitePool,
    queries: std::sync::Arc<Queries>,
}

impl SqliteStore {
    /// Opens `sqlite:PATH`, creating the file if missing, and applies migrations.
    pub async fn open(url: &str) -> Result<Self> {
        let path = url
            .trim_start_matches("sqlite://")
            .trim_start_matches("sqlite:");
        if path.is_empty() {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        }
        let options = SqliteConnectOptions::from_str(&format!("sqlite:{path}"))
            .map_err(StoreError::Backend)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(60))
            .foreign_keys(true)
            .pragma("cache_size", "-65536");
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .connect_with(options)
            .await?;
        sqlx::migrate!("migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Backend(e.into()))?;
        Ok(Self {
            pool,
            queries: std::sync::Arc::new(Queries::new(Dialect::Sqlite)),
        })
    }

    async fn select_qualifications(
        &self,
        sql: &sql::Sql,
        card: &CardNumbers,
    ) -> Result<Vec<Qualification>> {
        let rows: Vec<QualificationRow> = sqlx::query_as(sql.q())
            .bind(card.insurer.as_str())
            .bind(card.symbol_str())
            .bind(card.number.as_str())
            .bind(card.branch.as_str())
            .fetch_all(&self.pool)
            .await?;
        into_qualifications(rows)
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn find_by_card(&self, card: &CardNumbers) -> Result<Vec<Qualification>> {
        self.select_qualifications(&self.queries.find_by_card, card)
            .await
    }

    async fn find_related(&self, card: &CardNumbers) -> Result<Vec<Qualification>> {
        self.select_qualifications(&self.queries.find_related, card)
            .await
    }

    async fn find_by_person(
        &self,
        insurer: &InsurerNumber,
        person_ref: &str,
    ) -> Result<Vec<Qualification>> {
        let rows: Vec<QualificationRow> = sqlx::query_as(self.queries.find_by_person.q())
            .bind(insurer.as_str())
            .bind(person_ref)
            .fetch_all(&self.pool)
            .await?;
        into_qualifications(rows)
    }

    async fn history(&self, card: &CardNumbers, qualified_from: Date) -> Result<Vec<HistoryEntry>> {
        let rows: Vec<(QualificationRow, OffsetDateTime, String, String)> =
            sqlx::query(self.queries.history.q())
                .bind(card.insurer.as_str())
                .bind(card.symbol_str())
                .bind(card.number.as_str())
                .bind(card.branch.as_str())
                .bind(qualified_from)
                .try_map(crate::model::history_row)
                .fetch_all(&self.pool)
                .await?;
        crate::model::into_history(rows)
    }

    async fn count_qualifications(&self) -> Result<u64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM qualifications")
            .fetch_one(&self.pool)
            .await?;
        Ok(n as u64)
    }

    async fn begin_import(&self, meta: ImportMeta) -> Result<Box<dyn ImportSession>> {
        let mut conn = self.pool.acquire().await?;
        // The temp table lives on this connection only; never hand it back to the pool.
        conn.close_on_drop();
        sqlx::query("DROP TABLE IF EXISTS temp.import_staging")
            .execute(&mut *conn)
            .await?;
        sqlx::query(STAGING_DDL).execute(&mut *conn).await?;
        Ok(Box::new(SqliteImport {
            conn,
            meta,
            queries: self.queries.clone(),
            staged: 0,
            checked_at: None,
        }))
    }

    async fn insert_terminal_cert(&self, cert: &TerminalCert) -> Result<()> {
        sqlx::query(self.queries.insert_cert.q())
            .bind(&cert.serial)
            .bind(&cert.facility_code)
            .bind(&cert.terminal_name)
            .bind(&cert.fingerprint)
            .bind(cert.not_before)
            .bind(cert.not_after)
            .bind(cert.issued_at)
            .bind(cert.revoked_at)
            .execute(&self.pool)
            .await
            .map_err(|e| crate::model::conflict_on_unique(e, "terminal certificate serial"))?;
        Ok(())
    }

    async fn terminal_cert(&self, serial: &str) -> Result<Option<TerminalCert>> {
        let row: Option<CertRow> = sqlx::query_as(self.queries.get_cert.q())
            .bind(serial)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(Into::into))
    }

    async fn revoke_terminal_cert(
        &self,
        serial: &str,
        at: OffsetDateTime,
    ) -> Result<RevokeOutcome> {
        let done = sqlx::query(self.queries.revoke_cert.q())
            .bind(at)
            .bind(serial)
            .execute(&self.pool)
            .await?;
        crate::model::revoke_outcome(
            done.rows_affected(),
            self.terminal_cert(serial).await?,
            serial,
        )
    }

    async fn terminal_certs(&self) -> Result<Vec<TerminalCert>> {
        let rows: Vec<CertRow> = sqlx::query_as(
            "SELECT serial, facility_code, terminal_name, fingerprint, not_before, not_after, issued_at, revoked_at \
             FROM terminal_certs ORDER BY issued_at",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn append_access_log(&self, entries: &[AccessLogEntry]) -> Result<()> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        for e in entries {
            sqlx::query(self.queries.insert_access.q())
                .bind(e.at)
                .bind(&e.facility_code)
                .bind(&e.terminal_name)
                .bind(&e.cert_serial)
                .bind(&e.kind)
                .bind(&e.status)
                .bind(&e.person_hash)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn recent_access_log(&self, limit: u32) -> Result<Vec<AccessLogEntry>> {
        let rows: Vec<AccessRow> = sqlx::query_as(
            "SELECT at, facility_code, terminal_name, cert_serial, kind, status, person_hash \
             FROM access_log ORDER BY id DESC LIMIT ?1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

struct SqliteImport {
    conn: PoolConnection<Sqlite>,
    meta: ImportMeta,
    queries: std::sync::Arc<Queries>,
    staged: u64,
    /// The newest import id seen when conflicts were last checked against the store.
    checked_at: Option<i64>,
}

impl SqliteImport {
    async fn latest_import(conn: &mut sqlx::SqliteConnection) -> Result<i64> {
        let (id,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(id), 0) FROM imports")
            .fetch_one(conn)
            .await?;
        Ok(id)
    }

    async fn store_conflicts(
        queries: &Queries,
        conn: &mut sqlx::SqliteConnection,
        limit: u64,
    ) -> Result<Vec<Conflict>> {
        let rows: Vec<StoreOverlap> = sqlx::query_as(queries.overlaps_in_store.q())
            .bind(limit as i64)
            .fetch_all(conn)
            .await?;
        Ok(rows.iter().map(sql::store_overlap_conflict).collect())
    }
}

#[async_trait]
impl ImportSession for SqliteImport {
    async fn stage(&mut self, rows: &[StagedRow]) -> Result<()> {
        for chunk in rows.chunks(STAGE_BATCH) {
            let mut builder: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
                "INSERT INTO import_staging (line, {}) ",
                sql::DATA_COLUMNS
            ));
            builder.push_values(chunk, |mut b, row| {
                let q = &row.qualification;
                b.push_bind(row.line as i64)
                    .push_bind(q.card.insurer.as_str().to_string())
                    .push_bind(q.card.symbol_str().to_string())
                    .push_bind(q.card.number.as_str().to_string())
                    .push_bind(q.card.branch.as_str().to_string())
                    .push_bind(q.period.from())
                    .push_bind(q.period.until())
                    .push_bind(q.person_ref.clone())
                    .push_bind(i32::from(q.insured_category.code()))
                    .push_bind(q.name.clone())
                    .push_bind(q.name_kana.clone())
                    .push_bind(i32::from(q.sex.code()))
                    .push_bind(q.birth_date)
                    .push_bind(i32::from(q.copay_ratio.percent()))
                    .push_bind(q.limit_category.map(|l| l.code()))
                    .push_bind(q.specific_disease.map(|s| i32::from(s.code())))
                    .push_bind(row.my_number_hash.clone())
                    .push_bind(row.row_hash.clone());
            });
            builder.build().execute(&mut *self.conn).await?;
            self.staged += chunk.len() as u64;
        }
        Ok(())
    }

    async fn conflicts(&mut self, limit: u64) -> Result<Vec<Conflict>> {
        sqlx::query(STAGING_INDEX).execute(&mut *self.conn).await?;
        sqlx::query(STAGING_LINE_INDEX)
            .execute(&mut *self.conn)
            .await?;
        let dups: Vec<LinePair> = sqlx::query_as(self.queries.duplicates.q())
            .bind(limit as i64)
            .fetch_all(&mut *self.conn)
            .await?;
        let overlaps: Vec<LinePair> = sqlx::query_as(self.queries.overlaps_in_file.q())
            .bind(limit as i64)
            .fetch_all(&mut *self.conn)
            .await?;
        let mut all: Vec<Conflict> = dups.iter().map(sql::duplicate_conflict).collect();
        all.extend(overlaps.iter().map(sql::file_overlap_conflict));
        self.checked_at = Some(Self::latest_import(&mut self.conn).await?);
        all.extend(Self::store_conflicts(&self.queries, &mut self.conn, limit).await?);
        Ok(sql::merge_conflicts(all, limit))
    }

    async fn unstage(&mut self, lines: &[u64]) -> Result<()> {
        let mut tx = self.conn.begin().await?;
        for line in lines {
            let done = sqlx::query(self.queries.unstage.q())
                .bind(*line as i64)
                .execute(&mut *tx)
                .await?;
            self.staged -= done.rows_affected();
        }
        tx.commit().await?;
        Ok(())
    }

    async fn finish(self: Box<Self>, how: Finish) -> Result<ImportCounts> {
        let mut this = self;
        let queries = this.queries.clone();
        let checked_at = this.checked_at;
        let meta = this.meta.clone();
        let staged = this.staged;
        // IMMEDIATE: take the write lock first, so the checks below see what the merge changes.
        let mut tx = this.conn.begin_with("BEGIN IMMEDIATE").await?;
        if checked_at != Some(Self::latest_import(&mut tx).await?) {
            let conflicts = Self::store_conflicts(&queries, &mut tx, 10).await?;
            if let Some(first) = conflicts.first() {
                return Err(StoreError::Conflict(format!(
                    "line {}: {}",
                    first.line, first.message
                )));
            }
        }
        let (import_id,): (i64,) = sqlx::query_as(queries.insert_import.q())
            .bind(meta.kind)
            .bind(&meta.file_name)
            .bind(&meta.operator)
            .bind(meta.started_at)
            .fetch_one(&mut *tx)
            .await?;
        let now = OffsetDateTime::now_utc();
        sqlx::query(queries.save_history.q())
            .bind(import_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let updated = sqlx::query(queries.update_changed.q())
            .bind(import_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let inserted = sqlx::query(queries.insert_new.q())
            .bind(import_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let counts =
            crate::model::counts(staged, inserted.rows_affected(), updated.rows_affected());
        match how {
            Finish::DryRun => tx.rollback().await?,
            Finish::Commit { rejected } => {
                sqlx::query(queries.finish_import.q())
                    .bind(OffsetDateTime::now_utc())
                    .bind(counts.inserted as i64)
                    .bind(counts.updated as i64)
                    .bind(counts.unchanged as i64)
                    .bind(rejected as i64)
                    .bind(import_id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
        }
        Ok(counts)
    }
}
