//! What the help pages learn, as the use cases hand it out: 「役に立ちましたか」 counts per FAQ
//! entry and questions nothing answered (the store decodes its rows into these).

use time::OffsetDateTime;

/// One FAQ entry's 「役に立ちましたか」 answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryFeedback {
    pub entry_id: String,
    pub helpful: i64,
    pub unhelpful: i64,
    pub last_at: OffsetDateTime,
}

/// A question no FAQ entry answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unanswered {
    /// The question as asked, digits and mail addresses masked.
    pub query: String,
    /// `ja` or `en`: the page's language.
    pub lang: String,
    pub asked: i64,
    pub first_at: OffsetDateTime,
    pub last_at: OffsetDateTime,
}
