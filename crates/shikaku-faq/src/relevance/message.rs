//! Reading a message of several sentences, English or Japanese: the sentences that ask are the
//! question, the story around them is not (a greeting, who writes, what happened, a reason
//! after ", as").

use std::collections::HashSet;
use std::sync::LazyLock;

use crate::normalize::normalize;

use super::around::{FRAME_ENDS, split_at_frame, who_apart, who_asks, without_framing};
use super::english::english_terms;
use super::japanese::japanese_terms;
use super::script::{Script, is_cjk, scripted_chars};
use super::synonyms::Synonyms;
use super::{Kind, Said, Term};

/// How a sentence that asks begins (Could you …, How do we …, Is it …).
const ASKING_STARTS: &[&str] = &[
    "could ", "can ", "would ", "will ", "how ", "what ", "what's ", "when ", "where ", "who ",
    "which ", "why ", "is ", "are ", "do ", "does ", "did ", "may ", "should ", "must ", "please ",
    "has ", "have ",
];

/// What a sentence that asks says inside it (I'd like to know …, our director asked whether …).
const ASKING: &[&str] = &[
    "like to know",
    "like to confirm",
    "like to ask",
    "want to know",
    "need to know",
    "let me know",
    "tell me",
    "wondering",
    "whether",
    "asked if",
    "is it possible",
];

/// How many words the entries know a question must name to be read without the sentence
/// before it (What are our options? names one).
const SELF_CONTAINED: usize = 2;

/// Words that point back at the sentence before (What does that mean? Can you point me to them?).
/// "Can we still …?" asks on the premise of the sentence before, "their drug history" about
/// the person it names.
const POINTING_BACK: &[&str] = &[
    " it ",
    " that ",
    " this ",
    " them ",
    " they ",
    " such ",
    " those ",
    " still ",
    " the details ",
    " instead ",
    " their ",
    " his ",
    " her ",
];

/// The terms of an English question. A message of several sentences (a greeting, who is
/// writing, what happened, then what they ask) is read by the sentences that ask: a question
/// that points back (What does that mean?) or names fewer than two words the
/// entries know (Could you tell me what we should do? What are our options?) asks about the
/// sentence before it too; the rest is the story around the question. `rewrite` applies the
/// synonyms to a sentence (they take punctuation for spaces, so they come after the split);
/// `known` tells a word the entries use.
pub fn english_question(
    text: &str,
    rewrite: impl Fn(&str) -> String,
    known: impl Fn(&str) -> bool,
) -> Vec<Term> {
    // A frame before a colon or a dash is a sentence of its own when what follows asks
    // by itself (Certificate: how many do we need?): the story around it when that names its
    // own topic, part of the question when it does not. What follows as a fragment (Integration
    // with the receipt computer — file based?) completes the frame: one sentence. (A frame that
    // only says a question follows goes: [`without_framing`].)
    let text = without_framing(text);
    let joined;
    let text = match split_at_frame(text) {
        Some((frame, rest)) if !starts_asking(&rest.trim_start().to_lowercase()) => {
            joined = format!("{frame} {rest}");
            joined.as_str()
        }
        _ => text,
    };
    let read = who_apart(sentences(text), |s| english_terms(&rewrite(s)), &known);
    let asks: Vec<bool> = read.iter().map(|(s, may)| *may && asking(s)).collect();
    let mut said: Vec<(String, Vec<Term>)> = read
        .into_iter()
        .map(|(s, _)| {
            let terms = english_terms(&rewrite(&s));
            (s, terms)
        })
        .collect();
    // A sentence that only says who asks (We are a small clinic. I'm the office manager at an
    // eye clinic.) is no part of the question, unless nothing else says anything.
    let mut who: Vec<bool> = said
        .iter()
        .zip(&asks)
        .map(|((s, terms), a)| !a && who_asks(s, terms, &known))
        .collect();
    if !(0..said.len()).any(|i| !who[i] && !said[i].1.is_empty()) {
        who.fill(false);
    }
    for ((_, terms), w) in said.iter_mut().zip(&who) {
        if *w {
            terms.clear();
        }
    }
    let mut question: Vec<bool> = said
        .iter()
        .zip(&asks)
        .map(|((_, terms), a)| *a && !terms.is_empty())
        .collect();
    // From the last sentence back, so that a sentence taken in that names too little itself
    // can point further back.
    for (i, (s, terms)) in said.iter().enumerate().rev() {
        let vague = terms
            .iter()
            .filter(|t| t.kind != Kind::Weak && known(&t.text))
            .count()
            < SELF_CONTAINED;
        let points_back = points_back(s);
        // A question that points back asks about the story before it, back to a sentence
        // that asks (Today I noticed the amount was wrong. Can I pull it back?); a sentence
        // taken in that names too little itself takes the one before it in too (Nothing has
        // come yet. When will it be delivered?).
        if asks[i] && points_back {
            for before in (0..i).rev().take_while(|j| !asks[*j]) {
                question[before] = true;
            }
            continue;
        }
        let taken_vague = question[i] && !asks[i] && vague;
        if (asks[i] && vague || question[i] && vague && points_back || taken_vague)
            && let Some(before) = (0..i).rev().find(|j| !said[*j].1.is_empty())
            && !(taken_vague && asks[before])
        {
            question[before] = true;
        }
    }
    if !question.iter().any(|q| *q) {
        // Every word, but those of who asks.
        if !who.contains(&true) {
            return english_terms(&rewrite(text));
        }
        let rest: Vec<&str> = said
            .iter()
            .zip(&who)
            .filter(|(_, w)| !**w)
            .map(|((s, _), _)| s.as_str())
            .collect();
        return english_terms(&rewrite(&rest.join(". ")));
    }
    let mut terms: Vec<Term> = Vec::new();
    let mut seen = HashSet::new();
    for (i, ((_, sentence), q)) in said.iter().zip(&question).enumerate() {
        // The story just before a sentence that asks still names a neighbouring topic (I
        // work at a chiropractic clinic. Are card readers free for us?).
        let near = asks.get(i + 1).copied().unwrap_or(false);
        for t in sentence {
            if !(*q || near && t.is_neighbour()) {
                continue;
            }
            if seen.insert(t.text.clone()) {
                let word = terms.len();
                terms.push(t.clone().at(word, 0));
            }
        }
    }
    terms
}

/// Where a sentence goes on to give its reason or consequence (…, as our vendor visit is next
/// month): what follows is a sentence of its own, and never the one that asks.
const REASONS: &[&str] = &[", as ", " because ", ", since ", ", so "];

/// The sentences of a text, lower case, each with whether it may be the one that asks (a
/// question's with its question mark; a reason split off from it may not).
fn sentences(text: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut current = String::new();
    // What comes before a colon, or before ", but" and a question, frames what follows (Quick
    // question: …, Sorry to bother you, but when …): a sentence of its own.
    let text = FRAME_ENDS
        .iter()
        .fold(text.to_lowercase(), |t, end| t.replace(end, "\n"));
    let text = ASKING_STARTS.iter().fold(text, |t, start| {
        t.replace(&format!(", but {start}"), &format!("\n{start}"))
    });
    let chars: Vec<char> = text.chars().chain(std::iter::once('\n')).collect();
    for (i, &c) in chars.iter().enumerate() {
        // A point inside a number or a word (1.05 million yen, ver.2) ends no sentence.
        let inside = c == '.' && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
        if inside || !matches!(c, '.' | '?' | '!' | '\n') {
            current.push(c);
            continue;
        }
        let (head, reason) = REASONS
            .iter()
            .filter_map(|r| current.split_once(r))
            .min_by_key(|(head, _)| head.len())
            .map_or((current.as_str(), None), |(h, r)| (h, Some(r)));
        // A question may follow the reason after a comma (…, because a newer record exists,
        // what does that mean?): it asks about the whole statement before it, reason and all.
        let then = reason.and_then(|r| {
            let at = ASKING_STARTS
                .iter()
                .filter_map(|w| r.find(&format!(", {w}")))
                .min()?;
            let statement = current.len() - r.len() + at;
            Some((&current[..statement], &r[at + 2..]))
        });
        let asked = |s: &str| {
            let mut s = s.trim().to_string();
            if c == '?' {
                s.push('?');
            }
            s
        };
        let parts = match then {
            Some((statement, question)) => [
                (statement.trim().to_string(), false),
                (asked(question), true),
            ],
            None => [
                (asked(head), true),
                (reason.unwrap_or("").trim().to_string(), false),
            ],
        };
        for (s, may_ask) in parts {
            if !s.is_empty() {
                out.push((s, may_ask));
            }
        }
        current.clear();
    }
    out
}

/// Whether a sentence asks something (ends in ?, begins as a question, or says it wants to know).
fn asking(sentence: &str) -> bool {
    sentence.ends_with('?')
        || starts_asking(sentence)
        || ASKING.iter().any(|w| sentence.contains(w))
}

/// Whether a sentence (lower case) begins as a question (what, can we, please).
fn starts_asking(sentence: &str) -> bool {
    let s = sentence.trim_start_matches(|c: char| !c.is_alphanumeric());
    ASKING_STARTS.iter().any(|w| s.starts_with(w))
}

/// How a Japanese sentence that asks ends, once normalized and without its 。 (…ですか,
/// …教えてください, …知りたいです, …変えたいのですが, …わかりません).
const JAPANESE_ASKING_ENDS: &[&str] = &[
    "か",
    "かね",
    "かな",
    "の",
    "ください",
    "下さい",
    "教えて",
    "ほしい",
    "ほしいです",
    "たい",
    "たいです",
    "たいのですが",
    "たいんですが",
    "たいのですけど",
    "たいんですけど",
    "いい",
    "よい",
    "わかりません",
    "分かりません",
    "わからない",
    "分からない",
    "わかっていません",
];

/// What a Japanese sentence that asks says inside it (…を知りたいと思っています, …か教えて).
const JAPANESE_ASKING: &[&str] = &[
    "知りたい",
    "教えて",
    "ですか",
    "ますか",
    "でしょうか",
    "ませんか",
    "のかわから",
    "か分から",
];

/// Words of a Japanese sentence that point back at the one before (その場合どうなりますか,
/// このまま使えますか, それはなぜ).
const JAPANESE_POINTING_BACK: &[&str] = &[
    "その",
    "それ",
    "そう",
    "この",
    "これ",
    "こう",
    "そちら",
    "同じ",
    "ただ",
];

/// The words that open a Japanese sentence to link it to the one before (ただ、, しかし、):
/// dropped from it, though it still points back.
const JAPANESE_LINKS: &[&str] = &[
    "ただし",
    "ただ",
    "しかし",
    "でも",
    "なお",
    "また",
    "それで",
    "そこで",
    "ところが",
    "ちなみに",
    "それと",
    "あと",
];

/// The terms of a Japanese question. A message of several sentences (お世話になっております。
/// 事務の田中です。…を忘れてしまいました。どうすればいいですか。) is read as an English one is
/// ([`english_question`]): by the sentences that ask. One that names fewer than two words `known`
/// tells (どうすればいいですか) takes in the story before it, back to the sentence before that
/// asks (told: its words no entry uses weigh nothing); one that points back
/// (その場合どうなりますか) takes in the sentence before. The rest of the story is the
/// question's setting (context weight, its words no entry uses weighing nothing),
/// in runs after its own. A neighbouring topic said further back than just before a sentence
/// that asks is left out. `known` tells a term that names something: some entries use it, but
/// not most ([`super::Model::tells`]).
pub fn japanese_question(
    text: &str,
    synonyms: &Synonyms,
    known: impl Fn(&Term) -> bool,
) -> Vec<Term> {
    let read = japanese_sentences(text);
    if read.len() < 2 {
        return japanese_terms(text, synonyms);
    }
    let said: Vec<Vec<Term>> = read
        .iter()
        .map(|s| {
            // The link before a pause or a word in kanji or katakana (でも準備が…).
            let unlinked = JAPANESE_LINKS.iter().find_map(|w| {
                let rest = s.strip_prefix(w)?;
                rest.strip_prefix(|c: char| matches!(c, '、' | '，' | ',' | ' ' | '\u{3000}'))
                    .or_else(|| {
                        let first = scripted_chars(rest).first().map(|(_, script)| *script);
                        matches!(first, Some(Script::Kanji | Script::Katakana)).then_some(rest)
                    })
            });
            japanese_terms(unlinked.unwrap_or(s), synonyms)
        })
        .collect();
    let asks: Vec<bool> = read.iter().map(|s| japanese_asking(s)).collect();
    let mut question: Vec<bool> = said
        .iter()
        .zip(&asks)
        .map(|(terms, a)| *a && !terms.is_empty())
        .collect();
    let mut told = vec![false; read.len()];
    for i in (0..read.len()).rev() {
        // The words it names: each run's known strong bigrams one word, each known stem one
        // (買い替えの補助 is one run of two stems and a noun: three).
        let named: HashSet<(u16, &str)> = said[i]
            .iter()
            .filter(|t| t.kind != Kind::Weak && !t.context && known(t))
            .map(|t| match t.kind {
                Kind::Stem => (u16::MAX, t.key.as_str()),
                _ => (t.run, ""),
            })
            .collect();
        let vague = named.len() < SELF_CONTAINED;
        let points_back = japanese_points_back(&read[i]);
        if !(asks[i] || question[i]) {
            continue;
        }
        if vague && asks[i] {
            // Back to the sentence before that asks, which says what it asks itself.
            for before in (0..i).rev().take_while(|j| !asks[*j]) {
                if !said[before].is_empty() {
                    question[before] = true;
                    told[before] = true;
                }
            }
        } else if (vague || points_back)
            && let Some(before) = (0..i).rev().find(|j| !said[*j].is_empty())
        {
            question[before] = true;
            told[before] = !asks[before];
        }
    }
    if !question.iter().any(|q| *q) {
        return japanese_terms(text, synonyms);
    }
    // The question's sentences first, then the story, each sentence's runs after the last.
    let mut terms: Vec<Term> = Vec::new();
    let mut seen = HashSet::new();
    // A neighbouring topic names the question's subject only in a sentence that asks or the
    // one just before (電子処方箋を始めたい。どこで申し込めばいい？), not further back in the
    // story (説明会に出ました。…という言葉が出てきました。あれは何のため？).
    let near = |i: usize| asks[i] || asks.get(i + 1).copied().unwrap_or(false);
    for setting in [false, true] {
        for (i, ((sentence, q), told)) in said.iter().zip(&question).zip(&told).enumerate() {
            if *q == setting {
                continue;
            }
            let runs = super::runs(&terms);
            for t in sentence {
                if *told && !near(i) && t.is_neighbour() {
                    continue;
                }
                if seen.insert(t.key.clone()) {
                    let mut t = t.clone();
                    t.run = t.run.saturating_add(runs);
                    t.said = match (setting, *told) {
                        (true, _) => Said::Story,
                        (false, true) => Said::Told,
                        (false, false) => Said::Asked,
                    };
                    terms.push(t);
                }
            }
        }
    }
    terms
}

/// What a message of several sentences asks: its last sentence that asks, with the one before
/// when it points back or is short (今どうなっていますか, Is that right?); `None` for a text of
/// one sentence or none that asks. For the chatbot's personal questions, which a story around
/// them would otherwise trip (今月また来院されました。もう一度同意が必要ですか, We are
/// renovating our reception. Does the subsidy cover furniture?).
pub fn asking_part(text: &str) -> Option<String> {
    /// Fewer characters than this, and a sentence that asks says too little by itself.
    const SHORT: usize = 12;
    /// Fewer words than this, and an English sentence that asks says too little by itself.
    const SHORT_ENGLISH: usize = 5;
    if text.chars().any(is_cjk) {
        let read = japanese_sentences(text);
        let last = read.iter().rposition(|s| japanese_asking(s));
        last_asked(&read, last, "。", |s| {
            japanese_points_back(s) || s.chars().count() < SHORT
        })
    } else {
        let read: Vec<(String, bool)> = sentences(text);
        let last = read.iter().rposition(|(s, may)| *may && asking(s));
        let read: Vec<String> = read.into_iter().map(|(s, _)| s).collect();
        last_asked(&read, last, ". ", |s| {
            points_back(s) || s.split_whitespace().count() < SHORT_ENGLISH
        })
    }
}

/// The sentence `last` of `read` (lower-cased English or Japanese), joined with `stop` to the
/// one before it when `needs_before` says it cannot stand alone; `None` for a text of one
/// sentence or none that asks.
fn last_asked(
    read: &[String],
    last: Option<usize>,
    stop: &str,
    needs_before: impl Fn(&str) -> bool,
) -> Option<String> {
    if read.len() < 2 {
        return None;
    }
    let last = last?;
    let asked = read.get(last)?;
    match last.checked_sub(1).and_then(|b| read.get(b)) {
        Some(before) if needs_before(asked) => Some(format!("{before}{stop}{asked}")),
        _ => Some(asked.clone()),
    }
}

/// Whether an English sentence (lower case) points back at what came before (Is that right?,
/// Can I pull it back?).
fn points_back(sentence: &str) -> bool {
    let bare = format!(" {} ", sentence.trim_end_matches('?'));
    POINTING_BACK.iter().any(|w| bare.contains(w))
}

/// Whether a Japanese sentence points back at what came before (その場合, それは).
fn japanese_points_back(sentence: &str) -> bool {
    JAPANESE_POINTING_BACK.iter().any(|w| sentence.contains(w))
}

/// The sentences of a Japanese text, split after 。, ？, ！ and line breaks (the marks kept
/// out, a question mark kept as the sentence's last character).
fn japanese_sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = text.chars().chain(std::iter::once('\n')).collect();
    for (i, &c) in chars.iter().enumerate() {
        if matches!(c, '?' | '？') {
            current.push('？');
        }
        // A point inside a number (32．1万円) ends no sentence.
        let inside = c == '．'
            && i.checked_sub(1)
                .and_then(|p| chars.get(p))
                .is_some_and(|p| p.is_numeric())
            && chars.get(i + 1).is_some_and(|n| n.is_numeric());
        if !inside && matches!(c, '。' | '．' | '?' | '？' | '!' | '！' | '\n') {
            let s = current.trim().to_string();
            if !s.is_empty() {
                out.push(s);
            }
            current.clear();
        } else {
            current.push(c);
        }
    }
    out
}

/// Whether a Japanese sentence asks something (ends in ？ or as a question or request does, or
/// says it wants to know).
fn japanese_asking(sentence: &str) -> bool {
    static ENDS: LazyLock<Vec<String>> = LazyLock::new(|| normalized(JAPANESE_ASKING_ENDS));
    static SAYS: LazyLock<Vec<String>> = LazyLock::new(|| normalized(JAPANESE_ASKING));
    let s = normalize(sentence);
    let s = s.trim_end_matches(|c: char| !c.is_alphanumeric());
    sentence.ends_with('？')
        || ENDS.iter().any(|e| s.ends_with(e.as_str()))
        || SAYS.iter().any(|w| s.contains(w.as_str()))
}

fn normalized(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| normalize(w)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::relevance::texts;

    #[test]
    fn a_message_is_read_by_the_sentences_that_ask() {
        let known =
            |t: &str| ["facil", "code", "check", "digit", "portal", "drug", "view"].contains(&t);
        let read = |text: &str| {
            let terms = english_question(text, str::to_string, known);
            texts(&terms)
                .into_iter()
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        // A question naming nothing known asks about the sentence before it; who writes is not
        // the question.
        assert_eq!(
            read(
                "Hello, I'm the office manager in Osaka. The portal says our facility code has \
                 an invalid check digit. Could you tell me what we should do?"
            ),
            ["portal", "facil", "code", "invalid", "check", "digit"]
        );
        // A reason after ", as" is not what is asked.
        assert_eq!(
            read("When is the drug deadline, as our vendor comes next month?"),
            ["drug", "deadlin"]
        );
        // A frame before a colon, or before ", but" and a question, is not the question.
        assert_eq!(
            read("Quick question: what is the facility code check digit?"),
            ["facil", "code", "check", "digit"]
        );
        assert_eq!(
            read("Not sure this is the right place, but how do we view drug information?"),
            ["view", "drug", "inform"]
        );
        // Unless a question follows it that points back at the statement, reason and all.
        assert_eq!(
            read("The portal failed because the code was wrong, what does that mean?"),
            ["portal", "fail", "code", "wrong", "mean"]
        );
        // A question that points back takes in the story back to the sentence that asks.
        assert_eq!(
            read(
                "Our facility code has a check digit. The portal says it is wrong. Is that right?"
            ),
            ["facil", "code", "check", "digit", "portal", "wrong"]
        );
        // One sentence, or none that asks: every word.
        assert_eq!(
            read("facility code check digit"),
            ["facil", "code", "check", "digit"]
        );
        assert_eq!(read("Our code. It fails."), ["code", "fail"]);
        // A short frame before a colon goes when what follows names its topic; not when
        // what follows names too little of its own.
        assert_eq!(
            read("Quick question: facility code check digit"),
            ["facil", "code", "check", "digit"]
        );
        assert_eq!(read("Portal: what is this?"), ["portal"]);
        // A fragment after a dash or a colon completes what comes before it, however much it
        // names itself.
        assert_eq!(
            read("Facility code — check digit?"),
            ["facil", "code", "check", "digit"]
        );
        // A point inside a number ends no sentence (what is the 1.05 million yen cap).
        assert_eq!(
            read("what is the 1.05 code check digit"),
            ["1", "05", "code", "check", "digit"]
        );
        // Their points back at the person the sentence before names.
        assert_eq!(
            read("The patient showed a card. Can we view their drug history?"),
            ["patient", "card", "view", "drug", "histori"]
        );
    }

    #[test]
    fn who_asks_is_no_part_of_an_english_question() {
        let known = |t: &str| ["portal", "card", "reader", "free", "work", "recept"].contains(&t);
        let read = |text: &str| {
            let terms = english_question(text, super::super::english_neighbours, known);
            let words: Vec<String> = texts(&terms).into_iter().map(str::to_string).collect();
            words
        };
        // A sentence, or the start of one, that only says who asks.
        assert_eq!(
            read("We are a small clinic. I forgot the portal password"),
            ["forgot", "portal", "password"]
        );
        assert_eq!(
            read("I work at the reception of an orthopedic clinic, we are locked out"),
            ["lock", "out"]
        );
        assert_eq!(
            read("Dental clinic here. Portal password?"),
            ["portal", "password"]
        );
        // Not who asks: what the clinic has, or a place the FAQ is not for.
        assert_eq!(
            read("Our clinic has no card reader."),
            ["clinic", "card", "reader"]
        );
        let chiropractic = read("I work at a chiropractic clinic. Are card readers free?");
        assert!(chiropractic[0].starts_with(super::super::english::NEIGHBOUR));
        assert_eq!(chiropractic[1..], ["card", "reader", "free"]);
    }

    #[test]
    fn a_japanese_message_is_read_by_the_sentences_that_ask() {
        let s = Synonyms::parse("");
        let known = |t: &Term| {
            [
                "証明", "明書", "端末", "~忘", "ぱす", "すわ", "わど", "~使", "~置",
            ]
            .contains(&t.key.as_str())
        };
        let read = |text: &str| -> Vec<(String, Said)> {
            japanese_question(text, &s, known)
                .into_iter()
                .map(|t| (t.text, t.said))
                .collect()
        };
        let said = |text: &str, said: Said| -> Vec<String> {
            read(text)
                .into_iter()
                .filter(|(_, s)| *s == said)
                .map(|(t, _)| t)
                .collect()
        };
        // A question naming nothing asks about all the story before it; who writes weighs
        // nothing when no entry knows the words (the weight is the model's; here: told).
        let told = said(
            "事務の田中です。パスワードを忘れました。どうすればいいですか。",
            Said::Told,
        );
        assert!(told.contains(&"田中".to_string()) && told.contains(&"忘れ".to_string()));
        assert!(
            said(
                "事務の田中です。パスワードを忘れました。どうすればいいですか。",
                Said::Asked
            )
            .is_empty()
        );
        // A point inside a number ends no sentence (32．1万円).
        assert!(said("証明書は32．1万円ですか", Said::Asked).contains(&"32".to_string()));
        // A question naming its own topic: the story around it sets the scene.
        let text = "薬局の奥に置く予定です。証明書は端末ごとに必要ですか。";
        assert!(said(text, Said::Asked).contains(&"証明".to_string()));
        assert!(said(text, Said::Story).contains(&"置く".to_string()));
        assert!(said(text, Said::Told).is_empty());
        // A question that points back (このまま) takes the sentence before in, a linking word
        // (ただ、) dropped.
        let text = "証明書の端末を使っています。ただ、このまま使えますか。";
        assert!(said(text, Said::Told).contains(&"証明".to_string()));
        assert!(!read(text).iter().any(|(t, _)| t == "ただ"));
        // A vague question takes the story in back to the sentence before that asks only.
        let text = "パスワードを忘れました。証明書は端末に置きますか。どうすればいいですか。";
        assert!(said(text, Said::Story).contains(&"ぱす".to_string()));
        assert!(said(text, Said::Told).is_empty());
        // One sentence: every word asked, as japanese_terms reads it.
        assert_eq!(
            japanese_question("証明書は端末ごとに必要ですか", &s, known),
            japanese_terms("証明書は端末ごとに必要ですか", &s)
        );
    }
}
