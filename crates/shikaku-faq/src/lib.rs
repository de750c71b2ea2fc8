//! shikaku-faq — the FAQ (よくある質問): entries as Markdown files with front matter, and a
//! Japanese full-text index (tantivy, in memory) with a normalizing character-bigram
//! tokenizer. The CLI (`shikaku faq search`) and the portal page (`/faq/search`) both query
//! the same [`FaqIndex`].

pub mod chatbot;
pub mod content;
pub mod normalize;
mod tokenizer;

use std::collections::HashMap;

use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::{Index, IndexReader, TantivyDocument, Term};

pub use content::{CATEGORIES, Entry, EntryError};

const TOKENIZER: &str = "ja_bigram";

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
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
}

/// One search result, best first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub id: String,
    pub title: String,
    pub category: String,
    #[serde(skip)]
    pub score: f32,
}

struct Fields {
    id: Field,
    title: Field,
    keywords: Field,
    body: Field,
}

/// The FAQ entries and their search index.
pub struct FaqIndex {
    entries: Vec<Entry>,
    by_id: HashMap<String, usize>,
    reader: IndexReader,
    fields: Fields,
}

impl std::fmt::Debug for FaqIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaqIndex")
            .field("entries", &self.entries.len())
            .finish()
    }
}

impl FaqIndex {
    /// Parses `(file name, text)` pairs and indexes them.
    pub fn from_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<FaqIndex, FaqError> {
        let mut entries = Vec::new();
        let mut seen: HashMap<String, String> = HashMap::new();
        for (name, text) in files {
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

    /// Indexes entries (ids must be unique).
    pub fn build(mut entries: Vec<Entry>) -> Result<FaqIndex, FaqError> {
        entries.sort_by(|a, b| {
            let rank = |c: &str| CATEGORIES.iter().position(|x| *x == c);
            rank(&a.category)
                .cmp(&rank(&b.category))
                .then(a.id.cmp(&b.id))
        });
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let mut builder = Schema::builder();
        let fields = Fields {
            id: builder.add_text_field("id", STRING | STORED),
            title: builder.add_text_field("title", text.clone()),
            keywords: builder.add_text_field("keywords", text.clone()),
            body: builder.add_text_field("body", text),
        };
        let index = Index::create_in_ram(builder.build());
        index
            .tokenizers()
            .register(TOKENIZER, tokenizer::BigramTokenizer);
        let mut writer = index.writer_with_num_threads::<TantivyDocument>(1, 15_000_000)?;
        let mut by_id = HashMap::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            if by_id.insert(e.id.clone(), i).is_some() {
                return Err(FaqError::DuplicateId {
                    id: e.id.clone(),
                    first: e.id.clone(),
                    second: e.id.clone(),
                });
            }
            let mut doc = TantivyDocument::default();
            doc.add_text(fields.id, &e.id);
            doc.add_text(fields.title, &e.title);
            doc.add_text(fields.keywords, format!("{} {}", e.category, e.keywords));
            doc.add_text(fields.body, &e.body);
            writer.add_document(doc)?;
        }
        writer.commit()?;
        let reader = index.reader()?;
        Ok(FaqIndex {
            entries,
            by_id,
            reader,
            fields,
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

    /// Ranked search (BM25 over title ×3, keywords ×2, body ×1). An empty or
    /// separator-only query has no results.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        let mut grams = normalize::bigrams(&normalize::normalize(query));
        grams.sort();
        grams.dedup();
        if grams.is_empty() || limit == 0 {
            return Vec::new();
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::with_capacity(grams.len() * 3);
        for gram in &grams {
            for (field, boost) in [
                (self.fields.title, 3.0),
                (self.fields.keywords, 2.0),
                (self.fields.body, 1.0),
            ] {
                let term = TermQuery::new(
                    Term::from_field_text(field, gram),
                    IndexRecordOption::WithFreqs,
                );
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(term), boost)),
                ));
            }
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let Ok(top) = searcher.search(&query, &TopDocs::with_limit(limit).order_by_score()) else {
            return Vec::new();
        };
        top.into_iter()
            .filter_map(|(score, address)| {
                let doc: TantivyDocument = searcher.doc(address).ok()?;
                let id = doc.get_first(self.fields.id)?.as_str()?.to_string();
                let entry = self.entry(&id)?;
                Some(Hit {
                    id,
                    title: entry.title.clone(),
                    category: entry.category.clone(),
                    score,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
