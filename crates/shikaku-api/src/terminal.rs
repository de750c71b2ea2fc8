//! The terminal behind a request: its client certificate (already verified against the CA
//! by the TLS handshake) must be one we issued and have not revoked. Checked on every
//! request, so a revocation takes effect for the next request without a restart.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum_server::tls::TlsInfo;
use shikaku_app::Caller;
use shikaku_app::StoreError;
use shikaku_app::terminal_certs::Denied;
use shikaku_pki::{PkiError, TerminalIdentity};

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
        let identity = identify(&leaf).map_err(|_| {
            denied(
                "certificate_invalid",
                "端末の電子証明書ではありません (not a terminal certificate)",
            )
        })?;
        let decision = match state.service.authorize_terminal(&identity).await {
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

/// Identities of the certificates seen recently, by their DER bytes. `identify` is a pure
/// function of those bytes (parsing the X.509 structure and hashing it was about 5 % of a
/// lookup's server time in the profile of bench/RESULTS.md); whether the certificate may be
/// used is still asked of the register on every request.
fn identify(der: &[u8]) -> Result<Arc<TerminalIdentity>, PkiError> {
    /// Enough for every terminal of a large deployment's busy minute; on overflow the map
    /// starts again (only a re-parse is lost).
    const CAPACITY: usize = 8192;
    type Seen = RwLock<HashMap<Box<[u8]>, Arc<TerminalIdentity>>>;
    static SEEN: LazyLock<Seen> = LazyLock::new(Seen::default);
    if let Some(identity) = SEEN.read().ok().and_then(|seen| seen.get(der).cloned()) {
        return Ok(identity);
    }
    let identity = Arc::new(shikaku_pki::identify(der)?);
    if let Ok(mut seen) = SEEN.write() {
        if seen.len() >= CAPACITY {
            seen.clear();
        }
        seen.insert(der.into(), identity.clone());
    }
    Ok(identity)
}
