//! Liveness, readiness and the landing page of the web listener.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Html;

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

pub async fn index() -> Html<&'static str> {
    Html(
        "<!doctype html><html lang=\"ja\"><meta charset=\"utf-8\"><title>shikaku オンライン資格確認</title>\
         <h1>shikaku オンライン資格確認等システム</h1>\
         <ul><li><a href=\"/openapi.json\">API 仕様 (OpenAPI)</a></li>\
         <li><a href=\"/healthz\">稼働確認 (health)</a></li><li><a href=\"/readyz\">準備確認 (readiness)</a></li></ul>\
         <p>資格確認 API は端末の電子証明書（クライアント証明書）による相互 TLS で提供されます。\
         The eligibility API is served over mutual TLS on its own port.</p></html>",
    )
}
