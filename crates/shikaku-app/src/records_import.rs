//! `shikaku import drugs|checkups FILE`: 薬剤情報 and 特定健診情報 (`insurer-import.md` §3–4)
//! through the same pipeline as qualifications (streaming, every error as
//! `file:line: column: message`, atomic, idempotent, `--dry-run`, `--skip-invalid`).
//!
//! Decimal measurements are fixed-point text ("170.5"), never floating point.

use std::path::Path;

use serde::Serialize;
use shikaku_domain::{FacilityCode, InsurerNumber, parse_date, parse_text};
use shikaku_store::{
    Conflict, Finish, ImportCounts, ImportMeta, RecordImport, RecordKind, RecordRow, Store,
    StoreError, hash_text,
};
use time::OffsetDateTime;

use crate::import::{
    ImportError, ImportOptions, ImportReport, RowFormat, RowParser, Session, open_input, run_import,
};

/// `insurer-import.md` §3.
pub const DRUG_COLUMNS: [(&str, bool); 11] = [
    ("insurer_number", true),
    ("person_ref", true),
    ("dispensed_on", true),
    ("facility_code", true),
    ("facility_name", true),
    ("source", true),
    ("drug_code", true),
    ("drug_name", true),
    ("quantity", true),
    ("unit", true),
    ("days", false),
];

/// `insurer-import.md` §4.
pub const CHECKUP_COLUMNS: [(&str, bool); 20] = [
    ("insurer_number", true),
    ("person_ref", true),
    ("checked_on", true),
    ("height_cm", false),
    ("weight_kg", false),
    ("bmi", false),
    ("waist_cm", false),
    ("systolic_bp", false),
    ("diastolic_bp", false),
    ("fasting_glucose", false),
    ("hba1c", false),
    ("tg", false),
    ("hdl", false),
    ("ldl", false),
    ("ast", false),
    ("alt", false),
    ("ggt", false),
    ("urine_protein", false),
    ("metabolic_syndrome", false),
    ("guidance_level", false),
];

/// A decimal with at most `decimals` places and `int_digits` integer digits, normalized to
/// exactly `decimals` places: `170` → `170.0`. Never parsed into a float.
pub fn parse_fixed(s: &str, decimals: usize, int_digits: usize) -> Result<String, String> {
    let t = s.trim();
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || (!frac.is_empty() && !digits(frac)) || (t.ends_with('.')) {
        return Err(format!(
            "数値ではありません: 「{t}」 (not a decimal number such as 12.3)"
        ));
    }
    if frac.len() > decimals {
        return Err(format!(
            "小数点以下は{decimals}桁までです: {t} (at most {decimals} decimal place(s))"
        ));
    }
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    if int.len() > int_digits {
        return Err(format!("値が大きすぎます: {t} (value too large)"));
    }
    if decimals == 0 {
        return Ok(int.to_string());
    }
    Ok(format!("{int}.{frac:0<decimals$}"))
}

fn parse_count(s: &str, max: u32) -> Result<u32, String> {
    let t = s.trim();
    match t.parse::<u32>() {
        Ok(v) if v <= max && t.bytes().all(|b| b.is_ascii_digit()) => Ok(v),
        _ => Err(format!(
            "0〜{max}の整数です: 「{t}」 (an integer from 0 to {max})"
        )),
    }
}

fn one_of(s: &str, allowed: &[&'static str]) -> Result<&'static str, String> {
    let t = s.trim();
    allowed.iter().copied().find(|a| *a == t).ok_or_else(|| {
        format!(
            "「{t}」は使えません。{} のいずれかです (one of {})",
            allowed.join(" / "),
            allowed.join(", ")
        )
    })
}

#[derive(Debug, Serialize)]
struct DrugData {
    dispensed_on: String,
    facility_code: String,
    facility_name: String,
    source: &'static str,
    drug_code: String,
    drug_name: String,
    quantity: String,
    unit: String,
    days: Option<u32>,
}

struct DrugFormat;

impl RowFormat for DrugFormat {
    type Row = RecordRow;

    fn columns(&self) -> &'static [(&'static str, bool)] {
        &DRUG_COLUMNS
    }

    fn parse(&self, row: &mut RowParser<'_>, line: u64) -> Option<RecordRow> {
        let insurer = row.required(0, InsurerNumber::parse);
        let person_ref = row.required(1, |s| parse_text("person_ref", s, 64));
        let dispensed_on = row.required(2, parse_date);
        let facility = row.required(3, FacilityCode::parse);
        let facility_name = row.required(4, |s| parse_text("facility_name", s, 100));
        let source = row.required(5, |s| one_of(s, &["医科", "DPC", "調剤"]));
        let drug_code = row.required(6, |s| {
            let t = s.trim();
            if t.len() == 9 && t.bytes().all(|b| b.is_ascii_digit()) {
                Ok(t.to_string())
            } else {
                Err(format!(
                    "レセプト電算コードは数字9桁です: 「{t}」 (the drug code is 9 digits)"
                ))
            }
        });
        let drug_name = row.required(7, |s| parse_text("drug_name", s, 100));
        let quantity = row.required(8, |s| parse_fixed(s, 3, 7));
        let unit = row.required(9, |s| parse_text("unit", s, 20));
        let days = row.optional(10, |s| parse_count(s, 999));
        let (Some(insurer), Some(person_ref), Some(dispensed_on), Some(facility)) =
            (insurer, person_ref, dispensed_on, facility)
        else {
            return None;
        };
        let (Some(facility_name), Some(source), Some(drug_code), Some(drug_name)) =
            (facility_name, source, drug_code, drug_name)
        else {
            return None;
        };
        let (Some(quantity), Some(unit), Some(days)) = (quantity, unit, days) else {
            return None;
        };
        let date = shikaku_domain::date::format_date(dispensed_on);
        let record_key = format!("{date}|{}|{drug_code}", facility.as_str());
        let data = DrugData {
            dispensed_on: date,
            facility_code: facility.as_str().to_string(),
            facility_name,
            source,
            drug_code,
            drug_name,
            quantity,
            unit,
            days,
        };
        Some(record_row(
            line,
            insurer,
            person_ref,
            dispensed_on,
            record_key,
            &data,
        ))
    }
}

#[derive(Debug, Serialize)]
struct CheckupData {
    checked_on: String,
    height_cm: Option<String>,
    weight_kg: Option<String>,
    bmi: Option<String>,
    waist_cm: Option<String>,
    systolic_bp: Option<u32>,
    diastolic_bp: Option<u32>,
    fasting_glucose: Option<u32>,
    hba1c: Option<String>,
    tg: Option<u32>,
    hdl: Option<u32>,
    ldl: Option<u32>,
    ast: Option<u32>,
    alt: Option<u32>,
    ggt: Option<u32>,
    urine_protein: Option<&'static str>,
    metabolic_syndrome: Option<&'static str>,
    guidance_level: Option<&'static str>,
}

struct CheckupFormat;

impl RowFormat for CheckupFormat {
    type Row = RecordRow;

    fn columns(&self) -> &'static [(&'static str, bool)] {
        &CHECKUP_COLUMNS
    }

    fn parse(&self, row: &mut RowParser<'_>, line: u64) -> Option<RecordRow> {
        let insurer = row.required(0, InsurerNumber::parse);
        let person_ref = row.required(1, |s| parse_text("person_ref", s, 64));
        let checked_on = row.required(2, parse_date);
        let fixed1 = |row: &mut RowParser<'_>, c: usize| row.optional(c, |s| parse_fixed(s, 1, 3));
        let height_cm = fixed1(row, 3);
        let weight_kg = fixed1(row, 4);
        let bmi = fixed1(row, 5);
        let waist_cm = fixed1(row, 6);
        let count = |row: &mut RowParser<'_>, c: usize| row.optional(c, |s| parse_count(s, 9999));
        let systolic_bp = count(row, 7);
        let diastolic_bp = count(row, 8);
        let fasting_glucose = count(row, 9);
        let hba1c = row.optional(10, |s| parse_fixed(s, 1, 2));
        let tg = count(row, 11);
        let hdl = count(row, 12);
        let ldl = count(row, 13);
        let ast = count(row, 14);
        let alt = count(row, 15);
        let ggt = count(row, 16);
        let urine_protein = row.optional(17, |s| one_of(s, &["−", "±", "+", "2+", "3+"]));
        let metabolic_syndrome = row.optional(18, |s| {
            one_of(s, &["基準該当", "予備群該当", "非該当", "判定不能"])
        });
        let guidance_level =
            row.optional(19, |s| one_of(s, &["積極的支援", "動機付け支援", "なし"]));
        let (Some(insurer), Some(person_ref), Some(checked_on)) = (insurer, person_ref, checked_on)
        else {
            return None;
        };
        let date = shikaku_domain::date::format_date(checked_on);
        let data = CheckupData {
            checked_on: date.clone(),
            height_cm: height_cm?,
            weight_kg: weight_kg?,
            bmi: bmi?,
            waist_cm: waist_cm?,
            systolic_bp: systolic_bp?,
            diastolic_bp: diastolic_bp?,
            fasting_glucose: fasting_glucose?,
            hba1c: hba1c?,
            tg: tg?,
            hdl: hdl?,
            ldl: ldl?,
            ast: ast?,
            alt: alt?,
            ggt: ggt?,
            urine_protein: urine_protein?,
            metabolic_syndrome: metabolic_syndrome?,
            guidance_level: guidance_level?,
        };
        Some(record_row(
            line, insurer, person_ref, checked_on, date, &data,
        ))
    }
}

fn record_row(
    line: u64,
    insurer: InsurerNumber,
    person_ref: String,
    record_date: time::Date,
    record_key: String,
    data: &impl Serialize,
) -> RecordRow {
    let data = serde_json::to_string(data).unwrap_or_else(|_| "{}".into());
    let row_hash = hash_text(&format!(
        "{}\n{person_ref}\n{record_key}\n{data}",
        insurer.as_str()
    ));
    RecordRow {
        line,
        insurer_number: insurer.as_str().to_string(),
        person_ref,
        record_date,
        record_key,
        data,
        row_hash,
    }
}

#[async_trait::async_trait]
impl Session<RecordRow> for Box<dyn RecordImport> {
    async fn stage(&mut self, rows: &[RecordRow]) -> Result<(), StoreError> {
        (**self).stage(rows).await
    }
    async fn conflicts(&mut self, limit: u64) -> Result<Vec<Conflict>, StoreError> {
        (**self).duplicates(limit).await
    }
    async fn unstage(&mut self, lines: &[u64]) -> Result<(), StoreError> {
        (**self).unstage(lines).await
    }
    async fn finish(self, how: Finish) -> Result<ImportCounts, StoreError> {
        RecordImport::finish(self, how).await
    }
}

/// Imports a drug or checkup file.
pub async fn import_records(
    store: &dyn Store,
    kind: RecordKind,
    path: &Path,
    options: &ImportOptions,
    progress: impl Fn(u64) + Send + 'static,
) -> Result<ImportReport, ImportError> {
    let file = open_input(path)?;
    let session = store
        .begin_record_import(
            ImportMeta {
                kind: kind.as_str(),
                file_name: path.display().to_string(),
                operator: options.operator.clone(),
                started_at: OffsetDateTime::now_utc(),
                covers: None,
            },
            kind,
        )
        .await?;
    match kind {
        RecordKind::Drugs => run_import(session, DrugFormat, file, path, options, progress).await,
        RecordKind::Checkups => {
            run_import(session, CheckupFormat, file, path, options, progress).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_point_never_floats() {
        assert_eq!(parse_fixed("170", 1, 3), Ok("170.0".into()));
        assert_eq!(parse_fixed("0.5", 1, 3), Ok("0.5".into()));
        assert_eq!(parse_fixed("007.25", 2, 3), Ok("7.25".into()));
        assert_eq!(parse_fixed("1.5", 3, 7), Ok("1.500".into()));
        assert!(parse_fixed("1.55", 1, 3).is_err());
        assert!(parse_fixed("1e3", 1, 3).is_err());
        assert!(parse_fixed("-1", 1, 3).is_err());
        assert!(parse_fixed("1.", 1, 3).is_err());
        assert!(parse_fixed("1000", 1, 3).is_err());
    }
}
