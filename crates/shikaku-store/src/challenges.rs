//! Card challenges (the nonces a terminal gets before a My Number Card signs): kept in the
//! store, so a nonce issued by one node is accepted by another, once.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::Result;

#[async_trait]
pub trait ChallengeStore: Send + Sync {
    /// Keeps a challenge (the nonce's SHA-256, hex) for the terminal whose certificate has
    /// this serial until `expires_at`; challenges expired by `now` are removed.
    async fn issue_challenge(
        &self,
        nonce_hash: &str,
        terminal_serial: &str,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<()>;
    /// Takes a challenge, once: the serial it was issued to, if it exists and has not expired
    /// by `now`. Taken or not, it is gone afterwards.
    async fn take_challenge(&self, nonce_hash: &str, now: OffsetDateTime)
    -> Result<Option<String>>;
}

/// The body of `impl ChallengeStore`, expanded beside the portal implementation (shares `q`).
macro_rules! impl_challenge_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::challenges::ChallengeStore for $store {
            async fn issue_challenge(
                &self,
                nonce_hash: &str,
                terminal_serial: &str,
                expires_at: time::OffsetDateTime,
                now: time::OffsetDateTime,
            ) -> $crate::Result<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(q("DELETE FROM card_challenges WHERE expires_at <= $1"))
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(q(
                    "INSERT INTO card_challenges (nonce_hash, terminal_serial, expires_at) \
                     VALUES ($1, $2, $3)",
                ))
                .bind(nonce_hash)
                .bind(terminal_serial)
                .bind(expires_at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn take_challenge(
                &self,
                nonce_hash: &str,
                now: time::OffsetDateTime,
            ) -> $crate::Result<Option<String>> {
                let row: Option<(String, time::OffsetDateTime)> =
                    sqlx::query_as(q("DELETE FROM card_challenges WHERE nonce_hash = $1 \
                     RETURNING terminal_serial, expires_at"))
                    .bind(nonce_hash)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row
                    .filter(|(_, expires)| *expires > now)
                    .map(|(serial, _)| serial))
            }
        }
    };
}
pub(crate) use impl_challenge_store;
