//! The PostgreSQL store: bulk imports through COPY into a staging table and one set-based merge.

use std::time::Duration;

use async_trait::async_trait;
use shikaku_domain::{CardNumbers, InsurerNumber, Qualification};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgPool, Postgres};
use time::{Date, OffsetDateTime};

use crate::model::{QualificationRow, into_qualifications};
use crate::sql::{self, AccessRow, CertRow, Dialect, LinePair, Queries, StoreOverlap};
use crate::{
    AccessLogEntry, Conflict, Finish, HistoryEntry, ImportCounts, ImportMeta, ImportSession,
    Result, RevokeOutcome, StagedRow, Store, StoreError, TerminalCert,
};

const STAGING_DDL: &str = "CREATE TEMP TABLE import_staging (
    line BIGINT NOT NULL, insurer_number TEXT NOT NULL, symbol TEXT NOT NULL, number TEXT NOT NULL,
    branch TEXT NOT NULL, qualified_from DATE NOT NULL, qualified_until DATE, person_ref TEXT NOT NULL,
    insured_category INTEGER NOT NULL, name TEXT NOT NULL, name_kana TEXT NOT NULL, sex INTEGER NOT NULL,
    birth_date DATE NOT NULL, copay_ratio INTEGER NOT NULL, limit_category TEXT, specific_disease INTEGER,
    my_number_hash BYTEA, row_hash BYTEA NOT NULL)";
const STAGING_INDEXES: [&str; 3] = [
    "CREATE INDEX IF NOT EXISTS import_staging_key ON import_staging (insurer_number, symbol, number, branch, qualified_from)",
    "CREATE INDEX IF NOT EXISTS import_staging_line ON import_staging (line)",
    "ANALYZE import_staging",
];
const COPY_STAGING: &str = "COPY import_staging (line, insurer_number, symbol, number, branch, qualified_from, \
     qualified_until, person_ref, insured_category, name, name_kana, sex, birth_date, copay_ratio, limit_category, \
     specific_disease, my_number_hash, row_hash) FROM STDIN WITH (FORMAT csv)";

pub struct PgStore {
    pool: PgPool,
    queries: std::sync::Arc<Queries>,
}

impl PgStore {
    /// Connects to `postgres://…` and applies migrations.
    pub async fn open(url: &str) -> Result<Self> {
        let options: PgConnectOptions = url.parse().map_err(StoreError::Backend)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        sqlx::migrate!("migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Backend(e.into()))?;
        Ok(Self {
            pool,
            queries: std::sync::Arc::new(Queries::new(Dialect::Postgres)),
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
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
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
        let rows = sqlx::query(self.queries.history.q())
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
        conn.close_on_drop();
        sqlx::query("DROP TABLE IF EXISTS pg_temp.import_staging")
            .execute(&mut *conn)
            .await?;
        sqlx::query(STAGING_DDL).execute(&mut *conn).await?;
        Ok(Box::new(PgImport {
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
        // One statement for the whole batch: UNNEST over column arrays.
        let mut at = Vec::with_capacity(entries.len());
        let mut facility = Vec::with_capacity(entries.len());
        let mut terminal = Vec::with_capacity(entries.len());
        let mut serial = Vec::with_capacity(entries.len());
        let mut kind = Vec::with_capacity(entries.len());
        let mut status = Vec::with_capacity(entries.len());
        let mut person = Vec::with_capacity(entries.len());
        for e in entries {
            at.push(e.at);
            facility.push(e.facility_code.as_str());
            terminal.push(e.terminal_name.as_str());
            serial.push(e.cert_serial.as_str());
            kind.push(e.kind.as_str());
            status.push(e.status.as_str());
            person.push(e.person_hash.as_slice());
        }
        sqlx::query(
            "INSERT INTO access_log (at, facility_code, terminal_name, cert_serial, kind, status, person_hash) \
             SELECT * FROM UNNEST($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bytea[])",
        )
        .bind(at)
        .bind(facility)
        .bind(terminal)
        .bind(serial)
        .bind(kind)
        .bind(status)
        .bind(person)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn recent_access_log(&self, limit: u32) -> Result<Vec<AccessLogEntry>> {
        let rows: Vec<AccessRow> = sqlx::query_as(
            "SELECT at, facility_code, terminal_name, cert_serial, kind, status, person_hash \
             FROM access_log ORDER BY id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

struct PgImport {
    conn: PoolConnection<Postgres>,
    meta: ImportMeta,
    queries: std::sync::Arc<Queries>,
    staged: u64,
    checked_at: Option<i64>,
}

/// Appends one CSV field: quoted, with inner quotes doubled; `None` is an unquoted empty (NULL).
fn csv_field(out: &mut String, value: Option<&str>) {
    if let Some(v) = value {
        out.push('"');
        for c in v.chars() {
            if c == '"' {
                out.push('"');
            }
            out.push(c);
        }
        out.push('"');
    }
}

fn bytea_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 + bytes.len() * 2);
    s.push_str("\\x");
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

fn copy_row(out: &mut String, row: &StagedRow) {
    let q = &row.qualification;
    let fields: [Option<String>; 18] = [
        Some(row.line.to_string()),
        Some(q.card.insurer.as_str().to_string()),
        Some(q.card.symbol_str().to_string()),
        Some(q.card.number.as_str().to_string()),
        Some(q.card.branch.as_str().to_string()),
        Some(q.period.from().to_string()),
        q.period.until().map(|d| d.to_string()),
        Some(q.person_ref.clone()),
        Some(q.insured_category.code().to_string()),
        Some(q.name.clone()),
        Some(q.name_kana.clone()),
        Some(q.sex.code().to_string()),
        Some(q.birth_date.to_string()),
        Some(q.copay_ratio.percent().to_string()),
        q.limit_category.map(|l| l.code()),
        q.specific_disease.map(|s| s.code().to_string()),
        row.my_number_hash.as_deref().map(bytea_hex),
        Some(bytea_hex(&row.row_hash)),
    ];
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_field(out, field.as_deref());
    }
    out.push('\n');
}

impl PgImport {
    async fn latest_import(conn: &mut sqlx::PgConnection) -> Result<i64> {
        let (id,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(id), 0)::BIGINT FROM imports")
            .fetch_one(conn)
            .await?;
        Ok(id)
    }

    async fn store_conflicts(
        queries: &Queries,
        conn: &mut sqlx::PgConnection,
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
impl ImportSession for PgImport {
    async fn stage(&mut self, rows: &[StagedRow]) -> Result<()> {
        let mut buffer = String::with_capacity(rows.len() * 256);
        for row in rows {
            copy_row(&mut buffer, row);
        }
        let mut copy = self.conn.copy_in_raw(COPY_STAGING).await?;
        copy.send(buffer.into_bytes()).await?;
        copy.finish().await?;
        self.staged += rows.len() as u64;
        Ok(())
    }

    async fn conflicts(&mut self, limit: u64) -> Result<Vec<Conflict>> {
        for statement in STAGING_INDEXES {
            sqlx::query(statement).execute(&mut *self.conn).await?;
        }
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
        let lines: Vec<i64> = lines.iter().map(|&l| l as i64).collect();
        let done = sqlx::query("DELETE FROM import_staging WHERE line = ANY($1)")
            .bind(lines)
            .execute(&mut *self.conn)
            .await?;
        self.staged -= done.rows_affected();
        Ok(())
    }

    async fn finish(self: Box<Self>, how: Finish) -> Result<ImportCounts> {
        let mut this = self;
        let queries = this.queries.clone();
        let checked_at = this.checked_at;
        let meta = this.meta.clone();
        let staged = this.staged;
        let mut tx = this.conn.begin().await?;
        // Serialize imports so the overlap check below sees every committed period.
        sqlx::query("LOCK TABLE imports IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
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
