//! FAQ entries: one Markdown file each, with a front matter block:
//!
//! ```text
//! ---
//! id: subsidy-amount
//! category: 補助金
//! title: 補助金はいくらもらえますか？
//! keywords: ほじょきん いくら 上限
//! ---
//! Markdown body …
//! ```

use serde::Serialize;

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
        let body: String = text
            .lines()
            .skip(body_start)
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string();
        if body.is_empty() {
            return Err(err(body_start + 1, "the answer (body) is empty"));
        }
        Ok(Entry {
            id,
            category,
            title,
            keywords,
            body,
        })
    }
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
    }
}
