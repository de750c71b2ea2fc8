//! Inquiries and their threads, and the outbox of e-mails. A ticket's change, the message
//! that goes with it and the mail that tells the sender are written in one transaction, and
//! only if the ticket is still in the state the caller saw; the mail is sent afterwards from
//! the outbox, so a crash or an unreachable SMTP server delays a mail but never loses it.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::Result;
use crate::portal::Page;

pub use shikaku_domain::support::records::{Inquiry, InquiryFilter, InquiryMessage};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct InquiryRow {
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

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct InquiryMessageRow {
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

/// A message to add; its number in the thread is given by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub author_role: String,
    pub author: Option<String>,
    pub body: String,
    /// File name, content type, bytes.
    pub attachment: Option<(String, String, Vec<u8>)>,
    pub at: OffsetDateTime,
}

/// A mail to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    pub to_addr: String,
    pub subject: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutgoingMail {
    pub id: i64,
    pub inquiry_id: Option<i64>,
    pub to_addr: String,
    pub subject: String,
    pub body: String,
    pub created_at: OffsetDateTime,
    pub attempts: i64,
    pub next_attempt_at: Option<OffsetDateTime>,
    pub sent_at: Option<OffsetDateTime>,
    pub last_error: Option<String>,
}

/// A ticket change: from the status the caller saw to a new status and assignee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketChange<'a> {
    pub id: i64,
    pub expect: &'a str,
    pub status: &'a str,
    pub assignee: Option<&'a str>,
    pub message: Option<&'a NewMessage>,
    pub mail: Option<&'a NewMail>,
    pub at: OffsetDateTime,
}

#[async_trait]
pub trait SupportStore: Send + Sync {
    /// The next ticket number (never handed out twice; a failed filing leaves a gap).
    async fn next_inquiry_id(&self) -> Result<i64>;
    /// Files an inquiry with its first message and the acknowledgement mail, together; with a
    /// `limit`, only when fewer than `limit.max` inquiries of the same sender or contact
    /// address were filed since `limit.since` (false: nothing is stored). Filings are
    /// serialized, so concurrent ones on several nodes cannot pass the limit together.
    async fn create_inquiry(
        &self,
        inquiry: &Inquiry,
        message: &NewMessage,
        mail: Option<&NewMail>,
        limit: Option<InquiryLimit>,
    ) -> Result<bool>;
    async fn inquiry(&self, id: i64) -> Result<Option<Inquiry>>;
    async fn inquiry_messages(&self, id: i64) -> Result<Vec<InquiryMessage>>;
    /// An attachment: file name, content type, bytes.
    async fn inquiry_attachment(
        &self,
        id: i64,
        seq: i64,
    ) -> Result<Option<(String, String, Vec<u8>)>>;
    /// Newest activity first.
    async fn inquiries(
        &self,
        filter: &InquiryFilter,
        offset: u64,
        limit: u64,
    ) -> Result<Page<Inquiry>>;
    /// Applies a change if the ticket is still in `expect`; false when it is not (or is gone).
    async fn change_inquiry(&self, change: &TicketChange<'_>) -> Result<bool>;
    /// Mails not sent yet whose next attempt is due, oldest first.
    async fn due_mail(&self, now: OffsetDateTime, limit: u64) -> Result<Vec<OutgoingMail>>;
    /// Takes a due mail for sending until `lease_until` (its next attempt moves there): true
    /// for the one worker that got it, false when another worker took it first or it was
    /// sent meanwhile. A worker that dies while sending leaves it due again at the lease's end.
    async fn claim_mail(
        &self,
        id: i64,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
    ) -> Result<bool>;
    async fn mail_sent(&self, id: i64, at: OffsetDateTime) -> Result<()>;
    /// Records a failed attempt; `retry_at` None gives up on the mail.
    async fn mail_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<OffsetDateTime>,
    ) -> Result<()>;
    /// The mails about one inquiry, oldest first.
    async fn inquiry_mails(&self, id: i64) -> Result<Vec<OutgoingMail>>;
    /// Queues an unsent mail of this inquiry for sending now (attempts start again); false
    /// when there is no such unsent mail.
    async fn retry_mail(&self, inquiry_id: i64, mail_id: i64, at: OffsetDateTime) -> Result<bool>;
}

pub(crate) const INQUIRY_COLUMNS: &str = "id, facility_code, category, subject, contact_email, \
     status, assignee, sender_hash, created_at, updated_at";
pub(crate) const MAIL_COLUMNS: &str = "id, inquiry_id, to_addr, subject, body, created_at, \
     attempts, next_attempt_at, sent_at, last_error";

pub(crate) fn inquiry_where(filter: &InquiryFilter) -> crate::portal::Where {
    crate::portal::Where::default()
        .equals("facility_code", filter.facility_code.as_ref())
        .equals("status", filter.status.as_ref())
        .equals("assignee", filter.assignee.as_ref())
}

/// The rate limit of [`SupportStore::create_inquiry`].
#[derive(Debug, Clone, Copy)]
pub struct InquiryLimit {
    pub since: OffsetDateTime,
    pub max: u64,
}

/// The body of `impl SupportStore`, expanded inside the portal implementation's module so it
/// shares its SQL helpers (`q`, `page`).
macro_rules! impl_support_store {
    ($store:ty, $db:ty) => {
        async fn insert_message(
            conn: &mut <$db as sqlx::Database>::Connection,
            id: i64,
            m: &$crate::support::NewMessage,
        ) -> $crate::Result<()> {
            let (name, kind, bytes) = match &m.attachment {
                Some((n, k, b)) => (Some(n.as_str()), Some(k.as_str()), Some(b.as_slice())),
                None => (None, None, None),
            };
            sqlx::query(q(
                "INSERT INTO inquiry_messages (inquiry_id, seq, author_role, author, body, \
                 attachment_name, attachment_type, attachment, created_at) \
                 SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6, $7, $8 \
                 FROM inquiry_messages WHERE inquiry_id = $1",
            ))
            .bind(id)
            .bind(&m.author_role)
            .bind(&m.author)
            .bind(&m.body)
            .bind(name)
            .bind(kind)
            .bind(bytes)
            .bind(m.at)
            .execute(conn)
            .await?;
            Ok(())
        }

        async fn queue_mail(
            conn: &mut <$db as sqlx::Database>::Connection,
            inquiry_id: i64,
            mail: &$crate::support::NewMail,
            at: time::OffsetDateTime,
        ) -> $crate::Result<()> {
            sqlx::query(q(
                "INSERT INTO mail_outbox (inquiry_id, to_addr, subject, body, created_at, \
                 attempts, next_attempt_at) VALUES ($1, $2, $3, $4, $5, 0, $5)",
            ))
            .bind(inquiry_id)
            .bind(&mail.to_addr)
            .bind(&mail.subject)
            .bind(&mail.body)
            .bind(at)
            .execute(conn)
            .await?;
            Ok(())
        }

        #[async_trait::async_trait]
        impl $crate::support::SupportStore for $store {
            async fn next_inquiry_id(&self) -> $crate::Result<i64> {
                let (n,): (i64,) = sqlx::query_as(q(
                    "INSERT INTO counters (name, value) VALUES ('inquiry', 1) \
                     ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
                ))
                .fetch_one(&self.pool)
                .await?;
                Ok(n)
            }

            async fn create_inquiry(
                &self,
                i: &$crate::support::Inquiry,
                message: &$crate::support::NewMessage,
                mail: Option<&$crate::support::NewMail>,
                limit: Option<$crate::support::InquiryLimit>,
            ) -> $crate::Result<bool> {
                let mut tx = self.pool.begin().await?;
                if let Some(limit) = limit {
                    // The counter's row lock (PostgreSQL) or the write lock (SQLite), held to
                    // the commit, puts concurrent filings one after the other.
                    sqlx::query(q(
                        "INSERT INTO counters (name, value) VALUES ('inquiry-filing', 1) \
                         ON CONFLICT (name) DO UPDATE SET value = counters.value + 1",
                    ))
                    .execute(&mut *tx)
                    .await?;
                    let (n,): (i64,) = sqlx::query_as(q(
                        "SELECT (SELECT COUNT(*) FROM inquiries WHERE sender_hash = $1 AND created_at > $3) \
                         + (SELECT COUNT(*) FROM inquiries WHERE contact_email = $2 AND created_at > $3 \
                            AND sender_hash <> $1)",
                    ))
                    .bind(&i.sender_hash)
                    .bind(&i.contact_email)
                    .bind(limit.since)
                    .fetch_one(&mut *tx)
                    .await?;
                    if n as u64 >= limit.max {
                        return Ok(false);
                    }
                }
                sqlx::query(q(&format!(
                    "INSERT INTO inquiries ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    $crate::support::INQUIRY_COLUMNS
                )))
                .bind(i.id)
                .bind(&i.facility_code)
                .bind(&i.category)
                .bind(&i.subject)
                .bind(&i.contact_email)
                .bind(&i.status)
                .bind(&i.assignee)
                .bind(&i.sender_hash)
                .bind(i.created_at)
                .bind(i.updated_at)
                .execute(&mut *tx)
                .await?;
                insert_message(&mut *tx, i.id, message).await?;
                if let Some(mail) = mail {
                    queue_mail(&mut *tx, i.id, mail, i.created_at).await?;
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn inquiry(&self, id: i64) -> $crate::Result<Option<$crate::support::Inquiry>> {
                Ok(sqlx::query_as::<_, $crate::support::InquiryRow>(q(&format!(
                    "SELECT {} FROM inquiries WHERE id = $1",
                    $crate::support::INQUIRY_COLUMNS
                )))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?.map(Into::into))
            }

            async fn inquiry_messages(
                &self,
                id: i64,
            ) -> $crate::Result<Vec<$crate::support::InquiryMessage>> {
                Ok(sqlx::query_as::<_, $crate::support::InquiryMessageRow>(q(
                    "SELECT inquiry_id, seq, author_role, author, body, attachment_name, \
                     attachment_type, created_at FROM inquiry_messages \
                     WHERE inquiry_id = $1 ORDER BY seq",
                ))
                .bind(id)
                .fetch_all(&self.pool)
                .await?.into_iter().map(Into::into).collect())
            }

            async fn inquiry_attachment(
                &self,
                id: i64,
                seq: i64,
            ) -> $crate::Result<Option<(String, String, Vec<u8>)>> {
                let row: Option<(Option<String>, Option<String>, Option<Vec<u8>>)> =
                    sqlx::query_as(q(
                        "SELECT attachment_name, attachment_type, attachment \
                         FROM inquiry_messages WHERE inquiry_id = $1 AND seq = $2",
                    ))
                    .bind(id)
                    .bind(seq)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(match row {
                    Some((Some(n), Some(t), Some(b))) => Some((n, t, b)),
                    _ => None,
                })
            }

            async fn inquiries(
                &self,
                filter: &$crate::support::InquiryFilter,
                offset: u64,
                limit: u64,
            ) -> $crate::Result<$crate::portal::Page<$crate::support::Inquiry>> {
                page::<$crate::support::InquiryRow, _>(
                    &self.pool,
                    "inquiries",
                    $crate::support::INQUIRY_COLUMNS,
                    "updated_at DESC, id DESC",
                    &$crate::support::inquiry_where(filter),
                    offset,
                    limit,
                )
                .await
            }

            async fn change_inquiry(
                &self,
                c: &$crate::support::TicketChange<'_>,
            ) -> $crate::Result<bool> {
                let mut tx = self.pool.begin().await?;
                // The conditional update comes first: it takes the row's write lock, so the
                // message numbers below cannot race.
                let changed = sqlx::query(q(
                    "UPDATE inquiries SET status = $1, assignee = $2, updated_at = $3 \
                     WHERE id = $4 AND status = $5",
                ))
                .bind(c.status)
                .bind(c.assignee)
                .bind(c.at)
                .bind(c.id)
                .bind(c.expect)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if changed == 0 {
                    return Ok(false);
                }
                if let Some(m) = c.message {
                    insert_message(&mut *tx, c.id, m).await?;
                }
                if let Some(mail) = c.mail {
                    queue_mail(&mut *tx, c.id, mail, c.at).await?;
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn due_mail(
                &self,
                now: time::OffsetDateTime,
                limit: u64,
            ) -> $crate::Result<Vec<$crate::support::OutgoingMail>> {
                Ok(sqlx::query_as(q(&format!(
                    "SELECT {} FROM mail_outbox WHERE sent_at IS NULL AND next_attempt_at <= $1 \
                     ORDER BY next_attempt_at, id LIMIT $2",
                    $crate::support::MAIL_COLUMNS
                )))
                .bind(now)
                .bind(limit as i64)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn claim_mail(
                &self,
                id: i64,
                now: time::OffsetDateTime,
                lease_until: time::OffsetDateTime,
            ) -> $crate::Result<bool> {
                Ok(sqlx::query(q(
                    "UPDATE mail_outbox SET next_attempt_at = $1 \
                     WHERE id = $2 AND sent_at IS NULL AND next_attempt_at <= $3",
                ))
                .bind(lease_until)
                .bind(id)
                .bind(now)
                .execute(&self.pool)
                .await?
                .rows_affected()
                    == 1)
            }

            async fn mail_sent(&self, id: i64, at: time::OffsetDateTime) -> $crate::Result<()> {
                sqlx::query(q(
                    "UPDATE mail_outbox SET sent_at = $1, attempts = attempts + 1, \
                     next_attempt_at = NULL, last_error = NULL WHERE id = $2",
                ))
                .bind(at)
                .bind(id)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn mail_failed(
                &self,
                id: i64,
                error: &str,
                retry_at: Option<time::OffsetDateTime>,
            ) -> $crate::Result<()> {
                sqlx::query(q(
                    "UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = $1, \
                     last_error = $2 WHERE id = $3",
                ))
                .bind(retry_at)
                .bind(error)
                .bind(id)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn retry_mail(
                &self,
                inquiry_id: i64,
                mail_id: i64,
                at: time::OffsetDateTime,
            ) -> $crate::Result<bool> {
                Ok(sqlx::query(q(
                    "UPDATE mail_outbox SET next_attempt_at = $1, attempts = 0 \
                     WHERE id = $2 AND inquiry_id = $3 AND sent_at IS NULL",
                ))
                .bind(at)
                .bind(mail_id)
                .bind(inquiry_id)
                .execute(&self.pool)
                .await?
                .rows_affected()
                    > 0)
            }

            async fn inquiry_mails(
                &self,
                id: i64,
            ) -> $crate::Result<Vec<$crate::support::OutgoingMail>> {
                Ok(sqlx::query_as(q(&format!(
                    "SELECT {} FROM mail_outbox WHERE inquiry_id = $1 ORDER BY id",
                    $crate::support::MAIL_COLUMNS
                )))
                .bind(id)
                .fetch_all(&self.pool)
                .await?)
            }
        }
    };
}
pub(crate) use impl_support_store;

impl From<InquiryRow> for Inquiry {
    fn from(r: InquiryRow) -> Self {
        Self {
            id: r.id,
            facility_code: r.facility_code,
            category: r.category,
            subject: r.subject,
            contact_email: r.contact_email,
            status: r.status,
            assignee: r.assignee,
            sender_hash: r.sender_hash,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

impl From<InquiryMessageRow> for InquiryMessage {
    fn from(r: InquiryMessageRow) -> Self {
        Self {
            inquiry_id: r.inquiry_id,
            seq: r.seq,
            author_role: r.author_role,
            author: r.author,
            body: r.body,
            attachment_name: r.attachment_name,
            attachment_type: r.attachment_type,
            created_at: r.created_at,
        }
    }
}
