//! Typing slips in English questions: a word that is neither an English word nor one the FAQ
//! knows is read as two of the FAQ's words run together (cardreader), or as the word one slip
//! away (pasword → password, recieve → receive, secuirty → security) when that word is the
//! only nearest one. A real word is never changed (taxi stays taxi, not tax): a question about
//! something else must stay about something else.

use std::collections::HashSet;
use std::sync::LazyLock;

/// Words shorter than this are never corrected: too many words lie one slip from a short one.
const SHORTEST: usize = 4;

/// Words at least this long may be two slips from the word meant (calcualtion, preperation
/// are one; reccomended two); shorter ones one.
const TWO_SLIPS_FROM: usize = 8;

/// How far a word is from what was typed: slips, another first letter, not a likely slip, and
/// not one of the FAQ's content words (in a question to this FAQ, subsidey is subsidy rather
/// than subside, and sytem system rather than stem; a stop word has no such claim — wether
/// is as near weather as whether); the least wins.
type Rank = (usize, bool, bool, bool);

/// Words the word lists (2020, size 50) lack: of computers and the web, and a few others a
/// question may use (early adopters), which would otherwise be read as slips (adapters).
const MISSING_WORDS: &[&str] = &[
    "adopter",
    "adopters",
    "chatbot",
    "dropdown",
    "checkbox",
    "popup",
    "reboot",
    "installer",
    "signup",
    "passcode",
    "hotline",
    "helpdesk",
    "timeout",
    "telehealth",
    "barcode",
    "routers",
    "gmail",
    "icloud",
    "macos",
    "smartwatch",
    "touchscreen",
    "username",
    "usernames",
    "logins",
];

/// English words that are not slips (SCOWL's lists, `english_words.txt`, and
/// [`MISSING_WORDS`]).
fn dictionary() -> &'static HashSet<&'static str> {
    static WORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
        include_str!("../english_words.txt")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .chain(MISSING_WORDS.iter().copied())
            .collect()
    });
    &WORDS
}

/// The dictionary's words by length (in bytes: they are ASCII), so that a slip is measured
/// only against words it can be near.
fn by_length() -> &'static Vec<Vec<&'static str>> {
    static WORDS: LazyLock<Vec<Vec<&'static str>>> = LazyLock::new(|| {
        let mut by: Vec<Vec<&'static str>> = Vec::new();
        for w in dictionary() {
            if by.len() <= w.len() {
                by.resize_with(w.len() + 1, Vec::new);
            }
            by[w.len()].push(w);
        }
        by
    });
    &WORDS
}

/// The FAQ's English words, against which a slip is read.
#[derive(Debug, Default)]
pub struct Spelling {
    /// The words the entries, the stop words and the tables use.
    words: HashSet<String>,
    /// The entries' own words that are not stop words (not the tables': recept is receipt,
    /// which the entries say, not recent, which only a synonym row does).
    content: HashSet<String>,
}

impl Spelling {
    /// From the words the entries use and those the tables (synonyms, glossary, stop words)
    /// know; `stop` tells a stop word.
    pub fn new(
        entries: impl IntoIterator<Item = String>,
        tables: impl IntoIterator<Item = String>,
        stop: impl Fn(&str) -> bool,
    ) -> Spelling {
        let entries = lowercase_words(entries);
        let content = entries.iter().filter(|w| !stop(w)).cloned().collect();
        let mut words = lowercase_words(tables);
        words.extend(entries);
        // The word list is read now, with the index, not on the first slip.
        by_length();
        Spelling { words, content }
    }

    /// `text` with each slip read as its word (lowercase; capitalized when the slip was),
    /// everything else as typed.
    pub fn correct(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut word = String::new();
        let mut chars = text.chars().peekable();
        let mut after_digit = false;
        while let Some(c) = chars.next() {
            if c.is_ascii_alphabetic() {
                word.push(c);
                let next_is_letter = chars.peek().is_some_and(char::is_ascii_alphabetic);
                if next_is_letter {
                    continue;
                }
                // A word run into a digit (pc2, 3rd) is a code or a count, not a slip.
                let touches_digit = after_digit || chars.peek().is_some_and(char::is_ascii_digit);
                // The last word, with nothing after it, may still be being typed (certif).
                let typing = chars.peek().is_none();
                let fix = if touches_digit {
                    None
                } else {
                    self.read(&word, typing)
                };
                match fix {
                    Some(fix) if word.starts_with(|c: char| c.is_ascii_uppercase()) => {
                        let mut fixed = fix.chars();
                        out.extend(fixed.next().map(|c| c.to_ascii_uppercase()));
                        out.extend(fixed);
                    }
                    Some(fix) => out.push_str(&fix),
                    None => out.push_str(&word),
                }
                word.clear();
                after_digit = false;
            } else {
                after_digit = c.is_ascii_digit();
                out.push(c);
            }
        }
        out
    }

    /// What a word that is no word was meant to be: when it is the last and still being typed,
    /// the FAQ's word it begins (certif); two of the FAQ's words run together (cardreader,
    /// healthcheckup); else the word it is a slip of ([`Spelling::slip`]).
    fn read(&self, typed: &str, typing: bool) -> Option<String> {
        let lower = typed.to_ascii_lowercase();
        if lower.len() < SHORTEST || self.words.contains(&lower) || dictionary().contains(&*lower) {
            return None;
        }
        typing
            .then(|| self.begun(&lower))
            .flatten()
            .or_else(|| self.run_together(&lower))
            .or_else(|| self.slip(&lower).map(str::to_string))
    }

    /// The FAQ's content word that `prefix` begins, when every one it begins is a form of one
    /// word (certif: certificate, certificates, certified): the shortest.
    fn begun(&self, prefix: &str) -> Option<String> {
        let mut begun: Vec<&String> = self
            .content
            .iter()
            .filter(|w| w.starts_with(prefix))
            .collect();
        begun.sort_by_key(|w| (w.len(), w.as_str()));
        let (first, others) = begun.split_first()?;
        let one = stem(first);
        others
            .iter()
            .all(|w| stem(w) == one)
            .then(|| (*first).clone())
    }

    /// The only way `word` splits into two of the FAQ's content words of four letters or more
    /// (prepone is not prep one), as two words.
    fn run_together(&self, word: &str) -> Option<String> {
        let mut splits = (SHORTEST..word.len().saturating_sub(SHORTEST - 1))
            .filter(|&i| word.is_char_boundary(i))
            .map(|i| (&word[..i], &word[i..]))
            .filter(|(a, b)| self.content.contains(*a) && self.content.contains(*b));
        let (a, b) = splits.next()?;
        splits.next().is_none().then(|| format!("{a} {b}"))
    }

    /// The word that `typed` is a slip of: none when it is a word (the dictionary's or the
    /// FAQ's), or when its nearest words ([`Rank`]) are not one word's forms (wether is as near
    /// weather as whether: left alone). The word may be the dictionary's: stpe is step, whose
    /// stem meets the FAQ's steps.
    fn slip(&self, lower: &str) -> Option<&str> {
        let len = lower.len();
        let reach = if len >= TWO_SLIPS_FROM { 2 } else { 1 };
        let first = lower.chars().next();
        let lengths = len.saturating_sub(reach)..=len + reach;
        let faq = self.words.iter().map(String::as_str);
        let faq = faq.filter(|w| lengths.contains(&w.len()));
        let listed = lengths.clone().filter_map(|n| by_length().get(n)).flatten();
        let mut best: Option<Rank> = None;
        let mut nearest: Vec<&str> = Vec::new();
        let letters = letter_counts(lower);
        for w in faq.chain(listed.copied()) {
            // Each slip adds, drops or changes one letter (a swap none): a word whose letters
            // differ by more cannot be near (cheap, and most words fall here).
            let (mut more, mut fewer) = (0, 0);
            for (a, b) in letters.iter().zip(letter_counts(w)) {
                if *a > b {
                    more += usize::from(a - b);
                } else {
                    fewer += usize::from(b - a);
                }
            }
            if more.max(fewer) > reach {
                continue;
            }
            let d = strsim::osa_distance(lower, w);
            if d > reach {
                continue;
            }
            let rank = (
                d,
                w.chars().next() != first,
                !likely_slip(lower, w),
                !self.content.contains(w),
            );
            if best.is_none_or(|b| rank < b) {
                best = Some(rank);
                nearest.clear();
            }
            if best == Some(rank) {
                nearest.push(w);
            }
        }
        // Two forms of one word (certificats: certificate, certificates) are one answer.
        nearest.sort_unstable();
        nearest.dedup();
        let (word, others) = nearest.split_first()?;
        if others.iter().any(|o| stem(o) != stem(word)) {
            return None;
        }
        Some(word)
    }
}

/// The words of `words` made of letters only, in lower case.
fn lowercase_words(words: impl IntoIterator<Item = String>) -> HashSet<String> {
    words
        .into_iter()
        .map(|w| w.to_lowercase())
        .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphabetic()))
        .collect()
}

/// The stem of a word, as the English terms read it (certificate and certificates: certif).
fn stem(word: &str) -> Option<String> {
    super::english::english_terms(word)
        .first()
        .map(|t| t.text.clone())
}

/// How many of each letter a lowercase ASCII word has.
fn letter_counts(word: &str) -> [u8; 26] {
    let mut counts = [0u8; 26];
    for b in word.bytes() {
        if let Some(c) = b
            .checked_sub(b'a')
            .and_then(|i| counts.get_mut(usize::from(i)))
        {
            *c = c.saturating_add(1);
        }
    }
    counts
}

/// Whether `typed` is `word` with the likeliest slips: a doubled letter typed once (acount,
/// arive, acess — not aces), or two letters swapped (recieve, froms).
fn likely_slip(typed: &str, word: &str) -> bool {
    let (t, w): (Vec<char>, Vec<char>) = (typed.chars().collect(), word.chars().collect());
    let once = |long: &[char], short: &[char]| {
        long.len() == short.len() + 1
            && (1..long.len()).any(|i| {
                long[i] == long[i - 1] && long[..i] == short[..i] && long[i + 1..] == short[i..]
            })
    };
    let swapped = t.len() == w.len()
        && (1..t.len()).any(|i| {
            t[i] == w[i - 1]
                && t[i - 1] == w[i]
                && t[i] != t[i - 1]
                && t[..i - 1] == w[..i - 1]
                && t[i + 1..] == w[i + 1..]
        });
    once(&w, &t) || swapped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faq() -> Spelling {
        Spelling::new(
            [
                "password",
                "receive",
                "security",
                "tax",
                "calculation",
                "which",
                "parking",
                "forms",
                "from",
                "account",
                "amount",
                "access",
                "certificate",
                "certificates",
                "card",
                "reader",
                "receipt",
            ]
            .map(String::from),
            ["recent"].map(String::from),
            |w| ["which", "from"].contains(&w),
        )
    }

    #[test]
    fn a_slip_is_read_as_the_faqs_word() {
        let s = faq();
        for (typed, read) in [
            ("I forgot my pasword", "I forgot my password"),
            ("How do I recieve it?", "How do I receive it?"),
            ("Secuirty rules", "Security rules"),
            // Two slips in a long word.
            ("calcualtion", "calculation"),
            // A neighbouring topic's word is the FAQ's word too (it then reads as that topic).
            ("parkng", "parking"),
            // The same first letter wins a tie of one slip: froms is forms, not from.
            ("subsidy froms", "subsidy forms"),
            // A doubled letter typed once is likelier than one typed twice (acess: access, not
            // aces); two forms of one word are one answer.
            ("acess", "access"),
            ("certificats", "certificate"),
            // A word the entries use wins over one only a table does (recent, a synonym).
            ("a recept computer", "a receipt computer"),
            // Two of the FAQ's words run together.
            ("Cardreader", "Card reader"),
            ("readercard", "reader card"),
            // The last word still being typed is the FAQ's word it begins, when that is one
            // word.
            ("my certific", "my certificate"),
            ("secu", "security"),
        ] {
            assert_eq!(s.correct(typed), read, "{typed}");
        }
    }

    #[test]
    fn a_word_is_not_a_slip() {
        let s = faq();
        // A dictionary word (taxi is one slip from tax) and a contraction stay as typed.
        for text in [
            "taxi fare",
            "dont know",
            "the rest",
            "pc2 and 3rd",
            "pasword2",
        ] {
            assert_eq!(s.correct(text), text);
        }
        // As near one word as another (whether, weather): left alone.
        assert_eq!(s.correct("wether"), "wether");
        // Too short, or too far: left alone.
        assert_eq!(s.correct("pwd"), "pwd");
        assert_eq!(s.correct("psswrd"), "psswrd");
    }
}
