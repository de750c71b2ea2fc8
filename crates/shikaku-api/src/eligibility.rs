//! `POST /v1/eligibility`: 資格確認 by insurance-card numbers.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use serde_json::Value;
use shikaku_app::LookupRequest;
use shikaku_app::view::EligibilityView;
use shikaku_domain::{Branch, CardNumber, CardNumbers, CardSymbol, InsurerNumber, parse_date};
use utoipa::ToSchema;

use crate::error::{ErrorBody, FieldError};
use crate::terminal::Terminal;
use crate::{ApiError, AppState};

/// 資格確認の照会.
#[derive(ToSchema)]
#[allow(dead_code)] // The schema of the body for OpenAPI; `parse_request` reads it field by field for precise errors.
pub struct EligibilityRequest {
    /// 保険者番号 (8 digits, 6 for 国民健康保険), as a string.
    #[schema(example = "01130012")]
    insurer_number: String,
    /// 記号; empty or absent when the card has none.
    #[schema(example = "12")]
    symbol: Option<String>,
    /// 番号.
    #[schema(example = "345")]
    number: String,
    /// 枝番 (two digits; a single digit is padded). When absent or empty the one person among
    /// the branches with this birth date is found, or the status is `multiple` (複数該当).
    #[schema(example = "00")]
    branch: Option<String>,
    /// 生年月日 (YYYY-MM-DD).
    #[schema(example = "1980-05-17")]
    birth_date: String,
    /// 照会日 (YYYY-MM-DD, JST); today when absent.
    as_of: Option<String>,
}

const FIELDS: [&str; 6] = [
    "insurer_number",
    "symbol",
    "number",
    "branch",
    "birth_date",
    "as_of",
];

#[utoipa::path(
    post,
    path = "/v1/eligibility",
    request_body = EligibilityRequest,
    responses(
        (status = 200, description = "資格確認の結果 (outcome, including no_match)", body = EligibilityView),
        (status = 400, description = "JSON として読めない、または未知の項目 (malformed JSON or unknown field)", body = ErrorBody),
        (status = 401, description = "クライアント証明書なし", body = ErrorBody),
        (status = 403, description = "失効・未登録の証明書", body = ErrorBody),
        (status = 415, description = "Content-Type が JSON でない", body = ErrorBody),
        (status = 422, description = "項目の値が不正 (invalid field values)", body = ErrorBody),
        (status = 429, description = "該当資格なしの回答が続いた端末・施設 (too many no-match answers; see Retry-After)", body = ErrorBody),
        (status = 503, description = "一時的に利用不可 (database unavailable)", body = ErrorBody),
    ),
    tag = "eligibility"
)]
pub async fn lookup(
    State(state): State<AppState>,
    Terminal(caller): Terminal,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::response::Response, ApiError> {
    require_json(&headers)?;
    let request = parse_request(&body)?;
    let service = state.service.clone();
    let owner = caller.clone();
    let english = prefers_english(&headers);
    crate::idempotency::idempotent(
        &state,
        &owner,
        &headers,
        "eligibility",
        &body,
        move || async move {
            let (outcome, as_of) = service.lookup(&request, &caller).await?;
            let names = service.insurer_names();
            Ok((
                StatusCode::OK,
                EligibilityView::new(&outcome, Some(&request.card), as_of, &names, english),
            ))
        },
    )
    .await
}

/// Whether the client asks for English first (`Accept-Language: en…`): the answer's
/// `explanation` is then in English.
pub fn prefers_english(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .is_some_and(|first| first.trim().to_ascii_lowercase().starts_with("en"))
}

/// Refuses a body declared as anything but JSON (415).
pub fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    if let Some(content_type) = headers.get(header::CONTENT_TYPE)
        && !content_type
            .to_str()
            .is_ok_and(|v| v.starts_with("application/json"))
    {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Content-Type は application/json です (send application/json)",
        ));
    }
    Ok(())
}

/// Parses the body field by field, so every problem names its field.
pub fn parse_request(body: &[u8]) -> Result<LookupRequest, ApiError> {
    parse_request_with(body, true)
}

/// As [`parse_request`]; with `birth_required` false (drug and checkup reads, whose consent
/// was given with the card) the birth date may be absent.
pub fn parse_request_with(body: &[u8], birth_required: bool) -> Result<LookupRequest, ApiError> {
    // The usual body — only known fields, each a string or null — is read without building
    // a JSON tree; anything else goes the general way, which names every problem.
    match serde_json::from_slice::<Plain<'_>>(body) {
        Ok(plain) => check_fields(
            |name| match name {
                "insurer_number" => plain.insurer_number.as_deref().map(Raw::Str),
                "symbol" => plain.symbol.as_deref().map(Raw::Str),
                "number" => plain.number.as_deref().map(Raw::Str),
                "branch" => plain.branch.as_deref().map(Raw::Str),
                "birth_date" => plain.birth_date.as_deref().map(Raw::Str),
                "as_of" => plain.as_of.as_deref().map(Raw::Str),
                _ => None,
            },
            birth_required,
        ),
        Err(_) => parse_general(body, birth_required),
    }
}

/// A body of known string fields, borrowed from the request where no escapes need decoding.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Plain<'a> {
    #[serde(borrow)]
    insurer_number: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    symbol: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    number: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    branch: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    birth_date: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    as_of: Option<std::borrow::Cow<'a, str>>,
}

/// One field as sent: absent or null is `None` at the caller.
enum Raw<'a> {
    Str(&'a str),
    NotString,
}

fn parse_general(body: &[u8], birth_required: bool) -> Result<LookupRequest, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("JSON として読めません: {e} (malformed JSON: {e})"),
        )
    })?;
    let Value::Object(object) = value else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            "JSON オブジェクトを送ってください (the body must be a JSON object)",
        ));
    };
    let unknown: Vec<&String> = object
        .keys()
        .filter(|k| !FIELDS.contains(&k.as_str()))
        .collect();
    if !unknown.is_empty() {
        let names = unknown
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        return Err(ApiError {
            status: StatusCode::BAD_REQUEST,
            body: ErrorBody {
                error: "unknown_field",
                message: format!("未知の項目があります: {names} (unknown fields: {names})"),
                fields: unknown
                    .iter()
                    .map(|k| FieldError {
                        field: k.to_string(),
                        message: "未知の項目です (unknown field)".into(),
                    })
                    .collect(),
            },
            retry_after: None,
        });
    }
    check_fields(
        |name| match object.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(Raw::Str(s)),
            Some(_) => Some(Raw::NotString),
        },
        birth_required,
    )
}

/// Checks every field (each error names its field) and builds the request.
/// The lookup of named string fields (absent: `None`), every problem named by its field: the
/// `/v1/eligibility` body's checks, also for the fields a FHIR request carries.
pub(crate) fn parse_fields<'a>(
    get: impl Fn(&str) -> Option<&'a str>,
    birth_required: bool,
) -> Result<LookupRequest, ApiError> {
    check_fields(|name| get(name).map(Raw::Str), birth_required)
}

fn check_fields<'a>(
    get: impl Fn(&str) -> Option<Raw<'a>>,
    birth_required: bool,
) -> Result<LookupRequest, ApiError> {
    let mut errors = Vec::new();
    let insurer = field(
        &get,
        "insurer_number",
        true,
        &mut errors,
        InsurerNumber::parse,
    );
    let symbol = field(
        &get,
        "symbol",
        false,
        &mut errors,
        CardSymbol::parse_optional,
    )
    .flatten();
    let number = field(&get, "number", true, &mut errors, CardNumber::parse);
    // 枝番 may be absent (older cards, 後期高齢者): then the one person among the branches
    // with this birth date is found, or the answer is `multiple`.
    let branch = field(&get, "branch", false, &mut errors, Branch::parse_padded);
    let any_branch = branch.is_none() && errors.iter().all(|e| e.field != "branch");
    let birth = field(&get, "birth_date", birth_required, &mut errors, parse_date);
    let any_birth = birth.is_none() && errors.iter().all(|e| e.field != "birth_date");
    let as_of = field(&get, "as_of", false, &mut errors, parse_date);
    match (insurer, number, branch, birth) {
        (Some(insurer), Some(number), branch, birth)
            if errors.is_empty() && (birth.is_some() || any_birth) =>
        {
            // Without a birth date the one person behind the card numbers is used.
            let birth_date = birth.unwrap_or(time::Date::MIN);
            let branch = match branch {
                Some(b) => b,
                None => Branch::parse("00").map_err(|_| ApiError::invalid(Vec::new()))?,
            };
            Ok(LookupRequest {
                card: CardNumbers {
                    insurer,
                    symbol,
                    number,
                    branch,
                },
                birth_date,
                as_of,
                any_branch,
                any_birth,
            })
        }
        _ => Err(ApiError::invalid(errors)),
    }
}

/// Reads one string field; records a missing required field, a non-string, or a parse error.
fn field<'a, T, E: std::fmt::Display>(
    get: &impl Fn(&str) -> Option<Raw<'a>>,
    name: &str,
    required: bool,
    errors: &mut Vec<FieldError>,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Option<T> {
    let mut fail = |message: String| {
        errors.push(FieldError {
            field: name.into(),
            message,
        })
    };
    match get(name) {
        None => {
            if required {
                fail("必須項目です (required)".into());
            }
            None
        }
        Some(Raw::Str(s)) if s.trim().is_empty() && required => {
            fail("必須項目です (required)".into());
            None
        }
        Some(Raw::Str(s)) if s.trim().is_empty() => None,
        Some(Raw::Str(s)) => parse(s).map_err(|e| fail(e.to_string())).ok(),
        Some(Raw::NotString) => {
            fail("文字列で指定してください（先頭の0を保つため） (must be a JSON string, so leading zeros survive)".into());
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields_of(body: &str) -> Vec<String> {
        match parse_request(body.as_bytes()) {
            Err(e) => e.body.fields.iter().map(|f| f.field.clone()).collect(),
            Ok(_) => vec![],
        }
    }

    #[test]
    fn parses_a_full_request() {
        let r = parse_request(br#"{"insurer_number":"01130012","symbol":"\uff11\uff12","number":"345","branch":"1","birth_date":"1980-05-17","as_of":"2026-04-01"}"#)
            .expect("valid");
        assert_eq!(r.card.symbol_str(), "12");
        assert_eq!(r.card.branch.as_str(), "01");
        assert!(r.as_of.is_some());
    }

    #[test]
    fn every_bad_field_is_named() {
        assert_eq!(
            fields_of(
                r#"{"insurer_number":"01130013","number":"","branch":"abc","birth_date":"1980-02-30"}"#
            ),
            vec!["insurer_number", "number", "branch", "birth_date"]
        );
        assert_eq!(
            fields_of(
                r#"{"insurer_number":1130012,"number":"1","branch":"00","birth_date":"1980-01-01"}"#
            ),
            vec!["insurer_number"]
        );
        // 枝番 may be absent (a query without 枝番), the rest is required.
        assert_eq!(
            fields_of(r#"{}"#),
            vec!["insurer_number", "number", "birth_date"]
        );
    }

    #[test]
    fn plain_and_general_bodies_read_alike() {
        // null and absent are the same; a repeated key (general path) keeps the last value,
        // as serde_json's tree does.
        let r = parse_request(br#"{"insurer_number":"01130012","symbol":null,"number":"345","branch":"01","birth_date":"1980-05-17"}"#)
            .expect("valid");
        assert_eq!(r.card.symbol_str(), "");
        assert!(!r.any_branch);
        let r = parse_request(br#"{"insurer_number":"x","insurer_number":"01130012","number":"345","birth_date":"1980-05-17"}"#)
            .expect("last value wins");
        assert_eq!(r.card.insurer.as_str(), "01130012");
        assert!(r.any_branch);
        assert_eq!(
            fields_of(r#"{"insurer_number":"01130012","number":345,"birth_date":"1980-05-17"}"#),
            vec!["number"]
        );
    }

    /// Every field the plain reader knows reaches the checks as the general reader's does
    /// (a field added to one and not the other shows here).
    #[test]
    fn the_plain_reader_passes_every_field() {
        let body = br#"{"insurer_number":"01130012","symbol":"12","number":"345","branch":"01","birth_date":"1980-05-17","as_of":"2026-04-01"}"#;
        let plain = parse_request(body).expect("plain");
        let general = parse_general(body, true).expect("general");
        assert_eq!(format!("{plain:?}"), format!("{general:?}"));
        assert!(plain.as_of.is_some() && !plain.any_branch && !plain.any_birth);
    }

    #[test]
    fn malformed_and_unknown() {
        let e = parse_request(b"{\"insurer_number\": ").expect_err("malformed");
        assert_eq!(e.body.error, "malformed_json");
        let e = parse_request(b"[1]").expect_err("not object");
        assert_eq!(e.body.error, "malformed_json");
        let e = parse_request(br#"{"insurer_number":"01130012","name":"x"}"#).expect_err("unknown");
        assert_eq!(e.body.error, "unknown_field");
        assert_eq!(e.body.fields[0].field, "name");
    }
}
