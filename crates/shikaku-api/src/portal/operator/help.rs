//! The content team's page: FAQ entries by their 「役に立ちましたか」 answers, least helpful
//! first, and the questions the FAQ and the chatbot did not answer, most asked first; each
//! as CSV for Excel.

use shikaku_app::help::{EntryFeedback, Unanswered};

use crate::portal::PageError;

use super::*;

/// How many unanswered questions the page and the CSV list.
const UNANSWERED_LIMIT: u32 = 500;

struct FeedbackRow {
    id: String,
    title: String,
    helpful: i64,
    unhelpful: i64,
    /// 「はい」 among answers, in percent with one decimal.
    percent: String,
    last: String,
}

struct QuestionRow {
    query: String,
    lang: &'static str,
    asked: i64,
    first: String,
    last: String,
}

#[derive(askama::Template)]
#[template(path = "op_help.html")]
struct HelpPage {
    lang: Lang,
    csrf: String,
    feedback: Vec<FeedbackRow>,
    questions: Vec<QuestionRow>,
}

fn rows(
    state: &AppState,
    lang: Lang,
    feedback: Vec<EntryFeedback>,
    unanswered: Vec<Unanswered>,
) -> (Vec<FeedbackRow>, Vec<QuestionRow>) {
    let feedback = feedback
        .into_iter()
        .map(|f| FeedbackRow {
            title: state
                .faq
                .entry(&f.entry_id)
                .map(|e| e.title_in(lang.is_en()).to_string())
                .unwrap_or_else(|| lang.t("（削除された項目）", "(entry removed)").to_string()),
            percent: percent(f.helpful, f.helpful + f.unhelpful),
            last: shikaku_domain::date::format_jst_minute(f.last_at),
            id: f.entry_id,
            helpful: f.helpful,
            unhelpful: f.unhelpful,
        })
        .collect();
    let questions = unanswered
        .into_iter()
        .map(|u| QuestionRow {
            lang: if u.lang == "en" {
                lang.t("英語", "English")
            } else {
                lang.t("日本語", "Japanese")
            },
            first: shikaku_domain::date::format_jst_minute(u.first_at),
            last: shikaku_domain::date::format_jst_minute(u.last_at),
            query: u.query,
            asked: u.asked,
        })
        .collect();
    (feedback, questions)
}

/// The report's rows, for operators only.
async fn report(
    state: &AppState,
    auth: &Auth,
) -> Result<(Vec<FeedbackRow>, Vec<QuestionRow>), PageError> {
    operator_only(auth)?;
    let (feedback, unanswered) = state
        .help
        .report(&auth.actor, UNANSWERED_LIMIT)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "help report");
            error_page(auth.lang, shikaku_app::portal::PortalError::Forbidden)
        })?;
    Ok(rows(state, auth.lang, feedback, unanswered))
}

pub async fn help(State(state): State<AppState>, auth: Auth) -> PageResult {
    let lang = auth.lang;
    let (feedback, questions) = report(&state, &auth).await?;
    Ok(render(&HelpPage {
        lang,
        csrf: auth.csrf.clone(),
        feedback,
        questions,
    }))
}

/// `feedback.csv` or `unanswered.csv`.
pub async fn help_csv(
    State(state): State<AppState>,
    auth: Auth,
    Path(name): Path<String>,
    Query(q): Query<CsvQuery>,
) -> PageResult {
    let lang = auth.lang;
    let (feedback, questions) = report(&state, &auth).await?;
    let mut out = String::new();
    match name.as_str() {
        "feedback.csv" => {
            out.push_str(lang.t(
                "項目ID,質問,はい,いいえ,はいの割合(%),最終回答日時\n",
                "entry_id,question,helpful,not_helpful,helpful_percent,last_answer\n",
            ));
            for r in &feedback {
                out.push_str(&format!(
                    "{},{},{},{},{},{}\n",
                    csv_field(&r.id),
                    csv_field(&r.title),
                    r.helpful,
                    r.unhelpful,
                    r.percent,
                    csv_field(&r.last)
                ));
            }
        }
        "unanswered.csv" => {
            out.push_str(lang.t(
                "質問,言語,回数,最初,最後\n",
                "question,language,asked,first,last\n",
            ));
            for r in &questions {
                out.push_str(&format!(
                    "{},{},{},{},{}\n",
                    csv_field(&r.query),
                    r.lang,
                    r.asked,
                    csv_field(&r.first),
                    csv_field(&r.last)
                ));
            }
        }
        _ => {
            return Err(error_page(lang, shikaku_app::portal::PortalError::NotFound).into());
        }
    }
    Ok(csv_response(&name, out, q.sjis()))
}
