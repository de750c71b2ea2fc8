//! The terminal behind a request: its client certificate (already verified against the CA
//! by the TLS handshake) must be one we issued and have not revoked. Checked on every
//! request, so a revocation takes effect for the next request without a restart.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum_server::tls::TlsInfo;
use shikaku_app::Caller;
use shikaku_app::StoreError;
use shikaku_app::terminal_certs::Denied;

use crate::{ApiError, AppState};

pub struct Terminal(pub Caller);

impl FromRequestParts<AppState> for Terminal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let denied = |code, message: &str| ApiError::new(StatusCode::FORBIDDEN, code, message);
        let leaf = parts
            .extensions
            .get::<Arc<TlsInfo>>()
            .and_then(|info| info.peer_certificates.first().cloned())
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "certificate_required",
                    "端末の電子証明書が必要です (a terminal client certificate is required)",
                )
            })?;
        let identity = shikaku_pki::identify(&leaf).map_err(|_| {
            denied(
                "certificate_invalid",
                "端末の電子証明書ではありません (not a terminal certificate)",
            )
        })?;
        let decision =
            match shikaku_app::terminal_certs::authorize(state.service.store(), identity).await {
                Ok(decision) => decision,
                Err(StoreError::Unavailable(e)) => {
                    tracing::warn!(error = %e, "certificate check unavailable");
                    return Err(ApiError::unavailable());
                }
                Err(e) => return Err(ApiError::internal(&e)),
            };
        match decision {
            Ok(caller) => Ok(Terminal(caller)),
            Err(Denied::Unknown) => Err(denied(
                "certificate_unknown",
                "登録されていない電子証明書です (certificate not registered)",
            )),
            Err(Denied::Revoked) => Err(denied(
                "certificate_revoked",
                "この電子証明書は失効しています (this certificate has been revoked)",
            )),
        }
    }
}
