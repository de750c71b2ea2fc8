//! `Idempotency-Key`: a terminal agent that resends a request (after a crash or a lost answer)
//! with the same key and body gets the stored answer; the request is processed and counted
//! once, and each replay is logged as one. Keys are per terminal and endpoint.

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use shikaku_app::Caller;
use shikaku_store::{IdempotencyScope, StoredAnswer};

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

/// How long an answer is kept for replays.
pub const KEEP: time::Duration = time::Duration::hours(24);

/// The access-log kind of a replayed answer's entry: the first request's kind, marked.
pub fn replay_kind(kind: &str) -> String {
    format!("{kind}_replay")
}

/// One access-log entry of the first request, as kept with its answer.
#[derive(serde::Serialize, serde::Deserialize)]
struct Logged {
    kind: String,
    status: String,
    person_hash: String,
}

/// Runs `handle` once per key among this terminal's requests to `endpoint`: a resend with the
/// same key and the same body gets the stored answer with `Idempotent-Replay: true`, and its
/// access is logged again, marked as a replay; the same key with another body is refused (422
/// `idempotency_key_reused`). Only successful answers are stored, so a failure (e.g. 503) can
/// be retried; answers expire after [`KEEP`]. The work runs in its own task, so a client that
/// disconnects (a killed agent) cannot cut it between the access-log entry and the stored
/// answer.
pub async fn idempotent<F, Fut, T>(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    endpoint: &'static str,
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
    let store = state.service.store().clone();
    let log = state.service.access_logger().clone();
    let caller = caller.clone();
    let scope = IdempotencyScope {
        facility_code: caller.facility_code.clone(),
        terminal_name: caller.terminal_name.clone(),
        endpoint: endpoint.to_string(),
    };
    let digest = hex::encode(ring::digest::digest(&ring::digest::SHA256, request));
    let work = tokio::spawn(async move {
        // A resend can arrive while the first request is still being answered (its client
        // was killed mid-request): requests with the same key are serialized, so the second
        // one sees the stored answer.
        let _guard = stripe(&scope, &key).lock().await;
        let now = time::OffsetDateTime::now_utc();
        if let Some(stored) = store
            .idempotent_response(&scope, &key, now - KEEP)
            .await
            .map_err(shikaku_app::LookupError::from)?
        {
            if stored.request_digest != digest {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "idempotency_key_reused",
                    "この Idempotency-Key は別の内容の要求に使われています。要求ごとに新しいキーを付けてください (the key was used for a different request body)",
                ));
            }
            let logged: Vec<Logged> =
                serde_json::from_str(&stored.logged).map_err(|e| ApiError::internal(&e))?;
            for entry in logged {
                let person_hash =
                    hex::decode(&entry.person_hash).map_err(|e| ApiError::internal(&e))?;
                log.record(
                    &caller,
                    now,
                    replay_kind(&entry.kind),
                    entry.status,
                    person_hash,
                )
                .await
                .map_err(shikaku_app::LookupError::from)?;
            }
            let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
            return Ok::<_, ApiError>((status, stored.body, true));
        }
        let (answer, written) = shikaku_app::access_log::recording(handle()).await;
        let (status, body) = answer?;
        let body = serde_json::to_string(&body).map_err(|e| ApiError::internal(&e))?;
        let logged: Vec<Logged> = written
            .into_iter()
            .map(|e| Logged {
                kind: e.kind,
                status: e.status,
                person_hash: hex::encode(e.person_hash),
            })
            .collect();
        store
            .save_idempotent_response(
                &scope,
                &key,
                &StoredAnswer {
                    request_digest: digest,
                    status: status.as_u16(),
                    body: body.clone(),
                    logged: serde_json::to_string(&logged).map_err(|e| ApiError::internal(&e))?,
                    created_at: now,
                },
                now - KEEP,
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

/// Deletes the answers older than [`KEEP`] once an hour (and at start).
pub fn spawn_expiry(
    store: std::sync::Arc<dyn shikaku_store::Store>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every.tick().await;
            let before = time::OffsetDateTime::now_utc() - KEEP;
            match store.expire_idempotent_responses(before).await {
                Ok(n) if n > 0 => tracing::info!(removed = n, "expired idempotent answers removed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "removing expired idempotent answers failed"),
            }
        }
    })
}

/// One of 256 locks, chosen by the key.
fn stripe(scope: &IdempotencyScope, key: &str) -> &'static tokio::sync::Mutex<()> {
    static STRIPES: std::sync::LazyLock<Vec<tokio::sync::Mutex<()>>> =
        std::sync::LazyLock::new(|| (0..256).map(|_| tokio::sync::Mutex::new(())).collect());
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (
        &scope.facility_code,
        &scope.terminal_name,
        &scope.endpoint,
        key,
    )
        .hash(&mut h);
    &STRIPES[(h.finish() % 256) as usize]
}
