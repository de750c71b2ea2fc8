//! A text as its normalized characters, each with the script it was typed in (katakana folded
//! to hiragana keeps its [`Script::Katakana`]): okurigana folded, figures in kanji read as Arabic
//! numerals, readings of words typed without kana-kanji conversion, and the tests on
//! characters the readers of a question share.

use unicode_normalization::UnicodeNormalization;

use super::synonyms::Synonyms;
use crate::normalize::{fold_okurigana, is_separator};

/// The katakana words of a text as a question's terms spell them (folded to hiragana, ー
/// dropped: エラー → えら): what a seam between two katakana words is checked against.
pub fn katakana_words(text: &str) -> Vec<String> {
    scripted(text)
        .split(|(_, s)| *s != Script::Katakana)
        .filter(|w| w.len() >= 2)
        .map(|w| w.iter().map(|(c, _)| *c).collect())
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Script {
    Hiragana,
    Katakana,
    Kanji,
    /// Latin letters, digits and anything else.
    Other,
    Separator,
}

impl Script {
    /// Whether a character of this script can carry a word's meaning (not a particle or an
    /// ending).
    pub(super) fn content(self) -> bool {
        matches!(self, Script::Katakana | Script::Kanji | Script::Other)
    }
}

/// Normalized characters with the script each had before katakana was folded to hiragana,
/// okurigana folded as [`crate::normalize::fold_okurigana`] does.
pub(super) fn scripted(text: &str) -> Scripted {
    fold_scripted(scripted_chars(text))
}

/// [`crate::normalize::fold_okurigana`] over scripted text (the folded forms are kanji and
/// hiragana only).
fn fold_scripted(text: Scripted) -> Scripted {
    fold_okurigana(
        &text,
        |(c, _)| *c,
        |c| {
            let script = if is_kanji(c) {
                Script::Kanji
            } else {
                Script::Hiragana
            };
            (c, script)
        },
    )
}

pub(super) fn scripted_chars(text: &str) -> Scripted {
    let mut out = Vec::with_capacity(text.len());
    for c in text.nfkc() {
        let (c, script) = match c {
            'ー' | '～' | '〜' => continue,
            'ぁ'..='ゖ' | 'ゝ' | 'ゞ' => (c, Script::Hiragana),
            'ァ'..='ヶ' => (
                char::from_u32(c as u32 - 0x60).unwrap_or(c),
                Script::Katakana,
            ),
            c if is_separator(c) => (' ', Script::Separator),
            '\u{3400}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '々' => (c, Script::Kanji),
            c => (c, Script::Other),
        };
        for lower in c.to_lowercase() {
            out.push((lower, script));
        }
    }
    out
}

/// Normalized characters with their scripts.
pub(super) type Scripted = Vec<(char, Script)>;

/// `text` with the FAQ's words read in it when it was typed without kana-kanji conversion
/// (しんせいどうなった → 申請どうなった); as it is when it has a kanji or katakana.
pub fn read_kana(text: &str) -> String {
    with_readings(scripted(text))
        .into_iter()
        .map(|(c, _)| c)
        .collect()
}

/// `text` with [`Synonyms::readings`] applied: all of them when it has no kanji or katakana,
/// long ones typed in hiragana when it has.
pub(super) fn with_readings(text: Scripted) -> Scripted {
    if text
        .iter()
        .any(|(_, s)| matches!(s, Script::Kanji | Script::Katakana))
    {
        // A word left unconverted among converted ones (補助金の申請しょるい): long readings
        // only, typed in hiragana.
        Synonyms::readings().apply_to_hiragana(text, MIXED_READING)
    } else {
        Synonyms::readings().apply(text)
    }
}

/// The fewest kana of a reading that is read inside a question with kanji or katakana:
/// shorter ones are also grammar (どうい of どういう, むこう).
const MIXED_READING: usize = 4;

/// The counters a figure written in kanji is read before (三台, 一回, 二分の一): the entries
/// write their figures in Arabic numerals (3台, 1/2).
const COUNTERS: &[&str] = &[
    "台",
    "回",
    "枚",
    "年",
    "か月",
    "ヶ月",
    "ヵ月",
    "営業日",
    "日",
    "件",
    "割",
    "人",
    "万",
    "分の",
];

/// `text` with the figures written in kanji before a counter, or after the 分の of a
/// fraction (二分の一), in Arabic numerals; not inside a word (同一, 統一).
pub(super) fn arabic_figures(mut text: Scripted) -> Scripted {
    let figure = |c: char| {
        "一二三四五六七八九"
            .chars()
            .zip('1'..='9')
            .find(|(k, _)| *k == c)
    };
    for i in 0..text.len() {
        let Some((_, arabic)) = figure(text[i].0) else {
            continue;
        };
        let in_word = i > 0 && text[i - 1].1 == Script::Kanji && figure(text[i - 1].0).is_none();
        let counted = COUNTERS.iter().any(|k| spells(&text, i + 1, k));
        let fraction = i >= 2 && spells(&text, i - 2, "分の");
        if !in_word && counted || fraction {
            text[i] = (arabic, Script::Other);
        }
    }
    text
}

/// Whether `text` spells `word` from position `at` (by character, whatever the script).
pub(super) fn spells(text: &[(char, Script)], at: usize, word: &str) -> bool {
    text.get(at..at + word.chars().count())
        .is_some_and(|t| t.iter().map(|(c, _)| *c).eq(word.chars()))
}

/// Whether `c` begins a form of する (さ, し, す, せ): after a word it is an ending, not a stem
/// (案内|する, ログイン|した), and a kanji word before it takes する (入金|される).
pub(super) fn is_suru(c: char) -> bool {
    "さしすせ".contains(c)
}

/// Whether a question is written in Japanese (any kana or kanji after synonyms).
pub fn is_japanese(query: &str, synonyms: &Synonyms) -> bool {
    synonyms
        .apply(scripted(query))
        .iter()
        .any(|(c, _)| is_cjk(*c))
}

pub(super) fn is_kanji(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '々')
}

pub(super) fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{9fff}' | '\u{f900}'..='\u{faff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_in_kanji_before_a_counter_are_arabic() {
        let read = |t: &str| {
            arabic_figures(scripted(t))
                .iter()
                .map(|(c, _)| *c)
                .collect::<String>()
        };
        assert_eq!(read("リーダーは三台まで"), "りだは3台まで");
        assert_eq!(read("補助は二分の一"), "補助は2分の1");
        assert_eq!(read("一回でいい九か月前"), "1回でいい9か月前");
        // Inside a word, or before no counter, a kanji is a kanji.
        assert_eq!(read("同一人物の一括で一時的"), "同一人物の一括で一時的");
    }
}
