//! The operator console (支払基金・国保中央会): adoption dashboard against the 60% goal with a
//! server-rendered SVG chart and CSV export, lists with filters and paging, and decisions on
//! reader, certificate and subsidy applications.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use shikaku_app::export::csv_field;
use shikaku_app::portal::Actor;
use shikaku_app::portal::{AppFilter, FacilityFilter, StageCounts};
use shikaku_domain::insurer_number::PREFECTURES;
use shikaku_domain::portal::{Choice, Lifecycle, Maker};
use shikaku_domain::subsidy::FacilityCategory;

use super::facility::{SubsidyView, subsidy_row, subsidy_view};
use super::{Auth, OrPage, PAGE_SIZE, PageResult, error_page, form_errors, render_form, see_other};
use crate::AppState;
use crate::pages::{Lang, render};
use crate::portal::{CsrfForm, TokenOnly};

mod dashboard;
mod help;
mod links;
mod queues;
mod subsidies;

pub use dashboard::{adoption_csv, dashboard};
pub use help::{help, help_csv};
pub use links::{confirm_link, link, links, links_csv};
pub use queues::{
    certificates, decide_certificate, facilities, facilities_csv, readers, schedule_reader,
};
pub use subsidies::{decide_subsidy, subsidies, subsidy};

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

/// How a CSV download is encoded: UTF-8 with a byte-order mark (Excel on Japanese Windows
/// opens it as UTF-8 only with the mark), or Shift_JIS (`?encoding=sjis`) for older tools.
#[derive(serde::Deserialize, Default)]
pub struct CsvQuery {
    #[serde(default)]
    encoding: String,
}

impl CsvQuery {
    fn sjis(&self) -> bool {
        matches!(self.encoding.as_str(), "sjis" | "shift_jis" | "cp932")
    }
}

/// Shift_JIS bytes of `text`; a character it cannot hold becomes 〓 (the customary mark).
fn shift_jis(text: &str) -> Vec<u8> {
    let (bytes, _, lossy) = encoding_rs::SHIFT_JIS.encode(text);
    if !lossy {
        return bytes.into_owned();
    }
    let mut out = Vec::with_capacity(text.len());
    let mut buf = [0u8; 4];
    for c in text.chars() {
        let (b, _, lossy) = encoding_rs::SHIFT_JIS.encode(c.encode_utf8(&mut buf));
        if lossy {
            out.extend_from_slice(&encoding_rs::SHIFT_JIS.encode("〓").0);
        } else {
            out.extend_from_slice(&b);
        }
    }
    out
}

fn csv_response(name: &str, body: String, sjis: bool) -> Response {
    let (bytes, content_type) = if sjis {
        (shift_jis(&body), "text/csv; charset=Shift_JIS")
    } else {
        let mut bytes = "\u{feff}".as_bytes().to_vec();
        bytes.extend_from_slice(body.as_bytes());
        (bytes, "text/csv; charset=utf-8")
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
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
    /// `sjis` for a Shift_JIS CSV.
    #[serde(default)]
    encoding: String,
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

    /// The first row of this page.
    fn offset(&self) -> u64 {
        (self.page() - 1) * PAGE_SIZE
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

/// The status filter's options: every state of the application kind `S`.
fn statuses<S: Choice>(lang: Lang) -> Vec<(&'static str, String)> {
    S::ALL
        .iter()
        .map(|s| (s.code(), lang.t(s.label_ja(), s.label_en()).to_string()))
        .collect()
}

/// A row's buttons: the operator's actions its state allows, each posting to
/// `{base}/{id}/{action}`; `field` adds an input to the action that needs one.
fn actions_of<S: Lifecycle>(
    lang: Lang,
    status: S,
    base: &str,
    id: &str,
    field: impl Fn(S::Action) -> Option<(String, String)>,
) -> Vec<Action> {
    status
        .actions_for(true)
        .into_iter()
        .map(|a| Action {
            url: format!("{base}/{id}/{}", a.code()),
            label: lang.t(a.label_ja(), a.label_en()).into(),
            field: field(a),
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
    statuses: Vec<(&'static str, String)>,
    query: ListQuery,
    total: u64,
) -> PageResult {
    let lang = auth.lang;
    let page = query.page();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    Ok(render(&ListPage {
        lang,
        csrf: auth.csrf.clone(),
        title: title.into(),
        path,
        columns: columns.iter().map(|c| c.to_string()).collect(),
        rows,
        statuses,
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
    }))
}
