//! `/subsidy`: the subsidy estimate page (the same rule engine as `shikaku subsidy quote`).

use axum::extract::{Query, State};
use axum::response::Response;
use shikaku_domain::subsidy::{FacilityCategory, Quote, QuoteRequest, RuleBook, Yen};

use crate::AppState;
use crate::pages::{Lang, render};

#[derive(Debug, Default, serde::Deserialize)]
pub struct QuoteForm {
    #[serde(default)]
    category: String,
    #[serde(default)]
    readers: String,
    #[serde(default)]
    reader_applied: String,
    #[serde(default)]
    cost: String,
    #[serde(default)]
    lang: Lang,
}

#[derive(askama::Template)]
#[template(path = "subsidy.html")]
struct SubsidyPage {
    lang: Lang,
    categories: Vec<(&'static str, &'static str)>,
    form: QuoteForm,
    quote: Option<Quote>,
    explanation: Vec<String>,
    error: Option<String>,
}

/// The quote, or what is wrong in the visitor's language.
fn quote(book: &RuleBook, form: &QuoteForm) -> Result<Quote, String> {
    let lang = form.lang;
    let category: FacilityCategory = form.category.parse().map_err(|_| {
        lang.t("施設の種類を選んでください", "choose the facility type")
            .to_string()
    })?;
    let readers: u32 = form.readers.trim().parse().map_err(|_| {
        lang.t(
            "カードリーダーの台数は半角数字で入力してください",
            "the number of readers is a number",
        )
        .to_string()
    })?;
    let reader_applied = shikaku_domain::parse_date(&form.reader_applied)
        .map_err(|e| if lang.is_en() { e.en() } else { e.ja() })?;
    let cost =
        Yen::parse_positive(&form.cost).map_err(|e| if lang.is_en() { e.en() } else { e.ja() })?;
    book.quote(&QuoteRequest {
        category,
        readers,
        reader_applied,
        cost,
    })
    .map_err(|e| if lang.is_en() { e.en() } else { e.ja() })
}

pub async fn page(State(state): State<AppState>, Query(mut form): Query<QuoteForm>) -> Response {
    let lang = form.lang;
    let asked = !form.category.is_empty() || !form.cost.is_empty();
    let (quote, error) = if asked {
        match quote(&state.subsidy_rules, &form) {
            Ok(q) => (Some(q), None),
            Err(e) => (None, Some(e)),
        }
    } else {
        form.category = "clinic".into();
        form.readers = "1".into();
        (None, None)
    };
    let explanation = match (&quote, lang) {
        (Some(q), Lang::En) => q.explanation_en(),
        (Some(q), Lang::Ja) => q.explanation_ja(),
        (None, _) => Vec::new(),
    };
    render(&SubsidyPage {
        lang,
        categories: FacilityCategory::ALL
            .iter()
            .map(|c| {
                (
                    c.as_str(),
                    if lang.is_en() {
                        c.label_en()
                    } else {
                        c.label_ja()
                    },
                )
            })
            .collect(),
        form,
        quote,
        explanation,
        error,
    })
}
