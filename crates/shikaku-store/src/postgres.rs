//! The PostgreSQL store: bulk imports through COPY into a staging table and one set-based merge.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgPool, Postgres};

use crate::shared::{Backend, impl_import_session, impl_store};
use shikaku_domain::{CardNumbers, Qualification};
use sqlx::AssertSqlSafe;

use crate::CertStatus;
use crate::model::{QualificationRow, into_qualifications};
use crate::sql::{Dialect, Queries};
use crate::{AccessLogEntry, ImportMeta, ImportSession, Result, StagedRow, StoreError};

const STAGING_DDL: &str = "CREATE TEMP TABLE import_staging (
    line BIGINT NOT NULL, insurer_number TEXT NOT NULL, symbol TEXT NOT NULL, number TEXT NOT NULL,
    branch TEXT NOT NULL, qualified_from DATE NOT NULL, qualified_until DATE, person_ref TEXT NOT NULL,
    insured_category INTEGER NOT NULL, name TEXT NOT NULL, name_kana TEXT NOT NULL, sex INTEGER NOT NULL,
    birth_date DATE NOT NULL, copay_ratio INTEGER NOT NULL, limit_category TEXT, specific_disease INTEGER,
    my_number_hash BYTEA, row_hash BYTEA NOT NULL)";
const COPY_STAGING: &str = "COPY import_staging (line, insurer_number, symbol, number, branch, qualified_from, \
     qualified_until, person_ref, insured_category, name, name_kana, sex, birth_date, copay_ratio, limit_category, \
     specific_disease, my_number_hash, row_hash) FROM STDIN WITH (FORMAT csv)";

pub struct PgStore {
    pool: PgPool,
    queries: Arc<Queries>,
    records: Arc<crate::records::RecordQueries>,
}

impl PgStore {
    /// Entries are in the table once appended (the SQLite store indexes a journal first).
    async fn access_log_current(&self) -> Result<()> {
        Ok(())
    }

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
            queries: Arc::new(Queries::new(Dialect::Postgres)),
            records: Arc::new(crate::records::RecordQueries::new(Dialect::Postgres)),
        })
    }

    async fn select_by_card(
        &self,
        sql: AssertSqlSafe<Arc<str>>,
        card: &CardNumbers,
    ) -> Result<Vec<Qualification>> {
        let rows: Vec<QualificationRow> = sqlx::query_as(sql)
            .bind(card.insurer.as_str())
            .bind(card.symbol_str())
            .bind(card.number.as_str())
            .bind(card.branch.as_str())
            .fetch_all(&self.pool)
            .await?;
        into_qualifications(rows)
    }
}

crate::records::impl_record_import!(PgRecordImport, sqlx::Postgres, "BEGIN");

crate::portal::impl_portal_store!(PgStore, sqlx::Postgres, crate::sql::Dialect::Postgres);

impl_store!(
    PgStore,
    backend = "postgres",
    records = PgRecordImport,
    dialect = Dialect::Postgres,
    {
        async fn find_by_card(&self, card: &CardNumbers) -> Result<Vec<Qualification>> {
            self.select_by_card(self.queries.find_by_card.q(), card)
                .await
        }

        async fn find_related(&self, card: &CardNumbers) -> Result<Vec<Qualification>> {
            self.select_by_card(self.queries.find_related.q(), card)
                .await
        }

        async fn terminal_cert_status(&self, serial: &str) -> Result<Option<CertStatus>> {
            let row: Option<(Vec<u8>, bool)> = sqlx::query_as(self.queries.cert_status.q())
                .bind(serial)
                .fetch_optional(&self.pool)
                .await?;
            Ok(row.map(|(fingerprint, revoked)| CertStatus {
                fingerprint,
                revoked,
            }))
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
    }
);

/// Staging lives in a temporary table of one connection; nothing touches the stored tables
/// until `finish`.
struct PgImport {
    conn: PoolConnection<Postgres>,
    meta: ImportMeta,
    queries: Arc<Queries>,
    staged: u64,
    /// The newest import id seen when conflicts were last checked against the store.
    checked_at: Option<i64>,
}

impl Backend for PgImport {
    type Db = Postgres;
    // No indexes: PostgreSQL hash-joins the staging table, and building them cost more than
    // they saved (2.3 s of a 25 s import of 1M rows). Statistics let the planner choose.
    const PREPARE_STAGING: &'static [&'static str] = &["ANALYZE import_staging"];
}

impl PgImport {
    /// Imports are serialized by a table lock, so the store checks in `finish` see every
    /// committed period; lookups (reads) are not blocked.
    async fn begin_write(&mut self) -> Result<sqlx::Transaction<'_, Postgres>> {
        let mut tx = self.conn.begin().await?;
        sqlx::query("LOCK TABLE imports IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }
}

impl PgImport {
    /// Nothing to do: dropping an index in PostgreSQL locks the table against lookups until
    /// the import commits.
    async fn before_insert(_: &mut sqlx::Transaction<'_, Postgres>, _: u64, _: i64) -> Result<()> {
        Ok(())
    }

    async fn after_insert(_: &mut sqlx::Transaction<'_, Postgres>, _: ()) -> Result<()> {
        Ok(())
    }

    async fn after_commit(&mut self) {}
}

impl_import_session!(PgImport, {
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

    async fn unstage(&mut self, lines: &[u64]) -> Result<()> {
        let lines: Vec<i64> = lines.iter().map(|&l| l as i64).collect();
        let done = sqlx::query("DELETE FROM import_staging WHERE line = ANY($1)")
            .bind(lines)
            .execute(&mut *self.conn)
            .await?;
        self.staged -= done.rows_affected();
        Ok(())
    }
});

/// Appends one quoted CSV field (inner quotes doubled).
fn quoted(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
}

/// One staged row as a COPY CSV line; an absent value is an unquoted empty field (NULL).
fn copy_row(out: &mut String, row: &StagedRow) {
    let q = &row.qualification;
    let _ = write!(out, "{},", row.line);
    for text in [
        q.card.insurer.as_str(),
        q.card.symbol_str(),
        q.card.number.as_str(),
        q.card.branch.as_str(),
    ] {
        quoted(out, text);
        out.push(',');
    }
    let _ = write!(out, "{},", q.period.from());
    if let Some(until) = q.period.until() {
        let _ = write!(out, "{until}");
    }
    out.push(',');
    quoted(out, &q.person_ref);
    let _ = write!(out, ",{},", q.insured_category.code());
    quoted(out, &q.name);
    out.push(',');
    quoted(out, &q.name_kana);
    let _ = write!(
        out,
        ",{},{},{},",
        q.sex.code(),
        q.birth_date,
        q.copay_ratio.percent()
    );
    if let Some(limit) = q.limit_category {
        out.push_str(&limit.code());
    }
    out.push(',');
    if let Some(disease) = q.specific_disease {
        let _ = write!(out, "{}", disease.code());
    }
    out.push(',');
    if let Some(hash) = &row.my_number_hash {
        let _ = write!(out, "\\x{}", hex::encode(hash));
    }
    let _ = writeln!(out, ",\\x{}", hex::encode(&row.row_hash));
}
