//! Row types shared by both backends, and their conversion to domain values.

use shikaku_domain::{
    Branch, CardNumber, CardNumbers, CardSymbol, CopayRatio, InsuredCategory, InsurerNumber,
    LimitCategory, Period, Qualification, Sex, SpecificDisease,
};
use time::Date;

use crate::StoreError;

/// A validated row of an import file, ready for staging.
#[derive(Debug, Clone)]
pub struct StagedRow {
    pub line: u64,
    pub qualification: Qualification,
    pub my_number_hash: Option<Vec<u8>>,
    pub row_hash: Vec<u8>,
}

impl StagedRow {
    pub fn new(line: u64, qualification: Qualification, my_number_hash: Option<Vec<u8>>) -> Self {
        let row_hash = row_hash(&qualification, my_number_hash.as_deref());
        Self {
            line,
            qualification,
            my_number_hash,
            row_hash,
        }
    }
}

/// SHA-256 of a record's stored text (its `data` with its key fields), for unchanged detection.
pub fn hash_text(text: &str) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, text.as_bytes())
        .as_ref()
        .to_vec()
}

/// SHA-256 over a canonical encoding of every stored field, so "unchanged" is one comparison.
pub fn row_hash(q: &Qualification, my_number_hash: Option<&[u8]>) -> Vec<u8> {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    // Formatted on the stack: the same bytes as `to_string()` without eight allocations a row.
    let from = date_text(q.period.from());
    let until = q.period.until().map(date_text);
    let birth = date_text(q.birth_date);
    let mut category = [0u8; 3];
    let mut sex = [0u8; 3];
    let mut ratio = [0u8; 3];
    let mut disease = [0u8; 3];
    let limit = q.limit_category.map(|l| l.code());
    let fields: [&[u8]; 15] = [
        q.card.insurer.as_str().as_bytes(),
        q.card.symbol_str().as_bytes(),
        q.card.number.as_str().as_bytes(),
        q.card.branch.as_str().as_bytes(),
        &from,
        until.as_ref().map_or(&[][..], |u| &u[..]),
        q.person_ref.as_bytes(),
        decimal(q.insured_category.code(), &mut category),
        q.name.as_bytes(),
        q.name_kana.as_bytes(),
        decimal(q.sex.code(), &mut sex),
        &birth,
        decimal(q.copay_ratio.percent(), &mut ratio),
        limit.as_deref().unwrap_or_default().as_bytes(),
        match q.specific_disease {
            Some(s) => decimal(s.code(), &mut disease),
            None => &[],
        },
    ];
    for field in fields {
        ctx.update(&(field.len() as u32).to_le_bytes());
        ctx.update(field);
    }
    match my_number_hash {
        Some(hash) => {
            ctx.update(&[1]);
            ctx.update(hash);
        }
        None => ctx.update(&[0]),
    }
    ctx.finish().as_ref().to_vec()
}

/// `date.to_string()` (`YYYY-MM-DD`) for the years a qualification can have (0–9999).
fn date_text(date: time::Date) -> [u8; 10] {
    let mut out = *b"0000-00-00";
    let year = date.year().clamp(0, 9999) as u32;
    for (i, digit) in [year / 1000, year / 100 % 10, year / 10 % 10, year % 10]
        .into_iter()
        .enumerate()
    {
        out[i] = b'0' + digit as u8;
    }
    let month = u8::from(date.month());
    out[5] = b'0' + month / 10;
    out[6] = b'0' + month % 10;
    out[8] = b'0' + date.day() / 10;
    out[9] = b'0' + date.day() % 10;
    out
}

/// `n.to_string()` into `buf`.
fn decimal(n: u8, buf: &mut [u8; 3]) -> &[u8] {
    let digits = [n / 100, n / 10 % 10, n % 10];
    let skip = if n >= 100 {
        0
    } else if n >= 10 {
        1
    } else {
        2
    };
    for (slot, digit) in buf.iter_mut().zip(digits) {
        *slot = b'0' + digit;
    }
    &buf[skip..]
}

/// The columns of a stored qualification, as both backends return them.
#[derive(sqlx::FromRow)]
pub(crate) struct QualificationRow {
    pub insurer_number: String,
    pub symbol: String,
    pub number: String,
    pub branch: String,
    pub qualified_from: Date,
    pub qualified_until: Option<Date>,
    pub person_ref: String,
    pub insured_category: i32,
    pub name: String,
    pub name_kana: String,
    pub sex: i32,
    pub birth_date: Date,
    pub copay_ratio: i32,
    pub limit_category: Option<String>,
    pub specific_disease: Option<i32>,
}

/// The column list matching [`QualificationRow`], for SELECTs.
pub(crate) const QUALIFICATION_COLUMNS: &str = "insurer_number, symbol, number, branch, qualified_from, qualified_until, \
     person_ref, insured_category, name, name_kana, sex, birth_date, copay_ratio, limit_category, specific_disease";

fn corrupt(what: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {error}"))
}

fn small(value: i32, what: &str) -> Result<u8, StoreError> {
    u8::try_from(value).map_err(|e| corrupt(what, e))
}

impl TryFrom<QualificationRow> for Qualification {
    type Error = StoreError;

    fn try_from(row: QualificationRow) -> Result<Self, StoreError> {
        let card = CardNumbers {
            insurer: InsurerNumber::parse(&row.insurer_number)
                .map_err(|e| corrupt("insurer_number", e))?,
            symbol: CardSymbol::parse_optional(&row.symbol).map_err(|e| corrupt("symbol", e))?,
            number: CardNumber::parse(&row.number).map_err(|e| corrupt("number", e))?,
            branch: Branch::parse(&row.branch).map_err(|e| corrupt("branch", e))?,
        };
        Ok(Qualification {
            card,
            person_ref: row.person_ref,
            insured_category: InsuredCategory::from_code(small(
                row.insured_category,
                "insured_category",
            )?)
            .ok_or_else(|| corrupt("insured_category", row.insured_category))?,
            name: row.name,
            name_kana: row.name_kana,
            sex: Sex::from_code(small(row.sex, "sex")?).ok_or_else(|| corrupt("sex", row.sex))?,
            birth_date: row.birth_date,
            period: Period::new(row.qualified_from, row.qualified_until)
                .map_err(|e| corrupt("period", e))?,
            copay_ratio: CopayRatio::from_percent(small(row.copay_ratio, "copay_ratio")?)
                .ok_or_else(|| corrupt("copay_ratio", row.copay_ratio))?,
            limit_category: row
                .limit_category
                .map(|code| LimitCategory::parse(&code).map_err(|e| corrupt("limit_category", e)))
                .transpose()?,
            specific_disease: row
                .specific_disease
                .map(|code| {
                    small(code, "specific_disease").and_then(|c| {
                        SpecificDisease::from_code(c)
                            .ok_or_else(|| corrupt("specific_disease", code))
                    })
                })
                .transpose()?,
        })
    }
}

pub(crate) fn into_qualifications(
    rows: Vec<QualificationRow>,
) -> Result<Vec<Qualification>, StoreError> {
    rows.into_iter().map(Qualification::try_from).collect()
}

pub(crate) type HistoryTuple = (QualificationRow, time::OffsetDateTime, String, String);

/// Decodes a history row: the qualification columns plus replaced_at, file name, operator.
pub(crate) fn history_row<R: sqlx::Row>(row: R) -> Result<HistoryTuple, sqlx::Error>
where
    QualificationRow: for<'r> sqlx::FromRow<'r, R>,
    for<'r> &'r str: sqlx::ColumnIndex<R>,
    time::OffsetDateTime: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let q = <QualificationRow as sqlx::FromRow<R>>::from_row(&row)?;
    Ok((
        q,
        row.try_get("replaced_at")?,
        row.try_get("file_name")?,
        row.try_get("operator")?,
    ))
}

pub(crate) fn into_history(
    rows: Vec<HistoryTuple>,
) -> Result<Vec<crate::HistoryEntry>, StoreError> {
    rows.into_iter()
        .map(|(row, replaced_at, file, operator)| {
            Ok(crate::HistoryEntry {
                qualification: Qualification::try_from(row)?,
                replaced_at,
                replaced_by_file: file,
                replaced_by_operator: operator,
            })
        })
        .collect()
}

/// Maps a unique-constraint violation to `Conflict`.
pub(crate) fn conflict_on_unique(error: sqlx::Error, what: &str) -> StoreError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Conflict(format!("{what} already exists"))
        }
        _ => error.into(),
    }
}

pub(crate) fn revoke_outcome(
    affected: u64,
    cert: Option<crate::TerminalCert>,
    serial: &str,
) -> Result<crate::RevokeOutcome, StoreError> {
    match (affected, cert) {
        (1.., _) => Ok(crate::RevokeOutcome::Revoked),
        (0, Some(_)) => Ok(crate::RevokeOutcome::AlreadyRevoked),
        (0, None) => Err(StoreError::NotFound(format!(
            "no certificate with serial {serial}"
        ))),
    }
}

pub(crate) fn counts(staged: u64, inserted: u64, updated: u64) -> crate::ImportCounts {
    crate::ImportCounts {
        inserted,
        updated,
        unchanged: staged.saturating_sub(inserted + updated),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The row hash of stored rows must not change when its formatting does: a re-import
    /// would report every row as updated.
    #[test]
    fn stack_formatting_is_to_string() {
        for n in 0..=u8::MAX {
            assert_eq!(decimal(n, &mut [0; 3]), n.to_string().as_bytes());
        }
        let last = time::macros::date!(9999 - 12 - 31);
        let mut date = time::macros::date!(0000 - 01 - 01);
        while date < last {
            assert_eq!(&date_text(date)[..], date.to_string().as_bytes(), "{date}");
            date = date.saturating_add(time::Duration::days(13));
        }
        assert_eq!(&date_text(last)[..], b"9999-12-31");
    }
}
