//! The parts of a question that asks two things at once (消費税と端数の扱い, 証明書は何枚必要で、
//! PCが壊れたらどうする？, How much is it and when do we apply?): each part is a question of
//! its own, which an entry may answer where none answers the whole.

use super::script::{is_cjk, is_kanji};

/// Where an English question goes on to a second one.
const ENGLISH_JOINS: &[&str] = &[" and ", " & ", "; "];

/// The parts of `text`, in order, when one sentence asks two things or more: split after a
/// clause's mark (、) and at a と between two words (消費税と端数); in English at and or a
/// semicolon. Not at a sentence's end: a message of several sentences is read by the ones that
/// ask ([`super::japanese_question`], [`super::english_question`]), and the story before a
/// question (領収書をなくした患者さんがいます。) is no question of its own. A text of one part
/// gives none.
pub fn parts(text: &str) -> Vec<String> {
    let parts: Vec<String> = if text.chars().any(is_cjk) {
        japanese_parts(text)
    } else {
        let mut parts = vec![text.to_string()];
        for join in ENGLISH_JOINS {
            parts = parts
                .iter()
                .flat_map(|p| p.split(join).map(str::to_string).collect::<Vec<_>>())
                .collect();
        }
        parts
    };
    let parts: Vec<String> = parts
        .into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| p.chars().filter(|c| c.is_alphanumeric()).count() >= 2)
        .collect();
    if parts.len() >= 2 { parts } else { Vec::new() }
}

/// The parts of a Japanese text ([`parts`]), as typed (a part is read again as a question).
fn japanese_parts(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    // A character of a word that is not a particle: kanji, katakana, Latin letters or digits.
    let word = |i: usize| {
        chars.get(i).is_some_and(|&c| {
            is_kanji(c)
                || matches!(c, 'ァ'..='ヶ' | 'ー' | 'ｦ'..='ﾟ')
                || c.is_alphanumeric() && !is_cjk(c)
        })
    };
    let mut parts = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        // After a clause's mark, and at と between two words (消費税と端数).
        let mark = matches!(c, '、' | '，' | ',' | '､');
        if mark || c == 'と' && i > 0 && word(i - 1) && word(i + 1) {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    parts.push(current);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_of_two_things_has_two_parts() {
        assert_eq!(
            parts("消費税と端数の扱いを教えてください"),
            ["消費税", "端数の扱いを教えてください"]
        );
        assert_eq!(
            parts("証明書は何枚必要で、PCが壊れたらどうする？"),
            ["証明書は何枚必要で", "PCが壊れたらどうする？"]
        );
        assert_eq!(
            parts("How much is the subsidy and when do we apply?"),
            ["How much is the subsidy", "when do we apply?"]
        );
        // One thing asked: no parts (と after hiragana is a particle of a verb: 取ると).
        assert!(parts("補助金はいくら？").is_empty());
        assert!(parts("同意を取るといつまで有効？").is_empty());
        assert!(parts("When do we apply?").is_empty());
        // Nor two sentences: the message is read by the one that asks.
        assert!(parts("領収書をなくした患者さんがいます。再発行はできますか。").is_empty());
    }
}
