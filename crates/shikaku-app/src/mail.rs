//! Sending the outbox's mails: through an SMTP server (lettre; `smtp://host:port`,
//! `smtp://host?tls=required` for STARTTLS, `smtps://host` for TLS, `user:pass@` for AUTH),
//! or, with no server configured, as `.eml` files into a folder (the demo; an operator can open
//! them). Mails are taken from the store's outbox, so a mail whose sending fails stays queued and
//! is retried with growing pauses; after [`MAX_ATTEMPTS`] it is given up and shown as failed.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use shikaku_store::Store;
use shikaku_store::support::OutgoingMail;
use time::OffsetDateTime;
use tokio::sync::Notify;

/// Attempts before a mail is given up (the pauses grow from 2 minutes to 6 hours: about 26
/// hours in all).
pub const MAX_ATTEMPTS: i64 = 12;

/// The pause after `attempts` failed attempts.
pub fn retry_pause(attempts: i64) -> time::Duration {
    let minutes = 1i64 << attempts.clamp(0, 9);
    time::Duration::minutes(minutes.min(6 * 60))
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

/// Where mails go, and as whom.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe().as_str())
    }
}

impl Mailer {
    /// Mails through the SMTP server at `url`; `from` is the sender's address.
    pub fn smtp(url: &str, from: &str) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("SMTP URL {url:?}: {e}"))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        Ok(Self {
            transport: Transport::Smtp(transport),
            from: parse_from(from)?,
        })
    }

    /// Mails as `.eml` files in `dir` (created).
    pub fn folder(dir: PathBuf, from: &str) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&dir)
            .map_err(|e| anyhow::anyhow!("creating {}: {e}", dir.display()))?;
        Ok(Self {
            transport: Transport::Folder(AsyncFileTransport::new(&dir), dir),
            from: parse_from(from)?,
        })
    }

    /// Where mails go, for the start-up message (no password).
    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Smtp(_) => format!("SMTP, from {}", self.from),
            Transport::Folder(_, dir) => format!("files in {}", dir.display()),
        }
    }

    /// Sends one mail; the error says why it was not accepted.
    pub async fn send(&self, mail: &OutgoingMail) -> Result<(), String> {
        let to: Mailbox = mail
            .to_addr
            .parse()
            .map_err(|e| format!("recipient address: {e}"))?;
        // lettre encodes the headers (RFC 2047) and the body; the texts were checked for line
        // breaks where they go into headers.
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.as_str())
            .header(ContentType::TEXT_PLAIN);
        if let Some(inquiry) = mail.inquiry_id {
            let (id, root) = thread_ids(inquiry, mail.id, self.from.email.domain());
            builder = builder
                .message_id(Some(id))
                .in_reply_to(root.clone())
                .references(root);
        }
        let message = builder
            .body(mail.body.clone())
            .map_err(|e| format!("building the message: {e}"))?;
        match &self.transport {
            Transport::Smtp(t) => t.send(message).await.map(drop).map_err(|e| e.to_string()),
            Transport::Folder(t, _) => t.send(message).await.map(drop).map_err(|e| e.to_string()),
        }
    }
}

/// The Message-ID of an inquiry's mail and the thread it belongs to: every mail about
/// Q000042 names `<Q000042@domain>` in `In-Reply-To` and `References`, so mail programs show
/// the acknowledgement and the replies as one conversation.
pub fn thread_ids(inquiry_id: i64, mail_id: i64, domain: &str) -> (String, String) {
    let number = shikaku_domain::support::ticket_number(inquiry_id);
    (
        format!("<{number}.{mail_id}@{domain}>"),
        format!("<{number}@{domain}>"),
    )
}

fn parse_from(from: &str) -> anyhow::Result<Mailbox> {
    from.parse()
        .map_err(|e| anyhow::anyhow!("sender address {from:?}: {e}"))
}

/// How long a claimed mail is reserved for the worker sending it.
pub const SEND_LEASE: time::Duration = time::Duration::minutes(10);

/// Sends every due mail once, also with several workers (nodes) on one store; returns
/// (sent, failed).
pub async fn deliver_due(store: &dyn Store, mailer: &Mailer) -> shikaku_store::Result<(u64, u64)> {
    let (mut sent, mut failed) = (0, 0);
    loop {
        let now = OffsetDateTime::now_utc();
        let due = store.due_mail(now, 50).await?;
        if due.is_empty() {
            return Ok((sent, failed));
        }
        let batch = due.len();
        let mut progressed = false;
        for mail in due {
            // Several nodes share the outbox: only the one that claims a mail sends it.
            let claimed = store
                .claim_mail(mail.id, now, OffsetDateTime::now_utc() + SEND_LEASE)
                .await?;
            if !claimed {
                continue;
            }
            match mailer.send(&mail).await {
                Ok(()) => {
                    store.mail_sent(mail.id, OffsetDateTime::now_utc()).await?;
                    metrics::counter!("shikaku_mail_total", "result" => "sent").increment(1);
                    sent += 1;
                    progressed = true;
                }
                Err(error) => {
                    let attempts = mail.attempts + 1;
                    let retry = (attempts < MAX_ATTEMPTS)
                        .then(|| OffsetDateTime::now_utc() + retry_pause(attempts));
                    // The address is personal data: the log names the mail by its number only.
                    tracing::warn!(mail = mail.id, attempts, %error, "mail not sent");
                    store.mail_failed(mail.id, &error, retry).await?;
                    metrics::counter!("shikaku_mail_total", "result" => "failed").increment(1);
                    failed += 1;
                }
            }
        }
        if !progressed || batch < 50 {
            return Ok((sent, failed));
        }
    }
}

/// The outbox worker: sends due mails when woken (a mail was queued) and every 30 seconds.
pub fn spawn_outbox(
    store: Arc<dyn Store>,
    mailer: Arc<Mailer>,
    wake: Arc<Notify>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = deliver_due(store.as_ref(), &mailer).await {
                tracing::warn!(error = %e, "outbox: store unavailable");
            }
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(30)) => {}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_and_are_capped() {
        assert_eq!(retry_pause(1), time::Duration::minutes(2));
        assert_eq!(retry_pause(5), time::Duration::minutes(32));
        assert_eq!(retry_pause(11), time::Duration::hours(6));
        let total: i64 = (1..MAX_ATTEMPTS)
            .map(|a| retry_pause(a).whole_minutes())
            .sum();
        assert!((24 * 60..72 * 60).contains(&total), "{total} minutes");
    }

    #[test]
    fn bad_settings_are_refused_clearly() {
        let e = Mailer::smtp("http://mail.example.jp", "a@example.jp").expect_err("scheme");
        assert!(e.to_string().contains("SMTP URL"), "{e}");
        let e = Mailer::folder(std::env::temp_dir(), "not an address").expect_err("from");
        assert!(e.to_string().contains("sender address"), "{e}");
    }
}
