//! Facility pages: registration, login, the home page with the preparation timeline, card
//! readers, the use application, certificates (one download), the subsidy application.

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Form, extract::Query};
use shikaku_app::portal::{Actor, Overview, PortalError, Registration, SubsidyForm};
use shikaku_domain::calendar::format_wareki;
use shikaku_domain::date::format_jst_minute;
use shikaku_domain::portal::{
    self as rules, Choice, DocumentKind, LINE_SERVICES, LineType, Maker, TerminalOs,
    UseApplicationForm,
};
use shikaku_domain::subsidy::{FacilityCategory, group_digits};
use shikaku_domain::timeline::StepStatus;
use shikaku_store::portal::{PortalEvent, SubsidyApplication, SubsidyDocument};
use tower_sessions::Session;

use super::{Auth, OrPage, PageResult, error_page, form_errors, render_form, see_other, sign_in};
use crate::AppState;
use crate::pages::{Lang, render};
use crate::portal::{CsrfForm, TokenOnly};

mod certificates;
mod subsidy;

pub use certificates::*;
pub use subsidy::*;

type Errors = Vec<(String, String)>;

#[derive(serde::Deserialize, Default)]
pub struct LangQuery {
    #[serde(default)]
    lang: Lang,
}

fn status_text(lang: Lang, status: impl Choice) -> String {
    lang.t(status.label_ja(), status.label_en()).to_string()
}

fn facility_only(auth: &Auth) -> Result<String, Response> {
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

// ---- registration and login ------------------------------------------------------------

#[derive(askama::Template)]
#[template(path = "portal_register.html")]
struct RegisterPage {
    lang: Lang,
    form: Registration,
    errors: Errors,
    categories: Vec<(&'static str, &'static str)>,
}

fn categories(lang: Lang) -> Vec<(&'static str, &'static str)> {
    FacilityCategory::ALL
        .iter()
        .map(|c| (c.as_str(), lang.t(c.label_ja(), c.label_en())))
        .collect()
}

pub async fn register_page(Query(q): Query<LangQuery>) -> Response {
    render(&RegisterPage {
        lang: q.lang,
        form: Registration {
            category: "clinic".into(),
            ..Default::default()
        },
        errors: Vec::new(),
        categories: categories(q.lang),
    })
}

pub async fn register(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    session: Session,
    Form(mut form): Form<Registration>,
) -> Response {
    match state.portal.register(&form).await {
        Ok(actor) => match sign_in(&session, &actor).await {
            Ok(()) => see_other("/portal/activate", q.lang),
            Err(r) => r,
        },
        Err(e) => match form_errors(q.lang, e) {
            Ok(errors) => {
                form.password.clear();
                render_form(
                    &RegisterPage {
                        lang: q.lang,
                        form,
                        errors,
                        categories: categories(q.lang),
                    },
                    true,
                )
            }
            Err(r) => r,
        },
    }
}

#[derive(askama::Template)]
#[template(path = "portal_login.html")]
struct LoginPage {
    lang: Lang,
    login: String,
    error: Option<String>,
}

pub async fn login_page(Query(q): Query<LangQuery>) -> Response {
    render(&LoginPage {
        lang: q.lang,
        login: String::new(),
        error: None,
    })
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    login: String,
    password: String,
}

pub async fn login(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    session: Session,
    super::inquiry::ClientAddr(client): super::inquiry::ClientAddr,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = q.lang;
    let mut retry_after = None;
    let error = match state
        .portal
        .login(&form.login, &form.password, &client)
        .await
    {
        Ok(actor) => {
            return match sign_in(&session, &actor).await {
                Ok(()) => see_other(
                    match actor {
                        Actor::Operator { .. } => "/portal/operator",
                        Actor::Pending { .. } => "/portal/activate",
                        Actor::Facility { .. } => "/portal/home",
                    },
                    lang,
                ),
                Err(r) => r,
            };
        }
        Err(PortalError::BadLogin) => lang
            .t(
                "医療機関等コード（ログインID）またはパスワードが違います。",
                "The login or the password is wrong.",
            )
            .to_string(),
        Err(PortalError::Throttled { seconds }) => {
            retry_after = Some(seconds);
            if lang.is_en() {
                format!(
                    "Too many failed attempts from here. Please try again in {seconds} seconds."
                )
            } else {
                format!("ログインの失敗が続いたため、{seconds}秒後にもう一度お試しください。")
            }
        }
        Err(other) => return error_page(lang, other),
    };
    let mut page = render(&LoginPage {
        lang,
        login: form.login,
        error: Some(error),
    });
    match retry_after {
        Some(seconds) => {
            *page.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            if let Ok(v) = axum::http::HeaderValue::from_str(&seconds.to_string()) {
                page.headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, v);
            }
        }
        None => *page.status_mut() = StatusCode::UNAUTHORIZED,
    }
    page
}

pub async fn logout(CsrfForm(auth, _): CsrfForm<TokenOnly>) -> Response {
    if let Err(e) = auth.session.flush().await {
        tracing::error!(error = %e, "logout failed");
    }
    see_other("/portal/login", auth.lang)
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
            if next.is_none() && s.status != StepStatus::Done {
                next = Some(match s.deadline {
                    Some(d) => format!("{}（{}まで）", s.label, format_wareki(d)),
                    None => s.label.to_string(),
                });
            }
            steps.push(StepRow {
                id: s.id.as_str(),
                label: s.label,
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
        csrf: auth.csrf.clone(),
        name: o.facility.name.clone(),
        code: o.facility.code.clone(),
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
        Ok(()) => see_other("/portal/home", auth.lang),
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
        Ok(()) => see_other("/portal/home", auth.lang),
        Err(e) => error_page(auth.lang, e),
    }
}

// ---- card readers ----------------------------------------------------------------------

#[derive(askama::Template)]
#[template(path = "portal_catalogue.html")]
struct CataloguePage {
    lang: Lang,
    makers: Vec<(&'static str, &'static str)>,
    quantities: Vec<(&'static str, u32)>,
}

/// 顔認証付きカードリーダーカタログ (public): the three makers, the free quantities by category,
/// where the makers' product details are.
pub async fn catalogue(Query(q): Query<LangQuery>) -> Response {
    let lang = q.lang;
    render(&CataloguePage {
        lang,
        makers: Maker::ALL
            .iter()
            .map(|m| (m.code(), lang.t(m.label_ja(), m.label_en())))
            .collect(),
        quantities: FacilityCategory::ALL
            .iter()
            .map(|c| (lang.t(c.label_ja(), c.label_en()), c.max_readers()))
            .collect(),
    })
}

struct ReaderRow {
    id: String,
    maker: String,
    maker_code: String,
    quantity: i64,
    applied_on: String,
    status: &'static str,
    status_text: String,
    delivery: String,
    actions: crate::portal::Offered,
}

#[derive(askama::Template)]
#[template(path = "portal_readers.html")]
struct ReadersPage {
    lang: Lang,
    csrf: String,
    makers: Vec<(&'static str, &'static str)>,
    /// The category's limit, and what is left of it after the live applications.
    max: u32,
    remaining: u32,
    rows: Vec<ReaderRow>,
    errors: Errors,
}

async fn readers_page(state: &AppState, auth: &Auth, errors: Errors) -> PageResult {
    facility_only(auth)?;
    let lang = auth.lang;
    let (facility, readers) = state.portal.my_readers(&auth.actor).await.or_page(lang)?;
    let max = facility
        .category
        .parse::<FacilityCategory>()
        .map(|c| c.max_readers())
        .unwrap_or(1);
    let live: i64 = readers
        .iter()
        .filter(|r| r.status.is_live())
        .map(|r| r.quantity)
        .sum();
    let remaining = u32::try_from(i64::from(max) - live).unwrap_or(0);
    let rows = readers
        .iter()
        .map(|r| ReaderRow {
            id: r.id.clone(),
            maker: Maker::parse(&r.maker)
                .map(|m| lang.t(m.label_ja(), m.label_en()).to_string())
                .unwrap_or_else(|| r.maker.clone()),
            maker_code: r.maker.clone(),
            quantity: r.quantity,
            applied_on: format!("{}（{}）", r.applied_on, format_wareki(r.applied_on)),
            status: r.status.code(),
            status_text: status_text(lang, r.status),
            delivery: r
                .delivery_month
                .as_deref()
                .and_then(rules::YearMonth::parse)
                .map(|m| {
                    if lang.is_en() {
                        format!("{m} (notice early in {})", m.previous())
                    } else {
                        format!(
                            "{}（配送のご案内は{}）",
                            m.label_ja(),
                            m.delivery_notice_ja()
                        )
                    }
                })
                .unwrap_or_else(|| lang.t("調整中", "to be set").to_string()),
            actions: crate::portal::Offered::of(r.status, false),
        })
        .collect();
    let has_errors = !errors.is_empty();
    Ok(render_form(
        &ReadersPage {
            lang,
            csrf: auth.csrf.clone(),
            makers: Maker::ALL
                .iter()
                .map(|m| (m.code(), lang.t(m.label_ja(), m.label_en())))
                .collect(),
            max,
            remaining,
            rows,
            errors,
        },
        has_errors,
    ))
}

pub async fn readers(State(state): State<AppState>, auth: Auth) -> PageResult {
    readers_page(&state, &auth, Vec::new()).await
}

#[derive(serde::Deserialize)]
pub struct ReaderForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    maker: String,
    #[serde(default)]
    quantity: String,
}

pub async fn apply_reader(
    State(state): State<AppState>,
    CsrfForm(auth, form): CsrfForm<ReaderForm>,
) -> Response {
    match state
        .portal
        .apply_reader(&auth.actor, &form.maker, &form.quantity)
        .await
    {
        Ok(_) => see_other("/portal/readers", auth.lang),
        Err(e) => match form_errors(auth.lang, e) {
            Ok(errors) => readers_page(&state, &auth, errors).await.into_response(),
            Err(r) => r,
        },
    }
}

pub async fn edit_reader(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(auth, form): CsrfForm<ReaderForm>,
) -> Response {
    match state
        .portal
        .edit_reader(&auth.actor, &id, &form.maker, &form.quantity)
        .await
    {
        Ok(_) => see_other("/portal/readers", auth.lang),
        Err(e) => match form_errors(auth.lang, e) {
            Ok(errors) => readers_page(&state, &auth, errors).await.into_response(),
            Err(r) => r,
        },
    }
}

pub async fn cancel_reader(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(auth, _): CsrfForm<TokenOnly>,
) -> Response {
    match state.portal.cancel_reader(&auth.actor, &id).await {
        Ok(_) => see_other("/portal/readers", auth.lang),
        Err(e) => error_page(auth.lang, e),
    }
}

// ---- use application -------------------------------------------------------------------

#[derive(askama::Template)]
#[template(path = "portal_use.html")]
struct UsePage {
    lang: Lang,
    csrf: String,
    form: UseForm,
    line_types: Vec<(&'static str, &'static str)>,
    services: Vec<(&'static str, &'static str, String)>,
    errors: Errors,
    filed: Option<String>,
}

#[derive(serde::Deserialize, Default)]
pub struct UseForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    line_type: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    customer_id: String,
    #[serde(default)]
    start_month: String,
    #[serde(default)]
    test_month: String,
    #[serde(default)]
    setup_date: String,
    #[serde(default)]
    online_claims: String,
}

/// The use-application page: the form as typed (`Some`, shown again with its errors) or as
/// filed (`None`).
async fn use_page_with(
    state: &AppState,
    auth: &Auth,
    typed: Option<UseForm>,
    errors: Errors,
) -> Response {
    if let Err(r) = facility_only(auth) {
        return r;
    }
    let lang = auth.lang;
    let stored = match state.portal.use_application(&auth.actor).await {
        Ok(u) => u,
        Err(e) => return error_page(lang, e),
    };
    let filed = stored.as_ref().map(|u| format_jst_minute(u.submitted_at));
    let form = typed.unwrap_or_else(|| {
        stored
            .map(|u| UseForm {
                csrf: String::new(),
                line_type: u.line_type,
                service: u.provider,
                customer_id: u.customer_id.unwrap_or_default(),
                start_month: u.start_month,
                test_month: u.test_month.unwrap_or_default(),
                setup_date: u.setup_date.to_string(),
                online_claims: if u.online_claims {
                    "1".into()
                } else {
                    String::new()
                },
            })
            .unwrap_or_default()
    });
    let has_errors = !errors.is_empty();
    render_form(
        &UsePage {
            lang,
            csrf: auth.csrf.clone(),
            form,
            line_types: LineType::ALL
                .iter()
                .map(|t| (t.code(), lang.t(t.label_ja(), t.label_en())))
                .collect(),
            services: LINE_SERVICES
                .iter()
                .map(|s| {
                    (
                        s.code,
                        s.line_type.code(),
                        format!("{} — {}", s.carrier, s.name),
                    )
                })
                .collect(),
            errors,
            filed,
        },
        has_errors,
    )
}

pub async fn use_page(State(state): State<AppState>, auth: Auth) -> Response {
    use_page_with(&state, &auth, None, Vec::new()).await
}

pub async fn use_apply(
    State(state): State<AppState>,
    CsrfForm(auth, form): CsrfForm<UseForm>,
) -> Response {
    let input = UseApplicationForm {
        line_type: form.line_type.clone(),
        service: form.service.clone(),
        customer_id: form.customer_id.clone(),
        start_month: form.start_month.clone(),
        test_month: form.test_month.clone(),
        setup_date: form.setup_date.clone(),
        online_claims: form.online_claims == "1",
    };
    match state.portal.file_use_application(&auth.actor, &input).await {
        Ok(_) => see_other("/portal/home", auth.lang),
        Err(e) => match form_errors(auth.lang, e) {
            Ok(errors) => use_page_with(&state, &auth, Some(form), errors).await,
            Err(r) => r,
        },
    }
}

has_csrf!(PlanForm, ReaderForm, StepForm, UseForm);
