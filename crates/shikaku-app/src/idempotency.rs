//! `Idempotency-Key`: a terminal agent that resends a request (after a crash or a lost answer)
//! with the same key and body gets the stored answer; the request is processed and counted
//! once, and each replay is logged as one. Keys are per terminal and endpoint. The HTTP layer
//! reads the header and writes the answer; this module decides and keeps.

use shikaku_store::{IdempotencyScope, StoredAnswer};

use crate::{Caller, EligibilityService, LookupError};

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

/// An answer as first sent: its HTTP status and body, byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    /// This is a replay of the first answer.
    pub replay: bool,
}

/// Why an idempotent request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum OnceError<E> {
    /// The request's own failure (never stored, so a retry runs it again).
    #[error("the request failed")]
    Request(E),
    /// The same key came with another body.
    #[error("the idempotency key was used for a different request body")]
    KeyReused,
    #[error(transparent)]
    Lookup(#[from] LookupError),
    #[error("internal: {0}")]
    Internal(String),
}

/// Runs `handle` once per key among this terminal's requests to `endpoint`: a resend with the
/// same key and the same `request` body gets the stored answer (`replay`), and its access is
/// logged again, marked as a replay; the same key with another body is `KeyReused`. Only
/// successful answers are stored, so a failure (e.g. 503) can be retried; answers expire after
/// [`KEEP`]. The work runs in its own task, so a client that disconnects (a killed agent)
/// cannot cut it between the access-log entry and the stored answer.
pub async fn once<F, Fut, E>(
    service: &EligibilityService,
    caller: &Caller,
    endpoint: &str,
    key: String,
    request: &[u8],
    handle: F,
) -> Result<Answer, OnceError<E>>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<(u16, String), E>> + Send + 'static,
    E: Send + 'static,
{
    let store = service.store().clone();
    let log = service.access_logger().clone();
    let caller = caller.clone();
    let scope = IdempotencyScope {
        facility_code: caller.facility_code.clone(),
        terminal_name: caller.terminal_name.clone(),
        endpoint: endpoint.to_string(),
    };
    let digest = hex::encode(ring::digest::digest(&ring::digest::SHA256, request));
    let internal = |e: &dyn std::fmt::Display| OnceError::Internal(e.to_string());
    let work = tokio::spawn(async move {
        // A resend can arrive while the first request is still being answered (its client
        // was killed mid-request): requests with the same key are serialized, so the second
        // one sees the stored answer.
        let _guard = stripe(&scope, &key).lock().await;
        let now = time::OffsetDateTime::now_utc();
        if let Some(stored) = store
            .idempotent_response(&scope, &key, now - KEEP)
            .await
            .map_err(LookupError::from)?
        {
            if stored.request_digest != digest {
                return Err(OnceError::KeyReused);
            }
            let logged: Vec<Logged> =
                serde_json::from_str(&stored.logged).map_err(|e| internal(&e))?;
            for entry in logged {
                let person_hash = hex::decode(&entry.person_hash).map_err(|e| internal(&e))?;
                log.record(
                    &caller,
                    now,
                    replay_kind(&entry.kind),
                    entry.status,
                    person_hash,
                )
                .await
                .map_err(LookupError::from)?;
            }
            return Ok(Answer {
                status: stored.status,
                body: stored.body,
                replay: true,
            });
        }
        let (answer, written) = crate::access_log::recording(handle()).await;
        let (status, body) = answer.map_err(OnceError::Request)?;
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
                    status,
                    body: body.clone(),
                    logged: serde_json::to_string(&logged).map_err(|e| internal(&e))?,
                    created_at: now,
                },
                now - KEEP,
            )
            .await
            .map_err(LookupError::from)?;
        Ok(Answer {
            status,
            body,
            replay: false,
        })
    });
    match work.await {
        Ok(result) => result,
        Err(e) => Err(OnceError::Internal(e.to_string())),
    }
}

/// Deletes the answers older than [`KEEP`] once an hour (and at start).
pub fn spawn_expiry(service: &EligibilityService) -> tokio::task::JoinHandle<()> {
    let store = service.store().clone();
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
