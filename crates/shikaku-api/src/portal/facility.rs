//! Facility pages: registration, login, the home page with the preparation timeline, card
//! readers, the use application, certificates (one download), the subsidy application.

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Form, extract::Query};
use shikaku_app::portal::{Actor, Overview, PortalError, Registration, SubsidyForm};
use shikaku_app::portal::{PortalEvent, SubsidyApplication, SubsidyDocument};
use shikaku_domain::calendar::format_wareki;
use shikaku_domain::date::format_jst_minute;
use shikaku_domain::portal::{
    self as rules, Choice, DocumentKind, LINE_SERVICES, LineType, Maker, TerminalOs,
    UseApplicationForm,
};
use shikaku_domain::subsidy::{FacilityCategory, group_digits};
use shikaku_domain::timeline::StepStatus;
use tower_sessions::Session;

use super::{Auth, OrPage, PageResult, error_page, form_errors, render_form, see_other, sign_in};
use crate::AppState;
use crate::pages::{Lang, render};
use crate::portal::{CsrfForm, TokenOnly};

mod accounts;
mod certificates;
mod readers;
mod subsidy;
mod use_application;

pub use accounts::*;
pub use certificates::*;
pub use readers::*;
pub use subsidy::*;
pub use use_application::*;

type Errors = Vec<(String, String)>;

#[derive(serde::Deserialize, Default)]
pub struct LangQuery {
    #[serde(default)]
    lang: Lang,
}

fn status_text(lang: Lang, status: impl Choice) -> String {
    lang.t(status.label_ja(), status.label_en()).to_string()
}

fn facility_only(auth: &Auth) -> Result<shikaku_domain::FacilityCode, Response> {
    match &auth.actor {
        Actor::Facility { code, .. } => Ok(code.clone()),
        Actor::Pending { .. } => Err(see_other("/portal/activate", auth.lang)),
        Actor::Operator { .. } => Err(see_other("/portal/operator", auth.lang)),
    }
}

pub async fn root(session: Session, Query(q): Query<LangQuery>) -> Response {
    let logged_in = session
        .get::<serde_json::Value>(super::ACTOR_KEY)
        .await
        .ok()
        .flatten()
        .is_some();
    see_other(
        if logged_in {
            "/portal/home"
        } else {
            "/portal/login"
        },
        q.lang,
    )
}

// ---- home and timeline -------------------------------------------------------------------

struct StepRow {
    id: &'static str,
    label: &'static str,
    rule: &'static str,
    deadline: String,
    status: &'static str,
    status_text: &'static str,
    manual: bool,
    done: bool,
}

#[derive(askama::Template)]
#[template(path = "portal_home.html")]
struct HomePage {
    lang: Lang,
    notice: Option<&'static str>,
    csrf: String,
    name: String,
    code: String,
    category: String,
    today: String,
    start: String,
    setup: String,
    steps: Vec<StepRow>,
    warnings: Vec<String>,
    next: Option<String>,
    readers: usize,
    certificates: usize,
    use_filed: bool,
    errors: Errors,
}

fn home_page(auth: &Auth, o: Overview, today: time::Date, errors: Errors) -> HomePage {
    let lang = auth.lang;
    let category = o
        .facility
        .category
        .parse::<FacilityCategory>()
        .map(|c| lang.t(c.label_ja(), c.label_en()).to_string())
        .unwrap_or_default();
    let mut steps = Vec::new();
    let mut warnings = Vec::new();
    let mut next = None;
    if let Some(t) = &o.timeline {
        for s in &t.steps {
            let (status, ja, en) = match s.status {
                StepStatus::Done => ("done", "完了", "done"),
                StepStatus::Due => ("due", "未完了", "to do"),
                StepStatus::Overdue => ("overdue", "期限超過", "overdue"),
            };
            let label = s.id.label(lang.is_en());
            if next.is_none() && s.status != StepStatus::Done {
                next = Some(match (s.deadline, lang.is_en()) {
                    (Some(d), false) => format!("{label}（{}まで）", format_wareki(d)),
                    (Some(d), true) => format!("{label} (by {d})"),
                    (None, _) => label.to_string(),
                });
            }
            steps.push(StepRow {
                id: s.id.as_str(),
                label,
                rule: s.rule,
                deadline: s
                    .deadline
                    .map(|d| format!("{d}（{}）", format_wareki(d)))
                    .unwrap_or_else(|| "—".into()),
                status,
                status_text: lang.t(ja, en),
                manual: !s.id.filed_in_portal(),
                done: s.status == StepStatus::Done,
            });
        }
        warnings = t.warnings.clone();
    }
    HomePage {
        lang,
        notice: auth.notice,
        csrf: auth.csrf.clone(),
        name: o.facility.name.clone(),
        code: o.facility.code.to_string(),
        category,
        today: format!("{today}（{}）", format_wareki(today)),
        start: o
            .facility
            .planned_start
            .map(|d| d.to_string())
            .unwrap_or_default(),
        setup: o
            .facility
            .planned_setup
            .map(|d| d.to_string())
            .unwrap_or_default(),
        steps,
        warnings,
        next,
        readers: o.readers.iter().filter(|r| r.status.is_live()).count(),
        certificates: o.certificates.len(),
        use_filed: o.use_application.is_some(),
        errors,
    }
}

pub async fn home(State(state): State<AppState>, auth: Auth) -> PageResult {
    let code = facility_only(&auth)?;
    let today = state.portal.today();
    let overview = state
        .portal
        .overview(&auth.actor, &code, today)
        .await
        .or_page(auth.lang)?;
    Ok(render(&home_page(&auth, overview, today, Vec::new())))
}

#[derive(serde::Deserialize)]
pub struct PlanForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    setup: String,
}

pub async fn plan(
    State(state): State<AppState>,
    CsrfForm(auth, form): CsrfForm<PlanForm>,
) -> Response {
    match state
        .portal
        .set_plan(&auth.actor, &form.start, &form.setup)
        .await
    {
        Ok(()) => see_other("/portal/home?done=plan-saved", auth.lang),
        Err(e) => error_page(auth.lang, e),
    }
}

#[derive(serde::Deserialize)]
pub struct StepForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    step: String,
    #[serde(default)]
    done: String,
}

pub async fn step(
    State(state): State<AppState>,
    CsrfForm(auth, form): CsrfForm<StepForm>,
) -> Response {
    match state
        .portal
        .mark_step(&auth.actor, &form.step, form.done == "1")
        .await
    {
        Ok(()) => see_other("/portal/home?done=step-saved", auth.lang),
        Err(e) => error_page(auth.lang, e),
    }
}

has_csrf!(PlanForm, StepForm);
