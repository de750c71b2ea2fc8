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
    let entry = |n: u8| shikaku_store::AccessLogEntry {
        at: time::OffsetDateTime::from_unix_timestamp(1_700_000_000 + i64::from(n)).expect("t"),
        facility_code: "1311234566".into(),
        terminal_name: "t1".into(),
        cert_serial: "01".into(),
        kind: "eligibility".into(),
        status: "valid".into(),
        person_hash: vec![n; 32],
    };
    {
        let store = shikaku_store::open(&db.url).await.expect("open");
        store
            .append_access_log(&[entry(1), entry(2)])
            .await
            .expect("append");
    }
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
