//! The `shikaku` command: import, verify, cert.

use serde_json::Value;

use crate::support::{Env, HEADER, fixture_csv, stderr, stdout};

fn verify(
    env: &Env,
    insurer: &str,
    symbol: &str,
    number: &str,
    branch: &str,
    birth: &str,
) -> Value {
    let out = env.run(&[
        "verify",
        "--insurer",
        insurer,
        "--symbol",
        symbol,
        "--number",
        number,
        "--branch",
        branch,
        "--birth",
        birth,
        "--on",
        "2025-06-01",
        "--json",
    ]);
    assert!(out.status.success(), "verify failed: {}", stderr(&out));
    serde_json::from_str(&stdout(&out)).expect("one JSON object")
}

/// The file's own date (`--data-as-of`): answers say how old the insurer's data is, and a
/// file much older than the answer's date warns that a new enrolment may be missing.
#[test]
fn answers_say_how_old_the_insurers_data_is() {
    let env = Env::sqlite();
    let file = env.write("q.csv", fixture_csv());
    let out = env.import(&file, &["--data-as-of", "2025-05-20"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let unknown = verify(&env, "01130012", "12", "999", "00", "1980-05-17");
    assert_eq!(unknown["status"], "no_match");
    assert_eq!(unknown["data_as_of"], "2025-05-20");
    let text = unknown["explanation"].as_str().unwrap_or_default();
    assert!(
        text.contains("2025年5月20日時点") && text.contains("反映されていない可能性"),
        "12 days before the answer's date: {text}"
    );
    // Another insurer, never loaded: said so.
    let never = verify(&env, "06139992", "", "1", "00", "1980-05-17");
    assert_eq!(never["data_as_of"], Value::Null);
    assert!(
        never["explanation"]
            .as_str()
            .is_some_and(|e| e.contains("まだ登録されていません")),
        "{never}"
    );
    let bad = env.import(&file, &["--data-as-of", "2025-13-01"]);
    assert!(!bad.status.success());
}

#[test]
fn import_then_verify_every_status() {
    let env = Env::sqlite();
    let file = env.write("q.csv", fixture_csv());
    let out = env.import(&file, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("inserted 6, updated 0, unchanged 0, rejected 0"),
        "{}",
        stdout(&out)
    );

    let valid = verify(&env, "01130012", "12", "345", "00", "1980-05-17");
    assert_eq!(valid["status"], "valid");
    assert_eq!(valid["qualification"]["insurer_number"], "01130012");
    assert_eq!(valid["qualification"]["qualified_from"], "2010-04-01");
    assert_eq!(valid["qualification"]["qualified_until"], Value::Null);
    assert_eq!(valid["qualification"]["copay_ratio"], 30);
    assert_eq!(valid["qualification"]["limit_category"], "A03");

    // Full-width symbol and single-digit branch are normalized.
    let dependent = verify(&env, "01130012", "１２", "345", "1", "2019-02-03");
    assert_eq!(dependent["status"], "valid");
    assert_eq!(dependent["qualification"]["insured_category"], 2);

    let newer = verify(&env, "06138093", "", "777", "00", "1970-01-20");
    assert_eq!(newer["status"], "lost_newer");
    assert_eq!(newer["newer"]["insurer_number"], "138057");
    assert_eq!(newer["newer"]["symbol"], "国1");
    assert_eq!(newer["newer"]["number"], "5");
    assert_eq!(newer["newer"]["branch"], "00");
    assert_eq!(newer["newer"]["qualified_from"], "2025-04-01");

    let lost = verify(&env, "39131156", "", "900", "00", "1945-03-03");
    assert_eq!(lost["status"], "lost");
    assert_eq!(lost["qualification"]["qualified_until"], "2024-04-01");
    assert!(lost.get("newer").is_none());

    let not_yet = verify(&env, "01130012", "88", "1", "00", "2000-01-01");
    assert_eq!(not_yet["status"], "not_yet");

    let wrong_birth = verify(&env, "01130012", "12", "345", "00", "1980-05-18");
    let unknown = verify(&env, "01130012", "12", "346", "00", "1980-05-17");
    assert_eq!(wrong_birth["status"], "no_match");
    // Alike but for the numbers each echoes as typed (345 and 346).
    let mut echoed = unknown.clone();
    echoed["explanation"] = Value::String(
        unknown["explanation"]
            .as_str()
            .unwrap_or_default()
            .replace("番号 346", "番号 345"),
    );
    assert_eq!(
        wrong_birth, echoed,
        "a wrong birth date must look exactly like unknown numbers"
    );
    // Every status but valid explains itself; every answer says how old the insurer's data is.
    assert_eq!(valid["explanation"], "");
    for (answer, part) in [
        (&newer, "新しい資格があります"),
        (&lost, "2024年4月1日に喪失"),
        (&not_yet, "開始日"),
        (&wrong_birth, "記号 12、番号 345、枝番 00"),
    ] {
        assert!(
            answer["explanation"]
                .as_str()
                .is_some_and(|e| e.contains(part)),
            "{part}: {answer}"
        );
        assert!(answer["data_as_of"].is_string(), "{answer}");
    }
    assert!(wrong_birth.get("qualification").is_none());

    // Human output shows the Japanese label.
    let out = env.run(&[
        "verify",
        "--insurer",
        "39131156",
        "--number",
        "900",
        "--branch",
        "00",
        "--birth",
        "1945-03-03",
        "--on",
        "2025-06-01",
    ]);
    assert!(stdout(&out).contains("無効（喪失）"), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("説明         この資格は2024年4月1日に喪失"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn import_is_idempotent_and_updates_keep_history() {
    let env = Env::sqlite();
    let file = env.write("q.csv", fixture_csv());
    assert!(env.import(&file, &[]).status.success());
    let again = env.import(&file, &[]);
    assert!(
        stdout(&again).contains("inserted 0, updated 0, unchanged 6, rejected 0"),
        "{}",
        stdout(&again)
    );
    let changed = fixture_csv().replace("2010-04-01,,30,A03", "2010-04-01,2025-05-01,30,A03");
    let file2 = env.write("q2.csv", changed);
    let out = env.import(&file2, &[]);
    assert!(
        stdout(&out).contains("inserted 0, updated 1, unchanged 5"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        verify(&env, "01130012", "12", "345", "00", "1980-05-17")["status"],
        "lost"
    );
}

#[test]
fn every_error_is_reported_with_file_line_and_column_and_nothing_is_stored() {
    let env = Env::sqlite();
    let bad = format!(
        "{HEADER}\n\
         01130013,12,345,00,P1,1,山田 太郎,ヤマダ タロウ,1,1980-05-17,2010-04-01,,30,,,\n\
         01130012,12,346,0,P2,3,山田 花子,やまだ,2,1980-02-30,2010-04-01,2009-01-01,25,Z9,,123456789017\n\
         01130012,12,347,00,P3,1,山田 次郎,ヤマダ ジロウ,1,1980-05-17,2010-04-01,,30,,\n\
         01130012,12,348,00,P4,1,山田 三郎,ヤマダ サブロウ,1,1980-05-17,2010-04-01,,30,,,\n"
    );
    let file = env.write("bad.csv", bad);
    let out = env.import(&file, &[]);
    assert!(!out.status.success());
    let err = stderr(&out);
    let path = file.display().to_string();
    for expected in [
        format!("{path}:2: insurer_number: "),
        format!("{path}:3: branch: "),
        format!("{path}:3: insured_category: "),
        format!("{path}:3: name_kana: "),
        format!("{path}:3: birth_date: "),
        format!("{path}:3: copay_ratio: "),
        format!("{path}:3: limit_category: "),
        format!("{path}:3: my_number: "),
        format!("{path}:4: (line): "),
    ] {
        assert!(err.contains(&expected), "missing {expected:?} in\n{err}");
    }
    assert!(err.contains("検証番号"), "{err}");
    assert!(stdout(&out).contains("REJECTED"), "{}", stdout(&out));
    // Nothing stored: even the valid line 5 is absent.
    assert_eq!(
        verify(&env, "01130012", "12", "348", "00", "1980-05-17")["status"],
        "no_match"
    );
}

#[test]
fn header_problems_reject_the_file() {
    let env = Env::sqlite();
    let file = env.write(
        "h.csv",
        "insurer_number,number,branch,colour\n01130012,1,00,red\n",
    );
    let out = env.import(&file, &["--skip-invalid"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(":1: colour: 未知の列です (unknown column)"),
        "{err}"
    );
    assert!(
        err.contains(":1: person_ref: 必須の列がありません"),
        "{err}"
    );
    let empty = env.write("e.csv", "");
    let out = env.import(&empty, &[]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("empty file"), "{}", stderr(&out));
}

#[test]
fn duplicates_overlaps_invalid_utf8_and_huge_lines() {
    let env = Env::sqlite();
    let row = "01130012,12,345,00,P1,1,山田 太郎,ヤマダ タロウ,1,1980-05-17,2010-04-01,,30,,,";
    let overlapping =
        "01130012,12,345,00,P1,1,山田 太郎,ヤマダ タロウ,1,1980-05-17,2012-04-01,,30,,,";
    let mut bytes = format!("{HEADER}\n{row}\n{row}\n{overlapping}\n").into_bytes();
    bytes.extend_from_slice(
        b"01130012,12,\xff\xfe,00,P5,1,A,\xe3\x82\xa2,1,1980-05-17,2010-04-01,,30,,,\n",
    );
    bytes.extend_from_slice(
        format!(
            "01130012,12,{},00,P6,1,A,ア,1,1980-05-17,2010-04-01,,30,,,\n",
            "9".repeat(10 * 1024 * 1024)
        )
        .as_bytes(),
    );
    let file = env.write("d.csv", &bytes);
    let out = env.import(&file, &[]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains(":5: number: UTF-8 ではありません"), "{err}");
    assert!(err.contains(":6: (line): 行が長すぎます"), "{err}");

    // With --skip-invalid: the first row is stored, the rest go to the reject file.
    let out = env.import(&file, &["--skip-invalid"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("inserted 1, updated 0, unchanged 0, rejected 4"),
        "{}",
        stdout(&out)
    );
    let rejects = std::fs::read(env.dir.path().join("d.rejected.csv")).expect("reject file");
    let rejects = String::from_utf8_lossy(&rejects);
    assert!(
        rejects.starts_with("line,error,insurer_number"),
        "{rejects}"
    );
    assert!(rejects.contains("3,qualified_from: 同じキー"), "{rejects}");
    assert!(
        rejects.contains("4,qualified_from: 2行目の資格期間と重なっています"),
        "{rejects}"
    );
    assert!(rejects.lines().count() == 5, "{rejects}");
}

#[test]
fn dry_run_stores_nothing() {
    let env = Env::sqlite();
    let file = env.write("q.csv", fixture_csv());
    let out = env.import(&file, &["--dry-run"]);
    assert!(out.status.success());
    assert!(stdout(&out).contains("dry run"), "{}", stdout(&out));
    assert!(stdout(&out).contains("inserted 6"), "{}", stdout(&out));
    assert_eq!(
        verify(&env, "01130012", "12", "345", "00", "1980-05-17")["status"],
        "no_match"
    );
}

#[test]
fn killed_import_stores_nothing() {
    let env = Env::sqlite();
    let population = env.dir.path().join("big.csv");
    let out = env.run(&[
        "gen",
        "population",
        "--persons",
        "200000",
        "--seed",
        "9",
        "--out",
        population.to_str().expect("path"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(env.run(&["migrate"]).status.success());
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_shikaku"))
        .args([
            "import",
            "qualifications",
            population.to_str().expect("path"),
        ])
        .env("SHIKAKU_DATABASE_URL", &env.db)
        .env("SHIKAKU_DATA_DIR", env.data_dir())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    std::thread::sleep(std::time::Duration::from_millis(700));
    child.kill().expect("kill");
    let _ = child.wait();
    // Whatever the instant, the store holds all of the file or none of it.
    let first = std::fs::read_to_string(&population).expect("read");
    let row: Vec<&str> = first.lines().nth(1).expect("row").split(',').collect();
    let status = verify(&env, row[0], row[1], row[2], row[3], row[9])["status"].clone();
    let count = count_rows(&env);
    assert!(
        count == 0 || count > 200_000,
        "partial import stored {count} rows (status {status})"
    );
}

fn count_rows(env: &Env) -> u64 {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    rt.block_on(async {
        let store = shikaku_store::open(&env.db).await.expect("open");
        store.count_qualifications().await.expect("count")
    })
}

#[test]
fn cert_issue_writes_files_and_revoke_updates_the_crl() {
    let env = Env::sqlite();
    let out_dir = env.dir.path().join("certs");
    let out = env.run(&[
        "cert",
        "issue",
        "--facility",
        "1311234566",
        "--terminal",
        "受付1",
        "--out",
        out_dir.to_str().expect("path"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let serial = text
        .lines()
        .find_map(|l| l.strip_prefix("serial: "))
        .expect("serial line")
        .to_string();
    assert!(text.contains("pkcs12 password: "));
    for f in ["受付1.crt", "受付1.key", "受付1.p12"] {
        assert!(out_dir.join(f).exists(), "{f}");
    }
    assert!(env.data_dir().join("ca.crt").exists());
    let out = env.run(&[
        "cert",
        "issue",
        "--facility",
        "1311234567",
        "--terminal",
        "x",
        "--out",
        out_dir.to_str().expect("path"),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("--facility: 検証番号"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&["cert", "revoke", &serial]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(env.data_dir().join("crl.pem").exists());
    let out = env.run(&["cert", "revoke", &serial]);
    assert!(stdout(&out).contains("already revoked"));
    let out = env.run(&["cert", "revoke", "abcdef"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no certificate with serial"),
        "{}",
        stderr(&out)
    );
}

/// `gen population --wrong-links K` (issue 26's interface): K persons' rows carry another
/// person's 個人番号, listed in `OUT.wrong-links.csv`; the file still imports.
#[test]
fn population_with_seeded_wrong_links() {
    let env = Env::sqlite();
    let out = env.dir.path().join("p.csv");
    let run = env.run(&[
        "gen",
        "population",
        "--persons",
        "5000",
        "--seed",
        "9",
        "--wrong-links",
        "5",
        "--out",
        out.to_str().expect("path"),
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let links = std::fs::read_to_string(format!("{}.wrong-links.csv", out.display()))
        .expect("wrong-links file");
    let mut lines = links.lines();
    assert_eq!(
        lines.next(),
        Some("my_number,true_person_ref,wrong_person_ref")
    );
    let links: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(links.len(), 5, "{links:?}");
    let rows = std::fs::read_to_string(&out).expect("population");
    // Columns: person_ref 4, name 6, birth_date 9, my_number 15.
    let persons = |person: &str| -> Vec<Vec<String>> {
        rows.lines()
            .map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>())
            .filter(|c| c.get(4).is_some_and(|p| p == person))
            .collect()
    };
    for link in &links {
        let (number, truth, wrong) = (link[0], link[1], link[2]);
        assert_ne!(truth, wrong);
        let (t, w) = (persons(truth), persons(wrong));
        assert!(!t.is_empty() && !w.is_empty(), "{link:?}");
        assert!(
            t.iter().chain(&w).all(|r| r[15] == number),
            "both carry the number: {link:?}"
        );
        assert!(
            t[0][6] != w[0][6] || t[0][9] != w[0][9],
            "two different people share it: {link:?}"
        );
    }
    let imported = env.import(&out, &[]);
    assert!(imported.status.success(), "{}", stderr(&imported));
}

#[test]
fn population_is_deterministic() {
    let env = Env::sqlite();
    let a = env.dir.path().join("a.csv");
    let b = env.dir.path().join("b.csv");
    for p in [&a, &b] {
        assert!(
            env.run(&[
                "gen",
                "population",
                "--persons",
                "3000",
                "--seed",
                "5",
                "--out",
                p.to_str().expect("path")
            ])
            .status
            .success()
        );
    }
    let text = std::fs::read_to_string(&a).expect("read");
    assert_eq!(text, std::fs::read_to_string(&b).expect("read"));
    // It imports cleanly: valid numbers, no overlaps, no duplicate keys.
    let out = env.import(&a, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        text.lines().any(|l| l.starts_with("39")),
        "late-elderly insurers present"
    );
    assert!(
        text.lines().any(|l| l.split(',').nth(3) == Some("02")),
        "families with branch 02"
    );
}

#[test]
fn a_refused_file_counts_its_rejected_rows() {
    let env = Env::sqlite();
    let row = "01130012,12,345,00,P1,1,山田 太郎,ヤマダ タロウ,1,1980-05-17,2010-04-01,,30,,,";
    let file = env.write("dup.csv", format!("{HEADER}\n{row}\n{row}\n"));
    let out = env.import(&file, &[]);
    assert!(!out.status.success());
    assert!(
        stdout(&out).contains(
            "REJECTED (nothing stored): 2 rows: inserted 0, updated 0, unchanged 0, rejected 1"
        ),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains(":3: qualified_from: 同じキー"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn every_rejected_row_carries_its_own_error_past_the_listed_thousand() {
    let env = Env::sqlite();
    let mut text = format!("{HEADER}\n");
    for i in 0..1005 {
        text.push_str(&format!(
            "01130012,12,{i},0,P{i},1,山田 太郎,ヤマダ タロウ,1,1980-05-17,2010-04-01,,30,,,\n"
        ));
    }
    text.push_str(
        "01130012,12,9999,00,PX,1,山田 太郎,ヤマダ タロウ,1,1980-05-17,2010-04-01,,30,,,\n",
    );
    let file = env.write("many.csv", text);
    let out = env.import(&file, &["--skip-invalid"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("inserted 1, updated 0, unchanged 0, rejected 1005"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("… and 5 more errors"),
        "{}",
        stderr(&out)
    );
    let rejects =
        std::fs::read_to_string(env.dir.path().join("many.rejected.csv")).expect("reject file");
    let last = rejects.lines().last().expect("rows");
    assert!(
        last.starts_with("1006,branch: 枝番は2桁の数字です"),
        "{last}"
    );
    assert_eq!(rejects.lines().count(), 1006);
}

#[test]
fn drugs_and_checkups_import_like_qualifications() {
    use crate::support::{CHECKUP_HEADER, DRUG_HEADER, checkups_csv, drugs_csv};
    let env = Env::sqlite();
    let q = env.write("q.csv", fixture_csv());
    assert!(env.import(&q, &[]).status.success());
    let drugs = env.write("drugs.csv", drugs_csv());
    let path = drugs.to_str().expect("utf-8");
    let out = env.run(&["import", "drugs", path]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("inserted 4, updated 0, unchanged 0, rejected 0"),
        "{}",
        stdout(&out)
    );
    let out = env.run(&["import", "drugs", path]);
    assert!(
        stdout(&out).contains("inserted 0, updated 0, unchanged 4"),
        "{}",
        stdout(&out)
    );
    let checkups = env.write("checkups.csv", checkups_csv());
    let out = env.run(&[
        "import",
        "checkups",
        checkups.to_str().expect("utf-8"),
        "--dry-run",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("dry run"), "{}", stdout(&out));

    // Every bad field is named with its line, and nothing is stored.
    let bad = [
        DRUG_HEADER,
        "06138093,Q1,2021-02-30,1311234566,x,医科,620004385,薬,3,錠,7",
        "06138093,Q1,2021-01-10,1311234567,x,歯科,12345,薬,1.2345,錠,-1",
        "06138093,Q1,2021-01-10,1311234566,しかくクリニック,医科,620004385,ロキソニン錠６０ｍｇ,3,錠,7",
        "06138093,Q1,2021-01-10,1311234566,しかくクリニック,医科,620004385,ロキソニン錠６０ｍｇ,4,錠,7",
    ]
    .join("\n");
    let bad_path = env.write("bad_drugs.csv", bad + "\n");
    let bad = bad_path.to_str().expect("utf-8");
    let out = env.run(&["import", "drugs", bad]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    for needle in [
        format!("{bad}:2: dispensed_on: "),
        format!("{bad}:3: facility_code: "),
        format!("{bad}:3: source: "),
        format!("{bad}:3: drug_code: "),
        format!("{bad}:3: quantity: "),
        format!("{bad}:3: days: "),
    ] {
        assert!(err.contains(&needle), "missing {needle}:\n{err}");
    }
    // The duplicate key (line 5 repeats line 4) is found with --skip-invalid too.
    let out = env.run(&["import", "drugs", bad, "--skip-invalid"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("{bad}:5: record: line 4")),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("rejected 3"), "{}", stdout(&out));
    assert!(env.dir.path().join("bad_drugs.rejected.csv").exists());

    let bad_checkup =
        format!("{CHECKUP_HEADER}\n138057,N1,2025-05-10,170.25,abc,,,,,,,,,,,,,陽性,メタボ,\n");
    let path = env.write("bad_checkups.csv", bad_checkup);
    let out = env.run(&["import", "checkups", path.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    for column in [
        "height_cm",
        "weight_kg",
        "urine_protein",
        "metabolic_syndrome",
    ] {
        assert!(err.contains(&format!(":2: {column}: ")), "{column}: {err}");
    }
}

#[test]
fn the_insurer_register_names_insurers_in_answers() {
    let env = Env::sqlite();
    let file = env.write("q.csv", fixture_csv());
    assert!(env.import(&file, &[]).status.success());
    // Without a register the name is derived from the number.
    let before = verify(&env, "06138093", "", "777", "00", "1970-01-20");
    assert_eq!(
        before["qualification"]["insurer_name"],
        "組合管掌健康保険（東京都）"
    );

    // Every problem is reported by line and column; nothing is stored.
    let bad = env.write(
        "insurers-bad.csv",
        "insurer_number,name\n06138093,しかく健康保険組合\n06138094,誤り\n06138093,重複\n138057,\n",
    );
    let out = env.run(&["import", "insurers", bad.to_str().expect("path")]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "refused like a qualification file"
    );
    let err = stderr(&out);
    assert!(err.contains("insurers-bad.csv:3: insurer_number:"), "{err}");
    assert!(
        err.contains("insurers-bad.csv:4: insurer_number: 06138093 is also on line 2"),
        "{err}"
    );
    assert!(err.contains("insurers-bad.csv:5: name:"), "{err}");
    assert!(err.contains("REJECTED (nothing stored): 3 errors"), "{err}");
    let wrong_header = env.write("h.csv", "number,name\n06138093,x\n");
    let out = env.run(&["import", "insurers", wrong_header.to_str().expect("path")]);
    assert!(
        stderr(&out).contains("h.csv:1: header: expected insurer_number,name"),
        "{}",
        stderr(&out)
    );

    let good = env.write(
        "insurers.csv",
        "insurer_number,name\n06138093,しかく健康保険組合\n138057,千代田区国民健康保険\n",
    );
    let out = env.run(&[
        "import",
        "insurers",
        good.to_str().expect("path"),
        "--dry-run",
    ]);
    assert!(
        stdout(&out).contains("dry run (nothing stored): 2 rows: inserted 2"),
        "{}",
        stdout(&out)
    );
    let out = env.run(&["import", "insurers", good.to_str().expect("path")]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("inserted 2, updated 0, unchanged 0"),
        "{}",
        stdout(&out)
    );
    let after = verify(&env, "06138093", "", "777", "00", "1970-01-20");
    assert_eq!(after["qualification"]["insurer_name"], "しかく健康保険組合");
    // The newer qualification of a lost_newer answer is named from the register too.
    assert_eq!(after["status"], "lost_newer");
    assert_eq!(after["newer"]["insurer_name"], "千代田区国民健康保険");
    let out = env.run(&["import", "insurers", good.to_str().expect("path")]);
    assert!(
        stdout(&out).contains("inserted 0, updated 0, unchanged 2"),
        "{}",
        stdout(&out)
    );
    // Numbers not in the register keep the derived name.
    let other = verify(&env, "01130012", "12", "345", "00", "1980-05-17");
    assert_ne!(other["qualification"]["insurer_name"], "しかく健康保険組合");
}

/// A file of many chunks (the parser splits it across threads) with invalid rows spread
/// through it: errors and rejects come out in file order, nothing is staged after the first
/// error without --skip-invalid, and every valid row is stored with it.
#[test]
fn errors_across_a_long_file_keep_file_order() {
    let env = Env::sqlite();
    let rows = 9_000u32;
    let mut text = format!("{HEADER}\n");
    let mut bad = Vec::new();
    for n in 0..rows {
        let line = n + 2;
        let birth = if n % 997 == 500 {
            bad.push(line);
            "1980-02-30"
        } else {
            "1980-05-17"
        };
        text.push_str(&format!(
            "01130012,12,{},00,P{n},1,山田 太郎,ヤマダ タロウ,1,{birth},2010-04-01,,30,,,\n",
            100_000 + n
        ));
    }
    let file = env.write("long.csv", text);
    let out = env.import(&file, &[]);
    assert!(!out.status.success());
    let err = stderr(&out);
    let path = file.display().to_string();
    let listed: Vec<u32> = err
        .lines()
        .filter_map(|l| l.strip_prefix(&format!("{path}:")))
        .filter_map(|l| l.split(':').next()?.parse().ok())
        .collect();
    assert_eq!(listed, bad, "{err}");
    assert_eq!(
        verify(&env, "01130012", "12", "100000", "00", "1980-05-17")["status"],
        "no_match"
    );

    let out = env.import(&file, &["--skip-invalid"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stored = rows as usize - bad.len();
    assert!(
        stdout(&out).contains(&format!(
            "inserted {stored}, updated 0, unchanged 0, rejected {}",
            bad.len()
        )),
        "{}",
        stdout(&out)
    );
    let rejects =
        std::fs::read_to_string(env.dir.path().join("long.rejected.csv")).expect("reject file");
    let lines: Vec<u32> = rejects
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next()?.parse().ok())
        .collect();
    assert_eq!(lines, bad);
    let last = 100_000 + rows - 1;
    assert_eq!(
        verify(
            &env,
            "01130012",
            "12",
            &last.to_string(),
            "00",
            "1980-05-17"
        )["status"],
        "valid"
    );
}
