//! `/chat`: the chatbot page. A choice or a typed question is answered from the FAQ (the same
//! index as `/faq/search`); htmx appends each turn to the conversation.

use axum::extract::{Form, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use shikaku_faq::chatbot::{ChatInput, Context, Reply, reply};

use crate::AppState;
use crate::pages::{Lang, markdown_to_html, render};

#[derive(askama::Template)]
#[template(path = "chat.html")]
struct ChatPage {
    lang: Lang,
    said: String,
    reply: Reply,
    html: String,
    phone_open: bool,
    /// Whether the conversation's context field is swapped out of band (htmx turns only).
    oob: bool,
}

#[derive(askama::Template)]
#[template(path = "chat_turn.html")]
struct ChatTurn {
    lang: Lang,
    said: String,
    reply: Reply,
    html: String,
    oob: bool,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct LangParam {
    #[serde(default)]
    lang: Lang,
}

#[derive(Debug, serde::Deserialize)]
pub struct ChatForm {
    #[serde(default)]
    choice: Option<String>,
    #[serde(default)]
    text: Option<String>,
    /// The conversation so far ([`Context::encode`]).
    #[serde(default)]
    context: String,
}

/// Whether the call centre answers now (平日 9:00〜17:00 JST).
pub fn phone_open() -> bool {
    shikaku_domain::calendar::phone_centre_open(time::OffsetDateTime::now_utc())
}

pub async fn page(State(state): State<AppState>, Query(p): Query<LangParam>) -> Response {
    let reply = reply(
        &state.faq,
        &ChatInput::Start,
        &Context::default(),
        p.lang.faq(),
        phone_open(),
    );
    render(&ChatPage {
        lang: p.lang,
        said: String::new(),
        html: markdown_to_html(&reply.text),
        reply,
        phone_open: phone_open(),
        oob: false,
    })
}

/// The reply to `input`: a facility-specific question from a logged-in facility is answered
/// from its own data; everything else from the FAQ, in the conversation's context.
async fn answer(
    state: &AppState,
    session: &tower_sessions::Session,
    input: &ChatInput,
    context: &Context,
    lang: Lang,
) -> Reply {
    if let ChatInput::Text(text) = input
        && let Some((intent, personal)) = shikaku_faq::chatbot::intent(&state.faq.spelled(text))
        && let Some(actor) = crate::portal::inquiry::facility_actor(state, session).await
    {
        let today = state.portal.today();
        match state.portal.chat_facts(&actor, today, lang.is_en()).await {
            Ok(facts) => {
                let mut own = shikaku_faq::chatbot::facility_reply(intent, &facts, lang.faq());
                own.context = context.clone();
                // A question that may be a general one (補助金はいくら？) gets the FAQ's
                // answer too, with the facility's own figures after it.
                return shikaku_faq::chatbot::own_or_general(
                    &state.faq,
                    text,
                    context,
                    lang.faq(),
                    phone_open(),
                    personal,
                    own,
                );
            }
            Err(e) => tracing::warn!(error = %e, "chatbot: facility data unavailable"),
        }
    }
    reply(&state.faq, input, context, lang.faq(), phone_open())
}

/// What the turn teaches the content team: a question nothing answered, or 解決した /
/// 解決しない about the entry under discussion.
async fn record(
    state: &AppState,
    input: &ChatInput,
    context: &Context,
    answer: &Reply,
    lang: Lang,
) {
    let recorded = match input {
        ChatInput::Text(text) => {
            state
                .help
                .asked(text, lang.code(), answer.answered, "chat")
                .await
        }
        ChatInput::Resolved(helpful) => match context.entry.as_deref() {
            Some(id) if state.faq.entry(id).is_some() => {
                state.help.feedback(id, *helpful, "chat").await
            }
            _ => Ok(()),
        },
        _ => Ok(()),
    };
    if let Err(e) = recorded {
        tracing::warn!(error = %e, "chatbot: feedback was not recorded");
    }
}

pub async fn turn(
    State(state): State<AppState>,
    session: tower_sessions::Session,
    Query(p): Query<LangParam>,
    headers: HeaderMap,
    Form(form): Form<ChatForm>,
) -> Response {
    let text: String = form
        .text
        .unwrap_or_default()
        .trim()
        .chars()
        .take(200)
        .collect();
    let (input, said) = match form.choice {
        Some(choice) => (ChatInput::from_choice(&choice), String::new()),
        None if !text.is_empty() => (ChatInput::Text(text.clone()), text),
        None => (ChatInput::Start, String::new()),
    };
    let context = Context::decode(&form.context);
    let answer = answer(&state, &session, &input, &context, p.lang).await;
    record(&state, &input, &context, &answer, p.lang).await;
    let html = markdown_to_html(&answer.text);
    if headers.contains_key("hx-request") {
        render(&ChatTurn {
            lang: p.lang,
            said,
            reply: answer,
            html,
            oob: true,
        })
    } else {
        render(&ChatPage {
            lang: p.lang,
            said,
            reply: answer,
            html,
            phone_open: phone_open(),
            oob: false,
        })
    }
}
