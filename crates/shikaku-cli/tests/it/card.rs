//! My Number Card verification end to end: `shikaku card …` (the municipality), `shikaku
//! reader verify` (the terminal's card reader) and the centre over real mutual TLS.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use shikaku_pki::jpki::{CardAuth, CardHolder, Pin, VirtualCard, challenge_message};
use time::{Duration, OffsetDateTime};

use crate::api::Server;
use crate::support::{Env, stderr, stdout};

/// 山田 太郎 (valid under 01130012), 佐藤 一郎 (moved from 06138093 to 138057 on 2025-04-01).
const YAMADA: &str = "123456789018";
const SATO: &str = "987654321000";

fn unknown_my_number() -> String {
    shikaku_domain::MyNumber::from_body([1; 11])
        .expose()
        .to_string()
}

struct Reader {
    crt: PathBuf,
    key: PathBuf,
    api: String,
}

async fn setup() -> (Server, Reader) {
    let server = Server::start(Env::sqlite()).await;
    let (crt, key, _) = server
        .terminal("受付1", OffsetDateTime::now_utc() - Duration::hours(1), 30)
        .await;
    let api = server.url("");
    (server, Reader { crt, key, api })
}

fn issue(env: &Env, name: &str, my_number: &str, file: &str) -> PathBuf {
    let path = env.dir.path().join(file);
    let out = env.run(&[
        "card",
        "issue",
        "--name",
        name,
        "--birth",
        "1980-05-17",
        "--my-number",
        my_number,
        "--pin",
        "1234",
        "--out",
        path.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("serial: "));
    path
}

fn read(env: &Env, reader: &Reader, card: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "reader",
        "verify",
        "--card",
        card.to_str().expect("utf-8"),
        "--api",
        &reader.api,
        "--cert",
        reader.crt.to_str().expect("utf-8"),
        "--key",
        reader.key.to_str().expect("utf-8"),
        "--on",
        "2025-06-01",
        "--json",
    ];
    args.extend_from_slice(extra);
    let out = env.run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).expect("one JSON object")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn card_flow_registration_person_centred_lookup_and_consents() {
    let (server, reader) = setup().await;
    let env = &server.env;
    let sato = issue(env, "佐藤 一郎", SATO, "sato.card");

    let answer = read(env, &reader, &sato, &["--pin", "1234"]);
    assert_eq!(answer["status"], "not_registered", "{answer}");

    let answer = read(
        env,
        &reader,
        &sato,
        &[
            "--face",
            "--register",
            "--consent-drugs",
            "yes",
            "--consent-checkups",
            "no",
        ],
    );
    assert_eq!(answer["status"], "valid", "{answer}");
    assert_eq!(answer["registered_now"], true);
    assert_eq!(answer["consents"], json!(["drugs"]));
    let q = &answer["qualification"];
    assert_eq!(
        q["insurer_number"], "138057",
        "person-centred: the new insurer"
    );
    assert_eq!(q["qualified_from"], "2025-04-01");
    assert_eq!(q["qualified_until"], Value::Null);
    assert_eq!(q["copay_ratio"], 30);
    // Every answer has an explanation (empty for valid) and its insurer data's date.
    assert_eq!(answer["explanation"], "");
    assert!(answer["data_as_of"].is_string(), "{answer}");

    // Registered now: the PIN path works without --register.
    let answer = read(env, &reader, &sato, &["--pin", "1234"]);
    assert_eq!(
        (
            answer["status"].as_str(),
            answer["registered_now"].as_bool()
        ),
        (Some("valid"), Some(false))
    );
    let consents = server
        .store
        .consents(
            &shikaku_app::PersonKey::load_or_create(&env.data_dir())
                .expect("key")
                .my_number(&shikaku_domain::MyNumber::parse(SATO).expect("valid")),
        )
        .await
        .expect("consents");
    assert_eq!(consents.len(), 1);
    assert_eq!(consents[0].kind, "drugs");
    assert_eq!(consents[0].facility_code, "1311234566");
    assert_eq!(
        consents[0].expires_at - consents[0].given_at,
        Duration::hours(24)
    );

    // A card whose 個人番号 no insurer loaded: a clear answer, and no registration.
    let nobody = issue(env, "名無 権兵衛", &unknown_my_number(), "nobody.card");
    let answer = read(env, &reader, &nobody, &["--pin", "1234", "--register"]);
    assert_eq!(answer["status"], "no_qualification", "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .is_some_and(|m| m.contains("保険者"))
    );
    assert!(
        answer["explanation"]
            .as_str()
            .is_some_and(|e| e.contains("マイナンバーカードに紐づく資格は見つかりませんでした")),
        "{answer}"
    );
    assert_eq!(answer["data_as_of"], Value::Null);

    // Renewal: a new certificate on the same card keeps the linkage.
    let out = env.run(&[
        "card",
        "renew",
        sato.to_str().expect("utf-8"),
        "--pin",
        "4321",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let answer = read(env, &reader, &sato, &["--pin", "4321"]);
    assert_eq!(
        answer["status"], "valid",
        "renewed card, still registered: {answer}"
    );

    // Every attempt is in the access log, none with personal data.
    let log = server.store.recent_access_log(50).await.expect("log");
    assert!(log.iter().filter(|e| e.kind == "my_number_card").count() >= 5);
    server.running.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_pins_lock_the_card_until_the_municipality_unlocks_it() {
    let (server, reader) = setup().await;
    let env = &server.env;
    let card = issue(env, "山田 太郎", YAMADA, "yamada.card");
    for (expected, remaining) in [("wrong_pin", 2), ("wrong_pin", 1), ("locked", 0)] {
        let answer = read(env, &reader, &card, &["--pin", "9999"]);
        assert_eq!(answer["status"], expected, "{answer}");
        assert_eq!(answer["remaining_attempts"], remaining);
    }
    // Still locked in a new process, even with the right PIN or the face.
    assert_eq!(
        read(env, &reader, &card, &["--pin", "1234"])["status"],
        "locked"
    );
    assert_eq!(read(env, &reader, &card, &["--face"])["status"], "locked");
    let out = env.run(&["card", "unlock", card.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let answer = read(env, &reader, &card, &["--pin", "1234", "--register"]);
    assert_eq!(answer["status"], "valid", "{answer}");
    server.running.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_expired_foreign_and_tampered_cards_are_refused() {
    let (server, reader) = setup().await;
    let env = &server.env;
    let card = issue(env, "山田 太郎", YAMADA, "yamada.card");
    assert_eq!(
        read(env, &reader, &card, &["--face", "--register"])["status"],
        "valid"
    );

    // Tampered file: the holder's name changed.
    let tampered = env.dir.path().join("tampered.card");
    let text = std::fs::read_to_string(&card)
        .expect("read")
        .replace("山田 太郎", "別人 次郎");
    std::fs::write(&tampered, text).expect("write");
    let answer = read(env, &reader, &tampered, &["--pin", "1234"]);
    assert_eq!(answer["status"], "tampered", "{answer}");
    assert_eq!(VirtualCard::load(&tampered).expect("load").pin_failures, 0);

    // A card from another CA (not J-LIS).
    let other_dir = tempfile::tempdir().expect("tempdir");
    let other_ca = shikaku_pki::jpki::load_or_create_ca(other_dir.path()).expect("other ca");
    let holder = CardHolder {
        name: "偽 太郎".into(),
        birth_date: "1980-05-17".into(),
    };
    let pin = Pin::parse("1234").expect("pin");
    let foreign = other_ca
        .issue_card(
            None,
            holder.clone(),
            "photo:x",
            &pin,
            OffsetDateTime::now_utc(),
        )
        .expect("issue");
    let foreign_path = env.dir.path().join("foreign.card");
    foreign.card.save(&foreign_path).expect("save");
    assert_eq!(
        read(env, &reader, &foreign_path, &["--pin", "1234"])["status"],
        "untrusted_card"
    );

    // An expired certificate from the real JPKI CA (issued six years ago, registered).
    let jpki = shikaku_pki::jpki::load_or_create_ca(&env.data_dir()).expect("jpki");
    let key = shikaku_app::PersonKey::load_or_create(&env.data_dir()).expect("key");
    let old = shikaku_app::cards::issue(
        &jpki,
        server.store.as_ref(),
        &key,
        holder,
        &shikaku_domain::MyNumber::parse(YAMADA).expect("valid"),
        &pin,
        "photo:old",
    )
    .await
    .expect("issue");
    let expired = jpki
        .issue_card(
            Some(&old.card.card_id),
            old.card.holder.clone(),
            "photo:old",
            &pin,
            OffsetDateTime::now_utc() - Duration::days(6 * 365),
        )
        .expect("expired card");
    let expired_path = env.dir.path().join("expired.card");
    expired.card.save(&expired_path).expect("save");
    assert_eq!(
        read(env, &reader, &expired_path, &["--pin", "1234"])["status"],
        "expired"
    );

    // A lost card: revoked, then refused.
    let out = env.run(&["card", "revoke", card.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("revoked: "));
    assert!(env.data_dir().join("jpki/crl.pem").exists());
    assert_eq!(read(env, &reader, &card, &["--face"])["status"], "revoked");
    server.running.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nonces_are_single_use_and_bound_to_what_was_signed() {
    let (server, reader) = setup().await;
    let env = &server.env;
    let path = issue(env, "山田 太郎", YAMADA, "yamada.card");
    let client = server.client(&reader.crt, &reader.key);
    let mut card = VirtualCard::load(&path).expect("card");
    let key = card.authenticate(&CardAuth::FaceMatched).expect("face");
    let nonce = |v: &Value| v["nonce"].as_str().expect("nonce").to_string();
    let post = |url: String, body: Value| {
        let client = client.clone();
        async move {
            let r = client.post(url).json(&body).send().await.expect("send");
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.expect("json"))
        }
    };
    let first = nonce(&post(server.url("/v1/card/challenge"), json!({})).await.1);
    let second = nonce(&post(server.url("/v1/card/challenge"), json!({})).await.1);
    let body = |n: &str, signed_over: &str, method: &str| {
        let sig = key.sign(&challenge_message(
            &hex::decode(signed_over).expect("hex"),
            method,
        ));
        json!({"nonce": n, "certificate": card.certificate_pem, "signature": hex::encode(sig),
               "method": method, "register": true})
    };
    // Signed over another nonce.
    let (code, v) = post(server.url("/v1/card/verify"), body(&second, &first, "face")).await;
    assert_eq!((code, v["status"].as_str()), (200, Some("bad_signature")));
    // The reader said pin but the card signed "face".
    let third = nonce(&post(server.url("/v1/card/challenge"), json!({})).await.1);
    let mut lying = body(&third, &third, "face");
    lying["method"] = "pin".into();
    let (_, v) = post(server.url("/v1/card/verify"), lying).await;
    assert_eq!(v["status"], "bad_signature");
    // A good request, then the same request replayed.
    let good = body(&first, &first, "face");
    let (_, v) = post(server.url("/v1/card/verify"), good.clone()).await;
    assert_eq!(v["status"], "valid", "{v}");
    let (_, v) = post(server.url("/v1/card/verify"), good).await;
    assert_eq!(v["status"], "nonce_invalid");
    // Malformed bodies.
    let (code, v) = post(
        server.url("/v1/card/verify"),
        json!({"nonce": "zz", "certificate": "x",
        "signature": "", "method": "eyes"}),
    )
    .await;
    assert_eq!(code, 422, "{v}");
    let fields: Vec<&str> = v["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert_eq!(fields, ["nonce", "signature", "certificate", "method"]);
    let (code, _) = post(
        server.url("/v1/card/verify"),
        json!({"nonce": first, "extra": 1}),
    )
    .await;
    assert_eq!(code, 400);
    server.running.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drug_and_checkup_information_only_under_a_live_consent_at_this_facility() {
    use crate::support::{checkups_csv, drugs_csv};
    let (server, reader) = setup().await;
    let env = &server.env;
    for (kind, csv) in [("drugs", drugs_csv()), ("checkups", checkups_csv())] {
        let file = env.write(&format!("{kind}.csv"), csv);
        let out = env.run(&["import", kind, file.to_str().expect("utf-8")]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let sato_card = json!({"insurer_number": "138057", "symbol": "国1", "number": "5",
                           "branch": "00", "birth_date": "1970-01-20"});
    let client = server.client(&reader.crt, &reader.key);
    let post = |path: &str, body: &Value| {
        let request = client.post(server.url(path)).json(body);
        async move {
            let r = request.send().await.expect("send");
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.expect("json"))
        }
    };
    // Before any consent.
    let (code, v) = post("/v1/drugs", &sato_card).await;
    assert_eq!(
        (code, v["error"].as_str()),
        (403, Some("no_consent")),
        "{v}"
    );

    let card = issue(env, "佐藤 一郎", SATO, "sato.card");
    let answer = read(
        env,
        &reader,
        &card,
        &[
            "--pin",
            "1234",
            "--register",
            "--consent-drugs",
            "yes",
            "--consent-checkups",
            "no",
        ],
    );
    assert_eq!(answer["status"], "valid", "{answer}");

    let (code, v) = post("/v1/drugs", &sato_card).await;
    assert_eq!(code, 200, "{v}");
    let records = v["records"].as_array().expect("records");
    let dates: Vec<&str> = records
        .iter()
        .filter_map(|r| r["dispensed_on"].as_str())
        .collect();
    // Three years back from today, newest first, across both insurers (same 個人番号).
    let today = shikaku_domain::date::jst_date(OffsetDateTime::now_utc());
    let since = today.replace_year(today.year() - 3).expect("date");
    let expected: Vec<&str> = ["2025-05-20", "2024-11-02", "2021-01-10"]
        .into_iter()
        .filter(|d| shikaku_domain::parse_date(d).expect("date") >= since)
        .collect();
    assert_eq!(dates, expected);
    assert_eq!(
        records[0]["quantity"], "2.000",
        "fixed-point, never a float"
    );
    assert!(v["consent_expires_at"].is_string());

    // Checkups were refused at the reader.
    let (code, v) = post("/v1/checkups", &sato_card).await;
    assert_eq!(
        (code, v["error"].as_str()),
        (403, Some("no_consent")),
        "{v}"
    );

    // Another facility's terminal cannot use this facility's consent.
    let other = shikaku_domain::FacilityCode::parse("2711111111").expect("facility");
    let issued = shikaku_app::terminal_certs::issue(
        &server.ca,
        server.store.as_ref(),
        &other,
        "受付",
        OffsetDateTime::now_utc() - Duration::hours(1),
        30,
    )
    .await
    .expect("issue");
    let crt = env.write("other.crt", &issued.cert_pem);
    let key = env.write("other.key", &issued.key_pem);
    let other_client = server.client(&crt, &key);
    let r = other_client
        .post(server.url("/v1/drugs"))
        .json(&sato_card)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 403);

    // An expired consent.
    let hash = shikaku_app::PersonKey::load_or_create(&env.data_dir())
        .expect("key")
        .my_number(&shikaku_domain::MyNumber::parse(SATO).expect("valid"));
    let past = OffsetDateTime::now_utc() - Duration::days(3);
    server
        .store
        .record_consent(&shikaku_store::Consent {
            my_number_hash: hash,
            facility_code: "1311234566".into(),
            kind: "checkups".into(),
            given_at: past,
            expires_at: past + Duration::hours(24),
        })
        .await
        .expect("consent");
    let (code, v) = post("/v1/checkups", &sato_card).await;
    assert_eq!(
        (code, v["error"].as_str()),
        (403, Some("consent_expired")),
        "{v}"
    );

    // A wrong birth date is no match.
    let mut wrong = sato_card.clone();
    wrong["birth_date"] = "1970-01-21".into();
    let (code, v) = post("/v1/drugs", &wrong).await;
    assert_eq!((code, v["error"].as_str()), (404, Some("no_match")), "{v}");

    // Someone tries 佐藤's card numbers with a wrong birth date: 該当資格なし, and the holder
    // sees the try (issue 21, finding 3).
    let mut guess = sato_card.clone();
    guess["birth_date"] = "1970-02-20".into();
    let (code, v) = post("/v1/eligibility", &guess).await;
    assert_eq!((code, v["status"].as_str()), (200, Some("no_match")), "{v}");

    let log = server.store.recent_access_log(20).await.expect("log");
    let statuses: Vec<(&str, &str)> = log
        .iter()
        .filter(|e| e.kind == "drugs" || e.kind == "checkups")
        .map(|e| (e.kind.as_str(), e.status.as_str()))
        .collect();
    assert!(statuses.contains(&("drugs", "shown")));
    assert!(statuses.contains(&("checkups", "consent_expired")));

    // マイナポータル: the holder sees every access to their information and their consents.
    let web = format!("http://{}", server.running.web_addr);
    let portal = |card: &Path, pin: &str| {
        let out = env.run(&[
            "mynaportal",
            "log",
            "--card",
            card.to_str().expect("utf-8"),
            "--pin",
            pin,
            "--web",
            &web,
            "--json",
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_str::<Value>(&stdout(&out)).expect("JSON")
    };
    let mine = portal(&card, "1234");
    let seen: Vec<(String, String)> = mine["accesses"]
        .as_array()
        .expect("accesses")
        .iter()
        .map(|a| {
            (
                a["kind"].as_str().unwrap_or_default().into(),
                a["status"].as_str().unwrap_or_default().into(),
            )
        })
        .collect();
    assert!(
        mine["accesses"]
            .as_array()
            .expect("accesses")
            .iter()
            .any(|a| a["kind_label"] == "照会（不一致）"
                && a["facility_code"] == "1311234566"
                && a["status"] == "no_match"),
        "{mine}"
    );
    for expected in [
        ("card_numbers", "no_match"),
        ("my_number_card", "valid"),
        ("drugs", "shown"),
        ("drugs", "no_consent"),
        ("checkups", "consent_expired"),
    ] {
        assert!(
            seen.contains(&(expected.0.to_string(), expected.1.to_string())),
            "{expected:?} in {seen:?}"
        );
    }
    assert!(
        mine["accesses"][0]["at"]
            .as_str()
            .is_some_and(|t| t.ends_with("+09:00")),
        "shown in JST"
    );
    let consents = mine["consents"].as_array().expect("consents");
    assert!(
        consents
            .iter()
            .any(|c| c["kind"] == "drugs" && c["live"] == true)
    );
    assert!(mine["registered_at"].is_string());
    // Someone else's card shows none of it.
    let yamada = issue(env, "山田 太郎", YAMADA, "yamada.card");
    let theirs = portal(&yamada, "1234");
    assert_eq!(theirs["accesses"], json!([]), "{theirs}");
    assert_eq!(theirs["consents"], json!([]));
    // A wrong PIN is refused at the card.
    assert_eq!(portal(&yamada, "0000")["status"], "wrong_pin");
    server.running.shutdown();
}

/// The reader's web page drives the same flow: put a card, 顔認証, 初回登録, consents, result.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reader_web_page_runs_the_same_flow() {
    let (server, reader) = setup().await;
    let env = &server.env;
    let cards = env.dir.path().join("cards");
    std::fs::create_dir_all(&cards).expect("cards dir");
    let out = env.run(&[
        "card",
        "issue",
        "--name",
        "佐藤 一郎",
        "--birth",
        "1970-01-20",
        "--my-number",
        SATO,
        "--pin",
        "1234",
        "--out",
        cards.join("sato.json").to_str().expect("utf-8"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let centre = shikaku_terminal::reader::Centre {
        api: reader.api.clone(),
        ca: server.ca.cert_path(),
        cert: reader.crt.clone(),
        key: reader.key.clone(),
        oqs_dir: None,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let page = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(shikaku_terminal::reader_web::serve(listener, centre, cards));
    let http = reqwest::Client::new();
    let start = http
        .get(&page)
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    assert!(
        start.contains("カードを置いてください") && start.contains("sato.json"),
        "{start}"
    );

    let submit = |form: Vec<(&'static str, &'static str)>| {
        let http = http.clone();
        let url = format!("{page}/verify");
        async move {
            http.post(url)
                .form(&form)
                .send()
                .await
                .expect("post")
                .text()
                .await
                .expect("text")
        }
    };
    let first = submit(vec![
        ("card", "sato.json"),
        ("method", "face"),
        ("face_matched", "yes"),
        ("consent_drugs", "yes"),
        ("consent_checkups", "no"),
        ("register", "no"),
    ])
    .await;
    assert!(first.contains("初回登録"), "{first}");
    assert!(!first.contains("1234"), "the PIN is never echoed");
    let done = submit(vec![
        ("card", "sato.json"),
        ("method", "pin"),
        ("pin", "1234"),
        ("consent_drugs", "yes"),
        ("consent_checkups", "no"),
        ("register", "yes"),
    ])
    .await;
    assert!(done.contains("data-status=\"valid\""), "{done}");
    assert!(
        done.contains("138057") && done.contains("登録しました"),
        "{done}"
    );
    // A face that does not match never reaches the centre; a card outside the folder is refused.
    let face = submit(vec![("card", "sato.json"), ("method", "face")]).await;
    assert!(face.contains("data-status=\"face_mismatch\""), "{face}");
    let escape = submit(vec![
        ("card", "../yamada.card"),
        ("method", "face"),
        ("face_matched", "yes"),
    ])
    .await;
    assert!(escape.contains("data-status=\"bad_card\""), "{escape}");
    server.running.shutdown();
}

/// An inpatient's consent lasts until the facility records the discharge.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inpatient_consent_lasts_until_discharge() {
    let (server, reader) = setup().await;
    let env = &server.env;
    let file = env.write("drugs.csv", crate::support::drugs_csv());
    assert!(
        env.run(&["import", "drugs", file.to_str().expect("utf-8")])
            .status
            .success()
    );
    let card = issue(env, "佐藤 一郎", SATO, "sato.card");
    let answer = read(
        env,
        &reader,
        &card,
        &[
            "--face",
            "--register",
            "--inpatient",
            "--consent-drugs",
            "yes",
        ],
    );
    assert_eq!(answer["status"], "valid", "{answer}");
    assert!(
        answer["consent_expires_at"]
            .as_str()
            .is_some_and(|t| t.starts_with("9999")),
        "{answer}"
    );
    let sato = json!({"insurer_number": "138057", "symbol": "国1", "number": "5",
                      "branch": "00", "birth_date": "1970-01-20"});
    let client = server.client(&reader.crt, &reader.key);
    let post = |path: &str| client.post(server.url(path)).json(&sato).send();
    assert_eq!(
        post("/v1/drugs").await.expect("drugs").status().as_u16(),
        200
    );
    let r = post("/v1/discharge").await.expect("discharge");
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.json::<Value>().await.expect("json")["consents_ended"], 1);
    let r = post("/v1/drugs").await.expect("drugs");
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(
        r.json::<Value>().await.expect("json")["error"],
        "consent_expired"
    );
    server.running.shutdown();
}
