//! The store contract suite, run against SQLite always and PostgreSQL when configured
//! (required under CI=true).

use shikaku_store::testing::{TempPg, TempSqlite, contract_suite};

#[tokio::test]
async fn sqlite_passes_the_contract() {
    let db = TempSqlite::new();
    let store = shikaku_store::open(&db.url).await.expect("open sqlite");
    assert_eq!(store.backend(), "sqlite");
    contract_suite(store).await;
}

#[tokio::test]
async fn postgres_passes_the_contract() {
    let Some(db) = TempPg::new().await else {
        eprintln!("PostgreSQL contract skipped: set SHIKAKU_TEST_PG (required when CI=true)");
        return;
    };
    let store = shikaku_store::open(&db.url).await.expect("open postgres");
    assert_eq!(store.backend(), "postgres");
    contract_suite(store).await;
}

#[tokio::test]
async fn reopening_sqlite_keeps_data_and_migrations_are_idempotent() {
    let db = TempSqlite::new();
    let row = shikaku_store::testing::qualification(
        "7001",
        "00",
        time::macros::date!(2020 - 04 - 01),
        None,
    );
    {
        let store = shikaku_store::open(&db.url).await.expect("open");
        shikaku_store::testing::import(store.as_ref(), std::slice::from_ref(&row)).await;
    }
    let store = shikaku_store::open(&db.url).await.expect("reopen");
    assert_eq!(
        store.find_by_card(&row.card).await.expect("find"),
        vec![row]
    );
}

#[tokio::test]
async fn unsupported_urls_are_refused_clearly() {
    let Err(error) = shikaku_store::open("mysql://localhost/x").await else {
        panic!("refused")
    };
    assert!(
        error.to_string().contains("sqlite:PATH or postgres://"),
        "{error}"
    );
}

/// Stores from before the access log had its own file: migration 0007 renames the table and
/// opening moves its rows; a move interrupted after the copy (the old table still there, some
/// rows already copied) completes without duplicates.
#[tokio::test]
async fn the_access_log_moves_to_its_own_file_once() {
    let db = TempSqlite::new();
    let path = db.dir.path().join("shikaku.db");
    log_two_entries_and_close(&db).await;
    let log = shikaku_store::sqlite::access_log_path(path.to_str().expect("utf-8"));
    assert!(log.ends_with("shikaku.access-log.db"), "{log}");
    assert!(std::path::Path::new(&log).exists());
    // An old layout as left by an interrupted move: rows 2 (copied already) and 3 (not yet).
    {
        let conn = rusqlite::Connection::open(&path).expect("open main");
        conn.execute_batch(
            "CREATE TABLE access_log_moved (id INTEGER PRIMARY KEY, at TEXT NOT NULL,
               facility_code TEXT NOT NULL, terminal_name TEXT NOT NULL, cert_serial TEXT NOT NULL,
               kind TEXT NOT NULL, status TEXT NOT NULL, person_hash BLOB NOT NULL);
             INSERT INTO access_log_moved SELECT * FROM (SELECT 2, '2023-11-14T22:13:22Z',
               '1311234566', 't1', '01', 'eligibility', 'valid', zeroblob(32));
             INSERT INTO access_log_moved VALUES (3, '2023-11-14T22:13:23Z', '1311234566', 't1',
               '01', 'eligibility', 'lost', x'03');",
        )
        .expect("old layout");
    }
    let store = shikaku_store::open(&db.url).await.expect("reopen");
    let rows = store.recent_access_log(10).await.expect("log");
    let statuses: Vec<&str> = rows.iter().map(|e| e.status.as_str()).collect();
    assert_eq!(
        statuses,
        ["lost", "valid", "valid"],
        "rows 3, 2, 1 once each"
    );
    let conn = rusqlite::Connection::open(&path).expect("open main");
    let left: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'access_log_moved'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(left, 0, "the old table is gone once copied");
    drop(store);
    let again = shikaku_store::open(&db.url).await.expect("third open");
    assert_eq!(again.recent_access_log(10).await.expect("log").len(), 3);
}

/// Opens the store, logs entries 1 and 2 and closes it; reading the log indexed the journal,
/// so both rows are in the log's table.
async fn log_two_entries_and_close(db: &TempSqlite) {
    let store = shikaku_store::open(&db.url).await.expect("open");
    store
        .append_access_log(&[logged(1), logged(2)])
        .await
        .expect("append");
    assert_eq!(store.recent_access_log(10).await.expect("log").len(), 2);
}

fn logged(n: u32) -> shikaku_store::AccessLogEntry {
    shikaku_store::AccessLogEntry {
        at: time::OffsetDateTime::from_unix_timestamp(1_764_000_000 + i64::from(n)).expect("t"),
        facility_code: "1311234566".into(),
        terminal_name: format!("受付{n}"),
        cert_serial: "0a".into(),
        kind: "card_numbers".into(),
        status: "valid".into(),
        person_hash: n.to_be_bytes().repeat(8),
    }
}

/// A lookup is answered once its entry is in the journal; the table is filled later. Entries
/// a crashed process journaled but never indexed, and a half-written record after them, are
/// found when the store is next opened: the entries indexed once, the torn bytes set aside.
#[tokio::test]
async fn journaled_entries_survive_a_crash_and_a_torn_tail_is_set_aside() {
    use std::io::Write;
    let db = TempSqlite::new();
    let path = db.dir.path().join("shikaku.db");
    let log = shikaku_store::sqlite::access_log_path(path.to_str().expect("utf-8"));
    let journal = shikaku_store::journal::journal_path(&log);
    let journaled = || {
        let bytes = std::fs::read(&journal).expect("journal");
        shikaku_store::journal::decode(&bytes[shikaku_store::journal::HEADER as usize..]).0
    };
    {
        let store = shikaku_store::open(&db.url).await.expect("open");
        store
            .append_access_log(&[logged(1), logged(2)])
            .await
            .expect("append");
        // Answered once durable in the journal, whether or not indexed yet.
        assert_eq!(journaled(), [logged(1), logged(2)]);
    }
    // A process killed after journaling entry 3 (never indexed) and in the middle of entry 4.
    let mut complete = Vec::new();
    shikaku_store::journal::encode(&[logged(3)], &mut complete);
    let mut torn = Vec::new();
    shikaku_store::journal::encode(&[logged(4)], &mut torn);
    torn.truncate(torn.len() - 7);
    std::fs::OpenOptions::new()
        .append(true)
        .open(&journal)
        .expect("journal")
        .write_all(&[complete, torn.clone()].concat())
        .expect("crashed writer");
    let indexed = |log: &str| -> i64 {
        rusqlite::Connection::open(log)
            .expect("log db")
            .query_row("SELECT COUNT(*) FROM access_log", [], |r| r.get(0))
            .expect("count")
    };
    let store = shikaku_store::open(&db.url).await.expect("reopen");
    assert_eq!(indexed(&log), 3, "indexed when opened, each once");
    // Appending after the torn tail sets it aside first; every entry is read once.
    store.append_access_log(&[logged(5)]).await.expect("append");
    let rows = store.recent_access_log(10).await.expect("log");
    let names: Vec<&str> = rows.iter().map(|e| e.terminal_name.as_str()).collect();
    assert_eq!(names, ["受付5", "受付3", "受付2", "受付1"]);
    assert_eq!(rows[0], logged(5));
    let side: Vec<_> = std::fs::read_dir(db.dir.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".journal.torn-"))
        .map(|e| std::fs::read(e.path()).expect("side file"))
        .collect();
    assert_eq!(side, vec![torn]);
    drop(store);
    let again = shikaku_store::open(&db.url).await.expect("third open");
    assert_eq!(again.recent_access_log(10).await.expect("log").len(), 4);
}

/// The log's person index is by bucket of ids: a person's entries far apart in the log (in
/// different buckets) are all found; a log indexed the old way (on the whole hash) is
/// re-indexed when the store opens, and what it held is still found.
#[tokio::test]
async fn a_persons_accesses_are_found_across_buckets_and_an_old_person_index_is_replaced() {
    let db = TempSqlite::new();
    let path = db.dir.path().join("shikaku.db");
    let log = shikaku_store::sqlite::access_log_path(path.to_str().expect("utf-8"));
    log_two_entries_and_close(&db).await;
    let indexes = || -> Vec<String> {
        let conn = rusqlite::Connection::open(&log).expect("log db");
        let mut names = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'access_log' ORDER BY name")
            .expect("prepare");
        names
            .query_map([], |r| r.get(0))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("names")
    };
    assert_eq!(
        indexes(),
        ["access_log_facility_at", "access_log_person_bucket"]
    );
    // The old layout, and an entry of person 1 three buckets later (as after 3 Mi entries).
    rusqlite::Connection::open(&log)
        .expect("log db")
        .execute_batch(
            "DROP INDEX access_log_person_bucket;
             CREATE INDEX access_log_person ON access_log (person_hash);
             INSERT INTO access_log (id, at, facility_code, terminal_name, cert_serial, kind, status, person_hash)
               SELECT 3 << 20, '2025-11-24T17:00:00Z', facility_code, '受付後', cert_serial, kind,
                 status, person_hash FROM access_log WHERE terminal_name = '受付1';",
        )
        .expect("old layout");
    let store = shikaku_store::open(&db.url).await.expect("reopen");
    assert_eq!(
        indexes(),
        ["access_log_facility_at", "access_log_person_bucket"],
        "the whole-hash index is replaced"
    );
    let names = |rows: Vec<shikaku_store::AccessLogEntry>| -> Vec<String> {
        rows.into_iter().map(|e| e.terminal_name).collect()
    };
    let person = logged(1).person_hash;
    let found = store
        .access_log_for_persons(std::slice::from_ref(&person), 10)
        .await
        .expect("by person");
    assert_eq!(names(found), ["受付後", "受付1"]);
    // A new entry goes after the highest id, into bucket 3; all three are found.
    let mut later = logged(1);
    later.at += time::Duration::hours(2);
    later.terminal_name = "受付最新".into();
    store.append_access_log(&[later]).await.expect("append");
    let found = store
        .access_log_for_persons(std::slice::from_ref(&person), 10)
        .await
        .expect("by person");
    assert_eq!(names(found), ["受付最新", "受付後", "受付1"]);
    let other = store
        .access_log_for_persons(&[logged(2).person_hash], 10)
        .await
        .expect("person 2");
    assert_eq!(names(other), ["受付2"]);
}

/// Two processes on one store (a server and a CLI command) append to the same journal; each
/// entry is stored once, whichever indexes it.
#[tokio::test]
async fn two_stores_on_one_file_share_the_journal() {
    let db = TempSqlite::new();
    let a = shikaku_store::open(&db.url).await.expect("a");
    let b = shikaku_store::open(&db.url).await.expect("b");
    let mut tasks = Vec::new();
    for (n, store) in (0..200).map(|n| (n, if n % 2 == 0 { a.clone() } else { b.clone() })) {
        tasks.push(tokio::spawn(async move {
            if let Err(e) = store.append_access_log(&[logged(n)]).await {
                panic!("append {n}: {e:?}")
            }
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    let from_a = a.recent_access_log(500).await.expect("a reads");
    let from_b = b.recent_access_log(500).await.expect("b reads");
    assert_eq!(from_a.len(), 200);
    assert_eq!(from_a, from_b);
    let mut names: Vec<String> = from_a.into_iter().map(|e| e.terminal_name).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 200, "each entry once");
}

/// The SQLite store answers the per-request certificate check from memory while the main
/// database is unchanged; a certificate issued or revoked through another store on the same
/// file (as `shikaku cert issue|revoke` in another process) is seen at the next check.
#[tokio::test]
async fn certificate_changes_by_another_store_are_seen_at_the_next_check() {
    let db = TempSqlite::new();
    let server = shikaku_store::open(&db.url).await.expect("server");
    let cli = shikaku_store::open(&db.url).await.expect("cli");
    let t = |secs: i64| time::OffsetDateTime::from_unix_timestamp(1_700_000_000 + secs).expect("t");
    let cert = shikaku_store::TerminalCert {
        serial: "0a0b0c".into(),
        facility_code: "1311234566".into(),
        terminal_name: "受付1".into(),
        fingerprint: vec![7; 32],
        not_before: t(0),
        not_after: t(86_400),
        issued_at: t(0),
        revoked_at: None,
    };
    let status = |s: std::sync::Arc<dyn shikaku_store::Store>| async move {
        s.terminal_cert_status("0a0b0c").await.expect("status")
    };
    assert_eq!(status(server.clone()).await, None);
    assert_eq!(
        status(server.clone()).await,
        None,
        "asked again, nothing changed"
    );
    cli.insert_terminal_cert(&cert).await.expect("issue");
    let active = shikaku_store::CertStatus {
        fingerprint: vec![7; 32],
        revoked: false,
    };
    assert_eq!(status(server.clone()).await, Some(active.clone()));
    assert_eq!(
        status(server.clone()).await,
        Some(active),
        "asked again, nothing changed"
    );
    cli.revoke_terminal_cert("0a0b0c", t(10))
        .await
        .expect("revoke");
    let revoked = status(server.clone()).await.expect("present");
    assert!(
        revoked.revoked,
        "a revocation takes effect at the next check"
    );
    // Other writes to the main database only make the check ask the register again.
    shikaku_store::testing::import(
        cli.as_ref(),
        &[shikaku_store::testing::qualification(
            "7002",
            "00",
            time::macros::date!(2020 - 04 - 01),
            None,
        )],
    )
    .await;
    assert!(status(server).await.expect("present").revoked);
}

/// A first load of more than `BULK_LOAD_MIN_ROWS` rows drops the secondary indexes (and, on
/// PostgreSQL, the unique key) and builds them again inside its transaction: after a dry run
/// (rolled back) and after the commit the schema has every index, and the rows are found
/// through them.
#[tokio::test]
async fn a_bulk_first_load_leaves_every_index_in_place() {
    let db = TempSqlite::new();
    let store = shikaku_store::open(&db.url).await.expect("open");
    let path = db.dir.path().join("shikaku.db");
    let indexes = || {
        let conn = rusqlite::Connection::open(&path).expect("open main");
        let names: Vec<String> = conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'qualifications' \
                 ORDER BY name",
            )
            .expect("prepare")
            .query_map([], |r| r.get(0))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("names");
        names
    };
    bulk_first_load(store.as_ref(), || async { indexes() }).await;
    // The plan for a lookup by person uses the rebuilt index.
    let conn = rusqlite::Connection::open(&path).expect("open main");
    let plan: String = conn
        .query_row(
            "EXPLAIN QUERY PLAN SELECT id FROM qualifications WHERE insurer_number = '01130012' \
             AND person_ref = 'P-100000-00'",
            [],
            |r| r.get(3),
        )
        .expect("plan");
    assert!(plan.contains("qualifications_person"), "{plan}");
}

#[tokio::test]
async fn a_bulk_first_load_on_postgres_leaves_every_index_and_constraint_in_place() {
    let Some(db) = TempPg::new().await else {
        eprintln!("PostgreSQL bulk-load test skipped: set SHIKAKU_TEST_PG (required when CI=true)");
        return;
    };
    let store = shikaku_store::open(&db.url).await.expect("open postgres");
    let schema = || async {
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url)
            .await
            .expect("connect");
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT pg_get_indexdef(x.indexrelid) || ' ' || COALESCE(c.conname::text || ' ' || c.contype::text, '') \
             FROM pg_index x LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid \
             WHERE x.indrelid = 'qualifications'::regclass ORDER BY 1",
        )
        .fetch_all(&mut conn)
        .await
        .expect("schema");
        rows.into_iter().map(|(d,)| d).collect::<Vec<String>>()
    };
    // The index objects and the table's statistics, to see that the bulk path was taken:
    // rebuilt indexes are new objects, and the load ends with ANALYZE.
    let catalog = || async {
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url)
            .await
            .expect("connect");
        let oids: Vec<(i64,)> = sqlx::query_as(
            "SELECT indexrelid::oid::bigint FROM pg_index \
             WHERE indrelid = 'qualifications'::regclass ORDER BY 1",
        )
        .fetch_all(&mut conn)
        .await
        .expect("index oids");
        let (tuples,): (f32,) =
            sqlx::query_as("SELECT reltuples FROM pg_class WHERE oid = 'qualifications'::regclass")
                .fetch_one(&mut conn)
                .await
                .expect("reltuples");
        (oids, tuples)
    };
    let before = schema().await;
    assert!(
        before.iter().any(|d| d.contains("qualifications_key u")),
        "{before:?}"
    );
    let (oids_before, _) = catalog().await;
    bulk_first_load(store.as_ref(), schema).await;
    let (oids_after, tuples) = catalog().await;
    let kept = oids_after
        .iter()
        .filter(|o| oids_before.contains(o))
        .count();
    assert_eq!(
        (oids_after.len(), kept),
        (4, 1),
        "only the primary key kept its index object: {oids_before:?} → {oids_after:?}"
    );
    assert!(
        tuples >= shikaku_store::BULK_LOAD_MIN_ROWS as f32,
        "statistics gathered after the load: reltuples {tuples}"
    );
}

async fn bulk_first_load<F, Fut>(store: &dyn shikaku_store::Store, indexes: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Vec<String>>,
{
    use shikaku_store::testing;
    let count = shikaku_store::BULK_LOAD_MIN_ROWS as usize + 500;
    let rows: Vec<_> = (0..count)
        .map(|n| {
            testing::qualification(
                &format!("{}", 100_000 + n),
                "00",
                time::macros::date!(2020 - 04 - 01),
                None,
            )
        })
        .collect();
    let before = indexes().await;
    assert!(
        before
            .iter()
            .any(|i| i.contains("qualifications_my_number")),
        "{before:?}"
    );

    let mut session = store
        .begin_import(testing::meta("bulk.csv"))
        .await
        .expect("begin");
    session.stage(&testing::staged(&rows)).await.expect("stage");
    assert!(session.conflicts(10).await.expect("checks").is_empty());
    let counts = session
        .finish(shikaku_store::Finish::DryRun)
        .await
        .expect("dry run");
    assert_eq!(counts.inserted, count as u64);
    assert_eq!(
        indexes().await,
        before,
        "a dry run leaves the schema as it was"
    );
    assert_eq!(store.count_qualifications().await.expect("count"), 0);

    let counts = testing::import(store, &rows).await;
    assert_eq!(counts.inserted, count as u64);
    assert_eq!(indexes().await, before, "the commit rebuilt every index");
    let last = rows.last().expect("rows");
    assert_eq!(
        store.find_related(&last.card).await.expect("related"),
        vec![last.clone()]
    );
    assert_eq!(
        store.find_by_card(&last.card).await.expect("find"),
        vec![last.clone()]
    );
    // The same file again (no bulk load: the table is as large): all unchanged, every index
    // still there.
    let counts = testing::import(store, &rows).await;
    assert_eq!((counts.inserted, counts.unchanged), (0, count as u64));
    assert_eq!(indexes().await, before);
}

/// The hot-path reads and the access-log writer hold connections of their own, outside the
/// pool (`own_connection.rs`). When the server ends every session (a restart, a failover, an
/// administrator), reads are answered on a new connection, and after a pause the writer finds
/// its connection dead before sending anything, so the next entries are stored.
#[tokio::test]
async fn hot_path_connections_recover_when_the_server_ends_every_session() {
    let Some(db) = TempPg::new().await else {
        eprintln!("PostgreSQL reconnect test skipped: set SHIKAKU_TEST_PG (required when CI=true)");
        return;
    };
    let store = shikaku_store::open(&db.url).await.expect("open postgres");
    let q = shikaku_store::testing::qualification(
        "7001",
        "00",
        time::macros::date!(2020 - 04 - 01),
        None,
    );
    let mut session = store
        .begin_import(shikaku_store::testing::meta("reconnect.csv"))
        .await
        .expect("begin");
    session
        .stage(&[shikaku_store::StagedRow::new(2, q.clone(), None)])
        .await
        .expect("stage");
    session
        .finish(shikaku_store::Finish::Commit { rejected: 0 })
        .await
        .expect("commit");
    let read_and_log = |n: u32| {
        let (store, card) = (store.clone(), q.card.clone());
        async move {
            assert_eq!(store.find_by_card(&card).await.expect("read").len(), 1);
            assert_eq!(store.find_related(&card).await.expect("related").len(), 1);
            assert_eq!(store.terminal_cert_status("0a").await.expect("cert"), None);
            store.append_access_log(&[logged(n)]).await.expect("log");
        }
    };
    read_and_log(1).await;
    let name = db
        .url
        .rsplit('/')
        .next()
        .expect("database name")
        .to_string();
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url)
        .await
        .expect("connect");
    let ended: Vec<(bool,)> = sqlx::query_as(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(&name)
    .fetch_all(&mut admin)
    .await
    .expect("terminate");
    assert!(
        ended.len() >= 4,
        "the store's sessions were ended: {ended:?}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    read_and_log(2).await;
    read_and_log(3).await;
    assert_eq!(store.recent_access_log(10).await.expect("log").len(), 3);
}
