//! The inquiry desk: anyone may file an inquiry (a facility from the portal, or anyone from
//! the public form), operators work the inbox (assign, reply by e-mail, close, reopen), a
//! facility follows its threads in the portal. Mails are queued with the change that causes
//! them and sent by the outbox worker ([`crate::mail`]).

use std::sync::Arc;

use shikaku_domain::portal::{Choice, FieldError};
/// Inquiries as the use cases hand them out.
pub use shikaku_domain::support::records::{Inquiry, InquiryFilter, InquiryMessage};
use shikaku_domain::support::{
    InquiryCategory, InquiryForm, RATE_LIMIT, RATE_WINDOW_MINUTES, TicketAction, TicketStatus,
    acknowledgement, check_attachment, check_body, check_inquiry, reply_mail,
};
use shikaku_store::Store;
use shikaku_store::portal::Page;
use shikaku_store::support::{NewMail, NewMessage, OutgoingMail, TicketChange};
use time::OffsetDateTime;
use tokio::sync::Notify;

use crate::portal::{Actor, PortalError};
use crate::secrets::PersonKey;

type Result<T, E = PortalError> = std::result::Result<T, E>;

/// A file sent with a message, as uploaded (empty: none).
#[derive(Debug, Clone, Default)]
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

impl Upload {
    /// The checked attachment as stored (name, content type, bytes); a problem goes to
    /// `errors`.
    fn check(self, errors: &mut Vec<FieldError>) -> Option<(String, String, Vec<u8>)> {
        match check_attachment(&self.file_name, &self.bytes) {
            Ok(a) => a.map(|a| {
                (
                    a.file_name,
                    a.file_type.content_type().to_string(),
                    self.bytes,
                )
            }),
            Err(e) => {
                errors.push(e);
                None
            }
        }
    }
}

/// One ticket as its reader sees it.
#[derive(Debug, Clone)]
pub struct Thread {
    pub inquiry: Inquiry,
    pub messages: Vec<InquiryMessage>,
    /// The mails sent or queued about it (operators only; empty for facilities).
    pub mails: Vec<OutgoingMail>,
}

#[derive(Clone)]
pub struct SupportService {
    store: Arc<dyn Store>,
    key: PersonKey,
    /// Wakes the outbox worker when a mail is queued.
    wake: Arc<Notify>,
}

impl SupportService {
    pub fn new(store: Arc<dyn Store>, key: PersonKey) -> Self {
        Self {
            store,
            key,
            wake: Arc::new(Notify::new()),
        }
    }

    /// The outbox worker waits on this.
    pub fn wake_handle(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Starts the worker that sends the outbox's mails through `mailer` (woken at once when
    /// a mail is queued).
    pub fn spawn_outbox(&self, mailer: Arc<crate::mail::Mailer>) -> tokio::task::JoinHandle<()> {
        crate::mail::spawn_outbox(self.store.clone(), mailer, self.wake_handle())
    }

    /// Files an inquiry. `actor` is the logged-in facility (its thread is then shown in the
    /// portal), None from the public form; `client` is who sent it (the peer address), used
    /// only through a keyed hash for the rate limit.
    ///
    /// `base_url` is the portal's public address: a sender without a portal account gets a
    /// link to the thread (with [`SupportService::follow_up_token`]) in every mail.
    pub async fn submit(
        &self,
        actor: Option<&Actor>,
        client: &str,
        form: &InquiryForm,
        upload: Upload,
        base_url: &str,
    ) -> Result<Inquiry> {
        let facility_code = match actor {
            Some(a) => Some(a.own_facility()?.clone()),
            None => None,
        };
        let mut errors = Vec::new();
        let checked = check_inquiry(form).map_err(|e| errors.extend(e)).ok();
        let attachment = upload.check(&mut errors);
        let Some(new) = checked.filter(|_| errors.is_empty()) else {
            return Err(PortalError::Invalid(errors));
        };
        let sender = match &facility_code {
            Some(code) => self
                .key
                .hash("inquiry-sender", &["facility", code.as_str()]),
            None => self.key.hash("inquiry-sender", &["client", client]),
        };
        let now = OffsetDateTime::now_utc();
        let id = self.store.next_inquiry_id().await?;
        let number = shikaku_domain::support::ticket_number(id);
        let inquiry = Inquiry {
            id,
            facility_code: facility_code.as_ref().map(ToString::to_string),
            category: new.category.code().to_string(),
            subject: new.subject.clone(),
            contact_email: new.email.clone(),
            status: TicketStatus::Open.code().to_string(),
            assignee: None,
            sender_hash: sender,
            created_at: now,
            updated_at: now,
        };
        let message = NewMessage {
            author_role: if facility_code.is_some() {
                "facility"
            } else {
                "public"
            }
            .into(),
            author: actor.map(|a| a.login().to_string()),
            body: new.body,
            attachment,
            at: now,
        };
        let link = self.follow_up_link(base_url, id, &new.email);
        let ack = acknowledgement(
            &number,
            new.category,
            &new.subject,
            facility_code.is_some(),
            facility_code.is_none().then_some(link.as_str()),
        );
        let mail = NewMail {
            to_addr: new.email,
            subject: ack.subject,
            body: ack.body,
        };
        let limit = shikaku_store::support::InquiryLimit {
            since: now - time::Duration::minutes(RATE_WINDOW_MINUTES),
            max: RATE_LIMIT,
        };
        if !self
            .store
            .create_inquiry(&inquiry, &message, Some(&mail), Some(limit))
            .await?
        {
            metrics::counter!("shikaku_inquiries_refused_total").increment(1);
            return Err(PortalError::RateLimited {
                minutes: RATE_WINDOW_MINUTES,
            });
        }
        metrics::counter!("shikaku_inquiries_total").increment(1);
        self.wake.notify_one();
        Ok(inquiry)
    }

    async fn get(&self, actor: &Actor, id: i64) -> Result<Inquiry> {
        let inquiry = self.store.inquiry(id).await?.ok_or(PortalError::NotFound)?;
        // A facility sees its own threads only; another's is "not found", not "forbidden",
        // so numbers cannot be probed.
        let visible = actor.is_operator()
            || inquiry
                .facility_code
                .as_deref()
                .and_then(|c| shikaku_domain::FacilityCode::parse(c).ok())
                .is_some_and(|c| actor.may_see(&c));
        if visible {
            Ok(inquiry)
        } else {
            Err(PortalError::NotFound)
        }
    }

    pub async fn thread(&self, actor: &Actor, id: i64) -> Result<Thread> {
        let inquiry = self.get(actor, id).await?;
        let messages = self.store.inquiry_messages(id).await?;
        let mails = if actor.is_operator() {
            self.store.inquiry_mails(id).await?
        } else {
            Vec::new()
        };
        Ok(Thread {
            inquiry,
            messages,
            mails,
        })
    }

    /// An attachment of a message the actor may see.
    pub async fn attachment(
        &self,
        actor: &Actor,
        id: i64,
        seq: i64,
    ) -> Result<(String, String, Vec<u8>)> {
        self.get(actor, id).await?;
        self.store
            .inquiry_attachment(id, seq)
            .await?
            .ok_or(PortalError::NotFound)
    }

    /// A facility's own threads; operators see the inbox with filters.
    pub async fn list(
        &self,
        actor: &Actor,
        mut filter: InquiryFilter,
        offset: u64,
        limit: u64,
    ) -> Result<Page<Inquiry>> {
        if let Actor::Facility { code, .. } = actor {
            filter.facility_code = Some(code.to_string());
        }
        Ok(self.store.inquiries(&filter, offset, limit).await?)
    }

    fn status(inquiry: &Inquiry) -> Result<TicketStatus> {
        TicketStatus::parse(&inquiry.status)
            .ok_or_else(|| PortalError::Internal(format!("unknown status {}", inquiry.status)))
    }

    /// Applies `action` with its message and mail, if the ticket is still as read.
    async fn act(
        &self,
        inquiry: &Inquiry,
        action: TicketAction,
        assignee: Option<&str>,
        message: Option<NewMessage>,
        mail: Option<NewMail>,
    ) -> Result<Inquiry> {
        let from = Self::status(inquiry)?;
        let Some(to) = action.apply(from, assignee.is_some()) else {
            return Err(PortalError::state(
                format!(
                    "このお問い合わせは「{}」のため、この操作はできません",
                    from.label_ja()
                ),
                format!(
                    "the inquiry is {}: this cannot be done now",
                    from.label_en()
                ),
            ));
        };
        let at = OffsetDateTime::now_utc();
        let changed = self
            .store
            .change_inquiry(&TicketChange {
                id: inquiry.id,
                expect: from.code(),
                status: to.code(),
                assignee,
                message: message.as_ref(),
                mail: mail.as_ref(),
                at,
            })
            .await?;
        if !changed {
            return Err(PortalError::state(
                "ほかの担当者が先に操作しました。画面を開き直してください",
                "someone changed this inquiry first: reload the page",
            ));
        }
        if mail.is_some() {
            self.wake.notify_one();
        }
        self.store
            .inquiry(inquiry.id)
            .await?
            .ok_or(PortalError::NotFound)
    }

    fn event(actor: &Actor, body: &str) -> NewMessage {
        NewMessage {
            author_role: "event".into(),
            author: Some(actor.login().to_string()),
            body: body.into(),
            attachment: None,
            at: OffsetDateTime::now_utc(),
        }
    }

    /// An operator takes the ticket, or hands it to another operator.
    pub async fn assign(&self, actor: &Actor, id: i64, to: &str) -> Result<Inquiry> {
        actor.operator()?;
        let to = to.trim();
        let ok = self
            .store
            .account(to)
            .await?
            .is_some_and(|a| a.role == "operator");
        if !ok {
            return Err(FieldError::new(
                "assignee",
                format!("担当者「{to}」は運用担当のアカウントではありません"),
                format!("{to:?} is not an operator account"),
            )
            .into());
        }
        let inquiry = self.get(actor, id).await?;
        self.act(
            &inquiry,
            TicketAction::Assign,
            Some(to),
            Some(Self::event(actor, &format!("担当者: {to}"))),
            None,
        )
        .await
    }

    /// An operator answers; the answer is mailed to the contact address.
    pub async fn reply(
        &self,
        actor: &Actor,
        id: i64,
        body: &str,
        base_url: &str,
    ) -> Result<Inquiry> {
        actor.operator()?;
        let body = check_body(body)?;
        let inquiry = self.get(actor, id).await?;
        let number = shikaku_domain::support::ticket_number(id);
        let link = self.follow_up_link(base_url, id, &inquiry.contact_email);
        let text = reply_mail(
            &number,
            &inquiry.subject,
            &body,
            inquiry.facility_code.is_some(),
            inquiry.facility_code.is_none().then_some(link.as_str()),
        );
        let mail = NewMail {
            to_addr: inquiry.contact_email.clone(),
            subject: text.subject,
            body: text.body,
        };
        let assignee = inquiry
            .assignee
            .clone()
            .unwrap_or_else(|| actor.login().to_string());
        let message = NewMessage {
            author_role: "operator".into(),
            author: Some(actor.login().to_string()),
            body,
            attachment: None,
            at: OffsetDateTime::now_utc(),
        };
        self.act(
            &inquiry,
            TicketAction::Reply,
            Some(&assignee),
            Some(message),
            Some(mail),
        )
        .await
    }

    /// An operator sends an unsent mail of this inquiry again now (after it was given up,
    /// or without waiting for the next retry).
    pub async fn retry_mail(&self, actor: &Actor, id: i64, mail_id: i64) -> Result<()> {
        actor.operator()?;
        self.get(actor, id).await?;
        if self
            .store
            .retry_mail(id, mail_id, OffsetDateTime::now_utc())
            .await?
        {
            self.wake.notify_one();
            Ok(())
        } else {
            Err(PortalError::state(
                "このメールは送信済みか、見つかりません",
                "this mail was sent already or does not exist",
            ))
        }
    }

    /// The facility writes again in its thread.
    pub async fn follow_up(
        &self,
        actor: &Actor,
        id: i64,
        body: &str,
        upload: Upload,
    ) -> Result<Inquiry> {
        actor.own_facility()?;
        let inquiry = self.get(actor, id).await?;
        self.write_again(&inquiry, "facility", Some(actor.login()), body, upload)
            .await
    }

    /// A message from the sender (`role` facility or public), checked, added to the thread,
    /// which goes back to the operators.
    async fn write_again(
        &self,
        inquiry: &Inquiry,
        role: &str,
        author: Option<&str>,
        body: &str,
        upload: Upload,
    ) -> Result<Inquiry> {
        let mut errors = Vec::new();
        let body = check_body(body).map_err(|e| errors.push(e)).ok();
        let attachment = upload.check(&mut errors);
        let Some(body) = body.filter(|_| errors.is_empty()) else {
            return Err(PortalError::Invalid(errors));
        };
        let message = NewMessage {
            author_role: role.into(),
            author: author.map(str::to_string),
            body,
            attachment,
            at: OffsetDateTime::now_utc(),
        };
        let assignee = inquiry.assignee.clone();
        self.act(
            inquiry,
            TicketAction::FollowUp,
            assignee.as_deref(),
            Some(message),
            None,
        )
        .await
    }

    /// The key to a thread filed from the public form: a keyed hash of its number and reply
    /// address, so only whoever reads that mailbox has it (32 hex digits).
    pub fn follow_up_token(&self, id: i64, email: &str) -> String {
        let mac = self
            .key
            .hash("inquiry-follow-up", &[&id.to_string(), email]);
        hex::encode(&mac[..16])
    }

    fn follow_up_link(&self, base_url: &str, id: i64, email: &str) -> String {
        format!(
            "{}/inquiry/{}?token={}",
            base_url.trim_end_matches('/'),
            shikaku_domain::support::ticket_number(id),
            self.follow_up_token(id, email)
        )
    }

    /// A public-form thread opened with its mail's token; a wrong token, or a thread filed
    /// from the portal (followed there), is "not found".
    async fn get_public(&self, id: i64, token: &str) -> Result<Inquiry> {
        let inquiry = self.store.inquiry(id).await?.ok_or(PortalError::NotFound)?;
        let want = self.follow_up_token(id, &inquiry.contact_email);
        let given = hex::decode(token.trim()).unwrap_or_default();
        let expected = hex::decode(&want).unwrap_or_default();
        let matches = given.len() == expected.len()
            && given
                .iter()
                .zip(&expected)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if matches && inquiry.facility_code.is_none() {
            Ok(inquiry)
        } else {
            Err(PortalError::NotFound)
        }
    }

    /// The thread as its sender sees it (no operator mails).
    pub async fn public_thread(&self, id: i64, token: &str) -> Result<Thread> {
        let inquiry = self.get_public(id, token).await?;
        let messages = self.store.inquiry_messages(id).await?;
        Ok(Thread {
            inquiry,
            messages,
            mails: Vec::new(),
        })
    }

    /// The sender of a public-form inquiry writes again from the link in the mail.
    pub async fn public_follow_up(
        &self,
        id: i64,
        token: &str,
        body: &str,
        upload: Upload,
    ) -> Result<Inquiry> {
        let inquiry = self.get_public(id, token).await?;
        self.write_again(&inquiry, "public", None, body, upload)
            .await
    }

    /// Closes the ticket (an operator, or the facility when it is solved).
    pub async fn close(&self, actor: &Actor, id: i64) -> Result<Inquiry> {
        let inquiry = self.get(actor, id).await?;
        let assignee = inquiry.assignee.clone();
        self.act(
            &inquiry,
            TicketAction::Close,
            assignee.as_deref(),
            Some(Self::event(actor, "完了にしました")),
            None,
        )
        .await
    }

    /// Reopens a closed ticket.
    pub async fn reopen(&self, actor: &Actor, id: i64) -> Result<Inquiry> {
        let inquiry = self.get(actor, id).await?;
        let assignee = inquiry.assignee.clone();
        self.act(
            &inquiry,
            TicketAction::Reopen,
            assignee.as_deref(),
            Some(Self::event(actor, "再開しました")),
            None,
        )
        .await
    }
}

/// The category's labels for a stored code.
pub fn category_label(code: &str) -> (&'static str, &'static str) {
    InquiryCategory::parse(code).map_or(("不明", "unknown"), |c| (c.label_ja(), c.label_en()))
}

/// The status's labels for a stored code.
pub fn status_label(code: &str) -> (&'static str, &'static str) {
    TicketStatus::parse(code).map_or(("不明", "unknown"), |s| (s.label_ja(), s.label_en()))
}
