//! The relevance model: how a question becomes weighted search terms, and how sure we are that
//! an entry answers it.
//!
//! Japanese questions become character bigrams after normalization, but not all of them count:
//! polite endings, question phrases and question-framing nouns (ありますか, 教えてください,
//! どうすれば, 方法, 場合 …) are dropped, a particle after a content word (補助金**は**,
//! 証明書**の**) separates words, and bigrams are classed: *strong* within one script of
//! content (補助, かど, ip), *stem* — a kanji and its okurigana, matched on the kanji so 届く,
//! 届き and 届か meet, and a lone kanji (顔で) matched wherever an entry has it — and *weak*
//! (hiragana, 何X, across scripts: half weight, none when no entry uses it). Okurigana that
//! writers add or drop (取り消し, 取消し, 取消) are folded on both sides. Each word's bigrams
//! share its weight (1/√n), so one long known word does not drown a short unknown one. A
//! synonym table maps what staff type (電カル, 問合せ, お客様, `hojokin`) to the words the FAQ
//! uses; neighbouring topics the FAQ does not answer (オンライン診療, 介護保険) count as words
//! no entry uses, though their parts are its words. English questions become stemmed words
//! without stop words, "My Number Card" one word.
//!
//! Each term weighs its inverse document frequency over the entries. An entry's **coverage**
//! of a question is the share of that weight it matches — full credit in its title or
//! keywords, [`BODY_CREDIT`] in its answer only. An entry is offered only when its coverage
//! reaches [`FLOOR`]; a Japanese question naming something no entry uses (a strong bigram with
//! no match that is not just the seam of a kanji compound such as 申請|期限) needs
//! [`UNKNOWN_FLOOR`]; an entry that shares only one of a Japanese question's several words
//! needs [`ONE_WORD_FLOOR`] (カルテ of カルテの書き方 is not the topic); one of weak terms only
//! needs [`WEAK_ONLY_FLOOR`]. When nothing clears,
//! the answer is "not found". The constants are calibrated on the labelled questions in
//! `tests/labelled.tsv`, whose test prints the calibration table.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
    TokenStream,
};
use unicode_normalization::UnicodeNormalization;

use crate::normalize::{OKURIGANA, is_separator};

/// The least coverage at which an entry counts as an answer.
pub const FLOOR: f32 = 0.50;

/// The credit for a term found only in an entry's answer (not its title or keywords).
pub const BODY_CREDIT: f32 = 0.6;

/// The weight of a stem or weak term relative to a strong one.
const WEAK: f32 = 0.5;

/// The least coverage of a question that names something no entry mentions.
pub const UNKNOWN_FLOOR: f32 = 0.6;
/// The floor for an entry that matches one word of a question naming several (カルテ of
/// カルテの書き方, 予約 of 健康診断の予約): one shared word is not the same topic.
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
        }
    }

    fn at(mut self, run: usize, pos: usize) -> Term {
        self.run = u16::try_from(run).unwrap_or(u16::MAX);
        self.pos = u16::try_from(pos).unwrap_or(u16::MAX);
        self
    }
}

/// The stem keys of a text (`~X` for each kanji followed by hiragana), as [`Term::key`].
pub fn stem_keys(text: &str) -> Vec<String> {
    scripted(text)
        .windows(2)
        .filter(|w| w[0].1 == Script::Kanji && w[1].1 == Script::Hiragana)
        .map(|w| format!("~{}", w[0].0))
        .collect()
}

/// The key a lone kanji matches on ([`kanji_keys`]).
fn kanji_key(c: char) -> String {
    format!("1{c}")
}

/// The kanji of a text as keys a lone kanji in a question matches (顔 of 顔で matches
/// 顔認証).
pub fn kanji_keys(text: &str) -> Vec<String> {
    text.chars()
        .filter(|c| is_kanji(*c))
        .map(kanji_key)
        .collect()
}

/// How much a term says about the topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Within one word of content (補助, かど, ip) or an English word.
    Strong,
    /// A kanji and its okurigana (壊れ, 作り): the stem of a verb or adjective. Half weight;
    /// one no entry uses still counts (the question is about something else).
    Stem,
    /// Hiragana, a question word (何枚) or a bigram across words (金は, ん2): half weight, and
    /// none when no entry uses it.
    Weak,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
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
    fn content(self) -> bool {
        matches!(self, Script::Katakana | Script::Kanji | Script::Other)
    }
}

/// Normalized characters with the script each had before katakana was folded to hiragana,
/// okurigana folded as [`crate::normalize::fold_okurigana`] does.
fn scripted(text: &str) -> Scripted {
    fold_scripted(scripted_chars(text))
}

/// [`crate::normalize::OKURIGANA`] folded in scripted text (the folded forms are kanji and
/// hiragana only).
fn fold_scripted(text: Scripted) -> Scripted {
    let chars: String = text.iter().map(|(c, _)| *c).collect();
    if !OKURIGANA.iter().any(|(v, _)| chars.contains(v)) {
        return text;
    }
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    'next: while i < text.len() {
        for (variant, canonical) in OKURIGANA {
            let n = variant.chars().count();
            if i + n <= text.len() && text[i..i + n].iter().map(|(c, _)| *c).eq(variant.chars()) {
                out.extend(canonical.chars().map(|c| {
                    let script = if is_kanji(c) {
                        Script::Kanji
                    } else {
                        Script::Hiragana
                    };
                    (c, script)
                }));
                i += n;
                continue 'next;
            }
        }
        out.push(text[i]);
        i += 1;
    }
    out
}

fn scripted_chars(text: &str) -> Scripted {
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
type Scripted = Vec<(char, Script)>;

/// Query-side synonyms: what people type → the words the FAQ uses.
pub struct Synonyms {
    /// (variant as normalized characters, replacement), longest variant first.
    pairs: Vec<(Vec<char>, Scripted)>,
}

impl Synonyms {
    /// Parses `variant<TAB>canonical` lines (`#` starts a comment).
    pub fn parse(text: &str) -> Synonyms {
        let mut pairs: Vec<(Vec<char>, Scripted)> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| l.split_once('\t'))
            .map(|(variant, canonical)| {
                (
                    scripted(variant.trim())
                        .into_iter()
                        .map(|(c, _)| c)
                        .collect(),
                    scripted(canonical.trim()),
                )
            })
            .filter(|(v, _): &(Vec<char>, _)| !v.is_empty())
            .collect();
        pairs.sort_by_key(|(v, _)| std::cmp::Reverse(v.len()));
        Synonyms { pairs }
    }

    /// The pairs whose variant the FAQ itself never uses: a word the entries contain
    /// (保険証 in 健康保険証, カルテ in 電子カルテ) is matched as it is, and rewriting it would
    /// only add weight to what is already known. `japanese` is the entries' normalized text,
    /// `english` their English words.
    pub fn unknown_to(&self, japanese: &str, english: &HashSet<String>) -> Synonyms {
        let pairs = self
            .pairs
            .iter()
            .filter(|(variant, _)| {
                let text: String = variant.iter().collect();
                if variant.iter().all(|c| c.is_ascii()) {
                    !text
                        .split(|c: char| !c.is_ascii_alphanumeric())
                        .filter(|w| !w.is_empty())
                        .all(|w| english.contains(w))
                        && !japanese.contains(&text)
                } else {
                    !japanese.contains(&text)
                }
            })
            .cloned()
            .collect();
        Synonyms { pairs }
    }

    /// The shipped table (`synonyms.tsv`).
    pub fn shipped() -> &'static Synonyms {
        static TABLE: LazyLock<Synonyms> =
            LazyLock::new(|| Synonyms::parse(include_str!("synonyms.tsv")));
        &TABLE
    }

    fn apply(&self, text: Scripted) -> Scripted {
        let mut out = Vec::with_capacity(text.len());
        let mut i = 0;
        while i < text.len() {
            // Text that already says a canonical form passes through (カルテ → 電子カルテ must
            // not turn 電子カルテ into 電子電子カルテ).
            if let Some((_, canonical)) = self.pairs.iter().find(|(_, canonical)| {
                i + canonical.len() <= text.len()
                    && text[i..i + canonical.len()]
                        .iter()
                        .map(|(c, _)| *c)
                        .eq(canonical.iter().map(|(c, _)| *c))
            }) {
                out.extend_from_slice(&text[i..i + canonical.len()]);
                i += canonical.len();
                continue;
            }
            let found = self.pairs.iter().find(|(variant, _)| {
                let end = i + variant.len();
                end <= text.len()
                    && text[i..end]
                        .iter()
                        .map(|(c, _)| *c)
                        .eq(variant.iter().copied())
                    && (!variant[0].is_ascii_alphanumeric() || word_bounded(&text, i, end))
            });
            match found {
                Some((variant, canonical)) => {
                    out.extend_from_slice(canonical);
                    i += variant.len();
                }
                None => {
                    out.push(text[i]);
                    i += 1;
                }
            }
        }
        out
    }
}

/// Whether `text[start..end]` is a whole word (a romaji variant must not match inside another).
fn word_bounded(text: &[(char, Script)], start: usize, end: usize) -> bool {
    let alnum = |i: usize| text.get(i).is_some_and(|(c, _)| c.is_ascii_alphanumeric());
    (start == 0 || !alnum(start - 1)) && !alnum(end)
}

/// Question phrases and polite endings that say nothing about the topic (normalized forms).
const STOP_PHRASES: &[&str] = &[
    "大丈夫",
    // Who is asking and for whom: the setting, not the topic (院内に貼るポスター, 顔認証でき
    // ない高齢者).
    "自分で",
    "自分",
    "院内",
    "当院",
    "弊院",
    "当薬局",
    "うちの",
    "患者さん",
    "患者様",
    "患者",
    "高齢者",
    "お年寄り",
    "高齢の",
    // Nouns that frame a question rather than name its topic.
    "方法",
    "やり方",
    "仕方",
    "見方",
    "場合",
    "意味",
    "理由",
    "可能",
    "問題",
    "詳しく",
    "具体的",
    "自由",
    "全部",
    "最初",
    "手続き",
    "手続",
    "仕組み",
    "ときは",
    "とき",
    "じゃないと",
    "じゃなきゃ",
    "ダメ",
    "だめ",
    "それ",
    "その",
    "これ",
    "この",
    "あれ",
    "そちら",
    "どんな",
    "どういう",
    "どの",
    "何か",
    "なにか",
    "何を",
    "なにを",
    "すればいい",
    "すればよい",
    "したらいい",
    "わからない",
    "分からない",
    "わかりません",
    "分かりません",
    "いいこと",
    "ことある",
    "ってなに",
    "ってなん",
    "って",
    "ありますでしょうか",
    "ありますか",
    "ございますか",
    "でしょうか",
    "ですか",
    "ますか",
    "ませんか",
    "ください",
    "下さい",
    "おしえて",
    "教えて",
    "知りたい",
    "しりたい",
    "について",
    "に関して",
    "のですが",
    "んですが",
    "ですが",
    "ですけど",
    "ですね",
    "したいです",
    "したい",
    "いいですか",
    "よいですか",
    "どうすれば",
    "どうしたら",
    "どうやって",
    "どのように",
    "なりますか",
    "なんですか",
    "何ですか",
    "なんでしょう",
    "お願いします",
    "おねがいします",
    "すみません",
    "ありがとう",
    "いますか",
    "とは",
    "です",
    "ます",
];

/// Topics next to ours that the FAQ does not answer although their words are its words
/// (オンライン診療 shares オンライン, 介護保険証 shares 保険証): named in a question, each is one
/// word no entry uses, so an entry must cover the rest of the question at [`UNKNOWN_FLOOR`].
const NEIGHBOURS: &[&str] = &[
    "オンライン診療",
    "遠隔診療",
    "電話診療",
    "電子処方箋",
    "診療報酬",
    "介護保険",
    "医療費控除",
    "労災",
    "自賠責",
    "生活保護",
    "公費",
    "レセプト点検",
    "返戻",
    "お薬手帳",
    "ワクチン",
    "予防接種",
    "処方薬",
    "飲み合わせ",
    "薬価",
    "感染対策",
    "院内感染",
    "情報漏洩",
    "漏洩",
    "漏えい",
    "保険料",
    "確定申告",
    "税務",
    "開設届",
];

/// Particles that end a content word (補助金**は**, 証明書**の**, 端末**に**も).
const PARTICLES: &[char] = &[
    'は', 'が', 'を', 'に', 'で', 'と', 'も', 'の', 'へ', 'や', 'か', 'て',
];

/// The weighted terms of a Japanese question (after synonyms, stop phrases and particles).
pub fn japanese_terms(query: &str, synonyms: &Synonyms) -> Vec<Term> {
    let mut text = synonyms.apply(scripted(query));
    let mut neighbours = Vec::new();
    {
        static NEAR: LazyLock<Vec<(String, Scripted)>> = LazyLock::new(|| {
            NEIGHBOURS
                .iter()
                .map(|n| (format!("!{n}"), scripted(n)))
                .collect()
        });
        for (key, phrase) in NEAR.iter() {
            let chars = |p: &[(char, Script)]| p.iter().map(|(c, _)| *c).collect::<Vec<_>>();
            let want = chars(phrase);
            let mut i = 0;
            while i + want.len() <= text.len() {
                if chars(&text[i..i + want.len()]) == want {
                    for slot in &mut text[i..i + want.len()] {
                        *slot = (' ', Script::Separator);
                    }
                    if !neighbours.iter().any(|t: &Term| &t.key == key) {
                        neighbours.push(Term::new(key.clone(), Kind::Strong, 1.0));
                    }
                    i += want.len();
                } else {
                    i += 1;
                }
            }
        }
    }
    // Stop phrases: hiragana ones only where the text is hiragana (never inside a katakana word).
    let stops: &Vec<Scripted> = {
        static STOPS: LazyLock<Vec<Scripted>> = LazyLock::new(|| {
            let mut v: Vec<_> = STOP_PHRASES.iter().map(|p| scripted(p)).collect();
            v.sort_by_key(|p| std::cmp::Reverse(p.len()));
            v
        });
        &STOPS
    };
    let mut i = 0;
    while i < text.len() {
        let hit = stops.iter().find(|p| {
            i + p.len() <= text.len()
                && text[i..i + p.len()]
                    .iter()
                    .zip(p.iter())
                    .all(|(t, s)| *t == *s)
        });
        match hit {
            Some(p) => {
                for slot in &mut text[i..i + p.len()] {
                    *slot = (' ', Script::Separator);
                }
                i += p.len();
            }
            None => i += 1,
        }
    }
    // Particles after a content word (or after another such particle: には, での).
    let mut after_content = false;
    for slot in &mut text {
        let (c, script) = *slot;
        if script == Script::Hiragana && after_content && PARTICLES.contains(&c) {
            *slot = (' ', Script::Separator);
            continue;
        }
        after_content = script.content();
    }
    let mut terms = Vec::new();
    for (r, run) in text.split(|(_, s)| *s == Script::Separator).enumerate() {
        match run {
            [] => {}
            // A lone kanji (顔で, 税は) is a word: matched wherever an entry has that kanji, at
            // a stem's weight. 何 asks; other lone characters are indexed only where they
            // stand alone, so they are weak.
            [(c, s)] => {
                if *s == Script::Kanji && *c != '何' {
                    let mut t = Term::new(c.to_string(), Kind::Stem, 1.0).at(r, 0);
                    t.key = kanji_key(*c);
                    terms.push(t);
                } else if s.content() {
                    terms.push(Term::new(c.to_string(), Kind::Weak, 1.0).at(r, 0));
                }
            }
            _ => {
                let share = 1.0 / ((run.len() - 1) as f32).sqrt();
                terms.extend(run.windows(2).enumerate().map(|(i, w)| {
                    let kind = match (w[0].1, w[1].1) {
                        // 何枚, 何年: a question word and a counter.
                        _ if w[0].0 == '何' => Kind::Weak,
                        (Script::Kanji, Script::Hiragana) => Kind::Stem,
                        (a, b) if a == b && a.content() => Kind::Strong,
                        _ => Kind::Weak,
                    };
                    Term::new([w[0].0, w[1].0].iter().collect(), kind, share).at(r, i)
                }))
            }
        }
    }
    let runs = text.split(|(_, s)| *s == Script::Separator).count();
    terms.extend(
        neighbours
            .into_iter()
            .enumerate()
            .map(|(k, t)| t.at(runs + k, 0)),
    );
    let mut seen = HashSet::new();
    terms.retain(|t| seen.insert(t.key.clone()));
    terms
}

/// English stop words: function words and the words every question has.
const ENGLISH_STOP: &[&str] = &[
    "a", "an", "the", "and", "or", "of", "to", "in", "on", "at", "for", "by", "with", "from", "is",
    "are", "was", "were", "be", "been", "am", "do", "does", "did", "can", "could", "may", "might",
    "must", "should", "would", "will", "shall", "i", "we", "you", "me", "us", "my", "our", "your",
    "it", "its", "this", "that", "these", "those", "there", "what", "which", "who", "whom",
    "whose", "how", "why", "where", "when", "if", "please", "tell", "know", "want", "like", "get",
    "any", "some", "about", "so", "as", "there", "here", "hi", "hello", "thanks", "thank", "need",
    "have", "has", "had", "not", "no", "yes",
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
const ENGLISH_COMPOUNDS: &[(&str, &str)] = &[
    ("my number card", "mynumbercard"),
    ("my number", "mynumber"),
    ("myna portal", "mynaportal"),
    ("myna card", "mynumbercard"),
];

/// An English text with its compounds joined (lowercased; for indexing and matching only).
pub fn english_compounds(text: &str) -> String {
    let mut out = text.to_lowercase();
    for (phrase, word) in ENGLISH_COMPOUNDS {
        out = out.replace(phrase, word);
    }
    out
}

/// The terms of an English text.
pub fn english_terms(text: &str) -> Vec<Term> {
    let mut analyzer = english_analyzer();
    let text = english_compounds(text);
    let mut stream = analyzer.token_stream(&text);
    let mut seen = HashSet::new();
    let mut terms = Vec::new();
    while stream.advance() {
        let t = stream.token().text.clone();
        if seen.insert(t.clone()) {
            terms.push(Term::new(t, Kind::Strong, 1.0));
        }
    }
    terms
}

/// Whether a question is written in Japanese (any kana or kanji after synonyms).
pub fn is_japanese(query: &str, synonyms: &Synonyms) -> bool {
    synonyms
        .apply(scripted(query))
        .iter()
        .any(|(c, _)| is_cjk(*c))
}

fn is_kanji(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '々')
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{9fff}' | '\u{f900}'..='\u{faff}')
}

/// The terms of one entry in one language: in its title or keywords, and in its answer.
#[derive(Debug, Default)]
pub struct EntryTerms {
    pub head: HashSet<String>,
    pub body: HashSet<String>,
}

impl EntryTerms {
    fn credit(&self, term: &str) -> f32 {
        if self.head.contains(term) {
            1.0
        } else if self.body.contains(term) {
            BODY_CREDIT
        } else {
            0.0
        }
    }
}

/// Document frequencies over the entries of one language, and each entry's terms.
#[derive(Debug, Default)]
pub struct Model {
    pub entries: Vec<EntryTerms>,
    df: HashMap<String, usize>,
    /// Whether a question naming an unknown word needs [`UNKNOWN_FLOOR`]: for Japanese, where
    /// an unknown kanji or katakana word names another topic; not for English, whose
    /// questions miss words for want of synonyms.
    unknown_words: bool,
}

impl Model {
    /// The Japanese model (unknown words raise the floor).
    pub fn japanese(entries: Vec<EntryTerms>) -> Model {
        Model {
            unknown_words: true,
            ..Model::new(entries)
        }
    }

    pub fn new(entries: Vec<EntryTerms>) -> Model {
        let mut df: HashMap<String, usize> = HashMap::new();
        for e in &entries {
            for t in e.head.union(&e.body) {
                *df.entry(t.clone()).or_default() += 1;
            }
        }
        Model {
            entries,
            df,
            unknown_words: false,
        }
    }

    /// The question's terms with junctions inside kanji compounds made weak: a strong
    /// bigram no entry uses between two known words (申請|期限 → 請期, 改修|費 → 修費) is an
    /// artefact of the bigrams, not an unknown word.
    pub fn refine(&self, mut terms: Vec<Term>) -> Vec<Term> {
        let known = |t: Option<&Term>| t.is_some_and(|t| self.df.contains_key(&t.key));
        let known_strong = |t: Option<&Term>| t.is_some_and(|t| t.kind == Kind::Strong) && known(t);
        let junctions: Vec<bool> = terms
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let kanji = t.text.chars().all(is_kanji);
                if !kanji || t.kind != Kind::Strong || self.df.contains_key(&t.key) || t.pos == 0 {
                    return false;
                }
                let prev = terms[..i]
                    .iter()
                    .rev()
                    .find(|p| p.run == t.run && p.pos + 1 == t.pos);
                let next = terms[i + 1..]
                    .iter()
                    .find(|n| n.run == t.run && n.pos == t.pos + 1);
                // 割出 of 割出ます: the second kanji starts a verb (出ま), not a word; but 入金
                // of 入金される is a word that takes する.
                let into_verb = next.is_some_and(|n| {
                    n.kind == Kind::Stem
                        && !n
                            .text
                            .chars()
                            .nth(1)
                            .is_some_and(|c| "さしすせ".contains(c))
                });
                // 何割|出: a question word and its counter, then another word.
                let asked = prev.is_some_and(|p| p.text.starts_with('何'));
                // 改修|費 ends in a kanji the entries use; 診察|券 in one they never do.
                let suffix = || {
                    t.text
                        .chars()
                        .last()
                        .is_some_and(|c| self.df.contains_key(&kanji_key(c)))
                };
                into_verb
                    || (known(prev) || asked)
                        && match next {
                            None => suffix(),
                            Some(_) => known_strong(next),
                        }
            })
            .collect();
        for (t, junction) in terms.iter_mut().zip(junctions) {
            if junction {
                t.kind = Kind::Weak;
            }
        }
        terms
    }

    /// A term's weight in a question.
    pub fn weight(&self, term: &Term) -> f32 {
        let n = self.entries.len() as f32;
        let df = self.df.get(&term.key).copied().unwrap_or(0);
        let idf = (1.0 + n / (df as f32 + 0.5)).ln();
        term.share
            * match (term.kind, df) {
                (Kind::Strong, _) => idf,
                (Kind::Weak, 0) => 0.0,
                (Kind::Stem | Kind::Weak, _) => WEAK * idf,
            }
    }

    /// Whether the question names something no entry mentions (a strong term no entry
    /// uses: 廃止, 処方箋 in 電子処方箋): then an entry must cover it at [`UNKNOWN_FLOOR`].
    pub fn has_unknown(&self, terms: &[Term]) -> bool {
        self.unknown_words
            && terms
                .iter()
                .any(|t| t.kind == Kind::Strong && !self.df.contains_key(&t.key))
    }

    /// Whether entry `i` matches only one of the question's several words (runs with a
    /// strong term).
    pub fn one_word_of_many(&self, i: usize, terms: &[Term]) -> bool {
        let Some(entry) = self.entries.get(i) else {
            return false;
        };
        let words: HashSet<u16> = terms
            .iter()
            .filter(|t| t.kind == Kind::Strong)
            .map(|t| t.run)
            .collect();
        let matched: HashSet<u16> = terms
            .iter()
            .filter(|t| t.kind == Kind::Strong && entry.credit(&t.key) > 0.0)
            .map(|t| t.run)
            .collect();
        self.unknown_words && words.len() >= 2 && matched.len() == 1
    }

    /// The share of the question's weight that entry `i` matches (0 when the question has no
    /// weighted terms). A question of weak terms only (こんにちは) must be matched almost
    /// whole: below [`WEAK_ONLY_FLOOR`] it counts as 0.
    pub fn coverage(&self, i: usize, terms: &[Term]) -> f32 {
        let Some(entry) = self.entries.get(i) else {
            return 0.0;
        };
        let (mut matched, mut total) = (0.0, 0.0);
        for t in terms {
            let w = self.weight(t);
            total += w;
            matched += w * entry.credit(&t.key);
        }
        if total <= 0.0 {
            return 0.0;
        }
        let coverage = matched / total;
        let weak_only = terms.iter().all(|t| t.kind == Kind::Weak);
        if weak_only && coverage < WEAK_ONLY_FLOOR {
            0.0
        } else {
            coverage
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(terms: &[Term]) -> Vec<&str> {
        terms.iter().map(|t| t.text.as_str()).collect()
    }

    #[test]
    fn polite_endings_and_particles_are_not_terms() {
        let s = Synonyms::parse("");
        assert_eq!(
            texts(&japanese_terms("駐車場はありますか", &s)),
            ["駐車", "車場"]
        );
        assert_eq!(
            texts(&japanese_terms("補助金はいくらですか？", &s)),
            ["補助", "助金", "いく", "くら"]
        );
        assert_eq!(
            texts(&japanese_terms(
                "電子証明書の再発行について教えてください",
                &s
            )),
            ["電子", "子証", "証明", "明書", "再発", "発行"]
        );
        // A katakana word keeps its kana even where it looks like a stop phrase.
        assert!(texts(&japanese_terms("カードリーダー", &s)).contains(&"かど"));
        let weak = japanese_terms("いくら", &s);
        assert!(weak.iter().all(|t| t.kind == Kind::Weak));
        let kinds: Vec<Kind> = japanese_terms("壊れた", &s)
            .iter()
            .map(|t| t.kind)
            .collect();
        assert_eq!(kinds, [Kind::Stem, Kind::Weak]);
    }

    #[test]
    fn synonyms_rewrite_what_people_type() {
        let s = Synonyms::parse("電カル\t電子カルテ\nカルテ\t電子カルテ\nhojokin\t補助金\n");
        let want = texts(&japanese_terms("電子カルテ改修", &Synonyms::parse(""))).join(" ");
        for typed in ["電カル改修", "電子カルテ改修", "カルテ改修"] {
            assert_eq!(texts(&japanese_terms(typed, &s)).join(" "), want, "{typed}");
        }
        assert!(is_japanese("hojokin", &s));
        assert!(!is_japanese("hojokinx", &s), "only whole romaji words");
    }

    #[test]
    fn neighbouring_topics_are_one_unknown_word() {
        let s = Synonyms::parse("");
        let terms = japanese_terms("オンライン診療の始め方", &s);
        assert!(
            texts(&terms).contains(&"!オンライン診療"),
            "{:?}",
            texts(&terms)
        );
        assert!(!texts(&terms).contains(&"診療"));
        let model = Model::japanese(vec![EntryTerms {
            head: ["おん", "んら", "らい", "いん", "診療", "~始"]
                .map(String::from)
                .into(),
            body: HashSet::new(),
        }]);
        assert!(model.has_unknown(&model.refine(terms)));
    }

    #[test]
    fn a_lone_kanji_is_a_word_and_junctions_depend_on_what_follows() {
        let s = Synonyms::parse("");
        let entry = |t: &str| EntryTerms {
            head: crate::normalize::bigrams(&crate::normalize::normalize(t))
                .into_iter()
                .chain(stem_keys(t))
                .chain(kanji_keys(t))
                .collect(),
            body: HashSet::new(),
        };
        let model = Model::japanese(vec![entry("顔認証 診察室 改修費 提出する 補助金")]);
        let face = model.refine(japanese_terms("顔で", &s));
        assert_eq!(face.len(), 1);
        assert!(model.coverage(0, &face) > 0.99, "顔 matches 顔認証");
        // 診察|券: 券 is a kanji no entry uses, so 察券 is an unknown word, not a seam.
        assert!(model.has_unknown(&model.refine(japanese_terms("診察券の作り方", &s))));
        // 改修|費 ends in a kanji the entries use: a seam of two known words.
        assert!(!model.has_unknown(&model.refine(japanese_terms("改修費", &s))));
        // 何割|出ます: the question word's counter, then a verb.
        assert!(!model.has_unknown(&model.refine(japanese_terms("補助金って何割出ますか", &s))));
    }

    #[test]
    fn english_compounds_are_one_word() {
        assert_eq!(
            texts(&english_terms("How do I apply for a My Number Card?")),
            ["appli", "mynumbercard"]
        );
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
    }
}
