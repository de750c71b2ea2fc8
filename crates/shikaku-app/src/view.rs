//! The JSON shape of an eligibility answer, shared by `POST /v1/eligibility` and
//! `shikaku verify --json`.

use serde::Serialize;
use shikaku_domain::date::format_date;
use shikaku_domain::{Eligibility, Qualification};
use time::Date;
use utoipa::ToSchema;

use crate::insurers::InsurerNames;

/// 資格確認の結果.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EligibilityView {
    /// `valid`, `lost_newer`, `lost`, `not_yet`, `no_match`, `multiple` (複数該当, a query
    /// without 枝番) or `needs_review` (a suspect link between rows and 個人番号; never from
    /// card numbers alone, whose row answers for itself).
    #[schema(example = "valid")]
    pub status: &'static str,
    /// 有効 / 無効（新しい資格あり） / 無効（喪失） / 無効（未取得） / 該当資格なし
    #[schema(example = "有効")]
    pub status_label: &'static str,
    /// 資格有効性 (QualificationValidity): 1 有効, 2 無効, 3 無効（新しい資格あり）, 4 該当資格なし.
    pub validity_code: u8,
    /// 照会日 (the as-of date, JST).
    #[schema(example = "2026-11-24")]
    pub as_of: String,
    /// The qualification of the card numbers asked about; absent for `no_match`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qualification: Option<QualificationView>,
    /// For `lost_newer`: the same person's qualification valid on the as-of date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub newer: Option<NewerView>,
    /// 資格喪失事由 (ReasonOfLoss) for `lost` / `lost_newer`: `03` 医療保険等の資格取得 when a
    /// newer qualification exists, `99` その他 otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "03")]
    pub loss_reason: Option<&'static str>,
    /// 高齢受給者証 (ElderlyRecipientCertificateInfo): a person aged 70–74 on the as-of date,
    /// except in 後期高齢者医療.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elderly_recipient: Option<ElderlyView>,
    /// Why the answer is what it is, and what to check (Japanese, or English under
    /// `Accept-Language: en`); empty only for `valid`. A `no_match` never names the birth date.
    #[schema(example = "")]
    pub explanation: String,
    /// The (JST) date the insurer's data was last loaded; null when none was ever loaded.
    #[schema(example = "2026-11-24")]
    pub data_as_of: Option<String>,
}

/// 高齢受給者証.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ElderlyView {
    /// 有効開始日.
    pub valid_from: String,
    /// 有効終了日 (inclusive).
    pub valid_until: Option<String>,
    /// 一部負担金割合 in percent (20, 30).
    pub copay_ratio: u8,
}

/// 保険者と記号・番号・枝番.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CardView {
    #[schema(example = "01130012")]
    pub insurer_number: String,
    #[schema(example = "全国健康保険協会管掌健康保険（東京都）")]
    pub insurer_name: String,
    /// 記号; empty when the card has none.
    pub symbol: String,
    pub number: String,
    #[schema(example = "00")]
    pub branch: String,
}

impl CardView {
    pub fn new(card: &shikaku_domain::CardNumbers, names: &InsurerNames) -> Self {
        Self {
            insurer_number: card.insurer.as_str().to_string(),
            insurer_name: names.name(&card.insurer),
            symbol: card.symbol_str().to_string(),
            number: card.number.as_str().to_string(),
            branch: card.branch.as_str().to_string(),
        }
    }
}

/// 資格情報.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QualificationView {
    #[serde(flatten)]
    pub card: CardView,
    /// 1 本人, 2 家族.
    pub insured_category: u8,
    pub insured_category_label: &'static str,
    pub name: String,
    pub name_kana: String,
    /// 1 男, 2 女.
    pub sex: u8,
    pub sex_label: &'static str,
    pub birth_date: String,
    /// 資格取得年月日 (first covered day).
    pub qualified_from: String,
    /// 資格喪失年月日 (first day not covered); null while covered.
    pub qualified_until: Option<String>,
    /// 一部負担金割合 in percent (10, 20, 30).
    pub copay_ratio: u8,
    /// 限度額適用認定区分 (A01–A06, B01–B10).
    pub limit_category: Option<String>,
    pub limit_category_label: Option<&'static str>,
    /// 特定疾病 (1–3).
    pub specific_disease: Option<u8>,
    pub specific_disease_label: Option<&'static str>,
}

/// The newer qualification named by a `lost_newer` answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NewerView {
    #[serde(flatten)]
    pub card: CardView,
    pub qualified_from: String,
    pub qualified_until: Option<String>,
}

impl QualificationView {
    pub fn new(q: &Qualification, names: &InsurerNames) -> Self {
        Self {
            card: CardView::new(&q.card, names),
            insured_category: q.insured_category.code(),
            insured_category_label: q.insured_category.label(),
            name: q.name.clone(),
            name_kana: q.name_kana.clone(),
            sex: q.sex.code(),
            sex_label: q.sex.label(),
            birth_date: format_date(q.birth_date),
            qualified_from: format_date(q.period.from()),
            qualified_until: q.period.until().map(format_date),
            copay_ratio: q.copay_ratio.percent(),
            limit_category: q.limit_category.map(|l| l.code()),
            limit_category_label: q.limit_category.map(|l| l.label()),
            specific_disease: q.specific_disease.map(|s| s.code()),
            specific_disease_label: q.specific_disease.map(|s| s.label()),
        }
    }
}

impl NewerView {
    pub fn new(q: &Qualification, names: &InsurerNames) -> Self {
        Self {
            card: CardView::new(&q.card, names),
            qualified_from: format_date(q.period.from()),
            qualified_until: q.period.until().map(format_date),
        }
    }
}

impl ElderlyView {
    /// The 高齢受給者証 of `q` on `as_of`, if the person holds one.
    pub fn of(q: &Qualification, as_of: Date) -> Option<Self> {
        shikaku_domain::elderly::elderly_recipient(q, as_of).map(|e| Self {
            valid_from: format_date(e.valid_from),
            valid_until: e.valid_until.map(format_date),
            copay_ratio: e.ratio.percent(),
        })
    }
}

impl EligibilityView {
    /// The answer to a lookup of `asked` (None: a My Number Card lookup), explained in
    /// English when `english`.
    pub fn new(
        outcome: &Eligibility,
        asked: Option<&shikaku_domain::CardNumbers>,
        as_of: Date,
        names: &InsurerNames,
        english: bool,
    ) -> Self {
        let insurer = asked
            .map(|c| &c.insurer)
            .or_else(|| outcome.qualification().map(|q| &q.card.insurer));
        let data = insurer.map_or(shikaku_domain::explanation::DataAsOf(None), |i| {
            names.data_as_of(i)
        });
        let status = outcome.status();
        let newer = match outcome {
            Eligibility::LostNewer { newer, .. } => Some(NewerView::new(newer, names)),
            _ => None,
        };
        Self {
            status: status.as_str(),
            status_label: status.label_ja(),
            validity_code: status.validity_code(),
            as_of: format_date(as_of),
            qualification: outcome
                .qualification()
                .map(|q| QualificationView::new(q, names)),
            newer,
            loss_reason: outcome.loss_reason(),
            elderly_recipient: outcome
                .qualification()
                .and_then(|q| ElderlyView::of(q, as_of)),
            explanation: shikaku_domain::explanation::explain(outcome, asked, data, as_of, english),
            data_as_of: data.0.map(format_date),
        }
    }
}
