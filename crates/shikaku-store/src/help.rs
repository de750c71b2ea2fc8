//! What the help pages learn from their users: 「役に立ちましたか」 counted per FAQ entry and
//! questions nothing answered, counted per (masked) text. Counters only — nothing here names
//! a person, an account or an address.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::Result;

pub use shikaku_domain::help::{EntryFeedback, Unanswered};

/// One FAQ entry's 「役に立ちましたか」 answers.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct EntryFeedbackRow {
    pub entry_id: String,
    pub helpful: i64,
    pub unhelpful: i64,
    pub last_at: OffsetDateTime,
}

/// A question no FAQ entry answered.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct UnansweredRow {
    /// The question as asked, digits and mail addresses masked.
    pub query: String,
    /// `ja` or `en`: the page's language.
    pub lang: String,
    pub asked: i64,
    pub first_at: OffsetDateTime,
    pub last_at: OffsetDateTime,
}

#[async_trait]
pub trait HelpStore: Send + Sync {
    /// Counts one 「役に立ちましたか」 answer for an entry.
    async fn record_feedback(
        &self,
        entry_id: &str,
        helpful: bool,
        at: OffsetDateTime,
    ) -> Result<()>;
    /// Counts one question nothing answered.
    async fn record_unanswered(&self, query: &str, lang: &str, at: OffsetDateTime) -> Result<()>;
    /// Every entry with answers, the least helpful first (most 「いいえ」 beyond 「はい」, then
    /// most 「いいえ」).
    async fn entry_feedback(&self) -> Result<Vec<EntryFeedback>>;
    /// The questions nothing answered, the most asked first, at most `limit`.
    async fn unanswered(&self, limit: u32) -> Result<Vec<Unanswered>>;
}

impl From<EntryFeedbackRow> for EntryFeedback {
    fn from(r: EntryFeedbackRow) -> Self {
        Self {
            entry_id: r.entry_id,
            helpful: r.helpful,
            unhelpful: r.unhelpful,
            last_at: r.last_at,
        }
    }
}

impl From<UnansweredRow> for Unanswered {
    fn from(r: UnansweredRow) -> Self {
        Self {
            query: r.query,
            lang: r.lang,
            asked: r.asked,
            first_at: r.first_at,
            last_at: r.last_at,
        }
    }
}

/// `impl HelpStore` for a backend, expanded inside the portal implementation's module so it
/// shares its SQL helper (`q`).
macro_rules! impl_help_store {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::help::HelpStore for $store {
            async fn record_feedback(
                &self,
                entry_id: &str,
                helpful: bool,
                at: time::OffsetDateTime,
            ) -> $crate::Result<()> {
                let (yes, no) = if helpful { (1_i64, 0_i64) } else { (0, 1) };
                sqlx::query(q(
                    "INSERT INTO faq_feedback (entry_id, helpful, unhelpful, last_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (entry_id) DO UPDATE SET \
                     helpful = faq_feedback.helpful + $2, unhelpful = faq_feedback.unhelpful + $3, \
                     last_at = $4",
                ))
                .bind(entry_id)
                .bind(yes)
                .bind(no)
                .bind(at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn record_unanswered(
                &self,
                query: &str,
                lang: &str,
                at: time::OffsetDateTime,
            ) -> $crate::Result<()> {
                sqlx::query(q(
                    "INSERT INTO faq_unanswered (query, lang, asked, first_at, last_at) \
                     VALUES ($1, $2, 1, $3, $3) ON CONFLICT (query, lang) DO UPDATE SET \
                     asked = faq_unanswered.asked + 1, last_at = $3",
                ))
                .bind(query)
                .bind(lang)
                .bind(at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn entry_feedback(&self) -> $crate::Result<Vec<$crate::help::EntryFeedback>> {
                Ok(sqlx::query_as::<_, $crate::help::EntryFeedbackRow>(q(
                    "SELECT entry_id, helpful, unhelpful, last_at FROM faq_feedback \
                     ORDER BY unhelpful - helpful DESC, unhelpful DESC, entry_id",
                ))
                .fetch_all(&self.pool)
                .await?.into_iter().map(Into::into).collect())
            }

            async fn unanswered(&self, limit: u32) -> $crate::Result<Vec<$crate::help::Unanswered>> {
                Ok(sqlx::query_as::<_, $crate::help::UnansweredRow>(q(
                    "SELECT query, lang, asked, first_at, last_at FROM faq_unanswered \
                     ORDER BY asked DESC, last_at DESC, query LIMIT $1",
                ))
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?.into_iter().map(Into::into).collect())
            }
        }
    };
}
pub(crate) use impl_help_store;
