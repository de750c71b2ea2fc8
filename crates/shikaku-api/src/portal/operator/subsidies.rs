//! Subsidy applications: the review list, one application's review page and the decision.

use super::*;

pub async fn subsidies(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<ListQuery>,
) -> PageResult {
    operator_only(&auth)?;
    let lang = auth.lang;
    let offset = query.offset();
    let page = state
        .portal
        .subsidy_queue(&auth.actor, &query.app_filter(), offset, PAGE_SIZE)
        .await
        .or_page(lang)?;
    let rows = page
        .items
        .iter()
        .map(|s| {
            let r = subsidy_row(lang, state.portal.rules(), s);
            ListRow {
                cells: vec![
                    Cell {
                        text: r.id.clone(),
                        href: format!("/portal/operator/subsidies/{}", r.id),
                    },
                    cell(r.facility),
                    cell(r.status_text),
                    cell(r.cost),
                    cell(r.subsidy),
                    cell(r.submitted),
                ],
                actions: Vec::new(),
            }
        })
        .collect();
    list_page(
        &auth,
        lang.t("補助金申請", "Subsidy applications"),
        "/portal/operator/subsidies",
        &[
            lang.t("申請番号", "Application"),
            lang.t("医療機関等コード", "Facility"),
            lang.t("状態", "Status"),
            lang.t("費用", "Cost"),
            lang.t("補助額", "Subsidy"),
            lang.t("申請日時", "Submitted"),
        ],
        rows,
        statuses::<shikaku_domain::portal::SubsidyStatus>(lang),
        query,
        page.total,
    )
}

#[derive(askama::Template)]
#[template(path = "op_subsidy.html")]
struct ReviewPage {
    lang: Lang,
    csrf: String,
    view: SubsidyView,
    /// The operator's decisions this application's state allows: (code, label).
    decisions: Vec<(&'static str, &'static str)>,
    errors: Vec<(String, String)>,
}

async fn review_page(
    state: &AppState,
    auth: &Auth,
    id: &str,
    errors: Vec<(String, String)>,
) -> PageResult {
    let lang = auth.lang;
    let (app, view) = subsidy_view(state, auth, id).await?;
    let has_errors = !errors.is_empty();
    Ok(render_form(
        &ReviewPage {
            lang,
            csrf: auth.csrf.clone(),
            decisions: app
                .status
                .actions_for(true)
                .into_iter()
                .map(|a| (a.code(), lang.t(a.label_ja(), a.label_en())))
                .collect(),
            view,
            errors,
        },
        has_errors,
    ))
}

pub async fn subsidy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> PageResult {
    operator_only(&auth)?;
    review_page(&state, &auth, &id, Vec::new()).await
}

#[derive(serde::Deserialize)]
pub struct DecideForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

pub async fn decide_subsidy(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(auth, form): CsrfForm<DecideForm>,
) -> Response {
    match state
        .portal
        .decide_subsidy(&auth.actor, &id, &form.decision, &form.reason)
        .await
    {
        Ok(_) => see_other(&format!("/portal/operator/subsidies/{id}"), auth.lang),
        Err(e) => match form_errors(auth.lang, e) {
            Ok(errors) => review_page(&state, &auth, &id, errors)
                .await
                .into_response(),
            Err(r) => r,
        },
    }
}

has_csrf!(DecideForm);
