//! The embedded default store: SQLite in WAL mode with synchronous=FULL.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, QueryBuilder, Sqlite, SqlitePool};

use crate::shared::{Backend, impl_import_session, impl_store};
use crate::sql::{self, Dialect, Queries};
use crate::{AccessLogEntry, ImportMeta, ImportSession, Result, StagedRow, StoreError};

const STAGING_DDL: &str = "CREATE TEMP TABLE import_staging (
    line INTEGER NOT NULL, insurer_number TEXT NOT NULL, symbol TEXT NOT NULL, number TEXT NOT NULL,
    branch TEXT NOT NULL, qualified_from TEXT NOT NULL, qualified_until TEXT, person_ref TEXT NOT NULL,
    insured_category INTEGER NOT NULL, name TEXT NOT NULL, name_kana TEXT NOT NULL, sex INTEGER NOT NULL,
    birth_date TEXT NOT NULL, copay_ratio INTEGER NOT NULL, limit_category TEXT, specific_disease INTEGER,
    my_number_hash BLOB, row_hash BLOB NOT NULL)";

/// Rows per multi-row INSERT into staging (18 parameters each, under SQLite's 32,766 limit).
const STAGE_BATCH: usize = 500;

pub struct SqliteStore {
    pool: SqlitePool,
    queries: Arc<Queries>,
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
            queries: Arc::new(Queries::new(Dialect::Sqlite)),
        })
    }
}

impl_store!(SqliteStore, backend = "sqlite", {
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
});

/// Staging lives in a temporary table of one connection, outside any transaction, so a
/// long file never holds the database's write lock; only `finish` takes it.
struct SqliteImport {
    conn: PoolConnection<Sqlite>,
    meta: ImportMeta,
    queries: Arc<Queries>,
    staged: u64,
    /// The newest import id seen when conflicts were last checked against the store.
    checked_at: Option<i64>,
}

impl Backend for SqliteImport {
    type Db = Sqlite;
    const STAGING_INDEXES: &'static [&'static str] = &[
        "CREATE INDEX IF NOT EXISTS temp.import_staging_key \
         ON import_staging (insurer_number, symbol, number, branch, qualified_from)",
        "CREATE INDEX IF NOT EXISTS temp.import_staging_line ON import_staging (line)",
    ];
}

impl SqliteImport {
    /// IMMEDIATE: take the write lock first, so the checks in `finish` see what the merge changes.
    async fn begin_write(&mut self) -> Result<sqlx::Transaction<'_, Sqlite>> {
        Ok(self.conn.begin_with("BEGIN IMMEDIATE").await?)
    }
}

impl_import_session!(SqliteImport, {
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
});
