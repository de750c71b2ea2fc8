//! マイナンバーカードによる資格確認 over the mTLS listener:
//! `POST /v1/card/challenge` (a fresh single-use nonce for this terminal) and
//! `POST /v1/card/verify` (the card's certificate and its signature over that nonce).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shikaku_app::card_verify::{CardVerifyRequest, Method};
use shikaku_app::view::QualificationView;
use shikaku_domain::date::format_date;
use shikaku_domain::parse_date;
use utoipa::ToSchema;

use crate::error::{ErrorBody, FieldError};
use crate::terminal::Terminal;
use crate::{ApiError, AppState};

/// A nonce for the card to sign.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChallengeView {
    /// 32 random bytes, hex; single use.
    pub nonce: String,
    /// RFC 3339 (UTC).
    pub expires_at: String,
}

#[utoipa::path(
    post,
    path = "/v1/card/challenge",
    responses(
        (status = 200, description = "a fresh nonce for this terminal", body = ChallengeView),
        (status = 403, description = "失効・未登録の証明書", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
    ),
    tag = "card"
)]
pub async fn challenge(
    State(state): State<AppState>,
    Terminal(caller): Terminal,
) -> Result<Json<ChallengeView>, ApiError> {
    Ok(Json(ChallengeView::new(
        state.cards.challenge(&caller).await?,
    )))
}

impl ChallengeView {
    pub(crate) fn new((nonce, expires_at): (Vec<u8>, time::OffsetDateTime)) -> Self {
        Self {
            nonce: hex::encode(nonce),
            expires_at: rfc3339(expires_at),
        }
    }
}

/// RFC 3339 to the second.
pub(crate) fn rfc3339(t: time::OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The reader's request after the holder was confirmed at the card reader.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CardVerifyBody {
    /// The nonce from `/v1/card/challenge` (hex).
    pub nonce: String,
    /// The card's 利用者証明用電子証明書 (PEM).
    pub certificate: String,
    /// ECDSA P-256 SHA-256 signature (DER, hex) over the challenge message.
    pub signature: String,
    /// How the reader confirmed the holder: `face` or `pin`.
    pub method: String,
    /// 初回登録: the holder agrees to use the card as a health-insurance card.
    #[serde(default)]
    pub register: bool,
    /// 薬剤情報の提供に同意する (true) / しない (false).
    pub consent_drugs: Option<bool>,
    /// 特定健診情報の提供に同意する / しない.
    pub consent_checkups: Option<bool>,
    /// 限度額適用認定証・特定疾病療養受療証の情報の提供に同意する / しない (this visit only;
    /// not stored).
    #[serde(default)]
    pub consent_limit: Option<bool>,
    /// 入院: the consents last until discharge is recorded (`POST /v1/discharge`).
    #[serde(default)]
    pub inpatient: bool,
    /// 照会日 (YYYY-MM-DD, JST); today when absent.
    pub as_of: Option<String>,
}

/// The answer of a card verification. Refusals are outcomes (200) with their code.
#[derive(Debug, Serialize, ToSchema)]
pub struct CardVerifyView {
    /// `valid`, `lost`, `not_yet`, or `no_qualification`, `not_registered`, `revoked`,
    /// `expired`, `untrusted_card`, `bad_signature`, `nonce_invalid`, `needs_review` (the rows
    /// linked to the holder's 個人番号 disagree: nothing is shown until the insurer corrects them).
    pub status: &'static str,
    /// The reader's message (Japanese).
    pub message: &'static str,
    pub as_of: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qualification: Option<QualificationView>,
    /// 初回登録 was done by this request.
    pub registered_now: bool,
    /// Consents given with this request (`drugs`, `checkups` recorded; `limit` for this visit).
    pub consents: Vec<&'static str>,
    /// 高齢受給者証 (70–74, not 後期高齢).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elderly_recipient: Option<shikaku_app::view::ElderlyView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consent_expires_at: Option<String>,
    /// Why the answer is what it is (empty only for `valid`; English under
    /// `Accept-Language: en`).
    pub explanation: String,
    /// The (JST) date the insurer's data was last loaded; null without a qualification.
    pub data_as_of: Option<String>,
}

#[utoipa::path(
    post,
    path = "/v1/card/verify",
    request_body = CardVerifyBody,
    responses(
        (status = 200, description = "the outcome (including refusals such as revoked)", body = CardVerifyView),
        (status = 400, description = "malformed JSON or unknown field", body = ErrorBody),
        (status = 403, description = "失効・未登録の端末証明書", body = ErrorBody),
        (status = 422, description = "invalid field values", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
    ),
    tag = "card"
)]
pub async fn verify(
    State(state): State<AppState>,
    Terminal(caller): Terminal,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<Json<CardVerifyView>, ApiError> {
    let request = parse_body(&body)?;
    let outcome = state.cards.verify(&request, &caller).await?;
    let (explanation, data_as_of) = outcome.explanation(
        &state.service.insurer_names(),
        crate::eligibility::prefers_english(&headers),
    );
    Ok(Json(CardVerifyView {
        explanation,
        data_as_of: data_as_of.map(format_date),
        status: outcome.status.as_str(),
        message: outcome.status.message_ja(),
        as_of: format_date(outcome.as_of),
        qualification: outcome
            .qualification
            .as_ref()
            .map(|q| QualificationView::new(q, &state.service.insurer_names())),
        registered_now: outcome.registered_now,
        elderly_recipient: outcome
            .qualification
            .as_ref()
            .and_then(|q| shikaku_app::view::ElderlyView::of(q, outcome.as_of)),
        consents: outcome.consents_recorded,
        consent_expires_at: outcome.consent_expires_at.map(rfc3339),
    }))
}

/// The JSON body of a card-signed request, checked field by field.
pub(crate) fn parse_body(body: &[u8]) -> Result<CardVerifyRequest, ApiError> {
    let body: CardVerifyBody = serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("JSON として読めません: {e} (malformed JSON or unknown field: {e})"),
        )
    })?;
    parse(&body)
}

pub(crate) fn parse(body: &CardVerifyBody) -> Result<CardVerifyRequest, ApiError> {
    let mut errors = Vec::new();
    let mut fail = |field: &str, message: &str| {
        errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        })
    };
    let nonce = hex::decode(body.nonce.trim()).unwrap_or_default();
    if nonce.len() != 32 {
        fail("nonce", "32バイトの16進数です (32 bytes, hex)");
    }
    let signature = hex::decode(body.signature.trim()).unwrap_or_default();
    if signature.is_empty() || signature.len() > 128 {
        fail(
            "signature",
            "署名（DER、16進数）が必要です (a DER signature in hex)",
        );
    }
    let certificate_der = {
        use rustls::pki_types::{CertificateDer, pem::PemObject};
        CertificateDer::from_pem_slice(body.certificate.as_bytes())
            .map(|c| c.to_vec())
            .unwrap_or_default()
    };
    if certificate_der.is_empty() {
        fail(
            "certificate",
            "PEM 形式の証明書が必要です (a PEM certificate)",
        );
    }
    let method = match body.method.as_str() {
        "face" => Some(Method::Face),
        "pin" => Some(Method::Pin),
        _ => {
            fail("method", "face または pin です (face or pin)");
            None
        }
    };
    let as_of = match body.as_of.as_deref().map(parse_date) {
        None => None,
        Some(Ok(d)) => Some(d),
        Some(Err(e)) => {
            fail("as_of", &e.to_string());
            None
        }
    };
    match method {
        Some(method) if errors.is_empty() => Ok(CardVerifyRequest {
            nonce,
            certificate_der,
            signature,
            method,
            register: body.register,
            consent_drugs: body.consent_drugs,
            consent_checkups: body.consent_checkups,
            consent_limit: body.consent_limit,
            inpatient: body.inpatient,
            as_of,
        }),
        _ => Err(ApiError::invalid(errors)),
    }
}

/// How many consents a discharge ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct DischargeView {
    pub consents_ended: u64,
}

#[utoipa::path(
    post,
    path = "/v1/discharge",
    request_body = crate::eligibility::EligibilityRequest,
    responses(
        (status = 200, description = "退院: this facility's consents of the patient end now", body = DischargeView),
        (status = 404, description = "no_match", body = ErrorBody),
        (status = 422, description = "invalid fields", body = ErrorBody),
    ),
    tag = "card"
)]
pub async fn discharge(
    State(state): State<AppState>,
    Terminal(caller): Terminal,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<Json<DischargeView>, ApiError> {
    crate::eligibility::require_json(&headers)?;
    let request = crate::eligibility::parse_request(&body)?;
    match shikaku_app::card_verify::discharge(&state.service, &caller, &request).await? {
        Some(consents_ended) => Ok(Json(DischargeView { consents_ended })),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no_match",
            "該当する方がいないか、マイナンバーカードでの受付ができない方です (no such person, or no My Number linkage)",
        )),
    }
}
