//! The FHIR R4 face (issue 26 §3): `CoverageEligibilityRequest` in, `CoverageEligibilityResponse`
//! out for every status, `OperationOutcome` for every error kind, the `CapabilityStatement`;
//! every response validated by an independent library (npm's `fhir`, `e2e/validate-fhir.mjs`).
//! Without Node or `e2e/node_modules/fhir` the validation is skipped locally and fails under
//! `CI=true`.

use std::path::PathBuf;
use std::process::Command;

use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::api::Server;
use crate::support::Env;

const EXT: &str = "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/";

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A request for these card numbers (JP Core extensions; no 枝番 when `branch` is None).
fn request(insurer: &str, symbol: &str, number: &str, branch: Option<&str>, birth: &str) -> Value {
    let mut extension = vec![];
    if !symbol.is_empty() {
        extension.push(
            json!({"url": format!("{EXT}JP_Coverage_InsuredPersonSymbol"), "valueString": symbol}),
        );
    }
    extension.push(
        json!({"url": format!("{EXT}JP_Coverage_InsuredPersonNumber"), "valueString": number}),
    );
    if let Some(b) = branch {
        extension.push(
            json!({"url": format!("{EXT}JP_Coverage_InsuredPersonSubNumber"), "valueString": b}),
        );
    }
    json!({
        "resourceType": "CoverageEligibilityRequest",
        "identifier": [{"system": "urn:example:reception", "value": "R-0001"}],
        "contained": [
            {"resourceType": "Patient", "id": "pat", "birthDate": birth},
            {"resourceType": "Organization", "id": "ins",
             "identifier": [{"system": "urn:oid:1.2.392.100495.20.3.61", "value": insurer}]},
            {"resourceType": "Coverage", "id": "cov", "status": "active",
             "beneficiary": {"reference": "#pat"}, "payor": [{"reference": "#ins"}],
             "extension": extension}
        ],
        "status": "active",
        "purpose": ["validation"],
        "patient": {"reference": "#pat"},
        "servicedDate": "2025-06-01",
        "created": "2025-06-01T09:00:00+09:00",
        "insurer": {"reference": "#ins"},
        "insurance": [{"focal": true, "coverage": {"reference": "#cov"}}]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coverage_eligibility_in_fhir_r4_for_every_status_and_error() {
    let server = Server::start(Env::sqlite()).await;
    let (crt, key, _) = server
        .terminal("受付1", OffsetDateTime::now_utc() - Duration::hours(1), 30)
        .await;
    let client = server.client(&crt, &key);
    let url = server.url("/fhir/r4/CoverageEligibilityRequest");
    let send = |body: String, content_type: &'static str| {
        let request = client
            .post(&url)
            .header("content-type", content_type)
            .body(body);
        async move {
            let r = request.send().await.expect("send");
            let status = r.status().as_u16();
            let ct = r
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            assert!(ct.starts_with("application/fhir+json"), "{ct}");
            (status, r.json::<Value>().await.expect("json"))
        }
    };
    let mut written = Vec::new();
    let dir = server.env.dir.path().join("fhir");
    std::fs::create_dir_all(&dir).expect("dir");
    let mut keep = |name: &str, v: &Value| {
        let path = dir.join(format!("{name}.json"));
        std::fs::write(&path, v.to_string()).expect("write");
        written.push(path);
    };

    let cases = [
        (
            "valid",
            request("01130012", "12", "345", Some("00"), "1980-05-17"),
        ),
        (
            "lost_newer",
            request("06138093", "", "777", Some("00"), "1970-01-20"),
        ),
        (
            "lost",
            request("39131156", "", "900", Some("00"), "1945-03-03"),
        ),
        (
            "not_yet",
            request("01130012", "88", "1", Some("00"), "2000-01-01"),
        ),
        (
            "no_match",
            request("01130012", "12", "346", Some("00"), "1980-05-17"),
        ),
        // Without 枝番: the one person among the branches with this birth date.
        (
            "valid",
            request("01130012", "１２", "345", None, "2019-02-03"),
        ),
    ];
    for (i, (status, body)) in cases.iter().enumerate() {
        let mut body = body.clone();
        if *status == "not_yet" {
            body["servicedDate"] = "2025-06-01".into();
        }
        let (code, answer) = send(body.to_string(), "application/fhir+json").await;
        assert_eq!(code, 200, "{status}: {answer}");
        assert_eq!(answer["resourceType"], "CoverageEligibilityResponse");
        assert_eq!(answer["outcome"], "complete");
        assert_eq!(answer["extension"][0]["valueCode"], *status, "{answer}");
        assert_eq!(answer["request"]["identifier"]["value"], "R-0001");
        let disposition = answer["disposition"].as_str().expect("disposition");
        assert!(!disposition.is_empty());
        let inforce = answer["insurance"][0]["inforce"].as_bool();
        match *status {
            "valid" => {
                assert_eq!(inforce, Some(true));
                // 山田 太郎 (3割, from 2010-04-01), or without 枝番 his daughter (2割).
                let (copay, from) = if i == 0 {
                    (30, "2010-04-01")
                } else {
                    (20, "2019-02-03")
                };
                assert_eq!(
                    answer["insurance"][0]["item"][0]["benefit"][0]["allowedUnsignedInt"],
                    copay
                );
                assert_eq!(answer["insurance"][0]["benefitPeriod"]["start"], from);
            }
            "lost_newer" => {
                assert_eq!(inforce, Some(false));
                assert_eq!(answer["insurance"][0]["benefitPeriod"]["end"], "2025-03-31");
                assert_eq!(answer["insurance"][1]["inforce"], true, "the newer one");
                assert!(disposition.contains("138057"), "{disposition}");
            }
            "lost" | "not_yet" => assert_eq!(inforce, Some(false)),
            _ => {
                assert!(answer.get("insurance").is_none(), "{answer}");
                assert_eq!(answer["error"][0]["code"]["coding"][0]["code"], *status);
            }
        }
        if *status == "no_match" {
            assert!(!disposition.contains("生年月日"), "{disposition}");
        }
        keep(&format!("{i}-{status}"), &answer);
    }
    // README's example request, as sent by curl.
    let example =
        std::fs::read_to_string(workspace().join("docs/fhir/coverage-eligibility-request.json"))
            .expect("example");
    let (code, answer) = send(example, "application/fhir+json").await;
    assert_eq!(
        (code, answer["insurance"][0]["inforce"].as_bool()),
        (200, Some(true)),
        "{answer}"
    );

    // The same request with its resources referenced in a Bundle instead of contained.
    let bundle = json!({
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:7d4b6c1e-0000-4000-8000-000000000001", "resource": {
                "resourceType": "CoverageEligibilityRequest", "status": "active",
                "purpose": ["validation"], "created": "2025-06-01",
                "servicedDate": "2025-06-01",
                "patient": {"reference": "Patient/p1"},
                "insurer": {"reference": "urn:uuid:7d4b6c1e-0000-4000-8000-000000000003"},
                "insurance": [{"coverage": {"reference": "Coverage/c1"}}]}},
            {"fullUrl": "http://clinic.example/fhir/Patient/p1",
             "resource": {"resourceType": "Patient", "id": "p1", "birthDate": "1970-01-20"}},
            {"fullUrl": "http://clinic.example/fhir/Coverage/c1", "resource": {
                "resourceType": "Coverage", "id": "c1", "status": "active",
                "beneficiary": {"reference": "Patient/p1"},
                "payor": [{"reference": "urn:uuid:7d4b6c1e-0000-4000-8000-000000000003"}],
                "identifier": [{"system": "http://jpfhir.jp/fhir/core/Idsystem/JP_Insurance_SubscriberID",
                                "value": "138057:国1:5:00"}]}},
            {"fullUrl": "urn:uuid:7d4b6c1e-0000-4000-8000-000000000003", "resource": {
                "resourceType": "Organization",
                "identifier": [{"system": "urn:oid:1.2.392.100495.20.3.61", "value": "138057"}]}}
        ]
    });
    let (code, answer) = send(bundle.to_string(), "application/fhir+json").await;
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["extension"][0]["valueCode"], "valid", "{answer}");
    keep("bundle-valid", &answer);
    let mut dangling = bundle.clone();
    dangling["entry"][0]["resource"]["patient"] = json!({"reference": "Patient/nobody"});
    let (code, oo) = send(dangling.to_string(), "application/fhir+json").await;
    assert_eq!(code, 400, "{oo}");
    assert_eq!(
        oo["issue"][0]["expression"][0],
        "CoverageEligibilityRequest.patient"
    );

    // English explanations under Accept-Language: en.
    let english = client
        .post(&url)
        .header("content-type", "application/fhir+json")
        .header("accept-language", "en")
        .body(cases[2].1.to_string())
        .send()
        .await
        .expect("send")
        .json::<Value>()
        .await
        .expect("json");
    assert!(
        english["disposition"]
            .as_str()
            .is_some_and(|d| d.contains("lost on")),
        "{english}"
    );

    // Errors are OperationOutcomes naming the element.
    let mut bad_birth = cases[0].1.clone();
    bad_birth["contained"][0]["birthDate"] = "1980-13-01".into();
    let (code, oo) = send(bad_birth.to_string(), "application/fhir+json").await;
    assert_eq!(code, 422, "{oo}");
    assert_eq!(oo["resourceType"], "OperationOutcome");
    assert_eq!(oo["issue"][0]["expression"][0], "Patient.birthDate", "{oo}");
    keep("invalid_birth", &oo);
    let mut external = cases[0].1.clone();
    external["patient"] = json!({"reference": "Patient/123"});
    let (code, oo) = send(external.to_string(), "application/fhir+json").await;
    assert_eq!(code, 400, "{oo}");
    assert_eq!(
        oo["issue"][0]["expression"][0],
        "CoverageEligibilityRequest.patient"
    );
    keep("external_reference", &oo);
    let (code, oo) = send("{not json".into(), "application/fhir+json").await;
    assert_eq!(
        (code, oo["issue"][0]["code"].as_str()),
        (400, Some("structure"))
    );
    keep("malformed", &oo);
    let (code, oo) = send(cases[0].1.to_string(), "text/xml").await;
    assert_eq!(code, 415, "{oo}");
    keep("media_type", &oo);

    // Same access log as /v1/eligibility.
    let log = server
        .store
        .recent_access_log(20)
        .await
        .expect("access log");
    assert!(
        log.iter().filter(|e| e.kind == "card_numbers").count() >= cases.len(),
        "{log:?}"
    );

    let metadata = client
        .get(server.url("/fhir/r4/metadata"))
        .send()
        .await
        .expect("metadata")
        .json::<Value>()
        .await
        .expect("json");
    assert_eq!(metadata["resourceType"], "CapabilityStatement");
    assert_eq!(metadata["fhirVersion"], "4.0.1");
    keep("metadata", &metadata);

    // The independent validator.
    let script = workspace().join("e2e/validate-fhir.mjs");
    let ready = workspace().join("e2e/node_modules/fhir").exists()
        && Command::new("node").arg("--version").output().is_ok();
    if !ready {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but node or e2e/node_modules/fhir is missing"
        );
        eprintln!(
            "FHIR validation skipped: node or e2e/node_modules/fhir missing (npm ci in e2e/)"
        );
        return;
    }
    written.push(workspace().join("docs/fhir/coverage-eligibility-request.json"));
    let out = Command::new("node")
        .arg(script)
        .args(&written)
        .output()
        .expect("node");
    let report = String::from_utf8_lossy(&out.stdout);
    println!("{report}");
    assert!(
        out.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        report.lines().filter(|l| l.starts_with("valid ")).count(),
        written.len()
    );
    server.running.shutdown();
}
