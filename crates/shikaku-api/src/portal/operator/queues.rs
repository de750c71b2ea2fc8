//! The operator's lists of facilities, readers and certificates (filters, paging, CSV) and
//! the decisions on reader schedules and certificate applications.

use super::*;
use shikaku_domain::portal::{CertStatus, ReaderStatus};

pub async fn facilities(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<ListQuery>,
) -> PageResult {
    operator_only(&auth)?;
    let lang = auth.lang;
    let offset = query.offset();
    let page = state
        .portal
        .facilities(&auth.actor, &query.facility_filter(), offset, PAGE_SIZE)
        .await
        .or_page(lang)?;
    let rows = page
        .items
        .iter()
        .map(|f| ListRow {
            cells: vec![
                cell(f.code.as_str()),
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
        Vec::new(),
        query,
        page.total,
    )
}

pub async fn facilities_csv(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<ListQuery>,
) -> PageResult {
    operator_only(&auth)?;
    let filter = query.facility_filter();
    let lang = auth.lang;
    let mut out = if lang.is_en() {
        String::from("code,name,category,prefecture,postal_code,address,phone,registered_on\n")
    } else {
        String::from("医療機関等コード,名称,施設区分,都道府県,郵便番号,所在地,電話番号,登録日\n")
    };
    let mut offset = 0;
    loop {
        let page = state
            .portal
            .facilities(&auth.actor, &filter, offset, 5000)
            .await
            .or_page(auth.lang)?;
        for f in &page.items {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{}\n",
                f.code,
                csv_field(&f.name),
                category_label(lang, &f.category),
                prefecture_name(&f.prefecture),
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
    let sjis = matches!(query.encoding.as_str(), "sjis" | "shift_jis" | "cp932");
    Ok(csv_response("facilities.csv", out, sjis))
}

pub async fn readers(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<ListQuery>,
) -> PageResult {
    operator_only(&auth)?;
    let lang = auth.lang;
    let offset = query.offset();
    let page = state
        .portal
        .reader_queue(&auth.actor, &query.app_filter(), offset, PAGE_SIZE)
        .await
        .or_page(lang)?;
    let rows = page
        .items
        .iter()
        .map(|r| ListRow {
            cells: vec![
                cell(r.facility_code.as_str()),
                cell(
                    Maker::parse(&r.maker)
                        .map(|m| lang.t(m.label_ja(), m.label_en()).to_string())
                        .unwrap_or_else(|| r.maker.clone()),
                ),
                cell(r.quantity.to_string()),
                cell(r.applied_on.to_string()),
                cell(lang.t(r.status.label_ja(), r.status.label_en())),
                cell(r.delivery_month.clone().unwrap_or_default()),
            ],
            actions: actions_of(lang, r.status, "/portal/operator/readers", &r.id, |_| {
                Some((
                    "delivery_month".into(),
                    r.delivery_month.clone().unwrap_or_default(),
                ))
            }),
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
        statuses::<ReaderStatus>(lang),
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
) -> PageResult {
    operator_only(&auth)?;
    let lang = auth.lang;
    let offset = query.offset();
    let page = state
        .portal
        .cert_queue(&auth.actor, &query.app_filter(), offset, PAGE_SIZE)
        .await
        .or_page(lang)?;
    let rows = page
        .items
        .iter()
        .map(|c| {
            let actions = actions_of(
                lang,
                c.status,
                "/portal/operator/certificates",
                &c.id,
                |_| None,
            );
            ListRow {
                cells: vec![
                    cell(c.facility_code.as_str()),
                    cell(&c.terminal_name),
                    cell(lang.t(c.status.label_ja(), c.status.label_en())),
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
        statuses::<CertStatus>(lang),
        query,
        page.total,
    )
}

pub async fn decide_certificate(
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    CsrfForm(auth, _): CsrfForm<TokenOnly>,
) -> PageResult {
    operator_only(&auth)?;
    let result = match action.as_str() {
        "issue" => state.portal.issue_certificate(&auth.actor, &id).await,
        "reject" => state.portal.reject_certificate(&auth.actor, &id).await,
        "revoke" => state.portal.revoke_certificate(&auth.actor, &id).await,
        _ => Err(shikaku_app::portal::PortalError::NotFound),
    };
    Ok(match result {
        Ok(_) => see_other("/portal/operator/certificates", auth.lang),
        Err(e) => error_page(auth.lang, e),
    })
}

has_csrf!(ScheduleForm);
