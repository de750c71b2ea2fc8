//! `Idempotency-Key`: a terminal agent that resends a request (after a crash or a lost answer)
//! with the same key gets the stored answer; the request is processed, counted and logged
//! once. Keys are per facility.

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use shikaku_app::Caller;

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

/// Runs `handle` once per key: a stored answer is replayed with `Idempotent-Replay: true`.
/// Only successful answers are stored, so a failure (e.g. 503) can be retried. The work runs
/// in its own task, so a client that disconnects (a killed agent) cannot cut it between the
/// access-log entry and the stored answer.
pub async fn idempotent<F, Fut, T>(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
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
    let store = state.service.store().clone();
    let facility = caller.facility_code.clone();
    let work = tokio::spawn(async move {
        // A resend can arrive while the first request is still being answered (its client
        // was killed mid-request): requests with the same key are serialized, so the second
        // one sees the stored answer.
        let _guard = stripe(&facility, &key).lock().await;
        if let Some((status, body)) = store
            .idempotent_response(&facility, &key)
            .await
            .map_err(shikaku_app::LookupError::from)?
        {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            return Ok::<_, ApiError>((status, body, true));
        }
        let (status, body) = handle().await?;
        let body = serde_json::to_string(&body).map_err(|e| ApiError::internal(&e))?;
        store
            .save_idempotent_response(
                &facility,
                &key,
                status.as_u16(),
                &body.to_string(),
                time::OffsetDateTime::now_utc(),
            )
            .await
            .map_err(shikaku_app::LookupError::from)?;
        Ok((status, body, false))
    });
    let (status, body, replay) = match work.await {
        Ok(result) => result?,
        Err(e) => return Err(ApiError::internal(&e)),
    };
    // The stored text is the answer as first sent, byte for byte.
    let json = HeaderValue::from_static("application/json");
    let mut response = (status, [(axum::http::header::CONTENT_TYPE, json)], body).into_response();
    if replay {
        response
            .headers_mut()
            .insert("idempotent-replay", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// One of 256 locks, chosen by the key.
fn stripe(facility: &str, key: &str) -> &'static tokio::sync::Mutex<()> {
    static STRIPES: std::sync::LazyLock<Vec<tokio::sync::Mutex<()>>> =
        std::sync::LazyLock::new(|| (0..256).map(|_| tokio::sync::Mutex::new(())).collect());
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (facility, key).hash(&mut h);
    &STRIPES[(h.finish() % 256) as usize]
}
