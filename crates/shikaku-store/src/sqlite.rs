//! The embedded default store: SQLite in WAL mode with synchronous=FULL; the access log in a
//! second file beside it ([`access_log_path`]), reached first through a journal
//! ([`crate::journal`]).

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use shikaku_domain::{CardNumbers, Qualification};
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, QueryBuilder, Sqlite, SqlitePool};

use crate::journal::Journal;
use crate::model::QualificationRow;
use crate::shared::{Backend, impl_import_session, impl_store};
use crate::sql::{self, Dialect, Queries};
use crate::{AccessLogEntry, CertStatus, ImportMeta, ImportSession, Result, StagedRow, StoreError};

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
    records: Arc<crate::records::RecordQueries>,
    readers: Readers,
    certs: CertCache,
    log: Arc<AccessLog>,
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
            .pragma("cache_size", "-65536")
            // The WAL file is truncated back to 64 MiB after a checkpoint instead of keeping
            // the size of the largest transaction (an import) forever.
            .pragma("journal_size_limit", "67108864");
        let log_path = access_log_path(path);
        let log = log_path.clone();
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .after_connect(move |conn, _| {
                let log = log.clone();
                Box::pin(async move {
                    sqlx::query("ATTACH DATABASE ?1 AS log")
                        .bind(log)
                        .execute(&mut *conn)
                        .await?;
                    sqlx::raw_sql(
                        "PRAGMA log.journal_mode = WAL; PRAGMA log.synchronous = FULL; \
                         PRAGMA log.journal_size_limit = 67108864;",
                    )
                    .execute(&mut *conn)
                    .await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        sqlx::migrate!("migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Backend(e.into()))?;
        move_access_log(&pool).await?;
        let readers = Readers::open(Path::new(path))?;
        let certs = CertCache::open(Path::new(path))?;
        let log = AccessLog::open(&log_path)?;
        Ok(Self {
            log,
            pool,
            queries: Arc::new(Queries::new(Dialect::Sqlite)),
            records: Arc::new(crate::records::RecordQueries::new(Dialect::Sqlite)),
            readers,
            certs,
        })
    }

    /// Indexes what the access-log journal holds, so a read of the log sees every entry
    /// appended before it (by any process).
    async fn access_log_current(&self) -> Result<()> {
        let log = self.log.clone();
        tokio::task::spawn_blocking(move || log.index_pending().map(drop))
            .await
            .map_err(|e| StoreError::Corrupt(format!("access log indexer: {e}")))?
    }

    fn select_by_card(&self, sql: &sql::Sql, card: &CardNumbers) -> Result<Vec<Qualification>> {
        self.readers
            .with(|conn| {
                let mut statement = conn.prepare_cached(sql.text())?;
                let rows = statement.query_map(
                    (
                        card.insurer.as_str(),
                        card.symbol_str(),
                        card.number.as_str(),
                        card.branch.as_str(),
                    ),
                    qualification_row,
                )?;
                rows.collect::<rusqlite::Result<Vec<_>>>()
            })
            .and_then(|rows| {
                rows.into_iter()
                    .map(|row| Qualification::try_from(row?))
                    .collect()
            })
    }
}

/// The access log's own database file beside the main one: `x.db` → `x.access-log.db`.
///
/// Every lookup appends to the access log. In WAL mode a commit to a database file makes
/// every other connection drop its page cache for that file at its next read, so with the log
/// in the main file the lookup path's readers re-read each index page from the OS on every
/// request (measured: `readDbPage` and `pcache1Truncate` in the lookup profile,
/// bench/RESULTS.md). In its own file, attached as `log`, the log's commits leave the main
/// file's caches warm; queries name `access_log` unqualified and SQLite finds it there.
pub fn access_log_path(path: &str) -> String {
    match path.strip_suffix(".db") {
        Some(stem) => format!("{stem}.access-log.db"),
        None => format!("{path}.access-log.db"),
    }
}

/// Creates the log file's tables (the log and the journal position indexed so far) and moves
/// rows left in the main file by migration 0007 (or an interrupted earlier move): the copy is
/// committed first and is idempotent (same ids, `OR IGNORE`), the old table dropped after, so
/// a crash between the two loses nothing and duplicates nothing.
async fn move_access_log(pool: &SqlitePool) -> Result<()> {
    // The columns and indexes of migration 0001's `access_log` (sqlx migrations run on the
    // main file only, so the attached file's schema is created here).
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS log.access_log (
             id            INTEGER PRIMARY KEY,
             at            TEXT    NOT NULL,
             facility_code TEXT    NOT NULL,
             terminal_name TEXT    NOT NULL,
             cert_serial   TEXT    NOT NULL,
             kind          TEXT    NOT NULL,
             status        TEXT    NOT NULL,
             person_hash   BLOB    NOT NULL
         );
         CREATE INDEX IF NOT EXISTS log.access_log_facility_at ON access_log (facility_code, at);
         CREATE TABLE IF NOT EXISTS log.journal_state (
             id             INTEGER PRIMARY KEY CHECK (id = 1),
             generation     INTEGER NOT NULL,
             journal_offset INTEGER NOT NULL
         );",
    )
    .execute(pool)
    .await?;
    person_index_by_bucket(pool).await?;
    let (left,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM main.sqlite_master WHERE type = 'table' AND name = 'access_log_moved'",
    )
    .fetch_one(pool)
    .await?;
    if left > 0 {
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        let copied = sqlx::query(
            "INSERT OR IGNORE INTO log.access_log \
             SELECT id, at, facility_code, terminal_name, cert_serial, kind, status, person_hash \
             FROM main.access_log_moved",
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        sqlx::query("DROP TABLE main.access_log_moved")
            .execute(pool)
            .await?;
        if copied > 0 {
            tracing::info!(rows = copied, "access log moved to its own database file");
        }
    }
    Ok(())
}

/// The person index of the log: by bucket of ids ([`sql::ACCESS_LOG_BUCKET_SHIFT`]) and the
/// first 8 bytes of the person's keyed hash (a query compares the whole hash in the row).
///
/// It replaces an index on the whole 32-byte hash, whose new entries went to random places
/// across the whole log: once the index outgrew the log connection's page cache, indexing
/// read and rewrote a page per entry, and a server's lookups slowed down as its log grew
/// (bench/RESULTS.md). A log from before is re-indexed once, in one transaction: a crash
/// leaves the old index in place and the next start does it again.
async fn person_index_by_bucket(pool: &SqlitePool) -> Result<()> {
    const NEW: &str = "access_log_person_bucket";
    let (present,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM log.sqlite_master WHERE type = 'index' AND name = ?1")
            .bind(NEW)
            .fetch_one(pool)
            .await?;
    if present > 0 {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE INDEX IF NOT EXISTS log.{NEW} ON access_log \
           ((id >> {shift}), substr(person_hash, 1, 8)); \
         DROP INDEX IF EXISTS log.access_log_person;",
        shift = sql::ACCESS_LOG_BUCKET_SHIFT
    )))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::debug!(
        ms = started.elapsed().as_millis() as u64,
        "access-log person index by bucket built"
    );
    Ok(())
}

/// The access log of one store: entries are durable once in the journal
/// ([`crate::journal`]); a rusqlite connection to the log file indexes them in batches, from
/// a background thread every second and before every read of the log.
struct AccessLog {
    journal: Journal,
    index: Mutex<rusqlite::Connection>,
}

/// How often the background thread indexes what the journal holds. Every read of the log
/// indexes first, so this only bounds how much a batch carries: larger batches write each
/// touched page of the log's indexes once for more entries.
const INDEX_EVERY: Duration = Duration::from_secs(1);

impl AccessLog {
    fn open(log_db: &str) -> Result<Arc<Self>> {
        let conn = rusqlite::Connection::open(log_db).map_err(StoreError::Embedded)?;
        conn.busy_timeout(Duration::from_secs(60))
            .map_err(StoreError::Embedded)?;
        // NORMAL: an index commit lost in a power failure is indexed again from the journal.
        // A 32 MiB cache and a checkpoint every 8,192 pages (instead of 2 MiB and 1,000): the
        // person-hash index takes its entries at random places, so a small cache spilled dirty
        // pages mid-transaction and frequent checkpoints copied the same pages again and again.
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
             PRAGMA journal_size_limit = 67108864; PRAGMA cache_size = -32768; \
             PRAGMA wal_autocheckpoint = 8192;",
        )
        .map_err(StoreError::Embedded)?;
        let (generation, _) = journal_state(&conn).map_err(log_error)?;
        let journal = Journal::open(crate::journal::journal_path(log_db), generation)
            .map_err(io_unavailable)?;
        let log = Arc::new(Self {
            journal,
            index: Mutex::new(conn),
        });
        // What a crash left unindexed is indexed before the store is used.
        log.index_pending()?;
        let weak = Arc::downgrade(&log);
        std::thread::Builder::new()
            .name("access-log-index".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(INDEX_EVERY);
                    let Some(log) = weak.upgrade() else { break };
                    if let Err(e) = log.index_pending() {
                        tracing::warn!(error = %e, "indexing the access log failed; retrying");
                    }
                }
            })
            .map_err(io_unavailable)?;
        Ok(log)
    }

    /// Appends encoded entries durably (blocking; call off the runtime).
    fn append(&self, records: &[u8]) -> Result<()> {
        self.journal.append(records).map_err(io_unavailable)
    }

    /// Indexes every journaled entry not indexed yet (blocking); returns how many.
    fn index_pending(&self) -> Result<usize> {
        let mut conn = self.index.lock().map_err(|_| poisoned())?;
        let mut indexed = 0;
        loop {
            // IMMEDIATE: the position is read and moved under the write lock, so two
            // processes never index the same entries.
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(log_error)?;
            let (generation, offset) = journal_state(&tx).map_err(log_error)?;
            let (file_generation, end, entries) = self
                .journal
                .read_after(generation, offset)
                .map_err(io_unavailable)?;
            if entries.is_empty() && file_generation == generation {
                break;
            }
            insert_access_log(&tx, &entries).map_err(log_error)?;
            tx.execute(
                "INSERT INTO journal_state (id, generation, journal_offset) VALUES (1, ?1, ?2) \
                 ON CONFLICT (id) DO UPDATE SET generation = excluded.generation, \
                 journal_offset = excluded.journal_offset",
                (file_generation as i64, end as i64),
            )
            .map_err(log_error)?;
            tx.commit().map_err(log_error)?;
            indexed += entries.len();
        }
        // A long journal, all indexed, starts afresh once the index is on disk.
        let (generation, offset) = journal_state(&conn).map_err(log_error)?;
        let rotate_at = crate::journal::ROTATE_AT;
        let restarted = self
            .journal
            .rotate_if_done(generation, offset, rotate_at, || {
                // PASSIVE does not wait for readers; only a complete checkpoint (which syncs the
                // log file) lets the journal go.
                let (busy, frames, copied): (i64, i64, i64) = conn
                    .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                    })
                    .map_err(std::io::Error::other)?;
                if busy != 0 || frames != copied {
                    return Err(std::io::Error::other("log checkpoint incomplete"));
                }
                Ok(())
            });
        if let Err(e) = restarted {
            tracing::debug!(error = %e, "access-log journal kept for now");
        }
        Ok(indexed)
    }
}

/// The journal position indexed so far: (generation, offset); (0, header) for a new log.
fn journal_state(conn: &rusqlite::Connection) -> rusqlite::Result<(u64, u64)> {
    use rusqlite::OptionalExtension;
    let row: Option<(i64, i64)> = conn
        .query_row(
            "SELECT generation, journal_offset FROM journal_state WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row.map_or((0, crate::journal::HEADER), |(g, o)| (g as u64, o as u64)))
}

/// Inserts entries into the log's table (inside the caller's transaction).
fn insert_access_log(
    conn: &rusqlite::Connection,
    entries: &[AccessLogEntry],
) -> rusqlite::Result<()> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO access_log (at, facility_code, terminal_name, cert_serial, kind, \
         status, person_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for e in entries {
        // The text sqlx writes and reads for OffsetDateTime (RFC 3339).
        let at =
            e.at.format(&time::format_description::well_known::Rfc3339)
                .map_err(|err| rusqlite::Error::ToSqlConversionFailure(Box::new(err)))?;
        insert.execute((
            at,
            &e.facility_code,
            &e.terminal_name,
            &e.cert_serial,
            &e.kind,
            &e.status,
            &e.person_hash,
        ))?;
    }
    Ok(())
}

/// A busy, unopenable or failing log file is an outage (503), not a bug.
fn log_error(e: rusqlite::Error) -> StoreError {
    match e {
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(
                f.code,
                rusqlite::ErrorCode::DatabaseBusy
                    | rusqlite::ErrorCode::DatabaseLocked
                    | rusqlite::ErrorCode::CannotOpen
                    | rusqlite::ErrorCode::DiskFull
                    | rusqlite::ErrorCode::SystemIoFailure
            ) =>
        {
            io_unavailable(std::io::Error::other(e.to_string()))
        }
        other => StoreError::Embedded(other),
    }
}

fn io_unavailable(e: std::io::Error) -> StoreError {
    StoreError::Unavailable(sqlx::Error::Io(e))
}

/// Read-only rusqlite connections for the lookup path (card lookups and the per-request
/// certificate check). sqlx-sqlite hands every statement to a per-connection worker thread
/// and back; on the 2-core benchmark machine that round trip cost several times the point
/// query itself (bench/RESULTS.md). These reads run on the calling runtime thread: a few
/// index pages, tens of microseconds. Writes stay on sqlx.
struct Readers {
    conns: Vec<Mutex<rusqlite::Connection>>,
    next: AtomicUsize,
}

impl Readers {
    fn open(path: &Path) -> Result<Self> {
        let count = std::thread::available_parallelism().map_or(2, |n| n.get()) + 1;
        let conns = (0..count)
            .map(|_| read_only_connection(path).map(Mutex::new))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            conns,
            next: AtomicUsize::new(0),
        })
    }

    /// Runs `read` on a free connection (or waits for the next one in turn).
    fn with<T>(
        &self,
        read: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> Result<T> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let n = self.conns.len();
        let guard = match (0..n).find_map(|i| self.conns[(start + i) % n].try_lock().ok()) {
            Some(guard) => guard,
            None => self.conns[start % n].lock().map_err(|_| poisoned())?,
        };
        read(&guard).map_err(StoreError::Embedded)
    }
}

/// A read-only connection of the lookup path.
fn read_only_connection(path: &Path) -> Result<rusqlite::Connection> {
    use rusqlite::OpenFlags;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = rusqlite::Connection::open_with_flags(path, flags).map_err(StoreError::Embedded)?;
    conn.busy_timeout(Duration::from_secs(5))
        .map_err(StoreError::Embedded)?;
    conn.pragma_update(None, "cache_size", -16384)
        .map_err(StoreError::Embedded)?;
    // Pages straight from the OS page cache, shared by all readers, without a pread and a
    // copy each: the whole file (SQLite maps at most the file's size; the compiled limit is
    // raised to 1 TiB in .cargo/config.toml, from 2 GiB).
    conn.pragma_update(None, "mmap_size", READER_MMAP_BYTES)
        .map_err(StoreError::Embedded)?;
    Ok(conn)
}

/// Address space a reader may map: far beyond any store (virtual memory, not RAM).
const READER_MMAP_BYTES: i64 = 1 << 40;

fn poisoned() -> StoreError {
    StoreError::Corrupt("a reader connection was poisoned by a panic".into())
}

/// The per-request certificate check, answered from memory while the main database is
/// unchanged. When the WAL file was written since the last check ([`WalWatch`]), the check
/// asks its own connection's `PRAGMA data_version`, which changes whenever any other
/// connection — of this process (the sqlx pool) or of another one (`shikaku cert revoke`) —
/// has committed to the main database since; then everything remembered is dropped and the
/// register is asked again. So a revocation still takes effect for the next request, and a
/// check without a commit in between costs one `read` of the change notices instead of two
/// B-tree descents and a row (7.6 % of a lookup's server time in the profile of
/// bench/RESULTS.md) or the start of a read transaction (7.0 %, its `fcntl` locks).
struct CertCache {
    state: Mutex<CertCacheState>,
}

struct CertCacheState {
    conn: rusqlite::Connection,
    /// The `data_version` the remembered statuses were read at.
    version: i64,
    known: std::collections::HashMap<String, Option<CertStatus>>,
    wal: WalWatch,
}

/// Change notices for the main database's WAL file (Linux inotify). In WAL mode every commit
/// — by any connection of any process — writes that file before it returns, and the kernel
/// queues the notice within the write, so a commit that finished before a check is seen by
/// it. `changed` is one non-blocking `read` when nothing happened. When the watch is lost
/// (the file deleted or moved, the queue overflowed) or cannot be set, `changed` answers
/// true on every call (the cache then asks `data_version` each time, as without notices)
/// and tries to watch again.
struct WalWatch {
    #[cfg(target_os = "linux")]
    watch: Option<(inotify::Inotify, bool)>,
    #[cfg(target_os = "linux")]
    path: std::path::PathBuf,
}

impl WalWatch {
    #[cfg(target_os = "linux")]
    const MASK: inotify::WatchMask = inotify::WatchMask::MODIFY
        .union(inotify::WatchMask::DELETE_SELF)
        .union(inotify::WatchMask::MOVE_SELF);

    #[cfg(target_os = "linux")]
    fn new(path: std::path::PathBuf) -> Self {
        let watch = inotify::Inotify::init().ok().map(|inotify| {
            let armed = inotify.watches().add(&path, Self::MASK).is_ok();
            (inotify, armed)
        });
        Self { watch, path }
    }

    #[cfg(not(target_os = "linux"))]
    fn new(_path: std::path::PathBuf) -> Self {
        Self {}
    }

    /// Whether the file may have been written since the last call.
    #[cfg(target_os = "linux")]
    fn changed(&mut self) -> bool {
        use inotify::EventMask;
        let Some((inotify, armed)) = self.watch.as_mut() else {
            return true;
        };
        let lost_mask = EventMask::IGNORED
            | EventMask::Q_OVERFLOW
            | EventMask::DELETE_SELF
            | EventMask::MOVE_SELF;
        let mut buffer = [0u8; 1024];
        let mut changed = !*armed;
        let mut lost = !*armed;
        loop {
            match inotify.read_events(&mut buffer) {
                Ok(events) => {
                    let mut any = false;
                    for event in events {
                        any = true;
                        lost |= event.mask.intersects(lost_mask);
                    }
                    if !any {
                        break;
                    }
                    changed = true;
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(_) => {
                    changed = true;
                    lost = true;
                    break;
                }
            }
        }
        if lost {
            // Watched again before the caller asks `data_version`: a commit after this is
            // noticed next time, one before it is seen by that question.
            *armed = inotify.watches().add(&self.path, Self::MASK).is_ok();
        }
        changed
    }

    #[cfg(not(target_os = "linux"))]
    fn changed(&mut self) -> bool {
        true
    }
}

impl CertCache {
    /// Serials remembered at most; on overflow the map starts again (only re-reads are lost).
    const CAPACITY: usize = 65_536;

    fn open(path: &Path) -> Result<Self> {
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        Ok(Self {
            state: Mutex::new(CertCacheState {
                conn: read_only_connection(path)?,
                version: -1,
                known: std::collections::HashMap::new(),
                wal: WalWatch::new(std::path::PathBuf::from(wal)),
            }),
        })
    }

    fn status(&self, sql: &str, serial: &str) -> Result<Option<CertStatus>> {
        let mut guard = self.state.lock().map_err(|_| poisoned())?;
        let state = &mut *guard;
        // Without a change notice the WAL file was not written since the last check, so
        // nothing was committed and `data_version` (a read transaction) need not be asked.
        if state.wal.changed() || state.version < 0 {
            let version: i64 = state
                .conn
                .prepare_cached("PRAGMA data_version")
                .and_then(|mut s| s.query_row([], |row| row.get(0)))
                .map_err(StoreError::Embedded)?;
            if version != state.version {
                state.known.clear();
                state.version = version;
            }
        }
        if let Some(status) = state.known.get(serial) {
            return Ok(status.clone());
        }
        let status = state
            .conn
            .prepare_cached(sql)
            .and_then(|mut statement| {
                let mut rows = statement.query([serial])?;
                rows.next()?
                    .map(|row| {
                        Ok(CertStatus {
                            fingerprint: row.get(0)?,
                            revoked: row.get(1)?,
                        })
                    })
                    .transpose()
            })
            .map_err(StoreError::Embedded)?;
        if state.known.len() >= Self::CAPACITY {
            state.known.clear();
        }
        state.known.insert(serial.to_owned(), status.clone());
        Ok(status)
    }
}

/// Decodes the columns of `QUALIFICATION_COLUMNS`; dates are stored as YYYY-MM-DD text.
/// The outer error is rusqlite's, the inner one a stored value that is not a valid date.
fn qualification_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<QualificationRow>> {
    let date = |text: String| {
        shikaku_domain::parse_date(&text)
            .map_err(|e| StoreError::Corrupt(format!("stored date {text:?}: {e}")))
    };
    let raw = QualificationRow {
        insurer_number: row.get(0)?,
        symbol: row.get(1)?,
        number: row.get(2)?,
        branch: row.get(3)?,
        qualified_from: time::Date::MIN,
        qualified_until: None,
        person_ref: row.get(6)?,
        insured_category: row.get(7)?,
        name: row.get(8)?,
        name_kana: row.get(9)?,
        sex: row.get(10)?,
        birth_date: time::Date::MIN,
        copay_ratio: row.get(12)?,
        limit_category: row.get(13)?,
        specific_disease: row.get(14)?,
    };
    let (from, until, birth): (String, Option<String>, String) =
        (row.get(4)?, row.get(5)?, row.get(11)?);
    Ok((|| {
        Ok(QualificationRow {
            qualified_from: date(from)?,
            qualified_until: until.map(date).transpose()?,
            birth_date: date(birth)?,
            ..raw
        })
    })())
}

crate::records::impl_record_import!(SqliteRecordImport, sqlx::Sqlite, "BEGIN IMMEDIATE");

crate::portal::impl_portal_store!(SqliteStore, sqlx::Sqlite, crate::sql::Dialect::Sqlite);

impl_store!(
    SqliteStore,
    backend = "sqlite",
    records = SqliteRecordImport,
    dialect = Dialect::Sqlite,
    {
        async fn find_by_card(&self, card: &CardNumbers) -> Result<Vec<Qualification>> {
            self.select_by_card(&self.queries.find_by_card, card)
        }

        async fn find_related(&self, card: &CardNumbers) -> Result<Vec<Qualification>> {
            self.select_by_card(&self.queries.find_related, card)
        }

        async fn terminal_cert_status(&self, serial: &str) -> Result<Option<CertStatus>> {
            self.certs.status(self.queries.cert_status.text(), serial)
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

        async fn maintain_access_log(
            &self,
            _now: time::OffsetDateTime,
            keep_from: time::Date,
        ) -> Result<crate::LogMaintenance> {
            // Entries still in the journal are indexed first, so none escapes.
            self.access_log_current().await?;
            crate::retention::maintain_sqlite(&self.pool, keep_from).await
        }

        async fn append_access_log(&self, entries: &[AccessLogEntry]) -> Result<()> {
            let mut records = Vec::with_capacity(entries.len() * 128);
            crate::journal::encode(entries, &mut records);
            let log = self.log.clone();
            tokio::task::spawn_blocking(move || log.append(&records))
                .await
                .map_err(|e| StoreError::Corrupt(format!("access log writer: {e}")))?
        }
    }
);

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
    const PREPARE_STAGING: &'static [&'static str] = &[
        // Covers the in-file checks (`line`, `qualified_until`) and orders the merge.
        "CREATE INDEX IF NOT EXISTS temp.import_staging_key \
         ON import_staging (insurer_number, symbol, number, branch, qualified_from, line, qualified_until)",
    ];
}

impl SqliteImport {
    /// IMMEDIATE: take the write lock first, so the checks in `finish` see what the merge changes.
    async fn begin_write(&mut self) -> Result<sqlx::Transaction<'_, Sqlite>> {
        Ok(self.conn.begin_with("BEGIN IMMEDIATE").await?)
    }
}

impl SqliteImport {
    /// A load more than twice the size of the table (the first load, a large insurer's file on
    /// a small store: it inserts more rows than the table holds) drops the secondary indexes
    /// of `qualifications` and builds them again after the insert: one sort instead of a
    /// B-tree insert per row into the 個人番号-hash index, whose order is random (measured on
    /// 1M rows: 15.7 s against 20.1 s for the merge). Inside the import's transaction, so a
    /// failure, a crash or a dry run leaves the indexes as they were; readers (WAL) keep their
    /// snapshot with the indexes meanwhile. The unique key index stays: the merge needs it.
    /// Returns the statements that build the dropped indexes again, run after the insert.
    async fn before_insert(
        tx: &mut sqlx::Transaction<'_, Sqlite>,
        staged: u64,
        largest: i64,
    ) -> Result<Vec<String>> {
        if staged < crate::BULK_LOAD_MIN_ROWS || (staged as i64) <= largest.saturating_mul(2) {
            return Ok(Vec::new());
        }
        let indexes: Vec<(String, String)> = sqlx::query_as(
            "SELECT name, sql FROM sqlite_master \
             WHERE type = 'index' AND tbl_name = 'qualifications' AND sql IS NOT NULL",
        )
        .fetch_all(&mut **tx)
        .await?;
        let mut rebuild = Vec::with_capacity(indexes.len());
        for (name, sql) in indexes {
            // The names and statements come from the schema itself, not from input.
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP INDEX \"{name}\"")))
                .execute(&mut **tx)
                .await?;
            rebuild.push(sql);
        }
        Ok(rebuild)
    }

    /// Copies the import's WAL into the database file now, so the cost of checkpointing a
    /// large import is paid here and not by the next lookup's access-log write (measured: the
    /// first write after a 10M-row import took 4.3 s). The data is already committed; a
    /// failure here only delays the checkpoint.
    async fn after_commit(&mut self) {
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut *self.conn)
            .await
        {
            tracing::warn!(error = %e, "checkpoint after import failed; SQLite will retry on later writes");
        }
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
        // Built only when rows are taken out (--skip-invalid with conflicts): a clean file
        // never needs it (0.5 s of 1M rows, 4.5 s of 5M).
        sqlx::query("CREATE INDEX IF NOT EXISTS temp.import_staging_line ON import_staging (line)")
            .execute(&mut *self.conn)
            .await?;
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

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::WalWatch;

    /// The readers map the whole file: the bundled SQLite is built with the raised limit
    /// (`LIBSQLITE3_FLAGS` in .cargo/config.toml), else SQLite silently caps `mmap_size`
    /// at 2 GiB and a 10M-person store is read past that with `pread`.
    #[test]
    fn readers_may_map_more_than_two_gibibytes() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("x.db");
        rusqlite::Connection::open(&path)
            .and_then(|c| c.execute_batch("CREATE TABLE t (x)"))
            .expect("create");
        let conn = super::read_only_connection(&path).expect("reader");
        let mapped: i64 = conn
            .query_row("PRAGMA mmap_size", [], |r| r.get(0))
            .expect("mmap_size");
        assert_eq!(mapped, super::READER_MMAP_BYTES);
    }

    /// A write is noticed once; a deleted file makes every call answer "changed" until the
    /// file is back and watched again.
    #[test]
    fn the_wal_watch_notices_writes_and_survives_the_file_going_away() {
        use std::io::Write;
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("x.db-wal");
        let write = |text: &[u8]| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .expect("open")
                .write_all(text)
                .expect("write")
        };
        write(b"a");
        let mut watch = WalWatch::new(path.clone());
        assert!(!watch.changed(), "nothing written since the watch began");
        write(b"b");
        assert!(watch.changed(), "a write");
        assert!(!watch.changed(), "noticed once");
        std::fs::remove_file(&path).expect("remove");
        assert!(watch.changed(), "deleted");
        assert!(watch.changed(), "not watched while the file is missing");
        write(b"c");
        assert!(watch.changed(), "back: watched again from here");
        assert!(!watch.changed());
        write(b"d");
        assert!(watch.changed());
    }
}
