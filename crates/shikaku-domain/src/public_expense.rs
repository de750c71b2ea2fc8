//! 公費負担者番号 and 公費受給者番号, `codes.md` §4.

use std::fmt;

use crate::check_digit::luhn_check_digit;
use crate::insurer_number::prefecture_name;
use crate::text::{digit_values, digits_input, first_non_digit};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublicExpenseError {
    #[error("{what}が空です ({what} is empty)")]
    Empty { what: &'static str },
    #[error("{what}は{expected}桁です: {len}桁 ({what} must have {expected} digits, got {len})")]
    Length {
        what: &'static str,
        expected: usize,
        len: usize,
    },
    #[error(
        "{what}の{position}文字目「{found}」は数字ではありません (character {position} is not a digit)"
    )]
    NonDigit {
        what: &'static str,
        position: usize,
        found: char,
    },
    #[error(
        "法別番号「{code}」は公費の法別番号ではありません (law code {code} is not a public-expense program)"
    )]
    LawCode { code: String },
    #[error("都道府県番号「{code}」は01〜47ではありません (prefecture code {code} is not 01–47)")]
    Prefecture { code: String },
    #[error(
        "{what}の検証番号が一致しません: {found}（正しくは{expected}） (check digit {found} is wrong, expected {expected})"
    )]
    CheckDigit {
        what: &'static str,
        expected: u8,
        found: u8,
    },
}

/// National 公費 法別番号 (`codes.md` §4).
const NATIONAL_LAW_CODES: &[u8] = &[
    10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 28, 29, 30, 38, 51, 52, 53, 54,
    66, 79,
];

const PAYER: &str = "公費負担者番号";
const RECIPIENT: &str = "公費受給者番号";

fn numeric(input: &str, what: &'static str, expected: usize) -> Result<String, PublicExpenseError> {
    let s = digits_input(input);
    if s.is_empty() {
        return Err(PublicExpenseError::Empty { what });
    }
    if let Some((position, found)) = first_non_digit(&s) {
        return Err(PublicExpenseError::NonDigit {
            what,
            position,
            found,
        });
    }
    if s.len() != expected {
        return Err(PublicExpenseError::Length {
            what,
            expected,
            len: s.len(),
        });
    }
    Ok(s)
}

fn verify(s: &str, what: &'static str) -> Result<(), PublicExpenseError> {
    let digits = digit_values(s);
    let (body, found) = digits.split_at(digits.len() - 1);
    let expected = luhn_check_digit(body);
    if found[0] != expected {
        return Err(PublicExpenseError::CheckDigit {
            what,
            expected,
            found: found[0],
        });
    }
    Ok(())
}

/// A valid 公費負担者番号 (8 digits).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PublicExpenseNumber(String);

impl PublicExpenseNumber {
    pub fn parse(input: &str) -> Result<Self, PublicExpenseError> {
        let s = numeric(input, PAYER, 8)?;
        let law: u8 = s[0..2].parse().unwrap_or(0);
        if !(NATIONAL_LAW_CODES.contains(&law) || (80..=99).contains(&law)) {
            return Err(PublicExpenseError::LawCode {
                code: s[0..2].to_string(),
            });
        }
        if prefecture_name(&s[2..4]).is_none() {
            return Err(PublicExpenseError::Prefecture {
                code: s[2..4].to_string(),
            });
        }
        verify(&s, PAYER)?;
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// 法別番号 as a number (10–99).
    pub fn law_code(&self) -> u8 {
        self.0[0..2].parse().unwrap_or(0)
    }

    /// 地方単独 programs (法別 80–99), whose 受給者番号 numbering is not uniform.
    pub fn is_local_program(&self) -> bool {
        self.law_code() >= 80
    }
}

/// A valid 公費受給者番号 (7 digits). Its check digit is verified for national programs only.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RecipientNumber(String);

impl RecipientNumber {
    /// Parses in the context of its payer: national programs verify the check digit.
    pub fn parse(input: &str, payer: &PublicExpenseNumber) -> Result<Self, PublicExpenseError> {
        let s = numeric(input, RECIPIENT, 7)?;
        if !payer.is_local_program() {
            verify(&s, RECIPIENT)?;
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PublicExpenseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicExpenseNumber({})", self.0)
    }
}
/// Recipient numbers identify a person: Debug never shows them.
impl fmt::Debug for RecipientNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecipientNumber(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_example_local_program() {
        let payer = PublicExpenseNumber::parse("80137151").expect("valid");
        assert!(payer.is_local_program());
        // Local programs accept any 7 digits.
        assert!(RecipientNumber::parse("1234567", &payer).is_ok());
        assert!(PublicExpenseNumber::parse("81137150").is_ok());
    }

    #[test]
    fn national_program_checks_recipient() {
        // 12 生活保護, 13 東京都, 実施機関 101: 1213101c.
        let body = "1213101";
        let c = luhn_check_digit(&digit_values(body));
        let payer2 = PublicExpenseNumber::parse(&format!("{body}{c}")).expect("valid payer");
        assert!(!payer2.is_local_program());
        let rbody = "123456";
        let rc = luhn_check_digit(&digit_values(rbody));
        assert!(RecipientNumber::parse(&format!("{rbody}{rc}"), &payer2).is_ok());
        let wrong = (rc + 1) % 10;
        assert_eq!(
            RecipientNumber::parse(&format!("{rbody}{wrong}"), &payer2),
            Err(PublicExpenseError::CheckDigit {
                what: RECIPIENT,
                expected: rc,
                found: wrong
            })
        );
    }

    #[test]
    fn errors() {
        assert_eq!(
            PublicExpenseNumber::parse("80137152"),
            Err(PublicExpenseError::CheckDigit {
                what: PAYER,
                expected: 1,
                found: 2
            })
        );
        assert_eq!(
            PublicExpenseNumber::parse("01137150"),
            Err(PublicExpenseError::LawCode { code: "01".into() })
        );
        assert_eq!(
            PublicExpenseNumber::parse("8013715"),
            Err(PublicExpenseError::Length {
                what: PAYER,
                expected: 8,
                len: 7
            })
        );
    }
}
