//! The synonym tables: what people type → the words the FAQ uses (`synonyms.tsv`), the FAQ's
//! words read in kana typed without conversion (`readings.tsv`), and English words inside a
//! Japanese question (`glossary.tsv`).

use std::sync::LazyLock;

use super::script::{Script, Scripted, scripted, scripted_chars};

/// Query-side synonyms: what people type → the words the FAQ uses.
pub struct Synonyms {
    /// Longest variant first.
    pairs: Vec<Pair>,
}

/// One row of the synonym table.
#[derive(Clone)]
struct Pair {
    /// The variant as normalized characters.
    variant: Vec<char>,
    canonical: Scripted,
    /// Rewritten even where the entries use the variant themselves (チェック, which they use
    /// only inside チェックディジット).
    always: bool,
}

impl Pair {
    fn ascii(&self) -> bool {
        self.variant.iter().all(char::is_ascii) && self.canonical.iter().all(|(c, _)| c.is_ascii())
    }
}

impl Synonyms {
    /// Parses `variant<TAB>canonical` lines, optionally followed by `<TAB>always` (`#` starts
    /// a comment).
    pub fn parse(text: &str) -> Synonyms {
        let mut pairs: Vec<Pair> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| {
                let mut cols = l.split('\t');
                let variant = cols.next()?.trim();
                let canonical = cols.next()?.trim();
                Some(Pair {
                    variant: scripted(variant).into_iter().map(|(c, _)| c).collect(),
                    canonical: scripted(canonical),
                    always: cols.next().is_some_and(|c| c.trim() == "always"),
                })
            })
            .filter(|p| !p.variant.is_empty())
            .collect();
        pairs.sort_by_key(|p| std::cmp::Reverse(p.variant.len()));
        Synonyms { pairs }
    }

    /// The pairs whose variant the FAQ itself never uses (and those marked `always`): a word
    /// the entries contain (保険証 in 健康保険証, カルテ in 電子カルテ) is matched as it is, and
    /// rewriting it would only add weight to what is already known. `japanese` is the
    /// entries' normalized text, `english` their English text. An English variant of several
    /// words is the entries' own only as that phrase (find out, not find … out).
    pub fn unknown_to(&self, japanese: &str, english: &str) -> Synonyms {
        let english = english_words(english);
        let pairs = self
            .pairs
            .iter()
            .filter(|p| {
                let text: String = p.variant.iter().collect();
                let known = if p.variant.iter().all(|c| c.is_ascii()) {
                    contains_word(&english, &english_words(&text)) || contains_word(japanese, &text)
                } else {
                    japanese.contains(&text)
                };
                p.always || !known
            })
            .cloned()
            .collect();
        Synonyms { pairs }
    }

    /// The ASCII words of the variants that are read as Japanese (hojokin → 補助金, password →
    /// パスワード): what an English question around Japanese words keeps
    /// ([`super::without_english_frame`]).
    pub fn ascii_read_as_japanese(&self) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|p| p.canonical.iter().any(|(c, _)| !c.is_ascii()))
            .flat_map(|p| {
                let variant: String = p.variant.iter().collect();
                variant
                    .split(|c: char| !c.is_ascii_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// The ASCII words of the variants and canonical forms (what an English question may say
    /// on purpose: hojokin, rececon, due).
    pub fn ascii_words(&self) -> Vec<String> {
        let mut words = Vec::new();
        for p in &self.pairs {
            let variant: String = p.variant.iter().collect();
            let canonical: String = p.canonical.iter().map(|(c, _)| *c).collect();
            for text in [variant, canonical] {
                words.extend(
                    text.split(|c: char| !c.is_ascii_alphanumeric())
                        .filter(|w| !w.is_empty())
                        .map(str::to_string),
                );
            }
        }
        words
    }

    /// The shipped readings (`readings.tsv`): applied to a question without kanji or
    /// katakana only.
    pub fn readings() -> &'static Synonyms {
        static TABLE: LazyLock<Synonyms> =
            LazyLock::new(|| Synonyms::parse(include_str!("../readings.tsv")));
        &TABLE
    }

    /// The shipped glossary (`glossary.tsv`): English words inside a Japanese question.
    pub fn glossary() -> &'static Synonyms {
        static TABLE: LazyLock<Synonyms> =
            LazyLock::new(|| Synonyms::parse(include_str!("../glossary.tsv")));
        &TABLE
    }

    /// The shipped table (`synonyms.tsv`).
    pub fn shipped() -> &'static Synonyms {
        static TABLE: LazyLock<Synonyms> =
            LazyLock::new(|| Synonyms::parse(include_str!("../synonyms.tsv")));
        &TABLE
    }

    /// An English question with its English variants rewritten (due → deadline): the pairs
    /// whose variant and canonical form are both ASCII, on whole words.
    pub fn english(&self, query: &str) -> String {
        self.rewrite(scripted_chars(query), Pair::ascii)
            .into_iter()
            .map(|(c, _)| c)
            .collect()
    }

    /// `text` with every pair's variant rewritten.
    pub(super) fn apply(&self, text: Scripted) -> Scripted {
        self.rewrite(text, |_| true)
    }

    /// `text` with the variants of `min` characters or more rewritten where they are typed in
    /// hiragana (しょるい of 補助金の申請しょるい; not どうい of どういう, too short to tell).
    pub(super) fn apply_to_hiragana(&self, text: Scripted, min: usize) -> Scripted {
        self.rewrite_where(
            text,
            |p| p.variant.len() >= min,
            |span| span.iter().all(|(_, s)| *s == Script::Hiragana),
        )
    }

    /// `text` with the variants of the pairs `used` keeps rewritten.
    fn rewrite(&self, text: Scripted, used: impl Fn(&Pair) -> bool) -> Scripted {
        self.rewrite_where(text, used, |_| true)
    }

    /// `text` with the variants of the pairs `used` keeps rewritten where the text they span
    /// is `typed` so.
    fn rewrite_where(
        &self,
        text: Scripted,
        used: impl Fn(&Pair) -> bool,
        typed: impl Fn(&[(char, Script)]) -> bool,
    ) -> Scripted {
        let starts_with = |i: usize, chars: &mut dyn Iterator<Item = char>, len: usize| {
            i + len <= text.len() && text[i..i + len].iter().map(|(c, _)| *c).eq(chars)
        };
        let mut out = Vec::with_capacity(text.len());
        let mut i = 0;
        while i < text.len() {
            // Text that already says a canonical form passes through (カルテ → 電子カルテ must
            // not turn 電子カルテ into 電子電子カルテ), unless a longer variant starts there
            // (掲示物 → 掲示, though 掲示 is itself a canonical form) or another pair's variant
            // is that very form (締切 → 期限, though shimekiri → 締切 makes 締切 a canonical form).
            let said = self
                .pairs
                .iter()
                .filter(|p| used(p))
                .filter(|p| {
                    starts_with(
                        i,
                        &mut p.canonical.iter().map(|(c, _)| *c),
                        p.canonical.len(),
                    )
                })
                .map(|p| p.canonical.len())
                .max()
                .unwrap_or(0);
            let variant_at = |at: usize, p: &&Pair| {
                let end = at + p.variant.len();
                starts_with(at, &mut p.variant.iter().copied(), p.variant.len())
                    && (!p.variant[0].is_ascii_alphanumeric() || word_bounded(&text, at, end))
                    && typed(&text[at..end])
            };
            let found = self
                .pairs
                .iter()
                .filter(|p| used(p))
                .find(|p| p.variant.len() >= said && variant_at(i, p));
            if let Some(p) = found {
                out.extend_from_slice(&p.canonical);
                i += p.variant.len();
            } else if said > 0 {
                // Up to where a variant begins that runs past the form's end (流用 → そのまま
                // 使 passes through そのまま only, in そのまま使用して: 使用して is rewritten).
                let end = i + said;
                let upto = (i + 1..end)
                    .find(|&at| {
                        self.pairs
                            .iter()
                            .filter(|p| used(p))
                            .any(|p| at + p.variant.len() > end && variant_at(at, &p))
                    })
                    .unwrap_or(end);
                out.extend_from_slice(&text[i..upto]);
                i = upto;
            } else {
                out.push(text[i]);
                i += 1;
            }
        }
        out
    }
}

/// `text`'s ASCII words in lower case, one space apart (FLET'S Cross → flet s cross).
pub fn english_words(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    words.join(" ")
}

/// Whether `text` has `word` as a whole word (ui in a question, not in guide; app not in
/// application).
fn contains_word(text: &str, word: &str) -> bool {
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    text.match_indices(word).any(|(at, _)| {
        !alnum(text[..at].chars().next_back()) && !alnum(text[at + word.len()..].chars().next())
    })
}

/// Whether `text[start..end]` is a whole word (a romaji variant must not match inside another).
fn word_bounded(text: &[(char, Script)], start: usize, end: usize) -> bool {
    let alnum = |i: usize| text.get(i).is_some_and(|(c, _)| c.is_ascii_alphanumeric());
    (start == 0 || !alnum(start - 1)) && !alnum(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ascii_variant_is_known_to_the_entries_only_as_a_whole_word() {
        let s = Synonyms::parse("ui\tdisplay\nguide\tmanual\n");
        let kept = s.unknown_to("setup guide を参照", "");
        assert_eq!(kept.english("ui guide"), "display guide");
    }

    #[test]
    fn an_english_phrase_is_known_to_the_entries_only_as_that_phrase() {
        let s = Synonyms::parse("find out\tsee\nlog in\tlogin\n");
        let kept = s.unknown_to("", "Find the number. Log out, then log-in again.");
        assert_eq!(
            kept.english("find out"),
            "see",
            "find and out apart are no phrase"
        );
        assert_eq!(kept.english("log in"), "log in", "the entries say log-in");
    }

    #[test]
    fn a_variant_that_is_another_pairs_canonical_form_is_still_rewritten() {
        let s = Synonyms::parse("shimekiri\tdeadline\ndeadline\tdue date\n");
        assert_eq!(s.english("deadline"), "due date");
        assert_eq!(s.english("shimekiri"), "deadline", "one pass: no chain");
    }

    #[test]
    fn a_form_said_in_the_text_passes_through_only_up_to_a_variant_running_past_it() {
        // "left as is" is the canonical form of one pair; "as is used" a variant of another
        // that starts inside it and ends after it.
        let s = Synonyms::parse("kept\tleft as is\nis used\tin use\n");
        assert_eq!(s.english("left as is used"), "left as in use");
        // A variant inside the form and ending with it does not cut it (カルテ → 電子カルテ).
        let s = Synonyms::parse("karte\tmedical karte\n");
        assert_eq!(s.english("medical karte"), "medical karte");
    }

    #[test]
    fn english_synonyms_rewrite_english_questions_on_whole_words() {
        let s = Synonyms::parse("due\tdeadline\nhojokin\t補助金\n");
        assert_eq!(s.english("When is it due?"), "when is it deadline ");
        assert_eq!(s.english("a residue"), "a residue");
        assert_eq!(
            s.english("hojokin due"),
            "hojokin deadline",
            "English pairs only"
        );
    }
}
