//! shikaku-store — persistence behind one [`Store`] trait, with SQLite (embedded default,
//! WAL) and PostgreSQL implementations. Only this crate knows SQL; callers never see sqlx.
//!
//! SQL fetches candidates; the domain decides (`shikaku_domain::eligibility`).

use std::sync::Arc;

use async_trait::async_trait;
use shikaku_domain::{CardNumbers, Qualification};
use time::OffsetDateTime;

mod batch;
pub mod challenges;
pub mod cluster;
pub mod help;
pub mod identity;
pub mod insurers;
pub mod journal;
pub mod linkage;
mod model;
mod own_connection;
pub mod portal;
pub mod postgres;
pub mod records;
mod replica;
mod retention;
mod shared;
mod sql;
pub mod sqlite;
pub mod support;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use challenges::ChallengeStore;
pub use cluster::{ClusterStore, NoMatchEvent};
pub use help::{EntryFeedback, HelpStore, Unanswered};
pub use identity::IdentityStore;
pub use insurers::InsurerStore;
pub use linkage::{FoundLink, LinkAuditCounts, LinkageStore};
pub use model::{StagedRow, hash_text, row_hash};
pub use portal::PortalStore;
pub use records::{RecordImport, RecordKind, RecordRow, StoredRecord};
pub use support::SupportStore;

/// Below this many staged rows an import never drops and rebuilds indexes (see each
/// backend's `before_insert`).
pub const BULK_LOAD_MIN_ROWS: u64 = 10_000;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database cannot be reached (down, refused, timed out). Callers may retry.
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Backend(#[source] sqlx::Error),
    /// An error of the embedded SQLite read path (rusqlite).
    #[error("database error: {0}")]
    Embedded(#[source] rusqlite::Error),
    #[error("unsupported database URL {0:?}: use sqlite:PATH or postgres://…")]
    UnsupportedUrl(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        if is_unavailable(&error) {
            StoreError::Unavailable(error)
        } else {
            StoreError::Backend(error)
        }
    }
}

/// Whether an error means the database cannot serve now (so the caller answers 503 and may
/// retry): no connection, or the server said so — SQLSTATE class 08 (connection exception),
/// 57P (shutting down, crashed, starting up: a restart closes every session with 57P01) and
/// 53 (insufficient resources, e.g. too many connections).
fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(e) => e
            .code()
            .is_some_and(|c| c.starts_with("08") || c.starts_with("57P") || c.starts_with("53")),
        _ => false,
    }
}

#[cfg(test)]
mod unavailable_tests {
    use std::borrow::Cow;

    /// A server error with a SQLSTATE, as PostgreSQL sends it.
    #[derive(Debug)]
    struct ServerSaid(&'static str);

    impl std::fmt::Display for ServerSaid {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "server error {}", self.0)
        }
    }

    impl std::error::Error for ServerSaid {}

    impl sqlx::error::DatabaseError for ServerSaid {
        fn message(&self) -> &str {
            "terminating connection due to administrator command"
        }
        fn code(&self) -> Option<Cow<'_, str>> {
            Some(Cow::Borrowed(self.0))
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> sqlx::error::ErrorKind {
            sqlx::error::ErrorKind::Other
        }
    }

    fn from(code: &'static str) -> crate::StoreError {
        crate::StoreError::from(sqlx::Error::Database(Box::new(ServerSaid(code))))
    }

    #[test]
    fn a_restarting_server_is_unavailable_not_an_internal_error() {
        // 57P01: what every session gets when PostgreSQL is restarted (issue 21, Low).
        for code in ["57P01", "57P02", "57P03", "08006", "53300"] {
            assert!(
                matches!(from(code), crate::StoreError::Unavailable(_)),
                "{code}"
            );
        }
        for code in ["23505", "42P01"] {
            assert!(
                matches!(from(code), crate::StoreError::Backend(_)),
                "{code}"
            );
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Who runs an import, and on what.
#[derive(Debug, Clone)]
pub struct ImportMeta {
    pub kind: &'static str,
    pub file_name: String,
    pub operator: String,
    pub started_at: OffsetDateTime,
    /// The date the file's data is as of (its extract date), when the operator gives it.
    pub covers: Option<time::Date>,
}

/// A row that cannot be stored together with the rest of its file or the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub line: u64,
    pub column: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// How an import session ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// Merge and commit; `rejected` rows are recorded with the import.
    Commit { rejected: u64 },
    /// Merge to count, then roll back: nothing is stored.
    DryRun,
}

/// A file being imported. Rows are staged outside the stored tables, checked as a set, then
/// merged in one transaction by [`ImportSession::finish`]. Dropping a session without
/// finishing it stores nothing.
#[async_trait]
pub trait ImportSession: Send {
    async fn stage(&mut self, rows: &[StagedRow]) -> Result<()>;
    /// Duplicate keys and overlapping periods within the file and against stored periods
    /// (at most `limit`, ordered by line).
    async fn conflicts(&mut self, limit: u64) -> Result<Vec<Conflict>>;
    /// Removes staged rows (for `--skip-invalid`).
    async fn unstage(&mut self, lines: &[u64]) -> Result<()>;
    /// Inserts new keys, updates changed rows (keeping the previous version), leaves unchanged
    /// rows alone — atomically. If another import changed the store since [`conflicts`] was
    /// called, the store check is repeated inside the transaction and a new overlap fails
    /// with `StoreError::Conflict`.
    ///
    /// [`conflicts`]: ImportSession::conflicts
    async fn finish(self: Box<Self>, how: Finish) -> Result<ImportCounts>;
}

/// A previous version of a qualification row, with the import that replaced it.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub qualification: Qualification,
    pub replaced_at: OffsetDateTime,
    pub replaced_by_file: String,
    pub replaced_by_operator: String,
}

/// A 利用者証明用電子証明書 in the emulated J-LIS register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JpkiCert {
    pub serial: String,
    pub card_id: String,
    /// Keyed hash of the holder's 個人番号 (the same hash qualification loads carry).
    pub my_number_hash: Vec<u8>,
    pub fingerprint: Vec<u8>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub issued_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

/// A 一括照会 job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchJob {
    pub id: String,
    pub facility_code: String,
    pub terminal_name: String,
    pub cert_serial: String,
    pub created_at: OffsetDateTime,
    /// `queued` or `done`.
    pub status: String,
    /// JSON: the normalized items.
    pub request: String,
    /// JSON: the results in input order, once done.
    pub result: Option<String>,
    pub finished_at: Option<OffsetDateTime>,
}

/// A consent given at a facility's card reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub my_number_hash: Vec<u8>,
    pub facility_code: String,
    /// `drugs` or `checkups`.
    pub kind: String,
    pub given_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// A client certificate issued to a facility terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalCert {
    pub serial: String,
    pub facility_code: String,
    pub terminal_name: String,
    pub fingerprint: Vec<u8>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub issued_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

/// One access to eligibility data. `person_hash` is a keyed hash of the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessLogEntry {
    pub at: OffsetDateTime,
    pub facility_code: String,
    pub terminal_name: String,
    pub cert_serial: String,
    pub kind: String,
    pub status: String,
    pub person_hash: Vec<u8>,
}

/// The requests among which an Idempotency-Key is unique: one terminal's, to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyScope {
    pub facility_code: String,
    pub terminal_name: String,
    pub endpoint: String,
}

/// An answer kept for replays: the digest of the request it answered, the answer as sent,
/// and what its request wrote to the access log (`logged`, the caller's own encoding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    pub request_digest: String,
    pub status: u16,
    pub body: String,
    pub logged: String,
    /// Whole seconds (the stored precision).
    pub created_at: OffsetDateTime,
}

/// The per-request view of a registered terminal certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertStatus {
    pub fingerprint: Vec<u8>,
    pub revoked: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeOutcome {
    Revoked,
    AlreadyRevoked,
}

/// What [`Store::maintain_access_log`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogMaintenance {
    pub partitions_created: u32,
    pub partitions_dropped: u32,
    /// Entries deleted one by one (SQLite, or PostgreSQL's default partition).
    pub entries_deleted: u64,
}

/// Everything stored: the eligibility core here, the portal's records in [`PortalStore`].
#[async_trait]
pub trait Store:
    PortalStore
    + SupportStore
    + HelpStore
    + InsurerStore
    + LinkageStore
    + IdentityStore
    + ChallengeStore
    + ClusterStore
    + Send
    + Sync
{
    /// Which backend ("sqlite" or "postgres").
    fn backend(&self) -> &'static str;
    async fn ping(&self) -> Result<()>;

    /// All periods stored under these card numbers (uses the key index).
    async fn find_by_card(&self, card: &CardNumbers) -> Result<Vec<Qualification>>;
    /// All qualifications of the person(s) holding these card numbers: the same person_ref at
    /// the insurer, or the same 個人番号 hash at any insurer.
    async fn find_related(&self, card: &CardNumbers) -> Result<Vec<Qualification>>;
    /// Every branch's periods under the card's 保険者番号・記号・番号 (the card's branch is ignored).
    async fn find_by_card_any_branch(&self, card: &CardNumbers) -> Result<Vec<Qualification>>;
    /// Previous versions of the row with this key, oldest first.
    async fn history(
        &self,
        card: &CardNumbers,
        qualified_from: time::Date,
    ) -> Result<Vec<HistoryEntry>>;
    async fn count_qualifications(&self) -> Result<u64>;

    async fn begin_import(&self, meta: ImportMeta) -> Result<Box<dyn ImportSession>>;

    async fn insert_terminal_cert(&self, cert: &TerminalCert) -> Result<()>;
    async fn terminal_cert(&self, serial: &str) -> Result<Option<TerminalCert>>;
    /// What the API checks on every request: the registered fingerprint and whether the
    /// certificate is revoked (lookup path; kept narrow so it stays one index probe).
    async fn terminal_cert_status(&self, serial: &str) -> Result<Option<CertStatus>>;
    async fn revoke_terminal_cert(&self, serial: &str, at: OffsetDateTime)
    -> Result<RevokeOutcome>;
    async fn terminal_certs(&self) -> Result<Vec<TerminalCert>>;

    async fn append_access_log(&self, entries: &[AccessLogEntry]) -> Result<()>;
    /// The access log's retention and upkeep: entries dated before `keep_from` (00:00 UTC,
    /// the first of a month) are removed — on PostgreSQL by dropping whole monthly partitions
    /// (and deleting such entries from the default partition), on SQLite by deleting rows —
    /// and, on PostgreSQL, the partitions of `now`'s month and the next three are created
    /// when missing. Safe to run from several nodes at once.
    async fn maintain_access_log(
        &self,
        now: OffsetDateTime,
        keep_from: time::Date,
    ) -> Result<LogMaintenance>;
    /// The newest entries first, at most `limit`.
    async fn recent_access_log(&self, limit: u32) -> Result<Vec<AccessLogEntry>>;
    /// The newest `limit` accesses to any of these persons (keyed hashes), newest first.
    async fn access_log_for_persons(
        &self,
        person_hashes: &[Vec<u8>],
        limit: u32,
    ) -> Result<Vec<AccessLogEntry>>;

    /// Every qualification period carrying this 個人番号 hash (any insurer).
    async fn find_by_person_hash(&self, my_number_hash: &[u8]) -> Result<Vec<Qualification>>;
    async fn insert_jpki_cert(&self, cert: &JpkiCert) -> Result<()>;
    async fn jpki_cert(&self, serial: &str) -> Result<Option<JpkiCert>>;
    /// Certificates issued to one card, oldest first.
    async fn jpki_certs_for_card(&self, card_id: &str) -> Result<Vec<JpkiCert>>;
    /// `Ok(true)` when newly revoked, `Ok(false)` when it already was, `NotFound` otherwise.
    async fn revoke_jpki_cert(&self, serial: &str, at: OffsetDateTime) -> Result<bool>;
    /// Revoked card certificates (serial, time), for the JPKI CRL.
    async fn revoked_jpki_certs(&self) -> Result<Vec<(String, OffsetDateTime)>>;
    /// When the holder did 初回登録, if they did.
    async fn card_registration(&self, my_number_hash: &[u8]) -> Result<Option<OffsetDateTime>>;
    /// Records 初回登録 (a second registration keeps the first).
    async fn register_card(
        &self,
        my_number_hash: &[u8],
        facility_code: &str,
        at: OffsetDateTime,
    ) -> Result<()>;
    async fn record_consent(&self, consent: &Consent) -> Result<()>;
    /// A person's consents, newest first.
    async fn consents(&self, my_number_hash: &[u8]) -> Result<Vec<Consent>>;
    /// Ends this facility's live consents of a person at `at` (an inpatient's discharge);
    /// returns how many ended.
    async fn end_consents(
        &self,
        my_number_hash: &[u8],
        facility_code: &str,
        at: OffsetDateTime,
    ) -> Result<u64>;

    /// The answer stored for this Idempotency-Key in this scope, if it was stored at or after
    /// `not_before` (an older one has expired, whether or not it was deleted yet).
    async fn idempotent_response(
        &self,
        scope: &IdempotencyScope,
        key: &str,
        not_before: OffsetDateTime,
    ) -> Result<Option<StoredAnswer>>;
    /// Stores an answer: the first one stored wins, unless it was stored before
    /// `expired_before` (then this one replaces it).
    async fn save_idempotent_response(
        &self,
        scope: &IdempotencyScope,
        key: &str,
        answer: &StoredAnswer,
        expired_before: OffsetDateTime,
    ) -> Result<()>;
    /// Deletes the answers stored before `before`; how many.
    async fn expire_idempotent_responses(&self, before: OffsetDateTime) -> Result<u64>;
    async fn insert_batch(&self, job: &BatchJob) -> Result<()>;
    async fn batch(&self, id: &str) -> Result<Option<BatchJob>>;
    async fn finish_batch(&self, id: &str, result: &str, at: OffsetDateTime) -> Result<()>;

    /// Starts an import of 薬剤情報 or 特定健診情報.
    async fn begin_record_import(
        &self,
        meta: ImportMeta,
        kind: RecordKind,
    ) -> Result<Box<dyn RecordImport>>;
    /// A person's records of one kind on or after `since`, newest first, under every insurer
    /// where the person's qualifications carry this 個人番号 hash.
    async fn person_records(
        &self,
        kind: RecordKind,
        my_number_hash: &[u8],
        since: time::Date,
    ) -> Result<Vec<StoredRecord>>;
    /// The 個人番号 hash behind card numbers and a birth date, if the insurer loaded one.
    async fn person_hash_for_card(
        &self,
        card: &CardNumbers,
        birth_date: time::Date,
    ) -> Result<Option<Vec<u8>>>;
}

/// Opens a store from a URL (`sqlite:PATH` or `postgres://…`) and applies migrations.
/// Opens the store at `url`; on PostgreSQL, `standby` (a hot standby's URL and the most lag
/// allowed) serves reads of card numbers while it keeps up.
pub async fn open_with_standby(
    url: &str,
    standby: Option<(&str, std::time::Duration)>,
) -> Result<Arc<dyn Store>> {
    match standby {
        None => open(url).await,
        Some(_) if url.starts_with("sqlite:") => Err(StoreError::UnsupportedUrl(format!(
            "{url} with a standby (a standby needs postgres://…)"
        ))),
        Some(standby) => Ok(Arc::new(
            postgres::PgStore::open_with_standby(url, Some(standby)).await?,
        )),
    }
}

pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::open(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PgStore::open(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(url.to_string()))
    }
}
