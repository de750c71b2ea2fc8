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

/// A question the chatbot answers from the logged-in facility's own data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// 「補助金はいくら？」
    SubsidyAmount,
    /// 「次にやることは？」
    NextStep,
}

/// The facility-specific question in `text`, if any (matched after normalization, so
/// ﾎｼﾞｮｷﾝ and ほじょきん count).
pub fn intent(text: &str) -> Option<Intent> {
    let t = crate::normalize::normalize(text);
    let any = |words: &[&str]| words.iter().any(|w| t.contains(w));
    if any(&["補助金", "ほじょきん", "補助額", "助成"])
        && any(&[
            "いくら",
            "幾ら",
            "金額",
            "額",
            "上限",
            "もらえ",
            "どれくらい",
            "何円",
        ])
    {
        Some(Intent::SubsidyAmount)
    } else if any(&["次", "つぎ", "今後", "これから"])
        && any(&[
            "やる",
            "する",
            "すべき",
            "こと",
            "手順",
            "すてっぷ",
            "作業",
            "何を",
            "なにを",
        ])
    {
        Some(Intent::NextStep)
    } else {
        None
    }
}

/// What the chatbot may tell a logged-in facility about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacilityFacts {
    pub name: String,
    pub subsidy: SubsidyFact,
    /// The first step not done yet, when the plan (start and setup dates) is set.
    pub next_step: Option<NextStep>,
    pub plan_set: bool,
    /// Steps whose deadline has passed.
    pub overdue: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubsidyFact {
    /// An application is filed: its amount and status (Japanese).
    Applied { amount: i64, status_ja: String },
    /// No application yet: the most this facility can receive under its rule set.
    Cap {
        amount: i64,
        base: i64,
        rate: String,
        rule_set_ja: String,
        readers: u32,
    },
    /// No card reader applied for: the rule set is not known yet.
    NoReader,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextStep {
    pub label: String,
    /// Its last day, as shown (e.g. 2021年1月8日（金）).
    pub deadline: Option<String>,
    pub overdue: bool,
}

fn yen(amount: i64) -> String {
    let digits = amount.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{out}円")
}

/// The answer to a facility-specific question from the facility's own data.
pub fn facility_reply(intent: Intent, facts: &FacilityFacts) -> Reply {
    let text = match intent {
        Intent::SubsidyAmount => match &facts.subsidy {
            SubsidyFact::Applied { amount, status_ja } => format!(
                "{}さまの補助金申請額は{}です（状況: {status_ja}）。詳しくはポータルの「補助金申請」をご覧ください。",
                facts.name,
                yen(*amount)
            ),
            SubsidyFact::Cap {
                amount,
                base,
                rate,
                rule_set_ja,
                readers,
            } => format!(
                "{}さま（カードリーダー {readers} 台、{rule_set_ja}）の補助金は最大{}です（基準額 {} × {rate}、千円未満切捨て）。実際の額は費用の合計で決まります。領収書をそろえてポータルの「補助金申請」から申請してください。",
                facts.name,
                yen(*amount),
                yen(*base)
            ),
            SubsidyFact::NoReader => format!(
                "{}さまはまだカードリーダーを申し込んでいません。補助金の額は、申し込んだ日と台数で決まります。まずポータルの「カードリーダー申込」から申し込んでください。",
                facts.name
            ),
        },
        Intent::NextStep => match (&facts.next_step, facts.plan_set) {
            (_, false) => "運用開始日と機器設置日がまだ登録されていません。ポータルのホームで登録すると、各作業の期限を営業日で計算してお知らせします。".to_string(),
            (None, true) => "準備の作業はすべて完了しています。運用開始までお待ちください。".to_string(),
            (Some(step), true) => {
                let when = match (&step.deadline, step.overdue) {
                    (Some(d), true) => format!("期限は{d}でした（期限を過ぎています）。"),
                    (Some(d), false) => format!("期限は{d}です。"),
                    (None, _) => "期限はありません。".to_string(),
                };
                let others = if facts.overdue.len() > 1 {
                    format!("\nほかにも期限を過ぎた作業があります: {}", facts.overdue.join("、"))
                } else {
                    String::new()
                };
                format!("次の作業は「{}」です。{when}{others}", step.label)
            }
        },
    };
    Reply {
        text,
        entry_id: None,
        choices: vec![choice("最初に戻る", "start".into())],
        related: Vec::new(),
    }
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

    fn facts() -> FacilityFacts {
        FacilityFacts {
            name: "千代田クリニック".into(),
            subsidy: SubsidyFact::Cap {
                amount: 321_000,
                base: 429_000,
                rate: "3/4".into(),
                rule_set_ja: "追加支援".into(),
                readers: 1,
            },
            next_step: Some(NextStep {
                label: "オンライン資格確認利用申請".into(),
                deadline: Some("2021年1月8日（金）".into()),
                overdue: false,
            }),
            plan_set: true,
            overdue: Vec::new(),
        }
    }

    #[test]
    fn facility_questions_are_answered_from_its_own_data() {
        let mut f = facts();
        let a = facility_reply(Intent::SubsidyAmount, &f);
        assert!(
            a.text.contains("最大321,000円です") && a.text.contains("429,000円 × 3/4"),
            "{}",
            a.text
        );
        let n = facility_reply(Intent::NextStep, &f);
        assert!(
            n.text.contains("「オンライン資格確認利用申請」")
                && n.text.contains("2021年1月8日（金）です")
        );
        f.subsidy = SubsidyFact::Applied {
            amount: 300_000,
            status_ja: "審査中".into(),
        };
        f.next_step = None;
        assert!(
            facility_reply(Intent::SubsidyAmount, &f)
                .text
                .contains("300,000円")
        );
        assert!(
            facility_reply(Intent::NextStep, &f)
                .text
                .contains("すべて完了")
        );
        f.plan_set = false;
        assert!(
            facility_reply(Intent::NextStep, &f)
                .text
                .contains("まだ登録されていません")
        );
        f.subsidy = SubsidyFact::NoReader;
        assert!(
            facility_reply(Intent::SubsidyAmount, &f)
                .text
                .contains("カードリーダー申込")
        );
    }

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
        assert_eq!(intent("補助金はいくら？"), Some(Intent::SubsidyAmount));
        assert_eq!(intent("ﾎｼﾞｮｷﾝの上限"), Some(Intent::SubsidyAmount));
        assert_eq!(intent("次にやることは？"), Some(Intent::NextStep));
        assert_eq!(intent("補助金の申請方法"), None);
        assert_eq!(intent("カードリーダーは何台"), None);
        assert_eq!(none.entry_id, None);
        assert!(none.choices.iter().any(|c| c.value.starts_with("cat:")));
    }
}
