//! `Idempotency-Key`: a terminal agent that resends a request (after a crash or a lost answer)
//! with the same key and body gets the stored answer; the request is processed and counted
//! once, and each replay is logged as one. Keys are per terminal and endpoint. Here: the
//! header and the answer; `shikaku_app::idempotency` decides and keeps.

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use shikaku_app::Caller;
use shikaku_app::idempotency::{OnceError, once};

use crate::{ApiError, AppState};

const HEADER: &str = "idempotency-key";

/// The key, if the request carries a usable one (1–200 visible ASCII characters).
fn key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(HEADER) else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(k) if !k.is_empty() && k.len() <= 200 && k.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(Some(k.to_string()))
        }
        _ => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_idempotency_key",
            "Idempotency-Key は1〜200文字の英数字記号です (1–200 visible ASCII characters)",
        )),
    }
}

/// Runs `handle` once per key among this terminal's requests to `endpoint`
/// (`shikaku_app::idempotency::once`): a resend with the same key and body gets the stored
/// answer with `Idempotent-Replay: true`; the same key with another body is refused (422
/// `idempotency_key_reused`).
pub async fn idempotent<F, Fut, T>(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    endpoint: &str,
    request: &[u8],
    handle: F,
) -> Result<Response, ApiError>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<(StatusCode, T), ApiError>> + Send + 'static,
    T: serde::Serialize + Send + 'static,
{
    // Without a key (every terminal's interactive lookup) nothing is stored: no task, no lock.
    let Some(key) = key(headers)? else {
        let (status, body) = handle().await?;
        return Ok((status, Json(body)).into_response());
    };
    let answer = once(&state.service, caller, endpoint, key, request, || async move {
        let (status, body) = handle().await?;
        let body = serde_json::to_string(&body).map_err(|e| ApiError::internal(&e))?;
        Ok::<_, ApiError>((status.as_u16(), body))
    })
    .await
    .map_err(|e| match e {
        OnceError::Request(e) => e,
        OnceError::KeyReused => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "この Idempotency-Key は別の内容の要求に使われています。要求ごとに新しいキーを付けてください (the key was used for a different request body)",
        ),
        OnceError::Lookup(e) => ApiError::from(e),
        e @ OnceError::Internal(_) => ApiError::internal(&e),
    })?;
    // The stored text is the answer as first sent, byte for byte.
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let json = HeaderValue::from_static("application/json");
    let mut response = (
        status,
        [(axum::http::header::CONTENT_TYPE, json)],
        answer.body,
    )
        .into_response();
    if answer.replay {
        response
            .headers_mut()
            .insert("idempotent-replay", HeaderValue::from_static("true"));
    }
    Ok(response)
}
