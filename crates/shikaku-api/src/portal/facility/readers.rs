//! The card-reader pages: the catalogue, applying, changing and cancelling.

use super::*;

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
    notice: Option<&'static str>,
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
            notice: auth.notice,
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
        Ok(_) => see_other("/portal/readers?done=reader-applied", auth.lang),
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
        Ok(_) => see_other("/portal/readers?done=reader-changed", auth.lang),
        Err(e) => match form_errors(auth.lang, e) {
            Ok(errors) => readers_page(&state, &auth, errors).await.into_response(),
            Err(r) => r,
        },
    }
}

#[derive(askama::Template)]
#[template(path = "portal_confirm.html")]
struct ConfirmPage {
    lang: Lang,
    csrf: String,
    title: &'static str,
    question: &'static str,
    facts: Vec<(&'static str, String)>,
    action: String,
    button: &'static str,
    back: &'static str,
}

/// Asks before cancelling: what is cancelled, and that the reader's place may go to nobody
/// else's delivery slot again.
pub async fn confirm_cancel_reader(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> PageResult {
    facility_only(&auth)?;
    let lang = auth.lang;
    let app = state.portal.reader(&auth.actor, &id).await.or_page(lang)?;
    Ok(render(&ConfirmPage {
        lang,
        csrf: auth.csrf.clone(),
        title: lang.t("申し込みの取消", "Cancel the application"),
        question: lang.t(
            "このカードリーダーの申し込みを取り消しますか？取り消した申し込みは元に戻せません。補助金を申請している場合は、補助額が見直されます。",
            "Cancel this card reader application? It cannot be restored. A subsidy you have filed is recomputed.",
        ),
        facts: vec![
            (
                lang.t("製品", "Maker"),
                Maker::parse(&app.maker)
                    .map(|m| lang.t(m.label_ja(), m.label_en()).to_string())
                    .unwrap_or_default(),
            ),
            (lang.t("台数", "Quantity"), app.quantity.to_string()),
            (
                lang.t("申込日", "Applied"),
                format!("{}（{}）", app.applied_on, format_wareki(app.applied_on)),
            ),
        ],
        action: format!("/portal/readers/{id}/cancel{}", lang.query()),
        button: lang.t("取り消す", "Cancel it"),
        back: "/portal/readers",
    }))
}

pub async fn cancel_reader(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(auth, _): CsrfForm<TokenOnly>,
) -> Response {
    match state.portal.cancel_reader(&auth.actor, &id).await {
        Ok(_) => see_other("/portal/readers?done=reader-cancelled", auth.lang),
        Err(e) => error_page(auth.lang, e),
    }
}

has_csrf!(ReaderForm);
