//! The PostgreSQL store: bulk imports through COPY into a staging table and one set-based merge.

use std::sync::Arc;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, FromRow, PgPool, Postgres, Row};

use crate::batch::Batcher;
use crate::replica::Replica;
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
     specific_disease, my_number_hash, row_hash) FROM STDIN WITH (FORMAT binary)";

pub struct PgStore {
    pool: PgPool,
    queries: Arc<Queries>,
    records: Arc<crate::records::RecordQueries>,
    /// Lookups by card numbers and certificate checks, batched (see `batch.rs`).
    cards: Batcher<CardNumbers, Vec<Qualification>>,
    /// The hot standby that reads of card numbers may use (`replica.rs`).
    replica: Option<Arc<Replica>>,
    certs: Batcher<String, Option<CertStatus>>,
}

/// The most keys one batched read carries, and how many batches of a kind run at once.
const READ_BATCH: usize = 256;
const READS_IN_FLIGHT: usize = 1;
/// A batched read not answered by then fails (503) rather than holding the reads behind it.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Qualifications for many card numbers in one statement: the keys as arrays, joined through
/// the unique key index, each row tagged with the position of its key.
fn cards_batch_sql() -> String {
    let cols = crate::model::QUALIFICATION_COLUMNS
        .split(", ")
        .map(|c| format!("q.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT k.i, {cols} FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[]) \
           WITH ORDINALITY AS k(insurer_number, symbol, number, branch, i) \
         JOIN qualifications q ON q.insurer_number = k.insurer_number AND q.symbol = k.symbol \
           AND q.number = k.number AND q.branch = k.branch"
    )
}

/// The batch's cards from the standby when it is usable, else from the primary.
async fn find_cards(
    pool: PgPool,
    replica: Option<Arc<Replica>>,
    sql: Arc<str>,
    cards: Vec<CardNumbers>,
) -> Result<Vec<Vec<Qualification>>> {
    if let Some(replica) = &replica
        && let Some(found) = replica
            .read(|standby| find_cards_on(standby, sql.clone(), &cards))
            .await
    {
        return Ok(found);
    }
    find_cards_on(pool, sql, &cards).await
}

async fn find_cards_on(
    pool: PgPool,
    sql: Arc<str>,
    cards: &[CardNumbers],
) -> Result<Vec<Vec<Qualification>>> {
    let mut insurer = Vec::with_capacity(cards.len());
    let mut symbol = Vec::with_capacity(cards.len());
    let mut number = Vec::with_capacity(cards.len());
    let mut branch = Vec::with_capacity(cards.len());
    for card in cards {
        insurer.push(card.insurer.as_str());
        symbol.push(card.symbol_str());
        number.push(card.number.as_str());
        branch.push(card.branch.as_str());
    }
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(insurer)
        .bind(symbol)
        .bind(number)
        .bind(branch)
        .fetch_all(&pool)
        .await?;
    let mut found: Vec<Vec<Qualification>> = vec![Vec::new(); cards.len()];
    for row in rows {
        let i: i64 = row.try_get(0)?;
        let slot = usize::try_from(i - 1)
            .ok()
            .and_then(|i| found.get_mut(i))
            .ok_or_else(|| StoreError::Corrupt(format!("batched read returned key {i}")))?;
        slot.push(Qualification::try_from(QualificationRow::from_row(&row)?)?);
    }
    Ok(found)
}

async fn cert_statuses(pool: PgPool, serials: Vec<String>) -> Result<Vec<Option<CertStatus>>> {
    let rows: Vec<(String, Vec<u8>, bool)> = sqlx::query_as(
        "SELECT serial, fingerprint, revoked_at IS NOT NULL FROM terminal_certs WHERE serial = ANY($1)",
    )
    .bind(&serials)
    .fetch_all(&pool)
    .await?;
    Ok(serials
        .iter()
        .map(|serial| {
            rows.iter()
                .find(|(s, _, _)| s == serial)
                .map(|(_, fingerprint, revoked)| CertStatus {
                    fingerprint: fingerprint.clone(),
                    revoked: *revoked,
                })
        })
        .collect())
}

async fn select_by_card_on(
    pool: PgPool,
    sql: AssertSqlSafe<Arc<str>>,
    card: &CardNumbers,
) -> Result<Vec<Qualification>> {
    let rows: Vec<QualificationRow> = sqlx::query_as(sql)
        .bind(card.insurer.as_str())
        .bind(card.symbol_str())
        .bind(card.number.as_str())
        .bind(card.branch.as_str())
        .fetch_all(&pool)
        .await?;
    into_qualifications(rows)
}

impl PgStore {
    /// Entries are in the table once appended (the SQLite store indexes a journal first).
    async fn access_log_current(&self) -> Result<()> {
        Ok(())
    }

    /// Connects to `postgres://…` and applies migrations.
    pub async fn open(url: &str) -> Result<Self> {
        Self::open_with_standby(url, None).await
    }

    /// As [`PgStore::open`]; with a standby (`postgres://…` of a hot standby of this primary,
    /// and the most lag allowed), reads of card numbers go there while it keeps up.
    pub async fn open_with_standby(url: &str, standby: Option<(&str, Duration)>) -> Result<Self> {
        let options: PgConnectOptions = url.parse().map_err(StoreError::Backend)?;
        // No JIT: every statement here is a point read or a set statement bound by I/O, and
        // a generic plan's estimate over a large table crossed `jit_above_cost`, so each lost
        // card's related-qualification read spent 27 ms of 52 ms compiling (10M rows: 822
        // lookups/s; bench/RESULTS.md).
        let options = options.options([("jit", "off")]);
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
        let replica = match standby {
            Some((url, max_lag)) => Some(Replica::start(url, max_lag, pool.clone())?),
            None => None,
        };
        let cards = {
            let pool = pool.clone();
            let replica = replica.clone();
            let sql: Arc<str> = cards_batch_sql().into();
            Batcher::spawn(
                "cards",
                READ_BATCH,
                READS_IN_FLIGHT,
                READ_TIMEOUT,
                move |keys| find_cards(pool.clone(), replica.clone(), sql.clone(), keys),
            )
        };
        let certs = {
            let pool = pool.clone();
            Batcher::spawn(
                "certs",
                READ_BATCH,
                READS_IN_FLIGHT,
                READ_TIMEOUT,
                move |keys| cert_statuses(pool.clone(), keys),
            )
        };
        Ok(Self {
            cards,
            certs,
            replica,
            pool,
            queries: Arc::new(Queries::new(Dialect::Postgres)),
            records: Arc::new(crate::records::RecordQueries::new(Dialect::Postgres)),
        })
    }

    /// Reads by card numbers, from the standby when it is usable.
    async fn select_by_card(
        &self,
        sql: AssertSqlSafe<Arc<str>>,
        card: &CardNumbers,
    ) -> Result<Vec<Qualification>> {
        if let Some(replica) = &self.replica
            && let Some(found) = replica
                .read(|standby| select_by_card_on(standby, AssertSqlSafe(sql.0.clone()), card))
                .await
        {
            return Ok(found);
        }
        select_by_card_on(self.pool.clone(), sql, card).await
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
            self.cards.get(card.clone()).await
        }

        async fn find_related(&self, card: &CardNumbers) -> Result<Vec<Qualification>> {
            self.select_by_card(self.queries.find_related.q(), card)
                .await
        }

        async fn terminal_cert_status(&self, serial: &str) -> Result<Option<CertStatus>> {
            self.certs.get(serial.to_string()).await
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

        async fn maintain_access_log(
            &self,
            now: time::OffsetDateTime,
            keep_from: time::Date,
        ) -> Result<crate::LogMaintenance> {
            crate::retention::maintain_postgres(&self.pool, now, keep_from).await
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
    /// The first load into an empty `qualifications` (at least `BULK_LOAD_MIN_ROWS` rows)
    /// drops its secondary indexes and the unique key constraint, and builds them again after
    /// the insert: one sort each instead of a B-tree insert per row in random order (1M rows:
    /// 16.7 s for the insert with every index, 1.8 s without and 4.6 s for the builds).
    /// Only an empty table: `DROP INDEX` locks the table against lookups until the import
    /// commits, which would stall lookups of every insurer already loaded; with nothing stored
    /// there is nothing to look up. Inside the import's transaction: a failure, a crash or a
    /// dry run leaves the table as it was; re-adding the unique constraint checks the keys
    /// again. The primary key stays (the history's foreign key refers to it; ids arrive in
    /// order). Returns the statements that build them again, run after the insert.
    async fn before_insert(
        tx: &mut sqlx::Transaction<'_, Postgres>,
        staged: u64,
        largest: i64,
    ) -> Result<Vec<String>> {
        if staged < crate::BULK_LOAD_MIN_ROWS || largest != 0 {
            return Ok(Vec::new());
        }
        let constraints: Vec<(String, String)> = sqlx::query_as(
            "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE conrelid = 'qualifications'::regclass AND contype = 'u'",
        )
        .fetch_all(&mut **tx)
        .await?;
        let indexes: Vec<(String, String)> = sqlx::query_as(
            "SELECT i.relname::text, pg_get_indexdef(i.oid) FROM pg_index x \
             JOIN pg_class i ON i.oid = x.indexrelid \
             WHERE x.indrelid = 'qualifications'::regclass \
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
        )
        .fetch_all(&mut **tx)
        .await?;
        let mut rebuild = Vec::with_capacity(constraints.len() + indexes.len());
        // Names and definitions come from the catalog, not from input.
        for (name, definition) in constraints {
            sqlx::query(AssertSqlSafe(format!(
                "ALTER TABLE qualifications DROP CONSTRAINT \"{name}\""
            )))
            .execute(&mut **tx)
            .await?;
            rebuild.push(format!(
                "ALTER TABLE qualifications ADD CONSTRAINT \"{name}\" {definition}"
            ));
        }
        for (name, definition) in indexes {
            sqlx::query(AssertSqlSafe(format!("DROP INDEX \"{name}\"")))
                .execute(&mut **tx)
                .await?;
            rebuild.push(definition);
        }
        // Then statistics: the planner would otherwise plan lookups for the empty table it
        // last saw until autovacuum comes (at 10M rows that chose JIT for every lost card).
        rebuild.push("ANALYZE qualifications".into());
        Ok(rebuild)
    }

    async fn after_commit(&mut self) {}
}

impl_import_session!(PgImport, {
    async fn stage(&mut self, rows: &[StagedRow]) -> Result<()> {
        // A row is about 250 bytes: no reallocation while filling.
        let mut buffer = Vec::with_capacity(rows.len() * 320 + COPY_HEADER.len() + 2);
        buffer.extend_from_slice(COPY_HEADER);
        for row in rows {
            copy_row(&mut buffer, row);
        }
        buffer.extend_from_slice(&(-1i16).to_be_bytes());
        let mut copy = self.conn.copy_in_raw(COPY_STAGING).await?;
        copy.send(buffer).await?;
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

/// The header of PostgreSQL's binary COPY format: signature, flags, no extension.
const COPY_HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// Days since 2000-01-01, PostgreSQL's binary `date`.
fn pg_date(date: time::Date) -> i32 {
    date.to_julian_day() - 2_451_545
}

/// One field of a binary COPY tuple: its length, then its bytes (PostgreSQL's wire types:
/// big-endian integers, UTF-8 text, raw bytea).
fn field(out: &mut Vec<u8>, bytes: &[u8]) {
    let len = i32::try_from(bytes.len()).unwrap_or(i32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
}

fn null(out: &mut Vec<u8>) {
    out.extend_from_slice(&(-1i32).to_be_bytes());
}

/// One staged row as a binary COPY tuple, in the column order of `COPY_STAGING`. Binary
/// rather than CSV: PostgreSQL then parses no dates, integers or hex (1M rows: its side of the
/// staging was as busy as the parser).
fn copy_row(out: &mut Vec<u8>, row: &StagedRow) {
    let q = &row.qualification;
    let int = |out: &mut Vec<u8>, n: i32| field(out, &n.to_be_bytes());
    out.extend_from_slice(&18i16.to_be_bytes());
    field(out, &(row.line as i64).to_be_bytes());
    field(out, q.card.insurer.as_str().as_bytes());
    field(out, q.card.symbol_str().as_bytes());
    field(out, q.card.number.as_str().as_bytes());
    field(out, q.card.branch.as_str().as_bytes());
    int(out, pg_date(q.period.from()));
    match q.period.until() {
        Some(until) => int(out, pg_date(until)),
        None => null(out),
    }
    field(out, q.person_ref.as_bytes());
    int(out, i32::from(q.insured_category.code()));
    field(out, q.name.as_bytes());
    field(out, q.name_kana.as_bytes());
    int(out, i32::from(q.sex.code()));
    int(out, pg_date(q.birth_date));
    int(out, i32::from(q.copay_ratio.percent()));
    match q.limit_category {
        Some(limit) => field(out, limit.code().as_bytes()),
        None => null(out),
    }
    match q.specific_disease {
        Some(disease) => int(out, i32::from(disease.code())),
        None => null(out),
    }
    match &row.my_number_hash {
        Some(hash) => field(out, hash),
        None => null(out),
    }
    field(out, &row.row_hash);
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn binary_copy_dates_count_days_from_2000() {
        assert_eq!(pg_date(date!(2000 - 01 - 01)), 0);
        assert_eq!(pg_date(date!(1999 - 12 - 31)), -1);
        assert_eq!(pg_date(date!(2020 - 04 - 01)), 7396);
    }

    #[test]
    fn a_binary_copy_tuple_has_every_column_and_nulls() {
        let q = crate::testing::qualification("1001", "00", date!(2020 - 04 - 01), None);
        let mut out = Vec::new();
        copy_row(&mut out, &StagedRow::new(12, q, None));
        assert_eq!(&out[..2], &18i16.to_be_bytes());
        assert_eq!(&out[2..6], &8i32.to_be_bytes());
        assert_eq!(&out[6..14], &12i64.to_be_bytes());
        assert_eq!(&out[14..18], &8i32.to_be_bytes());
        assert_eq!(&out[18..26], b"01130012");
        // ... and it ends with a NULL 個人番号 hash and the 32-byte row hash.
        let tail = &out[out.len() - 40..];
        assert_eq!(&tail[..4], &(-1i32).to_be_bytes());
        assert_eq!(&tail[4..8], &32i32.to_be_bytes());
    }
}
