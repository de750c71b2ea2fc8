//! What a question asks for, by its question words (とは, いつ, 何台, how many …). The
//! entries' titles are questions too: between entries that cover a question about equally,
//! the one whose title asks the same thing answers it (電子証明書とは何ですか is
//! cert-what's, not the certificate deadline's, though both name 電子証明書).

use std::sync::LazyLock;

use crate::normalize::normalize;

/// One kind of thing a question asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asks {
    /// A definition or meaning (とは, 何ですか, what is).
    What,
    /// A time or deadline (いつ, when).
    When,
    /// A place (どこ, where).
    Where,
    /// A person (誰, who).
    Who,
    /// A number or amount (何台, いくら, how many).
    HowMany,
    /// Whether something can be done or used (できますか, 使えますか, can).
    Can,
    /// A way of doing something (どのように, 方法, how do).
    How,
    /// One of several (何が, どの, 種類, which).
    Which,
}

/// The words that say it (normalized forms; English lower case, spaces around words).
const WORDS: &[(Asks, &[&str])] = &[
    (
        Asks::What,
        &[
            "とは",
            "って何",
            "ってなに",
            "何ですか",
            "なんですか",
            "なにですか",
            "何でしょう",
            "なんでしょう",
            "何のこと",
            "何の意味",
            " what is ",
            " what's ",
            " what are ",
            " what does ",
            " mean ",
        ],
    ),
    (Asks::When, &["いつ", "どのタイミング", " when "]),
    (Asks::Where, &["どこ", " where "]),
    (Asks::Who, &["誰", "だれ", " who "]),
    (
        Asks::HowMany,
        &[
            "何台",
            "いくら",
            "何枚",
            "何年",
            "何回",
            "何件",
            "何人",
            " how many ",
            " how much ",
        ],
    ),
    (
        Asks::Can,
        &[
            "できますか",
            "できる?",
            "できる？",
            "使えますか",
            "使える?",
            "使える？",
            "可能",
            " can ",
            " possible ",
        ],
    ),
    (
        Asks::How,
        &[
            "どのように",
            "どうやって",
            "方法",
            "やり方",
            "仕方",
            " how do ",
            " how to ",
            " how can ",
        ],
    ),
    (
        Asks::Which,
        &[
            "何が",
            "なにが",
            "どれ",
            "どの",
            // 〜の種類は？ asks which kinds; 回線の種類は必要？ asks whether.
            "種類は ",
            " which ",
            " what kind ",
            " what type ",
            " what types ",
        ],
    ),
];

/// The kinds of thing `text` asks for (any language, any case).
pub fn asks(text: &str) -> Vec<Asks> {
    let t = format!(
        " {} ",
        normalize(text).replace(['?', '？', '.', ',', '!', '、', '。'], " ")
    );
    // どのように and どのくらい ask how, 何が必要 what: not which.
    let choosing = [
        "どのように",
        "どのくらい",
        "どれくらい",
        "どれぐらい",
        "何が必要",
    ]
    .iter()
    .fold(t.clone(), |t, w| t.replace(w, " "));
    // [`WORDS`] normalized once, as the text is.
    static NORMALIZED: LazyLock<Vec<(Asks, Vec<String>)>> = LazyLock::new(|| {
        WORDS
            .iter()
            .map(|(kind, words)| (*kind, words.iter().map(|w| normalize(w)).collect()))
            .collect()
    });
    let mut kinds: Vec<Asks> = NORMALIZED
        .iter()
        .filter(|(kind, words)| {
            let text = if *kind == Asks::Which { &choosing } else { &t };
            words.iter().any(|w| text.contains(w.as_str()))
        })
        .map(|(kind, _)| *kind)
        .collect();
    // 何が使える asks which, not whether.
    if kinds.contains(&Asks::Which) || t.contains(" what ") {
        kinds.retain(|k| *k != Asks::Can);
    }
    kinds
}

/// Whether a question asking `question` and a title asking `title` ask the same kind of
/// thing.
pub fn same(question: &[Asks], title: &[Asks]) -> bool {
    question.iter().any(|q| title.contains(q))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_words() {
        use Asks::*;
        for kind in [What, When, Where, Who, HowMany, Can, How, Which] {
            assert!(
                WORDS
                    .iter()
                    .any(|(k, words)| *k == kind && !words.is_empty()),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn questions_and_titles_ask_for_kinds_of_thing() {
        assert_eq!(
            asks("電子証明書とは何ですか？なぜ必要ですか？"),
            [Asks::What]
        );
        assert_eq!(
            asks("電子証明書の発行申請はいつまでに行いますか？"),
            [Asks::When]
        );
        assert_eq!(asks("カードリーダーは何台もらえる"), [Asks::HowMany]);
        assert_eq!(asks("What is the customer ID?"), [Asks::What]);
        assert_eq!(asks("How many card readers are free?"), [Asks::HowMany]);
        assert_eq!(asks("ISDNの回線は使えますか？"), [Asks::Can]);
        assert_eq!(asks("回線は何が使える？"), [Asks::Which]);
        assert_eq!(asks("使える回線の種類は？"), [Asks::Which]);
        assert_eq!(asks("どのように受け取りますか"), [Asks::How]);
        assert!(asks("補助金の様式").is_empty());
        // Whole words in English: "when" is not inside "whenever" … nor "can" in "scan".
        assert!(asks("scan the card").is_empty());
    }
}
