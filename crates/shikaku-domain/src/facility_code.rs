//! 医療機関コード (facility code), `codes.md` §3.
//!
//! 7 digits = 郡市区番号 (2) + 医療機関等番号 (4) + 検証番号 (1);
//! the 10-digit form used in オンライン資格確認 = 都道府県番号 (2) + 点数表番号 (1) + the 7 digits.
//! The check digit covers the 6-digit body of the 7-digit code only.

use std::fmt;

use crate::check_digit::luhn_check_digit;
use crate::insurer_number::prefecture_name;
use crate::text::{digit_values, digits_input, first_non_digit};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FacilityCodeError {
    #[error("医療機関コードが空です (facility code is empty)")]
    Empty,
    #[error(
        "医療機関コードは{expected}桁です: {len}桁 (facility code must have {expected} digits, got {len})"
    )]
    Length { expected: usize, len: usize },
    #[error(
        "医療機関コードの{position}文字目「{found}」は数字ではありません (character {position} is not a digit)"
    )]
    NonDigit { position: usize, found: char },
    #[error("都道府県番号「{code}」は01〜47ではありません (prefecture code {code} is not 01–47)")]
    Prefecture { code: String },
    #[error(
        "点数表番号「{code}」は1・3・4・6のいずれかです (score-table code {code} must be 1, 3, 4 or 6)"
    )]
    ScoreTable { code: char },
    #[error(
        "検証番号が一致しません: {found}（正しくは{expected}） (check digit {found} is wrong, expected {expected})"
    )]
    CheckDigit { expected: u8, found: u8 },
}

impl FacilityCodeError {
    /// The message in Japanese only (for a Japanese page).
    pub fn ja(&self) -> String {
        match self {
            Self::Empty => "医療機関等コードを入力してください".into(),
            Self::Length { expected, len } => {
                format!("医療機関等コードは{expected}桁です（入力は{len}桁）")
            }
            Self::NonDigit { position, found } => {
                format!("{position}文字目「{found}」は数字ではありません")
            }
            Self::Prefecture { code } => {
                format!("先頭2桁の都道府県番号「{code}」は01〜47ではありません")
            }
            Self::ScoreTable { code } => {
                format!("3桁目の点数表番号「{code}」は1・3・4・6のいずれかです")
            }
            Self::CheckDigit { .. } => {
                "最後の1桁（検証番号）が一致しません。コードを確認してください".into()
            }
        }
    }

    /// The message in English only.
    pub fn en(&self) -> String {
        match self {
            Self::Empty => "enter the facility code".into(),
            Self::Length { expected, len } => {
                format!("the facility code has {expected} digits ({len} entered)")
            }
            Self::NonDigit { position, .. } => format!("character {position} is not a digit"),
            Self::Prefecture { code } => format!("prefecture code {code} is not 01–47"),
            Self::ScoreTable { code } => format!("score-table code {code} must be 1, 3, 4 or 6"),
            Self::CheckDigit { .. } => {
                "the last digit (check digit) does not match; check the code".into()
            }
        }
    }
}

/// 点数表番号.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScoreTable {
    /// 1 医科
    Medical,
    /// 3 歯科
    Dental,
    /// 4 調剤 (保険薬局)
    Pharmacy,
    /// 6 訪問看護
    VisitingNursing,
}

impl ScoreTable {
    fn from_char(c: char) -> Option<Self> {
        match c {
            '1' => Some(Self::Medical),
            '3' => Some(Self::Dental),
            '4' => Some(Self::Pharmacy),
            '6' => Some(Self::VisitingNursing),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Medical => "医科",
            Self::Dental => "歯科",
            Self::Pharmacy => "調剤",
            Self::VisitingNursing => "訪問看護",
        }
    }
}

/// A valid 7-digit 医療機関コード.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MedicalInstitutionCode(String);

/// A valid 10-digit 医療機関等コード (都道府県番号 + 点数表番号 + 7-digit code).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FacilityCode(String);

fn numeric(input: &str, expected: usize) -> Result<String, FacilityCodeError> {
    let s = digits_input(input);
    if s.is_empty() {
        return Err(FacilityCodeError::Empty);
    }
    if let Some((position, found)) = first_non_digit(&s) {
        return Err(FacilityCodeError::NonDigit { position, found });
    }
    if s.len() != expected {
        return Err(FacilityCodeError::Length {
            expected,
            len: s.len(),
        });
    }
    Ok(s)
}

fn verify_seven(s: &str) -> Result<(), FacilityCodeError> {
    let digits = digit_values(s);
    let expected = luhn_check_digit(&digits[..6]);
    if digits[6] != expected {
        return Err(FacilityCodeError::CheckDigit {
            expected,
            found: digits[6],
        });
    }
    Ok(())
}

impl MedicalInstitutionCode {
    pub fn parse(input: &str) -> Result<Self, FacilityCodeError> {
        let s = numeric(input, 7)?;
        verify_seven(&s)?;
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FacilityCode {
    pub fn parse(input: &str) -> Result<Self, FacilityCodeError> {
        let s = numeric(input, 10)?;
        if prefecture_name(&s[0..2]).is_none() {
            return Err(FacilityCodeError::Prefecture {
                code: s[0..2].to_string(),
            });
        }
        let table = s.as_bytes()[2] as char;
        if ScoreTable::from_char(table).is_none() {
            return Err(FacilityCodeError::ScoreTable { code: table });
        }
        verify_seven(&s[3..])?;
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn prefecture_code(&self) -> &str {
        &self.0[0..2]
    }

    pub fn score_table(&self) -> ScoreTable {
        ScoreTable::from_char(self.0.as_bytes()[2] as char).unwrap_or(ScoreTable::Medical)
    }

    pub fn institution_code(&self) -> MedicalInstitutionCode {
        MedicalInstitutionCode(self.0[3..].to_string())
    }
}

impl TryFrom<String> for FacilityCode {
    type Error = FacilityCodeError;
    /// A stored or typed code, checked as [`FacilityCode::parse`] checks it.
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl AsRef<str> for FacilityCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for FacilityCode {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl fmt::Display for FacilityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl fmt::Debug for FacilityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FacilityCode({})", self.0)
    }
}
impl fmt::Display for MedicalInstitutionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl fmt::Debug for MedicalInstitutionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MedicalInstitutionCode({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_examples_of_codes_md() {
        let a = FacilityCode::parse("1311234566").expect("valid");
        assert_eq!(a.score_table(), ScoreTable::Medical);
        assert_eq!(a.prefecture_code(), "13");
        assert_eq!(a.institution_code().as_str(), "1234566");
        let b = FacilityCode::parse("1345012349").expect("valid");
        assert_eq!(b.score_table(), ScoreTable::Pharmacy);
        assert!(MedicalInstitutionCode::parse("1234566").is_ok());
        assert!(MedicalInstitutionCode::parse("5012349").is_ok());
    }

    #[test]
    fn errors() {
        assert_eq!(
            FacilityCode::parse("1311234567"),
            Err(FacilityCodeError::CheckDigit {
                expected: 6,
                found: 7
            })
        );
        assert_eq!(
            FacilityCode::parse("1321234566"),
            Err(FacilityCodeError::ScoreTable { code: '2' })
        );
        assert_eq!(
            FacilityCode::parse("4811234566"),
            Err(FacilityCodeError::Prefecture { code: "48".into() })
        );
        assert_eq!(
            FacilityCode::parse("131123456"),
            Err(FacilityCodeError::Length {
                expected: 10,
                len: 9
            })
        );
        assert_eq!(
            FacilityCode::parse("13112345a6"),
            Err(FacilityCodeError::NonDigit {
                position: 9,
                found: 'a'
            })
        );
        assert_eq!(FacilityCode::parse(" "), Err(FacilityCodeError::Empty));
    }

    #[test]
    fn same_seven_digits_under_two_tables() {
        assert!(FacilityCode::parse("1311234566").is_ok());
        assert!(FacilityCode::parse("1331234566").is_ok());
    }
}
