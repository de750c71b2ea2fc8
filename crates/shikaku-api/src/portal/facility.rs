//! Facility pages: registration, login, the home page with the preparation timeline, card
//! readers, the use application, certificates (one download), the subsidy application.

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::{Form, extract::Query};
use shikaku_app::portal::{Actor, Overview, PortalError, Registration, SubsidyForm};
use shikaku_domain::calendar::format_wareki;
use shikaku_domain::date::{format_jst_minute, jst_date};
use shikaku_domain::portal::{
    self as rules, Choice, DocumentKind, LINE_SERVICES, LineType, Maker, TerminalOs,
    UseApplicationForm,
};
use shikaku_domain::subsidy::{FacilityCategory, group_digits};
use shikaku_domain::timeline::StepStatus;
use shikaku_store::portal::{PortalEvent, SubsidyApplication, SubsidyDocument};
use time::OffsetDateTime;
use tower_sessions::Session;

use super::{Auth, error_page, form_errors, render_form, see_other, sign_in};
use crate::AppState;
use crate::pages::{Lang, render};

type Errors = Vec<(String, String)>;

#[derive(serde::Deserialize, Default)]
pub struct LangQuery {
    #[serde(default)]
    lang: Lang,
}

fn status_text(lang: Lang, status: &str) -> String {
    let (ja, en) = rules::status_label(status);
    lang.t(ja, en).to_string()
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

#[derive(serde::Deserialize)]
pub struct CsrfForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

pub async fn logout(auth: Auth, Form(form): Form<CsrfForm>) -> Response {
    if let Err(r) = auth.check_csrf(&form.csrf) {
        return r;
    }
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
        readers: o.readers.iter().filter(|r| r.status != "cancelled").count(),
        certificates: o.certificates.len(),
        use_filed: o.use_application.is_some(),
        errors,
    }
}

pub async fn home(State(state): State<AppState>, auth: Auth) -> Response {
    let code = match facility_only(&auth) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let today = jst_date(OffsetDateTime::now_utc());
    match state.portal.overview(&auth.actor, &code, today).await {
        Ok(o) => render(&home_page(&auth, o, today, Vec::new())),
        Err(e) => error_page(auth.lang, e),
    }
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
    auth: Auth,
    Form(form): Form<PlanForm>,
) -> Response {
    if let Err(r) = auth.check_csrf(&form.csrf) {
        return r;
    }
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
    auth: Auth,
    Form(form): Form<StepForm>,
) -> Response {
    if let Err(r) = auth.check_csrf(&form.csrf) {
        return r;
    }
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
    status: String,
    status_text: String,
    delivery: String,
    editable: bool,
}

#[derive(askama::Template)]
#[template(path = "portal_readers.html")]
struct ReadersPage {
    lang: Lang,
    csrf: String,
    makers: Vec<(&'static str, &'static str)>,
    max: u32,
    rows: Vec<ReaderRow>,
    errors: Errors,
}

async fn readers_page(state: &AppState, auth: &Auth, errors: Errors) -> Response {
    let code = match facility_only(auth) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let lang = auth.lang;
    let today = jst_date(OffsetDateTime::now_utc());
    let o = match state.portal.overview(&auth.actor, &code, today).await {
        Ok(o) => o,
        Err(e) => return error_page(lang, e),
    };
    let max = o
        .facility
        .category
        .parse::<FacilityCategory>()
        .map(|c| c.max_readers())
        .unwrap_or(1);
    let rows = o
        .readers
        .iter()
        .map(|r| ReaderRow {
            id: r.id.clone(),
            maker: Maker::parse(&r.maker)
                .map(|m| lang.t(m.label_ja(), m.label_en()).to_string())
                .unwrap_or_else(|| r.maker.clone()),
            maker_code: r.maker.clone(),
            quantity: r.quantity,
            applied_on: format!("{}（{}）", r.applied_on, format_wareki(r.applied_on)),
            status: r.status.clone(),
            status_text: status_text(lang, &r.status),
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
            editable: r.status == "applied",
        })
        .collect();
    let has_errors = !errors.is_empty();
    render_form(
        &ReadersPage {
            lang,
            csrf: auth.csrf.clone(),
            makers: Maker::ALL
                .iter()
                .map(|m| (m.code(), lang.t(m.label_ja(), m.label_en())))
                .collect(),
            max,
            rows,
            errors,
        },
        has_errors,
    )
}

pub async fn readers(State(state): State<AppState>, auth: Auth) -> Response {
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
    auth: Auth,
    Form(form): Form<ReaderForm>,
) -> Response {
    if let Err(r) = auth.check_csrf(&form.csrf) {
        return r;
    }
    match state
        .portal
        .apply_reader(&auth.actor, &form.maker, &form.quantity)
        .await
    {
        Ok(_) => see_other("/portal/readers", auth.lang),
        Err(e) => match form_errors(auth.lang, e) {
            Ok(errors) => readers_page(&state, &auth, errors).await,
            Err(r) => r,
        },
    }
}

pub async fn edit_reader(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(form): Form<ReaderForm>,
) -> Response {
    if let Err(r) = auth.check_csrf(&form.csrf) {
        return r;
    }
    match state
        .portal
        .edit_reader(&auth.actor, &id, &form.maker, &form.quantity)
        .await
    {
        Ok(_) => see_other("/portal/readers", auth.lang),
        Err(e) => match form_errors(auth.lang, e) {
            Ok(errors) => readers_page(&state, &auth, errors).await,
            Err(r) => r,
        },
    }
}

pub async fn cancel_reader(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(r) = auth.check_csrf(&form.csrf) {
        return r;
    }
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
    auth: Auth,
    Form(form): Form<UseForm>,
) -> Response {
    if let Err(r) = auth.check_csrf(&form.csrf) {
        return r;
    }
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

// ---- certificates ----------------------------------------------------------------------

struct CertRow {
    id: String,
    terminal: String,
    os: String,
    status: String,
    status_text: String,
    serial: String,
    applied_at: String,
}

#[derive(askama::Template)]
#[template(path = "portal_certs.html")]
struct CertsPage {
    lang: Lang,
    csrf: String,
    oses: Vec<(&'static str, &'static str)>,
    rows: Vec<CertRow>,
    errors: Errors,
    terminal: String,
}

async fn certs_page(state: &AppState, auth: &Auth, terminal: String, errors: Errors) -> Response {
    let code = match facility_only(auth) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let lang = auth.lang;
    let o = match state
        .portal
        .overview(&auth.actor, &code, jst_date(OffsetDateTime::now_utc()))
        .await
    {
        Ok(o) => o,
        Err(e) => return error_page(lang, e),
    };
    let rows = o
        .certificates
        .iter()
        .map(|c| CertRow {
            id: c.id.clone(),
            terminal: c.terminal_name.clone(),
            os: TerminalOs::parse(&c.os)
                .map(|x| lang.t(x.label_ja(), x.label_en()).to_string())
                .unwrap_or_else(|| c.os.clone()),
            status: c.status.clone(),
            status_text: status_text(lang, &c.status),
            serial: c.serial.clone().unwrap_or_default(),
            applied_at: format_jst_minute(c.applied_at),
        })
        .collect();
    let has_errors = !errors.is_empty();
    render_form(
        &CertsPage {
            lang,
            csrf: auth.csrf.clone(),
            oses: TerminalOs::ALL
                .iter()
                .map(|o| (o.code(), lang.t(o.label_ja(), o.label_en())))
                .collect(),
            rows,
            errors,
            terminal,
        },
        has_errors,
    )
}

pub async fn certificates(State(state): State<AppState>, auth: Auth) -> Response {
    certs_page(&state, &auth, String::new(), Vec::new()).await
}

#[derive(serde::Deserialize)]
pub struct CertForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    terminal_name: String,
    #[serde(default)]
    os: String,
}

pub async fn apply_certificate(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<CertForm>,
) -> Response {
    if let Err(r) = auth.check_csrf(&form.csrf) {
        return r;
    }
    match state
        .portal
        .apply_certificate(&auth.actor, &form.terminal_name, &form.os)
        .await
    {
        Ok(_) => see_other("/portal/certificates", auth.lang),
        Err(e) => match form_errors(auth.lang, e) {
            Ok(errors) => certs_page(&state, &auth, form.terminal_name, errors).await,
            Err(r) => r,
        },
    }
}

#[derive(askama::Template)]
#[template(path = "portal_cert_download.html")]
struct DownloadPage {
    lang: Lang,
    file_name: String,
    password: String,
    data_url: String,
}

/// The one download: a page with the password and the PKCS#12 as a `data:` link, so nothing
/// of it stays on the server.
pub async fn download_certificate(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    super::inquiry::ClientAddr(client): super::inquiry::ClientAddr,
    Form(form): Form<CsrfForm>,
) -> Response {
    use base64::Engine;
    if let Err(r) = auth.check_csrf(&form.csrf) {
        return r;
    }
    // The one-time certificate and its password never cross a network in clear: over plain
    // HTTP only to this machine itself (the demo's loopback mode).
    let loopback = client
        .parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback());
    if !state.secure_cookies && !loopback {
        return super::message_page(
            auth.lang,
            StatusCode::FORBIDDEN,
            auth.lang.t(
                "電子証明書のダウンロードは HTTPS でのみ行えます。運用者にお問い合わせください。",
                "Certificates are downloaded over HTTPS only. Please contact the operator.",
            ),
        );
    }
    match state.portal.download_certificate(&auth.actor, &id).await {
        Ok(d) => {
            let mut page = render(&DownloadPage {
                lang: auth.lang,
                data_url: format!(
                    "data:application/x-pkcs12;base64,{}",
                    base64::engine::general_purpose::STANDARD.encode(&d.p12)
                ),
                file_name: d.file_name,
                password: d.password,
            });
            page.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            page
        }
        Err(e) => error_page(auth.lang, e),
    }
}

pub async fn revoke_certificate(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(r) = auth.check_csrf(&form.csrf) {
        return r;
    }
    match state.portal.revoke_certificate(&auth.actor, &id).await {
        Ok(_) => see_other(
            if auth.actor.is_operator() {
                "/portal/operator/certificates"
            } else {
                "/portal/certificates"
            },
            auth.lang,
        ),
        Err(e) => error_page(auth.lang, e),
    }
}

// ---- subsidy ---------------------------------------------------------------------------

pub(crate) struct SubsidyRow {
    pub id: String,
    pub facility: String,
    pub status: String,
    pub status_text: String,
    pub cost: String,
    pub subsidy: String,
    pub rule_set: String,
    pub submitted: String,
    pub reason: String,
}

pub(crate) fn subsidy_row(lang: Lang, s: &SubsidyApplication) -> SubsidyRow {
    SubsidyRow {
        id: s.id.clone(),
        facility: s.facility_code.clone(),
        status: s.status.clone(),
        status_text: status_text(lang, &s.status),
        cost: format!("{} 円", group_digits(s.cost_total)),
        subsidy: format!("{} 円", group_digits(s.subsidy)),
        rule_set: s.rule_set.clone(),
        submitted: format_jst_minute(s.submitted_at),
        reason: s.reason.clone().unwrap_or_default(),
    }
}

#[derive(askama::Template)]
#[template(path = "portal_subsidy.html")]
struct SubsidyPage {
    lang: Lang,
    csrf: String,
    rows: Vec<SubsidyRow>,
    lines: Vec<(String, String)>,
    errors: Errors,
}

#[derive(serde::Deserialize, Default)]
pub struct SubsidyFormInput {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    label1: String,
    #[serde(default)]
    amount1: String,
    #[serde(default)]
    label2: String,
    #[serde(default)]
    amount2: String,
    #[serde(default)]
    label3: String,
    #[serde(default)]
    amount3: String,
    #[serde(default)]
    label4: String,
    #[serde(default)]
    amount4: String,
}

impl SubsidyFormInput {
    fn lines(&self) -> Vec<(String, String)> {
        vec![
            (self.label1.clone(), self.amount1.clone()),
            (self.label2.clone(), self.amount2.clone()),
            (self.label3.clone(), self.amount3.clone()),
            (self.label4.clone(), self.amount4.clone()),
        ]
    }
}

async fn subsidy_page_with(
    state: &AppState,
    auth: &Auth,
    lines: Vec<(String, String)>,
    errors: Errors,
) -> Response {
    let code = match facility_only(auth) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let o = match state
        .portal
        .overview(&auth.actor, &code, jst_date(OffsetDateTime::now_utc()))
        .await
    {
        Ok(o) => o,
        Err(e) => return error_page(auth.lang, e),
    };
    let has_errors = !errors.is_empty();
    render_form(
        &SubsidyPage {
            lang: auth.lang,
            csrf: auth.csrf.clone(),
            rows: o
                .subsidies
                .iter()
                .map(|s| subsidy_row(auth.lang, s))
                .collect(),
            lines,
            errors,
        },
        has_errors,
    )
}

pub async fn subsidy_page(State(state): State<AppState>, auth: Auth) -> Response {
    subsidy_page_with(
        &state,
        &auth,
        SubsidyFormInput::default().lines(),
        Vec::new(),
    )
    .await
}

pub async fn subsidy_apply(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<SubsidyFormInput>,
) -> Response {
    if let Err(r) = auth.check_csrf(&form.csrf) {
        return r;
    }
    let input = SubsidyForm {
        lines: form.lines(),
    };
    match state.portal.apply_subsidy(&auth.actor, &input).await {
        Ok(app) => see_other(
            &format!("/portal/subsidy-application/{}", app.id),
            auth.lang,
        ),
        Err(e) => match form_errors(auth.lang, e) {
            Ok(errors) => subsidy_page_with(&state, &auth, form.lines(), errors).await,
            Err(r) => r,
        },
    }
}

pub(crate) struct DocRow {
    pub kind: &'static str,
    pub label: &'static str,
    pub file_name: String,
    pub sha256: String,
    pub uploaded: String,
}

pub(crate) struct EventRow {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

pub(crate) fn doc_rows(lang: Lang, docs: &[SubsidyDocument]) -> Vec<DocRow> {
    DocumentKind::ALL
        .iter()
        .map(|k| {
            let doc = docs.iter().find(|d| d.kind == k.code());
            DocRow {
                kind: k.code(),
                label: lang.t(k.label_ja(), k.label_en()),
                file_name: doc.map(|d| d.file_name.clone()).unwrap_or_default(),
                sha256: doc.map(|d| hex::encode(&d.sha256)).unwrap_or_default(),
                uploaded: doc
                    .map(|d| format_jst_minute(d.uploaded_at))
                    .unwrap_or_default(),
            }
        })
        .collect()
}

pub(crate) fn event_rows(lang: Lang, events: &[PortalEvent]) -> Vec<EventRow> {
    events
        .iter()
        .map(|e| EventRow {
            at: format_jst_minute(e.at),
            actor: e.actor.clone(),
            action: match e.action.as_str() {
                "document" => lang.t("書類の提出", "document uploaded").to_string(),
                other => status_text(lang, other),
            },
            detail: e.detail.clone(),
        })
        .collect()
}

/// A cost line: the amount as a number (for the correction form) and as shown.
pub(crate) struct LineRow {
    pub label: String,
    pub amount: i64,
    pub shown: String,
}

/// What the facility's and the operator's pages of one subsidy application both show.
pub(crate) struct SubsidyView {
    pub status: String,
    pub row: SubsidyRow,
    pub lines: Vec<LineRow>,
    pub docs: Vec<DocRow>,
    pub events: Vec<EventRow>,
}

pub(crate) async fn subsidy_view(
    state: &AppState,
    auth: &Auth,
    id: &str,
) -> Result<(SubsidyApplication, SubsidyView), Response> {
    let lang = auth.lang;
    let loaded = async {
        let app = state.portal.subsidy(&auth.actor, id).await?;
        let docs = state.portal.documents(&auth.actor, id).await?;
        let events = state
            .portal
            .history(&auth.actor, &format!("subsidy:{id}"))
            .await?;
        Ok::<_, PortalError>((app, docs, events))
    }
    .await;
    let (app, docs, events) = loaded.map_err(|e| error_page(lang, e))?;
    let lines: Vec<shikaku_app::portal::CostLine> =
        serde_json::from_str(&app.cost_lines).map_err(|e| {
            error_page(
                lang,
                PortalError::Internal(format!("stored cost lines of {id}: {e}")),
            )
        })?;
    let view = SubsidyView {
        status: app.status.clone(),
        row: subsidy_row(lang, &app),
        lines: lines
            .into_iter()
            .map(|l| LineRow {
                shown: format!("{} 円", group_digits(l.amount)),
                label: l.label,
                amount: l.amount,
            })
            .collect(),
        docs: doc_rows(lang, &docs),
        events: event_rows(lang, &events),
    };
    Ok((app, view))
}

#[derive(askama::Template)]
#[template(path = "portal_subsidy_detail.html")]
struct SubsidyDetailPage {
    lang: Lang,
    csrf: String,
    view: SubsidyView,
    editable: bool,
    errors: Errors,
}

async fn subsidy_detail_with(state: &AppState, auth: &Auth, id: &str, errors: Errors) -> Response {
    let (_, view) = match subsidy_view(state, auth, id).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let has_errors = !errors.is_empty();
    render_form(
        &SubsidyDetailPage {
            lang: auth.lang,
            csrf: auth.csrf.clone(),
            editable: shikaku_app::portal::app_accepts_documents(&view.status),
            view,
            errors,
        },
        has_errors,
    )
}

pub async fn subsidy_detail(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Response {
    if auth.actor.is_operator() {
        return see_other(&format!("/portal/operator/subsidies/{id}"), auth.lang);
    }
    subsidy_detail_with(&state, &auth, &id, Vec::new()).await
}

pub async fn subsidy_resubmit(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Form(form): Form<SubsidyFormInput>,
) -> Response {
    if let Err(r) = auth.check_csrf(&form.csrf) {
        return r;
    }
    let input = SubsidyForm {
        lines: form.lines(),
    };
    match state
        .portal
        .resubmit_subsidy(&auth.actor, &id, &input)
        .await
    {
        Ok(_) => see_other(&format!("/portal/subsidy-application/{id}"), auth.lang),
        Err(e) => match form_errors(auth.lang, e) {
            Ok(errors) => subsidy_detail_with(&state, &auth, &id, errors).await,
            Err(r) => r,
        },
    }
}

/// An upload as read from `multipart/form-data`.
struct Upload {
    kind: String,
    file: Option<(String, Vec<u8>)>,
}

/// Reads `_csrf` (first), `kind` and `file`. The token is checked before the file is read,
/// so nothing of a forged post is taken in. `Err(None)`: the body broke off or was too large.
async fn read_upload(auth: &Auth, multipart: &mut Multipart) -> Result<Upload, Option<Response>> {
    let mut csrf = String::new();
    let mut upload = Upload {
        kind: String::new(),
        file: None,
    };
    while let Some(field) = multipart.next_field().await.map_err(|_| None)? {
        match field.name().unwrap_or_default() {
            "_csrf" => csrf = field.text().await.map_err(|_| None)?,
            "kind" => upload.kind = field.text().await.map_err(|_| None)?,
            "file" => {
                auth.check_csrf(&csrf).map_err(Some)?;
                let file_name = field.file_name().unwrap_or("upload").to_string();
                let bytes = field.bytes().await.map_err(|_| None)?;
                upload.file = Some((file_name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    auth.check_csrf(&csrf).map_err(Some)?;
    Ok(upload)
}

/// `multipart/form-data`: `_csrf` first, then `kind`, then `file`.
pub async fn upload_document(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Response {
    let lang = auth.lang;
    let refused = |ja: &str, en: &str| vec![("document".to_string(), lang.t(ja, en).to_string())];
    let upload = match read_upload(&auth, &mut multipart).await {
        Ok(u) => u,
        Err(Some(forged)) => return forged,
        Err(None) => {
            let errors = refused(
                "ファイルが大きすぎるか、送信が途中で切れました（10 MB まで）",
                "the file is too large or the upload broke off (10 MB at most)",
            );
            return subsidy_detail_with(&state, &auth, &id, errors).await;
        }
    };
    let Some((file_name, body)) = upload.file else {
        let errors = refused("ファイルを選んでください", "choose a file");
        return subsidy_detail_with(&state, &auth, &id, errors).await;
    };
    match state
        .portal
        .upload_document(&auth.actor, &id, &upload.kind, &file_name, body)
        .await
    {
        Ok(_) => see_other(&format!("/portal/subsidy-application/{id}"), lang),
        Err(e) => match form_errors(lang, e) {
            Ok(errors) => subsidy_detail_with(&state, &auth, &id, errors).await,
            Err(r) => r,
        },
    }
}

/// A stored document, to the facility that filed it and to operators only.
pub async fn download_document(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, kind)): Path<(String, String)>,
) -> Response {
    match state.portal.document(&auth.actor, &id, &kind).await {
        Ok(doc) => {
            let mut response = super::file_download(doc.body, &doc.content_type, &doc.kind);
            response.headers_mut().insert(
                "x-content-sha256",
                HeaderValue::from_str(&hex::encode(&doc.sha256))
                    .unwrap_or(HeaderValue::from_static("")),
            );
            response
        }
        Err(e) => error_page(auth.lang, e),
    }
}
