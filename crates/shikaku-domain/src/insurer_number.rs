//! 保険者番号 (insurer number), `codes.md` §2.
//!
//! 8 digits = 法別番号 (2) + 都道府県番号 (2) + 保険者別番号 (3) + 検証番号 (1);
//! 6 digits for 国民健康保険 = 都道府県番号 (2) + 保険者別番号 (3) + 検証番号 (1).
//! "00" + 6 digits is accepted on input and stored in the 6-digit form.

use std::fmt;

use crate::check_digit::luhn_check_digit;
use crate::text::{digit_values, digits_input, first_non_digit};

/// A valid 保険者番号. Holds 6 or 8 ASCII digits with a valid check digit.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InsurerNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InsurerNumberError {
    #[error("保険者番号が空です (insurer number is empty)")]
    Empty,
    #[error(
        "保険者番号は6桁または8桁です: {len}桁 (insurer number must have 6 or 8 digits, got {len})"
    )]
    Length { len: usize },
    #[error(
        "保険者番号の{position}文字目「{found}」は数字ではありません (character {position} is not a digit)"
    )]
    NonDigit { position: usize, found: char },
    #[error("都道府県番号「{code}」は01〜47ではありません (prefecture code {code} is not 01–47)")]
    Prefecture { code: String },
    #[error(
        "法別番号「{code}」は医療保険の法別番号ではありません (law code {code} is not a medical-insurance system)"
    )]
    LawCode { code: String },
    #[error(
        "検証番号が一致しません: {found}（正しくは{expected}） (check digit {found} is wrong, expected {expected})"
    )]
    CheckDigit { expected: u8, found: u8 },
}

/// 法別番号 of medical insurance (`codes.md` §2) and the system's name.
const LAW_CODES: &[(&str, &str)] = &[
    ("01", "全国健康保険協会管掌健康保険"),
    ("02", "船員保険"),
    ("03", "日雇特例被保険者の保険（一般療養）"),
    ("04", "日雇特例被保険者の保険（特別療養費）"),
    ("06", "組合管掌健康保険"),
    ("07", "自衛官等の療養の給付"),
    ("31", "国家公務員共済組合"),
    ("32", "地方公務員等共済組合"),
    ("33", "警察共済組合"),
    ("34", "公立学校共済組合・日本私立学校振興・共済事業団"),
    ("39", "後期高齢者医療"),
    ("63", "特定健康保険組合（特例退職被保険者）"),
    ("67", "国民健康保険（退職者医療）"),
    ("72", "国家公務員共済組合（特例退職組合員）"),
    ("73", "地方公務員等共済組合（特例退職組合員）"),
    ("74", "警察共済組合（特例退職組合員）"),
    (
        "75",
        "公立学校共済組合・日本私立学校振興・共済事業団（特例退職加入者）",
    ),
];

/// 都道府県 names in JIS X 0401 order (index 0 = 01 北海道).
pub const PREFECTURES: [&str; 47] = [
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
];

/// The 法別番号 codes valid for insurer numbers, for generators and documentation.
pub fn law_codes() -> impl Iterator<Item = (&'static str, &'static str)> {
    LAW_CODES.iter().copied()
}

/// Name of the prefecture with JIS code `code` ("01"–"47").
pub fn prefecture_name(code: &str) -> Option<&'static str> {
    let n: usize = code.parse().ok()?;
    (1..=47).contains(&n).then(|| PREFECTURES[n - 1])
}

impl InsurerNumber {
    /// Parses after normalization: surrounding spaces trimmed, full-width digits folded,
    /// "00" + 6 digits reduced to 6 digits.
    pub fn parse(input: &str) -> Result<Self, InsurerNumberError> {
        let s = digits_input(input);
        if s.is_empty() {
            return Err(InsurerNumberError::Empty);
        }
        if let Some((position, found)) = first_non_digit(&s) {
            return Err(InsurerNumberError::NonDigit { position, found });
        }
        let s = match s.len() {
            8 if s.starts_with("00") => s[2..].to_string(),
            6 | 8 => s,
            len => return Err(InsurerNumberError::Length { len }),
        };
        let (law, prefecture) = if s.len() == 8 {
            (Some(&s[0..2]), &s[2..4])
        } else {
            (None, &s[0..2])
        };
        if let Some(law) = law
            && !LAW_CODES.iter().any(|(code, _)| *code == law)
        {
            return Err(InsurerNumberError::LawCode {
                code: law.to_string(),
            });
        }
        if prefecture_name(prefecture).is_none() {
            return Err(InsurerNumberError::Prefecture {
                code: prefecture.to_string(),
            });
        }
        let digits = digit_values(&s);
        let (body, found) = digits.split_at(digits.len() - 1);
        let expected = luhn_check_digit(body);
        if found[0] != expected {
            return Err(InsurerNumberError::CheckDigit {
                expected,
                found: found[0],
            });
        }
        Ok(Self(s))
    }

    /// Builds a valid number from its parts by computing the check digit.
    /// `law` is None for 国民健康保険 (6 digits). Returns an error for invalid parts.
    pub fn from_parts(
        law: Option<&str>,
        prefecture: u8,
        local: u16,
    ) -> Result<Self, InsurerNumberError> {
        let body = format!("{}{prefecture:02}{local:03}", law.unwrap_or(""));
        let check = luhn_check_digit(&digit_values(&body));
        Self::parse(&format!("{body}{check}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for the 6-digit 国民健康保険 form.
    pub fn is_national_health_insurance(&self) -> bool {
        self.0.len() == 6
    }

    /// 法別番号, None for 国民健康保険.
    pub fn law_code(&self) -> Option<&str> {
        (self.0.len() == 8).then(|| &self.0[0..2])
    }

    /// 都道府県番号 ("01"–"47").
    pub fn prefecture_code(&self) -> &str {
        if self.0.len() == 8 {
            &self.0[2..4]
        } else {
            &self.0[0..2]
        }
    }

    /// A description of the insurer derived from the number alone, e.g.
    /// 「全国健康保険協会管掌健康保険（東京都）」, used when no registered name is known.
    pub fn description(&self) -> String {
        let system = match self.law_code() {
            None => "国民健康保険",
            Some(law) => LAW_CODES
                .iter()
                .find(|(code, _)| *code == law)
                .map(|(_, name)| *name)
                .unwrap_or("医療保険"),
        };
        let prefecture = prefecture_name(self.prefecture_code()).unwrap_or("");
        [system, "（", prefecture, "）"].concat()
    }
}

impl fmt::Display for InsurerNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for InsurerNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InsurerNumber({})", self.0)
    }
}

impl std::str::FromStr for InsurerNumber {
    type Err = InsurerNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: Result<&str, InsurerNumberError>) {
        let got = InsurerNumber::parse(input);
        assert_eq!(
            got.as_ref().map(InsurerNumber::as_str),
            expect.as_ref().map(|s| *s),
            "input {input:?}"
        );
    }

    #[test]
    fn worked_examples_of_codes_md() {
        check("01130012", Ok("01130012"));
        check("39131156", Ok("39131156"));
        check("138057", Ok("138057"));
        check("39131040", Ok("39131040"));
        check(
            "01130013",
            Err(InsurerNumberError::CheckDigit {
                expected: 2,
                found: 3,
            }),
        );
        check(
            "138157",
            Err(InsurerNumberError::CheckDigit {
                expected: 6,
                found: 7,
            }),
        );
        check("138156", Ok("138156"));
    }

    #[test]
    fn public_test_numbers_are_valid() {
        for n in ["39131131", "06138093", "63132286", "31130685"] {
            check(n, Ok(n));
        }
    }

    #[test]
    fn normalization_and_padding() {
        check("００138057", Ok("138057"));
        check(" 01130012\u{3000}", Ok("01130012"));
        check("０１１３００１２", Ok("01130012"));
    }

    #[test]
    fn structural_errors() {
        check("", Err(InsurerNumberError::Empty));
        check("1234567", Err(InsurerNumberError::Length { len: 7 }));
        check(
            "0113-012",
            Err(InsurerNumberError::NonDigit {
                position: 5,
                found: '-',
            }),
        );
        check(
            "68130012",
            Err(InsurerNumberError::LawCode { code: "68".into() }),
        );
        check(
            "12130012",
            Err(InsurerNumberError::LawCode { code: "12".into() }),
        );
        check(
            "01480012",
            Err(InsurerNumberError::Prefecture { code: "48".into() }),
        );
        check(
            "008057",
            Err(InsurerNumberError::Prefecture { code: "00".into() }),
        );
    }

    #[test]
    fn position_decides_39() {
        // 39 39 xxx c: 高知県の後期高齢者医療広域連合.
        let n = InsurerNumber::from_parts(Some("39"), 39, 1).expect("valid parts");
        assert_eq!(n.law_code(), Some("39"));
        assert_eq!(n.prefecture_code(), "39");
        assert_eq!(n.description(), "後期高齢者医療（高知県）");
    }

    #[test]
    fn description_of_national_health_insurance() {
        let n = InsurerNumber::parse("138057").expect("valid");
        assert!(n.is_national_health_insurance());
        assert_eq!(n.description(), "国民健康保険（東京都）");
    }
}
