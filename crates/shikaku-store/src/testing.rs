//! Test support, exported under the `testing` feature: temporary databases for both backends
//! and the contract suite every [`Store`] implementation must pass.

mod challenges;
mod cluster;
mod help;
mod linkage;
mod password_reset;
mod retention;

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

pub fn meta(file: &str) -> ImportMeta {
    ImportMeta {
        kind: "qualifications",
        file_name: file.into(),
        operator: "contract-test".into(),
        started_at: OffsetDateTime::now_utc(),
        covers: None,
    }
}

pub fn staged(rows: &[Qualification]) -> Vec<StagedRow> {
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
    concurrent_reads_get_their_own_answers(s).await;
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
    portal_records(s).await;
    password_reset::password_resets(s).await;
    challenges::card_challenges(s).await;
    cluster::login_failures(s).await;
    cluster::no_match_events(s).await;
    cluster::batch_leases(s).await;
    portal_bulk_load(s).await;
    support_records(s).await;
    help::help_feedback(s).await;
    insurer_register(s).await;
    linkage::link_suspects(s).await;
    retention::access_log_retention(s).await;
}

/// A queued 一括照会 job with no items.
fn queued_batch(id: &str, created_at: OffsetDateTime) -> crate::BatchJob {
    crate::BatchJob {
        id: id.to_string(),
        facility_code: "1311234566".into(),
        terminal_name: "受付1".into(),
        cert_serial: "01".into(),
        created_at,
        status: "queued".into(),
        request: "[]".into(),
        result: None,
        finished_at: None,
    }
}

async fn idempotency_and_batches(s: &dyn Store) {
    let t = |secs: i64| OffsetDateTime::from_unix_timestamp(1_700_000_000 + secs).expect("time");
    let key = format!("OQSsiquc01req_{}", unique());
    let scope = |facility: &str, terminal: &str, endpoint: &str| crate::IdempotencyScope {
        facility_code: facility.into(),
        terminal_name: terminal.into(),
        endpoint: endpoint.into(),
    };
    let here = scope("1311234566", "受付1", "eligibility");
    let answer = |status: u16, body: &str, at: OffsetDateTime| crate::StoredAnswer {
        request_digest: "d1".into(),
        status,
        body: body.into(),
        logged: "[]".into(),
        created_at: at,
    };
    assert_eq!(
        s.idempotent_response(&here, &key, t(0)).await.expect("get"),
        None
    );
    s.save_idempotent_response(&here, &key, &answer(200, "{\"a\":1}", t(0)), t(-10))
        .await
        .expect("save");
    s.save_idempotent_response(&here, &key, &answer(503, "{}", t(1)), t(-9))
        .await
        .expect("first wins");
    assert_eq!(
        s.idempotent_response(&here, &key, t(0)).await.expect("get"),
        Some(answer(200, "{\"a\":1}", t(0)))
    );
    for other in [
        scope("2711111111", "受付1", "eligibility"),
        scope("1311234566", "受付2", "eligibility"),
        scope("1311234566", "受付1", "batches"),
    ] {
        assert_eq!(
            s.idempotent_response(&other, &key, t(0))
                .await
                .expect("other scope"),
            None,
            "{other:?}"
        );
    }
    // Expired: not answered, and replaced by the next answer stored.
    assert_eq!(
        s.idempotent_response(&here, &key, t(1))
            .await
            .expect("expired"),
        None
    );
    s.save_idempotent_response(&here, &key, &answer(201, "{}", t(2)), t(1))
        .await
        .expect("replace");
    assert_eq!(
        s.idempotent_response(&here, &key, t(1))
            .await
            .expect("replaced"),
        Some(answer(201, "{}", t(2)))
    );
    let later = format!("{key}-later");
    s.save_idempotent_response(&here, &later, &answer(200, "{}", t(100)), t(90))
        .await
        .expect("save");
    // Deleted by the sweep.
    assert!(s.expire_idempotent_responses(t(50)).await.expect("expire") >= 1);
    assert_eq!(
        s.idempotent_response(&here, &key, t(-100))
            .await
            .expect("gone"),
        None,
        "deleted"
    );
    assert!(
        s.idempotent_response(&here, &later, t(0))
            .await
            .expect("kept")
            .is_some()
    );

    let id = format!("B{}", unique());
    let job = queued_batch(&id, t(10));
    s.insert_batch(&job).await.expect("insert");
    assert!(
        s.unleased_batches(t(10), 10_000)
            .await
            .expect("pending")
            .contains(&id)
    );
    assert_eq!(s.batch(&id).await.expect("get"), Some(job.clone()));
    s.finish_batch(&id, "[1]", t(20)).await.expect("finish");
    let done = s.batch(&id).await.expect("get").expect("exists");
    assert_eq!(
        (done.status.as_str(), done.result.as_deref()),
        ("done", Some("[1]"))
    );
    assert!(
        !s.unleased_batches(t(20), 10_000)
            .await
            .expect("pending")
            .contains(&id)
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
    assert!(s.insurer_data().await.expect("insurer data").is_empty());
    let first = import(s, &rows).await;
    assert_eq!(
        (first.inserted, first.updated, first.unchanged),
        (3, 0, 0),
        "{}",
        s.backend()
    );
    // The insurer's data is "as of" the import that loaded it (issue 26 §2).
    let loaded = s.insurer_data().await.expect("insurer data");
    assert_eq!(loaded.len(), 1, "{loaded:?}");
    assert_eq!(loaded[0].0, rows[0].card.insurer.as_str());
    let again = import(s, &rows).await;
    let reloaded = s.insurer_data().await.expect("insurer data");
    assert!(
        reloaded[0].1 >= loaded[0].1,
        "an unchanged file still refreshes the date"
    );
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

/// Many lookups and certificate checks at once (PostgreSQL answers them in shared batches):
/// each gets exactly its own rows, an unknown card none.
async fn concurrent_reads_get_their_own_answers(s: &dyn Store) {
    let mut rows = Vec::new();
    for n in 0..40u32 {
        let number = format!("31{n:02}");
        rows.push(qualification(
            &number,
            "00",
            date!(2020 - 04 - 01),
            Some(date!(2022 - 04 - 01)),
        ));
        if n % 3 == 0 {
            rows.push(qualification(&number, "00", date!(2022 - 04 - 01), None));
        }
    }
    import(s, &rows).await;
    let mut cards: Vec<CardNumbers> = rows.iter().map(|q| q.card.clone()).collect();
    cards.dedup();
    let unknown = qualification("3199", "00", date!(2020 - 04 - 01), None).card;
    let asked: Vec<CardNumbers> = cards
        .iter()
        .chain(std::iter::once(&unknown))
        .chain(cards.iter().rev())
        .cloned()
        .collect();
    let answers = futures::future::join_all(asked.iter().map(|card| s.find_by_card(card))).await;
    for (card, answer) in asked.iter().zip(answers) {
        let mut found = answer.expect("find");
        found.sort_by_key(|q| q.period.from());
        let expected: Vec<Qualification> =
            rows.iter().filter(|q| &q.card == card).cloned().collect();
        assert_eq!(found, expected, "{}", s.backend());
    }

    let t = OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("time");
    let serials: Vec<String> = (0..3).map(|_| format!("{:016x}", unique())).collect();
    for (i, serial) in serials.iter().enumerate() {
        s.insert_terminal_cert(&crate::TerminalCert {
            serial: serial.clone(),
            facility_code: "1311234566".into(),
            terminal_name: format!("端末{i}"),
            fingerprint: vec![i as u8; 32],
            not_before: t,
            not_after: t + time::Duration::days(1),
            issued_at: t,
            revoked_at: (i == 1).then_some(t),
        })
        .await
        .expect("insert");
    }
    let asked: Vec<String> = (0..30)
        .map(|i| match i % 4 {
            3 => "ffff".to_string(),
            k => serials[k].clone(),
        })
        .collect();
    let answers =
        futures::future::join_all(asked.iter().map(|serial| s.terminal_cert_status(serial))).await;
    for (i, answer) in answers.into_iter().enumerate() {
        let expected = match i % 4 {
            3 => None,
            k => Some(crate::CertStatus {
                fingerprint: vec![k as u8; 32],
                revoked: k == 1,
            }),
        };
        assert_eq!(answer.expect("status"), expected, "{}", s.backend());
    }
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
    // A person's entries, newest first; another person whose hash starts with the same
    // 8 bytes (what the SQLite index keys on) is not among them.
    let person = |first: u8, last: u8| {
        let mut hash = vec![first; 32];
        hash[31] = last;
        hash
    };
    let of = |hash: Vec<u8>, terminal: &str, secs: i64| crate::AccessLogEntry {
        at: at + time::Duration::seconds(secs),
        terminal_name: terminal.into(),
        person_hash: hash,
        ..entries[0].clone()
    };
    let mine = [of(person(7, 1), "受付A", 10), of(person(7, 1), "受付B", 20)];
    s.append_access_log(&[mine[0].clone(), of(person(7, 2), "他人", 15)])
        .await
        .expect("append");
    s.append_access_log(std::slice::from_ref(&mine[1]))
        .await
        .expect("append");
    let found = s
        .access_log_for_persons(&[person(7, 1)], 10)
        .await
        .expect("by person");
    assert_eq!(found, [mine[1].clone(), mine[0].clone()]);
    let limited = s
        .access_log_for_persons(&[person(7, 1), person(7, 2)], 2)
        .await
        .expect("by persons");
    assert_eq!(limited.len(), 2, "the limit holds across hashes");
    assert_eq!(limited[0], mine[1]);
    assert_eq!(limited[1].terminal_name, "他人");
    assert!(
        s.access_log_for_persons(&[person(8, 1)], 10)
            .await
            .expect("nobody")
            .is_empty()
    );
}

async fn portal_records(s: &dyn Store) {
    use crate::portal::*;
    use shikaku_domain::portal::{CertStatus, ReaderStatus, SubsidyStatus};
    let t = |secs: i64| OffsetDateTime::from_unix_timestamp(1_700_000_000 + secs).expect("time");
    let d = |text: &str| {
        Date::parse(
            text,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .expect("date")
    };
    let facility = |code: &str, name: &str, category: &str, pref: &str| Facility {
        code: fc(code),
        name: name.into(),
        category: category.into(),
        prefecture: pref.into(),
        postal_code: "100-0001".into(),
        address: "東京都千代田区".into(),
        phone: "03-0000-0000".into(),
        contact_name: "担当 太郎".into(),
        email: "it@example.jp".into(),
        planned_start: None,
        planned_setup: None,
        created_at: t(0),
    };
    let account = |login: &str, facility: Option<&str>| Account {
        login: login.into(),
        role: if facility.is_some() {
            "facility"
        } else {
            "operator"
        }
        .into(),
        facility_code: facility.map(String::from),
        password_hash: "$argon2id$stub".into(),
        failed_logins: 0,
        locked_until: None,
        created_at: t(0),
        active: true,
        sessions_from: None,
    };
    let a = facility("1311234566", "千代田クリニック", "clinic", "13");
    s.register_facility(&a, &account("1311234566", Some("1311234566")))
        .await
        .expect("register");
    let again = s
        .register_facility(&a, &account("1311234566", Some("1311234566")))
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    // A facility whose account cannot be stored is not stored either (one transaction).
    let b = facility("2711111111", "大阪_病院%", "hospital", "27");
    let clash = s
        .register_facility(&b, &account("1311234566", Some("2711111111")))
        .await;
    assert!(matches!(clash, Err(StoreError::Conflict(_))), "{clash:?}");
    assert_eq!(s.facility("2711111111").await.expect("get"), None);
    s.register_facility(&b, &account("2711111111", Some("2711111111")))
        .await
        .expect("register b");
    s.insert_account(&account("operator1", None))
        .await
        .expect("operator");
    assert!(matches!(
        s.insert_account(&account("operator1", None)).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        s.facility("1311234566").await.expect("get"),
        Some(a.clone())
    );

    for expected in 1..=3 {
        assert_eq!(
            s.count_login_failure("operator1").await.expect("count"),
            expected
        );
    }
    assert_eq!(s.count_login_failure("nobody").await.expect("unknown"), 0);
    let op = s.account("operator1").await.expect("get").expect("some");
    assert_eq!((op.failed_logins, op.locked_until), (3, None));
    s.set_login_lock("operator1", Some(t(900)))
        .await
        .expect("lock");
    let op = s.account("operator1").await.expect("get").expect("some");
    assert_eq!((op.failed_logins, op.locked_until), (0, Some(t(900))));
    s.count_login_failure("operator1").await.expect("count");
    s.set_password("operator1", "$argon2id$new")
        .await
        .expect("password");
    let op = s.account("operator1").await.expect("get").expect("some");
    assert_eq!(
        (op.failed_logins, op.locked_until, op.password_hash.as_str()),
        (0, None, "$argon2id$new")
    );
    assert!(matches!(
        s.set_password("nobody", "x").await,
        Err(StoreError::NotFound(_))
    ));

    let session = PortalSession {
        token_hash: vec![7; 32],
        data: "{\"login\":\"1311234566\"}".into(),
        expires_at: t(3600),
    };
    s.create_session(&session).await.expect("session");
    assert!(matches!(
        s.create_session(&session).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        s.session(&[7; 32]).await.expect("get"),
        Some(session.clone())
    );
    let changed = PortalSession {
        data: "{}".into(),
        expires_at: t(7200),
        ..session
    };
    s.save_session(&changed).await.expect("save");
    assert_eq!(
        s.session(&[7; 32]).await.expect("get"),
        Some(changed.clone())
    );
    let old = PortalSession {
        token_hash: vec![8; 32],
        expires_at: t(10),
        ..changed
    };
    s.save_session(&old).await.expect("old");
    assert_eq!(s.delete_expired_sessions(t(100)).await.expect("expired"), 1);
    assert_eq!(s.session(&[8; 32]).await.expect("get"), None);
    s.delete_session(&[7; 32]).await.expect("delete");
    assert_eq!(s.session(&[7; 32]).await.expect("get"), None);

    // Filters, LIKE patterns taken literally, paging.
    let all = s
        .facilities(&FacilityFilter::default(), 0, 1)
        .await
        .expect("list");
    assert_eq!((all.total, all.items.len()), (2, 1));
    assert_eq!(all.items[0].code.as_str(), "1311234566");
    let page2 = s
        .facilities(&FacilityFilter::default(), 1, 10)
        .await
        .expect("list");
    assert_eq!(page2.items[0].code.as_str(), "2711111111");
    let literal = FacilityFilter {
        text: Some("_病院%".into()),
        ..Default::default()
    };
    assert_eq!(s.facilities(&literal, 0, 10).await.expect("list").total, 1);
    let underscore = FacilityFilter {
        text: Some("ク_".into()),
        ..Default::default()
    };
    assert_eq!(
        s.facilities(&underscore, 0, 10).await.expect("list").total,
        0
    );
    let by_pref = FacilityFilter {
        prefecture: Some("13".into()),
        category: Some("clinic".into()),
        text: None,
    };
    assert_eq!(s.facilities(&by_pref, 0, 10).await.expect("list").total, 1);

    // Reader applications: conditional updates.
    let mut reader = ReaderApplication {
        id: format!("R{}", unique()),
        facility_code: fc("2711111111"),
        maker: "fujitsu".into(),
        quantity: 2,
        applied_on: d("2021-03-31"),
        status: ReaderStatus::Applied,
        delivery_month: None,
        created_at: t(10),
        updated_at: t(10),
    };
    s.insert_reader_application(&reader).await.expect("reader");
    reader.status = ReaderStatus::Scheduled;
    reader.delivery_month = Some("2021-05".into());
    assert!(
        s.update_reader_application(&reader, ReaderStatus::Applied)
            .await
            .expect("update")
    );
    reader.status = ReaderStatus::Cancelled;
    assert!(
        !s.update_reader_application(&reader, ReaderStatus::Applied)
            .await
            .expect("stale")
    );
    let stored = s
        .reader_application(&reader.id)
        .await
        .expect("get")
        .expect("some");
    assert_eq!(
        (stored.status, stored.delivery_month.as_deref()),
        (ReaderStatus::Scheduled, Some("2021-05"))
    );
    let mine = AppFilter {
        facility_code: Some("2711111111".into()),
        status: None,
    };
    assert_eq!(
        s.reader_applications(&mine, 0, 10)
            .await
            .expect("list")
            .total,
        1
    );
    let other = AppFilter {
        facility_code: Some("1311234566".into()),
        status: None,
    };
    assert_eq!(
        s.reader_applications(&other, 0, 10)
            .await
            .expect("list")
            .total,
        0
    );

    // The use application sets the plan.
    let mut use_app = UseApplication {
        facility_code: fc("2711111111"),
        line_type: "ip-vpn".into(),
        provider: "ntt-east".into(),
        customer_id: Some("CAF1234567".into()),
        start_month: "2021-06".into(),
        test_month: None,
        online_claims: true,
        setup_date: d("2021-05-10"),
        submitted_at: t(20),
    };
    s.save_use_application(&use_app, d("2021-06-01"))
        .await
        .expect("use");
    use_app.online_claims = false;
    s.save_use_application(&use_app, d("2021-06-01"))
        .await
        .expect("use again");
    assert_eq!(
        s.use_application("2711111111").await.expect("get"),
        Some(use_app)
    );
    let b_now = s.facility("2711111111").await.expect("get").expect("some");
    assert_eq!(
        (b_now.planned_start, b_now.planned_setup),
        (Some(d("2021-06-01")), Some(d("2021-05-10")))
    );

    // A certificate is claimed once, with the serial made at the download.
    let mut cert = CertApplication {
        id: format!("C{}", unique()),
        facility_code: fc("2711111111"),
        terminal_name: "uketsuke-1".into(),
        os: "win10-iot-2019".into(),
        status: CertStatus::Applied,
        serial: None,
        applied_at: t(30),
        decided_at: None,
        downloaded_at: None,
    };
    s.insert_cert_application(&cert).await.expect("cert");
    assert!(
        !s.claim_certificate(&cert.id, "abcd", t(40))
            .await
            .expect("not issued")
    );
    cert.status = CertStatus::Issued;
    cert.decided_at = Some(t(35));
    assert!(
        s.update_cert_application(&cert, CertStatus::Applied)
            .await
            .expect("issue")
    );
    assert!(
        s.claim_certificate(&cert.id, "abcd", t(40))
            .await
            .expect("claim")
    );
    assert!(
        !s.claim_certificate(&cert.id, "ef01", t(41))
            .await
            .expect("again")
    );
    let taken = s
        .cert_application(&cert.id)
        .await
        .expect("get")
        .expect("some");
    assert_eq!(
        (taken.status, taken.serial.as_deref(), taken.downloaded_at),
        (CertStatus::Downloaded, Some("abcd"), Some(t(40)))
    );

    // A certificate's first use, from the access log.
    assert_eq!(
        s.first_use_of_cert("2711111111", "abcd")
            .await
            .expect("none"),
        None
    );
    let used = |secs: i64| crate::AccessLogEntry {
        at: t(secs),
        facility_code: "2711111111".into(),
        terminal_name: "uketsuke-1".into(),
        cert_serial: "abcd".into(),
        kind: "eligibility".into(),
        status: "no_match".into(),
        person_hash: vec![1; 32],
    };
    s.append_access_log(&[used(48), used(47)])
        .await
        .expect("log");
    assert_eq!(
        s.first_use_of_cert("2711111111", "abcd")
            .await
            .expect("first"),
        Some(t(47))
    );
    assert_eq!(
        s.first_use_of_cert("1311234566", "abcd")
            .await
            .expect("other facility"),
        None
    );

    // Steps.
    s.set_step(
        "2711111111",
        "operation-test",
        Some((d("2021-05-20"), t(50))),
    )
    .await
    .expect("step");
    s.set_step(
        "2711111111",
        "operation-test",
        Some((d("2021-05-21"), t(60))),
    )
    .await
    .expect("again keeps the first");
    s.set_step("2711111111", "setup", Some((d("2021-05-10"), t(45))))
        .await
        .expect("step");
    s.set_step("2711111111", "setup", None).await.expect("undo");
    assert_eq!(
        s.steps_done("2711111111").await.expect("steps"),
        vec![("operation-test".to_string(), t(50))]
    );
    // 運用開始: a facility past its planned start (2021-06-01) not yet counted, and its
    // first lookup since then.
    assert!(
        s.operating_candidates(d("2021-05-31"))
            .await
            .expect("before the start")
            .is_empty()
    );
    assert_eq!(
        s.operating_candidates(d("2021-06-01"))
            .await
            .expect("on the start"),
        vec![("2711111111".to_string(), d("2021-06-01"))]
    );
    assert_eq!(
        s.first_lookups_since(&[
            ("2711111111".to_string(), t(47)),
            ("4041111111".to_string(), t(0)),
        ])
        .await
        .expect("since"),
        vec![("2711111111".to_string(), t(47))],
        "the first at or after; a facility without lookups is left out"
    );
    assert_eq!(
        s.first_lookups_since(&[("2711111111".to_string(), t(49))])
            .await
            .expect("none after"),
        vec![]
    );
    s.set_step(
        "2711111111",
        crate::portal::OPERATING,
        Some((d("2021-05-20"), t(50))),
    )
    .await
    .expect("operating");
    assert!(
        s.operating_candidates(d("2021-06-01"))
            .await
            .expect("counted once")
            .is_empty()
    );

    // Subsidy applications, documents and their history.
    let mut subsidy = SubsidyApplication {
        id: format!("S{}", unique()),
        facility_code: fc("2711111111"),
        status: SubsidyStatus::Submitted,
        readers: 2,
        reader_applied: d("2021-03-31"),
        cost_lines: "[{\"label\":\"リーダー\",\"amount\":1000000}]".into(),
        cost_total: 1_000_000,
        rule_set: "2020-acceleration".into(),
        subsidy: 500_000,
        reason: None,
        submitted_at: t(70),
        decided_at: None,
        vendor: "しかくシステム株式会社".into(),
        receipt_number: "R-2021-0042".into(),
        completed_on: Some(d("2021-03-20")),
    };
    let filed = |app: &SubsidyApplication, at: i64| PortalEvent {
        at: t(at),
        actor: "clinic1".into(),
        facility_code: app.facility_code.clone(),
        subject: format!("subsidy:{}", app.id),
        action: "submitted".into(),
        detail: String::new(),
    };
    s.submit_subsidy_application(&subsidy, &filed(&subsidy, 70))
        .await
        .expect("subsidy");
    // A second live application of the facility is refused, and leaves no history entry.
    let second = SubsidyApplication {
        id: format!("S{}", unique()),
        ..subsidy.clone()
    };
    assert!(matches!(
        s.submit_subsidy_application(&second, &filed(&second, 71))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        s.events(&format!("subsidy:{}", second.id))
            .await
            .expect("events")
            .len(),
        0
    );
    subsidy.status = SubsidyStatus::Returned;
    subsidy.reason = Some("領収書が不鮮明です".into());
    subsidy.decided_at = Some(t(80));
    assert!(
        s.update_subsidy_application(&subsidy, SubsidyStatus::Submitted)
            .await
            .expect("return")
    );
    assert!(
        !s.update_subsidy_application(&subsidy, SubsidyStatus::Submitted)
            .await
            .expect("stale")
    );
    assert_eq!(
        s.subsidy_application(&subsidy.id).await.expect("get"),
        Some(subsidy.clone())
    );
    let returned = AppFilter {
        facility_code: None,
        status: Some("returned".into()),
    };
    assert_eq!(
        s.subsidy_applications(&returned, 0, 10)
            .await
            .expect("list")
            .total,
        1
    );
    let doc = SubsidyDocument {
        application_id: subsidy.id.clone(),
        kind: "receipt".into(),
        file_name: "領収書.pdf".into(),
        content_type: "application/pdf".into(),
        sha256: vec![9; 32],
        body: b"%PDF-1.4 first".to_vec(),
        uploaded_at: t(71),
    };
    s.save_document(&doc).await.expect("doc");
    let replaced = SubsidyDocument {
        body: b"%PDF-1.4 second".to_vec(),
        ..doc.clone()
    };
    s.save_document(&replaced).await.expect("replace");
    assert_eq!(
        s.document(&subsidy.id, "receipt").await.expect("get"),
        Some(replaced.clone())
    );
    let listed = s.documents(&subsidy.id).await.expect("list");
    assert_eq!(listed.len(), 1);
    assert!(listed[0].body.is_empty(), "listing leaves bodies out");
    assert_eq!(
        s.document(&subsidy.id, "completion-report")
            .await
            .expect("get"),
        None
    );
    for (i, action) in ["returned"].into_iter().enumerate() {
        s.append_event(&PortalEvent {
            at: t(90 + i as i64),
            actor: "operator1".into(),
            facility_code: fc("2711111111"),
            subject: format!("subsidy:{}", subsidy.id),
            action: action.into(),
            detail: String::new(),
        })
        .await
        .expect("event");
    }
    let history = s
        .events(&format!("subsidy:{}", subsidy.id))
        .await
        .expect("events");
    assert_eq!(
        history
            .iter()
            .map(|e| e.action.as_str())
            .collect::<Vec<_>>(),
        ["submitted", "returned"]
    );
    // Once withdrawn, the facility may file again.
    let mut withdrawn = subsidy.clone();
    withdrawn.status = SubsidyStatus::Withdrawn;
    assert!(
        s.update_subsidy_application(&withdrawn, SubsidyStatus::Returned)
            .await
            .expect("withdraw")
    );
    s.submit_subsidy_application(&second, &filed(&second, 95))
        .await
        .expect("a new application after withdrawal");

    let adoption = s.adoption().await.expect("adoption");
    let hospital = adoption
        .by_category
        .iter()
        .find(|c| c.group_key == "hospital")
        .expect("hospital");
    assert_eq!(
        (
            hospital.registered,
            hospital.reader_applied,
            hospital.use_applied,
            hospital.certificate_issued,
            hospital.operating
        ),
        (1, 1, 1, 1, 1)
    );
    let clinic = adoption
        .by_category
        .iter()
        .find(|c| c.group_key == "clinic")
        .expect("clinic");
    assert_eq!(
        (clinic.registered, clinic.reader_applied, clinic.operating),
        (1, 0, 0)
    );
    assert_eq!(adoption.by_prefecture.len(), 2);
    assert_eq!(adoption.operating_by_day, vec![(d("2021-05-20"), 1)]);
}

async fn portal_bulk_load(s: &dyn Store) {
    use crate::portal::*;
    let t = OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("time");
    let day = Date::from_calendar_date(2021, time::Month::March, 1).expect("date");
    let facility = |code: &str| Facility {
        code: fc(code),
        name: format!("施設{code}"),
        category: "pharmacy".into(),
        prefecture: "40".into(),
        postal_code: "810-0001".into(),
        address: "福岡県福岡市".into(),
        phone: "092-000-0000".into(),
        contact_name: "担当".into(),
        email: "a@example.jp".into(),
        planned_start: None,
        planned_setup: None,
        created_at: t,
    };
    let account = |code: &str| Account {
        login: code.into(),
        role: "facility".into(),
        facility_code: Some(code.into()),
        password_hash: "$argon2id$stub".into(),
        failed_logins: 0,
        locked_until: None,
        created_at: t,
        active: true,
        sessions_from: None,
    };
    let mut batch = PortalBatch {
        facilities: vec![
            (facility("4041111111"), account("4041111111")),
            (facility("4041111129"), account("4041111129")),
        ],
        readers: vec![ReaderApplication {
            id: format!("R{}", unique()),
            facility_code: fc("4041111111"),
            maker: "almex".into(),
            quantity: 1,
            applied_on: day,
            status: shikaku_domain::portal::ReaderStatus::Applied,
            delivery_month: None,
            created_at: t,
            updated_at: t,
        }],
        uses: vec![UseApplication {
            facility_code: fc("4041111111"),
            line_type: "ipsec-ike".into(),
            provider: "nttpc-ip-members".into(),
            customer_id: None,
            start_month: "2021-04".into(),
            test_month: None,
            online_claims: false,
            setup_date: day,
            submitted_at: t,
        }],
        steps: vec![
            ("4041111111".into(), "operation-test".into(), day, t),
            ("4041111111".into(), crate::portal::OPERATING.into(), day, t),
        ],
    };
    // One transaction: a batch with a code already stored stores nothing.
    let mut clash = batch.clone();
    clash
        .facilities
        .push((facility("4041111111"), account("4041111113")));
    assert!(matches!(
        s.load_portal(&clash).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.facility("4041111129").await.expect("get"), None);
    s.load_portal(&batch).await.expect("load");
    assert_eq!(
        s.facility("4041111129").await.expect("get"),
        Some(facility("4041111129"))
    );
    assert!(s.account("4041111129").await.expect("get").is_some());
    let adoption = s.adoption().await.expect("adoption");
    let fukuoka = adoption
        .by_prefecture
        .iter()
        .find(|c| c.group_key == "40")
        .expect("40");
    assert_eq!(
        (
            fukuoka.registered,
            fukuoka.reader_applied,
            fukuoka.use_applied,
            fukuoka.operating
        ),
        (2, 1, 1, 1)
    );
    batch.facilities.clear();
    assert!(
        s.load_portal(&batch).await.is_err(),
        "the same reader application id twice"
    );
}

async fn support_records(s: &dyn Store) {
    use crate::support::*;
    let t = |secs: i64| OffsetDateTime::from_unix_timestamp(1_700_000_000 + secs).expect("time");
    let first = s.next_inquiry_id().await.expect("id");
    let second = s.next_inquiry_id().await.expect("id");
    assert_eq!(second, first + 1, "ticket numbers are consecutive");
    let inquiry = |id: i64, facility: Option<&str>, email: &str, sender: &[u8], at: i64| Inquiry {
        id,
        facility_code: facility.map(String::from),
        category: "subsidy".into(),
        subject: "補助金の申請時期".into(),
        contact_email: email.into(),
        status: "open".into(),
        assignee: None,
        sender_hash: sender.to_vec(),
        created_at: t(at),
        updated_at: t(at),
    };
    let message =
        |role: &str, body: &str, at: i64, attachment: Option<(String, String, Vec<u8>)>| {
            NewMessage {
                author_role: role.into(),
                author: (role != "public").then(|| "1311234566".to_string()),
                body: body.into(),
                attachment,
                at: t(at),
            }
        };
    let mail = |to: &str, subject: &str| NewMail {
        to_addr: to.into(),
        subject: subject.into(),
        body: "本文".into(),
    };
    let png = (
        "画面.png".to_string(),
        "image/png".to_string(),
        b"\x89PNG\r\n\x1a\nx".to_vec(),
    );
    let a = inquiry(first, Some("1311234566"), "it@example.jp", b"facility", 100);
    s.create_inquiry(
        &a,
        &message("facility", "いつまでですか", 100, Some(png.clone())),
        Some(&mail("it@example.jp", "[Q1] 受付")),
        None,
    )
    .await
    .expect("create");
    let b = inquiry(second, None, "someone@example.com", b"addr-1", 200);
    s.create_inquiry(
        &b,
        &message("public", "登録できません", 200, None),
        None,
        None,
    )
    .await
    .expect("create");
    // The same number twice is refused and changes nothing.
    assert!(
        s.create_inquiry(&b, &message("public", "again", 201, None), None, None)
            .await
            .is_err()
    );
    assert_eq!(s.inquiry_messages(second).await.expect("messages").len(), 1);
    assert_eq!(s.inquiry(first).await.expect("get"), Some(a.clone()));
    assert_eq!(s.inquiry(9_999_999).await.expect("get"), None);
    assert_eq!(
        s.inquiry_attachment(first, 1).await.expect("att"),
        Some(png)
    );
    assert_eq!(s.inquiry_attachment(second, 1).await.expect("att"), None);

    // Rate limiting counts by sender and by contact address, within the window; a refused
    // filing stores nothing.
    let third = s.next_inquiry_id().await.expect("id");
    let limited = |sender: &[u8], email: &str, since: i64| {
        let c = inquiry(third, None, email, sender, 250);
        async move {
            s.create_inquiry(
                &c,
                &message("public", "三通目", 250, None),
                None,
                Some(InquiryLimit {
                    since: t(since),
                    max: 1,
                }),
            )
            .await
            .expect("create")
        }
    };
    assert!(
        !limited(b"facility", "x@example.jp", 0).await,
        "same sender"
    );
    assert!(
        !limited(b"other", "someone@example.com", 0).await,
        "same address"
    );
    assert_eq!(s.inquiry(third).await.expect("get"), None);
    assert_eq!(s.inquiry_messages(third).await.expect("messages").len(), 0);

    // A reply: status, message and mail together, only from the status seen.
    let reply = message("operator", "3月末までです", 300, None);
    let reply_mail = mail("it@example.jp", "[Q1] Re: 補助金の申請時期");
    let change = TicketChange {
        id: first,
        expect: "open",
        status: "answered",
        assignee: Some("op"),
        message: Some(&reply),
        mail: Some(&reply_mail),
        at: t(300),
    };
    assert!(s.change_inquiry(&change).await.expect("reply"));
    assert!(
        !s.change_inquiry(&change).await.expect("stale"),
        "a stale status changes nothing"
    );
    let thread = s.inquiry_messages(first).await.expect("thread");
    assert_eq!(thread.iter().map(|m| m.seq).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(thread[1].author_role, "operator");
    assert_eq!(thread[0].attachment_name.as_deref(), Some("画面.png"));
    let now = s.inquiry(first).await.expect("get").expect("some");
    assert_eq!(
        (now.status.as_str(), now.assignee.as_deref()),
        ("answered", Some("op"))
    );
    assert_eq!(now.updated_at, t(300));

    // Lists: newest activity first, filtered.
    let all = s
        .inquiries(&InquiryFilter::default(), 0, 10)
        .await
        .expect("list");
    assert_eq!(
        all.items.iter().map(|i| i.id).collect::<Vec<_>>(),
        [first, second]
    );
    let mine = InquiryFilter {
        facility_code: Some("1311234566".into()),
        ..InquiryFilter::default()
    };
    assert_eq!(s.inquiries(&mine, 0, 10).await.expect("list").total, 1);
    let open = InquiryFilter {
        status: Some("open".into()),
        ..InquiryFilter::default()
    };
    assert_eq!(
        s.inquiries(&open, 0, 10).await.expect("list").items[0].id,
        second
    );
    let assigned = InquiryFilter {
        assignee: Some("op".into()),
        ..InquiryFilter::default()
    };
    assert_eq!(s.inquiries(&assigned, 0, 1).await.expect("list").total, 1);

    // The outbox: due mails oldest first; a failure is retried later; sent ones are done.
    let due = s.due_mail(t(1000), 10).await.expect("due");
    assert_eq!(due.len(), 2);
    assert_eq!(due[0].subject, "[Q1] 受付");
    s.mail_failed(due[0].id, "connection refused", Some(t(2000)))
        .await
        .expect("fail");
    s.mail_sent(due[1].id, t(1001)).await.expect("sent");
    assert!(s.due_mail(t(1500), 10).await.expect("due").is_empty());
    let retry = s.due_mail(t(2000), 10).await.expect("due");
    assert_eq!((retry.len(), retry[0].attempts), (1, 1));
    assert_eq!(retry[0].last_error.as_deref(), Some("connection refused"));
    s.mail_failed(retry[0].id, "gave up", None)
        .await
        .expect("give up");
    assert!(s.due_mail(t(1_000_000), 10).await.expect("due").is_empty());
    let mails = s.inquiry_mails(first).await.expect("mails");
    assert_eq!(mails.len(), 2);
    assert_eq!(mails[1].sent_at, Some(t(1001)));
    assert_eq!((mails[0].sent_at, mails[0].attempts), (None, 2));
    // An operator sends a given-up mail again; a sent one or another inquiry's is refused.
    assert!(
        !s.retry_mail(first, mails[1].id, t(3000))
            .await
            .expect("sent")
    );
    assert!(
        !s.retry_mail(second, mails[0].id, t(3000))
            .await
            .expect("other")
    );
    assert!(
        s.retry_mail(first, mails[0].id, t(3000))
            .await
            .expect("retry")
    );
    let due = s.due_mail(t(3000), 10).await.expect("due");
    assert_eq!((due.len(), due[0].attempts), (1, 0));
    // Outside the window the same sender may file again.
    assert!(
        limited(b"facility", "it@example.jp", 150).await,
        "the window moved"
    );
    assert!(s.inquiry(third).await.expect("get").is_some());
}

async fn insurer_register(s: &dyn Store) {
    let t = |secs: i64| OffsetDateTime::from_unix_timestamp(1_700_000_000 + secs).expect("time");
    let rows = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(n, m)| (n.to_string(), m.to_string()))
            .collect()
    };
    let first = rows(&[("06139996", "しかく健康保険組合"), ("138057", "千代田区")]);
    let dry = s
        .upsert_insurers(&first, t(0), true)
        .await
        .expect("dry run");
    assert_eq!((dry.inserted, dry.updated, dry.unchanged), (2, 0, 0));
    assert!(
        s.insurers().await.expect("list").is_empty(),
        "a dry run stores nothing"
    );
    s.upsert_insurers(&first, t(0), false).await.expect("load");
    let again = rows(&[
        ("06139996", "しかく健康保険組合"),
        ("138057", "千代田区国民健康保険"),
    ]);
    let counts = s
        .upsert_insurers(&again, t(10), false)
        .await
        .expect("reload");
    assert_eq!(
        (counts.inserted, counts.updated, counts.unchanged),
        (0, 1, 1)
    );
    let all = s.insurers().await.expect("list");
    assert_eq!(all.len(), 2);
    assert_eq!(
        (all[0].number.as_str(), all[0].name.as_str()),
        ("06139996", "しかく健康保険組合")
    );
    assert_eq!(all[0].updated_at, t(0), "an unchanged name keeps its time");
    assert_eq!(
        (all[1].name.as_str(), all[1].updated_at),
        ("千代田区国民健康保険", t(10))
    );
}

/// A facility code the contract suite uses (valid by construction).
fn fc(code: &str) -> shikaku_domain::FacilityCode {
    shikaku_domain::FacilityCode::parse(code).expect("a valid facility code")
}
