//! The subsidy's forms as PDF, filled in from what the facility filed: the 交付申請書 (grant
//! application) and the オンライン資格確認等事業完了報告書 (completion report), A4, in
//! Japanese, with a font Debian ships embedded. The facility and the operator get the same
//! documents. They follow the content of the official forms (the seed names them; their exact
//! layout is the 「オンライン資格確認関係補助金申請関係様式」 on the real portal), and say so.

use shikaku_domain::calendar::format_wareki;
use shikaku_domain::portal::{Choice, CostItem};
use shikaku_domain::subsidy::group_digits;
use shikaku_pdf::{Flow, PdfError};

use crate::portal::{CostLine, Facility, SubsidyApplication};

/// Which form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubsidyFormKind {
    /// 交付申請書.
    GrantApplication,
    /// 事業完了報告書.
    CompletionReport,
}

impl SubsidyFormKind {
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "grant-application" => Some(Self::GrantApplication),
            "completion-report" => Some(Self::CompletionReport),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::GrantApplication => "grant-application",
            Self::CompletionReport => "completion-report",
        }
    }

    pub fn title_ja(self) -> &'static str {
        match self {
            Self::GrantApplication => "補助金交付申請書",
            Self::CompletionReport => "オンライン資格確認等事業完了報告書",
        }
    }
}

const LEFT: f32 = 64.0;
const INDENT: f32 = 84.0;

fn yen(amount: i64) -> String {
    format!("{} 円", group_digits(amount))
}

/// The form, filled in. `explanation` is the computation of the amount (as on the pages).
pub fn render(
    kind: SubsidyFormKind,
    facility: &Facility,
    app: &SubsidyApplication,
    explanation: &[String],
) -> Result<Vec<u8>, PdfError> {
    let lines: Vec<CostLine> = serde_json::from_str(&app.cost_lines).unwrap_or_default();
    let submitted = shikaku_domain::date::jst_date(app.submitted_at);
    let mut f = Flow::new();
    f.line(LEFT, 16.0, kind.title_ja());
    f.line(
        LEFT,
        10.0,
        "（保険医療機関等向け医療提供体制設備整備交付金・オンライン資格確認関係）",
    );
    f.gap(8.0);
    f.line(LEFT, 11.0, format!("申請番号　{}", app.id));
    f.line(
        LEFT,
        11.0,
        format!("申請日　{}（{}）", submitted, format_wareki(submitted)),
    );
    f.gap(8.0);
    f.line(LEFT, 12.0, "申請者");
    for (label, value) in [
        ("医療機関等コード", facility.code.to_string()),
        ("名称", facility.name.clone()),
        (
            "所在地",
            format!("〒{} {}", facility.postal_code, facility.address),
        ),
        ("電話番号", facility.phone.clone()),
        ("担当者", facility.contact_name.clone()),
    ] {
        f.line(INDENT, 11.0, format!("{label}　{value}"));
    }
    f.gap(8.0);
    match kind {
        SubsidyFormKind::GrantApplication => {
            f.line(LEFT, 12.0, "事業の内容　オンライン資格確認の導入");
            f.line(
                INDENT,
                11.0,
                format!(
                    "顔認証付きカードリーダー　{} 台（申込日 {}）",
                    app.readers,
                    format_wareki(app.reader_applied)
                ),
            );
            f.gap(8.0);
            cost_table(&mut f, &lines, app.cost_total);
            f.gap(8.0);
            f.line(LEFT, 12.0, format!("交付申請額　{}", yen(app.subsidy)));
            f.gap(4.0);
            f.line(LEFT, 11.0, "算定の内訳");
            for l in explanation {
                f.line(INDENT, 10.0, l.clone());
            }
        }
        SubsidyFormKind::CompletionReport => {
            f.line(LEFT, 12.0, "完了した事業　オンライン資格確認の導入");
            let completed = app
                .completed_on
                .map(|d| format!("{d}（{}）", format_wareki(d)))
                .unwrap_or_else(|| "（未記入）".into());
            for (label, value) in [
                ("導入完了日", completed),
                ("システムベンダー", app.vendor.clone()),
                ("領収書番号", app.receipt_number.clone()),
            ] {
                f.line(INDENT, 11.0, format!("{label}　{value}"));
            }
            f.gap(8.0);
            cost_table(&mut f, &lines, app.cost_total);
            f.gap(8.0);
            f.line(
                LEFT,
                11.0,
                "上記のとおり、オンライン資格確認の導入に係る事業が完了したことを報告します。",
            );
        }
    }
    f.gap(16.0);
    f.line(
        LEFT,
        9.0,
        "この書類は医療機関等向けポータルサイトの申請内容から作成しました。記載方法は",
    );
    f.line(
        LEFT,
        9.0,
        "「オンライン資格確認関係補助金申請関係様式」をご確認ください。",
    );
    f.render()
}

fn cost_table(f: &mut Flow, lines: &[CostLine], total: i64) {
    f.line(LEFT, 11.0, "費用（税込）");
    for item in CostItem::ALL {
        let amount: i64 = lines
            .iter()
            .filter(|l| l.item.as_deref() == Some(item.code()))
            .map(|l| l.amount)
            .sum();
        f.line(
            INDENT,
            10.0,
            format!(
                "{}　{}",
                item.label_ja(),
                if amount > 0 {
                    yen(amount)
                } else {
                    "—".into()
                }
            ),
        );
    }
    // Lines filed before the items were typed keep their own labels.
    for l in lines.iter().filter(|l| l.item.is_none()) {
        f.line(INDENT, 10.0, format!("{}　{}", l.label, yen(l.amount)));
    }
    f.line(INDENT, 11.0, format!("合計　{}", yen(total)));
}
