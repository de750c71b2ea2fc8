//! D requests: 薬剤情報 and 特定健診情報.

use super::*;

/// D: 薬剤情報 / 特定健診情報 through `/v1/drugs` and `/v1/checkups` (no birth date: the
/// consent was given with the card), written in the D result format.
pub(super) async fn medical(
    client: &reqwest::Client,
    config: &AgentConfig,
    base: &str,
    idempotency: &str,
    kind: Kind,
    m: &MedicalRequest,
) -> anyhow::Result<Option<(Vec<u8>, Option<String>)>> {
    use xml_result::{Checkup, CheckupItem, DrugDay, DrugLine, DrugMonth, MedicalBody, QuaInf};
    let path = if kind == Kind::Drugs {
        "drugs"
    } else {
        "checkups"
    };
    let body = json!({
        "insurer_number": m.insurer_number,
        "symbol": m.symbol,
        "number": m.number,
        "branch": m.branch,
    });
    let v = match send(
        client,
        config.request_timeout,
        "POST",
        &format!("{base}/v1/{path}"),
        idempotency,
        Some(&body),
    )
    .await
    {
        Centre::Retry(_) => return Ok(None),
        Centre::Answer(200, v) => v,
        Centre::Answer(status, v) => {
            let message = if status == 403 || status == 404 {
                v["message"]
                    .as_str()
                    .unwrap_or("閲覧できません")
                    .to_string()
            } else {
                refusal(status, &v)
            };
            return Ok(Some((
                xml_result::medical_error(config.encoding, "2", &message),
                None,
            )));
        }
    };
    let p = &v["person"];
    let qua = QuaInf {
        name: p["name"].as_str().unwrap_or_default().to_string(),
        kana: p["name_kana"].as_str().unwrap_or_default().to_string(),
        birth: p["birth_date"]
            .as_str()
            .and_then(|d| shikaku_domain::parse_date(d).ok()),
        sex: p["sex"].as_u64().map(|s| s.to_string()).unwrap_or_default(),
    };
    let records = v["records"].as_array().cloned().unwrap_or_default();
    let body = if kind == Kind::Drugs {
        // Grouped by source, facility and month; days and lines in date order.
        let mut months: Vec<DrugMonth> = Vec::new();
        let mut sorted = records;
        sorted.sort_by(|a, b| a["dispensed_on"].as_str().cmp(&b["dispensed_on"].as_str()));
        for r in &sorted {
            let Some(date) = r["dispensed_on"]
                .as_str()
                .and_then(|d| shikaku_domain::parse_date(d).ok())
            else {
                continue;
            };
            let month = format!("{:04}{:02}", date.year(), u8::from(date.month()));
            if m.start_month.as_ref().is_some_and(|s| &month < s)
                || m.end_month.as_ref().is_some_and(|e| &month > e)
            {
                continue;
            }
            let text = |k: &str| r[k].as_str().unwrap_or_default().to_string();
            let line = DrugLine {
                code: text("drug_code"),
                name: text("drug_name"),
                quantity: text("quantity"),
                unit: text("unit"),
                days: r["days"].as_u64().map(|d| d as u32),
            };
            let (source, facility) = (text("source"), text("facility_code"));
            let index = match months
                .iter()
                .position(|x| x.source == source && x.facility_code == facility && x.month == month)
            {
                Some(i) => i,
                None => {
                    months.push(DrugMonth {
                        source,
                        facility_code: facility,
                        facility_name: text("facility_name"),
                        month,
                        days: Vec::new(),
                    });
                    months.len() - 1
                }
            };
            let days = &mut months[index].days;
            match days.iter_mut().find(|d| d.date == date) {
                Some(d) => d.lines.push(line),
                None => days.push(DrugDay {
                    date,
                    lines: vec![line],
                }),
            }
        }
        MedicalBody::Drugs(months)
    } else {
        // (our field, JLAC10 code, 項目名, unit, coded): codes of the 特定健診 item table.
        const ITEMS: [(&str, &str, &str, &str, bool); 17] = [
            ("height_cm", "9N001000000000001", "身長", "cm", false),
            ("weight_kg", "9N006000000000001", "体重", "kg", false),
            ("bmi", "9N011000000000001", "BMI", "kg/m2", false),
            ("waist_cm", "9N016160100000001", "腹囲（実測）", "cm", false),
            (
                "systolic_bp",
                "9A755000000000001",
                "収縮期血圧（その他）",
                "mmHg",
                false,
            ),
            (
                "diastolic_bp",
                "9A765000000000001",
                "拡張期血圧（その他）",
                "mmHg",
                false,
            ),
            (
                "fasting_glucose",
                "3D010000001926101",
                "空腹時血糖",
                "mg/dL",
                false,
            ),
            ("hba1c", "3D045000001927101", "HbA1c（NGSP値）", "%", false),
            (
                "tg",
                "3F015000002327101",
                "中性脂肪（トリグリセリド）",
                "mg/dL",
                false,
            ),
            (
                "hdl",
                "3F070000002327101",
                "HDLコレステロール",
                "mg/dL",
                false,
            ),
            (
                "ldl",
                "3F077000002327101",
                "LDLコレステロール",
                "mg/dL",
                false,
            ),
            ("ast", "3B035000002327201", "GOT（AST）", "U/L", false),
            ("alt", "3B045000002327201", "GPT（ALT）", "U/L", false),
            ("ggt", "3B090000002327101", "γ-GT（γ-GTP）", "U/L", false),
            ("urine_protein", "1A010000000190111", "尿蛋白", "", true),
            (
                "metabolic_syndrome",
                "9N501000000000011",
                "メタボリックシンドローム判定",
                "",
                true,
            ),
            (
                "guidance_level",
                "9N506000000000011",
                "保健指導レベル",
                "",
                true,
            ),
        ];
        MedicalBody::Checkups(
            records
                .iter()
                .filter_map(|r| {
                    let date = r["checked_on"]
                        .as_str()
                        .and_then(|d| shikaku_domain::parse_date(d).ok())?;
                    let items = ITEMS
                        .iter()
                        .filter_map(|(field, code, label, unit, coded)| {
                            let value = match &r[*field] {
                                Value::String(s) => s.clone(),
                                Value::Number(n) => n.to_string(),
                                _ => return None,
                            };
                            Some(CheckupItem {
                                code: (*code).to_string(),
                                name: (*label).to_string(),
                                data_type: if *coded { "CD" } else { "PQ" },
                                value_name: if *coded { value.clone() } else { String::new() },
                                value,
                                unit: (*unit).to_string(),
                            })
                        })
                        .collect();
                    Some(Checkup {
                        date,
                        insurer_number: r["insurer_number"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string(),
                        items,
                    })
                })
                .collect(),
        )
    };
    if m.file_category.is_pdf() {
        // `…res_<id>.pdf`: the same data as a printable report. Without a font to print
        // with, an answer that says so (never a refused request).
        return Ok(Some((
            match super::medical_pdf::report(&qua, &body, m) {
                Ok(pdf) => pdf,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot print a PDF result");
                    xml_result::medical_error(
                        config.encoding,
                        "2",
                        &format!(
                            "PDFを作成できませんでした（{e}）。同じ情報は XML 形式（FileCategory 2、診療情報つきは 4）で取得できます"
                        ),
                    )
                }
            },
            None,
        )));
    }
    Ok(Some((
        xml_result::medical_ok(config.encoding, &qua, &body),
        None,
    )))
}
