//! The portal's sessions: tower-sessions over the portal tables (only the SHA-256 of a session
//! id is stored, through `PortalService`), and the session cookie.

use shikaku_app::portal::{PortalError, PortalService, WebSession};
use tower_sessions::session::{Id, Record};
use tower_sessions::{Expiry, SessionManagerLayer, SessionStore, cookie::SameSite};

use super::IDLE_HOURS;

/// tower-sessions over the portal tables.
#[derive(Clone)]
pub struct DbSessions(pub PortalService);

impl std::fmt::Debug for DbSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbSessions")
    }
}

fn id_hash(id: &Id) -> Vec<u8> {
    shikaku_pki::sha256(&id.0.to_le_bytes())
}

fn row(record: &Record) -> Result<WebSession, tower_sessions::session_store::Error> {
    Ok(WebSession {
        token_hash: id_hash(&record.id),
        data: serde_json::to_string(&record.data)
            .map_err(|e| tower_sessions::session_store::Error::Encode(e.to_string()))?,
        expires_at: record.expiry_date,
    })
}

fn backend(e: PortalError) -> tower_sessions::session_store::Error {
    tower_sessions::session_store::Error::Backend(e.to_string())
}

#[async_trait::async_trait]
impl SessionStore for DbSessions {
    async fn create(&self, record: &mut Record) -> tower_sessions::session_store::Result<()> {
        while !self
            .0
            .create_web_session(&row(record)?)
            .await
            .map_err(backend)?
        {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> tower_sessions::session_store::Result<()> {
        self.0
            .save_web_session(&row(record)?)
            .await
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> tower_sessions::session_store::Result<Option<Record>> {
        let Some(stored) = self.0.web_session(&id_hash(id)).await.map_err(backend)? else {
            return Ok(None);
        };
        Ok(Some(Record {
            id: *id,
            data: serde_json::from_str(&stored.data)
                .map_err(|e| tower_sessions::session_store::Error::Decode(e.to_string()))?,
            expiry_date: stored.expires_at,
        }))
    }

    async fn delete(&self, id: &Id) -> tower_sessions::session_store::Result<()> {
        self.0
            .delete_web_session(&id_hash(id))
            .await
            .map_err(backend)
    }
}

/// The session cookie: HttpOnly, SameSite=Lax, Secure when the site is served over TLS.
pub fn session_layer(portal: PortalService, secure: bool) -> SessionManagerLayer<DbSessions> {
    SessionManagerLayer::new(DbSessions(portal))
        .with_name("shikaku_portal")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::hours(IDLE_HOURS)))
}
