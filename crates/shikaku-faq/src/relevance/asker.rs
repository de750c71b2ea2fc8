//! Who asks, said before a Japanese question: the facility's kind (病院, 薬局), its specialty
//! (皮膚科, 整形外科) and the asker's role (事務, 受付をしている者). Context, not the topic: an
//! entry answering for every kind never names them.

use std::sync::LazyLock;

use super::script::{Scripted, scripted, spells};

/// The kinds of facility, said as a word of their own (歯科診療所からの問い合わせ先): who asks.
/// Kept, as context (half weight) — some entries answer by kind (病院は3台まで) — but never one
/// of the words a question names for the one-word floor. After the synonyms (医院 and クリニック
/// are 診療所).
pub(super) const FACILITY_KINDS: &[&str] = &[
    "病院",
    "診療所",
    "歯科診療所",
    "医科診療所",
    "薬局",
    "調剤薬局",
    "保険薬局",
];

/// A clinic's or a hospital's specialty (皮膚科です, 整形外科クリニックの事務): who asks, as its
/// kind is. A run that ends in one (整形外科, 内科診療所 with the kind after it) is one.
pub(crate) const SPECIALTIES: &[&str] = &[
    "内科",
    "外科",
    "小児科",
    "皮膚科",
    "眼科",
    "耳鼻科",
    "耳鼻咽喉科",
    "産科",
    "婦人科",
    "精神科",
    "泌尿器科",
    "放射線科",
    "麻酔科",
    "リハビリテーション科",
    "リハビリ科",
    "歯科",
];

/// The asker's role or place at the facility, said at the end of who asks (病院の医事課ですが,
/// 調剤薬局の者ですが, 薬局勤務です, 整形外科クリニックの事務をしています). After the synonyms.
pub(super) const ROLES: &[&str] = &[
    "者",
    "事務",
    "事務員",
    "受付",
    "医事課",
    "勤務",
    "職員",
    "スタッフ",
    "院長",
    "医師",
    "薬剤師",
    "看護師",
    "管理者",
    "開設者",
    "本部",
];

/// `list` as normalized characters.
fn normalized(list: &[&str]) -> Vec<Vec<char>> {
    list.iter()
        .map(|k| scripted(k).into_iter().map(|(c, _)| c).collect())
        .collect()
}

static KINDS: LazyLock<Vec<Vec<char>>> = LazyLock::new(|| normalized(FACILITY_KINDS));
static SPECIAL: LazyLock<Vec<Vec<char>>> = LazyLock::new(|| normalized(SPECIALTIES));
static ROLE: LazyLock<Vec<Vec<char>>> = LazyLock::new(|| normalized(ROLES));

/// Whether `word` is the facility said as a word of its own: a kind (薬局), a specialty (眼科,
/// 整形外科) or both (内科診療所).
pub(super) fn is_facility(word: &[char]) -> bool {
    let kind = |w: &[char]| KINDS.iter().any(|k| k == w);
    /// The most characters before a specialty in its word (整形 of 整形外科, 脳神経 of
    /// 脳神経外科).
    const QUALIFIER: usize = 4;
    let specialty = |w: &[char]| {
        SPECIAL
            .iter()
            .any(|s| w.ends_with(s) && w.len() <= s.len() + QUALIFIER)
    };
    kind(word)
        || specialty(word)
        || KINDS
            .iter()
            .any(|k| word.ends_with(k) && specialty(&word[..word.len() - k.len()]))
}

/// Where a statement of who asks that opens a question ends (うちは診療所ですが、, 当院は病院
/// なので, 皮膚科です。, 歯科医院で受付をしている者です。, 整形外科クリニックの事務をしています。),
/// or 0: context for what follows. An opening counts when it names a kind of facility or a
/// specialty and ends in one or in a role (薬局のリーダーが届かないのですが is no such statement:
/// it ends in 届かない).
pub(super) fn kind_statement_end(text: &Scripted) -> usize {
    const ENDS: [&str; 8] = [
        "ですが",
        "ですけど",
        "ですので",
        "なので",
        "だけど",
        // 、 and 。 are separators once normalized (です、, です。, で、).
        "です ",
        "で ",
        "ています",
    ];
    /// The longest opening taken for a statement (歯科医院で受付をしている者です: 14
    /// characters before です).
    const LONGEST: usize = 24;
    let chars: Vec<char> = text.iter().map(|(c, _)| *c).collect();
    let names = |head: &[char]| {
        KINDS
            .iter()
            .chain(SPECIAL.iter())
            .any(|k| head.windows(k.len()).any(|w| w == k.as_slice()))
    };
    for i in 1..text.len().min(LONGEST + 1) {
        let Some(end) = ENDS.iter().find(|e| spells(text, i, e)) else {
            continue;
        };
        let head = &chars[..i];
        let statement = names(head) && ends_in_who(head);
        if !statement {
            return 0;
        }
        // 事務をしています。: the sentence's end too.
        let mut end = i + end.chars().count();
        while chars.get(end) == Some(&' ') {
            end += 1;
        }
        return end;
    }
    0
}

/// Whether an opening (before です, ですが …) ends in who asks: a kind, a specialty or a role,
/// after the copula's な, の and ん (病院なので, 薬局なんですが), a short note in brackets (診療所
/// （無床）ですが, whose brackets are separators once normalized) and the verb that says what
/// the asker does there (事務をして|います, 受付をしている者).
fn ends_in_who(head: &[char]) -> bool {
    const DOING: [&str; 6] = [
        "をし",
        "をしている",
        "で働い",
        "に勤め",
        "で勤務し",
        "に勤務し",
    ];
    /// The longest note in brackets.
    const NOTE: usize = 4;
    let mut head = head;
    while head.last() == Some(&' ') {
        head = &head[..head.len() - 1];
    }
    if let Some(open) = head.iter().rposition(|c| *c == ' ')
        && head.len() - open <= NOTE + 1
    {
        head = &head[..open];
    }
    while head.last().is_some_and(|c| "なのん".contains(*c)) {
        head = &head[..head.len() - 1];
    }
    for doing in DOING {
        let doing: Vec<char> = doing.chars().collect();
        if head.ends_with(&doing) {
            head = &head[..head.len() - doing.len()];
            break;
        }
    }
    let ends = |list: &[Vec<char>]| list.iter().any(|w| head.ends_with(w));
    ends(&KINDS) || ends(&SPECIAL) || ends(&ROLE)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The statement that opens `text`, normalized (、, 。 and brackets are spaces).
    fn end(text: &str) -> String {
        let text = scripted(text);
        text[..kind_statement_end(&text)]
            .iter()
            .map(|(c, _)| *c)
            .collect()
    }

    #[test]
    fn who_asks_is_a_statement_that_opens_a_question() {
        assert_eq!(end("うちは診療所ですが、補助金は"), "うちは診療所ですが ");
        assert_eq!(end("皮膚科ですが、りだはいつ"), "皮膚科ですが ");
        assert_eq!(end("歯科なんですけど、補助金は"), "歯科なんですけど ");
        assert_eq!(end("小児科です、掲示物は"), "小児科です ");
        assert_eq!(end("眼科診療所で、期限が祝日"), "眼科診療所で ");
        assert_eq!(
            end("歯科診療所で受付をしている者です。ぱすわど"),
            "歯科診療所で受付をしている者です "
        );
        assert_eq!(
            end("整形外科診療所の事務をしています。ろぐいん"),
            "整形外科診療所の事務をしています "
        );
        assert_eq!(end("診療所（無床）ですが運用"), "診療所 無床 ですが");
        assert_eq!(end("薬局勤務です。電子証明書"), "薬局勤務です ");
        // Not who asks: what the question is about, said at length before ですが.
        assert_eq!(end("薬局のりだが届かないのですが、どうすれば"), "");
        assert_eq!(end("ろぐいんできないのですが、ぱすわどは"), "");
        assert_eq!(end("りだで、顔認証"), "");
        assert_eq!(end("当院は電子かるてを入れていないのですが"), "");
        assert_eq!(end("病院でりだを使っていますが、台数"), "");
    }

    #[test]
    fn a_specialty_is_the_facility() {
        let word = |w: &str| is_facility(&w.chars().collect::<Vec<_>>());
        assert!(word("薬局"));
        assert!(word("眼科"));
        assert!(word("整形外科"));
        assert!(word("内科診療所"));
        assert!(!word("大型ちぇん薬局"));
        assert!(!word("科学"));
        assert!(word("りはびりてしょん科"));
        assert!(word("脳神経外科"));
    }
}
