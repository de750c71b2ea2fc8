//! The API's one error type: a status, a stable code, a safe message (Japanese first, then
//! English), and for validation errors the fields. Internal causes are logged once here and
//! never shown to the client.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// An error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable code, e.g. `invalid_request`, `malformed_json`, `certificate_revoked`.
    pub error: &'static str,
    pub message: String,
    /// For `invalid_request`: what is wrong with which field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
    /// Sent as `Retry-After` (seconds).
    pub retry_after: Option<i64>,
}

impl ApiError {
    pub fn new(status: StatusCode, error: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: ErrorBody {
                error,
                message: message.into(),
                fields: Vec::new(),
            },
            retry_after: None,
        }
    }

    pub fn invalid(fields: Vec<FieldError>) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            body: ErrorBody {
                error: "invalid_request",
                message: "入力に誤りがあります (the request has invalid fields)".into(),
                fields,
            },
            retry_after: None,
        }
    }

    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "ただいま資格確認を行えません。しばらくしてから再度お試しください (the eligibility service is temporarily unavailable; retry later)",
        )
    }

    /// Logs an internal cause and answers 500 without revealing it.
    pub fn internal(cause: &dyn std::error::Error) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "内部エラーが発生しました (internal error)",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if let Some(seconds) = self.retry_after
            && let Ok(v) = axum::http::HeaderValue::from_str(&seconds.to_string())
        {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, v);
        }
        response
    }
}

impl From<shikaku_app::LookupError> for ApiError {
    fn from(e: shikaku_app::LookupError) -> Self {
        match e {
            shikaku_app::LookupError::Store(inner) => Self::internal(&inner),
            shikaku_app::LookupError::BirthDateSearch { birth_dates } => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "birth_date_search",
                format!(
                    "同じ保険証の記号・番号に{birth_dates}通りの生年月日が指定されています。一括照会は患者ごとに1件ずつ指定してください (one card number is given with {birth_dates} birth dates)"
                ),
            ),
            shikaku_app::LookupError::TooManyNoMatch { seconds } => {
                let mut e = Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_no_match",
                    format!(
                        "該当資格なしの回答が続いたため、この端末からの照会を{seconds}秒間受け付けません。保険証の記号・番号と生年月日をご確認ください (too many no-match answers: retry in {seconds} s)"
                    ),
                );
                e.retry_after = Some(seconds);
                e
            }
            other => {
                tracing::warn!(error = %other, "eligibility unavailable");
                Self::unavailable()
            }
        }
    }
}
