//! オンライン資格確認関係補助金 (`subsidy.md`): facility categories, integer-yen amounts,
//! versioned rule sets (data, parsed from TOML text handed in by the caller) and the exact
//! quote with its explanation.
//!
//! subsidy = round( min(eligible_cost, base_amount) × rate ), multiplied first, then divided,
//! then rounded as the rule set says (千円未満切捨て for the 2020 sets); never floating point.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::date::{format_date, parse_date};

/// The facility categories of the subsidy (and of the portal account).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FacilityCategory {
    /// 病院 (20 beds or more).
    Hospital,
    /// 大型チェーン薬局 (group receives ≥ 40,000 prescriptions a month).
    LargeChainPharmacy,
    /// 診療所 (医科・歯科).
    Clinic,
    /// 薬局 (not a large chain).
    Pharmacy,
}

impl FacilityCategory {
    pub const ALL: [FacilityCategory; 4] = [
        Self::Hospital,
        Self::LargeChainPharmacy,
        Self::Clinic,
        Self::Pharmacy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hospital => "hospital",
            Self::LargeChainPharmacy => "large-chain-pharmacy",
            Self::Clinic => "clinic",
            Self::Pharmacy => "pharmacy",
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Hospital => "病院",
            Self::LargeChainPharmacy => "大型チェーン薬局",
            Self::Clinic => "診療所",
            Self::Pharmacy => "薬局",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Hospital => "hospital",
            Self::LargeChainPharmacy => "large chain pharmacy",
            Self::Clinic => "clinic",
            Self::Pharmacy => "pharmacy",
        }
    }

    /// How many card readers the category may introduce free of charge (`subsidy.md`).
    pub fn max_readers(self) -> u32 {
        match self {
            Self::Hospital => 3,
            _ => 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "施設区分が不明です: 「{0}」 (unknown facility category; expected hospital, large-chain-pharmacy, clinic or pharmacy)"
)]
pub struct CategoryError(pub String);

impl std::str::FromStr for FacilityCategory {
    type Err = CategoryError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == t || c.label_ja() == t)
            .ok_or_else(|| CategoryError(t.chars().take(40).collect()))
    }
}

impl fmt::Display for FacilityCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An amount of money in integer yen (tax included where the rules say so).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Yen(i64);

/// The largest amount accepted from users: 1兆円 (far above any facility's cost).
pub const MAX_YEN: i64 = 1_000_000_000_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum YenError {
    #[error("金額を入力してください (the amount is empty)")]
    Empty,
    #[error(
        "金額は半角数字で入力してください: 「{0}」 (the amount must be digits, e.g. 600000 or 600,000)"
    )]
    NotNumeric(String),
    #[error("金額は1円以上です: {0} (the amount must be at least 1 yen)")]
    NotPositive(String),
    #[error("金額が大きすぎます: {0} (the amount must be at most 1,000,000,000,000 yen)")]
    TooLarge(String),
}

impl YenError {
    /// The message in Japanese only (for a Japanese page).
    pub fn ja(&self) -> String {
        match self {
            Self::Empty => "金額を入力してください".into(),
            Self::NotNumeric(t) => format!("金額は半角数字で入力してください（入力: 「{t}」）"),
            Self::NotPositive(t) => format!("金額は1円以上です（入力: {t}）"),
            Self::TooLarge(t) => format!("金額が大きすぎます（入力: {t}）"),
        }
    }

    /// The message in English only.
    pub fn en(&self) -> String {
        match self {
            Self::Empty => "the amount is empty".into(),
            Self::NotNumeric(_) => "the amount must be digits, e.g. 600000 or 600,000".into(),
            Self::NotPositive(_) => "the amount must be at least 1 yen".into(),
            Self::TooLarge(_) => "the amount must be at most 1,000,000,000,000 yen".into(),
        }
    }
}

impl Yen {
    pub const ZERO: Yen = Yen(0);

    pub fn new(value: i64) -> Self {
        Yen(value)
    }

    pub fn get(self) -> i64 {
        self.0
    }

    /// Parses a positive amount as a user types it: `600000`, `600,000`, `600,000円`,
    /// full-width digits too. Zero, negatives, decimals and other text are refused.
    pub fn parse_positive(input: &str) -> Result<Yen, YenError> {
        let normalized: String = input
            .trim()
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
                '，' => ',',
                '－' | '−' => '-',
                other => other,
            })
            .collect();
        let shown: String = input.trim().chars().take(40).collect();
        let s = normalized.trim_end_matches('円').trim();
        if s.is_empty() {
            return Err(YenError::Empty);
        }
        let (negative, digits) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let grouped_ok = !digits.starts_with(',')
            && !digits.ends_with(',')
            && (!digits.contains(',')
                || digits
                    .split(',')
                    .skip(1)
                    .all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit())));
        let plain: String = digits.chars().filter(|&c| c != ',').collect();
        if plain.is_empty() || !grouped_ok || !plain.bytes().all(|b| b.is_ascii_digit()) {
            return Err(YenError::NotNumeric(shown));
        }
        if negative {
            return Err(YenError::NotPositive(shown));
        }
        let value: i64 = match plain.parse() {
            Ok(v) => v,
            Err(_) => return Err(YenError::TooLarge(shown)),
        };
        if value == 0 {
            return Err(YenError::NotPositive(shown));
        }
        if value > MAX_YEN {
            return Err(YenError::TooLarge(shown));
        }
        Ok(Yen(value))
    }

    /// `1,050,000円`.
    pub fn format_ja(self) -> String {
        format!("{}円", group_digits(self.0))
    }

    pub fn checked_add(self, other: Yen) -> Option<Yen> {
        self.0.checked_add(other.0).map(Yen)
    }
}

impl fmt::Display for Yen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// `1050000` → `1,050,000`.
pub fn group_digits(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if value < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A subsidy rate as an exact fraction (`1/2`, `3/4`, `1/1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    numerator: u32,
    denominator: u32,
}

impl Rate {
    pub fn new(numerator: u32, denominator: u32) -> Option<Rate> {
        (denominator > 0 && numerator > 0 && numerator <= denominator).then_some(Rate {
            numerator,
            denominator,
        })
    }

    pub fn numerator(self) -> u32 {
        self.numerator
    }

    pub fn denominator(self) -> u32 {
        self.denominator
    }

    /// `2分の1`, `4分の3`, `10分の10` style is long; the portal shows `1/2` and `実費` for 1/1.
    pub fn label_ja(self) -> String {
        if self.numerator == self.denominator {
            "実費（10/10）".to_string()
        } else {
            format!("{}分の{}", self.denominator, self.numerator)
        }
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.numerator, self.denominator)
    }
}

impl std::str::FromStr for Rate {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (n, d) = s
            .split_once('/')
            .ok_or_else(|| format!("rate must be N/D, got {s:?}"))?;
        let n: u32 = n
            .trim()
            .parse()
            .map_err(|_| format!("bad numerator in {s:?}"))?;
        let d: u32 = d
            .trim()
            .parse()
            .map_err(|_| format!("bad denominator in {s:?}"))?;
        Rate::new(n, d).ok_or_else(|| format!("rate must be between 0 and 1, got {s:?}"))
    }
}

impl Serialize for Rate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// How the amount after the rate is rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rounding {
    /// 千円未満切捨て.
    #[serde(rename = "floor-1000")]
    Floor1000,
    /// 円未満切捨て.
    #[serde(rename = "floor-1")]
    Floor1,
}

impl Rounding {
    fn apply(self, yen: i128) -> i128 {
        let unit = match self {
            Rounding::Floor1000 => 1000,
            Rounding::Floor1 => 1,
        };
        yen.div_euclid(unit) * unit
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Rounding::Floor1000 => "千円未満切捨て",
            Rounding::Floor1 => "円未満切捨て",
        }
    }
}

/// One row of a rule set: a category and number of readers with its base amount and rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amount {
    pub category: FacilityCategory,
    pub readers: u32,
    pub base_amount: Yen,
    pub rate: Rate,
}

/// A versioned rule set, parsed from a TOML file (`rules/subsidy/*.toml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSet {
    pub name: String,
    pub title_ja: String,
    pub title_en: String,
    pub reason_ja: String,
    pub reason_en: String,
    /// Among the rule sets whose conditions hold, the highest priority applies.
    pub priority: i32,
    pub rounding: Rounding,
    /// Reader application dates (JST, inclusive) for which the set applies.
    pub reader_applied_from: Option<Date>,
    pub reader_applied_until: Option<Date>,
    pub amounts: Vec<Amount>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSetFile {
    name: String,
    title_ja: String,
    title_en: String,
    #[serde(default)]
    reason_ja: String,
    #[serde(default)]
    reason_en: String,
    #[serde(default)]
    priority: i32,
    rounding: Rounding,
    reader_applied_from: Option<String>,
    reader_applied_until: Option<String>,
    amounts: Vec<AmountFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AmountFile {
    category: FacilityCategory,
    readers: u32,
    base_amount: i64,
    rate: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rule set {source_name}: {message}")]
pub struct RuleSetError {
    pub source_name: String,
    pub message: String,
}

impl RuleSet {
    /// Parses and checks one rule-set file; `source_name` (the file name) goes into errors.
    pub fn from_toml(source_name: &str, text: &str) -> Result<RuleSet, RuleSetError> {
        let err = |message: String| RuleSetError {
            source_name: source_name.to_string(),
            message,
        };
        let file: RuleSetFile = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        if file.name.trim().is_empty() {
            return Err(err("name is empty".into()));
        }
        let date = |field: &str, v: Option<String>| -> Result<Option<Date>, RuleSetError> {
            v.map(|s| parse_date(&s).map_err(|e| err(format!("{field}: {e}"))))
                .transpose()
        };
        let reader_applied_from = date("reader_applied_from", file.reader_applied_from)?;
        let reader_applied_until = date("reader_applied_until", file.reader_applied_until)?;
        if let (Some(from), Some(until)) = (reader_applied_from, reader_applied_until)
            && from > until
        {
            return Err(err(
                "reader_applied_from is after reader_applied_until".into()
            ));
        }
        let mut amounts = Vec::with_capacity(file.amounts.len());
        for (i, a) in file.amounts.into_iter().enumerate() {
            let at = format!("amounts[{i}] ({} {})", a.category, a.readers);
            let rate: Rate = a.rate.parse().map_err(|e| err(format!("{at}: {e}")))?;
            if a.base_amount <= 0 || a.base_amount > MAX_YEN {
                return Err(err(format!("{at}: base_amount must be positive")));
            }
            if a.readers == 0 || a.readers > a.category.max_readers() {
                return Err(err(format!(
                    "{at}: readers must be 1..={} for this category",
                    a.category.max_readers()
                )));
            }
            if amounts
                .iter()
                .any(|b: &Amount| b.category == a.category && b.readers == a.readers)
            {
                return Err(err(format!("{at}: listed twice")));
            }
            amounts.push(Amount {
                category: a.category,
                readers: a.readers,
                base_amount: Yen(a.base_amount),
                rate,
            });
        }
        Ok(RuleSet {
            name: file.name,
            title_ja: file.title_ja,
            title_en: file.title_en,
            reason_ja: file.reason_ja,
            reason_en: file.reason_en,
            priority: file.priority,
            rounding: file.rounding,
            reader_applied_from,
            reader_applied_until,
            amounts,
        })
    }

    pub fn applies_to(&self, reader_applied: Date) -> bool {
        self.reader_applied_from.is_none_or(|d| reader_applied >= d)
            && self
                .reader_applied_until
                .is_none_or(|d| reader_applied <= d)
    }

    fn amount(&self, category: FacilityCategory, readers: u32) -> Option<&Amount> {
        self.amounts
            .iter()
            .find(|a| a.category == category && a.readers == readers)
    }
}

/// All rule sets in force; chooses one per reader application date.
#[derive(Debug, Clone)]
pub struct RuleBook {
    sets: Vec<RuleSet>,
}

impl RuleBook {
    /// Names must be unique, and no two sets may share a priority (the choice would be ambiguous).
    pub fn new(mut sets: Vec<RuleSet>) -> Result<RuleBook, RuleSetError> {
        sets.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.name.cmp(&b.name)));
        for pair in sets.windows(2) {
            if pair[0].priority == pair[1].priority {
                return Err(RuleSetError {
                    source_name: pair[1].name.clone(),
                    message: format!("same priority {} as {}", pair[1].priority, pair[0].name),
                });
            }
        }
        for (i, s) in sets.iter().enumerate() {
            if sets[..i].iter().any(|t| t.name == s.name) {
                return Err(RuleSetError {
                    source_name: s.name.clone(),
                    message: "rule set name used twice".into(),
                });
            }
        }
        if sets.is_empty() {
            return Err(RuleSetError {
                source_name: "(none)".into(),
                message: "no rule sets".into(),
            });
        }
        Ok(RuleBook { sets })
    }

    pub fn sets(&self) -> &[RuleSet] {
        &self.sets
    }

    /// The rule set for a reader applied for on `reader_applied` (JST date).
    pub fn select(&self, reader_applied: Date) -> Option<&RuleSet> {
        self.sets.iter().find(|s| s.applies_to(reader_applied))
    }

    pub fn quote(&self, request: &QuoteRequest) -> Result<Quote, QuoteError> {
        let category = request.category;
        if request.readers == 0 {
            return Err(QuoteError::NoReaders);
        }
        if request.readers > category.max_readers() {
            return Err(QuoteError::TooManyReaders {
                category,
                requested: request.readers,
                max: category.max_readers(),
            });
        }
        if request.cost.get() <= 0 {
            return Err(QuoteError::CostNotPositive);
        }
        let set = self
            .select(request.reader_applied)
            .ok_or(QuoteError::NoRuleSet {
                reader_applied: request.reader_applied,
            })?;
        let amount =
            set.amount(category, request.readers)
                .ok_or_else(|| QuoteError::NotCovered {
                    rule_set: set.name.clone(),
                    category,
                    readers: request.readers,
                })?;
        let eligible = request.cost.min(amount.base_amount);
        let scaled = i128::from(eligible.get()) * i128::from(amount.rate.numerator);
        let before = scaled.div_euclid(i128::from(amount.rate.denominator));
        let exact = scaled.rem_euclid(i128::from(amount.rate.denominator)) == 0;
        let subsidy = set.rounding.apply(before);
        let to_yen = |v: i128| Yen(i64::try_from(v).unwrap_or(i64::MAX));
        Ok(Quote {
            rule_set: set.name.clone(),
            rule_set_title_ja: set.title_ja.clone(),
            rule_set_title_en: set.title_en.clone(),
            reason_ja: set.reason_ja.clone(),
            reason_en: set.reason_en.clone(),
            category,
            readers: request.readers,
            reader_applied: request.reader_applied,
            cost: request.cost,
            base_amount: amount.base_amount,
            eligible_cost: eligible,
            rate: amount.rate,
            amount_before_rounding: to_yen(before),
            amount_before_rounding_exact: exact,
            rounding: set.rounding,
            subsidy: to_yen(subsidy),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteRequest {
    pub category: FacilityCategory,
    /// Card readers introduced (hospitals 1–3, others 1).
    pub readers: u32,
    /// The date the card reader was applied for (decides the rule set).
    pub reader_applied: Date,
    /// Total eligible cost, tax included (the card reader itself is free and never included).
    pub cost: Yen,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    #[error("カードリーダーの台数は1台以上です (at least one card reader)")]
    NoReaders,
    #[error(
        "{}のカードリーダーは{max}台までです（{requested}台は申し込めません） ({}: at most {max} reader(s), {requested} requested)",
        category.label_ja(), category.label_en()
    )]
    TooManyReaders {
        category: FacilityCategory,
        requested: u32,
        max: u32,
    },
    #[error("費用は1円以上です (the cost must be at least 1 yen)")]
    CostNotPositive,
    #[error("{}に申し込んだカードリーダーに適用される補助ルールがありません (no rule set applies to a reader applied for on {})", format_date(*reader_applied), format_date(*reader_applied))]
    NoRuleSet { reader_applied: Date },
    #[error("補助ルール {rule_set} に {} {readers}台 の基準額がありません (rule set {rule_set} has no base amount for {category} with {readers} reader(s))", category.label_ja())]
    NotCovered {
        rule_set: String,
        category: FacilityCategory,
        readers: u32,
    },
}

impl QuoteError {
    /// The message in Japanese only (for a Japanese page; no rule-set file names).
    pub fn ja(&self) -> String {
        match self {
            Self::NoReaders => "カードリーダーの台数は1台以上です".into(),
            Self::TooManyReaders {
                category,
                requested,
                max,
            } => format!(
                "{}のカードリーダーは{max}台までです（{requested}台は申し込めません）",
                category.label_ja()
            ),
            Self::CostNotPositive => "費用は1円以上です".into(),
            Self::NoRuleSet { reader_applied } => format!(
                "{}に申し込んだカードリーダーに適用される補助制度がありません",
                crate::calendar::format_wareki(*reader_applied)
            ),
            Self::NotCovered {
                category, readers, ..
            } => format!(
                "{} {readers}台 は補助の対象になっていません",
                category.label_ja()
            ),
        }
    }

    /// The message in English only.
    pub fn en(&self) -> String {
        match self {
            Self::NoReaders => "at least one card reader".into(),
            Self::TooManyReaders {
                category,
                requested,
                max,
            } => format!(
                "a {}: at most {max} reader(s), {requested} requested",
                category.label_en()
            ),
            Self::CostNotPositive => "the cost must be at least 1 yen".into(),
            Self::NoRuleSet { reader_applied } => format!(
                "no subsidy scheme applies to a reader applied for on {}",
                format_date(*reader_applied)
            ),
            Self::NotCovered {
                category, readers, ..
            } => format!(
                "a {} with {readers} reader(s) is not covered",
                category.label_en()
            ),
        }
    }
}

/// An exact quote with everything needed to explain it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quote {
    pub rule_set: String,
    pub rule_set_title_ja: String,
    pub rule_set_title_en: String,
    pub reason_ja: String,
    pub reason_en: String,
    pub category: FacilityCategory,
    pub readers: u32,
    #[serde(with = "crate::date::serde_date")]
    pub reader_applied: Date,
    pub cost: Yen,
    pub base_amount: Yen,
    pub eligible_cost: Yen,
    pub rate: Rate,
    /// min(cost, base) × rate, floored to the yen.
    pub amount_before_rounding: Yen,
    /// Whether the multiplication left no fraction of a yen.
    pub amount_before_rounding_exact: bool,
    pub rounding: Rounding,
    pub subsidy: Yen,
}

impl Quote {
    /// The explanation a clinic manager reads, one step per line (Japanese).
    pub fn explanation_ja(&self) -> Vec<String> {
        let mut lines = vec![
            // The title only: the rule set's file name is an internal code.
            format!("適用ルール: {}", self.rule_set_title_ja),
            format!(
                "理由: {}（カードリーダー申込日 {}）",
                self.reason_ja,
                crate::calendar::format_wareki(self.reader_applied)
            ),
            format!(
                "基準額: {}（{} カードリーダー{}台）",
                self.base_amount.format_ja(),
                self.category.label_ja(),
                self.readers
            ),
            format!(
                "補助対象経費: 費用 {} と基準額の低い方 = {}",
                self.cost.format_ja(),
                self.eligible_cost.format_ja()
            ),
            format!(
                "補助率: {} → {} × {} = {}{}",
                self.rate.label_ja(),
                self.eligible_cost.format_ja(),
                self.rate,
                self.amount_before_rounding.format_ja(),
                if self.amount_before_rounding_exact {
                    ""
                } else {
                    "（円未満切捨て）"
                }
            ),
            format!(
                "端数処理: {} → 補助額 {}",
                self.rounding.label_ja(),
                self.subsidy.format_ja()
            ),
        ];
        lines.retain(|l| !l.is_empty());
        lines
    }

    /// The same explanation in English.
    pub fn explanation_en(&self) -> Vec<String> {
        vec![
            format!("Rule set: {}", self.rule_set_title_en),
            format!(
                "Why: {} (reader applied for on {})",
                self.reason_en,
                format_date(self.reader_applied)
            ),
            format!(
                "Base amount: {} yen ({}, {} reader(s))",
                group_digits(self.base_amount.get()),
                self.category.label_en(),
                self.readers
            ),
            format!(
                "Eligible cost: the lower of the cost {} yen and the base amount = {} yen",
                group_digits(self.cost.get()),
                group_digits(self.eligible_cost.get())
            ),
            format!(
                "Rate {}: {} yen",
                self.rate,
                group_digits(self.amount_before_rounding.get())
            ),
            format!(
                "Rounded down to the thousand yen: {} yen",
                group_digits(self.subsidy.get())
            ),
        ]
    }
}

/// The kinds of eligible cost (`subsidy.md`, その他の費用 ①–④).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CostKind {
    /// ① 資格確認端末の購入・導入.
    Terminal,
    /// ② パッケージソフトの導入.
    Software,
    /// ③ ネットワーク環境の整備.
    Network,
    /// ④ 既存システムの改修.
    SystemModification,
}

impl CostKind {
    pub const ALL: [CostKind; 4] = [
        Self::Terminal,
        Self::Software,
        Self::Network,
        Self::SystemModification,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Terminal => "terminal",
            Self::Software => "software",
            Self::Network => "network",
            Self::SystemModification => "system-modification",
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Terminal => "① 資格確認端末の購入・導入",
            Self::Software => "② パッケージソフトの導入",
            Self::Network => "③ ネットワーク環境の整備",
            Self::SystemModification => "④ 既存システム（レセコン・電子カルテ等）の改修",
        }
    }
}

impl std::str::FromStr for CostKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| format!("unknown cost kind {:?}", s.trim()))
    }
}

#[cfg(test)]
mod tests;
