//! What a message carries around its question: a frame before a colon or a dash that only says
//! a question follows (Quick question: …, Question - …), the marks that number its parts (1. 2. ①), and an
//! English sentence, or the start of one, that only says who asks (We are a small clinic.).

use super::{Kind, Term};

/// How a sentence that says who asks opens (We are a small clinic, I'm the office manager
/// at …, This is the front desk of …), or how it ends (Dental clinic here).
const WHO_OPENINGS: &[&str] = &[
    "we are ", "we're ", "were a ", "were an ", "i am ", "i'm ", "im ", "this is ", "i work ",
    "we run ",
];

/// The places who asks is at (a clinic, the front desk), one of which a sentence that says
/// who asks names (stems).
const WHO_PLACES: &[&str] = &[
    "clinic", "hospit", "pharmaci", "practic", "surgeri", "desk", "chemist", "dentist", "recept",
];

/// The other words the entries know that such a sentence may say (I work at, the medical
/// clerk, the staff of).
const WHO_WORDS: &[&str] = &["work", "medic", "staff"];

/// Where who asks, said first, gives way to the question in the same sentence (I work at
/// the reception of an orthopedic clinic, we are locked out; We're an eye clinic and we forgot
/// our password).
const WHO_ENDS: &[&str] = &[", ", " and we ", " and i ", " and our "];

/// `read` with who asks, said at the start of a sentence before a comma or an "and we", a
/// sentence of its own (`terms` reads a sentence).
pub(super) fn who_apart(
    read: Vec<(String, bool)>,
    terms: impl Fn(&str) -> Vec<Term>,
    known: impl Fn(&str) -> bool,
) -> Vec<(String, bool)> {
    let mut out = Vec::with_capacity(read.len());
    for (s, may) in read {
        let apart = WHO_ENDS
            .iter()
            .filter_map(|end| s.find(end).map(|at| (at, end.len())))
            .min()
            .map(|(at, n)| (s[..at].to_string(), s[at + n..].trim_start().to_string()))
            .filter(|(who, rest)| !rest.is_empty() && who_asks(who, &terms(who), &known));
        match apart {
            Some((who, rest)) => {
                out.push((who, false));
                out.push((rest, may));
            }
            None => out.push((s, may)),
        }
    }
    out
}

/// Whether an English sentence (lower case) only says who asks: it opens as one does (or ends
/// in "here"), names a place, and names nothing else an entry knows (`terms` its terms).
pub(super) fn who_asks(sentence: &str, terms: &[Term], known: impl Fn(&str) -> bool) -> bool {
    let s = sentence.trim_end_matches(['.', '!', ',', ' ']);
    let opens = WHO_OPENINGS.iter().any(|w| s.starts_with(w)) || s.ends_with(" here");
    let place = |t: &Term| WHO_PLACES.iter().any(|p| t.text.starts_with(p));
    let says = |t: &Term| WHO_WORDS.contains(&t.text.as_str());
    // A place the FAQ is not for (a chiropractic clinic) is not just who asks.
    opens
        && terms.iter().any(place)
        && !terms.iter().any(Term::is_neighbour)
        && terms
            .iter()
            .all(|t| place(t) || says(t) || t.kind == Kind::Weak || !known(&t.text))
}

/// Where the frame of a sentence ends and what it frames begins.
pub(super) const FRAME_ENDS: &[&str] = &[": ", "：", " - ", " — "];

/// What opens `text` before its first colon or dash, within its first sentence, and what
/// follows it (Integration with the receipt computer — file based?), if anything does.
pub(super) fn split_at_frame(text: &str) -> Option<(&str, &str)> {
    FRAME_ENDS
        .iter()
        .find_map(|end| text.split_once(end))
        .filter(|(frame, rest)| !frame.contains(['.', '?', '!', '\n']) && !rest.trim().is_empty())
}

/// A short frame that opens `text` before a colon or a dash (Quick question: …, Question - …)
/// and what follows it, if one does.
fn framed(text: &str) -> Option<(&str, &str)> {
    /// The most words a frame has (Question about our certificate: 4).
    const FRAME_WORDS: usize = 4;
    split_at_frame(text).filter(|(frame, _)| frame.split_whitespace().count() <= FRAME_WORDS)
}

/// The words of a frame that only says a question follows (Quick question:, One more thing:,
/// Hi team:, URGENT:).
const FRAMING: &[&str] = &[
    "quick",
    "question",
    "questions",
    "query",
    "short",
    "another",
    "one",
    "more",
    "thing",
    "hi",
    "hello",
    "team",
    "urgent",
    "help",
    "please",
    "sorry",
    "a",
    "two",
    "follow",
    "up",
    "fyi",
    // A mail's parts, as a message copied from one names them (Subject: …, Body: …).
    "subject",
    "body",
];

/// A question without a frame before a colon or a dash that only says a question follows
/// (Quick question: hojokin → hojokin), in either language; the question as it is otherwise.
pub fn without_framing(text: &str) -> &str {
    match framed(text) {
        Some((frame, rest)) if only_framing(frame) => rest,
        _ => text,
    }
}

/// A question without the marks that number its parts (1. リーダーは何台？ 2. 追加は？, ①…
/// ②…, 1) …): a circled figure, or at its start or after a sentence's end a figure or two and
/// a point, a bracket or a comma, then a space. Not a figure inside a sentence (we have 2. Is
/// that enough?).
pub fn without_list_marks(text: &str) -> std::borrow::Cow<'_, str> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    // At the start, or after a sentence's end and the spaces after it.
    let mut opening = true;
    while let Some(&c) = chars.get(i) {
        // ① … ⑳ number parts wherever they stand.
        if ('①'..='⑳').contains(&c) {
            out.push(' ');
            i += 1;
            continue;
        }
        if opening {
            let digits = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
            let mark = chars.get(i + digits).is_some_and(|m| ".)）、".contains(*m));
            let space = chars.get(i + digits + 1).is_some_and(|s| s.is_whitespace());
            if (1..=2).contains(&digits) && mark && space {
                i += digits + 2;
                continue;
            }
        }
        opening = "。？！?!".contains(c) || opening && c.is_whitespace();
        out.push(c);
        i += 1;
    }
    if out == text { text.into() } else { out.into() }
}

/// Whether a frame before a colon or a dash only says a question follows.
fn only_framing(frame: &str) -> bool {
    frame
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .all(|w| FRAMING.contains(&w.to_lowercase().as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_surrounds_a_question_is_no_word_of_it() {
        // A frame that only says a question follows, before a colon or a dash.
        assert_eq!(without_framing("Question - the portal?"), "the portal?");
        assert_eq!(without_framing("Quick question: 補助金"), "補助金");
        assert_eq!(
            without_framing("Certificate: how many?"),
            "Certificate: how many?"
        );
        // The marks that number a question's parts; not a figure inside a sentence.
        assert_eq!(
            without_list_marks("1. りだは何台？ 2. 追加は？"),
            "りだは何台？ 追加は？"
        );
        assert_eq!(without_list_marks("①りだ②追加"), " りだ 追加");
        assert_eq!(
            without_list_marks("We have 2. Is it ok? 3) yes"),
            "We have 2. Is it ok? yes"
        );
    }
}
