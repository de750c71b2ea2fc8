//! Inquiries (問い合わせフォーム): what a well-formed inquiry is, the ticket's life
//! (受付 → 対応中 → 回答済 → 完了, reopened when needed), how many a sender may file in an
//! hour, and the text of the e-mails sent. Pure: the app layer stores and sends.
//!
//! Spam safety: a mail header never carries text a sender typed except the subject of the
//! operator's reply, and the subject is refused when it holds a line break or any control
//! character; the acknowledgement of a new inquiry quotes nothing the sender wrote, so the
//! form cannot be used to mail arbitrary text to an arbitrary address.

pub mod records;

use crate::portal::{Choice, FieldError, FileType, MAX_DOCUMENT_BYTES, normalize_email};

/// What an inquiry is about: the FAQ's categories plus その他.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InquiryCategory {
    Account,
    Reader,
    UseAndCertificate,
    Line,
    Setup,
    Operation,
    MedicalInfo,
    Subsidy,
    Integration,
    Other,
}

impl Choice for InquiryCategory {
    const ALL: &'static [Self] = &[
        Self::Account,
        Self::Reader,
        Self::UseAndCertificate,
        Self::Line,
        Self::Setup,
        Self::Operation,
        Self::MedicalInfo,
        Self::Subsidy,
        Self::Integration,
        Self::Other,
    ];
    fn code(self) -> &'static str {
        match self {
            Self::Account => "account",
            Self::Reader => "reader",
            Self::UseAndCertificate => "use-certificate",
            Self::Line => "line",
            Self::Setup => "setup",
            Self::Operation => "operation",
            Self::MedicalInfo => "medical-info",
            Self::Subsidy => "subsidy",
            Self::Integration => "integration",
            Self::Other => "other",
        }
    }
    fn label_ja(self) -> &'static str {
        match self {
            Self::Account => "アカウント",
            Self::Reader => "カードリーダー",
            Self::UseAndCertificate => "利用申請・電子証明書",
            Self::Line => "回線",
            Self::Setup => "導入作業",
            Self::Operation => "運用・受付業務",
            Self::MedicalInfo => "薬剤情報・特定健診情報",
            Self::Subsidy => "補助金",
            Self::Integration => "システム連携",
            Self::Other => "その他",
        }
    }
    fn label_en(self) -> &'static str {
        match self {
            Self::Account => "Account",
            Self::Reader => "Card readers",
            Self::UseAndCertificate => "Use application and certificates",
            Self::Line => "Network line",
            Self::Setup => "Setup",
            Self::Operation => "Operation and reception",
            Self::MedicalInfo => "Drug and checkup information",
            Self::Subsidy => "Subsidy",
            Self::Integration => "System integration",
            Self::Other => "Other",
        }
    }
}

pub const MAX_SUBJECT_CHARS: usize = 100;
pub const MAX_BODY_CHARS: usize = 4000;
/// An attachment is a screenshot or a document: the portal's document types and size.
pub const MAX_ATTACHMENT_BYTES: usize = MAX_DOCUMENT_BYTES;

/// How many inquiries one sender (the same client or the same contact address) may file
/// within [`RATE_WINDOW_MINUTES`].
pub const RATE_LIMIT: u64 = 5;
pub const RATE_WINDOW_MINUTES: i64 = 60;

/// The form as typed.
#[derive(Debug, Clone, Default)]
pub struct InquiryForm {
    pub category: String,
    pub subject: String,
    pub body: String,
    pub email: String,
}

/// A checked inquiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInquiry {
    pub category: InquiryCategory,
    pub subject: String,
    pub body: String,
    pub email: String,
}

/// An attachment that is what its name says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub file_name: String,
    pub file_type: FileType,
}

fn has_control(text: &str, allow_newlines: bool) -> bool {
    text.chars().any(|c| {
        c.is_control() && !(allow_newlines && matches!(c, '\n' | '\r' | '\t'))
            || matches!(c, '\u{2028}' | '\u{2029}')
    })
}

/// Checks a message body: not empty, at most [`MAX_BODY_CHARS`], no control characters other
/// than line breaks and tabs. Line breaks are kept as `\n`.
pub fn check_body(body: &str) -> Result<String, FieldError> {
    let body = body.replace("\r\n", "\n").replace('\r', "\n");
    let trimmed = body.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new(
            "body",
            "内容を入力してください",
            "enter your message",
        ));
    }
    let n = trimmed.chars().count();
    if n > MAX_BODY_CHARS {
        return Err(FieldError::new(
            "body",
            format!("内容は{MAX_BODY_CHARS}文字までです（{n}文字）"),
            format!("the message may be at most {MAX_BODY_CHARS} characters ({n})"),
        ));
    }
    if has_control(trimmed, true) {
        return Err(FieldError::new(
            "body",
            "内容に使えない制御文字が含まれています",
            "the message contains control characters",
        ));
    }
    Ok(trimmed.to_string())
}

/// Checks the whole form; every problem is reported at once.
pub fn check_inquiry(form: &InquiryForm) -> Result<NewInquiry, Vec<FieldError>> {
    let mut errors = Vec::new();
    let category = InquiryCategory::parse(&form.category);
    if category.is_none() {
        errors.push(FieldError::new(
            "category",
            "分類を選んでください",
            "choose a category",
        ));
    }
    let subject = form.subject.trim();
    let n = subject.chars().count();
    if subject.is_empty() {
        errors.push(FieldError::new(
            "subject",
            "件名を入力してください",
            "enter a subject",
        ));
    } else if n > MAX_SUBJECT_CHARS {
        errors.push(FieldError::new(
            "subject",
            format!("件名は{MAX_SUBJECT_CHARS}文字までです（{n}文字）"),
            format!("the subject may be at most {MAX_SUBJECT_CHARS} characters ({n})"),
        ));
    } else if has_control(subject, false) {
        // A line break here would start a new mail header.
        errors.push(FieldError::new(
            "subject",
            "件名に改行や制御文字は使えません",
            "the subject may not contain line breaks or control characters",
        ));
    }
    let body = check_body(&form.body).map_err(|e| errors.push(e)).ok();
    let email = normalize_email(&form.email);
    if email.is_none() {
        errors.push(FieldError::new(
            "email",
            "返信先のメールアドレスを正しく入力してください",
            "enter a valid e-mail address to reply to",
        ));
    }
    match (category, body, email) {
        (Some(category), Some(body), Some(email)) if errors.is_empty() => Ok(NewInquiry {
            category,
            subject: subject.to_string(),
            body,
            email: email.to_ascii_lowercase(),
        }),
        _ => Err(errors),
    }
}

/// Checks an optional attachment: empty means none.
pub fn check_attachment(file_name: &str, bytes: &[u8]) -> Result<Option<Attachment>, FieldError> {
    if bytes.is_empty() && file_name.trim().is_empty() {
        return Ok(None);
    }
    let file_name: String = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(file_name)
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect();
    crate::portal::check_document(&file_name, bytes)
        .map(|file_type| {
            Some(Attachment {
                file_name: file_name.clone(),
                file_type,
            })
        })
        .map_err(|e| FieldError::new("attachment", e.ja, e.en))
}

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketStatus {
    /// 受付: nobody has taken it yet.
    Open,
    /// 対応中: an operator has it.
    InProgress,
    /// 回答済: replied; waiting for the facility (or for closing).
    Answered,
    /// 完了.
    Closed,
}

impl Choice for TicketStatus {
    const ALL: &'static [Self] = &[Self::Open, Self::InProgress, Self::Answered, Self::Closed];
    fn code(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::InProgress => "in_progress",
            Self::Answered => "answered",
            Self::Closed => "closed",
        }
    }
    fn label_ja(self) -> &'static str {
        match self {
            Self::Open => "受付",
            Self::InProgress => "対応中",
            Self::Answered => "回答済",
            Self::Closed => "完了",
        }
    }
    fn label_en(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::InProgress => "in progress",
            Self::Answered => "answered",
            Self::Closed => "closed",
        }
    }
}

/// What someone does to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketAction {
    /// An operator takes the ticket (or hands it to another).
    Assign,
    /// An operator answers (sent by e-mail).
    Reply,
    /// The facility writes again.
    FollowUp,
    Close,
    Reopen,
}

impl TicketAction {
    /// The status after this action, or None when it is not allowed from `from`.
    /// `assigned` says whether an operator has the ticket (after the action, for Assign).
    pub fn apply(self, from: TicketStatus, assigned: bool) -> Option<TicketStatus> {
        use TicketAction::*;
        use TicketStatus::*;
        let waiting = if assigned { InProgress } else { Open };
        match (self, from) {
            (_, Closed) if self != Reopen => None,
            (Assign, Open) => Some(InProgress),
            (Assign, s) => Some(s),
            (Reply, _) => Some(Answered),
            (FollowUp, _) => Some(waiting),
            (Close, _) => Some(Closed),
            (Reopen, Closed) => Some(waiting),
            (Reopen, _) => None,
        }
    }
}

/// The ticket number people quote: `Q` and six or more digits.
pub fn ticket_number(seq: i64) -> String {
    format!("Q{seq:06}")
}

/// Parses a ticket number as typed (`Q000042`, `q42`, `４２`).
pub fn parse_ticket_number(text: &str) -> Option<i64> {
    let t: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            'Ｑ' | 'ｑ' | 'q' => 'Q',
            _ => c,
        })
        .collect();
    let digits = t.strip_prefix('Q').unwrap_or(&t);
    if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| *n > 0)
}

/// A mail to send: the subject and the plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailText {
    pub subject: String,
    pub body: String,
}

const SIGNATURE: &str = "――\nオンライン資格確認等コールセンター（shikaku）\n電話 0800-8007121（通話無料、平日 9:00〜17:00）\n※このメールは送信専用です。返信はポータルまたは問い合わせフォームからお願いします。";

/// The acknowledgement of a new inquiry. Quotes nothing the sender typed (see the module's
/// note on spam).
pub fn acknowledgement(
    number: &str,
    category: InquiryCategory,
    subject: &str,
    in_portal: bool,
    follow_up: Option<&str>,
) -> MailText {
    let portal = if in_portal {
        "回答はメールでお送りするほか、ポータルの「お問い合わせ」でもご覧いただけます。\n"
            .to_string()
    } else {
        follow_up_text(follow_up)
    };
    MailText {
        subject: format!("[{number}] お問い合わせを受け付けました（{subject}）"),
        body: format!(
            "お問い合わせを受け付けました。\n\nお問い合わせ番号: {number}\n件名: {subject}\n分類: {}\n\n担当者が内容を確認し、このアドレスあてに回答します。回答まで数日かかる場合があります。\n{portal}お心当たりのない場合は、このメールを破棄してください。\n\n{SIGNATURE}\n",
            category.label_ja()
        ),
    }
}

/// How a sender without a portal account writes again: the link of their thread, which only
/// the reply address receives.
fn follow_up_text(follow_up: Option<&str>) -> String {
    match follow_up {
        Some(url) => format!(
            "やり取りの確認や追加のご質問は、次のページからどうぞ（このメールを受け取った方だけが使えるリンクです。転送しないでください）。\n{url}\n"
        ),
        None => "続けてご質問がある場合は、問い合わせフォームからお問い合わせ番号を添えてお送りください。\n".to_string(),
    }
}

/// The operator's reply.
pub fn reply_mail(
    number: &str,
    subject: &str,
    reply: &str,
    in_portal: bool,
    follow_up: Option<&str>,
) -> MailText {
    let portal = if in_portal {
        "これまでのやり取りは、ポータルの「お問い合わせ」でご覧いただけます。続けてご質問がある場合もそちらからどうぞ。\n".to_string()
    } else {
        follow_up_text(follow_up)
    };
    MailText {
        subject: format!("[{number}] Re: {subject}"),
        body: format!(
            "お問い合わせ（{number}）について回答いたします。\n\n{reply}\n\n{portal}\n{SIGNATURE}\n"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> InquiryForm {
        InquiryForm {
            category: "subsidy".into(),
            subject: "補助金の申請時期".into(),
            body: "いつまでに申請すればよいですか。\r\nよろしくお願いします。".into(),
            email: " Clinic@Example.JP ".into(),
        }
    }

    #[test]
    fn a_good_form_is_accepted_and_normalized() {
        let ok = check_inquiry(&form()).expect("valid");
        assert_eq!(ok.category, InquiryCategory::Subsidy);
        assert_eq!(ok.email, "clinic@example.jp");
        assert_eq!(
            ok.body,
            "いつまでに申請すればよいですか。\nよろしくお願いします。"
        );
    }

    #[test]
    fn header_injection_and_bad_fields_are_refused_with_every_reason() {
        let mut f = form();
        f.subject = "hello\r\nBcc: victim@example.com".into();
        f.email = "a@example.com\r\nBcc: victim@example.com".into();
        f.category = "nope".into();
        f.body = "  ".into();
        let errors = check_inquiry(&f).expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["category", "subject", "body", "email"]);
        assert!(errors[1].ja.contains("改行"));
        let mut long = form();
        long.body = "あ".repeat(MAX_BODY_CHARS + 1);
        assert!(
            check_inquiry(&long).expect_err("long")[0]
                .ja
                .contains("4000")
        );
        let mut nul = form();
        nul.body = "a\u{0}b".into();
        assert!(check_inquiry(&nul).is_err());
    }

    #[test]
    fn ticket_transitions() {
        use TicketAction::*;
        use TicketStatus::*;
        assert_eq!(Assign.apply(Open, true), Some(InProgress));
        assert_eq!(Reply.apply(Open, false), Some(Answered));
        assert_eq!(FollowUp.apply(Answered, true), Some(InProgress));
        assert_eq!(FollowUp.apply(Answered, false), Some(Open));
        assert_eq!(Close.apply(Answered, true), Some(Closed));
        assert_eq!(Reply.apply(Closed, true), None);
        assert_eq!(FollowUp.apply(Closed, true), None);
        assert_eq!(Assign.apply(Closed, true), None);
        assert_eq!(Reopen.apply(Closed, true), Some(InProgress));
        assert_eq!(Reopen.apply(Open, true), None);
    }

    #[test]
    fn ticket_numbers_round_trip() {
        assert_eq!(ticket_number(42), "Q000042");
        assert_eq!(parse_ticket_number("Q000042"), Some(42));
        assert_eq!(parse_ticket_number("ｑ４２"), Some(42));
        assert_eq!(parse_ticket_number("Q"), None);
        assert_eq!(parse_ticket_number("Q-1"), None);
        assert_eq!(parse_ticket_number("0"), None);
    }

    #[test]
    fn the_acknowledgement_quotes_nothing_the_sender_typed() {
        let link = "https://portal.example.jp/inquiry/Q000001?token=abc";
        let ack = acknowledgement(
            "Q000001",
            InquiryCategory::Reader,
            "配送時期",
            false,
            Some(link),
        );
        assert_eq!(
            ack.subject,
            "[Q000001] お問い合わせを受け付けました（配送時期）"
        );
        assert!(
            ack.body.contains("件名: 配送時期")
                && ack.body.contains("カードリーダー")
                && ack.body.contains(link)
                && !ack.body.contains("ポータルの「お問い合わせ」")
        );
        let portal = acknowledgement("Q000001", InquiryCategory::Reader, "配送時期", true, None);
        assert!(
            portal.body.contains("ポータルの「お問い合わせ」") && !portal.body.contains("token")
        );
        let reply = reply_mail("Q000001", "件名", "回答です", true, None);
        assert!(reply.subject.ends_with("Re: 件名") && reply.body.contains("回答です"));
        let public = reply_mail("Q000001", "件名", "回答です", false, Some(link));
        assert!(public.body.contains(link));
    }

    #[test]
    fn attachments_are_optional_and_checked() {
        assert_eq!(check_attachment("", b""), Ok(None));
        let png = b"\x89PNG\r\n\x1a\nrest";
        let a = check_attachment("C:\\Users\\x\\画面.png", png)
            .expect("png")
            .expect("some");
        assert_eq!(a.file_name, "画面.png");
        assert_eq!(
            check_attachment("a.exe", b"MZ").expect_err("exe").field,
            "attachment"
        );
    }
}
