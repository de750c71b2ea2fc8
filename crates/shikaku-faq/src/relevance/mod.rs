//! The relevance model: how a question becomes weighted search terms, and how sure we are that
//! an entry answers it.
//!
//! Japanese questions become character bigrams after normalization, but not all of them count:
//! greetings, polite endings, question phrases and question-framing nouns (お世話になって
//! おります, ありますか, 教えてください, どうすれば, 方法, 場合 …) and the asker's setting (院内,
//! 患者, 明日) are dropped, a particle after a content word (補助金**は**, 証明書**の**)
//! separates words, and bigrams are classed: *strong* within one script of content (補助, かど,
//! ip), *stem* — a kanji and its okurigana, matched on the kanji so 届く, 届き and 届か meet
//! (and searched by the entries' forms of the same verb when none spells the question's:
//! [`Model::searched_as`]), the inflection after it (てしまった) dropped, and a lone kanji (顔で)
//! matched wherever an entry has it — and *weak* (hiragana, 何X, across scripts: half weight, none when no entry uses it).
//! Okurigana that writers add or drop (取り消し, 取消し, 取消) are folded on both sides. Each
//! word's bigrams share its weight (1/√n), so one long known word does not drown a short unknown
//! one. Words said before a reason or concession (事務長が交代するので…, 業者が来るけど…) are
//! context: [`CONTEXT`] weight, and never an unknown word, unless the question says nothing
//! after the clause; a message of several sentences is read by the sentences that ask
//! ([`japanese_question`]: the story a vague question asks about is part of it, though its
//! words no entry uses weigh nothing; the story around a question naming its own topic is
//! context). A synonym table maps what staff type (電カル, 問合せ, お客様, `hojokin`,
//! 引っ込める) to the words the FAQ uses, a question typed without conversion (ほじょきんの
//! しんせい) is read with the FAQ's readings, and English words inside a Japanese question
//! (portalのpassword) with the glossary, and an English question around the FAQ's Japanese
//! words (What is 大型チェーン薬局?) by those words ([`without_english_frame`]); neighbouring
//! topics the FAQ does not answer (オンライン診療, 介護保険) count as words no entry uses,
//! though their parts are its words. A web or mail address and a date typed with slashes are
//! no words of a question in either language ([`without_addresses`]), nor is a frame that
//! only says a question follows or the marks that number its parts ([`without_framing`],
//! [`without_list_marks`]). English questions have their typing slips read as words
//! ([`Spelling`]: pasword → password), then become stemmed words without stop words, one term
//! per word family (application, apply), "My Number Card" one word, after the English
//! synonyms (due → deadline); a message of several sentences is read by the sentences that ask
//! ([`english_question`]); an English question naming a neighbouring topic (credit card, blood
//! test) has a word no entry uses ([`english_neighbours`]).
//!
//! Each term weighs its inverse document frequency over the entries. An entry's **coverage**
//! of a question is the share of that weight it matches — full credit in its title or
//! keywords, [`BODY_CREDIT`] in its answer only. An entry is offered only when its coverage
//! reaches [`FLOOR`] ([`ENGLISH_FLOOR`] for a question in English); a Japanese question naming
//! something no entry uses (a strong bigram with no match that is not just the seam of a kanji
//! compound such as 申請|期限 or of two katakana words the entries use such as エラー|ファイル, a
//! lone kanji or a verb stem no entry has, outside a reason clause) needs [`UNKNOWN_FLOOR`]; an
//! entry that shares only one of a question's several words (a verb stem is a word) needs
//! [`ONE_WORD_FLOOR`] (カルテ of カルテの書き方 is not the topic; the kind of facility — 薬局の,
//! 歯科診療所からの — is context and not one of the words); one of weak terms only needs
//! [`WEAK_ONLY_FLOOR`]. A number (2, two) is weak in either language, whether or not an entry
//! has it, and does not make an English sentence say enough to stand alone. When nothing
//! clears, the answer is "not found" — unless the question asks two things ([`parts`]) and
//! every part has an answer of its own. The constants are calibrated on the labelled questions
//! in `tests/labelled.tsv`, whose test prints the calibration table.

use std::collections::HashSet;

mod addresses;
mod around;
mod asker;
mod asks;
mod english;
mod japanese;
mod message;
mod model;
mod neighbours;
mod parts;
mod phrases;
mod script;
mod setting;
mod spelling;
mod synonyms;

pub use addresses::without_addresses;
pub use around::{without_framing, without_list_marks};
pub(crate) use asker::SPECIALTIES;
pub use asks::{Asks, asks, same as asks_the_same};
pub use english::{
    english_analyzer, english_compounds, english_neighbours, english_table_words, english_terms,
    is_english_stop_word,
};
use japanese::{KANJI_KEY, kanji_key};
pub use japanese::{entry_keys, japanese_terms, without_english_frame, without_fillers};
pub use message::{asking_part, english_question, japanese_question};
pub use model::{EntryTerms, Model};
pub use parts::parts;
pub use script::{is_japanese, katakana_words, read_kana};
use script::{is_kanji, is_suru};
pub use spelling::Spelling;
pub use synonyms::{Synonyms, english_words};

/// The score of an entry whose title asks for the same kind of thing as the question (とは …
/// 何ですか, いつ, 何台): a tie-breaker between entries that cover the question about equally.
pub const ASKS_THE_SAME: f32 = 1.3;

/// The least coverage at which an entry counts as an answer to a Japanese question: the
/// lowest at which no labelled out-of-scope question is answered (at 0.42 two are; the
/// unknown-word and one-word floors keep Japanese neighbouring topics out, so this floor can
/// sit lower than the English one).
pub const FLOOR: f32 = 0.45;

/// The least coverage at which an entry counts as an answer to an English question: higher,
/// because an English question has no unknown-word floor to keep neighbouring topics out
/// (below 0.48 "How much does a taxi cost?" finds the subsidy amount).
pub const ENGLISH_FLOOR: f32 = 0.50;

/// The floor for a question in Japanese or in English.
pub fn floor(japanese: bool) -> f32 {
    if japanese { FLOOR } else { ENGLISH_FLOOR }
}

/// Two hits tie when their coverage is the same (within [`SAME_COVERAGE`]) and the second
/// scores at least this share of the first ([`break_ties`]).
pub const TIE: f32 = 0.9;

/// Coverages this close are the same (they are shown to the hundredth).
pub const SAME_COVERAGE: f32 = 0.005;

/// Hits ranked best first: where two neighbours tie — the same coverage, scores within
/// [`TIE`] — the one whose title says more of the question ([`Model::title_share`]) goes first
/// (利用申請はいつまで: the use application's deadline, not the certificate's, whose category
/// also names 利用申請). Only ties move: a better-covered or clearly better-scored entry keeps
/// its place. `read` gives a hit's score, coverage and title share.
pub fn break_ties<H>(hits: &mut [H], read: impl Fn(&H) -> (f32, f32, f32)) {
    for i in 1..hits.len() {
        let (before, after) = hits.split_at_mut(i);
        let (Some(a), Some(b)) = (before.last_mut(), after.first_mut()) else {
            continue;
        };
        let ((score_a, coverage_a, title_a), (score_b, coverage_b, title_b)) = (read(a), read(b));
        let tied = (coverage_a - coverage_b).abs() < SAME_COVERAGE && score_b >= TIE * score_a;
        if tied && title_b > title_a {
            std::mem::swap(a, b);
        }
    }
}

/// The credit for a term found only in an entry's answer (not its title or keywords).
pub const BODY_CREDIT: f32 = 0.6;

/// The weight of a stem or weak term relative to a strong one.
const WEAK: f32 = 0.5;

/// The weight of a term said in a reason clause (…ので, …けど) relative to one in the question.
pub const CONTEXT: f32 = 0.5;

/// The least coverage of a question that names something no entry mentions.
pub const UNKNOWN_FLOOR: f32 = 0.6;

/// A word in more than one entry of this many names nothing in particular ([`Model::tells`]).
const TELLING_SHARE: usize = 4;
/// The floor for an entry that matches one word of a question naming several (カルテ of
/// カルテの書き方, マイナンバーカード of マイナンバーカードの作り方): one shared word is not the
/// same topic.
pub const ONE_WORD_FLOOR: f32 = 0.6;

/// The least coverage of a question made of weak terms only (hiragana: ほじょきん matches,
/// こんにちは does not).
pub const WEAK_ONLY_FLOOR: f32 = 0.9;

/// One search term of a question.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// The bigram or word as indexed (what BM25 ranks on).
    pub text: String,
    pub kind: Kind,
    /// What coverage matches on: the text, or for a stem its kanji (`~届` matches 届く,
    /// 届き, 届か alike: the conjugation does not matter).
    pub key: String,
    /// The term's share of its word: 1/√(bigrams in the word), so one long known word
    /// (マイナンバーカード, six bigrams) does not outweigh a short unknown one (廃止).
    pub share: f32,
    /// Which run of the question it comes from, and where in it (for junctions).
    run: u16,
    pos: u16,
    /// Said in a clause that gives the reason or the setting (担当が産休に入るので…): context,
    /// not the topic.
    context: bool,
    /// Which sentence of a message it was said in ([`Said`]).
    said: Said,
    /// Part of the kind of facility said as a word of its own ([`asker::FACILITY_KINDS`], a
    /// specialty). Who asks, as `asker` is: not one of the question's words for
    /// [`Model::one_word_of_many`], and weighs nothing where no entry uses it.
    facility: bool,
    /// Said in a statement of who asks that opens the question ([`asker::kind_statement_end`]:
    /// うちは診療所ですが、): not part of any entry's coverage ([`Model::coverage`]), though the
    /// search's score weighs it.
    asker: bool,
}

/// Which sentence of a message a term was said in ([`japanese_question`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Said {
    /// A sentence that asks (or a question of one sentence).
    Asked,
    /// A sentence of the story that a vague question asks about (…が壊れました。証明書は
    /// もう一度もらえますか): part of the question, but a word of it no entry uses (修理,
    /// 初期化) is neither the topic nor a sign of another one — it weighs nothing.
    Told,
    /// A sentence of the story around a question that names its own topic: context, and a word
    /// of it no entry uses weighs nothing (薬局の奥に1台置く予定です。証明書はまとめて1つで
    /// 足りますか).
    Story,
}

/// `terms` as the setting of a question (the conversation's topic): context, in runs after
/// the question's `runs`, so they steer the answer without answering by themselves.
pub fn as_setting(terms: Vec<Term>, runs: u16) -> Vec<Term> {
    terms
        .into_iter()
        .map(|mut t| {
            t.run = t.run.saturating_add(runs);
            t.context = true;
            t
        })
        .collect()
}

/// How many words of the question carry its topic: runs with a strong term or stem that is
/// not context (期限は？ has one, 発注の期限は？ two).
pub fn topic_words(terms: &[Term]) -> usize {
    terms
        .iter()
        .filter(|t| t.kind != Kind::Weak && !t.in_setting())
        .map(|t| t.run)
        .collect::<HashSet<u16>>()
        .len()
}

/// Whether the question names a thing of its own (a strong term that is not context): 見る
/// of どこで見るの？ is a stem, lines of "Which lines are OK?" a noun.
pub fn names_a_thing(terms: &[Term]) -> bool {
    terms
        .iter()
        .any(|t| t.kind == Kind::Strong && !t.in_setting())
}

/// The number of runs `terms` come from (one past the last run).
pub fn runs(terms: &[Term]) -> u16 {
    terms
        .iter()
        .map(|t| t.run.saturating_add(1))
        .max()
        .unwrap_or(0)
}

impl Term {
    fn new(text: String, kind: Kind, share: f32) -> Term {
        let key = match kind {
            Kind::Stem => format!("~{}", text.chars().next().unwrap_or(' ')),
            Kind::Strong | Kind::Weak => text.clone(),
        };
        Term {
            text,
            kind,
            key,
            share,
            run: 0,
            pos: 0,
            context: false,
            said: Said::Asked,
            facility: false,
            asker: false,
        }
    }

    /// Whether the term is kana only (katakana is folded to hiragana).
    fn is_kana(&self) -> bool {
        self.text.chars().all(|c| matches!(c, 'ぁ'..='ゖ'))
    }

    /// Whether the term holds a digit (a number: 30 of 30分, 4年 of 4年以降).
    fn has_digit(&self) -> bool {
        self.text.chars().any(|c| c.is_ascii_digit())
    }

    /// Whether the term sets the scene rather than asks: said in a reason clause or in the
    /// story around a question.
    fn in_setting(&self) -> bool {
        self.context || self.said == Said::Story
    }

    /// Whether the term is a neighbouring topic the FAQ does not answer (電子処方箋): said in
    /// a sentence that asks or just before one, it names something else even in a story.
    pub(super) fn is_neighbour(&self) -> bool {
        self.key.starts_with('!') || self.key.starts_with(english::NEIGHBOUR)
    }

    fn in_context(mut self, context: bool) -> Term {
        self.context = context;
        self
    }

    /// The term as part of the kind of facility when `facility` (病院, 薬局): context too.
    fn of_facility(mut self, facility: bool) -> Term {
        self.facility = facility;
        self.context |= facility;
        self
    }

    /// Whether the term says who asks: the facility as a word of its own, or a word of a
    /// statement of who asks.
    fn of_who_asks(&self) -> bool {
        self.facility || self.asker
    }

    /// The term as said in a statement of who asks that opens the question, when `asker`:
    /// context, and no part of any entry's coverage.
    fn of_asker(mut self, asker: bool) -> Term {
        self.asker = asker;
        self.context |= asker;
        self
    }

    fn at(mut self, run: usize, pos: usize) -> Term {
        self.run = u16::try_from(run).unwrap_or(u16::MAX);
        self.pos = u16::try_from(pos).unwrap_or(u16::MAX);
        self
    }
}
/// How much a term says about the topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Within one word of content (補助, かど, ip) or an English word.
    Strong,
    /// A kanji and its okurigana (壊れ, 作り): the stem of a verb or adjective. Half weight;
    /// one no entry uses still counts, and is a word no entry uses (the question is about
    /// something else).
    Stem,
    /// Hiragana, a question word (何枚) or a bigram across words (金は, ん2): half weight, and
    /// none when no entry uses it.
    Weak,
}

/// The texts of some terms (for the tests of this module and its children).
#[cfg(test)]
fn texts(terms: &[Term]) -> Vec<&str> {
    terms.iter().map(|t| t.text.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ties_are_ordered_by_the_title() {
        // (id, score, coverage, title share), best first by score.
        let mut hits = vec![
            ("cert", 10.0, 1.0, 0.4),
            ("usage", 9.5, 1.0, 1.0),
            ("fields", 9.0, 0.6, 1.0),
            ("other", 5.0, 0.6, 1.0),
        ];
        break_ties(&mut hits, |h| (h.1, h.2, h.3));
        let ids: Vec<&str> = hits.iter().map(|h| h.0).collect();
        // usage ties cert (same coverage, 95% of its score) and says more in its title;
        // fields covers less and other scores far less: they keep their places.
        assert_eq!(ids, ["usage", "cert", "fields", "other"]);
    }

    #[test]
    fn fillers_that_open_a_question_are_not_its_words() {
        let s = Synonyms::parse("");
        for (said, plain) in [
            ("えーとカードリーダー", "カードリーダー"),
            ("あのー、補助金", "補助金"),
            ("まあ要するに", "要するに"),
        ] {
            assert_eq!(without_fillers(said), plain);
            assert_eq!(
                texts(&japanese_terms(said, &s)),
                texts(&japanese_terms(plain, &s)),
                "{said}"
            );
        }
        // Only at the start: あの inside a question is its own.
        assert_eq!(without_fillers("カードリーダーあの"), "カードリーダーあの");
    }
}
