//! Inquiries as the use cases hand them out and the pages read them (the store decodes its
//! rows into these).

use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inquiry {
    pub id: i64,
    /// The facility's code when sent from the portal; None from the public form.
    pub facility_code: Option<String>,
    pub category: String,
    pub subject: String,
    pub contact_email: String,
    /// `open`, `in_progress`, `answered` or `closed`.
    pub status: String,
    /// The operator who has it.
    pub assignee: Option<String>,
    /// A keyed hash of who sent it (the client address or the account), for rate limiting.
    pub sender_hash: Vec<u8>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InquiryMessage {
    pub inquiry_id: i64,
    pub seq: i64,
    /// `facility`, `public` or `operator`.
    pub author_role: String,
    pub author: Option<String>,
    pub body: String,
    pub attachment_name: Option<String>,
    pub attachment_type: Option<String>,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InquiryFilter {
    pub facility_code: Option<String>,
    pub status: Option<String>,
    pub assignee: Option<String>,
}
