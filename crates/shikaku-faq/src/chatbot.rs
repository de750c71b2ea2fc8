//! The chatbot (チャットボット): a guided decision tree over the FAQ categories and entries,
//! and free text answered from the same FAQ index. Deterministic: the same input always gets
//! the same reply; no external service.

use serde::Serialize;

use crate::{CATEGORIES, FaqIndex, Hit};

/// What the user did: picked a choice (its `value`) or typed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatInput {
    Start,
    Category(String),
    Entry(String),
    Resolved(bool),
    Contact,
    Text(String),
}

impl ChatInput {
    /// A choice's value as sent back by the page or the CLI.
    pub fn from_choice(value: &str) -> ChatInput {
        match value.split_once(':') {
            Some(("cat", c)) => ChatInput::Category(c.to_string()),
            Some(("faq", id)) => ChatInput::Entry(id.to_string()),
            _ => match value {
                "yes" => ChatInput::Resolved(true),
                "no" => ChatInput::Resolved(false),
                "contact" => ChatInput::Contact,
                _ => ChatInput::Start,
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    pub label: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reply {
    pub text: String,
    /// The FAQ entry the reply answers with, if any.
    pub entry_id: Option<String>,
    pub choices: Vec<Choice>,
    /// Other entries that may help.
    pub related: Vec<Hit>,
}

fn choice(label: &str, value: String) -> Choice {
    Choice {
        label: label.to_string(),
        value,
    }
}

fn category_choices() -> Vec<Choice> {
    let mut choices: Vec<Choice> = CATEGORIES
        .iter()
        .map(|c| choice(c, format!("cat:{c}")))
        .collect();
    choices.push(choice("問い合わせ先を知りたい", "contact".into()));
    choices
}

fn resolved_choices() -> Vec<Choice> {
    vec![
        choice("解決した", "yes".into()),
        choice("解決しない", "no".into()),
        choice("最初に戻る", "start".into()),
    ]
}

/// The reply to `input`; `phone_open` says whether the phone centre is open now.
pub fn reply(index: &FaqIndex, input: &ChatInput, phone_open: bool) -> Reply {
    let plain = |text: String, choices: Vec<Choice>| Reply {
        text,
        entry_id: None,
        choices,
        related: Vec::new(),
    };
    match input {
        ChatInput::Start => plain(
            "こんにちは。オンライン資格確認についてお答えします。分類を選ぶか、質問を入力してください。".into(),
            category_choices(),
        ),
        ChatInput::Category(c) => {
            let entries: Vec<Choice> = index
                .in_category(c)
                .map(|e| choice(&e.title, format!("faq:{}", e.id)))
                .collect();
            if entries.is_empty() {
                return reply(index, &ChatInput::Start, phone_open);
            }
            let mut choices = entries;
            choices.push(choice("最初に戻る", "start".into()));
            plain(format!("「{c}」のよくある質問です。知りたいものを選んでください。"), choices)
        }
        ChatInput::Entry(id) => match index.entry(id) {
            Some(e) => Reply {
                text: format!("{}\n\n{}", e.title, e.body),
                entry_id: Some(e.id.clone()),
                choices: resolved_choices(),
                related: Vec::new(),
            },
            None => reply(index, &ChatInput::Start, phone_open),
        },
        ChatInput::Resolved(true) => plain(
            "お役に立ててよかったです。ほかにご質問があればどうぞ。".into(),
            vec![choice("最初に戻る", "start".into())],
        ),
        ChatInput::Resolved(false) | ChatInput::Contact => plain(
            format!(
                "担当者にご相談ください。\n・問い合わせフォーム（/inquiry）: 24時間受け付け、担当者がメールで回答します（数日かかる場合があります）。\n・電話 0800-8007121（通話無料、平日 9:00〜17:00）: {}",
                if phone_open {
                    "ただいま受付中です。"
                } else {
                    "ただいま受付時間外です。"
                }
            ),
            vec![choice("最初に戻る", "start".into())],
        ),
        ChatInput::Text(text) => {
            let hits = index.search(text, 4);
            let Some(best) = hits.first().and_then(|h| index.entry(&h.id)) else {
                return plain(
                    "該当する回答が見つかりませんでした。言い換えるか、分類から選んでください。".into(),
                    category_choices(),
                );
            };
            Reply {
                text: format!("{}\n\n{}", best.title, best.body),
                entry_id: Some(best.id.clone()),
                choices: resolved_choices(),
                related: hits.into_iter().skip(1).collect(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> FaqIndex {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content/faq");
        let files: Vec<(String, String)> = std::fs::read_dir(&dir)
            .expect("faq dir")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "md"))
            .map(|p| {
                (
                    p.display().to_string(),
                    std::fs::read_to_string(&p).expect("read"),
                )
            })
            .collect();
        FaqIndex::from_files(files.iter().map(|(n, t)| (n.as_str(), t.as_str()))).expect("index")
    }

    #[test]
    fn the_guided_tree_leads_from_a_category_to_an_answer_and_help() {
        let index = index();
        let start = reply(&index, &ChatInput::Start, true);
        assert!(start.choices.iter().any(|c| c.value == "cat:補助金"));
        let category = reply(&index, &ChatInput::from_choice("cat:補助金"), true);
        assert!(
            category
                .choices
                .iter()
                .any(|c| c.value == "faq:subsidy-amount")
        );
        let answer = reply(&index, &ChatInput::from_choice("faq:subsidy-amount"), true);
        assert_eq!(answer.entry_id.as_deref(), Some("subsidy-amount"));
        assert!(answer.text.contains("32.1万円"));
        let help = reply(&index, &ChatInput::from_choice("no"), false);
        assert!(help.text.contains("受付時間外") && help.text.contains("/inquiry"));
        let open = reply(&index, &ChatInput::Contact, true);
        assert!(open.text.contains("受付中"));
    }

    #[test]
    fn free_text_is_answered_from_the_faq_and_is_deterministic() {
        let index = index();
        let a = reply(&index, &ChatInput::Text("補助金はいくら？".into()), true);
        assert_eq!(a.entry_id.as_deref(), Some("subsidy-amount"));
        assert_eq!(
            a,
            reply(&index, &ChatInput::Text("補助金はいくら？".into()), true)
        );
        let b = reply(
            &index,
            &ChatInput::Text("ｶｰﾄﾞﾘｰﾀﾞｰは何台もらえる".into()),
            true,
        );
        assert_eq!(b.entry_id.as_deref(), Some("reader-count"));
        let none = reply(&index, &ChatInput::Text("zzqqxx".into()), true);
        assert_eq!(none.entry_id, None);
        assert!(none.choices.iter().any(|c| c.value.starts_with("cat:")));
    }
}
