//! `/chat`: the chatbot page. A choice or a typed question is answered from the FAQ (the same
//! index as `/faq/search`); htmx appends each turn to the conversation.

use axum::extract::{Form, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use shikaku_faq::chatbot::{ChatInput, Reply, reply};

use crate::AppState;
use crate::pages::{Lang, render};

#[derive(askama::Template)]
#[template(path = "chat.html")]
struct ChatPage {
    lang: Lang,
    said: String,
    reply: Reply,
    phone_open: bool,
}

#[derive(askama::Template)]
#[template(path = "chat_turn.html")]
struct ChatTurn {
    lang: Lang,
    said: String,
    reply: Reply,
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
}

fn phone_open() -> bool {
    shikaku_domain::calendar::phone_centre_open(time::OffsetDateTime::now_utc())
}

pub async fn page(State(state): State<AppState>, Query(p): Query<LangParam>) -> Response {
    render(&ChatPage {
        lang: p.lang,
        said: String::new(),
        reply: reply(&state.faq, &ChatInput::Start, phone_open()),
        phone_open: phone_open(),
    })
}

/// The reply to `input`: a facility-specific question from a logged-in facility is answered
/// from its own data; everything else from the FAQ.
async fn answer(state: &AppState, session: &tower_sessions::Session, input: &ChatInput) -> Reply {
    if let ChatInput::Text(text) = input
        && let Some(intent) = shikaku_faq::chatbot::intent(text)
        && let Some(actor) = crate::portal::inquiry::facility_actor(state, session).await
    {
        let today = state.portal.today();
        match state.portal.chat_facts(&actor, today).await {
            Ok(facts) => return shikaku_faq::chatbot::facility_reply(intent, &facts),
            Err(e) => tracing::warn!(error = %e, "chatbot: facility data unavailable"),
        }
    }
    reply(&state.faq, input, phone_open())
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
    let answer = answer(&state, &session, &input).await;
    if headers.contains_key("hx-request") {
        render(&ChatTurn {
            lang: p.lang,
            said,
            reply: answer,
        })
    } else {
        render(&ChatPage {
            lang: p.lang,
            said,
            reply: answer,
            phone_open: phone_open(),
        })
    }
}
