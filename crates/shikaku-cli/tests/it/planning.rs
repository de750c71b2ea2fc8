//! `shikaku calendar …` and `shikaku subsidy …`: the portal's planning commands.

use serde_json::Value;

use crate::support::{Env, stderr, stdout};

#[test]
fn holidays_json_lists_substitute_and_citizens_days() {
    let env = Env::sqlite();
    let out = env.run(&["calendar", "holidays", "2026", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let list: Vec<Value> = serde_json::from_str(&stdout(&out)).expect("JSON array");
    assert_eq!(list.len(), 18);
    let has = |date: &str, name: &str| list.iter().any(|h| h["date"] == date && h["name"] == name);
    assert!(has("2026-05-06", "振替休日"));
    assert!(has("2026-09-22", "国民の休日"));
    assert!(has("2026-11-23", "勤労感謝の日"));
    assert!(
        !list.iter().any(|h| h["date"] == "2026-12-31"),
        "年末年始 is not a holiday"
    );

    let out = env.run(&["calendar", "holidays", "2019", "--json"]);
    let list: Vec<Value> = serde_json::from_str(&stdout(&out)).expect("JSON array");
    assert_eq!(list.len(), 22);

    let out = env.run(&["calendar", "holidays", "1900", "--json"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("1980"), "{}", stderr(&out));
}

#[test]
fn business_days_before_prints_one_date() {
    let env = Env::sqlite();
    for (d, n, want) in [
        ("2021-05-06", "5", "2021-04-23"),
        ("2027-01-08", "5", "2026-12-28"),
        ("2026-09-25", "3", "2026-09-17"),
    ] {
        let out = env.run(&["calendar", "business-days-before", d, n]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(stdout(&out).trim(), want);
    }
    let out = env.run(&["calendar", "business-days-before", "2026-02-30", "1"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("2026-02-30"), "{}", stderr(&out));
    let out = env.run(&["calendar", "business-days-before", "2026-02-20", "0"]);
    assert!(!out.status.success());
}

fn quote(env: &Env, args: &[&str]) -> std::process::Output {
    let mut all = vec!["subsidy", "quote"];
    all.extend_from_slice(args);
    env.run(&all)
}

#[test]
fn subsidy_quote_json_for_every_worked_example() {
    let env = Env::sqlite();
    for (category, readers, applied, cost, rule_set, rate, base, eligible, subsidy) in [
        (
            "clinic",
            "1",
            "2021-05-10",
            "600000",
            "2020-original",
            "3/4",
            429000,
            429000,
            321000,
        ),
        (
            "clinic",
            "1",
            "2021-03-31",
            "600000",
            "2020-acceleration",
            "1/1",
            429000,
            429000,
            429000,
        ),
        (
            "hospital",
            "1",
            "2021-06-01",
            "3000000",
            "2020-original",
            "1/2",
            2101000,
            2101000,
            1050000,
        ),
        (
            "hospital",
            "3",
            "2021-01-15",
            "1000000",
            "2020-acceleration",
            "1/1",
            1903000,
            1000000,
            1000000,
        ),
        (
            "large-chain-pharmacy",
            "1",
            "2021-07-01",
            "200000",
            "2020-original",
            "1/2",
            429000,
            200000,
            100000,
        ),
    ] {
        let out = quote(
            &env,
            &[
                "--category",
                category,
                "--readers",
                readers,
                "--reader-applied",
                applied,
                "--cost",
                cost,
                "--json",
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let v: Value = serde_json::from_str(&stdout(&out)).expect("one JSON object");
        assert_eq!(v["rule_set"], rule_set);
        assert_eq!(v["rate"], rate);
        assert_eq!(v["base_amount"], base);
        assert_eq!(v["eligible_cost"], eligible);
        assert_eq!(v["subsidy"], subsidy, "{category} {applied}");
        assert!(v["explanation"].as_array().is_some_and(|l| !l.is_empty()));
    }
}

#[test]
fn subsidy_quote_refusals_exit_non_zero_with_the_reason() {
    let env = Env::sqlite();
    let base = ["--reader-applied", "2021-05-10", "--json"];
    for (args, needle) in [
        (
            vec!["--category", "hospital", "--readers", "4", "--cost", "100"],
            "3台まで",
        ),
        (
            vec!["--category", "clinic", "--readers", "2", "--cost", "100"],
            "1台まで",
        ),
        (vec!["--category", "clinic", "--cost", "0"], "1円以上"),
        (vec!["--category", "clinic", "--cost", "-100"], "1円以上"),
        (vec!["--category", "clinic", "--cost", "abc"], "半角数字"),
        (vec!["--category", "dentist", "--cost", "100"], "dentist"),
    ] {
        let mut all = args.clone();
        all.extend_from_slice(&base);
        let out = quote(&env, &all);
        assert!(!out.status.success(), "{args:?} must be refused");
        assert!(out.stdout.is_empty(), "no quote printed for {args:?}");
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn subsidy_rules_from_a_folder_need_no_code_change() {
    let env = Env::sqlite();
    let dir = env.dir.path().join("rules");
    std::fs::create_dir_all(&dir).expect("rules dir");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/subsidy");
    for name in ["2020-original.toml", "2020-acceleration.toml"] {
        std::fs::copy(root.join(name), dir.join(name)).expect("copy rule set");
    }
    let later = std::fs::read_to_string(root.join("2020-original.toml"))
        .expect("read")
        .replace("name = \"2020-original\"", "name = \"2031-revision\"")
        .replace(
            "priority = 0",
            "priority = 30\nreader_applied_from = \"2031-04-01\"",
        )
        .replace("rate = \"3/4\"", "rate = \"2/3\"");
    std::fs::write(dir.join("2031-revision.toml"), later).expect("write");
    let rules = dir.to_str().expect("utf-8");
    let out = quote(
        &env,
        &[
            "--category",
            "clinic",
            "--reader-applied",
            "2031-05-01",
            "--cost",
            "300000",
            "--rules",
            rules,
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(v["rule_set"], "2031-revision");
    assert_eq!(v["subsidy"], 200000);

    std::fs::write(dir.join("broken.toml"), "name = 3").expect("write");
    let out = quote(
        &env,
        &[
            "--category",
            "clinic",
            "--reader-applied",
            "2031-05-01",
            "--cost",
            "1",
            "--rules",
            rules,
        ],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("broken.toml"), "{}", stderr(&out));
}

#[test]
fn faq_folder_errors_name_the_file_and_line() {
    let env = Env::sqlite();
    let dir = env.dir.path().join("faq");
    std::fs::create_dir_all(&dir).expect("faq dir");
    std::fs::write(
        dir.join("good.md"),
        "---\nid: good\ncategory: 回線\ntitle: 光回線は使えますか\nkeywords: ひかり\n---\n使えます。\n",
    )
    .expect("write");
    let faq_dir = dir.to_str().expect("utf-8");
    let out = env.run(&["faq", "search", "ひかり", "--json", "--faq-dir", faq_dir]);
    assert!(out.status.success(), "{}", stderr(&out));
    let hits: Vec<Value> = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(hits[0]["id"], "good");
    std::fs::write(
        dir.join("bad.md"),
        "---\nid: bad\ncategory: 回線\ncolour: red\n---\nx\n",
    )
    .expect("write");
    let out = env.run(&["faq", "search", "ひかり", "--json", "--faq-dir", faq_dir]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("bad.md:4"), "{}", stderr(&out));
}

#[test]
fn the_preparation_timeline_from_the_command_line() {
    let env = Env::sqlite();
    let out = env.run(&[
        "calendar",
        "timeline",
        "--start",
        "2027-04-01",
        "--setup",
        "2027-03-15",
        "--today",
        "2027-03-10",
        "--done",
        "reader-application",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let step = |id: &str| {
        v["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .find(|s| s["id"] == id)
            .cloned()
            .expect("step")
    };
    assert_eq!(step("reader-application")["status"], "done");
    assert_eq!(step("use-application")["deadline"], "2027-03-08");
    assert_eq!(step("use-application")["status"], "overdue");
    assert_eq!(step("vendor-order")["deadline"], "2027-03-01");
    assert!(v["warnings"].as_array().is_some_and(|w| !w.is_empty()));
    let out = env.run(&[
        "calendar",
        "timeline",
        "--start",
        "2027-04-01",
        "--setup",
        "2027-03-15",
        "--done",
        "nap",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("reader-application"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&[
        "calendar",
        "timeline",
        "--start",
        "2027-04-01",
        "--setup",
        "2027-03-15",
        "--today",
        "2026-11-24",
    ]);
    assert!(
        stdout(&out).contains("令和9年3月8日(月)"),
        "{}",
        stdout(&out)
    );
}
