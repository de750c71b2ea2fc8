//! Suspect links between qualification rows and 個人番号 (issue 26 §1): the list an operator
//! works through (filter by insurer, CSV for the insurer), each link's rows and history, and
//! the confirmation "same person" with a reason. The 個人番号 is never shown.

use shikaku_app::linkage::{
    ConfirmError, LinkDetail, LinkedRow, SuspectLink, parse_reference, reference,
};
use shikaku_domain::InsurerNumber;

use super::*;

#[derive(serde::Deserialize, Default)]
pub struct LinksQuery {
    #[serde(default)]
    insurer: String,
    #[serde(default)]
    all: String,
}

impl LinksQuery {
    fn all(&self) -> bool {
        !self.all.is_empty()
    }
}

struct LinkListRow {
    reference: String,
    state: &'static str,
    reason: &'static str,
    insurers: String,
    rows: usize,
    found: String,
}

#[derive(askama::Template)]
#[template(path = "op_links.html")]
struct LinksPage {
    lang: Lang,
    csrf: String,
    insurer: String,
    all: bool,
    errors: Vec<(String, String)>,
    rows: Vec<LinkListRow>,
}

struct EventRow {
    at: String,
    action: &'static str,
    actor: String,
    note: String,
}

#[derive(askama::Template)]
#[template(path = "op_link.html")]
struct LinkPage {
    lang: Lang,
    csrf: String,
    reference: String,
    state: &'static str,
    reason: &'static str,
    found: String,
    checked: String,
    rows: Vec<LinkedRow>,
    rows_key: String,
    events: Vec<EventRow>,
    open: bool,
    errors: Vec<(String, String)>,
}

fn state_label(lang: Lang, s: &SuspectLink) -> &'static str {
    lang.t(s.state.label_ja(), s.state.label_en())
}

fn reason_label(lang: Lang, s: &SuspectLink) -> &'static str {
    lang.t(s.reason.label_ja(), s.reason.label_en())
}

/// What the page says for a refusal of the service.
fn refused(lang: Lang, e: ConfirmError) -> Response {
    match e {
        ConfirmError::Forbidden => error_page(lang, shikaku_app::portal::PortalError::Forbidden),
        ConfirmError::NotFound(_) => error_page(lang, shikaku_app::portal::PortalError::NotFound),
        other => {
            tracing::error!(error = %other, "suspect links");
            error_page(lang, shikaku_app::portal::PortalError::Forbidden)
        }
    }
}

/// The insurer filter as typed: empty, or a valid 保険者番号 (else the page's error).
fn insurer_filter(lang: Lang, text: &str) -> Result<Option<InsurerNumber>, (String, String)> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    InsurerNumber::parse(text).map(Some).map_err(|_| {
        (
            "insurer".to_string(),
            lang.t(
                "保険者番号は6桁または8桁の数字で、検証番号が正しいものを入力してください",
                "Enter a 6- or 8-digit insurer number with a correct check digit",
            )
            .to_string(),
        )
    })
}

async fn list(
    state: &AppState,
    auth: &Auth,
    query: &LinksQuery,
) -> Result<(Vec<SuspectLink>, Vec<(String, String)>), Response> {
    let lang = auth.lang;
    let (insurer, errors) = match insurer_filter(lang, &query.insurer) {
        Ok(i) => (i, Vec::new()),
        Err(e) => (None, vec![e]),
    };
    let suspects = state
        .links
        .list(&auth.actor, insurer.as_ref(), query.all())
        .await
        .map_err(|e| refused(lang, e))?;
    Ok((suspects, errors))
}

pub async fn links(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<LinksQuery>,
) -> PageResult {
    operator_only(&auth)?;
    let lang = auth.lang;
    let (suspects, errors) = list(&state, &auth, &query).await?;
    let rows = suspects
        .iter()
        .map(|s| {
            let mut insurers: Vec<&str> =
                s.rows.iter().map(|r| r.insurer_number.as_str()).collect();
            insurers.sort_unstable();
            insurers.dedup();
            LinkListRow {
                reference: reference(s.id),
                state: state_label(lang, s),
                reason: reason_label(lang, s),
                insurers: insurers.join("、"),
                rows: s.rows.len(),
                found: shikaku_domain::date::format_jst_minute(s.found_at),
            }
        })
        .collect();
    let has_errors = !errors.is_empty();
    Ok(render_form(
        &LinksPage {
            lang,
            csrf: auth.csrf.clone(),
            insurer: query.insurer.trim().to_string(),
            all: query.all(),
            errors,
            rows,
        },
        has_errors,
    ))
}

pub async fn links_csv(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<LinksQuery>,
) -> PageResult {
    operator_only(&auth)?;
    let (suspects, _) = list(&state, &auth, &query).await?;
    Ok(csv_response(
        "suspect-links.csv",
        shikaku_app::linkage::csv(&suspects),
        false,
    ))
}

async fn detail_page(
    state: &AppState,
    auth: &Auth,
    text: &str,
    errors: Vec<(String, String)>,
) -> Response {
    let lang = auth.lang;
    let Some(id) = parse_reference(text) else {
        return error_page(lang, shikaku_app::portal::PortalError::NotFound);
    };
    let LinkDetail { suspect, events } = match state.links.detail(&auth.actor, id).await {
        Ok(d) => d,
        Err(e) => return refused(lang, e),
    };
    let has_errors = !errors.is_empty();
    render_form(
        &LinkPage {
            lang,
            csrf: auth.csrf.clone(),
            reference: reference(suspect.id),
            state: state_label(lang, &suspect),
            reason: reason_label(lang, &suspect),
            found: shikaku_domain::date::format_jst_minute(suspect.found_at),
            checked: shikaku_domain::date::format_jst_minute(suspect.checked_at),
            open: suspect.state == shikaku_domain::linkage::LinkState::Open,
            rows_key: suspect.rows_key.clone(),
            rows: suspect.rows,
            events: events
                .into_iter()
                .map(|e| EventRow {
                    at: shikaku_domain::date::format_jst_minute(e.at),
                    action: e.action.label(lang.is_en()),
                    actor: if e.actor == "import" {
                        lang.t("取込み時の点検", "import audit").to_string()
                    } else {
                        e.actor
                    },
                    note: e.note,
                })
                .collect(),
            errors,
        },
        has_errors,
    )
}

pub async fn link(
    State(state): State<AppState>,
    auth: Auth,
    Path(text): Path<String>,
) -> PageResult {
    operator_only(&auth)?;
    Ok(detail_page(&state, &auth, &text, Vec::new()).await)
}

#[derive(serde::Deserialize)]
pub struct ConfirmForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    rows_key: String,
    #[serde(default)]
    reason: String,
}

has_csrf!(ConfirmForm);

pub async fn confirm_link(
    State(state): State<AppState>,
    Path(text): Path<String>,
    CsrfForm(auth, form): CsrfForm<ConfirmForm>,
) -> Response {
    let lang = auth.lang;
    let Some(id) = parse_reference(&text) else {
        return error_page(lang, shikaku_app::portal::PortalError::NotFound);
    };
    match state
        .links
        .confirm(&auth.actor, id, &form.rows_key, &form.reason)
        .await
    {
        Ok(s) => see_other(&format!("/portal/operator/links/{}", reference(s.id)), lang),
        Err(
            e @ (ConfirmError::NoReason | ConfirmError::Changed(_) | ConfirmError::NotOpen(..)),
        ) => {
            let message = match (&e, lang.is_en()) {
                (ConfirmError::NoReason, true) => {
                    "Enter the reason (at least 10 characters).".to_string()
                }
                (ConfirmError::Changed(_), true) => {
                    "The rows changed since this page was shown; check them again.".to_string()
                }
                (ConfirmError::NotOpen(..), true) => "This link is no longer open.".to_string(),
                _ => e.to_string(),
            };
            detail_page(&state, &auth, &text, vec![("reason".into(), message)]).await
        }
        Err(e) => refused(lang, e),
    }
}
