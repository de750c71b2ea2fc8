//! The facility's subsidy pages: the application, its documents, resubmission.

use super::*;
use crate::portal::{CsrfForm, OrPage, PageResult};
use axum::response::IntoResponse;
use shikaku_domain::portal::{CostItem, SubsidyStatus};
use shikaku_domain::subsidy::RuleBook;

// ---- subsidy ---------------------------------------------------------------------------

pub(crate) struct SubsidyRow {
    pub id: String,
    pub facility: String,
    pub status: &'static str,
    pub status_text: String,
    pub cost: String,
    pub subsidy: String,
    pub rule_set: String,
    pub submitted: String,
    pub reason: String,
    pub vendor: String,
    pub receipt_number: String,
    pub completed_on: String,
}

pub(crate) fn subsidy_row(lang: Lang, rules: &RuleBook, s: &SubsidyApplication) -> SubsidyRow {
    SubsidyRow {
        id: s.id.clone(),
        facility: s.facility_code.to_string(),
        status: s.status.code(),
        status_text: status_text(lang, s.status),
        cost: format!("{} 円", group_digits(s.cost_total)),
        subsidy: format!("{} 円", group_digits(s.subsidy)),
        // The rule set's title, not its file name.
        rule_set: rules
            .sets()
            .iter()
            .find(|r| r.name == s.rule_set)
            .map(|r| lang.t(&r.title_ja, &r.title_en).to_string())
            .unwrap_or_else(|| {
                lang.t("（終了した補助制度）", "(a scheme no longer listed)")
                    .to_string()
            }),
        submitted: format_jst_minute(s.submitted_at),
        reason: s.reason.clone().unwrap_or_default(),
        vendor: s.vendor.clone(),
        receipt_number: s.receipt_number.clone(),
        completed_on: s
            .completed_on
            .map(|d| format!("{d}（{}）", shikaku_domain::calendar::format_wareki(d)))
            .unwrap_or_default(),
    }
}

#[derive(askama::Template)]
#[template(path = "portal_subsidy.html")]
pub(super) struct SubsidyPage {
    lang: Lang,
    notice: Option<&'static str>,
    csrf: String,
    rows: Vec<SubsidyRow>,
    fields: SubsidyFields,
    errors: Errors,
}

#[derive(serde::Deserialize, Default)]
pub struct SubsidyFormInput {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(rename = "amount-terminal", default)]
    terminal: String,
    #[serde(rename = "amount-software-network", default)]
    software_network: String,
    #[serde(rename = "amount-system-change", default)]
    system_change: String,
    #[serde(rename = "amount-line", default)]
    line: String,
    #[serde(default)]
    vendor: String,
    #[serde(default)]
    receipt_number: String,
    #[serde(default)]
    completed_on: String,
    /// The applicant ticked 「申請内容を確認しました」 (filing is not undone by a click).
    #[serde(default)]
    confirm: Option<String>,
}

impl SubsidyFormInput {
    fn amount(&self, item: CostItem) -> &str {
        match item {
            CostItem::Terminal => &self.terminal,
            CostItem::SoftwareNetwork => &self.software_network,
            CostItem::SystemChange => &self.system_change,
            CostItem::Line => &self.line,
        }
    }

    fn form(&self) -> SubsidyForm {
        SubsidyForm {
            lines: CostItem::ALL
                .iter()
                .map(|i| (i.code().to_string(), self.amount(*i).to_string()))
                .collect(),
            vendor: self.vendor.clone(),
            receipt_number: self.receipt_number.clone(),
            completed_on: self.completed_on.clone(),
        }
    }

    /// The fields again, as typed.
    fn fields(&self, lang: Lang) -> SubsidyFields {
        SubsidyFields {
            items: item_rows(lang, |i| self.amount(i).to_string()),
            vendor: self.vendor.clone(),
            receipt_number: self.receipt_number.clone(),
            completed_on: self.completed_on.clone(),
        }
    }
}

/// The subsidy form's fields: one amount per cost item (①〜④), the vendor, the receipt's
/// number and the completion date.
pub(crate) struct SubsidyFields {
    pub items: Vec<ItemRow>,
    pub vendor: String,
    pub receipt_number: String,
    pub completed_on: String,
}

pub(crate) struct ItemRow {
    pub code: &'static str,
    pub label: &'static str,
    pub amount: String,
}

/// One row per cost item (①〜④) with its amount.
fn item_rows(lang: Lang, amount: impl Fn(CostItem) -> String) -> Vec<ItemRow> {
    CostItem::ALL
        .iter()
        .map(|i| ItemRow {
            code: i.code(),
            label: lang.t(i.label_ja(), i.label_en()),
            amount: amount(*i),
        })
        .collect()
}

impl SubsidyFields {
    /// Filled from a filed application (to correct it).
    fn of(lang: Lang, app: &SubsidyApplication) -> Self {
        let lines: Vec<shikaku_app::portal::CostLine> =
            serde_json::from_str(&app.cost_lines).unwrap_or_default();
        SubsidyFields {
            items: item_rows(lang, |i| {
                lines
                    .iter()
                    .find(|l| l.item.as_deref() == Some(i.code()))
                    .map(|l| l.amount.to_string())
                    .unwrap_or_default()
            }),
            vendor: app.vendor.clone(),
            receipt_number: app.receipt_number.clone(),
            completed_on: app.completed_on.map(|d| d.to_string()).unwrap_or_default(),
        }
    }
}

pub(super) async fn subsidy_page_with(
    state: &AppState,
    auth: &Auth,
    fields: SubsidyFields,
    errors: Errors,
) -> PageResult {
    facility_only(auth)?;
    let subsidies = state
        .portal
        .my_subsidies(&auth.actor)
        .await
        .or_page(auth.lang)?;
    let has_errors = !errors.is_empty();
    Ok(render_form(
        &SubsidyPage {
            lang: auth.lang,
            notice: auth.notice,
            csrf: auth.csrf.clone(),
            rows: subsidies
                .iter()
                .map(|s| subsidy_row(auth.lang, state.portal.rules(), s))
                .collect(),
            fields,
            errors,
        },
        has_errors,
    ))
}

pub async fn subsidy_page(State(state): State<AppState>, auth: Auth) -> PageResult {
    subsidy_page_with(
        &state,
        &auth,
        SubsidyFormInput::default().fields(auth.lang),
        Vec::new(),
    )
    .await
}

pub async fn subsidy_apply(
    State(state): State<AppState>,
    CsrfForm(auth, form): CsrfForm<SubsidyFormInput>,
) -> Response {
    let input = form.form();
    if form.confirm.as_deref() != Some("yes") {
        let errors = unconfirmed(
            auth.lang,
            "申請内容を確認のうえ、確認のチェックを入れてください",
            "check the application and tick the confirmation",
        );
        return subsidy_page_with(&state, &auth, form.fields(auth.lang), errors)
            .await
            .into_response();
    }
    match state.portal.apply_subsidy(&auth.actor, &input).await {
        Ok(app) => see_other(
            &format!("/portal/subsidy-application/{}?done=subsidy-filed", app.id),
            auth.lang,
        ),
        Err(e) => match form_errors(auth.lang, e) {
            Ok(errors) => subsidy_page_with(&state, &auth, form.fields(auth.lang), errors)
                .await
                .into_response(),
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

/// The history as its reader sees it: an operator sees who acted (logins) and the documents'
/// digests; the facility sees 「貴施設」 or 「運営事務局」 and no internal codes.
pub(crate) fn event_rows(lang: Lang, events: &[PortalEvent], operator: bool) -> Vec<EventRow> {
    events
        .iter()
        .map(|e| {
            let by_facility = e.actor == e.facility_code.as_str();
            EventRow {
                at: format_jst_minute(e.at),
                actor: if operator {
                    e.actor.clone()
                } else if by_facility {
                    lang.t("貴施設", "your facility").to_string()
                } else {
                    lang.t("運営事務局", "the operator").to_string()
                },
                action: match e.action.as_str() {
                    "document" => lang.t("書類の提出", "document uploaded").to_string(),
                    other => SubsidyStatus::parse(other)
                        .map(|s| status_text(lang, s))
                        .unwrap_or_else(|| lang.t("その他", "other").to_string()),
                },
                detail: event_detail(lang, &e.action, &e.detail, operator),
            }
        })
        .collect()
}

/// An event's detail in words: the document's name (its digest for operators), the amounts
/// with digit grouping, or the reason as written.
fn event_detail(lang: Lang, action: &str, detail: &str, operator: bool) -> String {
    if action == "document" {
        let (kind, digest) = detail.split_once(' ').unwrap_or((detail, ""));
        let label = DocumentKind::parse(kind)
            .map(|k| lang.t(k.label_ja(), k.label_en()).to_string())
            .unwrap_or_default();
        return if operator && !digest.is_empty() {
            format!("{label} ({digest})")
        } else {
            label
        };
    }
    let amounts = detail.split_once(" 円 → ").and_then(|(cost, subsidy)| {
        Some((
            cost.trim().parse::<i64>().ok()?,
            subsidy.trim_end_matches(" 円").trim().parse::<i64>().ok()?,
        ))
    });
    match amounts {
        Some((cost, subsidy)) if lang.is_en() => format!(
            "cost {} yen → subsidy {} yen",
            group_digits(cost),
            group_digits(subsidy)
        ),
        Some((cost, subsidy)) => format!(
            "費用 {} 円 → 補助額 {} 円",
            group_digits(cost),
            group_digits(subsidy)
        ),
        None => detail.to_string(),
    }
}

/// A cost line as shown.
pub(crate) struct LineRow {
    pub label: String,
    pub shown: String,
}

/// What the facility's and the operator's pages of one subsidy application both show.
pub(crate) struct SubsidyView {
    pub status: SubsidyStatus,
    pub row: SubsidyRow,
    pub lines: Vec<LineRow>,
    pub docs: Vec<DocRow>,
    pub events: Vec<EventRow>,
    /// How the amount was computed (the quote again from the stored inputs): the facility
    /// and the operator read the same lines.
    pub explanation: Vec<String>,
    /// Documents' digests are shown to operators.
    pub show_digests: bool,
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
    let operator = auth.actor.is_operator();
    let facility = state
        .portal
        .facility(&auth.actor, &app.facility_code)
        .await
        .map_err(|e| error_page(lang, e))?;
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
    let view = SubsidyView {
        status: app.status,
        row: subsidy_row(lang, state.portal.rules(), &app),
        explanation,
        show_digests: operator,
        lines: lines
            .into_iter()
            .map(|l| LineRow {
                shown: format!("{} 円", group_digits(l.amount)),
                label: l
                    .item
                    .as_deref()
                    .and_then(CostItem::parse)
                    .map(|i| lang.t(i.label_ja(), i.label_en()).to_string())
                    .unwrap_or(l.label),
            })
            .collect(),
        docs: doc_rows(lang, &docs),
        events: event_rows(lang, &events, operator),
    };
    Ok((app, view))
}

#[derive(askama::Template)]
#[template(path = "portal_subsidy_detail.html")]
pub(super) struct SubsidyDetailPage {
    lang: Lang,
    notice: Option<&'static str>,
    csrf: String,
    view: SubsidyView,
    /// Documents may be added or replaced.
    editable: bool,
    actions: crate::portal::Offered,
    /// The correction form, filled from the application.
    fields: SubsidyFields,
    errors: Errors,
}

pub(super) async fn subsidy_detail_with(
    state: &AppState,
    auth: &Auth,
    id: &str,
    errors: Errors,
) -> Response {
    subsidy_detail_typed(state, auth, id, None, errors).await
}

/// The detail page; the correction form shows `typed` (what was just sent) when given, the
/// filed application otherwise.
async fn subsidy_detail_typed(
    state: &AppState,
    auth: &Auth,
    id: &str,
    typed: Option<SubsidyFields>,
    errors: Errors,
) -> Response {
    let (app, view) = match subsidy_view(state, auth, id).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let has_errors = !errors.is_empty();
    render_form(
        &SubsidyDetailPage {
            fields: typed.unwrap_or_else(|| SubsidyFields::of(auth.lang, &app)),
            lang: auth.lang,
            notice: auth.notice,
            csrf: auth.csrf.clone(),
            editable: view.status.accepts_documents(),
            actions: crate::portal::Offered::of(view.status, false),
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
    Path(id): Path<String>,
    CsrfForm(auth, form): CsrfForm<SubsidyFormInput>,
) -> Response {
    let input = form.form();
    match state
        .portal
        .resubmit_subsidy(&auth.actor, &id, &input)
        .await
    {
        Ok(_) => see_other(
            &format!("/portal/subsidy-application/{id}?done=subsidy-resubmitted"),
            auth.lang,
        ),
        Err(e) => match form_errors(auth.lang, e) {
            Ok(errors) => {
                let typed = Some(form.fields(auth.lang));
                subsidy_detail_typed(&state, &auth, &id, typed, errors).await
            }
            Err(r) => r,
        },
    }
}

/// The facility withdraws its application (取下げ) after ticking the confirmation.
pub async fn subsidy_withdraw(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(auth, form): CsrfForm<WithdrawForm>,
) -> Response {
    if form.confirm.as_deref() != Some("yes") {
        let errors = unconfirmed(
            auth.lang,
            "取り下げる場合は確認のチェックを入れてください",
            "tick the confirmation to withdraw",
        );
        return subsidy_detail_with(&state, &auth, &id, errors).await;
    }
    match state.portal.withdraw_subsidy(&auth.actor, &id).await {
        Ok(_) => see_other(
            &format!("/portal/subsidy-application/{id}?done=subsidy-withdrawn"),
            auth.lang,
        ),
        Err(e) => match form_errors(auth.lang, e) {
            Ok(errors) => subsidy_detail_with(&state, &auth, &id, errors).await,
            Err(r) => r,
        },
    }
}

#[derive(serde::Deserialize, Default)]
pub struct WithdrawForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    confirm: Option<String>,
}

has_csrf!(WithdrawForm);

/// An upload as read from `multipart/form-data`.
pub(super) struct Upload {
    kind: String,
    file: Option<(String, Vec<u8>)>,
}

/// Reads `_csrf` (first), `kind` and `file`. The token is checked before the file is read,
/// so nothing of a forged post is taken in. `Err(None)`: the body broke off or was too large.
pub(super) async fn read_upload(
    auth: &Auth,
    multipart: &mut Multipart,
) -> Result<Upload, Option<Response>> {
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
        Ok(_) => see_other(
            &format!("/portal/subsidy-application/{id}?done=document-uploaded"),
            lang,
        ),
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
            let mut response = crate::portal::file_download(doc.body, &doc.content_type, &doc.kind);
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

/// The subsidy's forms (交付申請書, 事業完了報告書) as PDF, filled in from the application: to
/// the facility that filed it and to operators.
pub async fn subsidy_form(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, kind)): Path<(String, String)>,
) -> PageResult {
    let kind = shikaku_app::subsidy_pdf::SubsidyFormKind::parse(&kind)
        .ok_or(PortalError::NotFound)
        .or_page(auth.lang)?;
    let (pdf, stem) = state
        .portal
        .subsidy_form_pdf(&auth.actor, &id, kind)
        .await
        .or_page(auth.lang)?;
    Ok(crate::portal::file_download(pdf, "application/pdf", &stem))
}

/// The error of a form sent without its confirmation ticked.
fn unconfirmed(lang: Lang, ja: &str, en: &str) -> Errors {
    vec![("confirm".to_string(), lang.t(ja, en).to_string())]
}

has_csrf!(SubsidyFormInput);
