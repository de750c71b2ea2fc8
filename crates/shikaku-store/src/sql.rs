//! SQL text shared by both backends. Only placeholders differ (`?N` in SQLite, `$N` in
//! PostgreSQL); date columns compare as ISO text in SQLite and as DATE in PostgreSQL, and
//! the untyped literal '9999-12-31' works in both as "open-ended".

use std::sync::Arc;

use sqlx::AssertSqlSafe;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

/// A statement prepared once per store; cloning is an Arc bump.
#[derive(Clone)]
pub(crate) struct Sql(pub(crate) Arc<str>);

impl Sql {
    pub(crate) fn q(&self) -> AssertSqlSafe<Arc<str>> {
        AssertSqlSafe(self.0.clone())
    }

    /// The statement text (for the rusqlite read path).
    pub(crate) fn text(&self) -> &str {
        &self.0
    }
}

const CARD_KEY: &str = "{a}.insurer_number = {b}.insurer_number AND {a}.symbol = {b}.symbol \
     AND {a}.number = {b}.number AND {a}.branch = {b}.branch";

fn card_join(a: &str, b: &str) -> String {
    CARD_KEY.replace("{a}", a).replace("{b}", b)
}

fn key_join(a: &str, b: &str) -> String {
    format!(
        "{} AND {a}.qualified_from = {b}.qualified_from",
        card_join(a, b)
    )
}

/// The SQLite access log's person index starts with `id >> ACCESS_LOG_BUCKET_SHIFT`: entries
/// are indexed into the bucket of the newest 1,048,576 ids only, so the part of the index that
/// takes new entries stays small (and in the page cache) however long the log grows; a
/// person's entries are found with one index search per bucket.
pub(crate) const ACCESS_LOG_BUCKET_SHIFT: u32 = 20;

/// Columns written to `qualifications` from staging (same order in both tables).
pub(crate) const DATA_COLUMNS: &str = "insurer_number, symbol, number, branch, qualified_from, qualified_until, \
     person_ref, insured_category, name, name_kana, sex, birth_date, copay_ratio, limit_category, specific_disease, \
     my_number_hash, row_hash";

pub(crate) struct Queries {
    pub find_by_card: Sql,
    pub find_related: Sql,
    pub history: Sql,
    pub conflicts_in_file: Sql,
    pub overlaps_in_store: Sql,
    pub unstage: Sql,
    pub insert_import: Sql,
    pub finish_import: Sql,
    /// Every insurer of the staged rows: loaded now, by this import.
    pub record_insurer_data: Sql,
    pub save_history: Sql,
    pub update_changed: Sql,
    pub insert_new: Sql,
    /// `insert_new` for an empty table (the first load): every staged row is new, so there is
    /// no key to look up, and SQLite need not first copy the whole selection aside because the
    /// statement reads the table it writes (1M rows: 2.5–2.7 s against 3.6 s in the sqlite3
    /// shell, bench/RESULTS.md).
    pub insert_all: Sql,
    pub insert_cert: Sql,
    pub get_cert: Sql,
    pub cert_status: Sql,
    pub revoke_cert: Sql,
    pub recent_access: Sql,
    pub person_access: Sql,
    pub find_by_person: Sql,
    pub find_any_branch: Sql,
    pub get_idempotent: Sql,
    pub save_idempotent: Sql,
    pub expire_idempotent: Sql,
    pub insert_batch: Sql,
    pub get_batch: Sql,
    pub finish_batch: Sql,
    pub insert_jpki: Sql,
    pub get_jpki: Sql,
    pub jpki_for_card: Sql,
    pub revoke_jpki: Sql,
    pub insert_registration: Sql,
    pub insert_consent: Sql,
    pub get_registration: Sql,
    pub list_consents: Sql,
    pub end_consents: Sql,
}

pub(crate) const BATCH_COLUMNS: &str = "id, facility_code, terminal_name, cert_serial, created_at, status, request, result, finished_at";

#[derive(sqlx::FromRow)]
pub(crate) struct BatchRow {
    pub id: String,
    pub facility_code: String,
    pub terminal_name: String,
    pub cert_serial: String,
    pub created_at: time::OffsetDateTime,
    pub status: String,
    pub request: String,
    pub result: Option<String>,
    pub finished_at: Option<time::OffsetDateTime>,
}

impl From<BatchRow> for crate::BatchJob {
    fn from(r: BatchRow) -> Self {
        Self {
            id: r.id,
            facility_code: r.facility_code,
            terminal_name: r.terminal_name,
            cert_serial: r.cert_serial,
            created_at: r.created_at,
            status: r.status,
            request: r.request,
            result: r.result,
            finished_at: r.finished_at,
        }
    }
}

pub(crate) const JPKI_COLUMNS: &str =
    "serial, card_id, my_number_hash, fingerprint, not_before, not_after, issued_at, revoked_at";

#[derive(sqlx::FromRow)]
pub(crate) struct JpkiRow {
    pub serial: String,
    pub card_id: String,
    pub my_number_hash: Vec<u8>,
    pub fingerprint: Vec<u8>,
    pub not_before: time::OffsetDateTime,
    pub not_after: time::OffsetDateTime,
    pub issued_at: time::OffsetDateTime,
    pub revoked_at: Option<time::OffsetDateTime>,
}

impl From<JpkiRow> for crate::JpkiCert {
    fn from(r: JpkiRow) -> Self {
        Self {
            serial: r.serial,
            card_id: r.card_id,
            my_number_hash: r.my_number_hash,
            fingerprint: r.fingerprint,
            not_before: r.not_before,
            not_after: r.not_after,
            issued_at: r.issued_at,
            revoked_at: r.revoked_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ConsentRow {
    pub my_number_hash: Vec<u8>,
    pub facility_code: String,
    pub kind: String,
    pub given_at: time::OffsetDateTime,
    pub expires_at: time::OffsetDateTime,
}

impl From<ConsentRow> for crate::Consent {
    fn from(r: ConsentRow) -> Self {
        Self {
            my_number_hash: r.my_number_hash,
            facility_code: r.facility_code,
            kind: r.kind,
            given_at: r.given_at,
            expires_at: r.expires_at,
        }
    }
}

impl Queries {
    pub(crate) fn new(dialect: Dialect) -> Self {
        let p = |n: u32| match dialect {
            Dialect::Sqlite => format!("?{n}"),
            Dialect::Postgres => format!("${n}"),
        };
        let cols = crate::model::QUALIFICATION_COLUMNS;
        let qcols = cols
            .split(", ")
            .map(|c| format!("q.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let scols = DATA_COLUMNS
            .split(", ")
            .map(|c| format!("s.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let insert_staged = format!(
            "INSERT INTO qualifications ({DATA_COLUMNS}, import_id, updated_at) \
             SELECT {scols}, {}, {} FROM import_staging s",
            p(1),
            p(2)
        );
        // SQLite inserts into its key index far faster in key order (7.2 s against 11.1 s for
        // 1M rows); PostgreSQL was faster without the sort (3.5 s against 5.1 s).
        let in_key_order = match dialect {
            Dialect::Sqlite => {
                " ORDER BY s.insurer_number, s.symbol, s.number, s.branch, s.qualified_from"
            }
            Dialect::Postgres => "",
        };
        let set_cols = DATA_COLUMNS
            .split(", ")
            .map(|c| format!("{c} = s.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let card_where = format!(
            "insurer_number = {} AND symbol = {} AND number = {} AND branch = {}",
            p(1),
            p(2),
            p(3),
            p(4)
        );
        let sql = |s: String| Sql(Arc::from(s));
        Self {
            find_by_card: sql(format!(
                "SELECT {cols} FROM qualifications WHERE {card_where}"
            )),
            // Index-friendly: the person_ref branch uses qualifications_person, the 個人番号 branch
            // qualifications_my_number.
            find_related: sql(format!(
                "SELECT {qcols} FROM qualifications q \
                 WHERE (q.insurer_number, q.person_ref) IN \
                   (SELECT insurer_number, person_ref FROM qualifications WHERE {card_where}) \
                 UNION \
                 SELECT {qcols} FROM qualifications q \
                 WHERE q.my_number_hash IN \
                   (SELECT my_number_hash FROM qualifications WHERE {card_where} AND my_number_hash IS NOT NULL)"
            )),
            history: sql(format!(
                "SELECT {hcols}, h.replaced_at, i.file_name, i.operator FROM qualification_history h \
                 JOIN imports i ON i.id = h.replaced_by \
                 WHERE h.insurer_number = {} AND h.symbol = {} AND h.number = {} AND h.branch = {} \
                   AND h.qualified_from = {} ORDER BY h.id",
                p(1),
                p(2),
                p(3),
                p(4),
                p(5),
                hcols = cols
                    .split(", ")
                    .map(|c| format!("h.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            // One self-join finds both kinds of conflict within the file: the same key as an
            // earlier line (duplicate), or a period that starts inside another period of the
            // same card numbers (overlap, reported on the later start).
            conflicts_in_file: sql(format!(
                "SELECT a.line, MIN(CASE WHEN a.qualified_from = b.qualified_from THEN b.line END) AS duplicate_of, \
                   MIN(b.line) AS other FROM import_staging a {staging} JOIN import_staging b {staging} ON {} \
                 WHERE (a.qualified_from = b.qualified_from AND b.line < a.line) \
                    OR (a.qualified_from > b.qualified_from AND a.qualified_from < COALESCE(b.qualified_until, '9999-12-31')) \
                 GROUP BY a.line ORDER BY a.line LIMIT {}",
                card_join("a", "b"),
                p(1),
                // SQLite: both sides walk the covering index in card order, so each probe lands
                // next to the last (1M rows: 4.0 s in rowid order, see bench/RESULTS.md).
                staging = match dialect {
                    Dialect::Sqlite => "INDEXED BY import_staging_key",
                    Dialect::Postgres => "",
                }
            )),
            overlaps_in_store: sql(format!(
                "SELECT s.line, MIN(q.qualified_from) AS other_from FROM import_staging s JOIN qualifications q \
                 ON {} AND q.qualified_from <> s.qualified_from \
                 WHERE s.qualified_from < COALESCE(q.qualified_until, '9999-12-31') \
                   AND q.qualified_from < COALESCE(s.qualified_until, '9999-12-31') \
                   AND NOT EXISTS (SELECT 1 FROM import_staging s2 WHERE {}) \
                 GROUP BY s.line ORDER BY s.line LIMIT {}",
                card_join("q", "s"),
                key_join("s2", "q"),
                p(1)
            )),
            unstage: sql(format!("DELETE FROM import_staging WHERE line = {}", p(1))),
            insert_import: sql(format!(
                "INSERT INTO imports (kind, file_name, operator, started_at) VALUES ({}, {}, {}, {}) RETURNING id",
                p(1),
                p(2),
                p(3),
                p(4)
            )),
            record_insurer_data: sql(format!(
                "INSERT INTO insurer_data (insurer_number, loaded_at, import_id, covers_on) \
                 SELECT DISTINCT insurer_number, {}, {}, {} FROM import_staging WHERE true \
                 ON CONFLICT (insurer_number) DO UPDATE SET loaded_at = excluded.loaded_at, \
                 import_id = excluded.import_id, covers_on = excluded.covers_on",
                p(1),
                p(2),
                p(3)
            )),
            finish_import: sql(format!(
                "UPDATE imports SET finished_at = {}, inserted = {}, updated = {}, unchanged = {}, rejected = {} \
                 WHERE id = {}",
                p(1),
                p(2),
                p(3),
                p(4),
                p(5),
                p(6)
            )),
            save_history: sql(format!(
                "INSERT INTO qualification_history (qualification_id, replaced_by, replaced_at, {cols}, my_number_hash, \
                   import_id, updated_at) \
                 SELECT q.id, {}, {}, {qcols}, q.my_number_hash, q.import_id, q.updated_at \
                 FROM qualifications q JOIN import_staging s ON {} WHERE q.row_hash <> s.row_hash",
                p(1),
                p(2),
                key_join("q", "s")
            )),
            update_changed: sql(format!(
                "UPDATE qualifications SET {set_cols}, import_id = {}, updated_at = {} FROM import_staging s \
                 WHERE {} AND qualifications.row_hash <> s.row_hash",
                p(1),
                p(2),
                key_join("qualifications", "s")
            )),
            insert_new: sql(format!(
                "{insert_staged} WHERE NOT EXISTS (SELECT 1 FROM qualifications q WHERE {}){in_key_order}",
                key_join("q", "s"),
            )),
            insert_all: sql(format!("{insert_staged}{in_key_order}")),
            insert_cert: sql(format!(
                "INSERT INTO terminal_certs (serial, facility_code, terminal_name, fingerprint, not_before, not_after, \
                   issued_at, revoked_at) VALUES ({}, {}, {}, {}, {}, {}, {}, {})",
                p(1),
                p(2),
                p(3),
                p(4),
                p(5),
                p(6),
                p(7),
                p(8)
            )),
            get_cert: sql(format!(
                "SELECT serial, facility_code, terminal_name, fingerprint, not_before, not_after, issued_at, revoked_at \
                 FROM terminal_certs WHERE serial = {}",
                p(1)
            )),
            cert_status: sql(format!(
                "SELECT fingerprint, revoked_at IS NOT NULL AS revoked FROM terminal_certs WHERE serial = {}",
                p(1)
            )),
            revoke_cert: sql(format!(
                "UPDATE terminal_certs SET revoked_at = {} WHERE serial = {} AND revoked_at IS NULL",
                p(1),
                p(2)
            )),
            recent_access: sql(format!(
                "SELECT at, facility_code, terminal_name, cert_serial, kind, status, person_hash \
                 FROM access_log ORDER BY id DESC LIMIT {}",
                p(1)
            )),
            person_access: sql(match dialect {
                // The SQLite log's person index is split into buckets of consecutive ids
                // (ACCESS_LOG_BUCKET_SHIFT): every bucket, newest first, is one index search.
                Dialect::Sqlite => format!(
                    "WITH RECURSIVE bucket(n) AS ( \
                       SELECT (SELECT IFNULL(MAX(id), 0) FROM access_log) >> {shift} \
                       UNION ALL SELECT n - 1 FROM bucket WHERE n > 0) \
                     SELECT a.at, a.facility_code, a.terminal_name, a.cert_serial, a.kind, a.status, \
                       a.person_hash \
                     FROM bucket CROSS JOIN access_log a \
                     WHERE (a.id >> {shift}) = bucket.n AND substr(a.person_hash, 1, 8) = substr(?1, 1, 8) \
                       AND a.person_hash = ?1 \
                     ORDER BY a.id DESC LIMIT ?2",
                    shift = ACCESS_LOG_BUCKET_SHIFT
                ),
                Dialect::Postgres => {
                    "SELECT at, facility_code, terminal_name, cert_serial, kind, status, \
                     person_hash FROM access_log WHERE person_hash = $1 ORDER BY id DESC LIMIT $2"
                        .to_string()
                }
            }),
            get_idempotent: sql(format!(
                "SELECT request_digest, status, body, logged, created_at FROM idempotent_responses \
                 WHERE facility_code = {} AND terminal_name = {} AND endpoint = {} AND key = {} \
                 AND created_at >= {}",
                p(1),
                p(2),
                p(3),
                p(4),
                p(5)
            )),
            save_idempotent: sql(format!(
                "INSERT INTO idempotent_responses (facility_code, terminal_name, endpoint, key, \
                 request_digest, status, body, logged, created_at) \
                 VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}) \
                 ON CONFLICT (facility_code, terminal_name, endpoint, key) DO UPDATE SET \
                 request_digest = excluded.request_digest, status = excluded.status, \
                 body = excluded.body, logged = excluded.logged, created_at = excluded.created_at \
                 WHERE idempotent_responses.created_at < {}",
                p(1),
                p(2),
                p(3),
                p(4),
                p(5),
                p(6),
                p(7),
                p(8),
                p(9),
                p(10)
            )),
            expire_idempotent: sql(format!(
                "DELETE FROM idempotent_responses WHERE created_at < {}",
                p(1)
            )),
            insert_batch: sql(format!(
                "INSERT INTO batch_jobs ({BATCH_COLUMNS}) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {})",
                p(1),
                p(2),
                p(3),
                p(4),
                p(5),
                p(6),
                p(7),
                p(8),
                p(9)
            )),
            get_batch: sql(format!(
                "SELECT {BATCH_COLUMNS} FROM batch_jobs WHERE id = {}",
                p(1)
            )),
            finish_batch: sql(format!(
                "UPDATE batch_jobs SET status = 'done', result = {}, finished_at = {} WHERE id = {}",
                p(1),
                p(2),
                p(3)
            )),
            find_any_branch: sql(format!(
                "SELECT {cols} FROM qualifications WHERE insurer_number = {} AND symbol = {} AND number = {}",
                p(1),
                p(2),
                p(3)
            )),
            find_by_person: sql(format!(
                "SELECT {cols} FROM qualifications WHERE my_number_hash = {}",
                p(1)
            )),
            insert_jpki: sql(format!(
                "INSERT INTO jpki_certs ({JPKI_COLUMNS}) VALUES ({}, {}, {}, {}, {}, {}, {}, {})",
                p(1),
                p(2),
                p(3),
                p(4),
                p(5),
                p(6),
                p(7),
                p(8)
            )),
            get_jpki: sql(format!(
                "SELECT {JPKI_COLUMNS} FROM jpki_certs WHERE serial = {}",
                p(1)
            )),
            jpki_for_card: sql(format!(
                "SELECT {JPKI_COLUMNS} FROM jpki_certs WHERE card_id = {} ORDER BY issued_at",
                p(1)
            )),
            revoke_jpki: sql(format!(
                "UPDATE jpki_certs SET revoked_at = {} WHERE serial = {} AND revoked_at IS NULL",
                p(1),
                p(2)
            )),
            insert_registration: sql(format!(
                "INSERT INTO card_registrations (my_number_hash, facility_code, registered_at)                  VALUES ({}, {}, {}) ON CONFLICT (my_number_hash) DO NOTHING",
                p(1),
                p(2),
                p(3)
            )),
            get_registration: sql(format!(
                "SELECT registered_at FROM card_registrations WHERE my_number_hash = {}",
                p(1)
            )),
            list_consents: sql(format!(
                "SELECT my_number_hash, facility_code, kind, given_at, expires_at FROM consents \
                 WHERE my_number_hash = {} ORDER BY given_at DESC, id DESC",
                p(1)
            )),
            end_consents: sql(format!(
                "UPDATE consents SET expires_at = {} WHERE my_number_hash = {} AND facility_code = {} \
                 AND expires_at > {}",
                p(1),
                p(2),
                p(3),
                p(1)
            )),
            insert_consent: sql(format!(
                "INSERT INTO consents (my_number_hash, facility_code, kind, given_at, expires_at)                  VALUES ({}, {}, {}, {}, {})",
                p(1),
                p(2),
                p(3),
                p(4),
                p(5)
            )),
        }
    }
}

/// A line of the file in conflict with others of the same card numbers.
#[derive(sqlx::FromRow)]
pub(crate) struct FileConflict {
    pub line: i64,
    /// The first earlier line with the same key, if any.
    pub duplicate_of: Option<i64>,
    /// The first line it conflicts with.
    pub other: i64,
}

#[derive(sqlx::FromRow)]
pub(crate) struct StoreOverlap {
    pub line: i64,
    pub other_from: time::Date,
}

#[derive(sqlx::FromRow)]
pub(crate) struct CertRow {
    pub serial: String,
    pub facility_code: String,
    pub terminal_name: String,
    pub fingerprint: Vec<u8>,
    pub not_before: time::OffsetDateTime,
    pub not_after: time::OffsetDateTime,
    pub issued_at: time::OffsetDateTime,
    pub revoked_at: Option<time::OffsetDateTime>,
}

impl From<CertRow> for crate::TerminalCert {
    fn from(r: CertRow) -> Self {
        Self {
            serial: r.serial,
            facility_code: r.facility_code,
            terminal_name: r.terminal_name,
            fingerprint: r.fingerprint,
            not_before: r.not_before,
            not_after: r.not_after,
            issued_at: r.issued_at,
            revoked_at: r.revoked_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AccessRow {
    pub at: time::OffsetDateTime,
    pub facility_code: String,
    pub terminal_name: String,
    pub cert_serial: String,
    pub kind: String,
    pub status: String,
    pub person_hash: Vec<u8>,
}

impl From<AccessRow> for crate::AccessLogEntry {
    fn from(r: AccessRow) -> Self {
        Self {
            at: r.at,
            facility_code: r.facility_code,
            terminal_name: r.terminal_name,
            cert_serial: r.cert_serial,
            kind: r.kind,
            status: r.status,
            person_hash: r.person_hash,
        }
    }
}

/// Turns a conflict found within the file into its message.
pub(crate) fn file_conflict(c: &FileConflict) -> crate::Conflict {
    let message = match c.duplicate_of {
        Some(first) => format!(
            "同じキー（保険者番号・記号・番号・枝番・資格取得年月日）が{first}行目にもあります (duplicate key: same card numbers and qualified_from as line {first})"
        ),
        None => format!(
            "{other}行目の資格期間と重なっています (period overlaps the period of the same card numbers on line {other})",
            other = c.other
        ),
    };
    crate::Conflict {
        line: c.line as u64,
        column: "qualified_from",
        message,
    }
}

pub(crate) fn store_overlap_conflict(o: &StoreOverlap) -> crate::Conflict {
    crate::Conflict {
        line: o.line as u64,
        column: "qualified_from",
        message: format!(
            "登録済みの資格期間（資格取得年月日 {}）と重なっています (period overlaps the stored period starting {})",
            o.other_from, o.other_from
        ),
    }
}

/// Merges three ordered conflict lists into one ordered by line, capped at `limit`.
pub(crate) fn merge_conflicts(mut all: Vec<crate::Conflict>, limit: u64) -> Vec<crate::Conflict> {
    all.sort_by_key(|c| c.line);
    all.truncate(limit as usize);
    all
}
