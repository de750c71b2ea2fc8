//! `POST /v1/drugs` and `POST /v1/checkups`: 薬剤情報 (3 years) and 特定健診情報 (5 years) of a
//! patient, only under a live consent given at this facility's card reader. The body is the
//! same as `/v1/eligibility` (card numbers and birth date).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;
use shikaku_app::RecordKind;
use shikaku_app::medical_info::{self, Refusal};
use shikaku_domain::date::format_date;
use utoipa::ToSchema;

use crate::eligibility::{parse_request_with, require_json};
use crate::error::ErrorBody;
use crate::terminal::Terminal;
use crate::{ApiError, AppState};

/// Records shown under a consent.
#[derive(Debug, Serialize, ToSchema)]
pub struct MedicalInfoView {
    /// `drugs` or `checkups`.
    pub kind: &'static str,
    /// Whose records: name, kana, birth date and sex from the qualification.
    #[schema(value_type = Object)]
    pub person: serde_json::Value,
    pub as_of: String,
    /// The oldest date shown (3 years back for drugs, 5 for checkups).
    pub since: String,
    /// When this facility's consent ends (RFC 3339).
    pub consent_expires_at: String,
    /// Newest first; each record as loaded by the insurer (decimals as fixed-point strings).
    #[schema(value_type = Vec<Object>)]
    pub records: Vec<serde_json::Value>,
}

#[utoipa::path(
    post,
    path = "/v1/drugs",
    request_body = crate::eligibility::EligibilityRequest,
    responses(
        (status = 200, description = "薬剤情報（過去3年）", body = MedicalInfoView),
        (status = 403, description = "no_consent / consent_expired", body = ErrorBody),
        (status = 404, description = "no_match", body = ErrorBody),
        (status = 422, description = "invalid fields", body = ErrorBody),
    ),
    tag = "medical"
)]
pub async fn drugs(
    state: State<AppState>,
    terminal: Terminal,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<MedicalInfoView>, ApiError> {
    fetch(state, terminal, headers, body, RecordKind::Drugs).await
}

#[utoipa::path(
    post,
    path = "/v1/checkups",
    request_body = crate::eligibility::EligibilityRequest,
    responses(
        (status = 200, description = "特定健診情報（過去5年）", body = MedicalInfoView),
        (status = 403, description = "no_consent / consent_expired", body = ErrorBody),
        (status = 404, description = "no_match", body = ErrorBody),
        (status = 422, description = "invalid fields", body = ErrorBody),
    ),
    tag = "medical"
)]
pub async fn checkups(
    state: State<AppState>,
    terminal: Terminal,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<MedicalInfoView>, ApiError> {
    fetch(state, terminal, headers, body, RecordKind::Checkups).await
}

async fn fetch(
    State(state): State<AppState>,
    Terminal(caller): Terminal,
    headers: HeaderMap,
    body: Bytes,
    kind: RecordKind,
) -> Result<Json<MedicalInfoView>, ApiError> {
    require_json(&headers)?;
    let request = parse_request_with(&body, false)?;
    match medical_info::fetch(&state.service, &caller, kind, &request).await? {
        Ok(info) => Ok(Json(MedicalInfoView {
            kind: info.kind.as_str(),
            person: serde_json::json!({
                "name": info.person.name,
                "name_kana": info.person.name_kana,
                "birth_date": format_date(info.person.birth_date),
                "sex": info.person.sex.code(),
            }),
            as_of: format_date(info.as_of),
            since: format_date(info.since),
            consent_expires_at: info
                .consent_expires_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            records: info
                .records
                .into_iter()
                .map(|r| {
                    let mut v: serde_json::Value =
                        serde_json::from_str(&r.data).unwrap_or(serde_json::Value::Null);
                    if let Some(map) = v.as_object_mut() {
                        map.insert("insurer_number".into(), r.insurer_number.into());
                    }
                    v
                })
                .collect(),
        })),
        Err(refusal) => {
            let status = match refusal {
                Refusal::NoMatch => StatusCode::NOT_FOUND,
                Refusal::NoConsent | Refusal::ConsentExpired => StatusCode::FORBIDDEN,
                // The request is fine; the data cannot be shown until the insurer corrects it.
                Refusal::NeedsReview => StatusCode::CONFLICT,
            };
            Err(ApiError::new(status, refusal.as_str(), refusal.message()))
        }
    }
}
