//! Reading an English question: stemmed words without stop words, compounds joined.

use std::collections::HashSet;
use std::sync::LazyLock;

use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
    TokenStream,
};

use super::neighbours::ENGLISH_NEIGHBOURS as NEIGHBOURS;
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
    // The same contractions typed without the apostrophe (we dont have, it doesnt work).
    "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent", "cant", "couldnt", "wouldnt",
    "shouldnt", "havent", "hasnt", "wont", "im", "ive", "thats", "whats",
    // Adverbs that say when or how sure, not what.
    "still", "also", "just", "really", "yet", "already", "ever", "even", "now", "then", "very",
    "actually", "anyway", "again", "anymore", "always", "true", "right",
    // Other people, the links of a sentence and the asker's frame (she asked whether …, we are
    // supposed to …, today).
    "he", "she", "him", "her", "his", "hers", "they", "them", "their", "theirs", "ours", "yours",
    "mine", "myself", "ourselves", "but", "because", "since", "whether", "while", "than", "too",
    // A preposition (connect over ISDN); hand over, carry over are synonyms read before.
    "over", "only", "though", "although", "unless", "let", "okay", "ok", "fine", "enough", "today", "yesterday",
    "sorry", "dear", "morning", "afternoon", "evening", "someone", "something", "anything",
    "everything", "each", "every", "suppose", "supposed", "expect", "expects", "expected",
    "expecting", "seem", "seems", "wonder", "wondering", "all",
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
    // Is it possible to …, is it allowed, what is available: can, asked of every topic.
    "possible", "possibly", "allow", "allowed", "permitted", "acceptable", "available",
    // Hedges and when in a story (roughly, a while ago — while is listed above —, suddenly, currently, I think, no idea).
    "roughly", "approximately", "ago", "suddenly", "currently", "recently", "think",
    "idea", "maybe", "perhaps", "probably", "somehow", "unfortunately", "apparently",
    // Give me an overview of …: how the request is put; the director or the boss who asked.
    "give", "overview", "director", "boss",
    // Where a thing is listed (the list of reader makers): the thing, not the list.
    "list",
    // Framing of a case or of who asked (in such a case, she asked me, once we start, point me
    // to, several times, our elderly patients).
    "such", "case", "cases", "asked", "asks", "once", "point", "several", "elderly",
    // Qualifiers of the thing named after them (special equipment, a particular form, a
    // written policy).
    "special", "particular", "written",
    // The colour a screen marks a thing in (a task in red).
    "red", "yellow",
    // Rather than: a comparison's frame (a card rather than the My Number Card).
    "rather",
    // Everyone: who, not what (everyone with an appointment, can anyone see it).
    "everyone", "everybody", "anyone", "anybody",
    // How Japanese staff put a request in English (please teach me the method of …).
    "teach", "method", "methods", "instead",
    // Who and how big, said of the asker (my IT guy, a small clinic, how big is …).
    "guy", "guys", "small", "big", "side",
    // How urgent the asker is (URGENT:, ASAP, we are desperate).
    "urgent", "urgently", "asap", "desperate", "desperately", "hurry", "immediately",
    // What speech typed by voice or in a hurry fills a question with (um, yeah, hmm, gonna, a
    // few times).
    "um", "umm", "uh", "uhh", "er", "erm", "hmm", "yeah", "yep", "gonna", "wanna", "kinda",
    "sorta", "few",
    // What the asker heard, framing what they check (we heard ADSL won't work): the thing
    // heard, not the hearing.
    "heard",
    // The portal's controls and marks a thing is reached by or shown with (the download
    // button, a red overdue mark): the thing, not the control.
    "button", "buttons", "mark", "marks", "icon", "icons", "badge",
    // Chat slang typed on a phone (pls, thx, lol, idk, u, rn).
    "pls", "plz", "thx", "ty", "tysm", "lol", "lmao", "idk", "omg", "btw", "tbh", "imo", "ngl",
    "smh", "rn", "u", "ur", "r",
    // When a case falls (in a fortnight) and getting a thing done (how do we organise the
    // download): the thing, not the arranging.
    "fortnight", "organise", "organize", "organising", "organizing",
    // Casual framing (ballpark, what are we talking, the rundown on …, what gives).
    "ballpark", "talking", "rundown", "gives",
    // Who sells a thing (which makers sell the readers): the makers, not the sale.
    "sell", "sells", "selling",
    // What a thing involves or how it behaves: asked of every topic (what's involved in the
    // operation test, the failover behaviour); hardware and legacy only qualify the thing
    // named after or before them (reader hardware, legacy ISDN).
    "involve", "involves", "involved", "behaviour", "behavior", "hardware", "legacy",
    // How South Asian English puts a request (kindly share, do the needful, revert, what is
    // the procedure to …: how to).
    "kindly", "needful", "share", "revert", "procedure", "procedures",
    // Who handles a thing: who does it (who handles the router).
    "handle", "handles", "handled", "handling",
    // How complete or how wide (the full list of steps, go live nationally, the whole system,
    // the reader itself), and what a thing holds (what does the data contain).
    "full", "nationally", "nationwide", "countrywide", "whole", "entire", "itself", "themselves",
    "contain", "contains",
    // How a thing is defined: what it is (how is a large chain pharmacy defined?).
    "define", "defined", "definition",
    // The register of a formal letter (I would be grateful if you could advise, kindly
    // clarify, could you outline, how should we proceed, the system states that …, however).
    "advise", "grateful", "appreciate", "appreciated", "regret", "clarify", "describe",
    "outline", "however", "indicate", "indicates", "indicated", "signify", "signifies",
    "proceed", "able", "unable", "meant", "regarding", "concerning", "states", "stated",
    // What the asker noticed (today I noticed): the story (a notice is the privacy entry's).
    "noticed", "noticing",
    // The weekday something happened on (I submitted it on Monday); Saturday and Sunday are
    // the holiday entry's words.
    "monday", "tuesday", "wednesday", "thursday", "friday",
    // The month or the hour of the asker's case (we planned to start in June, after 7 pm):
    // when, not what. Not the months the entries' own dates name (March 2021, 1 April,
    // September and November 2020); may is a stop word already.
    "january", "february", "june", "july", "august", "october", "december", "pm", "noon",
    "oclock", "tomorrow", "tonight", "later",
    // Which department or role of a larger facility asks (our medical affairs department, IT
    // lead, the admissions office, head office, finance, the board, a ward doctor, the
    // outpatient desk, a satellite clinic, in-house, our lease is up): who and where, not what.
    "department", "departments", "dept", "admissions", "affairs", "finance",
    "board", "procurement", "ward", "wards", "outpatient", "outpatients", "head", "office",
    "offices", "lead", "satellite", "lease", "leased", "house",
    // The dispensing pharmacy's and the dental clinic's trade words (a dispensing counter, no
    // matter how often).
    "dispensing", "dental", "matter",
    // Who asks: a clinic's specialty and the asker's role (an eye clinic, an ENT practice,
    // OB/GYN clinic here, the medical clerk).
    "eye", "ent", "ophthalmology", "ophthalmologist", "dermatology", "dermatologist",
    "pediatric", "pediatrics", "paediatric", "paediatrics", "pediatrician", "orthopedic",
    "orthopedics", "orthopaedic", "orthopaedics", "psychiatry", "psychiatric", "psychiatrist",
    "urology", "urologist", "ob", "gyn", "obgyn", "obstetrics", "gynecology", "gynaecology",
    "radiology", "cardiology", "neurology", "rehabilitation", "rehab", "otolaryngology",
    "clerk", "receptionist", "manager",
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
];

/// An English text as lowercase words (split where the tokenizer splits: at anything not a
/// letter or digit) with its compounds joined — whole words only, so "army number" stays two
/// words. For indexing and matching only.
pub fn english_compounds(text: &str) -> String {
    static TABLE: LazyLock<Vec<(Vec<&str>, String)>> = LazyLock::new(|| {
        ENGLISH_COMPOUNDS
            .iter()
            .map(|(phrase, word)| (phrase.to_vec(), (*word).to_string()))
            .collect()
    });
    let lower = text.to_lowercase();
    let words: Vec<String> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(american)
        .collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    join_phrases(&words, &TABLE, false)
}

/// British endings whose American form the stemmer takes off (-ize, -yze), and the American
/// form (subsidised → subsidized, organisation → organization, analysed → analyzed).
const BRITISH_ENDINGS: &[(&str, &str)] = &[
    ("isations", "izations"),
    ("isation", "ization"),
    ("ising", "izing"),
    ("ised", "ized"),
    ("ises", "izes"),
    ("iser", "izer"),
    ("ise", "ize"),
    ("ysing", "yzing"),
    ("ysed", "yzed"),
    ("yse", "yze"),
];

/// British words spelled otherwise in American English.
const BRITISH_WORDS: &[(&str, &str)] = &[
    ("centre", "center"),
    ("centres", "centers"),
    ("programme", "program"),
    ("programmes", "programs"),
    ("enrolment", "enrollment"),
    ("enrol", "enroll"),
    ("cheque", "check"),
    ("catalogue", "catalog"),
    ("enquiry", "inquiry"),
    ("enquiries", "inquiries"),
    ("enquire", "inquire"),
];

/// A lowercase word in its American spelling, in questions and entries alike, so that one
/// word is one term however it is spelled (the stemmer reads subsidized as subsid but
/// subsidised as subsidis). Words of five letters or fewer keep theirs (rise, wise, raise).
fn american(word: &str) -> String {
    if let Some((_, us)) = BRITISH_WORDS.iter().find(|(uk, _)| *uk == word) {
        return (*us).to_string();
    }
    if word.len() > 5
        && let Some((uk, us)) = BRITISH_ENDINGS.iter().find(|(uk, _)| word.ends_with(uk))
    {
        return format!("{}{us}", &word[..word.len() - uk.len()]);
    }
    word.to_string()
}

/// `words` with each phrase of `table` (longest listed first where two start alike) written
/// as its one word, joined by spaces. With `plural`, a phrase's last word matches its plural
/// in -s or -es too (online consultations, vaccines).
fn join_phrases(words: &[&str], table: &[(Vec<&str>, String)], plural: bool) -> String {
    let mut out: Vec<&str> = Vec::with_capacity(words.len());
    let mut rest = words;
    'next: while let Some((first, after)) = rest.split_first() {
        for (phrase, word) in table {
            if starts_with_phrase(rest, phrase, plural) {
                out.push(word);
                rest = &rest[phrase.len()..];
                continue 'next;
            }
        }
        out.push(first);
        rest = after;
    }
    out.join(" ")
}

/// Whether `words` start with `phrase` (its last word also as a plural, with `plural`).
fn starts_with_phrase(words: &[&str], phrase: &[&str], plural: bool) -> bool {
    let Some((last, head)) = phrase.split_last() else {
        return false;
    };
    words.starts_with(head)
        && words.get(head.len()).is_some_and(|w| {
            w == last
                || (plural
                    && ["s", "es"]
                        .iter()
                        .any(|end| w.strip_suffix(end) == Some(*last)))
        })
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
    // subsidized (read as subsid) and subsidy (subsidi).
    ("subsid", "subsidi"),
    // introduction (introduct) and introduced (introduc).
    ("introduct", "introduc"),
];

fn family(stem: String) -> String {
    STEM_FAMILIES
        .iter()
        .find(|(from, _)| *from == stem)
        .map_or(stem, |(_, to)| (*to).to_string())
}

/// Whether `word` (lowercase) is an English stop word.
pub fn is_english_stop_word(word: &str) -> bool {
    ENGLISH_STOP.contains(&word)
}

/// The words of the English tables (stop words, compounds, neighbouring topics): words a
/// question may say that are not slips, and that a slip may be read as (parkng → parking).
pub fn english_table_words() -> impl Iterator<Item = &'static str> {
    ENGLISH_STOP
        .iter()
        .copied()
        .chain(
            ENGLISH_COMPOUNDS
                .iter()
                .flat_map(|(phrase, _)| phrase.iter().copied()),
        )
        .chain(NEIGHBOURS.iter().flat_map(|p| p.split([' ', '-'])))
}

/// How a neighbouring topic is spelled once read ([`english_neighbours`]).
pub(super) const NEIGHBOUR: &str = "neighbourtopic";

/// An English question with each neighbouring topic it names written as one word no entry
/// uses (for the question only: the entries are read as written). The s of a possessive
/// (the clinic's website) is left out, so the table lists each phrase once; it is a stop word
/// for the terms anyway.
pub fn english_neighbours(text: &str) -> String {
    static TABLE: LazyLock<Vec<(Vec<&str>, String)>> = LazyLock::new(|| {
        NEIGHBOURS
            .iter()
            .enumerate()
            .map(|(n, phrase)| {
                // Letters, not digits: a term with a digit is read as a number. Consonants
                // other than l, s and y, so that no tag ends like a suffix the stemmer takes
                // off (-al, -ed, -ly, -s) and the term still starts with the mark.
                const LETTERS: &[u8] = b"bcdfghjkmnpqrtvwxz";
                let base = LETTERS.len();
                let tag: String = [n / base / base, n / base, n]
                    .iter()
                    .filter_map(|d| LETTERS.get(d % base).map(|b| char::from(*b)))
                    .collect();
                (
                    phrase.split([' ', '-']).collect(),
                    format!("{NEIGHBOUR}{tag}"),
                )
            })
            .collect()
    });
    let lower = text.to_lowercase();
    // Hyphens part words, in the table too: the synonyms read wi-fi as wi fi.
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && *w != "s")
        .collect();
    join_phrases(&words, &TABLE, true)
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
            // A number is weak, as in a Japanese question: how many of a thing, not which thing
            // (We have two PCs. Do we need two certificates?).
            let kind = if is_number(&t) {
                Kind::Weak
            } else {
                Kind::Strong
            };
            terms.push(Term::new(t, kind, 1.0).at(word, 0));
        }
    }
    terms
}

/// Number words as the stemmer leaves them (one … twelve, hundred, thousand).
const NUMBER_WORDS: &[&str] = &[
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelv", "twenti", "thirti", "forti", "fifti", "hundr", "thousand", "million", "billion",
];

/// Whether a stemmed word is a number: digits, or a number word.
fn is_number(word: &str) -> bool {
    word.chars().all(|c| c.is_ascii_digit()) || NUMBER_WORDS.contains(&word)
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
    fn numbers_are_weak_terms() {
        let read = english_terms("Two PCs, twelve readers, twenty hundred thousand in 2021");
        let weak: Vec<&str> = read
            .iter()
            .filter(|t| t.kind == Kind::Weak)
            .map(|t| t.text.as_str())
            .collect();
        assert_eq!(
            weak,
            ["two", "twelv", "twenti", "hundr", "thousand", "2021"]
        );
    }

    #[test]
    fn british_and_american_spellings_are_one_term() {
        for (uk, us) in [
            ("subsidised", "subsidized"),
            ("organisation", "organization"),
            ("recognised", "recognized"),
            ("analyse", "analyze"),
            ("support centre", "support center"),
        ] {
            assert_eq!(texts(&english_terms(uk)), texts(&english_terms(us)), "{uk}");
        }
        assert_eq!(
            texts(&english_terms("subsidized")),
            texts(&english_terms("subsidy"))
        );
        // Short words keep their spelling.
        assert_eq!(english_compounds("rise wise"), "rise wise");
    }

    #[test]
    fn no_stop_word_or_neighbouring_topic_is_listed_twice() {
        // A word listed twice ("while" was) hides that one of its reasons is stale.
        let mut seen = HashSet::new();
        for word in ENGLISH_STOP {
            assert!(seen.insert(*word), "stop word listed twice: {word}");
        }
        let mut seen = HashSet::new();
        for phrase in NEIGHBOURS {
            assert!(
                seen.insert(*phrase),
                "neighbouring topic listed twice: {phrase}"
            );
        }
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
        // Every neighbouring topic, read as terms, is one term that is still marked as one
        // after the stemmer, and no two share it (discount and disinfect had lost the mark:
        // their tags ended in -al and -ed).
        let mut tags = HashSet::new();
        for phrase in NEIGHBOURS {
            let terms = english_terms(&english_neighbours(phrase));
            let marked: Vec<&Term> = terms.iter().filter(|t| t.is_neighbour()).collect();
            assert_eq!(marked.len(), 1, "{phrase}: {:?}", texts(&terms));
            assert!(tags.insert(marked[0].text.clone()), "{phrase}: tag shared");
        }
        assert_eq!(english_neighbours("card reader"), "card reader");
        // A possessive's s does not part a phrase (the clinic's website).
        assert!(english_neighbours("Who updates the clinic's website?").contains(NEIGHBOUR));
        // A phrase's plural is the phrase (the table lists each once); a plural of a word
        // inside it is not.
        assert!(english_neighbours("Can we offer online consultations?").contains(NEIGHBOUR));
        assert!(english_neighbours("Do you give vaccinations?").contains(NEIGHBOUR));
        assert!(english_neighbours("Where do we book appointments?").contains(NEIGHBOUR));
        assert!(!english_neighbours("Are credits card payments ok?").contains(NEIGHBOUR));
        assert!(english_neighbours("Do you take credit cards?").contains(NEIGHBOUR));
        // A patient's own My Number Card and an accountant (read as account by the stemmer).
        for text in [
            "Where do I get a My Number Card?",
            "Do you know an accountant?",
        ] {
            assert!(english_neighbours(text).contains(NEIGHBOUR), "{text}");
        }
    }

    #[test]
    fn neighbouring_topics_are_listed_as_questions_read_them() {
        // A question's neighbouring topics are found after its synonyms (lib.rs reads
        // `english_neighbours(synonyms.english(..))`): one the shipped synonyms rewrite would
        // never be found.
        let index = crate::tests::shipped();
        let lost: Vec<String> = NEIGHBOURS
            .iter()
            .map(|n| (n, index.synonyms.english(n)))
            .filter(|(n, read)| {
                !english_neighbours(read).starts_with(NEIGHBOUR) || *read != n.replace('-', " ")
            })
            .map(|(n, read)| format!("{n} is read as {read}"))
            .collect();
        assert!(lost.is_empty(), "{lost:#?}");
        // So are the compounds.
        let lost: Vec<String> = ENGLISH_COMPOUNDS
            .iter()
            .map(|(words, _)| words.join(" "))
            .filter(|c| index.synonyms.english(c) != *c)
            .map(|c| format!("{c} is read as {}", index.synonyms.english(&c)))
            .collect();
        assert!(lost.is_empty(), "{lost:#?}");
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
