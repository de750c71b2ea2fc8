//! FAQ pages: categories, search (search-as-you-type with htmx: a request carrying
//! `HX-Request` gets only the results fragment) and one entry per page.

use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use shikaku_faq::{CATEGORIES, Entry, Hit};

use crate::AppState;
use crate::pages::{Lang, markdown_to_html, render};

/// How many results a search page shows.
pub const SEARCH_LIMIT: usize = 10;

#[derive(Debug, serde::Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    lang: Lang,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct LangParam {
    #[serde(default)]
    lang: Lang,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct EntryParams {
    #[serde(default)]
    lang: Lang,
    /// `thanks` after a 「役に立ちましたか」 answer without htmx.
    #[serde(default)]
    feedback: String,
}

#[derive(Debug, serde::Deserialize)]
pub struct FeedbackForm {
    /// `yes` or `no`.
    helpful: String,
}

#[derive(askama::Template)]
#[template(path = "faq_feedback.html")]
struct FeedbackFragment<'a> {
    lang: Lang,
    entry: &'a Entry,
    thanks: bool,
}

#[derive(askama::Template)]
#[template(path = "faq_index.html")]
struct IndexPage<'a> {
    lang: Lang,
    query: String,
    hits: Vec<Hit>,
    categories: Vec<(&'static str, Vec<&'a Entry>)>,
    phone_open: bool,
}

#[derive(askama::Template)]
#[template(path = "faq_results.html")]
struct ResultsFragment {
    lang: Lang,
    query: String,
    hits: Vec<Hit>,
    phone_open: bool,
}

#[derive(askama::Template)]
#[template(path = "faq_entry.html")]
struct EntryPage<'a> {
    lang: Lang,
    entry: &'a Entry,
    body_html: String,
    related: Vec<&'a Entry>,
    thanks: bool,
}

pub async fn index(State(state): State<AppState>, Query(p): Query<LangParam>) -> Response {
    page(&state, p.lang, String::new(), Vec::new())
}

pub async fn search(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(p): Query<SearchParams>,
) -> Response {
    let query: String = p.q.trim().chars().take(200).collect();
    let hits = state.faq.search_in(&query, p.lang.faq(), SEARCH_LIMIT);
    if headers.contains_key("hx-request") {
        // Search as you type: every keystroke asks, so only a submitted search is counted.
        return render(&ResultsFragment {
            lang: p.lang,
            query,
            hits,
            phone_open: crate::chat::phone_open(),
        });
    }
    if !query.is_empty()
        && let Err(e) = state
            .help
            .asked(&query, p.lang.code(), !hits.is_empty(), "search")
            .await
    {
        tracing::warn!(error = %e, "FAQ: the unanswered question was not recorded");
    }
    page(&state, p.lang, query, hits)
}

fn page(state: &AppState, lang: Lang, query: String, hits: Vec<Hit>) -> Response {
    let categories = CATEGORIES
        .iter()
        .map(|c| (*c, state.faq.in_category(c).collect()))
        .collect();
    render(&IndexPage {
        lang,
        query,
        hits,
        categories,
        phone_open: crate::chat::phone_open(),
    })
}

pub async fn entry(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(p): Query<EntryParams>,
) -> Response {
    match state.faq.entry(&id) {
        Some(entry) => render(&EntryPage {
            lang: p.lang,
            entry,
            body_html: markdown_to_html(entry.body_in(p.lang.is_en())),
            related: state.faq.related(entry).collect(),
            thanks: p.feedback == "thanks",
        }),
        None => not_found(),
    }
}

/// 「役に立ちましたか」: counted for the entry; htmx gets the thanks in place of the buttons,
/// a plain form post goes back to the entry.
pub async fn feedback(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(p): Query<LangParam>,
    headers: HeaderMap,
    Form(form): Form<FeedbackForm>,
) -> Response {
    let Some(entry) = state.faq.entry(&id) else {
        return not_found();
    };
    let helpful = match form.helpful.as_str() {
        "yes" => true,
        "no" => false,
        _ => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                p.lang
                    .t(
                        "helpful は yes か no で送ってください。",
                        "helpful must be yes or no.",
                    )
                    .to_string(),
            )
                .into_response();
        }
    };
    if let Err(e) = state.help.feedback(&entry.id, helpful, "page").await {
        tracing::warn!(error = %e, "FAQ feedback was not recorded");
    }
    if headers.contains_key("hx-request") {
        return render(&FeedbackFragment {
            lang: p.lang,
            entry,
            thanks: true,
        });
    }
    let lang = if p.lang.is_en() { "&lang=en" } else { "" };
    Redirect::to(&format!("/faq/{}?feedback=thanks{lang}", entry.id)).into_response()
}

fn not_found() -> Response {
    (
            StatusCode::NOT_FOUND,
            axum::response::Html(
                "<!doctype html><html lang=\"ja\"><meta charset=\"utf-8\"><title>見つかりません</title>\
                 <p>お探しの質問は見つかりませんでした。<a href=\"/faq\">よくある質問の一覧へ</a></p></html>",
        ),
    )
        .into_response()
}
