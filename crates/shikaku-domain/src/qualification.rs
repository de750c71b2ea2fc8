//! 資格情報: one qualification period of one insured person under one insurer.

use std::fmt;

use time::Date;
use unicode_normalization::UnicodeNormalization;

use crate::card::CardNumbers;

/// 本人・家族の別 / insured_category: 1 被保険者本人, 2 被扶養者.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InsuredCategory {
    Insured,
    Dependent,
}

impl InsuredCategory {
    pub fn parse(input: &str) -> Result<Self, String> {
        match input.trim() {
            "1" => Ok(Self::Insured),
            "2" => Ok(Self::Dependent),
            other => Err(format!(
                "1（本人）または2（家族）です: 「{other}」 (must be 1 insured or 2 dependent)"
            )),
        }
    }
    pub fn code(self) -> u8 {
        match self {
            Self::Insured => 1,
            Self::Dependent => 2,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Insured => "本人",
            Self::Dependent => "家族",
        }
    }
    pub fn from_code(code: u8) -> Option<Self> {
        [Self::Insured, Self::Dependent]
            .into_iter()
            .find(|c| c.code() == code)
    }
}

/// 性別 in insurer loads: 1 男, 2 女.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn parse(input: &str) -> Result<Self, String> {
        match input.trim() {
            "1" => Ok(Self::Male),
            "2" => Ok(Self::Female),
            other => Err(format!(
                "1（男）または2（女）です: 「{other}」 (must be 1 male or 2 female)"
            )),
        }
    }
    pub fn code(self) -> u8 {
        match self {
            Self::Male => 1,
            Self::Female => 2,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Male => "男",
            Self::Female => "女",
        }
    }
    pub fn from_code(code: u8) -> Option<Self> {
        [Self::Male, Self::Female]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// 一部負担金割合 in percent: 10, 20 or 30.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CopayRatio(u8);

impl CopayRatio {
    pub fn parse(input: &str) -> Result<Self, String> {
        match input.trim() {
            "10" => Ok(Self(10)),
            "20" => Ok(Self(20)),
            "30" => Ok(Self(30)),
            other => Err(format!(
                "10・20・30のいずれかです: 「{other}」 (must be 10, 20 or 30 percent)"
            )),
        }
    }
    pub fn percent(self) -> u8 {
        self.0
    }
    pub fn from_percent(p: u8) -> Option<Self> {
        matches!(p, 10 | 20 | 30).then_some(Self(p))
    }
}

/// 限度額適用認定証 適用区分 (`codes.md` §7): A01–A06, B01–B10.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LimitCategory {
    group: u8,
    number: u8,
}

const LIMIT_LABELS_A: [&str; 6] = ["ア", "イ", "ウ", "エ", "オ", "オ（境）"];
const LIMIT_LABELS_B: [&str; 10] = [
    "現役並みⅢ",
    "現役並みⅡ",
    "現役並みⅠ",
    "一般",
    "低所得Ⅱ",
    "低所得Ⅰ",
    "低所得Ⅰ（老福）",
    "低所得Ⅰ（境）",
    "一般Ⅱ",
    "一般Ⅰ",
];

impl LimitCategory {
    pub fn parse(input: &str) -> Result<Self, String> {
        let s = input.trim().to_ascii_uppercase();
        let error = || {
            format!(
                "A01〜A06 または B01〜B10 です: 「{s}」 (limit category must be A01–A06 or B01–B10)"
            )
        };
        if s.len() != 3 || !s.is_ascii() {
            return Err(error());
        }
        let number: u8 = s[1..].parse().map_err(|_| error())?;
        match (&s[0..1], number) {
            ("A", 1..=6) => Ok(Self {
                group: b'A',
                number,
            }),
            ("B", 1..=10) => Ok(Self {
                group: b'B',
                number,
            }),
            _ => Err(error()),
        }
    }
    pub fn code(self) -> String {
        format!("{}{:02}", self.group as char, self.number)
    }
    pub fn label(self) -> &'static str {
        let i = usize::from(self.number) - 1;
        if self.group == b'A' {
            LIMIT_LABELS_A[i]
        } else {
            LIMIT_LABELS_B[i]
        }
    }
}

/// 特定疾病 認定疾病区分 (`codes.md` §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpecificDisease {
    /// 1 人工透析を必要とする慢性腎不全
    ChronicRenalFailure,
    /// 2 先天性血液凝固因子障害
    Hemophilia,
    /// 3 血液凝固因子製剤の投与に起因するHIV感染症
    Hiv,
}

impl SpecificDisease {
    pub fn parse(input: &str) -> Result<Self, String> {
        match input.trim() {
            "1" => Ok(Self::ChronicRenalFailure),
            "2" => Ok(Self::Hemophilia),
            "3" => Ok(Self::Hiv),
            other => Err(format!(
                "1・2・3のいずれかです: 「{other}」 (specific disease must be 1, 2 or 3)"
            )),
        }
    }
    pub fn code(self) -> u8 {
        match self {
            Self::ChronicRenalFailure => 1,
            Self::Hemophilia => 2,
            Self::Hiv => 3,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::ChronicRenalFailure => "人工透析を必要とする慢性腎不全",
            Self::Hemophilia => "先天性血液凝固因子障害（第VIII因子・第IX因子）",
            Self::Hiv => "血液凝固因子製剤の投与に起因するHIV感染症",
        }
    }
    pub fn from_code(code: u8) -> Option<Self> {
        [Self::ChronicRenalFailure, Self::Hemophilia, Self::Hiv]
            .into_iter()
            .find(|d| d.code() == code)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error(
        "資格喪失年月日 {until} は資格取得年月日 {from} より後でなければなりません (qualified_until must be after qualified_from)"
    )]
    NotAfter { from: Date, until: Date },
}

/// A qualification period: covered from `from` (inclusive) until `until` (exclusive, the
/// 資格喪失年月日, the first day not covered); `until = None` means still covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    from: Date,
    until: Option<Date>,
}

impl Period {
    pub fn new(from: Date, until: Option<Date>) -> Result<Self, PeriodError> {
        match until {
            Some(until) if until <= from => Err(PeriodError::NotAfter { from, until }),
            _ => Ok(Self { from, until }),
        }
    }
    pub fn from(&self) -> Date {
        self.from
    }
    pub fn until(&self) -> Option<Date> {
        self.until
    }
    pub fn covers(&self, date: Date) -> bool {
        self.from <= date && self.until.is_none_or(|until| date < until)
    }
    pub fn overlaps(&self, other: &Period) -> bool {
        self.from < other.until.unwrap_or(Date::MAX) && other.from < self.until.unwrap_or(Date::MAX)
    }
}

/// Validates a free-text field: trimmed, non-empty, at most `max` characters, no control chars.
pub fn parse_text(field: &str, input: &str, max: usize) -> Result<String, String> {
    let s = input.trim_matches(|c: char| c == ' ' || c == '\u{3000}');
    if s.is_empty() {
        return Err(format!("{field}が空です ({field} is empty)"));
    }
    if s.chars().any(char::is_control) {
        return Err(format!(
            "{field}に制御文字があります ({field} contains a control character)"
        ));
    }
    let len = s.chars().count();
    if len > max {
        return Err(format!(
            "{field}が長すぎます: {len}文字（上限{max}文字） ({field} is {len} characters, over {max})"
        ));
    }
    Ok(s.to_string())
}

/// The characters of a stored 氏名カナ.
fn kana_allowed(c: char) -> bool {
    ('\u{30A1}'..='\u{30FA}').contains(&c) || c == 'ー' || c == '・' || c == ' '
}

/// 氏名カナ: full-width katakana (half-width is widened), long sound mark, middle dot and spaces.
pub fn parse_name_kana(input: &str) -> Result<String, String> {
    // Already NFKC (full-width katakana, as nearly every file has it): no copy. Only allowed
    // characters is the common case and needs no table lookups (each is its own NFKC, and
    // none combines with its neighbour: see the test). NFKC also turns the ideographic space
    // into a space, so such input has none left to replace.
    let s = if input.chars().all(kana_allowed)
        || unicode_normalization::is_nfkc_quick(input.chars())
            == unicode_normalization::IsNormalized::Yes
    {
        parse_text("氏名カナ", input, 100)?
    } else {
        let widened: String = input.nfkc().collect::<String>().replace('\u{3000}', " ");
        parse_text("氏名カナ", &widened, 100)?
    };
    if let Some(c) = s.chars().find(|&c| !kana_allowed(c)) {
        return Err(format!(
            "氏名カナは全角カタカナです: 「{c}」は使えません (name_kana must be katakana; {c:?} is not)"
        ));
    }
    Ok(s)
}

/// 個人単位の被保険者番号で識別される資格 one period long.
#[derive(Clone, PartialEq, Eq)]
pub struct Qualification {
    pub card: CardNumbers,
    /// The insurer's stable id of the person.
    pub person_ref: String,
    pub insured_category: InsuredCategory,
    pub name: String,
    pub name_kana: String,
    pub sex: Sex,
    pub birth_date: Date,
    pub period: Period,
    pub copay_ratio: CopayRatio,
    pub limit_category: Option<LimitCategory>,
    pub specific_disease: Option<SpecificDisease>,
}

impl fmt::Debug for Qualification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Personal data stays out of Debug output (and so out of logs).
        f.debug_struct("Qualification")
            .field("card", &self.card)
            .field("period", &self.period)
            .finish_non_exhaustive()
    }
}

/// A qualification of 山田 太郎 (born 1980-05-17, 本人, 3割) under `card` for tests.
#[cfg(test)]
pub(crate) fn sample(card: CardNumbers, from: Date, until: Option<Date>) -> Qualification {
    Qualification {
        card,
        person_ref: "P1".into(),
        insured_category: InsuredCategory::Insured,
        name: "山田 太郎".into(),
        name_kana: "ヤマダ タロウ".into(),
        sex: Sex::Male,
        birth_date: time::macros::date!(1980 - 05 - 17),
        period: Period::new(from, until).expect("valid period"),
        copay_ratio: CopayRatio::from_percent(30).expect("valid ratio"),
        limit_category: None,
        specific_disease: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn every_allowed_kana_character_is_its_own_nfkc_and_combines_with_nothing() {
        use unicode_normalization::UnicodeNormalization;
        use unicode_normalization::char::canonical_combining_class;
        let allowed: Vec<char> = ('\u{3000}'..='\u{30FF}')
            .chain([' '])
            .filter(|&c| kana_allowed(c))
            .collect();
        assert_eq!(allowed.len(), 0x30FA - 0x30A1 + 1 + 3);
        for &c in &allowed {
            assert_eq!(
                c.to_string().nfkc().collect::<String>(),
                c.to_string(),
                "{c}"
            );
            assert_eq!(canonical_combining_class(c), 0, "{c}");
            for &d in &allowed {
                let pair: String = [c, d].into_iter().collect();
                assert_eq!(pair.nfkc().collect::<String>(), pair, "{c}{d}");
            }
        }
        assert_eq!(parse_name_kana(" ヴァン ガ "), Ok("ヴァン ガ".to_string()));
        assert_eq!(parse_name_kana("ｶﾞｲ"), Ok("ガイ".to_string()));
    }

    #[test]
    fn period_rules() {
        assert!(Period::new(date!(2024 - 04 - 01), Some(date!(2024 - 04 - 01))).is_err());
        let p = Period::new(date!(2024 - 04 - 01), Some(date!(2025 - 04 - 01))).expect("valid");
        assert!(p.covers(date!(2024 - 04 - 01)));
        assert!(p.covers(date!(2025 - 03 - 31)));
        assert!(!p.covers(date!(2025 - 04 - 01)));
        assert!(!p.covers(date!(2024 - 03 - 31)));
        let open = Period::new(date!(2025 - 04 - 01), None).expect("valid");
        assert!(!p.overlaps(&open));
        let open_earlier = Period::new(date!(2025 - 03 - 31), None).expect("valid");
        assert!(p.overlaps(&open_earlier));
        assert!(open.overlaps(&open_earlier));
    }

    #[test]
    fn codes() {
        assert_eq!(CopayRatio::parse("20").map(CopayRatio::percent), Ok(20));
        assert!(CopayRatio::parse("25").is_err());
        assert_eq!(
            LimitCategory::parse("a03").map(|l| (l.code(), l.label())),
            Ok(("A03".into(), "ウ"))
        );
        assert_eq!(LimitCategory::parse("B10").map(|l| l.label()), Ok("一般Ⅰ"));
        assert!(LimitCategory::parse("A07").is_err());
        assert!(LimitCategory::parse("B11").is_err());
        assert!(LimitCategory::parse("あ01").is_err());
        assert!(SpecificDisease::parse("4").is_err());
        assert!(Sex::parse("3").is_err());
        assert_eq!(
            InsuredCategory::from_code(2),
            Some(InsuredCategory::Dependent)
        );
        assert_eq!(Sex::from_code(3), None);
        assert_eq!(CopayRatio::from_percent(25), None);
        assert_eq!(SpecificDisease::from_code(3), Some(SpecificDisease::Hiv));
    }

    #[test]
    fn kana() {
        assert_eq!(parse_name_kana("ﾔﾏﾀﾞ ﾀﾛｳ"), Ok("ヤマダ タロウ".into()));
        assert_eq!(
            parse_name_kana("ヤマダ\u{3000}ハナコ"),
            Ok("ヤマダ ハナコ".into())
        );
        assert!(parse_name_kana("やまだ").is_err());
        assert!(parse_name_kana("山田").is_err());
    }
}
