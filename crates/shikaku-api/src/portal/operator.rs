//! The operator console (支払基金・国保中央会): adoption dashboard against the 60% goal with a
//! server-rendered SVG chart and CSV export, lists with filters and paging, and decisions on
//! reader, certificate and subsidy applications.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use shikaku_app::portal::Actor;
use shikaku_domain::insurer_number::PREFECTURES;
use shikaku_domain::portal::{Choice, Maker, status_label};
use shikaku_domain::subsidy::FacilityCategory;
use shikaku_store::portal::{AppFilter, FacilityFilter, StageCounts};

use super::facility::{SubsidyView, subsidy_row, subsidy_view};
use super::{Auth, PAGE_SIZE, error_page, form_errors, render_form, see_other};
use crate::AppState;
use crate::pages::{Lang, render};
use crate::portal::{CsrfForm, TokenOnly};

/// The seed's goal: about 60% of facilities by the March 2021 start.
pub const GOAL_PERCENT: i64 = 60;

pub(crate) fn operator_only(auth: &Auth) -> Result<(), Response> {
    match auth.actor {
        Actor::Operator { .. } => Ok(()),
        Actor::Facility { .. } | Actor::Pending { .. } => Err(error_page(
            auth.lang,
            shikaku_app::portal::PortalError::Forbidden,
        )),
    }
}

fn prefecture_name(code: &str) -> &'static str {
    code.parse::<usize>()
        .ok()
        .and_then(|n| PREFECTURES.get(n.wrapping_sub(1)))
        .copied()
        .unwrap_or("—")
}

fn category_label(lang: Lang, code: &str) -> String {
    code.parse::<FacilityCategory>()
        .map(|c| lang.t(c.label_ja(), c.label_en()).to_string())
        .unwrap_or_else(|_| code.to_string())
}

fn percent(part: i64, whole: i64) -> String {
    if whole == 0 {
        "0.0".into()
    } else {
        // One decimal, integer arithmetic.
        let tenths = part * 1000 / whole;
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

struct StageRow {
    label: String,
    registered: i64,
    reader_applied: i64,
    use_applied: i64,
    certificate_issued: i64,
    operating: i64,
    percent: String,
    meets_goal: bool,
}

fn stage_row(label: String, c: &StageCounts) -> StageRow {
    StageRow {
        label,
        registered: c.registered,
        reader_applied: c.reader_applied,
        use_applied: c.use_applied,
        certificate_issued: c.certificate_issued,
        operating: c.operating,
        percent: percent(c.operating, c.registered),
        meets_goal: c.operating * 100 >= GOAL_PERCENT * c.registered && c.registered > 0,
    }
}

#[derive(askama::Template)]
#[template(path = "op_dashboard.html")]
struct DashboardPage {
    lang: Lang,
    csrf: String,
    computed_at: String,
    max_age: u64,
    total: StageRow,
    groups: Vec<(String, Vec<StageRow>)>,
    chart: String,
    goal: i64,
}

/// A cumulative line of facilities in operation by month, against the goal line.
fn chart_svg(lang: Lang, points: &[(String, i64)], registered: i64) -> String {
    let (w, h, left, bottom) = (640i64, 240i64, 48i64, 28i64);
    let plot_w = w - left - 12;
    let plot_h = h - bottom - 12;
    // The goal in facilities, rounded up (60% of 1 facility is 1 facility).
    let goal = (registered * GOAL_PERCENT + 99) / 100;
    let max = points
        .iter()
        .map(|p| p.1)
        .max()
        .unwrap_or(0)
        .max(goal)
        .max(1);
    let y = |v: i64| 12 + plot_h - v * plot_h / max;
    let n = points.len().max(1) as i64;
    let x = |i: i64| {
        left + if n == 1 {
            plot_w / 2
        } else {
            i * plot_w / (n - 1)
        }
    };
    let mut svg = format!(
        "<svg role=\"img\" aria-labelledby=\"chart-title\" viewBox=\"0 0 {w} {h}\" width=\"100%\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title id=\"chart-title\">{}</title>",
        lang.t(
            "運用開始した施設数（累計）と目標",
            "Facilities in operation (cumulative) and the goal"
        )
    );
    svg.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#555\"/>",
        12 + plot_h,
        left + plot_w,
        12 + plot_h
    ));
    svg.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{gy}\" x2=\"{}\" y2=\"{gy}\" stroke=\"#b00020\" stroke-dasharray=\"6 4\"/>\
         <text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#b00020\" text-anchor=\"end\">{} {goal}</text>",
        left + plot_w,
        left + plot_w,
        y(goal) - 4,
        lang.t("目標60%", "goal 60%"),
        gy = y(goal)
    ));
    let path: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, (_, v))| format!("{},{}", x(i as i64), y(*v)))
        .collect();
    if !path.is_empty() {
        svg.push_str(&format!(
            "<polyline fill=\"none\" stroke=\"#0b5cad\" stroke-width=\"2\" points=\"{}\"/>",
            path.join(" ")
        ));
    }
    for (i, (label, v)) in points.iter().enumerate() {
        svg.push_str(&format!(
            "<circle cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"#0b5cad\"><title>{label}: {v}</title></circle>\
             <text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#222\">{label}</text>",
            x(i as i64),
            y(*v),
            x(i as i64),
            h - 8
        ));
    }
    svg.push_str(&format!(
        "<text x=\"4\" y=\"20\" font-size=\"11\" fill=\"#222\">{max}</text><text x=\"4\" y=\"{}\" font-size=\"11\" fill=\"#222\">0</text></svg>",
        12 + plot_h
    ));
    svg
}

fn total_of(rows: &[StageCounts]) -> StageCounts {
    let mut t = StageCounts::default();
    for r in rows {
        t.registered += r.registered;
        t.reader_applied += r.reader_applied;
        t.use_applied += r.use_applied;
        t.certificate_issued += r.certificate_issued;
        t.operating += r.operating;
    }
    t
}

/// (YYYY-MM, cumulative count) per month from the first to the last.
fn monthly(days: &[(time::Date, i64)]) -> Vec<(String, i64)> {
    let mut out: Vec<(String, i64)> = Vec::new();
    let mut total = 0;
    for (day, n) in days {
        total += n;
        let month = format!("{:04}-{:02}", day.year(), u8::from(day.month()));
        match out.last_mut() {
            Some((m, v)) if *m == month => *v = total,
            _ => out.push((month, total)),
        }
    }
    out
}

pub async fn dashboard(State(state): State<AppState>, auth: Auth) -> Response {
    if let Err(r) = operator_only(&auth) {
        return r;
    }
    let lang = auth.lang;
    let (adoption, computed_at) = match state.portal.adoption(&auth.actor).await {
        Ok(a) => a,
        Err(e) => return error_page(lang, e),
    };
    let total = total_of(&adoption.by_category);
    render(&DashboardPage {
        lang,
        csrf: auth.csrf.clone(),
        computed_at: shikaku_domain::date::format_jst_minute(computed_at),
        max_age: shikaku_app::portal::ADOPTION_MAX_AGE.as_secs(),
        chart: chart_svg(lang, &monthly(&adoption.operating_by_day), total.registered),
        total: stage_row(lang.t("全体", "All").into(), &total),
        groups: vec![
            (
                lang.t("施設区分別", "By category").to_string(),
                adoption
                    .by_category
                    .iter()
                    .map(|c| stage_row(category_label(lang, &c.group_key), c))
                    .collect(),
            ),
            (
                lang.t("都道府県別", "By prefecture").to_string(),
                adoption
                    .by_prefecture
                    .iter()
                    .map(|c| {
                        stage_row(
                            format!("{} {}", c.group_key, prefecture_name(&c.group_key)),
                            c,
                        )
                    })
                    .collect(),
            ),
        ],
        goal: GOAL_PERCENT,
    })
}

fn csv_response(name: &str, body: String) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

/// A CSV field: quoted when needed, and a leading `= + - @` neutralized so a spreadsheet
/// does not run it as a formula.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

pub async fn adoption_csv(State(state): State<AppState>, auth: Auth) -> Response {
    if let Err(r) = operator_only(&auth) {
        return r;
    }
    let (adoption, _) = match state.portal.adoption(&auth.actor).await {
        Ok(a) => a,
        Err(e) => return error_page(auth.lang, e),
    };
    let mut out = String::from(
        "group,key,registered,reader_applied,use_applied,certificate_issued,operating,operating_percent\n",
    );
    for (group, rows) in [
        ("category", &adoption.by_category),
        ("prefecture", &adoption.by_prefecture),
    ] {
        for r in rows {
            out.push_str(&format!(
                "{group},{},{},{},{},{},{},{}\n",
                csv_field(&r.group_key),
                r.registered,
                r.reader_applied,
                r.use_applied,
                r.certificate_issued,
                r.operating,
                percent(r.operating, r.registered)
            ));
        }
    }
    csv_response("adoption.csv", out)
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    page: u64,
    #[serde(default)]
    status: String,
    #[serde(default)]
    facility: String,
    #[serde(default)]
    prefecture: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    q: String,
}

impl ListQuery {
    fn app_filter(&self) -> AppFilter {
        AppFilter {
            facility_code: Some(self.facility.trim().to_string()).filter(|s| !s.is_empty()),
            status: Some(self.status.trim().to_string()).filter(|s| !s.is_empty()),
        }
    }

    fn facility_filter(&self) -> FacilityFilter {
        FacilityFilter {
            prefecture: Some(self.prefecture.trim().to_string()).filter(|s| !s.is_empty()),
            category: Some(self.category.trim().to_string()).filter(|s| !s.is_empty()),
            text: Some(self.q.trim().to_string()).filter(|s| !s.is_empty()),
        }
    }

    fn page(&self) -> u64 {
        self.page.max(1)
    }

    /// The query string of this filter, for paging links.
    fn link(&self, page: u64, lang: Lang) -> String {
        let mut parts = vec![format!("page={page}")];
        for (k, v) in [
            ("status", &self.status),
            ("facility", &self.facility),
            ("prefecture", &self.prefecture),
            ("category", &self.category),
            ("q", &self.q),
        ] {
            if !v.is_empty() {
                parts.push(format!("{k}={}", percent_encode(v)));
            }
        }
        if lang.is_en() {
            parts.push("lang=en".into());
        }
        format!("?{}", parts.join("&"))
    }
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A generic operator list: columns, rows of cells, and per-row actions.
struct Cell {
    text: String,
    href: String,
}

struct Action {
    url: String,
    label: String,
    field: Option<(String, String)>,
}

struct ListRow {
    cells: Vec<Cell>,
    actions: Vec<Action>,
}

#[derive(askama::Template)]
#[template(path = "op_list.html")]
struct ListPage {
    lang: Lang,
    csrf: String,
    title: String,
    path: &'static str,
    columns: Vec<String>,
    rows: Vec<ListRow>,
    statuses: Vec<(&'static str, String)>,
    query: ListQuery,
    total: u64,
    page: u64,
    prev: Option<String>,
    next: Option<String>,
    csv: Option<String>,
    facility_filters: bool,
    categories: Vec<(&'static str, String)>,
}

fn cell(text: impl Into<String>) -> Cell {
    Cell {
        text: text.into(),
        href: String::new(),
    }
}

fn statuses(lang: Lang, list: &[&'static str]) -> Vec<(&'static str, String)> {
    list.iter()
        .map(|s| {
            let (ja, en) = status_label(s);
            (*s, lang.t(ja, en).to_string())
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn list_page(
    auth: &Auth,
    title: &str,
    path: &'static str,
    columns: &[&str],
    rows: Vec<ListRow>,
    status_list: &[&'static str],
    query: ListQuery,
    total: u64,
) -> Response {
    let lang = auth.lang;
    let page = query.page();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    render(&ListPage {
        lang,
        csrf: auth.csrf.clone(),
        title: title.into(),
        path,
        columns: columns.iter().map(|c| c.to_string()).collect(),
        rows,
        statuses: statuses(lang, status_list),
        prev: (page > 1).then(|| query.link(page - 1, lang)),
        next: (page < pages).then(|| query.link(page + 1, lang)),
        csv: (path == "/portal/operator/facilities")
            .then(|| format!("/portal/operator/facilities.csv{}", query.link(1, lang))),
        facility_filters: path == "/portal/operator/facilities",
        categories: FacilityCategory::ALL
            .iter()
            .map(|c| (c.as_str(), lang.t(c.label_ja(), c.label_en()).to_string()))
            .collect(),
        query,
        total,
        page,
    })
}

pub async fn facilities(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<ListQuery>,
) -> Response {
    if let Err(r) = operator_only(&auth) {
        return r;
    }
    let lang = auth.lang;
    let offset = (query.page() - 1) * PAGE_SIZE;
    let page = match state
        .portal
        .facilities(&auth.actor, &query.facility_filter(), offset, PAGE_SIZE)
        .await
    {
        Ok(p) => p,
        Err(e) => return error_page(lang, e),
    };
    let rows = page
        .items
        .iter()
        .map(|f| ListRow {
            cells: vec![
                cell(&f.code),
                cell(&f.name),
                cell(category_label(lang, &f.category)),
                cell(format!(
                    "{} {}",
                    f.prefecture,
                    prefecture_name(&f.prefecture)
                )),
                Cell {
                    text: lang.t("申請一覧", "applications").into(),
                    href: format!("/portal/operator/readers?facility={}", f.code),
                },
            ],
            actions: Vec::new(),
        })
        .collect();
    list_page(
        &auth,
        lang.t("医療機関等の一覧", "Facilities"),
        "/portal/operator/facilities",
        &[
            lang.t("医療機関等コード", "Code"),
            lang.t("名称", "Name"),
            lang.t("区分", "Category"),
            lang.t("都道府県", "Prefecture"),
            "",
        ],
        rows,
        &[],
        query,
        page.total,
    )
}

pub async fn facilities_csv(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<ListQuery>,
) -> Response {
    if let Err(r) = operator_only(&auth) {
        return r;
    }
    let filter = query.facility_filter();
    let mut out =
        String::from("code,name,category,prefecture,postal_code,address,phone,created_at\n");
    let mut offset = 0;
    loop {
        let page = match state
            .portal
            .facilities(&auth.actor, &filter, offset, 5000)
            .await
        {
            Ok(p) => p,
            Err(e) => return error_page(auth.lang, e),
        };
        for f in &page.items {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{}\n",
                f.code,
                csv_field(&f.name),
                f.category,
                f.prefecture,
                f.postal_code,
                csv_field(&f.address),
                csv_field(&f.phone),
                shikaku_domain::date::jst_date(f.created_at)
            ));
        }
        offset += page.items.len() as u64;
        if page.items.is_empty() || offset >= page.total {
            break;
        }
    }
    csv_response("facilities.csv", out)
}

pub async fn readers(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<ListQuery>,
) -> Response {
    if let Err(r) = operator_only(&auth) {
        return r;
    }
    let lang = auth.lang;
    let offset = (query.page() - 1) * PAGE_SIZE;
    let page = match state
        .portal
        .reader_queue(&auth.actor, &query.app_filter(), offset, PAGE_SIZE)
        .await
    {
        Ok(p) => p,
        Err(e) => return error_page(lang, e),
    };
    let rows = page
        .items
        .iter()
        .map(|r| {
            let (ja, en) = status_label(&r.status);
            ListRow {
                cells: vec![
                    cell(&r.facility_code),
                    cell(
                        Maker::parse(&r.maker)
                            .map(|m| lang.t(m.label_ja(), m.label_en()).to_string())
                            .unwrap_or_else(|| r.maker.clone()),
                    ),
                    cell(r.quantity.to_string()),
                    cell(r.applied_on.to_string()),
                    cell(lang.t(ja, en)),
                    cell(r.delivery_month.clone().unwrap_or_default()),
                ],
                actions: if matches!(r.status.as_str(), "applied" | "scheduled") {
                    vec![Action {
                        url: format!("/portal/operator/readers/{}/schedule", r.id),
                        label: lang.t("配送時期を設定", "Set delivery month").into(),
                        field: Some((
                            "delivery_month".into(),
                            r.delivery_month.clone().unwrap_or_default(),
                        )),
                    }]
                } else {
                    Vec::new()
                },
            }
        })
        .collect();
    list_page(
        &auth,
        lang.t("カードリーダー申し込み", "Card-reader applications"),
        "/portal/operator/readers",
        &[
            lang.t("医療機関等コード", "Facility"),
            lang.t("製品", "Maker"),
            lang.t("台数", "Qty"),
            lang.t("申込日", "Applied"),
            lang.t("状態", "Status"),
            lang.t("配送時期", "Delivery"),
        ],
        rows,
        &["applied", "scheduled", "cancelled"],
        query,
        page.total,
    )
}

#[derive(serde::Deserialize)]
pub struct ScheduleForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    delivery_month: String,
}

pub async fn schedule_reader(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(auth, form): CsrfForm<ScheduleForm>,
) -> Response {
    match state
        .portal
        .schedule_reader(&auth.actor, &id, &form.delivery_month)
        .await
    {
        Ok(_) => see_other("/portal/operator/readers", auth.lang),
        Err(e) => error_page(auth.lang, e),
    }
}

pub async fn certificates(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<ListQuery>,
) -> Response {
    if let Err(r) = operator_only(&auth) {
        return r;
    }
    let lang = auth.lang;
    let offset = (query.page() - 1) * PAGE_SIZE;
    let page = match state
        .portal
        .cert_queue(&auth.actor, &query.app_filter(), offset, PAGE_SIZE)
        .await
    {
        Ok(p) => p,
        Err(e) => return error_page(lang, e),
    };
    let rows = page
        .items
        .iter()
        .map(|c| {
            let (ja, en) = status_label(&c.status);
            let mut actions = Vec::new();
            if c.status == "applied" {
                for (action, ja, en) in [
                    ("issue", "承認して発行", "Approve and issue"),
                    ("reject", "却下", "Reject"),
                ] {
                    actions.push(Action {
                        url: format!("/portal/operator/certificates/{}/{action}", c.id),
                        label: lang.t(ja, en).into(),
                        field: None,
                    });
                }
            }
            if matches!(c.status.as_str(), "issued" | "downloaded") {
                actions.push(Action {
                    url: format!("/portal/operator/certificates/{}/revoke", c.id),
                    label: lang.t("失効", "Revoke").into(),
                    field: None,
                });
            }
            ListRow {
                cells: vec![
                    cell(&c.facility_code),
                    cell(&c.terminal_name),
                    cell(lang.t(ja, en)),
                    cell(c.serial.clone().unwrap_or_default()),
                    cell(shikaku_domain::date::jst_date(c.applied_at).to_string()),
                ],
                actions,
            }
        })
        .collect();
    list_page(
        &auth,
        lang.t("電子証明書発行申請", "Certificate applications"),
        "/portal/operator/certificates",
        &[
            lang.t("医療機関等コード", "Facility"),
            lang.t("端末名", "Terminal"),
            lang.t("状態", "Status"),
            lang.t("シリアル", "Serial"),
            lang.t("申請日", "Applied"),
        ],
        rows,
        &["applied", "issued", "downloaded", "rejected", "revoked"],
        query,
        page.total,
    )
}

pub async fn decide_certificate(
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    CsrfForm(auth, _): CsrfForm<TokenOnly>,
) -> Response {
    if let Err(r) = operator_only(&auth) {
        return r;
    }
    let result = match action.as_str() {
        "issue" => state.portal.issue_certificate(&auth.actor, &id).await,
        "reject" => state.portal.reject_certificate(&auth.actor, &id).await,
        "revoke" => state.portal.revoke_certificate(&auth.actor, &id).await,
        _ => Err(shikaku_app::portal::PortalError::NotFound),
    };
    match result {
        Ok(_) => see_other("/portal/operator/certificates", auth.lang),
        Err(e) => error_page(auth.lang, e),
    }
}

pub async fn subsidies(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<ListQuery>,
) -> Response {
    if let Err(r) = operator_only(&auth) {
        return r;
    }
    let lang = auth.lang;
    let offset = (query.page() - 1) * PAGE_SIZE;
    let page = match state
        .portal
        .subsidy_queue(&auth.actor, &query.app_filter(), offset, PAGE_SIZE)
        .await
    {
        Ok(p) => p,
        Err(e) => return error_page(lang, e),
    };
    let rows = page
        .items
        .iter()
        .map(|s| {
            let r = subsidy_row(lang, s);
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
        &["submitted", "returned", "approved", "rejected"],
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
    explanation: Vec<String>,
    decidable: bool,
    errors: Vec<(String, String)>,
}

async fn review_page(
    state: &AppState,
    auth: &Auth,
    id: &str,
    errors: Vec<(String, String)>,
) -> Response {
    let lang = auth.lang;
    let (app, view) = match subsidy_view(state, auth, id).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    // The quote again, from the stored inputs, so the operator sees the computation.
    let facility = match state.portal.facility(&auth.actor, &app.facility_code).await {
        Ok(f) => f,
        Err(e) => return error_page(lang, e),
    };
    let explanation = facility
        .category
        .parse::<FacilityCategory>()
        .ok()
        .and_then(|category| {
            state
                .portal
                .rules()
                .quote(&shikaku_domain::subsidy::QuoteRequest {
                    category,
                    readers: u32::try_from(app.readers).unwrap_or(0),
                    reader_applied: app.reader_applied,
                    cost: shikaku_domain::subsidy::Yen::new(app.cost_total),
                })
                .ok()
        })
        .map(|q| {
            if lang.is_en() {
                q.explanation_en()
            } else {
                q.explanation_ja()
            }
        })
        .unwrap_or_default();
    let has_errors = !errors.is_empty();
    render_form(
        &ReviewPage {
            lang,
            csrf: auth.csrf.clone(),
            decidable: app.status == "submitted",
            view,
            explanation,
            errors,
        },
        has_errors,
    )
}

pub async fn subsidy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = operator_only(&auth) {
        return r;
    }
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
            Ok(errors) => review_page(&state, &auth, &id, errors).await,
            Err(r) => r,
        },
    }
}

has_csrf!(DecideForm, ScheduleForm);
