//! shikaku-faq — the FAQ (よくある質問): entries as Markdown files with front matter, in
//! Japanese and English, and a full-text index (tantivy, in memory): a normalizing
//! character-bigram tokenizer for Japanese, stemmed words for English. Results must clear the
//! relevance floor of [`relevance`]; a question nothing answers gets no results, never noise.
//! The CLI (`shikaku faq search`), the portal page (`/faq/search`) and the chatbot all query
//! the same [`FaqIndex`].

pub mod chatbot;
pub mod content;
pub mod normalize;
pub mod relevance;
mod tokenizer;

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::{Index, IndexReader, TantivyDocument, Term as Term_};

pub use content::{CATEGORIES, CATEGORIES_EN, Entry, EntryError, category_en};

use relevance::{EntryTerms, Model, Spelling, Synonyms, Term};

const TOKENIZER: &str = "ja_bigram";
const ENGLISH: &str = "en_stem";

/// The language of a question and of the titles in its results.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Ja,
    En,
}

impl Lang {
    pub fn is_english(self) -> bool {
        self == Lang::En
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FaqError {
    #[error(transparent)]
    Entry(#[from] EntryError),
    #[error("FAQ id `{id}` is used by two entries ({first} and {second})")]
    DuplicateId {
        id: String,
        first: String,
        second: String,
    },
    #[error("FAQ entry `{id}` names a related entry `{related}` that does not exist")]
    UnknownRelated { id: String, related: String },
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
}

/// Whether a file in the FAQ folder documents the content rather than being an entry: its
/// name is upper case (`COVERAGE.md`, `README.md`).
pub fn is_documentation(name: &str) -> bool {
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let stem = file.strip_suffix(".md").unwrap_or(file);
    !stem.is_empty()
        && stem
            .chars()
            .all(|c| c.is_ascii_uppercase() || c == '_' || c == '-')
}

/// One search result, best first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub id: String,
    pub title: String,
    pub category: String,
    /// The ranking score (BM25 weighted by coverage).
    #[serde(skip)]
    pub score: f32,
    /// The share of the question this entry answers (see [`relevance`]).
    #[serde(skip)]
    pub coverage: f32,
}

/// How [`FaqIndex::explain`] read a question.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// Which entry text the question was matched against.
    pub language: Lang,
    /// Its terms and their weights.
    pub terms: Vec<(String, f32)>,
    /// The least coverage of an answer to it.
    pub floor: f32,
    /// Its terms no entry uses, which raise the floor to [`relevance::UNKNOWN_FLOOR`].
    pub unknown: Vec<String>,
    /// The five entries covering it best: id, coverage and the coverage it needs.
    pub best: Vec<(String, f32, f32)>,
    /// What search answers.
    pub hits: Vec<Hit>,
}

/// The fields of one language.
struct Fields {
    title: Field,
    keywords: Field,
    body: Field,
}

/// The FAQ entries and their search index.
pub struct FaqIndex {
    entries: Vec<Entry>,
    /// What each entry's title asks for, in Japanese and in English ([`relevance::asks`]).
    title_asks: Vec<[Vec<relevance::Asks>; 2]>,
    by_id: HashMap<String, usize>,
    reader: IndexReader,
    id: Field,
    ja: Fields,
    en: Fields,
    ja_model: Model,
    en_model: Model,
    synonyms: Synonyms,
    /// The FAQ's English words, against which typing slips are read (pasword → password).
    spelling: Spelling,
    /// The Latin words a Japanese question can be read by: the Japanese entries' own (pc,
    /// vpn) and those the glossary and the index's synonyms read as Japanese (password,
    /// hojokin).
    latin: HashSet<String>,
}

impl std::fmt::Debug for FaqIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaqIndex")
            .field("entries", &self.entries.len())
            .finish()
    }
}

impl FaqIndex {
    /// Parses `(file name, text)` pairs and indexes them (documentation files such as
    /// `COVERAGE.md` are skipped).
    pub fn from_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<FaqIndex, FaqError> {
        let mut entries = Vec::new();
        let mut seen: HashMap<String, String> = HashMap::new();
        for (name, text) in files {
            if is_documentation(name) {
                continue;
            }
            let entry = Entry::parse(name, text)?;
            if let Some(first) = seen.insert(entry.id.clone(), name.to_string()) {
                return Err(FaqError::DuplicateId {
                    id: entry.id,
                    first,
                    second: name.to_string(),
                });
            }
            entries.push(entry);
        }
        Self::build(entries)
    }

    /// Indexes entries (ids must be unique, related ids must exist).
    pub fn build(mut entries: Vec<Entry>) -> Result<FaqIndex, FaqError> {
        entries.sort_by(|a, b| {
            let rank = |c: &str| CATEGORIES.iter().position(|x| *x == c);
            rank(&a.category)
                .cmp(&rank(&b.category))
                .then(a.id.cmp(&b.id))
        });
        let options = |tokenizer: &str| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(tokenizer)
                    .set_index_option(IndexRecordOption::WithFreqs),
            )
        };
        let mut builder = Schema::builder();
        let id = builder.add_text_field("id", STRING | STORED);
        let mut fields = |suffix: &str, tokenizer: &str| Fields {
            title: builder.add_text_field(&format!("title{suffix}"), options(tokenizer)),
            keywords: builder.add_text_field(&format!("keywords{suffix}"), options(tokenizer)),
            body: builder.add_text_field(&format!("body{suffix}"), options(tokenizer)),
        };
        let ja = fields("", TOKENIZER);
        let en = fields("_en", ENGLISH);
        let index = Index::create_in_ram(builder.build());
        index
            .tokenizers()
            .register(TOKENIZER, tokenizer::BigramTokenizer);
        index
            .tokenizers()
            .register(ENGLISH, relevance::english_analyzer());
        let mut writer = index.writer_with_num_threads::<TantivyDocument>(1, 15_000_000)?;
        let mut by_id = HashMap::with_capacity(entries.len());
        let (mut ja_terms, mut en_terms) = (Vec::new(), Vec::new());
        for (i, e) in entries.iter().enumerate() {
            if by_id.insert(e.id.clone(), i).is_some() {
                return Err(FaqError::DuplicateId {
                    id: e.id.clone(),
                    first: e.id.clone(),
                    second: e.id.clone(),
                });
            }
            let keywords = format!("{} {}", e.category, e.keywords);
            let keywords_en = format!("{} {}", category_en(&e.category), e.keywords_en);
            let mut doc = TantivyDocument::default();
            doc.add_text(id, &e.id);
            for (field, text) in [
                (ja.title, &e.title),
                (ja.keywords, &keywords),
                (ja.body, &e.body),
                (en.title, &relevance::english_compounds(&e.title_en)),
                (en.keywords, &relevance::english_compounds(&keywords_en)),
                (en.body, &relevance::english_compounds(&e.body_en)),
            ] {
                doc.add_text(field, text);
            }
            writer.add_document(doc)?;
            ja_terms.push(EntryTerms {
                head: relevance::entry_keys(&e.title)
                    .into_iter()
                    .chain(relevance::entry_keys(&keywords))
                    .collect(),
                body: relevance::entry_keys(&e.body).into_iter().collect(),
                title: relevance::entry_keys(&e.title).into_iter().collect(),
            });
            let words = |t: &str| relevance::english_terms(t).into_iter().map(|t| t.text);
            en_terms.push(EntryTerms {
                head: words(&e.title_en).chain(words(&keywords_en)).collect(),
                body: words(&e.body_en).collect(),
                title: words(&e.title_en).collect(),
            });
        }
        for e in &entries {
            if let Some(missing) = e.related.iter().find(|r| !by_id.contains_key(*r)) {
                return Err(FaqError::UnknownRelated {
                    id: e.id.clone(),
                    related: missing.clone(),
                });
            }
        }
        writer.commit()?;
        let reader = index.reader()?;
        // Synonyms only for words the entries do not use themselves.
        let mut japanese = String::new();
        let mut english_text = String::new();
        let mut katakana = HashSet::new();
        for e in &entries {
            for t in [&e.title, &e.keywords, &e.body, &e.category] {
                japanese.push_str(&normalize::normalize(t));
                japanese.push(' ');
                katakana.extend(relevance::katakana_words(t));
            }
            for t in [&e.title_en, &e.keywords_en, &e.body_en] {
                english_text.push_str(t);
                english_text.push('\n');
            }
        }
        let synonyms = Synonyms::shipped().unknown_to(&japanese, &english_text);
        let spelling = Spelling::new(
            relevance::english_words(&english_text)
                .split(' ')
                .map(str::to_string),
            relevance::english_table_words()
                .map(str::to_string)
                .chain(Synonyms::shipped().ascii_words())
                .chain(Synonyms::glossary().ascii_words())
                .chain(Synonyms::readings().ascii_words()),
            relevance::is_english_stop_word,
        );
        // From the titles and keywords: the answers' URLs are no words of a question.
        let heads: String = entries
            .iter()
            .map(|e| format!("{} {} ", e.title, e.keywords))
            .collect();
        let latin = relevance::english_words(&heads)
            .split(' ')
            .map(str::to_string)
            .chain(synonyms.ascii_read_as_japanese())
            .chain(Synonyms::glossary().ascii_read_as_japanese())
            .chain(Synonyms::readings().ascii_read_as_japanese())
            .collect();
        let title_asks = entries
            .iter()
            .map(|e| [relevance::asks(&e.title), relevance::asks(&e.title_en)])
            .collect();
        Ok(FaqIndex {
            title_asks,
            entries,
            by_id,
            reader,
            id,
            ja,
            en,
            ja_model: Model::japanese(ja_terms).with_katakana(katakana),
            en_model: Model::new(en_terms),
            synonyms,
            spelling,
            latin,
        })
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn entry(&self, id: &str) -> Option<&Entry> {
        self.by_id.get(id).map(|&i| &self.entries[i])
    }

    /// Entries of one category, in file order.
    pub fn in_category<'a>(&'a self, category: &'a str) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries.iter().filter(move |e| e.category == category)
    }

    /// Entries related to `entry` (its `related` list), in that order.
    pub fn related<'a>(&'a self, entry: &'a Entry) -> impl Iterator<Item = &'a Entry> + 'a {
        entry.related.iter().filter_map(|id| self.entry(id))
    }

    /// Ranked search with Japanese titles; see [`FaqIndex::search_in`].
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        self.search_in(query, Lang::Ja, limit)
    }

    /// Ranked search: entries whose coverage of the question clears [`relevance::FLOOR`]
    /// ([`relevance::ENGLISH_FLOOR`] for a question in English), best
    /// first, titled in `lang`. A Japanese question is matched against the Japanese text; a
    /// question without kana or kanji against the English text and the Japanese one (for
    /// words such as ADSL), whichever answers it better. Nothing clears the floor → no hits.
    pub fn search_in(&self, query: &str, lang: Lang, limit: usize) -> Vec<Hit> {
        self.search_with_floor(query, lang, limit, None)
    }

    /// [`FaqIndex::search_in`] with another floor for both languages (for calibration). A
    /// question no entry answers whole that asks two things (消費税と端数の扱い, How much is
    /// it and when do we apply?) gets the answers to its parts, each part's best first, when
    /// every part has one.
    pub(crate) fn search_with_floor(
        &self,
        query: &str,
        lang: Lang,
        limit: usize,
        floor: Option<f32>,
    ) -> Vec<Hit> {
        if limit == 0 {
            return Vec::new();
        }
        let hits = self.search_whole(query, lang, limit, floor);
        if !hits.is_empty() {
            return hits;
        }
        let answers: Vec<Vec<Hit>> = relevance::parts(query)
            .iter()
            .map(|part| self.search_whole(part, lang, limit, floor))
            .collect();
        // Every part must be answered: a part no entry answers (駐車場の場所 of 駐車場の場所と
        // 営業時間) says the question is about something else, as a word no entry uses does.
        if answers.iter().any(Vec::is_empty) {
            return Vec::new();
        }
        let mut merged: Vec<Hit> = Vec::new();
        for rank in 0..limit {
            for hit in answers.iter().filter_map(|hits| hits.get(rank)) {
                if !merged.iter().any(|h| h.id == hit.id) {
                    merged.push(hit.clone());
                }
            }
        }
        merged.truncate(limit);
        merged
    }

    /// The hits for a question read whole ([`FaqIndex::search_with_floor`]).
    fn search_whole(&self, query: &str, lang: Lang, limit: usize, floor: Option<f32>) -> Vec<Hit> {
        let query = self.question(query);
        let in_japanese = relevance::is_japanese(&query, &self.synonyms);
        let floor = floor.unwrap_or(relevance::floor(in_japanese));
        let japanese = self.japanese_terms(&query);
        let asked = relevance::asks(&query);
        let mut hits = self.ranked(&japanese, self.side(true), lang, floor, &asked, true);
        if !in_japanese {
            let english = self.english_terms(&query);
            let other = self.ranked(&english, self.side(false), lang, floor, &asked, true);
            let best = |h: &[Hit]| h.first().map_or(0.0, |h| h.coverage);
            if best(&other) > best(&hits) {
                hits = other;
            }
        }
        hits.truncate(limit);
        hits
    }

    /// Hits for a question asked about `topic` (the conversation's, in the page's language):
    /// the topic's words are the question's setting — half weight and never a word no entry
    /// uses — so 期限は？ asked about 電子証明書 finds the certificate's deadline, while a
    /// question of its own (パスワードを忘れた) still finds its own entry.
    pub fn search_about(&self, query: &str, topic: &str, lang: Lang, limit: usize) -> Vec<Hit> {
        let query = self.question(query);
        let read = self.read(&query);
        let mut terms = read.terms;
        let runs = relevance::runs(&terms);
        let setting = if read.side.japanese {
            relevance::japanese_terms(topic, &self.synonyms)
        } else {
            self.english_terms(topic)
        };
        terms.extend(relevance::as_setting(setting, runs));
        let floor = relevance::floor(read.side.japanese);
        let asked = relevance::asks(&query);
        // The conversation's topic, not the titles, tells apart two entries that tie.
        let mut hits = self.ranked(&terms, read.side, lang, floor, &asked, false);
        hits.truncate(limit);
        hits
    }

    /// Whether `query` is read as Japanese (English words in a Japanese question still are).
    pub fn is_japanese(&self, query: &str) -> bool {
        relevance::is_japanese(&self.question(query), &self.synonyms)
    }

    /// How many words of `query` name what it asks about (期限は？ one, 発注の期限は？ two): a
    /// question of one word or none is read in the conversation's topic.
    pub fn topic_words(&self, query: &str) -> usize {
        relevance::topic_words(&self.refined(query))
    }

    /// What entry `id`'s title asks for (a definition, a time, a number …), in English or in
    /// Japanese; nothing for an unknown id.
    pub fn title_asks(&self, id: &str, english: bool) -> &[relevance::Asks] {
        self.by_id
            .get(id)
            .map_or(&[], |&i| &self.title_asks[i][usize::from(english)])
    }

    /// Whether `query` names a thing of its own (a noun, not only a verb: 見る of どこで
    /// 見るの？ does not).
    pub fn names_a_thing(&self, query: &str) -> bool {
        relevance::names_a_thing(&self.refined(query))
    }

    /// The terms of `query` as the model reads them, in its language.
    fn refined(&self, query: &str) -> Vec<Term> {
        let read = self.read(&self.question(query));
        read.side.model.refine(read.terms)
    }

    /// `query` read in its language: Japanese, or English when it has no Japanese to read.
    fn read(&self, query: &str) -> Read<'_> {
        let japanese = relevance::is_japanese(query, &self.synonyms);
        let terms = if japanese {
            self.japanese_terms(query)
        } else {
            self.english_terms(query)
        };
        Read {
            terms,
            side: self.side(japanese),
        }
    }

    /// The fields and model of one language.
    fn side(&self, japanese: bool) -> Side<'_> {
        if japanese {
            Side {
                fields: &self.ja,
                model: &self.ja_model,
                japanese,
            }
        } else {
            Side {
                fields: &self.en,
                model: &self.en_model,
                japanese,
            }
        }
    }

    /// `text` with its English typing slips read as words (pasword → password): what the
    /// chatbot reads a personal question in ([`chatbot::intent`]), as search does.
    pub fn spelled(&self, text: &str) -> String {
        self.spelling.correct(text)
    }

    /// A question as search reads it, once for both languages: its first [`QUESTION_CHARS`]
    /// characters without a mail subject's marks, its web and mail addresses and slashed dates
    /// ([`relevance::without_addresses`]), its English typing slips read as words — in an
    /// English question and in a Japanese one alike (portalのpasword: password, which the
    /// glossary reads as パスワード) — and, when it has Japanese, without the English words it
    /// cannot be read by ([`relevance::without_english_frame`]: What is 大型チェーン薬局?), and
    /// without a frame that only says a question follows ([`relevance::without_framing`]:
    /// Quick question: …) or the marks that number its parts ([`relevance::without_list_marks`]).
    fn question(&self, query: &str) -> String {
        let query = question(query);
        let query = relevance::without_list_marks(relevance::without_framing(&query));
        let query = self.spelled(&relevance::without_addresses(&query));
        relevance::without_english_frame(&query, &self.synonyms, |w| self.latin.contains(w))
            .into_owned()
    }

    /// The terms of a Japanese question, a message of several sentences read by the ones
    /// that ask.
    fn japanese_terms(&self, query: &str) -> Vec<Term> {
        relevance::japanese_question(query, &self.synonyms, |t| self.ja_model.tells(&t.key))
    }

    /// The terms of an English question, after the English synonyms (due → deadline).
    fn english_terms(&self, query: &str) -> Vec<Term> {
        relevance::english_question(
            query,
            |s| relevance::english_neighbours(&self.synonyms.english(s)),
            |t| self.en_model.knows(t),
        )
    }

    /// How a question was read and how well the best entries cover it, whether or not they
    /// clear the floor (for `shikaku faq search --explain` and calibration).
    pub fn explain(&self, query: &str, lang: Lang) -> Explanation {
        let query = &self.question(query);
        let Read {
            terms,
            side: Side {
                model, japanese, ..
            },
        } = self.read(query);
        let terms = model.refine(terms);
        let weighted = terms
            .iter()
            .map(|t| (t.text.clone(), model.weight(t)))
            .collect();
        let floor = relevance::floor(japanese);
        let question_floor = model.question_floor(&terms, floor);
        let mut best: Vec<(String, f32, f32)> = (0..self.entries.len())
            .map(|i| {
                let id = self.entries[i].id.clone();
                let needs = model.needs(i, &terms, question_floor);
                (id, model.coverage(i, &terms), needs)
            })
            .collect();
        best.sort_by(|a, b| b.1.total_cmp(&a.1));
        best.truncate(5);
        Explanation {
            language: if japanese { Lang::Ja } else { Lang::En },
            terms: weighted,
            floor,
            unknown: model
                .unknown(&terms)
                .iter()
                .map(|t| t.text.clone())
                .collect(),
            best,
            hits: self.search_in(query, lang, 5),
        }
    }

    /// Candidates by BM25 (title ×3, keywords ×2, answer ×1) over `terms`, kept when their
    /// coverage clears the floor, ordered by BM25 × coverage² (× [`relevance::ASKS_THE_SAME`]
    /// when the entry's title asks for what the question does, `asked`); `by_title`, of two
    /// that tie, the one whose title says more of the question first
    /// ([`relevance::break_ties`]).
    fn ranked(
        &self,
        terms: &[Term],
        side: Side<'_>,
        lang: Lang,
        floor: f32,
        asked: &[relevance::Asks],
        by_title: bool,
    ) -> Vec<Hit> {
        let Side {
            fields,
            model,
            japanese,
        } = side;
        let terms: Vec<Term> = model
            .refine(terms.to_vec())
            .into_iter()
            .filter(|t| model.weight(t) > 0.0)
            .collect();
        if terms.is_empty() {
            return Vec::new();
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::with_capacity(terms.len() * 3);
        for term in &terms {
            let texts = model.searched_as(term);
            let share = 1.0 / texts.len() as f32;
            for (text, (field, boost)) in texts.iter().flat_map(|text| {
                [
                    (fields.title, 3.0),
                    (fields.keywords, 2.0),
                    (fields.body, 1.0),
                ]
                .map(|f| (*text, f))
            }) {
                let query = TermQuery::new(
                    Term_::from_field_text(field, text),
                    IndexRecordOption::WithFreqs,
                );
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(query), boost * share)),
                ));
            }
        }
        let query = BooleanQuery::new(clauses);
        let question_floor = model.question_floor(&terms, floor);
        let searcher = self.reader.searcher();
        let Ok(top) = searcher.search(&query, &TopDocs::with_limit(30).order_by_score()) else {
            return Vec::new();
        };
        let mut hits: Vec<(Hit, f32)> = top
            .into_iter()
            .filter_map(|(score, address)| {
                let doc: TantivyDocument = searcher.doc(address).ok()?;
                let id = doc.get_first(self.id)?.as_str()?.to_string();
                let &i = self.by_id.get(&id)?;
                let coverage = model.coverage(i, &terms);
                if coverage < model.needs(i, &terms, question_floor) {
                    return None;
                }
                let entry = &self.entries[i];
                let title = &self.title_asks[i][usize::from(!japanese)];
                let same = if relevance::asks_the_same(asked, title) {
                    relevance::ASKS_THE_SAME
                } else {
                    1.0
                };
                let hit = Hit {
                    title: entry.title_in(lang.is_english()).to_string(),
                    category: entry.category_in(lang.is_english()).to_string(),
                    id,
                    score: score * coverage * coverage * same,
                    coverage,
                };
                Some((hit, model.title_share(i, &terms)))
            })
            .collect();
        hits.sort_by(|a, b| b.0.score.total_cmp(&a.0.score));
        if by_title {
            relevance::break_ties(&mut hits, |(h, title)| (h.score, h.coverage, *title));
        }
        hits.into_iter().map(|(hit, _)| hit).collect()
    }
}

/// The index fields and relevance model of one language.
#[derive(Clone, Copy)]
struct Side<'i> {
    fields: &'i Fields,
    model: &'i Model,
    japanese: bool,
}

/// A question's terms and the side of its language.
struct Read<'i> {
    terms: Vec<Term>,
    side: Side<'i>,
}

/// How much of a question is read: its first [`QUESTION_CHARS`] characters.
fn question(query: &str) -> String {
    without_mail_marks(query)
        .chars()
        .take(QUESTION_CHARS)
        .collect()
}

/// A question without the reply and forward marks of a mail's subject it was copied from
/// (Re: Re: 補助金の申請書類, Fwd:, 返信:): the mail's, not the question's words.
fn without_mail_marks(query: &str) -> &str {
    const MARKS: [&str; 6] = ["re", "fwd", "fw", "aw", "返信", "転送"];
    let mut rest = query.trim_start();
    loop {
        let after = MARKS.iter().find_map(|m| {
            let head = rest.get(..m.len())?;
            let tail = rest[m.len()..].trim_start();
            let colon = tail.strip_prefix(':').or_else(|| tail.strip_prefix('：'))?;
            head.eq_ignore_ascii_case(m).then_some(colon.trim_start())
        });
        match after {
            Some(next) => rest = next,
            None => return rest,
        }
    }
}

/// The characters of a question that search and its explanation read (a question is a
/// sentence or two; a pasted page is not read whole).
const QUESTION_CHARS: usize = 200;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod typed_tests;
