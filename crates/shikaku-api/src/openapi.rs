//! The OpenAPI document, generated from the handlers and served at `/openapi.json`.

use axum::Json;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "shikaku オンライン資格確認 API",
        description = "資格確認 (eligibility verification) for facility terminals. Mutual TLS with a terminal certificate issued by the system's CA is required on the API listener."
    ),
    paths(
        crate::eligibility::lookup,
        crate::card::challenge,
        crate::card::verify,
        crate::card::discharge,
        crate::medical::drugs,
        crate::medical::checkups
    ),
    components(schemas(
        crate::eligibility::EligibilityRequest,
        shikaku_app::view::EligibilityView,
        shikaku_app::view::QualificationView,
        shikaku_app::view::CardView,
        shikaku_app::view::NewerView,
        shikaku_app::view::ElderlyView,
        crate::card::ChallengeView,
        crate::card::CardVerifyBody,
        crate::card::CardVerifyView,
        crate::card::DischargeView,
        crate::medical::MedicalInfoView,
        crate::error::ErrorBody,
        crate::error::FieldError
    )),
    tags(
        (name = "eligibility", description = "資格確認"),
        (name = "card", description = "マイナンバーカードによる資格確認"),
        (name = "medical", description = "薬剤情報・特定健診情報（同意に基づく閲覧）")
    )
)]
pub struct ApiDoc;

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
