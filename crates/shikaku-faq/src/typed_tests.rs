//! Whatever is typed into the search box or the chat: search never fails, never offers an
//! entry below the floor, and reading slips never changes anything but the slips.

use std::sync::LazyLock;

use proptest::prelude::*;

use super::*;

static INDEX: LazyLock<FaqIndex> = LazyLock::new(super::tests::shipped);

/// Pieces of what people type: the FAQ's words and their slips, fillers, mail marks, emoji,
/// punctuation of both widths, half-width katakana, clauses and reasons.
const PIECES: &[&str] = &[
    "補助金",
    "カードリーダー",
    "ｶｰﾄﾞﾘｰﾀﾞｰ",
    "届かない",
    "の",
    "は",
    "か",
    "ない",
    "ですか",
    "？",
    "?",
    "、",
    "。",
    " ",
    "\u{3000}",
    "Re:",
    "返信：",
    "😭",
    "!!!",
    "【至急】",
    "pasword",
    "certif",
    "cardreader",
    "subsidised",
    "because",
    ", what does that mean",
    "how",
    "card",
    "reader",
    "the",
    "Who",
    "taxi",
    "しょるい",
    "ほじょきん",
    "暗唱番号",
    "portalの",
    "12",
    "3台",
    "ISDN",
    "e-mail",
    "don't",
    "dont",
    "\n",
    "\t",
    "…",
    "ー",
    "ﾞ",
    "a",
    "Z",
];

fn typed() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(prop::sample::select(PIECES), 0..12).prop_map(|p| p.concat()),
        "\\PC{0,60}",
        ".{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn search_answers_whatever_is_typed_and_only_above_the_floor(text in typed()) {
        for lang in [Lang::Ja, Lang::En] {
            let hits = INDEX.search_in(&text, lang, 5);
            prop_assert!(hits.len() <= 5);
            for h in &hits {
                prop_assert!(
                    h.coverage >= relevance::FLOOR.min(relevance::ENGLISH_FLOOR),
                    "{text:?}: {} at {}", h.id, h.coverage
                );
                prop_assert!(INDEX.entry(&h.id).is_some());
            }
        }
        let explained = INDEX.explain(&text, Lang::Ja);
        prop_assert!(explained.best.len() <= 5);
    }

    #[test]
    fn reading_slips_changes_only_ascii_words_and_reads_them_once(text in typed()) {
        let spelled = INDEX.spelled(&text);
        // Everything but ASCII letters (and the space between two words run together) is
        // kept, in order.
        let kept = |s: &str| -> String {
            s.chars().filter(|c| !c.is_ascii_alphabetic() && *c != ' ').collect()
        };
        prop_assert_eq!(kept(&spelled), kept(&text));
        // A word read once is a word: reading again changes nothing.
        prop_assert_eq!(INDEX.spelled(&spelled), spelled.clone());
    }
}
