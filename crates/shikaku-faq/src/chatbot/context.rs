//! The conversation's memory: the category and entry under discussion and the kind of facility
//! the user said they are. It travels with each turn as a short string (a hidden form field
//! on the page, `--context` on the CLI); a malformed one is an empty context, never an error.

use serde::{Deserialize, Serialize};

use crate::normalize::normalize;
use crate::relevance::SPECIALTIES;
use crate::{CATEGORIES, Entry, FaqIndex, category_en};

/// The kind of facility, as the subsidy and the free readers distinguish them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FacilityKind {
    Hospital,
    Clinic,
    Pharmacy,
    /// 大型チェーン薬局: a group receiving 40,000 or more prescriptions a month.
    LargeChainPharmacy,
}

impl FacilityKind {
    const ALL: [FacilityKind; 4] = [
        FacilityKind::Hospital,
        FacilityKind::Clinic,
        FacilityKind::Pharmacy,
        FacilityKind::LargeChainPharmacy,
    ];

    pub fn code(self) -> &'static str {
        match self {
            FacilityKind::Hospital => "hospital",
            FacilityKind::Clinic => "clinic",
            FacilityKind::Pharmacy => "pharmacy",
            FacilityKind::LargeChainPharmacy => "large_chain_pharmacy",
        }
    }

    pub fn label(self, english: bool) -> &'static str {
        match (self, english) {
            (FacilityKind::Hospital, false) => "病院",
            (FacilityKind::Clinic, false) => "診療所",
            (FacilityKind::Pharmacy, false) => "薬局",
            (FacilityKind::LargeChainPharmacy, false) => "大型チェーン薬局",
            (FacilityKind::Hospital, true) => "hospital",
            (FacilityKind::Clinic, true) => "clinic",
            (FacilityKind::Pharmacy, true) => "pharmacy",
            (FacilityKind::LargeChainPharmacy, true) => "large chain pharmacy",
        }
    }

    /// Whether a line of an answer is about this kind of facility.
    fn applies_to(self, line: &str) -> bool {
        let l = line.to_lowercase();
        match self {
            FacilityKind::Hospital => l.contains("病院") || l.contains("hospital"),
            FacilityKind::Clinic => l.contains("診療所") || l.contains("clinic"),
            FacilityKind::Pharmacy => {
                (l.contains("薬局") || l.contains("pharmac"))
                    && !l.contains("大型チェーン")
                    && !l.contains("large chain")
            }
            FacilityKind::LargeChainPharmacy => {
                l.contains("大型チェーン") || l.contains("large chain")
            }
        }
    }
}

/// What the conversation is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context {
    /// The FAQ category under discussion.
    pub category: Option<String>,
    /// The FAQ entry last answered.
    pub entry: Option<String>,
    /// The kind of facility the user said they are.
    pub kind: Option<FacilityKind>,
}

impl Context {
    /// `category|entry|kind`, empty parts for what is not known.
    pub fn encode(&self) -> String {
        format!(
            "{}|{}|{}",
            self.category.as_deref().unwrap_or(""),
            self.entry.as_deref().unwrap_or(""),
            self.kind.map_or("", FacilityKind::code)
        )
    }

    /// The context [`Context::encode`] wrote; anything malformed is forgotten.
    pub fn decode(text: &str) -> Context {
        let mut parts = text.split('|');
        let (category, entry, kind) = (parts.next(), parts.next(), parts.next());
        Context {
            category: category
                .filter(|c| CATEGORIES.contains(c))
                .map(str::to_string),
            entry: entry
                .filter(|e| {
                    !e.is_empty()
                        && e.len() <= 64
                        && e.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                })
                .map(str::to_string),
            kind: kind.and_then(|k| FacilityKind::ALL.into_iter().find(|x| x.code() == k)),
        }
    }

    /// The topic under discussion as words to search with: the category's name, or of a
    /// name that joins two topics (利用申請・電子証明書) the one the entry under discussion
    /// names in its title.
    pub(super) fn topic(&self, index: &FaqIndex, english: bool) -> Option<String> {
        let entry = self.entry.as_deref().and_then(|id| index.entry(id));
        let category = self
            .category
            .clone()
            .or_else(|| entry.map(|e| e.category.clone()))?;
        let name = if english {
            category_en(&category).to_string()
        } else {
            category
        };
        let title = entry.map(|e| normalize(e.title_in(english)));
        let part = title.and_then(|title| {
            name.replace(" and ", "・")
                .split(['・', '/'])
                .map(str::trim)
                .find(|part| !part.is_empty() && *part != name && title.contains(&normalize(part)))
                .map(str::to_string)
        });
        Some(part.unwrap_or(name))
    }

    /// The entry under discussion.
    pub(super) fn entry<'i>(&self, index: &'i FaqIndex) -> Option<&'i crate::Entry> {
        self.entry.as_deref().and_then(|id| index.entry(id))
    }
}

/// Words by which people say the facility is theirs.
const OURS: &[&str] = &[
    "うちは",
    "うちの",
    "当院",
    "当薬局",
    "当施設",
    "弊院",
    "自院",
    "私は",
    "わたしは",
    "we are",
    "we're",
    "i am",
    "i'm",
    "our ",
];

/// The kind of facility the user says they are (「うちは診療所です」, "we are a clinic").
pub fn said_kind(text: &str) -> Option<FacilityKind> {
    let kind = named_kind(text)?;
    let t = format!("{} ", normalize(text));
    let statement = OURS.iter().any(|w| t.contains(&normalize(w)))
        || std::iter::once(kind.label(false))
            .chain(kind_words(FacilityKind::Clinic, CLINICS))
            .any(|k| t.contains(&format!("{}です", normalize(k))));
    statement.then_some(kind)
}

/// The words that name each kind of facility, the more specific kind first (大型チェーン薬局
/// before 薬局).
const KIND_WORDS: &[(FacilityKind, &[&str])] = &[
    (
        FacilityKind::LargeChainPharmacy,
        &["大型チェーン薬局", "大型チェーン", "large chain"],
    ),
    (FacilityKind::Hospital, &["病院", "hospitals", "hospital"]),
    (FacilityKind::Clinic, CLINICS),
    (FacilityKind::Pharmacy, &["薬局", "pharmacies", "pharmacy"]),
];

/// The words that name a clinic besides its specialties ([`SPECIALTIES`]: 眼科です, 整形外科
/// クリニック; 病院の眼科 is a hospital's, as 病院 comes first).
const CLINICS: &[&str] = &["診療所", "医院", "クリニック", "clinics", "clinic"];

/// The words that name `kind`, a clinic's specialties with a clinic's.
fn kind_words(
    kind: FacilityKind,
    words: &'static [&'static str],
) -> impl Iterator<Item = &'static str> {
    let specialties: &[&str] = if kind == FacilityKind::Clinic {
        SPECIALTIES
    } else {
        &[]
    };
    words.iter().chain(specialties).copied()
}

/// `text` without the words that name a kind of facility (病院の場合は？ → の場合は？).
pub fn without_kind_words(text: &str) -> String {
    let mut t = normalize(text);
    for w in KIND_WORDS
        .iter()
        .flat_map(|(kind, words)| kind_words(*kind, words))
    {
        t = t.replace(&normalize(w), " ");
    }
    t
}

/// The kind of facility `text` names (病院, a clinic), whoever's it is.
pub fn named_kind(text: &str) -> Option<FacilityKind> {
    let t = normalize(text);
    KIND_WORDS
        .iter()
        .find(|(kind, words)| kind_words(*kind, words).any(|w| t.contains(&normalize(w))))
        .map(|(kind, _)| *kind)
}

/// The question after a statement of the facility's kind (「うちは診療所ですが補助の上限は？」
/// → 「補助の上限は？」; 「うちは診療所です」 → nothing).
pub fn without_kind_statement(text: &str) -> String {
    if said_kind(text).is_none() {
        return text.to_string();
    }
    after_statement(text).unwrap_or_default()
}

/// The question after a statement of the facility's kind when both are there (「うちは病院です
/// が補助金は？」 → 「補助金は？」); `None` for a statement alone or a question without one.
pub fn after_kind_statement(text: &str) -> Option<String> {
    said_kind(text)?;
    after_statement(text)
}

/// What follows the end of a statement's sentence (ですが, です。, 。 …), if anything does.
fn after_statement(text: &str) -> Option<String> {
    [
        "ですが",
        "です。",
        "です、",
        "ですけど",
        "だけど",
        "。",
        ". ",
        ", ",
        // We're a dental clinic and we forgot the password.
        " and we ",
        " and i ",
        " and our ",
    ]
    .iter()
    .find_map(|cut| text.split_once(cut))
    .map(|(_, rest)| rest.trim().to_string())
}

/// Whether `text` asks about a case of what is under discussion (高齢者の場合は？, 病院は？,
/// 病院だと？, 薬局でも？, what about hospitals?) rather than a question of its own.
pub fn about_a_case(text: &str) -> bool {
    let t = normalize(crate::relevance::without_fillers(text)).replace(['?', '.', '!'], " ");
    let mut t = t.trim();
    // 病院だとどうなるんですか(ね), 病院はどうですか: how it goes for the case named is the
    // case. The ね after a question's か goes, the か stays (どうですかね → どうですか).
    if let Some(rest) = ["よね", "ね"].iter().find_map(|p| t.strip_suffix(p)) {
        t = rest;
    }
    for tail in CASE_TAILS {
        if let Some(rest) = t.strip_suffix(tail) {
            t = rest.trim();
            break;
        }
    }
    // 病院の場合は？ names a case; それ以上欲しい場合は？ supposes something of its own.
    if t.contains("場合") && !t.contains("の場合") {
        return false;
    }
    t.contains("の場合は")
        || t.ends_with("の場合")
        || t.ends_with("は")
        || ["だと", "だったら", "なら", "では", "でも"]
            .iter()
            .any(|e| t.ends_with(e))
        || t.starts_with("what about")
        || t.starts_with("how about")
        || t.starts_with("and for")
}

/// How a question asks how things go for a case (病院だと**どうなるんですか**), longest first:
/// after a case named, still only the case.
const CASE_TAILS: &[&str] = &[
    "どうなるんでしょうか",
    "どうなるんですか",
    "どうなりますか",
    "どうなんですか",
    "どうでしょうか",
    "どうなるの",
    "どうですか",
    "どうなる",
    "どうなの",
    "どう",
];

/// Whether the question points back at what was discussed (それ, その, this, it …).
pub fn refers_back(text: &str) -> bool {
    let t = format!(" {} ", normalize(text).replace(['?', '.', ','], " "));
    let japanese = ["それ", "その", "そちら", "そっち", "あれ", "これ", "この"]
        .iter()
        .any(|w| t.contains(w) && !t.contains("これから") && !t.contains("その他"));
    japanese
        || [" it ", " its ", " that ", " this "]
            .iter()
            .any(|w| t.contains(w))
}

/// The lines of an answer that apply to `kind` (「診療所の場合: 基準額 42.9万円の3/4…」).
pub(super) fn kind_note(entry: &Entry, kind: FacilityKind, english: bool) -> Option<String> {
    let body = entry.body_in(english);
    let mut lines: Vec<&str> = body
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- "))
        .filter(|l| kind.applies_to(l))
        .collect();
    if lines.is_empty() {
        // No list line for it: the first sentence that names it.
        let stop: &[char] = if english {
            &['.', '\n']
        } else {
            &['。', '\n']
        };
        lines = body
            .split(stop)
            .map(str::trim)
            .filter(|s| kind.applies_to(s))
            .take(1)
            .collect();
    }
    if lines.is_empty() {
        return None;
    }
    Some(if english {
        format!("For a {}: {}", kind.label(true), lines.join(" / "))
    } else {
        format!("{}の場合: {}", kind.label(false), lines.join(" ／ "))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_round_trips_and_forgets_what_is_malformed() {
        let c = Context {
            category: Some("補助金".into()),
            entry: Some("subsidy-amount".into()),
            kind: Some(FacilityKind::Clinic),
        };
        assert_eq!(Context::decode(&c.encode()), c);
        assert_eq!(Context::decode(""), Context::default());
        assert_eq!(Context::decode("その他|<script>|ship"), Context::default());
    }

    #[test]
    fn the_kind_is_taken_only_from_a_statement() {
        assert_eq!(said_kind("うちは診療所です"), Some(FacilityKind::Clinic));
        assert_eq!(said_kind("当院は病院です"), Some(FacilityKind::Hospital));
        assert_eq!(
            said_kind("大型チェーン薬局です"),
            Some(FacilityKind::LargeChainPharmacy)
        );
        assert_eq!(said_kind("We are a pharmacy"), Some(FacilityKind::Pharmacy));
        assert_eq!(said_kind("病院は何台まで無料"), None);
        // A specialty is a clinic's, unless a hospital's is said.
        assert_eq!(said_kind("皮膚科です"), Some(FacilityKind::Clinic));
        assert_eq!(
            said_kind("うちは整形外科ですが"),
            Some(FacilityKind::Clinic)
        );
        assert_eq!(said_kind("病院の眼科です"), Some(FacilityKind::Hospital));
        assert_eq!(
            without_kind_statement("うちは診療所ですが補助の上限は？"),
            "補助の上限は？"
        );
        assert_eq!(without_kind_statement("うちは診療所です"), "");
        assert!(refers_back("それの期限はいつ？") && refers_back("When is its deadline?"));
        assert!(!refers_back("これから何をする") && !refers_back("補助金はいくら"));
    }

    #[test]
    fn a_case_is_a_thing_named_not_a_supposition() {
        for case in [
            "病院の場合は？",
            "病院は？",
            "病院だと？",
            "薬局なら？",
            "あのー病院だとどうなるんですか",
            "病院だとどうなるんですかね",
            "薬局はどうですか",
            "薬局はどうですかね",
            "What about hospitals?",
        ] {
            assert!(about_a_case(case), "{case}");
        }
        for own in [
            "それ以上欲しい場合は？",
            "期限はいつ？",
            "パスワードを忘れた",
        ] {
            assert!(!about_a_case(own), "{own}");
        }
    }
}
