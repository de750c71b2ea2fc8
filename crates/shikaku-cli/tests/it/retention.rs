//! The access log's retention at the boundary an operator touches: `shikaku serve
//! --access-log-retention-months N` removes what is older at start and keeps the rest.

use std::process::Command;

use time::OffsetDateTime;
use time::macros::datetime;

use crate::support::{Env, free_port};

fn entry(at: OffsetDateTime, person: u8) -> shikaku_store::AccessLogEntry {
    shikaku_store::AccessLogEntry {
        at,
        facility_code: "1311234566".into(),
        terminal_name: "受付1".into(),
        cert_serial: "01".into(),
        kind: "card_numbers".into(),
        status: "valid".into(),
        person_hash: vec![person; 32],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_removes_entries_older_than_the_retention() {
    let env = Env::sqlite();
    std::fs::create_dir_all(env.data_dir()).expect("data dir");
    let store = shikaku_store::open(&env.db).await.expect("store");
    let now = OffsetDateTime::now_utc();
    store
        .append_access_log(&[entry(datetime!(2019-03-10 12:00 UTC), 1), entry(now, 2)])
        .await
        .expect("append");
    let (api, web) = (free_port(), free_port());
    let mut child = Command::new(env!("CARGO_BIN_EXE_shikaku"))
        .args(["serve", "--access-log-retention-months", "12"])
        .args(["--api-addr", &format!("127.0.0.1:{api}")])
        .args(["--web-addr", &format!("127.0.0.1:{web}")])
        .env("SHIKAKU_DATABASE_URL", &env.db)
        .env("SHIKAKU_DATA_DIR", env.data_dir())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("serve");
    let start = std::time::Instant::now();
    loop {
        let old = store
            .access_log_for_persons(&[vec![1; 32]], 10)
            .await
            .expect("read");
        if old.is_empty() {
            break;
        }
        assert!(
            start.elapsed().as_secs() < 30,
            "the 2019 entry is still there"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        store
            .access_log_for_persons(&[vec![2; 32]], 10)
            .await
            .expect("read"),
        [entry(now, 2)],
        "this month's entry is kept"
    );
}

#[test]
fn a_retention_of_zero_months_is_refused_with_its_range() {
    let env = Env::sqlite();
    let out = env.run(&["serve", "--access-log-retention-months", "0"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--access-log-retention-months") && err.contains("1..=1200"),
        "{err}"
    );
}
