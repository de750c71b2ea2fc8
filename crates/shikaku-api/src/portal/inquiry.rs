//! The inquiry form (`/inquiry`, public; a logged-in facility's inquiry joins its portal
//! threads), the facility's threads (`/portal/inquiries`) and the operator inbox
//! (`/portal/operator/inquiries`). The rules are in `shikaku_app::support`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Multipart, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use shikaku_app::portal::{Actor, PortalError};
use shikaku_app::support::{Inquiry, InquiryFilter};
use shikaku_app::support::{Thread, Upload, category_label, status_label};
use shikaku_domain::date::format_jst_minute;
use shikaku_domain::portal::Choice;
use shikaku_domain::support::{
    InquiryCategory, InquiryForm, MAX_BODY_CHARS, MAX_SUBJECT_CHARS, TicketStatus,
    parse_ticket_number, ticket_number,
};
use tower_sessions::Session;

use super::{Auth, PAGE_SIZE, error_page, form_errors, render_form, see_other};
use crate::AppState;
use crate::pages::{Lang, render};
use crate::portal::CsrfForm;

/// The client's address: the peer's, or — when the peer is a trusted reverse proxy — the
/// nearest address in `X-Forwarded-For` that is not itself a trusted proxy ("unknown" when
/// served without connection info).
pub struct ClientAddr(pub String);

/// The client behind `peer` given the `X-Forwarded-For` header and the trusted proxies.
pub fn client_address(
    peer: Option<std::net::IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[std::net::IpAddr],
) -> String {
    let Some(peer) = peer else {
        return "unknown".into();
    };
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    // Each proxy appends the address it received from; read from the right, past our own.
    forwarded_for
        .unwrap_or_default()
        .rsplit(',')
        .map(str::trim)
        .map_while(|a| a.parse::<std::net::IpAddr>().ok())
        .find(|a| !trusted.contains(a))
        .unwrap_or(peer)
        .to_string()
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        Ok(ClientAddr(client_address(
            peer,
            forwarded,
            &state.trusted_proxies,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::client_address;

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().expect("ip");
        let proxy = [ip("10.0.0.1"), ip("10.0.0.2")];
        let peer = Some(ip("10.0.0.1"));
        assert_eq!(
            client_address(peer, Some("203.0.113.7"), &proxy),
            "203.0.113.7"
        );
        // A client cannot choose its address by sending the header itself: the nearest
        // untrusted hop is taken.
        assert_eq!(
            client_address(peer, Some("198.51.100.1, 203.0.113.7, 10.0.0.2"), &proxy),
            "203.0.113.7"
        );
        assert_eq!(client_address(peer, Some("garbage"), &proxy), "10.0.0.1");
        assert_eq!(client_address(peer, None, &proxy), "10.0.0.1");
        // From an untrusted peer the header is ignored.
        assert_eq!(
            client_address(Some(ip("192.0.2.9")), Some("203.0.113.7"), &proxy),
            "192.0.2.9"
        );
        assert_eq!(client_address(None, Some("203.0.113.7"), &proxy), "unknown");
    }
}

/// The logged-in user, if any, and the session's form token (a pending account counts as
/// no one: it may send the public form only).
async fn current(state: &AppState, session: &Session) -> Option<(Actor, String)> {
    super::session_actor(state, session)
        .await
        .ok()
        .flatten()
        .filter(|(a, _)| !matches!(a, Actor::Pending { .. }))
}

/// The facility logged in on this session, if any (the chatbot's own-data answers).
pub(crate) async fn facility_actor(state: &AppState, session: &Session) -> Option<Actor> {
    current(state, session)
        .await
        .map(|(a, _)| a)
        .filter(|a| !a.is_operator())
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct LangParam {
    #[serde(default)]
    lang: Lang,
}

struct Category {
    code: &'static str,
    label: String,
}

fn categories(lang: Lang) -> Vec<Category> {
    InquiryCategory::ALL
        .iter()
        .map(|c| Category {
            code: c.code(),
            label: lang.t(c.label_ja(), c.label_en()).to_string(),
        })
        .collect()
}

#[derive(askama::Template)]
#[template(path = "inquiry_form.html")]
struct FormPage {
    lang: Lang,
    /// Set when a facility is logged in (its portal menu is shown and the form carries the
    /// session's token).
    facility: Option<String>,
    csrf: String,
    categories: Vec<Category>,
    form: InquiryForm,
    errors: Vec<(String, String)>,
    /// Why the form is shown again although it was filled in correctly (too many sent).
    notice: Option<String>,
    max_subject: usize,
    max_body: usize,
}

fn form_page(
    lang: Lang,
    who: Option<&(Actor, String)>,
    form: InquiryForm,
    errors: Vec<(String, String)>,
) -> Response {
    form_page_with(lang, who, form, errors, None)
}

fn form_page_with(
    lang: Lang,
    who: Option<&(Actor, String)>,
    form: InquiryForm,
    errors: Vec<(String, String)>,
    notice: Option<String>,
) -> Response {
    let facility = who.and_then(|(a, _)| match a {
        Actor::Facility { code, .. } => Some(code.to_string()),
        Actor::Pending { .. } | Actor::Operator { .. } => None,
    });
    let has_errors = !errors.is_empty();
    render_form(
        &FormPage {
            lang,
            csrf: who.map(|(_, c)| c.clone()).unwrap_or_default(),
            facility,
            categories: categories(lang),
            form,
            errors,
            notice,
            max_subject: MAX_SUBJECT_CHARS,
            max_body: MAX_BODY_CHARS,
        },
        has_errors,
    )
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct FormQuery {
    #[serde(default)]
    lang: Lang,
    #[serde(default)]
    category: String,
}

pub async fn form(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<FormQuery>,
) -> Response {
    let who = current(&state, &session).await;
    let mut form = InquiryForm {
        category: q.category,
        ..InquiryForm::default()
    };
    // A facility's contact address is the one it registered.
    if let Some((actor @ Actor::Facility { code, .. }, _)) = &who
        && let Ok(f) = state.portal.facility(actor, code).await
    {
        form.email = f.email;
    }
    form_page(q.lang, who.as_ref(), form, Vec::new())
}

/// The fields of a multipart form; a file is read only after the token was checked.
struct Fields {
    values: std::collections::HashMap<String, String>,
    upload: Upload,
}

/// Reads a multipart form (`_csrf` first when `csrf` is Some). `Err(None)`: the body broke
/// off or was too large; `Err(Some(page))`: a forged post.
async fn read_fields(
    multipart: &mut Multipart,
    csrf: Option<&Auth>,
) -> Result<Fields, Option<Response>> {
    let mut fields = Fields {
        values: std::collections::HashMap::new(),
        upload: Upload::default(),
    };
    while let Some(field) = multipart.next_field().await.map_err(|_| None)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            if let Some(auth) = csrf {
                auth.check_csrf(fields.values.get("_csrf").map_or("", String::as_str))
                    .map_err(Some)?;
            }
            let file_name = field.file_name().unwrap_or_default().to_string();
            let bytes = field.bytes().await.map_err(|_| None)?;
            fields.upload = Upload {
                file_name: if bytes.is_empty() {
                    String::new()
                } else {
                    file_name
                },
                bytes: bytes.to_vec(),
            };
        } else if matches!(
            name.as_str(),
            "_csrf" | "category" | "subject" | "body" | "email" | "token"
        ) {
            fields
                .values
                .insert(name, field.text().await.map_err(|_| None)?);
        }
    }
    if let Some(auth) = csrf {
        auth.check_csrf(fields.values.get("_csrf").map_or("", String::as_str))
            .map_err(Some)?;
    }
    Ok(fields)
}

mod public;
pub use public::{public_follow_up, public_thread};

fn too_large(lang: Lang) -> Vec<(String, String)> {
    vec![(
        "attachment".into(),
        lang.t(
            "添付ファイルが大きすぎるか、送信が途中で切れました（10 MB まで）",
            "the attachment is too large or the upload broke off (10 MB at most)",
        )
        .into(),
    )]
}

/// Why a correct form was refused for now.
fn rate_limited_reason(lang: Lang, minutes: i64) -> String {
    if lang.is_en() {
        format!(
            "Too many inquiries were sent from here. Your message is kept below: send it again in {minutes} minutes (choose the attachment again), or call 0800-8007121 (weekdays 9:00–17:00)."
        )
    } else {
        format!(
            "短時間に多くのお問い合わせが送信されました。入力した内容は下に残っています。{minutes}分ほど待ってから送信するか（添付ファイルは選び直してください）、お電話（0800-8007121、平日 9:00〜17:00）でお問い合わせください。"
        )
    }
}

/// A 429 that keeps what was typed: the form again (subject, message, address; a file must
/// be chosen again) under the reason, with `Retry-After`.
fn rate_limited(minutes: i64, form: Response) -> Response {
    let (mut parts, body) = form.into_parts();
    parts.status = StatusCode::TOO_MANY_REQUESTS;
    parts.headers.insert(
        header::RETRY_AFTER,
        HeaderValue::from(u64::try_from(minutes * 60).unwrap_or(3600)),
    );
    Response::from_parts(parts, body)
}

/// `POST /inquiry` (multipart: `_csrf` when logged in, `category`, `subject`, `body`,
/// `email`, optional `file`).
pub async fn submit(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(client): ClientAddr,
    Query(q): Query<LangParam>,
    mut multipart: Multipart,
) -> Response {
    let lang = q.lang;
    let who = current(&state, &session)
        .await
        .filter(|(a, _)| !a.is_operator());
    let auth = who.as_ref().map(|(actor, csrf)| Auth {
        actor: actor.clone(),
        csrf: csrf.clone(),
        session: session.clone(),
        lang,
        notice: None,
    });
    let fields = match read_fields(&mut multipart, auth.as_ref()).await {
        Ok(f) => f,
        Err(Some(forged)) => return forged,
        Err(None) => return form_page(lang, who.as_ref(), InquiryForm::default(), too_large(lang)),
    };
    let get = |k: &str| fields.values.get(k).cloned().unwrap_or_default();
    let form = InquiryForm {
        category: get("category"),
        subject: get("subject"),
        body: get("body"),
        email: get("email"),
    };
    match state
        .support
        .submit(
            who.as_ref().map(|(a, _)| a),
            &client,
            &form,
            fields.upload,
            &state.public_url.get().cloned().unwrap_or_default(),
        )
        .await
    {
        Ok(inquiry) => {
            let number = ticket_number(inquiry.id);
            if inquiry.facility_code.is_some() {
                see_other(&format!("/portal/inquiries/{number}"), lang)
            } else {
                see_other(&format!("/inquiry/thanks?number={number}"), lang)
            }
        }
        Err(PortalError::RateLimited { minutes }) => {
            let reason = rate_limited_reason(lang, minutes);
            rate_limited(
                minutes,
                form_page_with(lang, who.as_ref(), form, Vec::new(), Some(reason)),
            )
        }
        Err(e) => match form_errors(lang, e) {
            Ok(errors) => form_page(lang, who.as_ref(), form, errors),
            Err(r) => r,
        },
    }
}

#[derive(askama::Template)]
#[template(path = "inquiry_thanks.html")]
struct ThanksPage {
    lang: Lang,
    number: String,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ThanksQuery {
    #[serde(default)]
    lang: Lang,
    #[serde(default)]
    number: String,
}

pub async fn thanks(Query(q): Query<ThanksQuery>) -> Response {
    // Only a well-formed number is echoed.
    let number = parse_ticket_number(&q.number)
        .map(ticket_number)
        .unwrap_or_default();
    render(&ThanksPage {
        lang: q.lang,
        number,
    })
}

// ---- threads ------------------------------------------------------------------------

struct Row {
    number: String,
    subject: String,
    category: String,
    status: String,
    status_code: String,
    facility: String,
    assignee: String,
    updated: String,
}

fn row(lang: Lang, i: &Inquiry) -> Row {
    let (cja, cen) = category_label(&i.category);
    let (sja, sen) = status_label(&i.status);
    Row {
        number: ticket_number(i.id),
        subject: i.subject.clone(),
        category: lang.t(cja, cen).into(),
        status: lang.t(sja, sen).into(),
        status_code: i.status.clone(),
        facility: i
            .facility_code
            .clone()
            .unwrap_or_else(|| lang.t("（フォーム）", "(public form)").into()),
        assignee: i.assignee.clone().unwrap_or_default(),
        updated: format_jst_minute(i.updated_at),
    }
}

struct MessageView {
    seq: i64,
    who: String,
    role: String,
    at: String,
    lines: Vec<String>,
    attachment: Option<String>,
}

struct MailView {
    id: i64,
    subject: String,
    state: String,
    ok: bool,
}

#[derive(askama::Template)]
#[template(path = "inquiry_thread.html")]
struct ThreadPage {
    lang: Lang,
    csrf: String,
    operator: bool,
    login: String,
    row: Row,
    email: String,
    messages: Vec<MessageView>,
    mails: Vec<MailView>,
    closed: bool,
    errors: Vec<(String, String)>,
    reply: String,
    /// Attachments are links (portal threads) or names only (the public thread).
    attachment_links: bool,
}

/// One message as its reader sees it (operators see who answered).
fn message_view(
    lang: Lang,
    operator: bool,
    m: &shikaku_app::support::InquiryMessage,
) -> MessageView {
    MessageView {
        seq: m.seq,
        who: match m.author_role.as_str() {
            "operator" if operator => format!(
                "{} ({})",
                lang.t("担当者", "Support"),
                m.author.as_deref().unwrap_or_default()
            ),
            "operator" => lang.t("担当者", "Support").into(),
            "event" if operator => m.author.clone().unwrap_or_default(),
            "event" => lang.t("お知らせ", "Note").into(),
            "facility" => m.author.clone().unwrap_or_default(),
            _ => lang.t("問い合わせフォーム", "Public form").into(),
        },
        role: m.author_role.clone(),
        at: format_jst_minute(m.created_at),
        lines: m.body.lines().map(String::from).collect(),
        attachment: m.attachment_name.clone(),
    }
}

fn thread_page(auth: &Auth, t: Thread, errors: Vec<(String, String)>, reply: String) -> Response {
    let lang = auth.lang;
    let operator = auth.actor.is_operator();
    let messages = t
        .messages
        .iter()
        .map(|m| message_view(lang, operator, m))
        .collect();
    let mails = t
        .mails
        .iter()
        .map(|m| MailView {
            id: m.id,
            subject: m.subject.clone(),
            ok: m.sent_at.is_some(),
            state: match (m.sent_at, m.next_attempt_at, &m.last_error) {
                (Some(at), _, _) => {
                    format!("{} {}", lang.t("送信済み", "sent"), format_jst_minute(at))
                }
                (None, Some(_), None) => lang.t("送信待ち", "queued").into(),
                (None, Some(next), Some(e)) => format!(
                    "{} ({} {}): {e}",
                    lang.t("再送待ち", "retrying"),
                    lang.t("次回", "next"),
                    format_jst_minute(next)
                ),
                (None, None, e) => format!(
                    "{}: {}",
                    lang.t("送信失敗（再送を打ち切り）", "failed (given up)"),
                    e.clone().unwrap_or_default()
                ),
            },
        })
        .collect();
    let has_errors = !errors.is_empty();
    render_form(
        &ThreadPage {
            lang,
            csrf: auth.csrf.clone(),
            operator,
            login: auth.actor.login().to_string(),
            closed: t.inquiry.status == TicketStatus::Closed.code(),
            email: t.inquiry.contact_email.clone(),
            row: row(lang, &t.inquiry),
            messages,
            mails,
            errors,
            reply,
            attachment_links: true,
        },
        has_errors,
    )
}

fn number(lang: Lang, text: &str) -> Result<i64, Response> {
    parse_ticket_number(text).ok_or_else(|| error_page(lang, PortalError::NotFound))
}

async fn show(
    state: &AppState,
    auth: &Auth,
    n: &str,
    errors: Vec<(String, String)>,
    reply: String,
) -> Response {
    let id = match number(auth.lang, n) {
        Ok(id) => id,
        Err(r) => return r,
    };
    match state.support.thread(&auth.actor, id).await {
        Ok(t) => thread_page(auth, t, errors, reply),
        Err(e) => error_page(auth.lang, e),
    }
}

pub async fn thread(State(state): State<AppState>, auth: Auth, Path(n): Path<String>) -> Response {
    show(&state, &auth, &n, Vec::new(), String::new()).await
}

#[derive(askama::Template)]
#[template(path = "inquiry_list.html")]
struct ListPage {
    lang: Lang,
    csrf: String,
    operator: bool,
    rows: Vec<Row>,
    /// The list's own path, for the paging links.
    path: &'static str,
    statuses: Vec<(&'static str, String)>,
    query: InboxQuery,
    total: u64,
    page: u64,
    prev: Option<String>,
    next: Option<String>,
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct InboxQuery {
    #[serde(default)]
    status: String,
    /// `me`: assigned to the operator looking; `none`: nobody's yet (shown as such).
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    facility: String,
    #[serde(default)]
    page: u64,
}

impl InboxQuery {
    fn link(&self, page: u64, lang: Lang) -> String {
        let mut link = format!(
            "?page={page}&status={}&assignee={}&facility={}",
            self.status, self.assignee, self.facility
        );
        if lang.is_en() {
            link.push_str("&lang=en");
        }
        link
    }
}

async fn list(state: &AppState, auth: &Auth, query: InboxQuery) -> Response {
    let lang = auth.lang;
    let operator = auth.actor.is_operator();
    let keep = |s: &str| {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .take(40)
            .collect::<String>()
    };
    let query = InboxQuery {
        status: TicketStatus::parse(&query.status)
            .map(|s| s.code().to_string())
            .unwrap_or_default(),
        assignee: if query.assignee == "me" {
            "me".into()
        } else {
            String::new()
        },
        facility: keep(&query.facility),
        page: query.page.max(1),
    };
    let filter = InquiryFilter {
        facility_code: (!query.facility.is_empty()).then(|| query.facility.clone()),
        status: (!query.status.is_empty()).then(|| query.status.clone()),
        assignee: (query.assignee == "me").then(|| auth.actor.login().to_string()),
    };
    let offset = (query.page - 1) * PAGE_SIZE;
    let page = match state
        .support
        .list(&auth.actor, filter, offset, PAGE_SIZE)
        .await
    {
        Ok(p) => p,
        Err(e) => return error_page(lang, e),
    };
    let pages = page.total.div_ceil(PAGE_SIZE).max(1);
    render(&ListPage {
        lang,
        csrf: auth.csrf.clone(),
        operator,
        rows: page.items.iter().map(|i| row(lang, i)).collect(),
        path: if operator {
            "/portal/operator/inquiries"
        } else {
            "/portal/inquiries"
        },
        statuses: TicketStatus::ALL
            .iter()
            .map(|s| (s.code(), lang.t(s.label_ja(), s.label_en()).to_string()))
            .collect(),
        prev: (query.page > 1).then(|| query.link(query.page - 1, lang)),
        next: (query.page < pages).then(|| query.link(query.page + 1, lang)),
        total: page.total,
        page: query.page,
        query,
    })
}

/// A facility's own threads (only the page of the query counts: `list` keeps a facility to
/// its own).
pub async fn facility_list(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<InboxQuery>,
) -> Response {
    if auth.actor.is_operator() {
        return see_other("/portal/operator/inquiries", auth.lang);
    }
    let page = query.page;
    list(
        &state,
        &auth,
        InboxQuery {
            page,
            ..InboxQuery::default()
        },
    )
    .await
}

/// The operator inbox.
pub async fn inbox(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<InboxQuery>,
) -> Response {
    if !auth.actor.is_operator() {
        return error_page(auth.lang, PortalError::Forbidden);
    }
    list(&state, &auth, query).await
}

/// `POST /portal/inquiries/{n}/messages` (multipart: `_csrf`, `body`, optional `file`).
pub async fn follow_up(
    State(state): State<AppState>,
    auth: Auth,
    Path(n): Path<String>,
    mut multipart: Multipart,
) -> Response {
    let lang = auth.lang;
    let fields = match read_fields(&mut multipart, Some(&auth)).await {
        Ok(f) => f,
        Err(Some(forged)) => return forged,
        Err(None) => return show(&state, &auth, &n, too_large(lang), String::new()).await,
    };
    let id = match number(lang, &n) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let body = fields.values.get("body").cloned().unwrap_or_default();
    match state
        .support
        .follow_up(&auth.actor, id, &body, fields.upload)
        .await
    {
        Ok(_) => see_other(&format!("/portal/inquiries/{n}"), lang),
        Err(e) => match form_errors(lang, e) {
            Ok(errors) => show(&state, &auth, &n, errors, body).await,
            Err(r) => r,
        },
    }
}

#[derive(serde::Deserialize)]
pub struct ActionForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    mail: i64,
}

/// `POST …/inquiries/{n}/{action}`: `close` and `reopen` (facility and operator), `assign`
/// and `reply` (operator).
pub async fn act(
    State(state): State<AppState>,
    Path((n, action)): Path<(String, String)>,
    CsrfForm(auth, form): CsrfForm<ActionForm>,
) -> Response {
    let lang = auth.lang;
    let id = match number(lang, &n) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let s = &state.support;
    let a = &auth.actor;
    let result = match action.as_str() {
        "close" => s.close(a, id).await.map(drop),
        "reopen" => s.reopen(a, id).await.map(drop),
        "assign" => {
            let to = if form.assignee.trim().is_empty() {
                a.login().to_string()
            } else {
                form.assignee.clone()
            };
            s.assign(a, id, &to).await.map(drop)
        }
        "reply" => {
            let base = state.public_url.get().cloned().unwrap_or_default();
            s.reply(a, id, &form.body, &base).await.map(drop)
        }
        "resend" => s.retry_mail(a, id, form.mail).await,
        _ => Err(PortalError::NotFound),
    };
    let back = if a.is_operator() {
        format!("/portal/operator/inquiries/{n}")
    } else {
        format!("/portal/inquiries/{n}")
    };
    match result {
        Ok(_) => see_other(&back, lang),
        Err(e) => match form_errors(lang, e) {
            Ok(errors) => show(&state, &auth, &n, errors, form.body).await,
            Err(r) => r,
        },
    }
}

/// An attachment, to the facility of the thread and to operators; always as a download.
pub async fn attachment(
    State(state): State<AppState>,
    auth: Auth,
    Path((n, seq)): Path<(String, i64)>,
) -> Response {
    let id = match number(auth.lang, &n) {
        Ok(id) => id,
        Err(r) => return r,
    };
    match state.support.attachment(&auth.actor, id, seq).await {
        Ok((_, content_type, bytes)) => {
            // The stored name is the sender's; the download gets a plain one.
            super::file_download(bytes, &content_type, &format!("{n}-{seq}"))
        }
        Err(e) => error_page(auth.lang, e),
    }
}

has_csrf!(ActionForm);
