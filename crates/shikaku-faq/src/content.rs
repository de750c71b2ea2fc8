//! FAQ entries: one Markdown file each, with a front matter block:
//!
//! ```text
//! ---
//! id: subsidy-amount
//! category: 補助金
//! title: 補助金はいくらもらえますか？
//! title_en: How much subsidy can we receive?
//! keywords: ほじょきん いくら 上限
//! keywords_en: subsidy amount cap
//! related: subsidy-rounding subsidy-tax
//! source: 準備作業の手引き（厚生労働省保険局、令和2年11月）
//! updated: 2026-12-04
//! ---
//! Japanese Markdown answer …
//!
//! <!-- en -->
//! English Markdown answer …
//! ```
//!
//! Only `id`, `category`, `title` and a Japanese answer are required; an entry without English
//! is shown in Japanese on English pages. `related` names other entries (checked when the
//! index is built), `source` where the facts come from, `updated` the last review date.

use serde::Serialize;

/// The marker line between the Japanese and the English answer.
pub const ENGLISH_MARKER: &str = "<!-- en -->";

/// The categories' English names, in the order of [`CATEGORIES`].
pub const CATEGORIES_EN: [&str; 9] = [
    "Account",
    "Card readers",
    "Use application and certificates",
    "Network lines",
    "Introduction work",
    "Operations and reception",
    "Drug and checkup information",
    "Subsidy",
    "System integration",
];

/// A category's English name (the Japanese name when unknown).
pub fn category_en(category: &str) -> &str {
    CATEGORIES
        .iter()
        .position(|c| *c == category)
        .map_or(category, |i| CATEGORIES_EN[i])
}

/// The categories, in display order.
pub const CATEGORIES: [&str; 9] = [
    "アカウント",
    "カードリーダー",
    "利用申請・電子証明書",
    "回線",
    "導入作業",
    "運用・受付業務",
    "薬剤情報・特定健診情報",
    "補助金",
    "システム連携",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub id: String,
    pub category: String,
    pub title: String,
    pub keywords: String,
    pub body: String,
    /// English title, keywords and answer (empty when the entry has none).
    pub title_en: String,
    pub keywords_en: String,
    pub body_en: String,
    /// Ids of related entries.
    pub related: Vec<String>,
    /// Where the facts come from.
    pub source: String,
    /// The last review date (`YYYY-MM-DD`).
    pub updated: Option<String>,
}

impl Entry {
    /// The title in `english` or Japanese (Japanese when there is no English).
    pub fn title_in(&self, english: bool) -> &str {
        if english && !self.title_en.is_empty() {
            &self.title_en
        } else {
            &self.title
        }
    }

    /// The answer in `english` or Japanese (Japanese when there is no English).
    pub fn body_in(&self, english: bool) -> &str {
        if english && !self.body_en.is_empty() {
            &self.body_en
        } else {
            &self.body
        }
    }

    /// The category's name in `english` or Japanese.
    pub fn category_in(&self, english: bool) -> &str {
        if english {
            category_en(&self.category)
        } else {
            &self.category
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct EntryError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl Entry {
    /// Parses one FAQ file; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Entry, EntryError> {
        let err = |line: usize, message: &str| EntryError {
            file: file.to_string(),
            line,
            message: message.to_string(),
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text.lines().enumerate();
        match lines.next() {
            Some((_, "---")) => {}
            _ => return Err(err(1, "the file must start with a front matter line `---`")),
        }
        let (mut id, mut category, mut title, mut keywords) = (None, None, None, String::new());
        let (mut title_en, mut keywords_en, mut related, mut source, mut updated) = (
            String::new(),
            String::new(),
            Vec::new(),
            String::new(),
            None,
        );
        let mut body_start = None;
        for (i, line) in lines.by_ref() {
            if line.trim() == "---" {
                body_start = Some(i + 1);
                break;
            }
            if line.trim().is_empty() {
                continue;
            }
            let Some((key, value)) = line.split_once(':') else {
                return Err(err(i + 1, "expected `key: value` in the front matter"));
            };
            let value = value.trim().to_string();
            match key.trim() {
                "id" => id = Some(value),
                "category" => category = Some(value),
                "title" => title = Some(value),
                "keywords" => keywords = value,
                "title_en" => title_en = value,
                "keywords_en" => keywords_en = value,
                "related" => related = value.split_whitespace().map(str::to_string).collect(),
                "source" => source = value,
                "updated" => {
                    if !is_iso_date(&value) {
                        return Err(err(
                            i + 1,
                            &format!("`updated` must be a date YYYY-MM-DD, not `{value}`"),
                        ));
                    }
                    updated = Some(value);
                }
                other => return Err(err(i + 1, &format!("unknown front matter key `{other}`"))),
            }
        }
        let Some(body_start) = body_start else {
            return Err(err(1, "the front matter is not closed with `---`"));
        };
        let id = id
            .filter(|s| !s.is_empty())
            .ok_or_else(|| err(1, "`id` is missing"))?;
        if !id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(err(
                1,
                "`id` must be lower-case ASCII letters, digits and `-`",
            ));
        }
        let category = category.ok_or_else(|| err(1, "`category` is missing"))?;
        if !CATEGORIES.contains(&category.as_str()) {
            return Err(err(
                1,
                &format!(
                    "unknown category `{category}` (one of {})",
                    CATEGORIES.join("、")
                ),
            ));
        }
        let title = title
            .filter(|s| !s.is_empty())
            .ok_or_else(|| err(1, "`title` is missing"))?;
        let all: Vec<&str> = text.lines().skip(body_start).collect();
        let marker = all.iter().position(|l| l.trim() == ENGLISH_MARKER);
        let (ja, en) = match marker {
            Some(m) => (&all[..m], &all[m + 1..]),
            None => (&all[..], &[][..]),
        };
        let body = ja.join("\n").trim().to_string();
        let body_en = en.join("\n").trim().to_string();
        if body.is_empty() {
            return Err(err(body_start + 1, "the answer (body) is empty"));
        }
        if let Some(m) = marker
            && body_en.is_empty()
        {
            return Err(err(
                body_start + m + 1,
                "the English answer after `<!-- en -->` is empty",
            ));
        }
        Ok(Entry {
            id,
            category,
            title,
            keywords,
            body,
            title_en,
            keywords_en,
            body_en,
            related,
            source,
            updated,
        })
    }
}

fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && (1..=12).contains(&s[5..7].parse::<u8>().unwrap_or(0))
        && (1..=31).contains(&s[8..10].parse::<u8>().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_reports_the_line() {
        let ok = "---\nid: a-b\ncategory: 回線\ntitle: T\nkeywords: k\n---\nbody\n";
        let e = Entry::parse("a.md", ok).expect("valid");
        assert_eq!((e.id.as_str(), e.body.as_str()), ("a-b", "body"));
        let bad = "---\nid: a\ncategory: 回線\ncolour: red\n---\nbody\n";
        let e = Entry::parse("a.md", bad).expect_err("unknown key");
        assert_eq!((e.file.as_str(), e.line), ("a.md", 4));
        assert!(Entry::parse("a.md", "no front matter").is_err());
        let cat = "---\nid: a\ncategory: その他\ntitle: T\n---\nbody\n";
        assert!(Entry::parse("a.md", cat).is_err());
        let both = "---\nid: a\ncategory: 回線\ntitle: T\ntitle_en: E\nrelated: b c\nupdated: 2026-12-04\n---\n日本語\n\n<!-- en -->\nEnglish\n";
        let e = Entry::parse("a.md", both).expect("bilingual");
        assert_eq!((e.body.as_str(), e.body_en.as_str()), ("日本語", "English"));
        assert_eq!(e.related, ["b", "c"]);
        assert_eq!((e.title_in(true), e.title_in(false)), ("E", "T"));
        let date = "---\nid: a\ncategory: 回線\ntitle: T\nupdated: 4 Dec\n---\nbody\n";
        let e = Entry::parse("a.md", date).expect_err("bad date");
        assert!(e.message.contains("YYYY-MM-DD") && e.line == 5, "{e}");
        let empty_en = "---\nid: a\ncategory: 回線\ntitle: T\n---\nbody\n<!-- en -->\n\n";
        assert!(Entry::parse("a.md", empty_en).is_err());
    }
}
