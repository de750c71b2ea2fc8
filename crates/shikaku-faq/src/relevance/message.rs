//! Reading an English message: the sentences that ask are the question, the story around
//! them is not (a greeting, who writes, what happened, a reason after ", as").

use std::collections::HashSet;

use super::Term;
use super::english::english_terms;

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
    let read = sentences(text);
    let asks: Vec<bool> = read.iter().map(|(s, may)| *may && asking(s)).collect();
    let said: Vec<(String, Vec<Term>)> = read
        .into_iter()
        .map(|(s, _)| {
            let terms = english_terms(&rewrite(&s));
            (s, terms)
        })
        .collect();
    let mut question: Vec<bool> = said
        .iter()
        .zip(&asks)
        .map(|((_, terms), a)| *a && !terms.is_empty())
        .collect();
    // From the last sentence back, so that a sentence taken in that names too little itself
    // can point further back.
    for (i, (s, terms)) in said.iter().enumerate().rev() {
        let vague = terms.iter().filter(|t| known(&t.text)).count() < SELF_CONTAINED;
        let s = s.trim_end_matches('?');
        let points_back = POINTING_BACK.iter().any(|w| format!(" {s} ").contains(w));
        if (asks[i] && (vague || points_back) || question[i] && vague && points_back)
            && let Some(before) = (0..i).rev().find(|j| !said[*j].1.is_empty())
        {
            question[before] = true;
        }
    }
    if !question.iter().any(|q| *q) {
        return english_terms(&rewrite(text));
    }
    let mut terms: Vec<Term> = Vec::new();
    let mut seen = HashSet::new();
    for ((_, sentence), q) in said.iter().zip(&question) {
        if !*q {
            continue;
        }
        for t in sentence {
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

/// Where the frame of a sentence ends and what it frames begins.
const FRAME_ENDS: &[&str] = &[": ", "："];

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
    for c in text.chars().chain(std::iter::once('\n')) {
        if !matches!(c, '.' | '?' | '!' | '\n') {
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
    let s = sentence.trim_start_matches(|c: char| !c.is_alphanumeric());
    sentence.ends_with('?')
        || ASKING_STARTS.iter().any(|w| s.starts_with(w))
        || ASKING.iter().any(|w| s.contains(w))
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
        // One sentence, or none that asks: every word.
        assert_eq!(
            read("facility code check digit"),
            ["facil", "code", "check", "digit"]
        );
        assert_eq!(read("Our code. It fails."), ["code", "fail"]);
        // Their points back at the person the sentence before names.
        assert_eq!(
            read("The patient showed a card. Can we view their drug history?"),
            ["patient", "card", "view", "drug", "histori"]
        );
    }
}
