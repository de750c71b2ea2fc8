//! The FHIR R4 face of 資格確認 (issue 26 §3), on the mTLS listener beside `/v1/eligibility`:
//! `POST /fhir/r4/CoverageEligibilityRequest` answers a `CoverageEligibilityResponse`, errors
//! are `OperationOutcome`s, and `GET /fhir/r4/metadata` is the `CapabilityStatement`.
//!
//! The request is mapped onto the same lookup as `/v1/eligibility` — same statuses, same
//! access log, same terminal-certificate rules, same field checks (their messages name the
//! FHIR element). Identifiers follow JP Core (jami-fhir-jp-wg/jp-core-v1x, `JP_Coverage`
//! and its NamingSystems): the insurer is an `Organization` whose identifier has the system
//! `urn:oid:1.2.392.100495.20.3.61` (保険者番号); 記号・番号・枝番 are the `Coverage`
//! extensions `JP_Coverage_InsuredPersonSymbol`, `…InsuredPersonNumber` and
//! `…InsuredPersonSubNumber`, or the 被保険者個人識別子 `保険者番号:記号:番号:枝番` under
//! `http://jpfhir.jp/fhir/core/Idsystem/JP_Insurance_SubscriberID`; 被保険者区分 is
//! `urn:oid:1.2.392.100495.20.2.62`. JP Core has nothing for an eligibility status or the
//! insurer data's date: those are our own extensions ([`STATUS_EXTENSION`],
//! [`DATA_AS_OF_EXTENSION`]) and code system ([`STATUS_SYSTEM`]).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use shikaku_app::view::{CardView, EligibilityView, QualificationView};

use crate::terminal::Terminal;
use crate::{ApiError, AppState};

pub const FHIR_JSON: &str = "application/fhir+json";
/// JP Core: 保険者番号 (JP_Insurer_Number_NamingSystem).
pub const INSURER_SYSTEM: &str = "urn:oid:1.2.392.100495.20.3.61";
/// JP Core: 被保険者個人識別子 (`保険者番号:記号:番号:枝番`).
pub const SUBSCRIBER_ID_SYSTEM: &str =
    "http://jpfhir.jp/fhir/core/Idsystem/JP_Insurance_SubscriberID";
const EXTENSION_BASE: &str = "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/";
/// JP Core: 被保険者区分 (1 被保険者, 2 被扶養者).
const RELATIONSHIP_SYSTEM: &str = "urn:oid:1.2.392.100495.20.2.62";
/// Ours (JP Core has none): the answer's status as `/v1/eligibility` names it.
pub const STATUS_EXTENSION: &str =
    "https://shikaku.example.jp/fhir/StructureDefinition/eligibility-status";
/// Ours: the date the insurer's data is as of.
pub const DATA_AS_OF_EXTENSION: &str =
    "https://shikaku.example.jp/fhir/StructureDefinition/insurer-data-as-of";
/// Ours: the eligibility statuses (`valid`, `lost`, `no_match`, `needs_review`, …).
pub const STATUS_SYSTEM: &str = "https://shikaku.example.jp/fhir/CodeSystem/eligibility-status";

fn fhir_response(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/fhir+json; charset=utf-8"),
    );
    response
}

/// An `OperationOutcome` with one error issue.
fn outcome(status: StatusCode, code: &str, diagnostics: &str, expression: &[&str]) -> Response {
    let mut issue = json!({"severity": "error", "code": code, "diagnostics": diagnostics});
    if !expression.is_empty() {
        issue["expression"] = json!(expression);
    }
    fhir_response(
        status,
        &json!({"resourceType": "OperationOutcome", "issue": [issue]}),
    )
}

/// The FHIR element each `/v1/eligibility` field comes from.
fn element_of(field: &str) -> &'static str {
    match field {
        "insurer_number" => "Organization.identifier",
        "symbol" => "Coverage.extension:insuredPersonSymbol",
        "number" => "Coverage.extension:insuredPersonNumber",
        "branch" => "Coverage.extension:insuredPersonSubNumber",
        "birth_date" => "Patient.birthDate",
        "as_of" => "CoverageEligibilityRequest.servicedDate",
        _ => "CoverageEligibilityRequest",
    }
}

/// The API's error as an `OperationOutcome` (same status, same message).
fn from_api_error(e: ApiError) -> Response {
    let code = match e.body.error {
        "malformed_json" | "unknown_field" => "structure",
        "invalid_request" => "value",
        "too_many_no_match" => "throttled",
        "unavailable" => "transient",
        "unsupported_media_type" => "not-supported",
        c if e.status == StatusCode::UNAUTHORIZED
            || e.status == StatusCode::FORBIDDEN
            || c.starts_with("certificate") =>
        {
            "security"
        }
        _ => "processing",
    };
    if e.body.fields.is_empty() {
        let mut response = outcome(e.status, code, &e.body.message, &[]);
        if let Some(seconds) = e.retry_after
            && let Ok(v) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return response;
    }
    let issues: Vec<Value> = e
        .body
        .fields
        .iter()
        .map(|f| {
            json!({"severity": "error", "code": code, "diagnostics": f.message,
                   "expression": [element_of(&f.field)]})
        })
        .collect();
    fhir_response(
        e.status,
        &json!({"resourceType": "OperationOutcome", "issue": issues}),
    )
}

/// A problem with the request's structure: (message, FHIR path).
type Problem = (String, &'static str);

fn problem(message: impl Into<String>, path: &'static str) -> Problem {
    (message.into(), path)
}

/// Where referenced resources are found: the request's `contained` resources (`#id`) and,
/// when it came in a `Bundle`, the other entries (by `fullUrl`, or `Type/id`).
#[derive(Clone, Copy)]
struct Resources<'a> {
    request: &'a Value,
    bundle: Option<&'a Value>,
}

impl<'a> Resources<'a> {
    /// The resource a reference names, of the expected type.
    fn resolve(
        self,
        reference: Option<&Value>,
        kind: &str,
        path: &'static str,
    ) -> Result<&'a Value, Problem> {
        let Some(reference) = reference.and_then(|r| r["reference"].as_str()) else {
            return Err(problem(
                format!("{path} に {kind} への参照がありません (missing reference to a {kind})"),
                path,
            ));
        };
        let found = match reference.strip_prefix('#') {
            Some(id) => self.request["contained"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|r| r["id"].as_str() == Some(id)),
            None => self.bundle.and_then(|bundle| {
                bundle["entry"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|e| {
                        let full = e["fullUrl"].as_str().unwrap_or_default();
                        let typed = format!(
                            "{}/{}",
                            e["resource"]["resourceType"].as_str().unwrap_or_default(),
                            e["resource"]["id"].as_str().unwrap_or_default()
                        );
                        full == reference
                            || typed == reference
                            || full.ends_with(&format!("/{reference}"))
                    })
                    .map(|e| &e["resource"])
            }),
        };
        match found {
            Some(r) if r["resourceType"].as_str() == Some(kind) => Ok(r),
            Some(_) => Err(problem(
                format!("{reference} は {kind} ではありません ({reference} is not a {kind})"),
                path,
            )),
            None => Err(problem(
                format!(
                    "{reference} の {kind} が見つかりません: contained に含めて「#id」で参照するか、Bundle に含めてください (send the {kind} contained, or in the same Bundle)"
                ),
                path,
            )),
        }
    }
}

/// The value of the identifier with `system` among `identifiers`.
fn identifier<'a>(identifiers: &'a Value, system: &str) -> Option<&'a str> {
    identifiers
        .as_array()?
        .iter()
        .find(|i| i["system"].as_str() == Some(system))?["value"]
        .as_str()
}

/// The `valueString` of a JP Core Coverage extension.
fn extension<'a>(coverage: &'a Value, name: &str) -> Option<&'a str> {
    let url = format!("{EXTENSION_BASE}{name}");
    coverage["extension"]
        .as_array()?
        .iter()
        .find(|e| e["url"].as_str() == Some(url.as_str()))?["valueString"]
        .as_str()
}

/// The `/v1/eligibility` body a `CoverageEligibilityRequest` asks for.
fn lookup_body(resources: Resources<'_>) -> Result<Value, Problem> {
    let request = resources.request;
    if request["resourceType"].as_str() != Some("CoverageEligibilityRequest") {
        return Err(problem(
            "resourceType は CoverageEligibilityRequest です (the body must be a CoverageEligibilityRequest)",
            "CoverageEligibilityRequest.resourceType",
        ));
    }
    let patient = resources.resolve(
        request.get("patient"),
        "Patient",
        "CoverageEligibilityRequest.patient",
    )?;
    let insurance = request["insurance"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|i| i["focal"].as_bool() == Some(true))
                .or_else(|| all.first())
        })
        .ok_or_else(|| {
            problem(
                "insurance に確認する保険（Coverage）を1つ指定してください (name the Coverage to check in insurance)",
                "CoverageEligibilityRequest.insurance",
            )
        })?;
    let coverage = resources.resolve(
        insurance.get("coverage"),
        "Coverage",
        "CoverageEligibilityRequest.insurance.coverage",
    )?;
    // 被保険者個人識別子: 保険者番号:記号:番号:枝番.
    let subscriber: Vec<&str> = identifier(&coverage["identifier"], SUBSCRIBER_ID_SYSTEM)
        .map(|v| v.split(':').collect())
        .unwrap_or_default();
    let part = |i: usize| subscriber.get(i).copied().filter(|_| subscriber.len() == 4);
    let payor = coverage["payor"].as_array().and_then(|p| p.first());
    let insurer = payor
        .and_then(|p| {
            // A logical reference (`payor.identifier`) or a contained Organization.
            Some(&p["identifier"])
                .filter(|i| i["system"].as_str() == Some(INSURER_SYSTEM))
                .and_then(|i| i["value"].as_str())
                .or_else(|| {
                    resources
                        .resolve(Some(p), "Organization", "Coverage.payor")
                        .ok()
                        .and_then(|o| identifier(&o["identifier"], INSURER_SYSTEM))
                })
        })
        .or_else(|| {
            resources
                .resolve(
                    request.get("insurer"),
                    "Organization",
                    "CoverageEligibilityRequest.insurer",
                )
                .ok()
                .and_then(|o| identifier(&o["identifier"], INSURER_SYSTEM))
        })
        .or_else(|| part(0));
    let Some(insurer) = insurer else {
        return Err(problem(
            format!(
                "保険者番号がありません: Coverage.payor の Organization に identifier（system {INSURER_SYSTEM}）を入れてください (no insurer number)"
            ),
            "Coverage.payor",
        ));
    };
    let symbol = extension(coverage, "JP_Coverage_InsuredPersonSymbol").or_else(|| part(1));
    let number = extension(coverage, "JP_Coverage_InsuredPersonNumber").or_else(|| part(2));
    let branch = extension(coverage, "JP_Coverage_InsuredPersonSubNumber")
        .or_else(|| part(3))
        .or_else(|| coverage["dependent"].as_str());
    let mut body = Map::new();
    body.insert("insurer_number".into(), insurer.into());
    if let Some(s) = symbol {
        body.insert("symbol".into(), s.into());
    }
    body.insert("number".into(), number.unwrap_or_default().into());
    if let Some(b) = branch {
        body.insert("branch".into(), b.into());
    }
    body.insert(
        "birth_date".into(),
        patient["birthDate"].as_str().unwrap_or_default().into(),
    );
    if let Some(on) = request["servicedDate"].as_str() {
        body.insert("as_of".into(), on.into());
    }
    Ok(Value::Object(body))
}

/// `POST /fhir/r4/CoverageEligibilityRequest`.
pub async fn coverage_eligibility(
    State(state): State<AppState>,
    terminal: Result<Terminal, ApiError>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Terminal(caller) = match terminal {
        Ok(t) => t,
        Err(e) => return from_api_error(e),
    };
    if let Some(content_type) = headers.get(header::CONTENT_TYPE)
        && !content_type
            .to_str()
            .is_ok_and(|v| v.starts_with(FHIR_JSON) || v.starts_with("application/json"))
    {
        return outcome(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not-supported",
            "Content-Type は application/fhir+json です (send application/fhir+json)",
            &[],
        );
    }
    let request: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return outcome(
                StatusCode::BAD_REQUEST,
                "structure",
                &format!("JSON として読めません: {e} (malformed JSON: {e})"),
                &[],
            );
        }
    };
    // A Bundle carries the request and the resources it references.
    let (request, bundle) = if request["resourceType"].as_str() == Some("Bundle") {
        let inner = request["entry"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| &e["resource"])
            .find(|r| r["resourceType"].as_str() == Some("CoverageEligibilityRequest"))
            .cloned();
        match inner {
            Some(inner) => (inner, Some(request)),
            None => {
                return outcome(
                    StatusCode::BAD_REQUEST,
                    "required",
                    "Bundle に CoverageEligibilityRequest がありません (the Bundle holds no CoverageEligibilityRequest)",
                    &["Bundle.entry"],
                );
            }
        }
    } else {
        (request, None)
    };
    let resources = Resources {
        request: &request,
        bundle: bundle.as_ref(),
    };
    let lookup = match lookup_body(resources) {
        Ok(b) => b,
        Err((message, path)) => {
            return outcome(StatusCode::BAD_REQUEST, "required", &message, &[path]);
        }
    };
    let parsed = match crate::eligibility::parse_fields(|name| lookup[name].as_str(), true) {
        Ok(p) => p,
        Err(e) => return from_api_error(e),
    };
    let english = crate::eligibility::prefers_english(&headers);
    let (eligibility, as_of) = match state.service.lookup(&parsed, &caller).await {
        Ok(answer) => answer,
        Err(e) => return from_api_error(e.into()),
    };
    let names = state.service.insurer_names();
    let view = EligibilityView::new(&eligibility, Some(&parsed.card), as_of, &names, english);
    fhir_response(StatusCode::OK, &response(&request, &lookup, &view, english))
}

fn organization(id: &str, card: &CardView) -> Value {
    let mut o = json!({
        "resourceType": "Organization",
        "id": id,
        "identifier": [{"system": INSURER_SYSTEM, "value": card.insurer_number}],
        "type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/organization-type",
                               "code": "pay", "display": "Payer"}]}],
    });
    if !card.insurer_name.is_empty() {
        o["name"] = card.insurer_name.clone().into();
    }
    o
}

/// The day before `date` (FHIR periods end on their last day; ours on the first day not
/// covered).
fn last_day(until: &str) -> Option<String> {
    let d = shikaku_domain::parse_date(until).ok()?.previous_day()?;
    Some(shikaku_domain::date::format_date(d))
}

fn period(from: &str, until: Option<&str>) -> Value {
    let mut p = json!({"start": from});
    if let Some(end) = until.and_then(last_day) {
        p["end"] = end.into();
    }
    p
}

fn coverage(
    id: &str,
    insurer: &str,
    card: &CardView,
    from: &str,
    until: Option<&str>,
    q: Option<&QualificationView>,
    active: bool,
) -> Value {
    let ext = |name: &str, value: &str| json!({"url": format!("{EXTENSION_BASE}{name}"), "valueString": value});
    let mut extensions = Vec::new();
    if !card.symbol.is_empty() {
        extensions.push(ext("JP_Coverage_InsuredPersonSymbol", &card.symbol));
    }
    extensions.push(ext("JP_Coverage_InsuredPersonNumber", &card.number));
    extensions.push(ext("JP_Coverage_InsuredPersonSubNumber", &card.branch));
    let mut c = json!({
        "resourceType": "Coverage",
        "id": id,
        "extension": extensions,
        "identifier": [{"system": SUBSCRIBER_ID_SYSTEM, "value": format!(
            "{}:{}:{}:{}", card.insurer_number, card.symbol, card.number, card.branch)}],
        "status": if active { "active" } else { "cancelled" },
        "subscriberId": format!("{}:{}", card.symbol, card.number),
        "beneficiary": {"reference": "#patient"},
        "dependent": card.branch,
        "period": period(from, until),
        "payor": [{"reference": format!("#{insurer}")}],
    });
    if let Some(q) = q {
        c["relationship"] = json!({"coding": [{"system": RELATIONSHIP_SYSTEM,
            "code": q.insured_category.to_string(), "display": q.insured_category_label}]});
        c["costToBeneficiary"] = json!([{
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/coverage-copay-type",
                                  "code": "copaypct", "display": "Copay Percentage"}]},
            "valueQuantity": {"value": q.copay_ratio, "unit": "%",
                              "system": "http://unitsofmeasure.org", "code": "%"}
        }]);
    }
    c
}

/// The copay ratio as a benefit of the plan.
fn copay_item(percent: u8) -> Value {
    json!([{
        "category": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/ex-benefitcategory",
                                  "code": "30", "display": "Health Benefit Plan Coverage"}]},
        "benefit": [{
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/benefit-type",
                                  "code": "copay-percent", "display": "Copayment Percent per service"}]},
            "allowedUnsignedInt": percent
        }]
    }])
}

/// The `CoverageEligibilityResponse` for an answer.
fn response(request: &Value, asked: &Value, view: &EligibilityView, english: bool) -> Value {
    let now = time::OffsetDateTime::now_utc().to_offset(shikaku_domain::date::JST);
    let now = now.replace_nanosecond(0).unwrap_or(now);
    let created = now
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let mut patient = json!({"resourceType": "Patient", "id": "patient"});
    if let Some(birth) = asked["birth_date"].as_str() {
        patient["birthDate"] = birth.into();
    }
    let mut contained = Vec::new();
    let mut insurance = Vec::new();
    let asked_card = CardView {
        insurer_number: asked["insurer_number"].as_str().unwrap_or_default().into(),
        insurer_name: String::new(),
        symbol: String::new(),
        number: String::new(),
        branch: String::new(),
    };
    match &view.qualification {
        Some(q) => {
            patient["name"] = json!([{"text": q.name}]);
            patient["gender"] = if q.sex == 1 { "male" } else { "female" }.into();
            contained.push(organization("insurer", &q.card));
            contained.push(coverage(
                "coverage",
                "insurer",
                &q.card,
                &q.qualified_from,
                q.qualified_until.as_deref(),
                Some(q),
                view.status != "lost" && view.status != "lost_newer",
            ));
            let mut entry = json!({
                "coverage": {"reference": "#coverage"},
                "inforce": view.status == "valid",
                "benefitPeriod": period(&q.qualified_from, q.qualified_until.as_deref()),
            });
            if view.status == "valid" {
                entry["item"] = copay_item(q.copay_ratio);
            }
            insurance.push(entry);
        }
        None => contained.push(organization("insurer", &asked_card)),
    }
    if let Some(newer) = &view.newer {
        contained.push(organization("newer-insurer", &newer.card));
        contained.push(coverage(
            "newer",
            "newer-insurer",
            &newer.card,
            &newer.qualified_from,
            newer.qualified_until.as_deref(),
            None,
            true,
        ));
        insurance.push(json!({
            "coverage": {"reference": "#newer"},
            "inforce": true,
            "benefitPeriod": period(&newer.qualified_from, newer.qualified_until.as_deref()),
        }));
    }
    contained.insert(0, patient);
    let mut extension = vec![json!({"url": STATUS_EXTENSION, "valueCode": view.status})];
    if let Some(date) = &view.data_as_of {
        extension.push(json!({"url": DATA_AS_OF_EXTENSION, "valueDate": date}));
    }
    let disposition = if view.explanation.is_empty() {
        if english {
            "Valid: the qualification is in force on the date asked about.".to_string()
        } else {
            "有効（照会日に資格があります）".to_string()
        }
    } else {
        view.explanation.clone()
    };
    let request_reference = match request["identifier"].as_array().and_then(|i| i.first()) {
        Some(identifier) => json!({"type": "CoverageEligibilityRequest", "identifier": identifier}),
        None => json!({"type": "CoverageEligibilityRequest",
                        "display": "CoverageEligibilityRequest (not stored)"}),
    };
    let mut response = json!({
        "resourceType": "CoverageEligibilityResponse",
        "id": hex::encode(shikaku_pki::sha256(format!("{created}{asked}").as_bytes()))[..32].to_string(),
        "extension": extension,
        "contained": contained,
        "status": "active",
        "purpose": ["validation"],
        "patient": {"reference": "#patient"},
        "servicedDate": view.as_of,
        "created": created,
        "request": request_reference,
        "outcome": "complete",
        "disposition": disposition,
        "insurer": {"reference": "#insurer"},
    });
    if !insurance.is_empty() {
        response["insurance"] = Value::Array(insurance);
    }
    if view.qualification.is_none() {
        response["error"] = json!([{"code": {"coding": [{"system": STATUS_SYSTEM,
            "code": view.status, "display": view.status_label}]}}]);
    }
    response
}

/// `GET /fhir/r4/metadata`: what this server does.
pub async fn metadata() -> Response {
    let statement = json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-05",
        "publisher": "shikaku",
        "kind": "instance",
        "software": {"name": "shikaku", "version": env!("CARGO_PKG_VERSION")},
        "implementation": {"description": "オンライン資格確認（資格確認の FHIR R4 窓口）"},
        "fhirVersion": "4.0.1",
        "format": [FHIR_JSON, "json"],
        "rest": [{
            "mode": "server",
            "documentation": "資格確認: POST a CoverageEligibilityRequest (Patient and Coverage contained, JP Core identifiers); the answer is a CoverageEligibilityResponse, not stored. Every request is written to the access log, as /v1/eligibility.",
            "security": {
                "description": "Mutual TLS: a terminal certificate issued by the system's CA to a registered 医療機関等 (the same rules as /v1/eligibility)."
            },
            "resource": [{
                "type": "CoverageEligibilityRequest",
                "interaction": [{"code": "create",
                                 "documentation": "Answers a CoverageEligibilityResponse (purpose validation)."}]
            }]
        }]
    });
    fhir_response(StatusCode::OK, &statement)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contained(request: &Value) -> Resources<'_> {
        Resources {
            request,
            bundle: None,
        }
    }

    fn request(coverage: Value) -> Value {
        json!({
            "resourceType": "CoverageEligibilityRequest",
            "contained": [
                {"resourceType": "Patient", "id": "p", "birthDate": "1980-05-17"},
                {"resourceType": "Organization", "id": "o",
                 "identifier": [{"system": INSURER_SYSTEM, "value": "01130012"}]},
                coverage
            ],
            "status": "active", "purpose": ["validation"],
            "patient": {"reference": "#p"},
            "created": "2026-12-05", "insurer": {"reference": "#o"},
            "insurance": [{"coverage": {"reference": "#c"}}]
        })
    }

    #[test]
    fn card_numbers_from_jp_core_extensions_or_the_subscriber_identifier() {
        let by_extension = request(json!({"resourceType": "Coverage", "id": "c",
            "payor": [{"reference": "#o"}],
            "extension": [
                {"url": format!("{EXTENSION_BASE}JP_Coverage_InsuredPersonSymbol"), "valueString": "12"},
                {"url": format!("{EXTENSION_BASE}JP_Coverage_InsuredPersonNumber"), "valueString": "345"},
                {"url": format!("{EXTENSION_BASE}JP_Coverage_InsuredPersonSubNumber"), "valueString": "00"}]}));
        let expected = json!({"insurer_number": "01130012", "symbol": "12", "number": "345",
                              "branch": "00", "birth_date": "1980-05-17"});
        assert_eq!(
            lookup_body(contained(&by_extension)).expect("body"),
            expected
        );
        let by_identifier = request(json!({"resourceType": "Coverage", "id": "c",
            "identifier": [{"system": SUBSCRIBER_ID_SYSTEM, "value": "01130012:12:345:00"}]}));
        assert_eq!(
            lookup_body(contained(&by_identifier)).expect("body"),
            expected
        );
    }

    #[test]
    fn structural_problems_name_the_element() {
        let mut r = request(json!({"resourceType": "Coverage", "id": "c"}));
        r["patient"] = json!({"reference": "Patient/123"});
        let (message, path) = lookup_body(contained(&r)).expect_err("external reference");
        assert_eq!(path, "CoverageEligibilityRequest.patient");
        assert!(message.contains("contained"), "{message}");
        let mut r = request(json!({"resourceType": "Coverage", "id": "c"}));
        r["insurer"] = Value::Null;
        let (_, path) = lookup_body(contained(&r)).expect_err("no insurer");
        assert_eq!(path, "Coverage.payor");
        let patient = json!({"resourceType": "Patient"});
        let (_, path) = lookup_body(contained(&patient)).expect_err("type");
        assert_eq!(path, "CoverageEligibilityRequest.resourceType");
    }

    #[test]
    fn fhir_periods_end_on_their_last_day() {
        assert_eq!(
            period("2024-04-01", Some("2025-04-01")),
            json!({"start": "2024-04-01", "end": "2025-03-31"})
        );
        assert_eq!(period("2024-04-01", None), json!({"start": "2024-04-01"}));
    }
}
