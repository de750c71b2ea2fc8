//! `/inquiry/{number}?token=…`: a sender without a portal account follows their thread and
//! writes again from the link in the acknowledgement or a reply. The token (a keyed hash of
//! the number and the reply address) is the only key; a wrong one is "not found".

use axum::response::{IntoResponse, Redirect};

use super::*;

#[derive(Debug, Default, serde::Deserialize)]
pub struct PublicQuery {
    #[serde(default)]
    lang: Lang,
    #[serde(default)]
    token: String,
    /// `sent` after a message was added.
    #[serde(default)]
    done: String,
}

#[derive(askama::Template)]
#[template(path = "inquiry_public.html")]
struct PublicThreadPage {
    lang: Lang,
    row: Row,
    token: String,
    messages: Vec<MessageView>,
    closed: bool,
    sent: bool,
    errors: Vec<(String, String)>,
    reply: String,
    max_body: usize,
    attachment_links: bool,
}

fn public_page(
    lang: Lang,
    token: &str,
    t: Thread,
    sent: bool,
    errors: Vec<(String, String)>,
    reply: String,
) -> Response {
    let has_errors = !errors.is_empty();
    render_form(
        &PublicThreadPage {
            lang,
            row: row(lang, &t.inquiry),
            token: token.to_string(),
            messages: t
                .messages
                .iter()
                .map(|m| message_view(lang, false, m))
                .collect(),
            closed: t.inquiry.status == TicketStatus::Closed.code(),
            sent,
            errors,
            reply,
            max_body: MAX_BODY_CHARS,
            attachment_links: false,
        },
        has_errors,
    )
}

async fn show(
    state: &AppState,
    lang: Lang,
    n: &str,
    token: &str,
    sent: bool,
    errors: Vec<(String, String)>,
    reply: String,
) -> Response {
    let id = match number(lang, n) {
        Ok(id) => id,
        Err(r) => return r,
    };
    match state.support.public_thread(id, token).await {
        Ok(t) => public_page(lang, token, t, sent, errors, reply),
        Err(e) => error_page(lang, e),
    }
}

pub async fn public_thread(
    State(state): State<AppState>,
    Path(n): Path<String>,
    Query(q): Query<PublicQuery>,
) -> Response {
    show(
        &state,
        q.lang,
        &n,
        &q.token,
        q.done == "sent",
        Vec::new(),
        String::new(),
    )
    .await
}

/// `POST /inquiry/{number}` (multipart: `token`, `body`, optional `file`).
pub async fn public_follow_up(
    State(state): State<AppState>,
    Path(n): Path<String>,
    Query(q): Query<LangParam>,
    mut multipart: Multipart,
) -> Response {
    let lang = q.lang;
    let fields = match read_fields(&mut multipart, None).await {
        Ok(f) => f,
        Err(Some(page)) => return page,
        Err(None) => {
            let reason: Vec<String> = too_large(lang).into_iter().map(|(_, m)| m).collect();
            return (StatusCode::PAYLOAD_TOO_LARGE, reason.join("\n")).into_response();
        }
    };
    let token = fields.values.get("token").cloned().unwrap_or_default();
    let body = fields.values.get("body").cloned().unwrap_or_default();
    let id = match number(lang, &n) {
        Ok(id) => id,
        Err(r) => return r,
    };
    match state
        .support
        .public_follow_up(id, &token, &body, fields.upload)
        .await
    {
        Ok(_) => {
            let en = if lang.is_en() { "&lang=en" } else { "" };
            Redirect::to(&format!(
                "/inquiry/{}?token={token}&done=sent{en}",
                ticket_number(id)
            ))
            .into_response()
        }
        Err(e) => match form_errors(lang, e) {
            Ok(errors) => show(&state, lang, &n, &token, false, errors, body).await,
            Err(r) => r,
        },
    }
}
