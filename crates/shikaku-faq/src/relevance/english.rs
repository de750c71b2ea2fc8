//! Reading an English question: stemmed words without stop words, compounds joined.

use std::collections::HashSet;

use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
    TokenStream,
};

use super::{Kind, Term};

/// English stop words: function words and the words every question has.
#[rustfmt::skip]
const ENGLISH_STOP: &[&str] = &[
    "a", "an", "the", "and", "or", "of", "to", "in", "on", "at", "for", "by", "with", "from", "is",
    "are", "was", "were", "be", "been", "am", "do", "does", "did", "can", "could", "may", "might",
    "must", "should", "would", "will", "shall", "i", "we", "you", "me", "us", "my", "our", "your",
    "it", "its", "this", "that", "these", "those", "there", "what", "which", "who", "whom",
    "whose", "how", "why", "where", "when", "if", "please", "tell", "know", "want", "like", "get",
    "any", "some", "about", "so", "as", "here", "hi", "hello", "thanks", "thank", "need",
    "have", "has", "had", "not", "no", "yes",
    // What is left of a contraction once the tokenizer splits at the apostrophe (can't, I'm).
    "t", "s", "m", "d", "ve", "ll", "re", "don", "doesn", "didn", "isn", "aren", "wasn", "won",
    "cannot", "couldn", "wouldn", "shouldn", "haven", "hasn",
    // Adverbs that say when or how sure, not what.
    "still", "also", "just", "really", "yet", "already", "ever", "even", "now", "then", "very",
    "actually", "anyway", "again",
    // Other people, the links of a sentence and the asker's frame (she asked whether …, we are
    // supposed to …, today).
    "he", "she", "him", "her", "his", "hers", "they", "them", "their", "theirs", "ours", "yours",
    "mine", "myself", "ourselves", "but", "because", "since", "whether", "while", "than", "too",
    "only", "though", "although", "unless", "let", "okay", "ok", "enough", "today", "yesterday",
    "sorry", "dear", "morning", "afternoon", "evening", "someone", "something", "anything",
    "everything", "each", "every", "suppose", "supposed", "expect", "seem", "seems", "wonder",
    "wondering", "all",
    // Inflected stop words (the filter runs before the stemmer).
    "wants", "wanted", "wanting", "needs", "needed", "likes", "liked", "gets", "got", "getting",
    "knows", "knew", "doing", "done", "having", "tells", "told", "goes", "going", "went", "gone",
    "during",
    // What a message says a screen or a person said (the schedule shows …, it says …).
    "show", "shows", "showed", "shown", "says", "said", "saying", "good",
    // What happens when …: asked of every topic.
    "happen", "happens", "happened", "happening", "occur", "occurs", "occurred",
    // Is it necessary: need, asked of every topic.
    "necessary",
    // How a request is put (I tried to …, could you walk me through …, explain), and who the
    // staff are (our international staff).
    "try", "tries", "tried", "trying", "walk", "through", "explain", "international",
    // Is it possible to …: can, asked of every topic.
    "possible", "possibly",
    // Hedges and when in a story (roughly, a while ago, suddenly, currently, I think, no idea).
    "roughly", "approximately", "ago", "while", "suddenly", "currently", "recently", "think",
    "idea", "maybe", "perhaps", "probably", "somehow", "unfortunately",
    // Give me an overview of …: how the request is put; the director who asked.
    "give", "overview", "director",
    // Framing of a case or of who asked (in such a case, she asked me, once we start, point me
    // to, several times, our elderly patients).
    "such", "case", "cases", "asked", "asks", "once", "point", "several", "elderly",
    // Qualifiers of the thing named after them (special equipment, a particular form).
    "special", "particular",
    // What a thing involves or how it behaves: asked of every topic (what's involved in the
    // operation test, the failover behaviour); hardware and legacy only qualify the thing
    // named after or before them (reader hardware, legacy ISDN).
    "involve", "involves", "involved", "behaviour", "behavior", "hardware", "legacy",
];

/// The analyzer for English questions and English entry text.
pub fn english_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(StopWordFilter::remove(
            ENGLISH_STOP.iter().map(|s| s.to_string()),
        ))
        .filter(Stemmer::new(Language::English))
        .build()
}

/// English names of several words that mean one thing: "my" is a stop word and "number" and
/// "card" are in many entries, so "apply for a My Number Card" would otherwise read as
/// "apply number card" (a card reader's number).
const ENGLISH_COMPOUNDS: &[(&[&str], &str)] = &[
    (&["my", "number", "card"], "mynumbercard"),
    (&["my", "number"], "mynumber"),
    (&["myna", "portal"], "mynaportal"),
    (&["myna", "card"], "mynumbercard"),
    // A patient getting a card of their own: a neighbouring topic, one word no entry uses
    // (the FAQ says how the facility reads the card, not how one is made).
    (&["get", "a", "my", "number", "card"], "newmynumbercard"),
    (&["get", "my", "number", "card"], "newmynumbercard"),
    (&["obtain", "a", "my", "number", "card"], "newmynumbercard"),
    (&["make", "a", "my", "number", "card"], "newmynumbercard"),
    // Not the portal's account (the stemmer reads both as "account").
    (&["accountant"], "taxaccountant"),
    (&["accountants"], "taxaccountant"),
];

/// An English text as lowercase words (split where the tokenizer splits: at anything not a
/// letter or digit) with its compounds joined — whole words only, so "army number" stays two
/// words. For indexing and matching only.
pub fn english_compounds(text: &str) -> String {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut out: Vec<&str> = Vec::with_capacity(words.len());
    let mut i = 0;
    'next: while i < words.len() {
        for (phrase, word) in ENGLISH_COMPOUNDS {
            if words.get(i..i + phrase.len()) == Some(*phrase) {
                out.push(word);
                i += phrase.len();
                continue 'next;
            }
        }
        out.push(words[i]);
        i += 1;
    }
    out.join(" ")
}

/// Stems of one word family that the English stemmer leaves apart (apply → appli, application
/// → applic): the second is read as the first, in questions and entries alike.
const STEM_FAMILIES: &[(&str, &str)] = &[
    ("applic", "appli"),
    ("registr", "regist"),
    ("deliveri", "deliv"),
    ("expiri", "expir"),
    ("submiss", "submit"),
    ("verif", "verifi"),
    ("withdrawn", "withdraw"),
    ("payment", "pay"),
    ("paid", "pay"),
    ("login", "log"),
    ("logon", "log"),
    ("unlock", "lock"),
    ("usag", "use"),
    ("recognit", "recogn"),
    ("recognis", "recogn"),
];

fn family(stem: String) -> String {
    STEM_FAMILIES
        .iter()
        .find(|(from, _)| *from == stem)
        .map_or(stem, |(_, to)| (*to).to_string())
}

/// Topics next to ours that the FAQ does not answer (a credit card at reception, a blood
/// test, booking appointments, an X-ray): named in an English question, each is one word no
/// entry uses and raises the floor to [`super::UNKNOWN_FLOOR`], as the Japanese neighbours do —
/// other unknown English words are mostly the entries' words in other words and do not.
const NEIGHBOURS: &[&str] = &[
    "credit card",
    "bank account",
    "x-ray",
    "x ray",
    "blood test",
    "test results",
    "lab results",
    "appointment",
    "appointments",
    "discount",
    "online consultation",
    "telemedicine",
    "vaccination",
    "vaccine",
    "e-prescription",
    "electronic prescription",
    "insurance claim",
    "insurance claims",
    "parking",
    "payroll",
    "tax return",
    "data breach",
    "wi-fi",
    "wifi",
    "printer",
    "antivirus",
    "firewall",
    "licence",
    "license",
    "visiting hours",
    "inpatient",
    "inpatients",
    "faint",
    "faints",
    "fainted",
    "emergency",
    "ambulance",
    "salary",
    "hiring",
    "recruitment",
    "homepage",
    "covid",
    "flu",
    "allergy",
    "allergies",
    "diagnosis",
    "cash register",
    "building permit",
    "city hall",
];

/// How a neighbouring topic is spelled once read ([`english_neighbours`]).
pub const NEIGHBOUR: &str = "neighbourtopic";

/// An English question with each neighbouring topic it names written as one word no entry
/// uses (for the question only: the entries are read as written).
pub fn english_neighbours(text: &str) -> String {
    let words: Vec<String> = text
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut i = 0;
    'next: while i < words.len() {
        for (n, phrase) in NEIGHBOURS.iter().enumerate() {
            let parts: Vec<&str> = phrase.split(' ').collect();
            if words
                .get(i..i + parts.len())
                .is_some_and(|w| w.iter().eq(parts.iter()))
            {
                // Letters, not digits: a term with a digit is read as a number.
                let tag: String = [n / 26, n % 26]
                    .iter()
                    .filter_map(|d| char::from_digit(u32::try_from(*d).ok()? + 10, 36))
                    .collect();
                out.push(format!("{NEIGHBOUR}{tag}"));
                i += parts.len();
                continue 'next;
            }
        }
        out.push(words[i].clone());
        i += 1;
    }
    out.join(" ")
}

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
/// "Can we still …?" asks on the premise of the sentence before.
const POINTING_BACK: &[&str] = &[
    " it ", " that ", " this ", " them ", " they ", " such ", " those ", " still ",
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
    let sentences: Vec<(String, Vec<Term>)> = read
        .into_iter()
        .map(|(s, _)| {
            let terms = english_terms(&rewrite(&s));
            (s, terms)
        })
        .collect();
    let mut question: Vec<bool> = sentences
        .iter()
        .zip(&asks)
        .map(|((_, terms), a)| *a && !terms.is_empty())
        .collect();
    // From the last sentence back, so that a sentence taken in that names too little itself
    // can point further back.
    for (i, (s, terms)) in sentences.iter().enumerate().rev() {
        let vague = terms.iter().filter(|t| known(&t.text)).count() < SELF_CONTAINED;
        let s = s.trim_end_matches('?');
        let points_back = POINTING_BACK.iter().any(|w| format!(" {s} ").contains(w));
        if (asks[i] && (vague || points_back) || question[i] && vague && points_back)
            && let Some(before) = (0..i).rev().find(|j| !sentences[*j].1.is_empty())
        {
            question[before] = true;
        }
    }
    if !question.iter().any(|q| *q) {
        return english_terms(&rewrite(text));
    }
    let mut terms: Vec<Term> = Vec::new();
    let mut seen = HashSet::new();
    for ((_, sentence), q) in sentences.iter().zip(&question) {
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

/// The sentences of a text, lower case, each with whether it may be the one that asks (a
/// question's with its question mark; a reason split off from it may not).
fn sentences(text: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in text.to_lowercase().chars().chain(std::iter::once('\n')) {
        if !matches!(c, '.' | '?' | '!' | '\n') {
            current.push(c);
            continue;
        }
        let (head, reason) = REASONS
            .iter()
            .filter_map(|r| current.split_once(r))
            .min_by_key(|(head, _)| head.len())
            .map_or((current.as_str(), None), |(h, r)| (h, Some(r)));
        let mut head = head.trim().to_string();
        if c == '?' {
            head.push('?');
        }
        for (s, may_ask) in [
            (head, true),
            (reason.unwrap_or("").trim().to_string(), false),
        ] {
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

/// The terms of an English text.
pub fn english_terms(text: &str) -> Vec<Term> {
    let mut analyzer = english_analyzer();
    let text = english_compounds(text);
    let mut stream = analyzer.token_stream(&text);
    let mut seen = HashSet::new();
    let mut terms = Vec::new();
    while stream.advance() {
        let t = family(stream.token().text.clone());
        if seen.insert(t.clone()) {
            let word = terms.len();
            terms.push(Term::new(t, Kind::Strong, 1.0).at(word, 0));
        }
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::relevance::texts;

    #[test]
    fn english_compounds_are_one_word() {
        assert_eq!(
            texts(&english_terms("How do I apply for a My Number Card?")),
            ["appli", "mynumbercard"]
        );
        assert_eq!(
            english_compounds("My-Number card, army number"),
            "mynumbercard army number"
        );
    }

    #[test]
    fn a_message_is_read_by_the_sentences_that_ask() {
        let known = |t: &str| ["facil", "code", "check", "digit", "portal", "drug"].contains(&t);
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
        // One sentence, or none that asks: every word.
        assert_eq!(
            read("facility code check digit"),
            ["facil", "code", "check", "digit"]
        );
        assert_eq!(read("Our code. It fails."), ["code", "fail"]);
    }

    #[test]
    fn a_neighbouring_topic_is_one_word_no_entry_uses() {
        let read = english_neighbours("Is there hospital parking? Our Wi-Fi broke");
        let words: Vec<&str> = read.split(' ').collect();
        assert_eq!(words.len(), 7, "{read}");
        assert!(
            words[3].starts_with(NEIGHBOUR) && words[5].starts_with(NEIGHBOUR),
            "{read}"
        );
        assert!(words[3].chars().all(|c| c.is_ascii_lowercase()), "{read}");
        assert_eq!(english_neighbours("card reader"), "card reader");
    }

    #[test]
    fn one_word_family_is_one_term() {
        let pairs = [
            ("application", "apply"),
            ("registration", "registered"),
            ("delivery", "delivered"),
            ("expiry", "expired"),
            ("submission", "submitted"),
            ("verification", "verify"),
            ("withdrawn", "withdraw"),
            ("payment", "paid"),
            ("login", "log"),
            ("unlock", "locked"),
        ];
        for (a, b) in pairs {
            assert_eq!(
                texts(&english_terms(a)),
                texts(&english_terms(b)),
                "{a} / {b}"
            );
        }
    }

    #[test]
    fn english_questions_lose_their_question_words() {
        assert_eq!(
            texts(&english_terms("How much is the subsidy?")),
            ["much", "subsidi"]
        );
        assert_eq!(
            texts(&english_terms("When will the card readers arrive")),
            ["card", "reader", "arriv"]
        );
        // Pronouns and the links of a sentence are not topics.
        assert_eq!(
            texts(&english_terms(
                "She asked whether her reader only arrives today"
            )),
            ["reader", "arriv"]
        );
        // A contraction leaves no letter behind; an adverb of time is not a topic.
        assert_eq!(
            texts(&english_terms("I can't log in, it's still locked")),
            ["log", "lock"]
        );
    }
}
