//! The web sessions the portal's pages keep (the HTTP layer's session store calls these):
//! only the SHA-256 of a session id is stored, never the id itself.

use super::*;
use shikaku_store::portal::PortalSession;

/// A stored session: the hash of its id, the session's record as the HTTP layer serializes
/// it, and when it expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSession {
    pub token_hash: Vec<u8>,
    pub data: String,
    pub expires_at: OffsetDateTime,
}

fn row(s: &WebSession) -> PortalSession {
    PortalSession {
        token_hash: s.token_hash.clone(),
        data: s.data.clone(),
        expires_at: s.expires_at,
    }
}

impl PortalService {
    /// Stores a new session; false when its id is taken (the caller draws another).
    pub async fn create_web_session(&self, session: &WebSession) -> Result<bool> {
        match self.store.create_session(&row(session)).await {
            Ok(()) => Ok(true),
            Err(StoreError::Conflict(_)) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Creates or replaces a session.
    pub async fn save_web_session(&self, session: &WebSession) -> Result<()> {
        Ok(self.store.save_session(&row(session)).await?)
    }

    /// The session with this id hash, unless it has expired (an expired one is removed).
    pub async fn web_session(&self, token_hash: &[u8]) -> Result<Option<WebSession>> {
        let Some(stored) = self.store.session(token_hash).await? else {
            return Ok(None);
        };
        if stored.expires_at <= OffsetDateTime::now_utc() {
            self.store.delete_session(token_hash).await?;
            return Ok(None);
        }
        Ok(Some(WebSession {
            token_hash: stored.token_hash,
            data: stored.data,
            expires_at: stored.expires_at,
        }))
    }

    pub async fn delete_web_session(&self, token_hash: &[u8]) -> Result<()> {
        Ok(self.store.delete_session(token_hash).await?)
    }
}
