//! D results as PDF (`FileCategory` 1 and 3): the same data as the XML result, as a
//! printable Japanese report (xml-interface.md §5.4; docs/xml-interface.md).

use shikaku_pdf::{Flow, PdfError};
use shikaku_xml::request::MedicalRequest;
use shikaku_xml::result::{MedicalBody, QuaInf};

fn ymd(d: time::Date) -> String {
    format!("{}年{}月{}日", d.year(), u8::from(d.month()), d.day())
}

fn month(m: &str) -> String {
    match (m.get(..4), m.get(4..6)) {
        (Some(y), Some(mm)) => format!("{y}年{}月", mm.trim_start_matches('0')),
        _ => m.to_string(),
    }
}

/// The report: who, which period, then each month's (or checkup's) lines.
pub(super) fn report(
    qua: &QuaInf,
    body: &MedicalBody,
    m: &MedicalRequest,
) -> Result<Vec<u8>, PdfError> {
    let mut f = Flow::new();
    let title = match body {
        MedicalBody::Drugs(_) => "薬剤情報",
        MedicalBody::Checkups(_) => "特定健診情報",
    };
    f.line(
        56.0,
        16.0,
        format!("{title}（オンライン資格確認等システム）"),
    );
    f.gap(6.0);
    let sex = match qua.sex.as_str() {
        "1" => "男",
        "2" => "女",
        _ => "",
    };
    f.line(
        56.0,
        11.0,
        format!("氏名　{}（{}）　{sex}", qua.name, qua.kana),
    );
    if let Some(b) = qua.birth {
        f.line(56.0, 11.0, format!("生年月日　{}", ymd(b)));
    }
    let card = if m.symbol.is_empty() {
        format!("保険者番号 {}　番号 {}", m.insurer_number, m.number)
    } else {
        format!(
            "保険者番号 {}　記号 {}　番号 {}",
            m.insurer_number, m.symbol, m.number
        )
    };
    f.line(56.0, 11.0, card);
    if let (Some(from), Some(to)) = (&m.start_month, &m.end_month) {
        f.line(
            56.0,
            11.0,
            format!("取得期間　{}〜{}", month(from), month(to)),
        );
    }
    f.gap(8.0);
    match body {
        MedicalBody::Drugs(months) if months.is_empty() => {
            f.line(56.0, 11.0, "この期間の薬剤情報はありません。");
        }
        MedicalBody::Drugs(months) => {
            for mo in months {
                f.gap(4.0);
                f.line(
                    56.0,
                    12.0,
                    format!(
                        "{}　{}（{}）　{}",
                        month(&mo.month),
                        mo.facility_name,
                        mo.facility_code,
                        mo.source
                    ),
                );
                for day in &mo.days {
                    f.line(72.0, 10.0, ymd(day.date));
                    for l in &day.lines {
                        let days = l.days.map(|d| format!("　{d}日分")).unwrap_or_default();
                        f.line(
                            88.0,
                            10.0,
                            format!("{}　{}{}{days}", l.name, l.quantity, l.unit),
                        );
                    }
                }
            }
        }
        MedicalBody::Checkups(list) if list.is_empty() => {
            f.line(56.0, 11.0, "特定健診情報はありません。");
        }
        MedicalBody::Checkups(list) => {
            for c in list {
                f.gap(4.0);
                f.line(56.0, 12.0, format!("実施日　{}", ymd(c.date)));
                for i in &c.items {
                    let unit = if i.unit.is_empty() {
                        String::new()
                    } else {
                        format!(" {}", i.unit)
                    };
                    f.line(72.0, 10.0, format!("{}　{}{unit}", i.name, i.value));
                }
            }
        }
    }
    f.gap(12.0);
    f.line(
        56.0,
        8.0,
        "この帳票は資格確認端末が患者の同意に基づいて取得した情報を印刷したものです。",
    );
    f.render()
}

#[cfg(test)]
mod tests {
    use super::*;
    use shikaku_xml::request::FileCategory;
    use shikaku_xml::result::{DrugDay, DrugLine, DrugMonth};
    use time::macros::date;

    #[test]
    fn a_drug_report_is_a_pdf() {
        let qua = QuaInf {
            name: "佐藤 一郎".into(),
            kana: "サトウ イチロウ".into(),
            birth: Some(date!(1970 - 01 - 20)),
            sex: "1".into(),
        };
        let body = MedicalBody::Drugs(vec![DrugMonth {
            source: "調剤".into(),
            facility_code: "1341234566".into(),
            facility_name: "しかく薬局".into(),
            month: "202411".into(),
            days: vec![DrugDay {
                date: date!(2024 - 11 - 02),
                lines: vec![DrugLine {
                    code: "610443047".into(),
                    name: "ムコダイン錠２５０ｍｇ".into(),
                    quantity: "1.5".into(),
                    unit: "錠".into(),
                    days: Some(5),
                }],
            }],
        }]);
        let m = MedicalRequest {
            facility_code: "1311234566".into(),
            insurer_number: "138057".into(),
            symbol: "国1".into(),
            number: "5".into(),
            branch: "00".into(),
            arbitrary_file_identifier: None,
            start_month: Some("202001".into()),
            end_month: Some("203012".into()),
            file_category: FileCategory::Pdf,
        };
        match report(&qua, &body, &m) {
            Ok(pdf) => assert!(pdf.starts_with(b"%PDF-")),
            Err(PdfError::NoFont(_)) => {}
            Err(e) => panic!("{e}"),
        }
    }
}
