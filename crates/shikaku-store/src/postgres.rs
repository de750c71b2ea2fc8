//! The PostgreSQL store: bulk imports through COPY into a staging table and one set-based merge.

use std::sync::Arc;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, FromRow, PgPool, Postgres, Row};

use crate::batch::Batcher;
use crate::own_connection::OwnConnection;
use crate::replica::Replica;
use crate::shared::{Backend, impl_import_session, impl_store};
use shikaku_domain::{CardNumbers, Qualification};
use sqlx::AssertSqlSafe;

use crate::CertStatus;
use crate::model::QualificationRow;
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
    /// `find_related` (a lost card's newer qualifications), batched the same way.
    related: Batcher<CardNumbers, Vec<Qualification>>,
    certs: Batcher<String, Option<CertStatus>>,
    /// The access-log writer's connection (one batch at a time; see `own_connection.rs`).
    log: Arc<OwnConnection>,
}

/// The most keys one batched read carries, and how many batches of a kind run at once.
const READ_BATCH: usize = 256;
const READS_IN_FLIGHT: usize = 1;
/// A batched read not answered by then fails (503) rather than holding the reads behind it.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The qualification columns prefixed with a table alias.
fn columns_of(alias: &str) -> String {
    crate::model::QUALIFICATION_COLUMNS
        .split(", ")
        .map(|c| format!("{alias}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `find_related` for many card numbers in one statement: for each card, every qualification
/// of the same person at the same insurer and every one linked by the same 個人番号 hash,
/// tagged with the position of its card (as `find_related` in `sql.rs`, one key at a time).
fn related_batch_sql() -> String {
    let cols = columns_of("r");
    format!(
        "WITH c AS (SELECT k.i, q.insurer_number, q.person_ref, q.my_number_hash \
           FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[]) \
             WITH ORDINALITY AS k(insurer_number, symbol, number, branch, i) \
           JOIN qualifications q ON q.insurer_number = k.insurer_number AND q.symbol = k.symbol \
             AND q.number = k.number AND q.branch = k.branch) \
         SELECT c.i, {cols} FROM c JOIN qualifications r \
           ON r.insurer_number = c.insurer_number AND r.person_ref = c.person_ref \
         UNION \
         SELECT c.i, {cols} FROM c JOIN qualifications r ON r.my_number_hash = c.my_number_hash"
    )
}

/// Qualifications for many card numbers in one statement: the keys as arrays, joined through
/// the unique key index, each row tagged with the position of its key.
fn cards_batch_sql() -> String {
    let cols = columns_of("q");
    format!(
        "SELECT k.i, {cols} FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[]) \
           WITH ORDINALITY AS k(insurer_number, symbol, number, branch, i) \
         JOIN qualifications q ON q.insurer_number = k.insurer_number AND q.symbol = k.symbol \
           AND q.number = k.number AND q.branch = k.branch"
    )
}

/// A batched read by card numbers (`sql` binds the four key arrays and tags each row with its
/// key's position) from the standby when it is usable, else from the primary (on the
/// batcher's own connection).
async fn find_cards(
    primary: Arc<OwnConnection>,
    replica: Option<Arc<Replica>>,
    sql: Arc<str>,
    cards: Vec<CardNumbers>,
) -> Result<Vec<Vec<Qualification>>> {
    let keys = Arc::new(CardKeys::new(&cards));
    if let Some(replica) = &replica
        && let Some(found) = replica
            .read(|standby| {
                let (keys, sql) = (keys.clone(), sql.clone());
                async move { keys.fetch(&standby, sql).await }
            })
            .await
    {
        return Ok(found);
    }
    primary
        .run(true, |conn| {
            let (keys, sql) = (keys.clone(), sql.clone());
            Box::pin(async move { keys.fetch(conn, sql).await })
        })
        .await
}

/// A batch of card numbers as the four arrays the batched read binds.
struct CardKeys {
    insurer: Vec<String>,
    symbol: Vec<String>,
    number: Vec<String>,
    branch: Vec<String>,
}

impl CardKeys {
    fn new(cards: &[CardNumbers]) -> Self {
        Self {
            insurer: cards
                .iter()
                .map(|c| c.insurer.as_str().to_owned())
                .collect(),
            symbol: cards.iter().map(|c| c.symbol_str().to_owned()).collect(),
            number: cards.iter().map(|c| c.number.as_str().to_owned()).collect(),
            branch: cards.iter().map(|c| c.branch.as_str().to_owned()).collect(),
        }
    }

    /// The qualifications of each card, in the order of the cards.
    async fn fetch<'e, E>(&self, executor: E, sql: Arc<str>) -> Result<Vec<Vec<Qualification>>>
    where
        E: sqlx::Executor<'e, Database = Postgres>,
    {
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(&self.insurer)
            .bind(&self.symbol)
            .bind(&self.number)
            .bind(&self.branch)
            .fetch_all(executor)
            .await?;
        let mut found: Vec<Vec<Qualification>> = vec![Vec::new(); self.insurer.len()];
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
}

async fn cert_statuses(
    conn: Arc<OwnConnection>,
    serials: Vec<String>,
) -> Result<Vec<Option<CertStatus>>> {
    let serials = Arc::new(serials);
    let rows: Vec<(String, Vec<u8>, bool)> = conn
        .run(true, |conn| {
            let serials = serials.clone();
            Box::pin(async move {
                Ok(sqlx::query_as(
                    "SELECT serial, fingerprint, revoked_at IS NOT NULL FROM terminal_certs WHERE serial = ANY($1)",
                )
                .bind(serials.as_slice())
                .fetch_all(conn)
                .await?)
            })
        })
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
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Backend(e.into()))?;
        let replica = match standby {
            Some((url, max_lag)) => Some(Replica::start(url, max_lag, pool.clone())?),
            None => None,
        };
        let by_card = |kind: &'static str, sql: String| {
            let conn = Arc::new(OwnConnection::new(&options));
            let replica = replica.clone();
            let sql: Arc<str> = sql.into();
            Batcher::spawn(
                kind,
                READ_BATCH,
                READS_IN_FLIGHT,
                READ_TIMEOUT,
                move |keys| find_cards(conn.clone(), replica.clone(), sql.clone(), keys),
            )
        };
        let cards = by_card("cards", cards_batch_sql());
        let related = by_card("related", related_batch_sql());
        let certs = {
            let conn = Arc::new(OwnConnection::new(&options));
            Batcher::spawn(
                "certs",
                READ_BATCH,
                READS_IN_FLIGHT,
                READ_TIMEOUT,
                move |keys| cert_statuses(conn.clone(), keys),
            )
        };
        Ok(Self {
            cards,
            related,
            certs,
            log: Arc::new(OwnConnection::new(&options)),
            pool,
            queries: Arc::new(Queries::new(Dialect::Postgres)),
            records: Arc::new(crate::records::RecordQueries::new(Dialect::Postgres)),
        })
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
            self.related.get(card.clone()).await
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
            // Join the staged rows to the stored ones through the key index rather than by
            // hashing the whole table: with the default `random_page_cost` (4, a spinning
            // disk) PostgreSQL hashed all 10.9M stored rows to merge a 500,000-row delta
            // (18.6 s for the join) where index probes took 5.8 s, and the hash grows with
            // the store, the probes with the file (bench/RESULTS.md, 2026-12-04). 1.1 is the
            // usual value for SSDs and cached indexes; a large file into a large store may
            // still hash. Only this connection, which is closed when the import ends.
            sqlx::query("SET random_page_cost = 1.1")
                .execute(&mut *conn)
                .await?;
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
            // One statement for the whole batch: UNNEST over column arrays, on the writer's own
            // connection, never retried (a write is not sent twice).
            let columns = Arc::new(LogColumns::new(entries));
            self.log
                .run(false, |conn| {
                    let columns = columns.clone();
                    Box::pin(async move { columns.insert(conn).await })
                })
                .await
        }
    }
);

/// A batch of access-log entries as the column arrays of one `INSERT … SELECT FROM UNNEST`.
struct LogColumns {
    at: Vec<time::OffsetDateTime>,
    facility: Vec<String>,
    terminal: Vec<String>,
    serial: Vec<String>,
    kind: Vec<String>,
    status: Vec<String>,
    person: Vec<Vec<u8>>,
}

impl LogColumns {
    fn new(entries: &[AccessLogEntry]) -> Self {
        let column = |f: fn(&AccessLogEntry) -> &str| -> Vec<String> {
            entries.iter().map(|e| f(e).to_owned()).collect()
        };
        Self {
            at: entries.iter().map(|e| e.at).collect(),
            facility: column(|e| &e.facility_code),
            terminal: column(|e| &e.terminal_name),
            serial: column(|e| &e.cert_serial),
            kind: column(|e| &e.kind),
            status: column(|e| &e.status),
            person: entries.iter().map(|e| e.person_hash.clone()).collect(),
        }
    }

    async fn insert(&self, conn: &mut sqlx::PgConnection) -> Result<()> {
        sqlx::query(
            "INSERT INTO access_log (at, facility_code, terminal_name, cert_serial, kind, status, person_hash) \
             SELECT * FROM UNNEST($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bytea[])",
        )
        .bind(&self.at)
        .bind(&self.facility)
        .bind(&self.terminal)
        .bind(&self.serial)
        .bind(&self.kind)
        .bind(&self.status)
        .bind(&self.person)
        .execute(conn)
        .await?;
        Ok(())
    }
}

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
