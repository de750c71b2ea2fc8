//! Test support, exported under the `testing` feature: temporary databases for both backends
//! and the contract suite every [`Store`] implementation must pass.

use std::sync::Arc;

use shikaku_domain::{
    Branch, CardNumber, CardNumbers, CardSymbol, CopayRatio, InsuredCategory, InsurerNumber,
    Period, Qualification, Sex,
};
use time::{Date, OffsetDateTime};

use crate::{Finish, ImportMeta, StagedRow, Store, StoreError};

/// The environment variables naming the PostgreSQL server for tests, in order of preference.
pub const PG_ENV: [&str; 2] = ["SHIKAKU_TEST_PG", "DATABASE_URL"];

/// A temporary SQLite store in its own directory (removed on drop).
pub struct TempSqlite {
    pub dir: tempfile::TempDir,
    pub url: String,
}

impl TempSqlite {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite:{}", dir.path().join("shikaku.db").display());
        Self { dir, url }
    }
}

impl Default for TempSqlite {
    fn default() -> Self {
        Self::new()
    }
}

/// The PostgreSQL server URL for tests: `None` locally without one; under `CI=true` its
/// absence is a failure, never a skip.
pub fn pg_server_url() -> Option<String> {
    let url = PG_ENV
        .iter()
        .find_map(|k| std::env::var(k).ok())
        .filter(|u| u.starts_with("postgres"));
    if url.is_none() && std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but neither SHIKAKU_TEST_PG nor DATABASE_URL names a PostgreSQL server");
    }
    url
}

/// A fresh PostgreSQL database for one test, dropped on drop.
pub struct TempPg {
    pub url: String,
    server: String,
    name: String,
}

impl TempPg {
    /// Creates a uniquely named database on the test server, or None when there is none.
    pub async fn new() -> Option<Self> {
        let server = pg_server_url()?;
        let name = format!("shikaku_t_{}_{}", std::process::id(), unique());
        let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&server).await;
        let conn = admin
            .as_mut()
            .unwrap_or_else(|e| panic!("cannot connect to test PostgreSQL: {e}"));
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("cannot create test database: {e}"));
        let url = with_database(&server, &name);
        Some(Self { url, server, name })
    }
}

impl Drop for TempPg {
    fn drop(&mut self) {
        let server = self.server.clone();
        let name = self.name.clone();
        // Drop runs outside any runtime guarantee: use a thread with its own small runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(rt) = rt {
                rt.block_on(async {
                    if let Ok(mut c) =
                        <sqlx::PgConnection as sqlx::Connection>::connect(&server).await
                    {
                        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        )))
                        .execute(&mut c)
                        .await;
                    }
                });
            }
        })
        .join();
    }
}

/// Replaces the database name in a postgres URL.
pub fn with_database(server: &str, name: &str) -> String {
    let (base, query) = match server.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (server, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos() as u64;
    nanos.wrapping_add(NEXT.fetch_add(1, Ordering::Relaxed)) % 1_000_000_000_000
}

/// A qualification for tests: card numbers under 01130012 (協会けんぽ 東京), symbol "12".
pub fn qualification(number: &str, branch: &str, from: Date, until: Option<Date>) -> Qualification {
    Qualification {
        card: CardNumbers {
            insurer: InsurerNumber::parse("01130012").expect("valid insurer"),
            symbol: CardSymbol::parse_optional("12").expect("valid symbol"),
            number: CardNumber::parse(number).expect("valid number"),
            branch: Branch::parse(branch).expect("valid branch"),
        },
        person_ref: format!("P-{number}-{branch}"),
        insured_category: InsuredCategory::Insured,
        name: "試験 太郎".into(),
        name_kana: "シケン タロウ".into(),
        sex: Sex::Male,
        birth_date: time::macros::date!(1980 - 05 - 17),
        period: Period::new(from, until).expect("valid period"),
        copay_ratio: CopayRatio::from_percent(30).expect("valid ratio"),
        limit_category: None,
        specific_disease: None,
    }
}

fn meta(file: &str) -> ImportMeta {
    ImportMeta {
        kind: "qualifications",
        file_name: file.into(),
        operator: "contract-test".into(),
        started_at: OffsetDateTime::now_utc(),
    }
}

fn staged(rows: &[Qualification]) -> Vec<StagedRow> {
    rows.iter()
        .enumerate()
        .map(|(i, q)| StagedRow::new(i as u64 + 2, q.clone(), None))
        .collect()
}

/// Stages rows, checks there are no conflicts, and commits.
pub async fn import(store: &dyn Store, rows: &[Qualification]) -> crate::ImportCounts {
    let mut session = store
        .begin_import(meta("contract.csv"))
        .await
        .expect("begin import");
    session.stage(&staged(rows)).await.expect("stage");
    let conflicts = session.conflicts(100).await.expect("conflicts");
    assert!(conflicts.is_empty(), "unexpected conflicts: {conflicts:?}");
    session
        .finish(Finish::Commit { rejected: 0 })
        .await
        .expect("finish")
}

use time::macros::date;

/// Runs every contract case against one store. Each case leaves its own card numbers, so the
/// cases can share the store.
pub async fn contract_suite(store: Arc<dyn Store>) {
    let s = store.as_ref();
    import_find_and_idempotence(s).await;
    updates_keep_history(s).await;
    dry_run_and_dropped_sessions_store_nothing(s).await;
    conflicts_are_reported_by_line(s).await;
    related_by_person_and_my_number(s).await;
    cards_without_symbol(s).await;
    terminal_certificates(s).await;
    access_log(s).await;
    card_register(s).await;
    medical_records(s).await;
    idempotency_and_batches(s).await;
}

async fn idempotency_and_batches(s: &dyn Store) {
    let t = |secs: i64| OffsetDateTime::from_unix_timestamp(1_700_000_000 + secs).expect("time");
    let key = format!("OQSsiquc01req_{}", unique());
    assert_eq!(
        s.idempotent_response("1311234566", &key)
            .await
            .expect("get"),
        None
    );
    s.save_idempotent_response("1311234566", &key, 200, "{\"a\":1}", t(0))
        .await
        .expect("save");
    s.save_idempotent_response("1311234566", &key, 503, "{}", t(1))
        .await
        .expect("first wins");
    assert_eq!(
        s.idempotent_response("1311234566", &key)
            .await
            .expect("get"),
        Some((200, "{\"a\":1}".to_string()))
    );
    assert_eq!(
        s.idempotent_response("2711111111", &key)
            .await
            .expect("other facility"),
        None
    );

    let id = format!("B{}", unique());
    let job = crate::BatchJob {
        id: id.clone(),
        facility_code: "1311234566".into(),
        terminal_name: "受付1".into(),
        cert_serial: "01".into(),
        created_at: t(10),
        status: "queued".into(),
        request: "[]".into(),
        result: None,
        finished_at: None,
    };
    s.insert_batch(&job).await.expect("insert");
    assert!(
        s.pending_batches()
            .await
            .expect("pending")
            .iter()
            .any(|j| j.id == id)
    );
    assert_eq!(s.batch(&id).await.expect("get"), Some(job.clone()));
    s.finish_batch(&id, "[1]", t(20)).await.expect("finish");
    let done = s.batch(&id).await.expect("get").expect("exists");
    assert_eq!(
        (done.status.as_str(), done.result.as_deref()),
        ("done", Some("[1]"))
    );
    assert!(
        !s.pending_batches()
            .await
            .expect("pending")
            .iter()
            .any(|j| j.id == id)
    );
}

async fn medical_records(s: &dyn Store) {
    use crate::{RecordKind, RecordRow};
    let hash = format!("{:032x}", unique()).into_bytes();
    let number = format!("8{}", unique() % 100_000);
    let q = qualification(&number, "00", date!(2020 - 04 - 01), None);
    let person_ref = q.person_ref.clone();
    let mut session = s.begin_import(meta("person.csv")).await.expect("begin");
    session
        .stage(&[StagedRow::new(2, q.clone(), Some(hash.clone()))])
        .await
        .expect("stage");
    session
        .finish(Finish::Commit { rejected: 0 })
        .await
        .expect("finish");
    assert_eq!(
        s.person_hash_for_card(&q.card, q.birth_date)
            .await
            .expect("hash"),
        Some(hash.clone())
    );
    assert_eq!(
        s.person_hash_for_card(&q.card, date!(1900 - 01 - 01))
            .await
            .expect("hash"),
        None,
        "the birth date must match"
    );
    let row = |line: u64, day: Date, key: &str, data: &str| RecordRow {
        line,
        insurer_number: q.card.insurer.as_str().into(),
        person_ref: person_ref.clone(),
        record_date: day,
        record_key: key.into(),
        data: data.into(),
        row_hash: crate::model::hash_text(data),
    };
    let rows = vec![
        row(2, date!(2024 - 01 - 10), "2024-01-10|a", "{\"n\":1}"),
        row(3, date!(2025 - 03 - 01), "2025-03-01|a", "{\"n\":2}"),
    ];
    let load = |rows: Vec<RecordRow>, how: Finish| async move {
        let mut session = s
            .begin_record_import(meta("drugs.csv"), RecordKind::Drugs)
            .await
            .expect("begin");
        session.stage(&rows).await.expect("stage");
        assert!(session.duplicates(10).await.expect("dups").is_empty());
        session.finish(how).await.expect("finish")
    };
    let first = load(rows.clone(), Finish::Commit { rejected: 0 }).await;
    assert_eq!(
        (first.inserted, first.updated, first.unchanged),
        (2, 0, 0),
        "{}",
        s.backend()
    );
    let again = load(rows.clone(), Finish::Commit { rejected: 0 }).await;
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 2));
    let mut changed = rows.clone();
    changed[1] = row(3, date!(2025 - 03 - 01), "2025-03-01|a", "{\"n\":3}");
    let dry = load(changed.clone(), Finish::DryRun).await;
    assert_eq!((dry.inserted, dry.updated, dry.unchanged), (0, 1, 1));
    let records = s
        .person_records(RecordKind::Drugs, &hash, date!(2020 - 01 - 01))
        .await
        .expect("records");
    assert_eq!(records[0].data, "{\"n\":2}", "a dry run changes nothing");
    load(changed, Finish::Commit { rejected: 0 }).await;
    let records = s
        .person_records(RecordKind::Drugs, &hash, date!(2020 - 01 - 01))
        .await
        .expect("records");
    let data: Vec<&str> = records.iter().map(|r| r.data.as_str()).collect();
    assert_eq!(
        data,
        ["{\"n\":3}", "{\"n\":1}"],
        "newest first on {}",
        s.backend()
    );
    let recent = s
        .person_records(RecordKind::Drugs, &hash, date!(2025 - 01 - 01))
        .await
        .expect("records");
    assert_eq!(recent.len(), 1, "records before `since` are left out");
    assert!(
        s.person_records(RecordKind::Checkups, &hash, date!(2020 - 01 - 01))
            .await
            .expect("none")
            .is_empty()
    );

    let mut session = s
        .begin_record_import(meta("dup.csv"), RecordKind::Checkups)
        .await
        .expect("begin");
    session
        .stage(&[
            row(2, date!(2024 - 01 - 10), "2024-01-10", "{}"),
            row(3, date!(2024 - 01 - 10), "2024-01-10", "{}"),
        ])
        .await
        .expect("stage");
    let dups = session.duplicates(10).await.expect("dups");
    assert_eq!(dups.len(), 1);
    assert_eq!(dups[0].line, 3);
    assert!(dups[0].message.contains("line 2"));
}

async fn card_register(s: &dyn Store) {
    let t = |secs: i64| OffsetDateTime::from_unix_timestamp(1_700_000_000 + secs).expect("time");
    let card_id = format!("card{:x}", unique());
    let hash = format!("{:032x}", unique()).into_bytes();
    let cert = |serial: String, issued: i64| crate::JpkiCert {
        serial,
        card_id: card_id.clone(),
        my_number_hash: hash.clone(),
        fingerprint: vec![3; 32],
        not_before: t(issued),
        not_after: t(issued + 86_400),
        issued_at: t(issued),
        revoked_at: None,
    };
    let first = cert(format!("{:016x}", unique()), 0);
    let renewed = cert(format!("{:016x}", unique()), 10);
    s.insert_jpki_cert(&first).await.expect("insert");
    s.insert_jpki_cert(&renewed).await.expect("insert renewed");
    assert!(matches!(
        s.insert_jpki_cert(&first).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        s.jpki_cert(&first.serial).await.expect("get"),
        Some(first.clone())
    );
    let both = s.jpki_certs_for_card(&card_id).await.expect("for card");
    assert_eq!(
        both,
        vec![first.clone(), renewed.clone()],
        "{}",
        s.backend()
    );
    assert!(
        s.revoke_jpki_cert(&first.serial, t(20))
            .await
            .expect("revoke")
    );
    assert!(
        !s.revoke_jpki_cert(&first.serial, t(30))
            .await
            .expect("again")
    );
    assert!(matches!(
        s.revoke_jpki_cert("ffff", t(30)).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        s.jpki_cert(&first.serial)
            .await
            .expect("get")
            .and_then(|c| c.revoked_at),
        Some(t(20))
    );
    assert!(
        s.revoked_jpki_certs()
            .await
            .expect("revoked")
            .contains(&(first.serial.clone(), t(20)))
    );

    assert_eq!(s.card_registration(&hash).await.expect("none yet"), None);
    s.register_card(&hash, "1311234566", t(40))
        .await
        .expect("register");
    s.register_card(&hash, "2711111111", t(50))
        .await
        .expect("again keeps the first");
    assert_eq!(
        s.card_registration(&hash).await.expect("registered"),
        Some(t(40))
    );

    for (kind, at) in [("drugs", 60), ("checkups", 70)] {
        s.record_consent(&crate::Consent {
            my_number_hash: hash.clone(),
            facility_code: "1311234566".into(),
            kind: kind.into(),
            given_at: t(at),
            expires_at: t(at + 86_400),
        })
        .await
        .expect("consent");
    }
    let consents = s.consents(&hash).await.expect("consents");
    let kinds: Vec<&str> = consents.iter().map(|c| c.kind.as_str()).collect();
    assert_eq!(
        kinds,
        vec!["checkups", "drugs"],
        "newest first on {}",
        s.backend()
    );
}

async fn import_find_and_idempotence(s: &dyn Store) {
    let rows = [
        qualification(
            "1001",
            "00",
            date!(2020 - 04 - 01),
            Some(date!(2023 - 04 - 01)),
        ),
        qualification("1001", "00", date!(2023 - 04 - 01), None),
        qualification("1001", "01", date!(2020 - 04 - 01), None),
    ];
    let first = import(s, &rows).await;
    assert_eq!(
        (first.inserted, first.updated, first.unchanged),
        (3, 0, 0),
        "{}",
        s.backend()
    );
    let again = import(s, &rows).await;
    assert_eq!(
        (again.inserted, again.updated, again.unchanged),
        (0, 0, 3),
        "{}",
        s.backend()
    );
    let mut found = s.find_by_card(&rows[0].card).await.expect("find");
    found.sort_by_key(|q| q.period.from());
    assert_eq!(found, rows[..2].to_vec());
    assert_eq!(
        s.find_by_card(&rows[2].card).await.expect("find"),
        vec![rows[2].clone()]
    );
    let unknown = qualification("9999", "00", date!(2020 - 04 - 01), None);
    assert!(
        s.find_by_card(&unknown.card)
            .await
            .expect("find")
            .is_empty()
    );
    assert!(s.count_qualifications().await.expect("count") >= 3);
}

async fn updates_keep_history(s: &dyn Store) {
    let original = qualification("2001", "00", date!(2021 - 04 - 01), None);
    import(s, std::slice::from_ref(&original)).await;
    let mut changed = original.clone();
    changed.name = "試験 次郎".into();
    changed.period =
        Period::new(date!(2021 - 04 - 01), Some(date!(2024 - 10 - 01))).expect("period");
    let counts = import(s, std::slice::from_ref(&changed)).await;
    assert_eq!(
        (counts.inserted, counts.updated, counts.unchanged),
        (0, 1, 0)
    );
    assert_eq!(
        s.find_by_card(&original.card).await.expect("find"),
        vec![changed.clone()]
    );
    let history = s
        .history(&original.card, date!(2021 - 04 - 01))
        .await
        .expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].qualification, original);
    assert_eq!(history[0].replaced_by_operator, "contract-test");
}

async fn dry_run_and_dropped_sessions_store_nothing(s: &dyn Store) {
    let row = qualification("3001", "00", date!(2022 - 04 - 01), None);
    let mut session = s.begin_import(meta("dry.csv")).await.expect("begin");
    session
        .stage(&staged(std::slice::from_ref(&row)))
        .await
        .expect("stage");
    assert!(session.conflicts(10).await.expect("conflicts").is_empty());
    let counts = session.finish(Finish::DryRun).await.expect("dry run");
    assert_eq!(counts.inserted, 1);
    assert!(
        s.find_by_card(&row.card).await.expect("find").is_empty(),
        "dry run stored rows"
    );

    let mut session = s.begin_import(meta("dropped.csv")).await.expect("begin");
    session
        .stage(&staged(std::slice::from_ref(&row)))
        .await
        .expect("stage");
    drop(session);
    assert!(
        s.find_by_card(&row.card).await.expect("find").is_empty(),
        "dropped session stored rows"
    );
}

async fn conflicts_are_reported_by_line(s: &dyn Store) {
    let stored = qualification(
        "4001",
        "00",
        date!(2020 - 04 - 01),
        Some(date!(2022 - 04 - 01)),
    );
    import(s, std::slice::from_ref(&stored)).await;
    let rows = vec![
        // line 2: a second period of 4001 starting 2021-01-01. The stored period it would
        // overlap (2020-04-01..2022-04-01) is replaced by line 8, so the store has no conflict.
        StagedRow::new(
            2,
            qualification("4001", "00", date!(2021 - 01 - 01), None),
            None,
        ),
        // lines 3 and 4: the same key twice.
        StagedRow::new(
            3,
            qualification("4002", "00", date!(2020 - 04 - 01), None),
            None,
        ),
        StagedRow::new(
            4,
            qualification("4002", "00", date!(2020 - 04 - 01), None),
            None,
        ),
        // lines 5 and 6: overlapping periods within the file.
        StagedRow::new(
            5,
            qualification(
                "4003",
                "00",
                date!(2020 - 04 - 01),
                Some(date!(2021 - 04 - 01)),
            ),
            None,
        ),
        StagedRow::new(
            6,
            qualification("4003", "00", date!(2021 - 03 - 01), None),
            None,
        ),
        // line 7: an open period of 4001 from 2022-04-01. It only touches the stored period's
        // end (until is exclusive), but overlaps line 2 (both open-ended): reported on line 7,
        // the later start.
        StagedRow::new(
            7,
            qualification("4001", "00", date!(2022 - 04 - 01), None),
            None,
        ),
        // line 8: replaces the stored row with the same key: not an overlap.
        StagedRow::new(
            8,
            qualification(
                "4001",
                "00",
                date!(2020 - 04 - 01),
                Some(date!(2020 - 10 - 01)),
            ),
            None,
        ),
    ];
    let mut session = s.begin_import(meta("conflicts.csv")).await.expect("begin");
    session.stage(&rows).await.expect("stage");
    let conflicts = session.conflicts(100).await.expect("conflicts");
    let lines: Vec<u64> = conflicts.iter().map(|c| c.line).collect();
    assert_eq!(lines, vec![4, 6, 7], "{}: {conflicts:?}", s.backend());
    assert!(
        conflicts[0].message.contains("3行目"),
        "{}",
        conflicts[0].message
    );
    session.unstage(&lines).await.expect("unstage");
    assert!(session.conflicts(100).await.expect("recheck").is_empty());
    let counts = session
        .finish(Finish::Commit { rejected: 3 })
        .await
        .expect("finish");
    assert_eq!((counts.inserted, counts.updated), (3, 1), "{}", s.backend());

    // Against the store: a period overlapping a stored one, with no replacement in the file.
    let overlapping = qualification(
        "4003",
        "00",
        date!(2020 - 10 - 01),
        Some(date!(2020 - 12 - 01)),
    );
    let mut session = s
        .begin_import(meta("store-overlap.csv"))
        .await
        .expect("begin");
    session
        .stage(&staged(std::slice::from_ref(&overlapping)))
        .await
        .expect("stage");
    let conflicts = session.conflicts(100).await.expect("conflicts");
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert!(
        conflicts[0].message.contains("2020-04-01"),
        "{}",
        conflicts[0].message
    );
}

async fn related_by_person_and_my_number(s: &dyn Store) {
    let old = qualification(
        "5001",
        "00",
        date!(2019 - 04 - 01),
        Some(date!(2024 - 04 - 01)),
    );
    // Same person_ref, same insurer, new card numbers.
    let mut same_person = qualification("5002", "00", date!(2024 - 04 - 01), None);
    same_person.person_ref = old.person_ref.clone();
    // Another insurer, another person_ref, the same 個人番号 hash.
    let mut other_insurer = qualification("5003", "00", date!(2024 - 04 - 01), None);
    other_insurer.card.insurer = InsurerNumber::parse("06138093").expect("valid");
    let unrelated = qualification("5004", "00", date!(2024 - 04 - 01), None);
    let hash = Some(vec![7u8; 32]);
    let rows = vec![
        StagedRow::new(2, old.clone(), hash.clone()),
        StagedRow::new(3, same_person.clone(), None),
        StagedRow::new(4, other_insurer.clone(), hash),
        StagedRow::new(5, unrelated.clone(), Some(vec![8u8; 32])),
    ];
    let mut session = s.begin_import(meta("related.csv")).await.expect("begin");
    session.stage(&rows).await.expect("stage");
    assert!(session.conflicts(10).await.expect("conflicts").is_empty());
    session
        .finish(Finish::Commit { rejected: 0 })
        .await
        .expect("finish");
    let branches = s
        .find_by_card_any_branch(&old.card)
        .await
        .expect("any branch");
    assert_eq!(branches.len(), 1, "{}", s.backend());
    let mut related = s.find_related(&old.card).await.expect("related");
    related.sort_by(|a, b| a.card.number.cmp(&b.card.number));
    let numbers: Vec<&str> = related.iter().map(|q| q.card.number.as_str()).collect();
    assert_eq!(numbers, vec!["5001", "5002", "5003"], "{}", s.backend());
    let mut by_person = s.find_by_person_hash(&[7u8; 32]).await.expect("by person");
    by_person.sort_by(|a, b| a.card.number.cmp(&b.card.number));
    let numbers: Vec<&str> = by_person.iter().map(|q| q.card.number.as_str()).collect();
    assert_eq!(numbers, vec!["5001", "5003"], "{}", s.backend());
    assert!(
        s.find_by_person_hash(&[9u8; 32])
            .await
            .expect("none")
            .is_empty()
    );
}

async fn cards_without_symbol(s: &dyn Store) {
    let mut q = qualification("6001", "00", date!(2020 - 04 - 01), None);
    q.card.symbol = None;
    q.card.insurer = InsurerNumber::parse("39131156").expect("valid");
    import(s, std::slice::from_ref(&q)).await;
    assert_eq!(
        s.find_by_card(&q.card).await.expect("find"),
        vec![q.clone()]
    );
    let mut with_symbol = q.clone();
    with_symbol.card.symbol = CardSymbol::parse_optional("1").expect("valid");
    assert!(
        s.find_by_card(&with_symbol.card)
            .await
            .expect("find")
            .is_empty()
    );
}

async fn terminal_certificates(s: &dyn Store) {
    let t = |secs: i64| OffsetDateTime::from_unix_timestamp(1_700_000_000 + secs).expect("time");
    let cert = crate::TerminalCert {
        serial: format!("{:016x}", unique()),
        facility_code: "1311234566".into(),
        terminal_name: "受付1".into(),
        fingerprint: vec![1; 32],
        not_before: t(0),
        not_after: t(86_400),
        issued_at: t(0),
        revoked_at: None,
    };
    s.insert_terminal_cert(&cert).await.expect("insert");
    assert!(matches!(
        s.insert_terminal_cert(&cert).await,
        Err(crate::StoreError::Conflict(_))
    ));
    assert_eq!(
        s.terminal_cert(&cert.serial).await.expect("get"),
        Some(cert.clone())
    );
    let active = crate::CertStatus {
        fingerprint: vec![1; 32],
        revoked: false,
    };
    assert_eq!(
        s.terminal_cert_status(&cert.serial).await.expect("status"),
        Some(active)
    );
    assert_eq!(s.terminal_cert_status("ffff").await.expect("status"), None);
    assert_eq!(
        s.revoke_terminal_cert(&cert.serial, t(10))
            .await
            .expect("revoke"),
        crate::RevokeOutcome::Revoked
    );
    assert_eq!(
        s.revoke_terminal_cert(&cert.serial, t(20))
            .await
            .expect("revoke twice"),
        crate::RevokeOutcome::AlreadyRevoked
    );
    let revoked = s
        .terminal_cert(&cert.serial)
        .await
        .expect("get")
        .expect("present");
    assert_eq!(revoked.revoked_at, Some(t(10)));
    let status = s
        .terminal_cert_status(&cert.serial)
        .await
        .expect("status")
        .expect("present");
    assert!(status.revoked);
    assert!(matches!(
        s.revoke_terminal_cert("00", t(0)).await,
        Err(crate::StoreError::NotFound(_))
    ));
    assert!(
        s.terminal_certs()
            .await
            .expect("list")
            .iter()
            .any(|c| c.serial == cert.serial)
    );
}

async fn access_log(s: &dyn Store) {
    let at = OffsetDateTime::from_unix_timestamp(1_750_000_000).expect("time");
    let entries: Vec<crate::AccessLogEntry> = (0..3)
        .map(|i| crate::AccessLogEntry {
            at,
            facility_code: "1311234566".into(),
            terminal_name: format!("端末{i}"),
            cert_serial: "ab".into(),
            kind: "card_numbers".into(),
            status: "valid".into(),
            person_hash: vec![i; 32],
        })
        .collect();
    s.append_access_log(&entries).await.expect("append");
    let recent = s.recent_access_log(3).await.expect("recent");
    assert_eq!(recent.len(), 3);
    assert_eq!(recent[0], entries[2]);
    assert_eq!(recent[2], entries[0]);
}
