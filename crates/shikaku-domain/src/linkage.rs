//! Linkage integrity (issue 26 §1): do the qualification rows linked to one 個人番号 describe
//! one person? They must agree on birth date and sex, and on the name — compared after the
//! differences that are not differences are removed (full/half width, spaces, 長音, small kana,
//! old and new kanji forms), and allowing a changed family name (marriage, adoption) when the
//! given name still agrees. Anything else is a **suspect link**: never used to show data.

use time::{Date, OffsetDateTime};
use unicode_normalization::UnicodeNormalization;

use crate::qualification::Qualification;

/// Old (旧字体) and variant kanji forms and the form they are compared as. Only forms that
/// appear in Japanese names and that registers write either way.
const KANJI_VARIANTS: &[(char, char)] = &[
    ('髙', '高'),
    ('﨑', '崎'),
    ('嵜', '崎'),
    ('濵', '浜'),
    ('濱', '浜'),
    ('邊', '辺'),
    ('邉', '辺'),
    ('齋', '斎'),
    ('齊', '斉'),
    ('澤', '沢'),
    ('櫻', '桜'),
    ('國', '国'),
    ('廣', '広'),
    ('德', '徳'),
    ('惠', '恵'),
    ('藏', '蔵'),
    ('榮', '栄'),
    ('實', '実'),
    ('龍', '竜'),
    ('眞', '真'),
    ('壽', '寿'),
    ('淺', '浅'),
    ('嶋', '島'),
    ('嶌', '島'),
    ('冨', '富'),
    ('槇', '槙'),
    ('𠮷', '吉'),
];

/// Small kana compared as their large forms (ッ/ツ and ャ/ヤ are written either way in
/// registers that lacked small kana).
const SMALL_KANA: &[(char, char)] = &[
    ('ァ', 'ア'),
    ('ィ', 'イ'),
    ('ゥ', 'ウ'),
    ('ェ', 'エ'),
    ('ォ', 'オ'),
    ('ッ', 'ツ'),
    ('ャ', 'ヤ'),
    ('ュ', 'ユ'),
    ('ョ', 'ヨ'),
    ('ヮ', 'ワ'),
    ('ヵ', 'カ'),
    ('ヶ', 'ケ'),
    ('ヂ', 'ジ'),
    ('ヅ', 'ズ'),
    ('ヲ', 'オ'),
];

/// A name as compared: NFKC, no spaces or 長音, hiragana as katakana, small kana large,
/// variant kanji as their common form.
pub fn normalize_name(name: &str) -> String {
    name.nfkc()
        .filter(|c| !c.is_whitespace() && !matches!(c, 'ー' | '－' | '-' | '・'))
        .map(|c| match c {
            'ぁ'..='ゖ' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
            c => c,
        })
        .map(|c| {
            SMALL_KANA
                .iter()
                .chain(KANJI_VARIANTS)
                .find(|(from, _)| *from == c)
                .map_or(c, |(_, to)| *to)
        })
        .collect()
}

/// The given name: what follows the first space (the whole name when there is none).
fn given(name: &str) -> &str {
    name.trim().split_once([' ', '　']).map_or(name, |(_, g)| g)
}

/// Why two rows linked to one 個人番号 are not one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disagreement {
    BirthDate,
    Sex,
    Name,
}

impl Disagreement {
    pub fn label_ja(self) -> &'static str {
        match self {
            Disagreement::BirthDate => "生年月日が一致しません",
            Disagreement::Sex => "性別が一致しません",
            Disagreement::Name => "氏名が一致しません",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Disagreement::BirthDate => "birth dates differ",
            Disagreement::Sex => "sexes differ",
            Disagreement::Name => "names differ",
        }
    }
}

/// Whether `a` and `b` (rows linked to one 個人番号) describe one person; the first
/// disagreement otherwise.
pub fn agree(a: &Qualification, b: &Qualification) -> Result<(), Disagreement> {
    if a.birth_date != b.birth_date {
        return Err(Disagreement::BirthDate);
    }
    if a.sex != b.sex {
        return Err(Disagreement::Sex);
    }
    let same = |x: &str, y: &str| normalize_name(x) == normalize_name(y);
    let name_agrees = same(&a.name_kana, &b.name_kana)
        || same(&a.name, &b.name)
        // A changed family name (marriage, adoption): the given name still agrees.
        || same(given(&a.name_kana), given(&b.name_kana));
    if name_agrees {
        Ok(())
    } else {
        Err(Disagreement::Name)
    }
}

/// The first pair of `rows` (all linked to one 個人番号) that are not one person.
pub fn suspect(rows: &[Qualification]) -> Option<(usize, usize, Disagreement)> {
    for (i, a) in rows.iter().enumerate() {
        for (j, b) in rows.iter().enumerate().skip(i + 1) {
            if let Err(why) = agree(a, b) {
                return Some((i, j, why));
            }
        }
    }
    None
}

/// Which rows a link covers: each row's insurer and the insurer's person reference, sorted,
/// without duplicates. An operator's "same person" confirmation holds for exactly this set.
pub fn rows_key(rows: &[Qualification]) -> String {
    let mut keys: Vec<String> = rows
        .iter()
        .map(|q| format!("{}:{}", q.card.insurer.as_str(), q.person_ref))
        .collect();
    keys.sort();
    keys.dedup();
    keys.join(",")
}

/// Whether `other` may be shown as the same person as `row`: the insurer links them itself
/// (same insurer, same person reference), or they agree.
pub fn same_person(row: &Qualification, other: &Qualification) -> bool {
    (row.card.insurer == other.card.insurer && row.person_ref == other.person_ref)
        || agree(row, other).is_ok()
}

/// Whether rows linked to one 個人番号 may be used: they describe one person, or an operator
/// confirmed this very set of rows (`confirmed`: the [`rows_key`] of the confirmation).
pub fn usable(rows: &[Qualification], confirmed: Option<&str>) -> bool {
    suspect(rows).is_none() || confirmed.is_some_and(|key| key == rows_key(rows))
}

/// One row of a suspect link as reports show it: card numbers and the insurer's person
/// reference, never the 個人番号.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedRow {
    pub insurer_number: String,
    pub symbol: String,
    pub number: String,
    pub branch: String,
    pub person_ref: String,
    pub qualified_from: Date,
}

impl LinkedRow {
    pub fn of(q: &Qualification) -> Self {
        Self {
            insurer_number: q.card.insurer.as_str().to_string(),
            symbol: q.card.symbol_str().to_string(),
            number: q.card.number.as_str().to_string(),
            branch: q.card.branch.as_str().to_string(),
            person_ref: q.person_ref.clone(),
            qualified_from: q.period.from(),
        }
    }
}

/// A stored suspect link, as the report, the CLI and the operator's pages show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuspectLink {
    pub id: i64,
    pub reason: Disagreement,
    /// The rows the link covers (what a confirmation names): [`rows_key`].
    pub rows_key: String,
    pub state: LinkState,
    pub found_at: OffsetDateTime,
    pub checked_at: OffsetDateTime,
    pub resolved_at: Option<OffsetDateTime>,
    pub resolved_by: Option<String>,
    pub note: Option<String>,
    pub rows: Vec<LinkedRow>,
}

/// What happened to a suspect link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkAction {
    Found,
    Corrected,
    Reopened,
    Confirmed,
}

impl LinkAction {
    pub fn code(self) -> &'static str {
        match self {
            LinkAction::Found => "found",
            LinkAction::Corrected => "corrected",
            LinkAction::Reopened => "reopened",
            LinkAction::Confirmed => "confirmed",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [
            LinkAction::Found,
            LinkAction::Corrected,
            LinkAction::Reopened,
            LinkAction::Confirmed,
        ]
        .into_iter()
        .find(|a| a.code() == code)
    }

    pub fn label(self, english: bool) -> &'static str {
        match (self, english) {
            (LinkAction::Found, false) => "検出",
            (LinkAction::Found, true) => "found",
            (LinkAction::Corrected, false) => "訂正済（保険者のファイル）",
            (LinkAction::Corrected, true) => "corrected by the insurer's file",
            (LinkAction::Reopened, false) => "再検出",
            (LinkAction::Reopened, true) => "reopened",
            (LinkAction::Confirmed, false) => "同一人物と確認",
            (LinkAction::Confirmed, true) => "confirmed as one person",
        }
    }
}

/// One change of a suspect link's state: when, who (`import` for the audit, else the
/// operator's login), what, and the note (the disagreement, or the operator's reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkHistory {
    pub at: OffsetDateTime,
    pub actor: String,
    pub action: LinkAction,
    pub note: String,
}

/// Where a suspect link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// Found and not resolved: the rows are not used.
    Open,
    /// A later file from the insurer made the rows agree.
    Corrected,
    /// An operator confirmed that the rows are one person (with a reason).
    Confirmed,
}

impl LinkState {
    pub fn code(self) -> &'static str {
        match self {
            LinkState::Open => "open",
            LinkState::Corrected => "corrected",
            LinkState::Confirmed => "confirmed",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [LinkState::Open, LinkState::Corrected, LinkState::Confirmed]
            .into_iter()
            .find(|s| s.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            LinkState::Open => "未解決",
            LinkState::Corrected => "訂正済（保険者のファイル）",
            LinkState::Confirmed => "同一人物と確認済",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            LinkState::Open => "open",
            LinkState::Corrected => "corrected by the insurer's file",
            LinkState::Confirmed => "confirmed as one person",
        }
    }
}

impl Disagreement {
    pub fn code(self) -> &'static str {
        match self {
            Disagreement::BirthDate => "birth_date",
            Disagreement::Sex => "sex",
            Disagreement::Name => "name",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [
            Disagreement::BirthDate,
            Disagreement::Sex,
            Disagreement::Name,
        ]
        .into_iter()
        .find(|d| d.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::card::{Branch, CardNumber, CardNumbers, CardSymbol};
    use crate::insurer_number::InsurerNumber;
    use crate::qualification::Sex;

    fn row(name: &str, kana: &str) -> Qualification {
        let card = CardNumbers {
            insurer: InsurerNumber::parse("01130012").expect("insurer"),
            symbol: CardSymbol::parse_optional("12").expect("symbol"),
            number: CardNumber::parse("345").expect("number"),
            branch: Branch::parse("00").expect("branch"),
        };
        let mut q = crate::qualification::sample(card, date!(2020 - 04 - 01), None);
        q.name = name.into();
        q.name_kana = kana.into();
        q
    }

    #[test]
    fn variants_that_are_not_differences() {
        assert_eq!(
            normalize_name("髙橋　ｼｮｳﾀ"),
            normalize_name("高橋 ショウタ")
        );
        assert_eq!(
            normalize_name("サイトウ ユウキ"),
            normalize_name("さいとう ゆうき")
        );
        assert_eq!(normalize_name("キッカワ"), normalize_name("キツカワ"));
        assert_eq!(normalize_name("齋藤"), normalize_name("斎藤"));
        let a = row("渡邊 花子", "ワタナベ ハナコ");
        assert_eq!(agree(&a, &row("渡辺 花子", "ワタナベ ハナコ")), Ok(()));
        // Marriage: the family name changed, the given name and birth date did not.
        assert_eq!(agree(&a, &row("山田 花子", "ヤマダ ハナコ")), Ok(()));
    }

    #[test]
    fn another_person_is_a_suspect_link() {
        let a = row("山田 太郎", "ヤマダ タロウ");
        let mut other = row("佐藤 一郎", "サトウ イチロウ");
        assert_eq!(agree(&a, &other), Err(Disagreement::Name));
        other.birth_date = date!(1970 - 01 - 20);
        assert_eq!(agree(&a, &other), Err(Disagreement::BirthDate));
        let mut sex = row("山田 太郎", "ヤマダ タロウ");
        sex.sex = Sex::Female;
        assert_eq!(agree(&a, &sex), Err(Disagreement::Sex));
        let rows = [a.clone(), row("山田 太郎", "ヤマダ タロウ"), other];
        assert_eq!(suspect(&rows), Some((0, 2, Disagreement::BirthDate)));
        assert_eq!(suspect(&rows[..2]), None);
    }

    #[test]
    fn a_confirmation_covers_exactly_the_rows_it_names() {
        let a = row("山田 太郎", "ヤマダ タロウ");
        let mut other = row("佐藤 一郎", "サトウ イチロウ");
        other.person_ref = "P2".into();
        let rows = [a.clone(), other.clone()];
        assert!(!usable(&rows, None));
        let key = rows_key(&rows);
        assert_eq!(key, "01130012:P1,01130012:P2");
        assert!(usable(&rows, Some(&key)));
        // A third row arriving later is not covered by the confirmation.
        let mut third = row("鈴木 次郎", "スズキ ジロウ");
        third.person_ref = "P3".into();
        assert!(!usable(&[a.clone(), other.clone(), third], Some(&key)));
        assert!(usable(std::slice::from_ref(&a), None));
        // The insurer's own person reference links rows whatever they say.
        let mut renamed = row("佐藤 一郎", "サトウ イチロウ");
        renamed.person_ref = "P1".into();
        assert!(same_person(&a, &renamed));
        assert!(!same_person(&a, &other));
    }

    #[test]
    fn codes_round_trip() {
        for s in [LinkState::Open, LinkState::Corrected, LinkState::Confirmed] {
            assert_eq!(LinkState::from_code(s.code()), Some(s));
        }
        for d in [
            Disagreement::BirthDate,
            Disagreement::Sex,
            Disagreement::Name,
        ] {
            assert_eq!(Disagreement::from_code(d.code()), Some(d));
        }
    }
}
