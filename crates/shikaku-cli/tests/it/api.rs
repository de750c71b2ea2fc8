//! The eligibility API over real mutual TLS: real certificates from the system's CA, a real
//! rustls client, both stores.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Value, json};
use shikaku_api::ServeConfig;
use shikaku_app::EligibilityService;
use shikaku_domain::FacilityCode;
use shikaku_store::testing::TempPg;
use time::{Duration, OffsetDateTime};

use crate::support::{Env, fixture_csv};

/// The body of a plain GET (the web listener).
async fn get_text(url: impl reqwest::IntoUrl) -> String {
    reqwest::get(url)
        .await
        .expect("get")
        .text()
        .await
        .expect("text")
}

pub(crate) struct Server {
    pub(crate) env: Env,
    pub(crate) running: shikaku_api::Running,
    pub(crate) ca: shikaku_pki::Ca,
    pub(crate) store: Arc<dyn shikaku_store::Store>,
}

impl Server {
    pub(crate) async fn start(env: Env) -> Self {
        Self::start_with_mail(env, shikaku_cli::serve::MailArgs::default()).await
    }

    /// The servers with mails going where `mail` says.
    pub(crate) async fn start_with_mail(env: Env, mail: shikaku_cli::serve::MailArgs) -> Self {
        Self::start_configured(env, mail, Vec::new()).await
    }

    /// … and these reverse proxies trusted for X-Forwarded-For.
    pub(crate) async fn start_configured(
        env: Env,
        mail: shikaku_cli::serve::MailArgs,
        trusted_proxies: Vec<std::net::IpAddr>,
    ) -> Self {
        Self::start_full(env, mail, trusted_proxies, None).await
    }

    /// … and the web listener over TLS with these PEM files (certificate chain, key).
    pub(crate) async fn start_full(
        env: Env,
        mail: shikaku_cli::serve::MailArgs,
        trusted_proxies: Vec<std::net::IpAddr>,
        web_tls: Option<(PathBuf, PathBuf)>,
    ) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let file = env.write("q.csv", fixture_csv());
        let out = env.import(&file, &[]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let store = shikaku_store::open(&env.db).await.expect("open store");
        // The facility register the portal tests register against.
        let register = env.write("facility-register.csv", crate::support::FACILITY_REGISTER);
        let out = env.run(&["import", "facilities", register.to_str().expect("utf-8")]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let ca = shikaku_pki::Ca::load_or_create(&env.data_dir()).expect("ca");
        let any: SocketAddr = "127.0.0.1:0".parse().expect("addr");
        let config = ServeConfig {
            api_addr: any,
            web_addr: any,
            server_names: vec!["localhost".into(), "127.0.0.1".into()],
            web_tls: web_tls.clone(),
        };
        let mut state = shikaku_cli::serve::app_state(
            store.clone(),
            &env.data_dir(),
            None,
            web_tls.is_some(),
            &mail,
        )
        .await
        .expect("state");
        state.trusted_proxies = trusted_proxies;
        let running = shikaku_api::start(state.into(), &ca, config)
            .await
            .expect("start");
        Self {
            env,
            running,
            ca,
            store,
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.running.api_addr.port())
    }

    /// Issues a terminal certificate valid from `not_before` for `days`, written as PEM files.
    pub(crate) async fn terminal(
        &self,
        name: &str,
        not_before: OffsetDateTime,
        days: i64,
    ) -> (PathBuf, PathBuf, String) {
        let facility = FacilityCode::parse("1311234566").expect("facility");
        let issued = shikaku_app::terminal_certs::issue(
            &self.ca,
            self.store.as_ref(),
            &facility,
            name,
            not_before,
            days,
        )
        .await
        .expect("issue");
        let crt = self.env.write(&format!("{name}.crt"), &issued.cert_pem);
        let key = self.env.write(&format!("{name}.key"), &issued.key_pem);
        (crt, key, issued.serial)
    }

    pub(crate) fn client(&self, crt: &Path, key: &Path) -> reqwest::Client {
        shikaku_terminal::client::mtls_client(&self.ca.cert_path(), crt, key, 4).expect("client")
    }

    fn client_without_certificate(&self) -> reqwest::Client {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(rustls::pki_types::CertificateDer::from(
                self.ca.cert_der().to_vec(),
            ))
            .expect("root");
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
        reqwest::Client::builder()
            .tls_backend_preconfigured(config)
            .build()
            .expect("client")
    }
}

pub(crate) async fn post(client: &reqwest::Client, url: &str, body: &str) -> (u16, Value) {
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

pub(crate) fn lookup_body(birth: &str) -> String {
    json!({"insurer_number": "01130012", "symbol": "12", "number": "345", "branch": "00", "birth_date": birth, "as_of": "2025-06-01"})
        .to_string()
}

async fn lookups_and_access_log(server: &Server) {
    let (crt, key, serial) = server
        .terminal("受付1", OffsetDateTime::now_utc() - Duration::hours(1), 30)
        .await;
    let client = server.client(&crt, &key);
    let (status, body) = post(
        &client,
        &server.url("/v1/eligibility"),
        &lookup_body("1980-05-17"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "valid");
    assert_eq!(body["qualification"]["name"], "山田 太郎");
    let (status, body) = post(
        &client,
        &server.url("/v1/eligibility"),
        &lookup_body("1980-05-18"),
    )
    .await;
    assert_eq!(status, 200);
    let today = shikaku_domain::date::format_date(shikaku_domain::date::jst_date(
        time::OffsetDateTime::now_utc(),
    ));
    let explanation = body["explanation"].as_str().unwrap_or_default().to_string();
    assert_eq!(
        body,
        json!({"status": "no_match", "status_label": "該当資格なし", "validity_code": 4, "as_of": "2025-06-01",
               "explanation": explanation, "data_as_of": today})
    );
    // What to check — the numbers as typed and how old the insurer's data is — never the
    // birth date that did not match.
    assert!(
        explanation.contains("記号 12、番号 345、枝番 00")
            && explanation.contains("時点のものです")
            && !explanation.contains("生年月日"),
        "{explanation}"
    );
    let english = client
        .post(server.url("/v1/eligibility"))
        .header("content-type", "application/json")
        .header("accept-language", "en-US,en;q=0.9,ja;q=0.8")
        .body(lookup_body("1980-05-18"))
        .send()
        .await
        .expect("request")
        .json::<Value>()
        .await
        .expect("json");
    assert!(
        english["explanation"]
            .as_str()
            .is_some_and(|e| e.contains("symbol 12, number 345, branch 00") && !e.contains("birth")),
        "{english}"
    );
    let body = json!({"insurer_number": "06138093", "number": "777", "branch": "00", "birth_date": "1970-01-20", "as_of": "2025-06-01"});
    let (_, body) = post(&client, &server.url("/v1/eligibility"), &body.to_string()).await;
    assert_eq!(body["status"], "lost_newer");
    assert_eq!(body["newer"]["insurer_number"], "138057");

    // Every request is in the access log: facility and terminal from the certificate, a
    // keyed hash of the person, and never a name or number.
    let log = server.store.recent_access_log(4).await.expect("log");
    assert_eq!(log.len(), 4);
    assert!(log.iter().all(|e| e.facility_code == "1311234566"
        && e.terminal_name == "受付1"
        && e.cert_serial == serial));
    assert_eq!(
        log.iter().map(|e| e.status.as_str()).collect::<Vec<_>>(),
        vec!["lost_newer", "no_match", "no_match", "valid"]
    );
    assert!(log.iter().all(|e| e.person_hash.len() == 32));
    let text: String = log
        .iter()
        .map(|e| {
            format!(
                "{} {} {} {} {} {}",
                e.facility_code,
                e.terminal_name,
                e.cert_serial,
                e.kind,
                e.status,
                hex(&e.person_hash)
            )
        })
        .collect();
    for secret in [
        "山田",
        "ヤマダ",
        "0113001212345",
        "1980-05-17",
        "06138093777",
    ] {
        assert!(!text.contains(secret), "access log holds {secret}");
    }
}

/// Without 枝番: the one person with this birth date, or 複数該当 when the birth date does not
/// tell the branches apart.
async fn branchless_queries(server: &Server) {
    let (crt, key, _) = server
        .terminal("受付3", OffsetDateTime::now_utc() - Duration::hours(1), 30)
        .await;
    let client = server.client(&crt, &key);
    let url = server.url("/v1/eligibility");
    let (status, body) = post(&client, &url, r#"{"insurer_number":"01130012","symbol":"12","number":"345","birth_date":"1980-05-17","as_of":"2025-06-01"}"#).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("valid")),
        "{body}"
    );
    assert_eq!(body["qualification"]["branch"], "00");
    let (_, body) = post(&client, &url, r#"{"insurer_number":"01130012","symbol":"12","number":"345","branch":"","birth_date":"2019-02-03","as_of":"2025-06-01"}"#).await;
    assert_eq!(body["qualification"]["branch"], "01", "{body}");
    let (_, body) = post(&client, &url, r#"{"insurer_number":"01130012","symbol":"12","number":"345","birth_date":"1901-01-01","as_of":"2025-06-01"}"#).await;
    assert_eq!(body["status"], "no_match");
    // Twins on one card: same number and birth date, branches 01 and 02.
    let twins = format!(
        "{}\n01130012,55,9,01,T1,2,双子 一,フタゴ ハジメ,1,2015-05-05,2015-05-05,,20,,,\n01130012,55,9,02,T2,2,双子 二,フタゴ フタバ,2,2015-05-05,2015-05-05,,20,,,\n",
        crate::support::HEADER
    );
    let file = server.env.write("twins.csv", twins);
    assert!(server.env.import(&file, &[]).status.success());
    let (_, body) = post(
        &client,
        &url,
        r#"{"insurer_number":"01130012","symbol":"55","number":"9","birth_date":"2015-05-05"}"#,
    )
    .await;
    assert_eq!(
        (body["status"].as_str(), body["validity_code"].as_u64()),
        (Some("multiple"), Some(5)),
        "{body}"
    );
    assert!(
        body.get("qualification").is_none(),
        "multiple reveals no one"
    );
}

/// A resent request with the same Idempotency-Key is answered from the store: logged once.
async fn idempotent_resends(server: &Server) {
    let (crt, key, _) = server
        .terminal("受付4", OffsetDateTime::now_utc() - Duration::hours(1), 30)
        .await;
    let client = server.client(&crt, &key);
    let url = server.url("/v1/eligibility");
    let body = lookup_body("1980-05-17");
    let logged = || async {
        server
            .store
            .recent_access_log(10_000)
            .await
            .expect("log")
            .len()
    };
    let before = logged().await;
    let send = || {
        client
            .post(&url)
            .header("content-type", "application/json")
            .header("idempotency-key", "OQSsiquc01req_202611240001.xml#ab12")
            .body(body.clone())
            .send()
    };
    let first = send().await.expect("first");
    assert!(first.headers().get("idempotent-replay").is_none());
    let first: Value = first.json().await.expect("json");
    let again = send().await.expect("again");
    assert_eq!(
        again
            .headers()
            .get("idempotent-replay")
            .map(|v| v.as_bytes()),
        Some(&b"true"[..])
    );
    assert_eq!(again.json::<Value>().await.expect("json"), first);
    // Issue 21, finding 4: the replay is logged, marked as one, for the same person.
    assert_eq!(logged().await, before + 2, "the answer and its replay");
    let log = server.store.recent_access_log(2).await.expect("log");
    assert_eq!(log[0].kind, "card_numbers_replay");
    assert_eq!(log[0].status, log[1].status);
    assert_eq!(log[0].person_hash, log[1].person_hash);

    // The same key with another body: refused, never the first patient's answer.
    let other = client
        .post(&url)
        .header("content-type", "application/json")
        .header("idempotency-key", "OQSsiquc01req_202611240001.xml#ab12")
        .body(lookup_body("1901-01-01"))
        .send()
        .await
        .expect("other body");
    assert_eq!(other.status().as_u16(), 422);
    let refusal: Value = other.json().await.expect("json");
    assert_eq!(refusal["error"], "idempotency_key_reused", "{refusal}");
    assert!(refusal.get("qualification").is_none());

    // Another terminal of the facility with the same key: its own request, answered afresh.
    let (crt2, key2, _) = server
        .terminal("受付6", OffsetDateTime::now_utc() - Duration::hours(1), 30)
        .await;
    let other_terminal = server
        .client(&crt2, &key2)
        .post(&url)
        .header("content-type", "application/json")
        .header("idempotency-key", "OQSsiquc01req_202611240001.xml#ab12")
        .body(body.clone())
        .send()
        .await
        .expect("other terminal");
    assert_eq!(other_terminal.status().as_u16(), 200);
    assert!(other_terminal.headers().get("idempotent-replay").is_none());

    // Another endpoint with the same key: a batch is accepted, not answered with a lookup.
    let batch = client
        .post(server.url("/v1/batches"))
        .header("content-type", "application/json")
        .header("idempotency-key", "OQSsiquc01req_202611240001.xml#ab12")
        .body(json!({"items": [{"insurer_number": "01130012", "symbol": "12", "number": "345", "branch": "00", "birth_date": "1980-05-17"}]}).to_string())
        .send()
        .await
        .expect("batch");
    assert_eq!(batch.status().as_u16(), 202);
    assert!(batch.headers().get("idempotent-replay").is_none());

    // An answer stored more than 24 hours ago is not replayed, and the sweep deletes it.
    let stale_key = "OQSsiquc01req_202611230001.xml#cd34";
    let serial_scope = shikaku_store::IdempotencyScope {
        facility_code: "1311234566".into(),
        terminal_name: "受付4".into(),
        endpoint: "eligibility".into(),
    };
    server
        .store
        .save_idempotent_response(
            &serial_scope,
            stale_key,
            &shikaku_store::StoredAnswer {
                request_digest: hex::encode(ring::digest::digest(
                    &ring::digest::SHA256,
                    body.as_bytes(),
                )),
                status: 200,
                body: "{\"stale\":true}".into(),
                logged: "[]".into(),
                created_at: OffsetDateTime::now_utc() - Duration::hours(25),
            },
            OffsetDateTime::now_utc() - Duration::hours(24),
        )
        .await
        .expect("stale answer");
    let fresh = client
        .post(&url)
        .header("content-type", "application/json")
        .header("idempotency-key", stale_key)
        .body(body.clone())
        .send()
        .await
        .expect("after expiry");
    assert!(fresh.headers().get("idempotent-replay").is_none());
    assert_eq!(fresh.json::<Value>().await.expect("json"), first);
    let again = client
        .post(&url)
        .header("content-type", "application/json")
        .header("idempotency-key", stale_key)
        .body(body.clone())
        .send()
        .await
        .expect("replay of the fresh answer");
    assert!(
        again.headers().get("idempotent-replay").is_some(),
        "the fresh answer replaced the stale one"
    );
    let stored = server
        .store
        .idempotent_response(
            &serial_scope,
            stale_key,
            OffsetDateTime::now_utc() - Duration::hours(24),
        )
        .await
        .expect("stored")
        .expect("some");
    assert!(!stored.body.contains("stale"));
    // The sweep deletes what is older than 24 hours.
    assert_eq!(
        server
            .store
            .expire_idempotent_responses(OffsetDateTime::now_utc() + Duration::minutes(1))
            .await
            .expect("sweep")
            .min(1),
        1
    );
    assert!(
        server
            .store
            .idempotent_response(
                &serial_scope,
                stale_key,
                OffsetDateTime::now_utc() - Duration::hours(48)
            )
            .await
            .expect("gone")
            .is_none()
    );
}

/// 一括照会: a job is accepted at once and answered in input order, per-person failures included.
async fn batch_jobs(server: &Server) {
    let (crt, key, _) = server
        .terminal("受付5", OffsetDateTime::now_utc() - Duration::hours(1), 30)
        .await;
    let client = server.client(&crt, &key);
    let items = json!({"as_of": "2025-06-01", "items": [
        {"insurer_number": "01130012", "symbol": "12", "number": "345", "branch": "00", "birth_date": "1980-05-17"},
        {"insurer_number": "06138093", "number": "777", "branch": "00", "birth_date": "1970-01-20"},
        {"insurer_number": "01130013", "number": "1", "birth_date": "1980-01-01"},
        {"insurer_number": "39131156", "number": "900", "branch": "00", "birth_date": "1901-01-01"},
    ]});
    let r = client
        .post(server.url("/v1/batches"))
        .json(&items)
        .send()
        .await
        .expect("submit");
    assert_eq!(r.status().as_u16(), 202);
    let id = r.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let mut done = Value::Null;
    for _ in 0..100 {
        let v: Value = client
            .get(server.url(&format!("/v1/batches/{id}")))
            .send()
            .await
            .expect("poll")
            .json()
            .await
            .expect("json");
        if v["status"] == "done" {
            done = v;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let results = done["results"].as_array().expect("done with results");
    let statuses: Vec<&str> = results
        .iter()
        .map(|r| {
            r["status"]
                .as_str()
                .or(r["error"]["error"].as_str())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(
        statuses,
        ["valid", "lost_newer", "invalid_request", "no_match"],
        "{done}"
    );
    let indexes: Vec<u64> = results.iter().filter_map(|r| r["index"].as_u64()).collect();
    assert_eq!(indexes, [0, 1, 2, 3]);
    // Another facility cannot read it.
    let other = shikaku_domain::FacilityCode::parse("2711111111").expect("facility");
    let issued = shikaku_app::terminal_certs::issue(
        &server.ca,
        server.store.as_ref(),
        &other,
        "他院",
        OffsetDateTime::now_utc() - Duration::hours(1),
        30,
    )
    .await
    .expect("issue");
    let crt = server.env.write("other5.crt", &issued.cert_pem);
    let key = server.env.write("other5.key", &issued.key_pem);
    let r = server
        .client(&crt, &key)
        .get(server.url(&format!("/v1/batches/{id}")))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status().as_u16(), 404);
    // Limits.
    let r = client
        .post(server.url("/v1/batches"))
        .json(&json!({"items": []}))
        .send()
        .await
        .expect("empty");
    assert_eq!(r.status().as_u16(), 422);

    // A job left queued by a previous run is finished when the service starts again.
    let job = shikaku_store::BatchJob {
        id: "RCRESUMED0001".into(),
        facility_code: "1311234566".into(),
        terminal_name: "受付5".into(),
        cert_serial: "00".into(),
        created_at: OffsetDateTime::now_utc(),
        status: "queued".into(),
        request: json!([{"insurer_number": "01130012", "symbol": "12", "number": "345", "branch": "00", "birth_date": "1980-05-17", "as_of": "2025-06-01"}]).to_string(),
        result: None,
        finished_at: None,
    };
    server.store.insert_batch(&job).await.expect("insert");
    let key = shikaku_app::PersonKey::load_or_create(&server.env.data_dir()).expect("key");
    let _restarted = shikaku_app::batches::BatchService::start(EligibilityService::new(
        server.store.clone(),
        key,
    ))
    .await
    .expect("start");
    let mut finished = None;
    for _ in 0..100 {
        let j = server
            .store
            .batch("RCRESUMED0001")
            .await
            .expect("get")
            .expect("exists");
        if j.status == "done" {
            finished = j.result;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let results: Value = serde_json::from_str(&finished.expect("resumed and done")).expect("json");
    assert_eq!(results[0]["status"], "valid");
}

async fn malformed_requests(server: &Server) {
    let (crt, key, _) = server
        .terminal("受付2", OffsetDateTime::now_utc() - Duration::hours(1), 30)
        .await;
    let client = server.client(&crt, &key);
    let url = server.url("/v1/eligibility");
    let (status, body) = post(&client, &url, "{\"insurer_number\": ").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("malformed_json"))
    );
    let (status, body) = post(&client, &url, r#"{"insurer_number":"01130012","number":"345","branch":"00","birth_date":"1980-05-17","nickname":"x"}"#).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unknown_field"))
    );
    assert_eq!(body["fields"][0]["field"], "nickname");
    let (status, body) = post(
        &client,
        &url,
        r#"{"insurer_number":"01130013","number":"345","branch":"000","birth_date":"1980-13-01"}"#,
    )
    .await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert_eq!(fields, vec!["insurer_number", "branch", "birth_date"]);
    let response = client
        .post(&url)
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 415);
    let response = client
        .post(&url)
        .header("content-type", "application/json")
        .body(vec![b' '; 20_000])
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 413);
    // As JSON, like every other refusal (issue 21, Low).
    let v: Value = response.json().await.expect("a JSON 413");
    assert_eq!(v["error"], "payload_too_large", "{v}");
    // The OpenAPI document describes the endpoint.
    let doc: Value = client
        .get(server.url("/openapi.json"))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert!(doc["paths"]["/v1/eligibility"]["post"].is_object(), "{doc}");
}

async fn certificate_cases(server: &Server) {
    let url = server.url("/v1/eligibility");
    let body = lookup_body("1980-05-17");

    // No certificate: the handshake is refused.
    let result = server
        .client_without_certificate()
        .post(&url)
        .body(body.clone())
        .send()
        .await;
    assert!(
        result.is_err(),
        "a request without a client certificate got {result:?}"
    );

    // Expired certificate: refused by the handshake.
    let (crt, key, _) = server
        .terminal(
            "期限切れ",
            OffsetDateTime::now_utc() - Duration::days(10),
            2,
        )
        .await;
    assert!(
        server
            .client(&crt, &key)
            .post(&url)
            .body(body.clone())
            .send()
            .await
            .is_err()
    );

    // A certificate from another CA: refused by the handshake.
    let foreign_dir = tempfile::tempdir().expect("tempdir");
    let foreign = shikaku_pki::Ca::load_or_create(foreign_dir.path()).expect("foreign ca");
    let facility = FacilityCode::parse("1311234566").expect("facility");
    let issued = foreign
        .issue_terminal(&facility, "偽物", OffsetDateTime::now_utc(), 30)
        .expect("issue");
    let fcrt = server.env.write("foreign.crt", &issued.cert_pem);
    let fkey = server.env.write("foreign.key", &issued.key_pem);
    assert!(
        server
            .client(&fcrt, &fkey)
            .post(&url)
            .body(body.clone())
            .send()
            .await
            .is_err()
    );

    // Revocation takes effect for the next request on the same keep-alive connection.
    let (crt, key, serial) = server
        .terminal("受付3", OffsetDateTime::now_utc() - Duration::hours(1), 30)
        .await;
    let client = server.client(&crt, &key);
    let (status, _) = post(&client, &url, &body).await;
    assert_eq!(status, 200);
    let before = server
        .store
        .recent_access_log(1000)
        .await
        .expect("log")
        .len();
    shikaku_app::terminal_certs::revoke(&server.ca, server.store.as_ref(), &serial)
        .await
        .expect("revoke");
    let (status, error) = post(&client, &url, &body).await;
    assert_eq!(
        (status, error["error"].as_str()),
        (403, Some("certificate_revoked"))
    );
    let after = server
        .store
        .recent_access_log(1000)
        .await
        .expect("log")
        .len();
    assert_eq!(
        before, after,
        "a refused request must not read or log eligibility data"
    );
}

async fn full_suite(server: Server) {
    lookups_and_access_log(&server).await;
    malformed_requests(&server).await;
    branchless_queries(&server).await;
    idempotent_resends(&server).await;
    batch_jobs(&server).await;
    certificate_cases(&server).await;
    // The web listener answers health checks without TLS.
    let health = reqwest::get(format!("http://{}/healthz", server.running.web_addr))
        .await
        .expect("health");
    assert_eq!(health.text().await.expect("text"), "ok");
    let ready = reqwest::get(format!("http://{}/readyz", server.running.web_addr))
        .await
        .expect("ready");
    assert_eq!(ready.status().as_u16(), 200);
    // Prometheus metrics of what just happened.
    let metrics = get_text(format!("http://{}/metrics", server.running.web_addr)).await;
    assert!(
        metrics.contains("shikaku_lookups_total{status=\"valid\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("shikaku_http_request_duration_seconds")
            && metrics.contains("route=\"/v1/eligibility\""),
        "{metrics}"
    );
    assert!(metrics.contains("shikaku_batch_persons_total"), "{metrics}");
    server.running.shutdown();
}

/// The FAQ page and the CLI answer from the same index, in the same order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faq_pages_match_the_cli() {
    let server = Server::start(Env::sqlite()).await;
    let web = format!("http://{}", server.running.web_addr);
    for query in [
        "補助金 いくら",
        "カードリーダー 何台",
        "ﾎｼﾞｮｷﾝ",
        "電子証明書 再発行",
    ] {
        let out = server.env.run(&["faq", "search", query, "--json"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let cli: Vec<Value> = serde_json::from_slice(&out.stdout).expect("JSON array");
        let cli_ids: Vec<&str> = cli.iter().filter_map(|h| h["id"].as_str()).collect();
        assert!(!cli_ids.is_empty(), "{query}");
        assert!(cli.iter().all(|h| h["title"].is_string()));

        let url = reqwest::Url::parse_with_params(&format!("{web}/faq/search"), [("q", query)])
            .expect("url");
        let page = reqwest::get(url.clone()).await.expect("page");
        assert_eq!(page.status().as_u16(), 200);
        let html = page.text().await.expect("html");
        let page_ids: Vec<&str> = html
            .split("data-faq-id=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        assert_eq!(page_ids, cli_ids, "{query}");
        assert!(html.contains("<html lang=\"ja\""));

        // Search-as-you-type: htmx asks for the fragment only.
        let fragment = reqwest::Client::new()
            .get(url)
            .header("HX-Request", "true")
            .send()
            .await
            .expect("fragment")
            .text()
            .await
            .expect("text");
        assert!(!fragment.contains("<html"), "a fragment, not a page");
        assert!(fragment.contains(&format!("data-faq-id=\"{}\"", cli_ids[0])));
    }
    // Entries, the English switch, a missing entry, markup in queries is escaped.
    let entry = get_text(format!("{web}/faq/subsidy-amount?lang=en")).await;
    assert!(
        entry.contains("<html lang=\"en\"")
            && entry.contains("up to 321,000 yen")
            && !entry.contains("32.1万円"),
        "{entry}"
    );
    assert!(
        entry.contains("Related questions")
            && entry.contains("href=\"/faq/subsidy-rounding?lang=en\"")
            && entry.contains("<time datetime=\""),
        "related entries and the update date: {entry}"
    );
    let japanese = get_text(format!("{web}/faq/phone")).await;
    assert!(
        japanese.contains("href=\"tel:0800-8007121\"") && japanese.contains("関連する質問"),
        "{japanese}"
    );
    // English questions are searched in English and titled in English.
    let url = reqwest::Url::parse_with_params(
        &format!("{web}/faq/search"),
        [("q", "How much is the subsidy?"), ("lang", "en")],
    )
    .expect("url");
    let english = get_text(url).await;
    assert!(
        english.contains("data-faq-id=\"subsidy-amount\"")
            && english.contains("How much subsidy can we receive?"),
        "{english}"
    );
    // Typed in a hurry (a slip), and a word still being typed in the search box.
    for (q, id) in [
        ("I forgot my pasword", "account-password"),
        ("how do i recieve the certifcate", "cert-download"),
        ("certif", "cert-what"),
    ] {
        let url = reqwest::Url::parse_with_params(
            &format!("{web}/faq/search"),
            [("q", q), ("lang", "en")],
        )
        .expect("url");
        let page = get_text(url).await;
        assert!(
            page.contains(&format!("data-faq-id=\"{id}\"")),
            "{q}: {page}"
        );
    }
    // A question the FAQ does not answer: nothing, said plainly, with the ways to ask.
    let out = server
        .env
        .run(&["faq", "search", "駐車場はありますか", "--json"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
    let url = reqwest::Url::parse_with_params(
        &format!("{web}/faq/search"),
        [("q", "駐車場はありますか")],
    )
    .expect("url");
    let none = get_text(url).await;
    assert!(
        !none.contains("data-faq-id")
            && none.contains("見つかりませんでした")
            && none.contains("href=\"/inquiry\"")
            && none.contains("href=\"tel:0800-8007121\"")
            && none.contains("href=\"/chat\""),
        "{none}"
    );
    // Counted for Prometheus (the question itself is not a label).
    let metrics = get_text(format!("{web}/metrics")).await;
    assert!(
        metrics.contains("shikaku_faq_questions_total{answered=\"no\",via=\"search\"}"),
        "{metrics}"
    );
    assert!(!metrics.contains("駐車場"));
    let missing = reqwest::get(format!("{web}/faq/no-such-entry"))
        .await
        .expect("404");
    assert_eq!(missing.status().as_u16(), 404);
    let url = reqwest::Url::parse_with_params(&format!("{web}/faq/search"), [("q", "<script>x")])
        .expect("url");
    let html = get_text(url).await;
    assert!(!html.contains("<script>x"), "the query is escaped");
    assert!(
        html.contains("script&gt;x") || html.contains("script&#62;x"),
        "the query is shown"
    );
    // The subsidy estimate page: the same engine as `shikaku subsidy quote`.
    let quote = get_text(format!(
        "{web}/subsidy?category=clinic&readers=1&reader_applied=2021-05-10&cost=600%2C000"
    ))
    .await;
    assert!(
        quote.contains("data-subsidy=\"321000\"")
            && quote.contains("見直し前の補助")
            && !quote.contains("2020-original"),
        "{quote}"
    );
    let refused = get_text(format!(
        "{web}/subsidy?category=hospital&readers=4&reader_applied=2021-05-10&cost=1"
    ))
    .await;
    assert!(
        refused.contains("data-error") && refused.contains("3台まで"),
        "{refused}"
    );
    let english = get_text(format!(
        "{web}/subsidy?category=clinic&readers=1&reader_applied=2021-03-31&cost=600000&lang=en"
    ))
    .await;
    assert!(
        english.contains("data-subsidy=\"429000\"") && english.contains("Rule set"),
        "{english}"
    );

    // The chatbot page and a turn (htmx fragment), and the same answer from the CLI.
    let page = get_text(format!("{web}/chat")).await;
    assert!(
        page.contains("cat:補助金") && page.contains("チャットボット"),
        "{page}"
    );
    let turn = reqwest::Client::new()
        .post(format!("{web}/chat"))
        .header("HX-Request", "true")
        .form(&[("text", "補助金はいくら？")])
        .send()
        .await
        .expect("turn")
        .text()
        .await
        .expect("text");
    assert!(
        !turn.contains("<html") && turn.contains("/faq/subsidy-amount"),
        "{turn}"
    );
    let turn = reqwest::Client::new()
        .post(format!("{web}/chat"))
        .form(&[("choice", "no")])
        .send()
        .await
        .expect("turn")
        .text()
        .await
        .expect("text");
    assert!(
        turn.contains("<html") && turn.contains("0800-8007121"),
        "{turn}"
    );
    let out = server
        .env
        .run(&["faq", "chat", "補助金はいくら？", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["entry_id"], "subsidy-amount");
    assert_eq!(v["answered"], true);
    // Nothing answers it: `answered` false, and the conversation continues from its token.
    let out = server.env.run(&["faq", "chat", "今日の天気は？", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["answered"], false, "{v}");
    assert_eq!(v["entry_id"], Value::Null);
    let out = server.env.run(&[
        "faq",
        "chat",
        "それの期限はいつ？",
        "--context",
        "カードリーダー|reader-count|clinic",
        "--json",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["entry_id"], "reader-when", "{v}");
    assert_eq!(v["context_token"], "カードリーダー|reader-when|clinic");
    let htmx = reqwest::get(format!("{web}/static/htmx-2.0.11.min.js"))
        .await
        .expect("htmx");
    assert_eq!(htmx.status().as_u16(), 200);
    server.running.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_over_mtls_on_sqlite() {
    full_suite(Server::start(Env::sqlite()).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_over_mtls_on_postgres() {
    let Some(pg) = TempPg::new().await else {
        eprintln!("PostgreSQL API test skipped: set SHIKAKU_TEST_PG (required when CI=true)");
        return;
    };
    full_suite(Server::start(Env::with_db(pg.url.clone())).await).await;
    drop(pg);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The database goes away while the server runs: clear 503s, the process keeps answering,
/// and it recovers by itself when the database is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_outage_gives_503_and_recovers() {
    let Some(pg) = TempPg::new().await else {
        eprintln!("PostgreSQL outage test skipped: set SHIKAKU_TEST_PG (required when CI=true)");
        return;
    };
    let upstream: SocketAddr = pg_socket_addr(&pg.url);
    let proxy = crate::support::Proxy::start(upstream).await;
    let proxied = pg
        .url
        .replacen(&upstream.to_string(), &proxy.addr.to_string(), 1);
    assert_ne!(proxied, pg.url, "the test URL must name {upstream}");
    let server = Server::start(Env::with_db(proxied)).await;
    let (crt, key, _) = server
        .terminal("受付1", OffsetDateTime::now_utc() - Duration::hours(1), 30)
        .await;
    let client = server.client(&crt, &key);
    let url = server.url("/v1/eligibility");
    let ready = format!("http://{}/readyz", server.running.web_addr);
    assert_eq!(post(&client, &url, &lookup_body("1980-05-17")).await.0, 200);

    proxy.cut();
    let started = std::time::Instant::now();
    let (status, body) = post(&client, &url, &lookup_body("1980-05-17")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (503, Some("unavailable")),
        "{body}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "the outage answer took {:?}",
        started.elapsed()
    );
    assert_eq!(
        reqwest::get(&ready)
            .await
            .expect("readyz")
            .status()
            .as_u16(),
        503
    );
    // The process is still up.
    let health = reqwest::get(format!("http://{}/healthz", server.running.web_addr))
        .await
        .expect("health");
    assert_eq!(health.status().as_u16(), 200);

    proxy.restore();
    let mut recovered = false;
    for _ in 0..40 {
        if post(&client, &url, &lookup_body("1980-05-17")).await.0 == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(
        recovered,
        "lookups did not recover after the database came back"
    );
    assert_eq!(
        reqwest::get(&ready)
            .await
            .expect("readyz")
            .status()
            .as_u16(),
        200
    );
    server.running.shutdown();
    drop(pg);
}

/// host:port of a postgres URL (the tests use an IP address).
pub(crate) fn pg_socket_addr(url: &str) -> SocketAddr {
    let after_at = url.rsplit_once('@').map_or(url, |(_, rest)| rest);
    let host_port = after_at
        .trim_start_matches("postgres://")
        .trim_start_matches("postgresql://");
    let host_port = host_port.split('/').next().unwrap_or_default();
    let host_port = if host_port.contains(':') {
        host_port.to_string()
    } else {
        format!("{host_port}:5432")
    };
    host_port
        .parse()
        .unwrap_or_else(|e| panic!("test PostgreSQL URL must use an IP address ({host_port}): {e}"))
}

/// Issue 21, finding 3: a facility that tries birth dates for one card number is guessing;
/// after 5 different ones answered 該当資格なし its lookups of that card are refused for a
/// day (429, Retry-After, counted in /metrics) while other cards go on, and a batch of one
/// card number with many birth dates is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_match_answers_are_limited_and_birth_date_searches_refused() {
    let server = Server::start(Env::sqlite()).await;
    let (crt, key, _) = server
        .terminal("受付G", OffsetDateTime::now_utc() - Duration::hours(1), 30)
        .await;
    let guesser = server.client(&crt, &key);
    let url = server.url("/v1/eligibility");
    // 10,000 birth dates would be tried; the 6th no-match answer never comes.
    let mut day = time::macros::date!(1980 - 01 - 01);
    let mut answered = 0;
    let refused = loop {
        let body = json!({"insurer_number": "01130012", "symbol": "12", "number": "345",
                          "branch": "00", "birth_date": day.to_string(), "as_of": "2025-06-01"});
        let r = guesser.post(&url).json(&body).send().await.expect("send");
        if r.status().as_u16() != 200 {
            break r;
        }
        let v: Value = r.json().await.expect("json");
        assert_eq!(v["status"], "no_match", "{v}");
        answered += 1;
        assert!(answered <= 5, "never refused");
        day = day.next_day().expect("day");
    };
    assert_eq!(answered, 5);
    assert_eq!(refused.status().as_u16(), 429);
    let wait: i64 = refused.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((86_000..=86_400).contains(&wait), "{wait}");
    let v: Value = refused.json().await.expect("json");
    assert_eq!(v["error"], "too_many_no_match", "{v}");
    // Even the right birth date is refused now, from any terminal of the facility; another
    // card is not.
    let (status, _) = post(&guesser, &url, &lookup_body("1980-05-17")).await;
    assert_eq!(status, 429);
    let (crt2, key2, _) = server
        .terminal("受付H", OffsetDateTime::now_utc() - Duration::hours(1), 30)
        .await;
    let (status, _) = post(
        &server.client(&crt2, &key2),
        &url,
        &lookup_body("1980-05-17"),
    )
    .await;
    assert_eq!(status, 429);
    let other_card = json!({"insurer_number": "01130012", "symbol": "12", "number": "345",
                            "branch": "01", "birth_date": "2019-02-03", "as_of": "2025-06-01"});
    let (status, v) = post(&guesser, &url, &other_card.to_string()).await;
    assert_eq!((status, v["status"].as_str()), (200, Some("valid")), "{v}");
    let metrics = get_text(format!("http://{}/metrics", server.running.web_addr)).await;
    assert!(
        metrics.contains("shikaku_lookups_refused_total{reason=\"too_many_no_match\"}"),
        "{metrics}"
    );

    // One card number with three birth dates in a batch: refused before any lookup.
    let items: Vec<Value> = ["1980-05-17", "1980-05-18", "1980-05-19"]
        .iter()
        .map(|d| json!({"insurer_number": "01130012", "symbol": "12", "number": "345", "branch": "00", "birth_date": d}))
        .collect();
    let r = server
        .client(&crt2, &key2)
        .post(server.url("/v1/batches"))
        .json(&json!({"items": items}))
        .send()
        .await
        .expect("batch");
    assert_eq!(r.status().as_u16(), 422);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["error"], "birth_date_search", "{v}");
    server.running.shutdown();
}
