//! 薬剤情報 and 特定健診情報: per-person records loaded by insurers (`insurer-import.md` §3–4),
//! imported like qualifications (staged on one connection, checked as a set, merged in one
//! transaction) and read only through consent checks in the app layer.

use std::sync::Arc;

use async_trait::async_trait;
use time::Date;

use crate::sql::{Dialect, Sql};
use crate::{Conflict, Finish, ImportCounts, Result};

/// The two kinds of medical information.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    Drugs,
    Checkups,
}

impl RecordKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Drugs => "drugs",
            RecordKind::Checkups => "checkups",
        }
    }
}

/// One validated row, ready to stage. `data` is the record as JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRow {
    pub line: u64,
    pub insurer_number: String,
    pub person_ref: String,
    pub record_date: Date,
    pub record_key: String,
    pub data: String,
    pub row_hash: Vec<u8>,
}

/// A stored record as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    pub insurer_number: String,
    pub record_date: Date,
    pub data: String,
}

/// A file of records being imported; dropping it without `finish` stores nothing.
#[async_trait]
pub trait RecordImport: Send {
    async fn stage(&mut self, rows: &[RecordRow]) -> Result<()>;
    /// Rows repeating an earlier row's key within the file (at most `limit`, by line).
    async fn duplicates(&mut self, limit: u64) -> Result<Vec<Conflict>>;
    /// Removes staged rows (for `--skip-invalid`).
    async fn unstage(&mut self, lines: &[u64]) -> Result<()>;
    async fn finish(self: Box<Self>, how: Finish) -> Result<ImportCounts>;
}

pub(crate) const RECORD_STAGING_COLUMNS: &str =
    "line, insurer_number, person_ref, record_date, record_key, data, row_hash";

pub(crate) struct RecordQueries {
    pub duplicates: Sql,
    pub update_changed: Sql,
    pub insert_new: Sql,
    pub person_records: Sql,
    pub person_hash_for_card: Sql,
    pub unstage: Sql,
}

impl RecordQueries {
    pub(crate) fn new(dialect: Dialect) -> Self {
        let p = |n: u32| match dialect {
            Dialect::Sqlite => format!("?{n}"),
            Dialect::Postgres => format!("${n}"),
        };
        let sql = |s: String| Sql(Arc::from(s));
        let same = |a: &str, b: &str| {
            format!(
                "{a}.insurer_number = {b}.insurer_number AND {a}.person_ref = {b}.person_ref \
                 AND {a}.record_key = {b}.record_key"
            )
        };
        Self {
            duplicates: sql(format!(
                "SELECT a.line, MIN(b.line) AS first FROM record_staging a JOIN record_staging b ON {} \
                 AND b.line < a.line GROUP BY a.line ORDER BY a.line LIMIT {}",
                same("a", "b"),
                p(1)
            )),
            update_changed: sql(format!(
                "UPDATE medical_records SET data = s.data, row_hash = s.row_hash, record_date = s.record_date, \
                 import_id = {}, updated_at = {} FROM record_staging s \
                 WHERE medical_records.kind = {} AND {} AND medical_records.row_hash <> s.row_hash",
                p(1),
                p(2),
                p(3),
                same("medical_records", "s")
            )),
            insert_new: sql(format!(
                "INSERT INTO medical_records (kind, insurer_number, person_ref, record_date, record_key, data, \
                 row_hash, import_id, updated_at) \
                 SELECT {k}, s.insurer_number, s.person_ref, s.record_date, s.record_key, s.data, s.row_hash, {}, {} \
                 FROM record_staging s WHERE NOT EXISTS (SELECT 1 FROM medical_records m WHERE m.kind = {k} AND {})",
                p(1),
                p(2),
                same("m", "s"),
                k = p(3)
            )),
            person_records: sql(format!(
                "SELECT insurer_number, record_date, data FROM medical_records \
                 WHERE kind = {} AND record_date >= {} AND (insurer_number, person_ref) IN \
                 (SELECT insurer_number, person_ref FROM qualifications WHERE my_number_hash = {}) \
                 ORDER BY record_date DESC, id",
                p(1),
                p(2),
                p(3)
            )),
            unstage: sql(format!("DELETE FROM record_staging WHERE line = {}", p(1))),
            person_hash_for_card: sql(format!(
                "SELECT my_number_hash FROM qualifications WHERE insurer_number = {} AND symbol = {} \
                 AND number = {} AND branch = {} AND birth_date = {} AND my_number_hash IS NOT NULL LIMIT 1",
                p(1),
                p(2),
                p(3),
                p(4),
                p(5)
            )),
        }
    }
}

/// The session type and `RecordImport` impl for one backend: `$name` holds a pool connection
/// with the temporary staging table; `$begin` starts the merge transaction.
macro_rules! impl_record_import {
    ($name:ident, $db:ty, $begin:literal) => {
        pub(crate) struct $name {
            pub(crate) conn: sqlx::pool::PoolConnection<$db>,
            pub(crate) kind: $crate::records::RecordKind,
            pub(crate) meta: $crate::ImportMeta,
            pub(crate) queries: std::sync::Arc<$crate::sql::Queries>,
            pub(crate) records: std::sync::Arc<$crate::records::RecordQueries>,
            pub(crate) staged: u64,
        }

        #[async_trait::async_trait]
        impl $crate::records::RecordImport for $name {
            async fn stage(&mut self, rows: &[$crate::records::RecordRow]) -> $crate::Result<()> {
                for chunk in rows.chunks(500) {
                    let mut builder: sqlx::QueryBuilder<$db> = sqlx::QueryBuilder::new(format!(
                        "INSERT INTO record_staging ({}) ",
                        $crate::records::RECORD_STAGING_COLUMNS
                    ));
                    builder.push_values(chunk, |mut b, r| {
                        b.push_bind(r.line as i64)
                            .push_bind(r.insurer_number.clone())
                            .push_bind(r.person_ref.clone())
                            .push_bind(r.record_date)
                            .push_bind(r.record_key.clone())
                            .push_bind(r.data.clone())
                            .push_bind(r.row_hash.clone());
                    });
                    builder.build().execute(&mut *self.conn).await?;
                    self.staged += chunk.len() as u64;
                }
                Ok(())
            }

            async fn duplicates(&mut self, limit: u64) -> $crate::Result<Vec<$crate::Conflict>> {
                let rows: Vec<(i64, i64)> = sqlx::query_as(self.records.duplicates.q())
                    .bind(limit as i64)
                    .fetch_all(&mut *self.conn)
                    .await?;
                Ok(rows
                    .into_iter()
                    .map(|(line, first)| $crate::Conflict {
                        line: line as u64,
                        column: "record",
                        message: format!(
                            "line {first} has the same person and record (duplicate key)"
                        ),
                    })
                    .collect())
            }

            async fn unstage(&mut self, lines: &[u64]) -> $crate::Result<()> {
                let mut tx = sqlx::Connection::begin(&mut *self.conn).await?;
                for line in lines {
                    let done = sqlx::query(self.records.unstage.q())
                        .bind(*line as i64)
                        .execute(&mut *tx)
                        .await?;
                    self.staged -= done.rows_affected();
                }
                tx.commit().await?;
                Ok(())
            }

            async fn finish(
                self: Box<Self>,
                how: $crate::Finish,
            ) -> $crate::Result<$crate::ImportCounts> {
                let mut this = self;
                let kind = this.kind.as_str();
                let staged = this.staged;
                let queries = this.queries.clone();
                let records = this.records.clone();
                let meta = this.meta.clone();
                let mut tx = sqlx::Connection::begin_with(&mut *this.conn, $begin).await?;
                let (import_id,): (i64,) = sqlx::query_as(queries.insert_import.q())
                    .bind(meta.kind)
                    .bind(&meta.file_name)
                    .bind(&meta.operator)
                    .bind(meta.started_at)
                    .fetch_one(&mut *tx)
                    .await?;
                let now = time::OffsetDateTime::now_utc();
                let updated = sqlx::query(records.update_changed.q())
                    .bind(import_id)
                    .bind(now)
                    .bind(kind)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                let inserted = sqlx::query(records.insert_new.q())
                    .bind(import_id)
                    .bind(now)
                    .bind(kind)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                let counts = $crate::model::counts(staged, inserted, updated);
                match how {
                    $crate::Finish::DryRun => tx.rollback().await?,
                    $crate::Finish::Commit { rejected } => {
                        sqlx::query(queries.finish_import.q())
                            .bind(time::OffsetDateTime::now_utc())
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
    };
}

pub(crate) use impl_record_import;

/// Which backend-specific statements create the staging table.
pub(crate) fn staging_ddl(dialect: Dialect) -> (&'static str, &'static str) {
    match dialect {
        Dialect::Sqlite => (
            "DROP TABLE IF EXISTS temp.record_staging",
            "CREATE TEMP TABLE record_staging (line INTEGER NOT NULL, insurer_number TEXT NOT NULL, \
             person_ref TEXT NOT NULL, record_date TEXT NOT NULL, record_key TEXT NOT NULL, data TEXT NOT NULL, \
             row_hash BLOB NOT NULL)",
        ),
        Dialect::Postgres => (
            "DROP TABLE IF EXISTS pg_temp.record_staging",
            "CREATE TEMP TABLE record_staging (line BIGINT NOT NULL, insurer_number TEXT NOT NULL, \
             person_ref TEXT NOT NULL, record_date DATE NOT NULL, record_key TEXT NOT NULL, data TEXT NOT NULL, \
             row_hash BYTEA NOT NULL)",
        ),
    }
}
