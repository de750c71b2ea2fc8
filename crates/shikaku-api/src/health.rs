//! Liveness, readiness and the landing page of the web listener.

use axum::extract::State;
use axum::http::StatusCode;

use crate::AppState;

/// Liveness: the process answers. Never touches the database.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.service.ready().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "database not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
