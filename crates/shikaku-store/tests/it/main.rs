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
