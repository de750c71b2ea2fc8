//! The chatbot (チャットボット): a guided decision tree over the FAQ categories and entries, and
//! free text answered from the same FAQ index with the same relevance floor — a question
//! nothing answers gets "not found" and the ways to ask a person, never a guess.
//!
//! A conversation has a [`Context`]: the category and entry under discussion and the kind of
//! facility the user said they are. 「それの期限はいつ？」 is read against the topic under
//! discussion; after 「うちは診療所です」 answers show the lines that apply to a clinic.
//! Deterministic: the same input and context always get the same reply; no external service.
//! Replies are Markdown (lists, links, `tel:` numbers).

mod context;
mod facility;
mod intent;

use serde::Serialize;

pub use context::{Context, FacilityKind};
pub use facility::{FacilityFacts, NextStep, SubsidyFact, facility_reply, login_reply};
pub use intent::{Intent, intent};

use crate::relevance::{Asks, asks_the_same};
use crate::{CATEGORIES, FaqIndex, Hit, Lang, category_en};

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
    /// The answer (Markdown).
    pub text: String,
    /// The FAQ entry the reply answers with, if any.
    pub entry_id: Option<String>,
    pub choices: Vec<Choice>,
    /// Other entries that may help.
    pub related: Vec<Hit>,
    /// False when nothing answered the question (the reply says so and offers people).
    pub answered: bool,
    /// The conversation's context after this turn (send it back with the next one).
    pub context: Context,
}

fn choice(label: &str, value: String) -> Choice {
    Choice {
        label: label.to_string(),
        value,
    }
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

fn category_choices(lang: Lang) -> Vec<Choice> {
    let mut choices: Vec<Choice> = CATEGORIES
        .iter()
        .map(|c| {
            let label = if lang.is_english() { category_en(c) } else { c };
            choice(label, format!("cat:{c}"))
        })
        .collect();
    choices.push(choice(
        if lang.is_english() {
            "How to contact a person"
        } else {
            "問い合わせ先を知りたい"
        },
        "contact".into(),
    ));
    choices
}

fn resolved_choices(lang: Lang) -> Vec<Choice> {
    let en = lang.is_english();
    vec![
        choice(if en { "That solved it" } else { "解決した" }, "yes".into()),
        choice(if en { "Not solved" } else { "解決しない" }, "no".into()),
        choice(if en { "Start over" } else { "最初に戻る" }, "start".into()),
    ]
}

fn start_over(lang: Lang) -> Vec<Choice> {
    vec![choice(
        if lang.is_english() {
            "Start over"
        } else {
            "最初に戻る"
        },
        "start".into(),
    )]
}

/// The ways to reach a person (Markdown).
fn people(lang: Lang, phone_open: bool) -> String {
    if lang.is_english() {
        format!(
            "- [Inquiry form](/inquiry?lang=en): open 24 hours; staff answer by e-mail (it may take some days).\n- Phone 0800-8007121 (free, weekdays 9:00–17:00): {}",
            if phone_open {
                "open now."
            } else {
                "closed now."
            }
        )
    } else {
        format!(
            "- [問い合わせフォーム](/inquiry): 24時間受け付け、担当者がメールで回答します（日数を要する場合があります）。\n- 電話 0800-8007121（通話無料、平日 9:00〜17:00）: {}",
            if phone_open {
                "ただいま受付中です。"
            } else {
                "ただいま受付時間外です。"
            }
        )
    }
}

/// The reply to `input` in the conversation `context`; `phone_open` says whether the phone
/// centre is open now. Personal questions are answered by [`login_reply`] here; a caller that
/// knows the facility answers them with [`facility_reply`] instead.
pub fn reply(
    index: &FaqIndex,
    input: &ChatInput,
    context: &Context,
    lang: Lang,
    phone_open: bool,
) -> Reply {
    let en = lang.is_english();
    let plain = |text: String, choices: Vec<Choice>, context: Context| Reply {
        text,
        entry_id: None,
        choices,
        related: Vec::new(),
        answered: true,
        context,
    };
    match input {
        ChatInput::Start => plain(
            if en {
                "Hello. I answer questions about online eligibility verification. Pick a topic or type a question."
            } else {
                "こんにちは。オンライン資格確認についてお答えします。分類を選ぶか、質問を入力してください。"
            }
            .into(),
            category_choices(lang),
            Context {
                kind: context.kind,
                ..Context::default()
            },
        ),
        ChatInput::Category(c) => {
            let mut choices: Vec<Choice> = index
                .in_category(c)
                .map(|e| choice(e.title_in(en), format!("faq:{}", e.id)))
                .collect();
            if choices.is_empty() {
                return reply(index, &ChatInput::Start, context, lang, phone_open);
            }
            choices.extend(start_over(lang));
            let name = if en { category_en(c) } else { c };
            plain(
                if en {
                    format!("Questions about \"{name}\". Pick one.")
                } else {
                    format!("「{name}」のよくある質問です。知りたいものを選んでください。")
                },
                choices,
                Context {
                    category: Some(c.clone()),
                    entry: None,
                    kind: context.kind,
                },
            )
        }
        ChatInput::Entry(id) => match index.entry(id) {
            Some(e) => answer_with(index, e, Vec::new(), context, lang, None),
            None => reply(index, &ChatInput::Start, context, lang, phone_open),
        },
        ChatInput::Resolved(true) => plain(
            if en {
                "Glad it helped. Ask anything else."
            } else {
                "お役に立ててよかったです。ほかにご質問があればどうぞ。"
            }
            .into(),
            start_over(lang),
            context.clone(),
        ),
        ChatInput::Resolved(false) | ChatInput::Contact => plain(
            format!(
                "{}\n\n{}",
                if en { "Please ask a person:" } else { "担当者にご相談ください。" },
                people(lang, phone_open)
            ),
            start_over(lang),
            context.clone(),
        ),
        ChatInput::Text(text) => text_reply(index, text, context, lang, phone_open),
    }
}

/// How much more a short follow-up's score counts for the entry under discussion than for
/// the others it finds, when it names no thing of its own (どこで見るの？ after the
/// access-log entry is about that entry; "Which lines are OK then?" is not).
const STAYS_ON_TOPIC: f32 = 2.0;

/// A typed question: the kind of facility when said, a personal question, a follow-up on the
/// topic under discussion, or a new question.
fn text_reply(
    index: &FaqIndex,
    text: &str,
    context: &Context,
    lang: Lang,
    phone_open: bool,
) -> Reply {
    let Some((intent, personal)) = intent(&index.spelled(text)) else {
        return question_reply(index, text, context.clone(), lang, phone_open);
    };
    // The facility's own data needs a login; the FAQ's general answer does not.
    let mut own = login_reply(intent, lang);
    own.context = Context {
        kind: context::said_kind(text).or(context.kind),
        ..context.clone()
    };
    let mut reply = own_or_general(index, text, context, lang, phone_open, personal, own);
    if reply.entry_id.is_none() {
        // The way to log in alone: the general entries one click away.
        reply.related = index.search_in(text, lang, 4);
    }
    reply
}

/// The reply to a question about the asker's own facility: `own` (its figures when logged in,
/// the way to log in when not), or — when the question may be a general one too (補助金は
/// いくら？) and the FAQ answers it — the FAQ's answer with `own` after it.
pub fn own_or_general(
    index: &FaqIndex,
    text: &str,
    context: &Context,
    lang: Lang,
    phone_open: bool,
    personal: bool,
    own: Reply,
) -> Reply {
    if !personal {
        let general = question_reply(index, text, context.clone(), lang, phone_open);
        if general.entry_id.is_some() {
            return with_own(general, &own);
        }
    }
    own
}

/// The FAQ's answer to a typed question, in the conversation's context: what a question
/// gets that is not about the asker's own facility.
fn question_reply(
    index: &FaqIndex,
    text: &str,
    mut context: Context,
    lang: Lang,
    phone_open: bool,
) -> Reply {
    let en = lang.is_english();
    let said = context::said_kind(text);
    if let Some(kind) = said {
        context.kind = Some(kind);
    }
    let question = context::without_kind_statement(text);
    let follow_up = context::refers_back(text);
    let words = index.topic_words(&question);
    // A case of the entry under discussion that names no topic of its own (病院の場合は？,
    // 高齢者の場合は？): that entry again, or its lines for the kind named.
    // 病院の場合は？ names a case; 大型チェーンとは？ asks what one is.
    let case = context::about_a_case(text);
    let kind = said.or_else(|| context::named_kind(text).filter(|_| case));
    let kind_only =
        kind.is_some() && index.topic_words(&context::without_kind_words(&question)) == 0;
    let asked = crate::relevance::asks(text);
    let asks = case || !asked.is_empty();
    // The topic is read in the question's language, as the question is.
    let english = !index.is_japanese(&question);
    if let Some(entry) = context.entry(index)
        && (kind_only || words == 0 && asks)
    {
        if kind.is_none() {
            // いつ来ますか after 4台目以降は申し込めますか: when the entry under discussion
            // neither explains its thing whole (とは何ですか: いつやる？ stays there) nor asks
            // what the question does (a time), an entry of its topic whose title does answers.
            let asks_as = |id: &str| asks_the_same(&asked, index.title_asks(id, english));
            let other = (!index.title_asks(&entry.id, english).contains(&Asks::What)
                && !asks_as(&entry.id))
            .then(|| context.topic(index, english))
            .flatten()
            .and_then(|topic| {
                index
                    .search_about(&question, &topic, lang, 4)
                    .into_iter()
                    .find(|h| h.id != entry.id && asks_as(&h.id))
            })
            .and_then(|h| index.entry(&h.id));
            return answer_with(
                index,
                other.unwrap_or(entry),
                Vec::new(),
                &context,
                lang,
                None,
            );
        }
        if let Some(kind) = kind
            && let Some(note) = context::kind_note(entry, kind, en)
        {
            return Reply {
                text: note,
                entry_id: Some(entry.id.clone()),
                choices: resolved_choices(lang),
                related: Vec::new(),
                answered: true,
                context,
            };
        }
    }
    let mut hits = if follow_up {
        Vec::new()
    } else {
        index.search_in(&question, lang, 4)
    };
    let mut assumed = None;
    // A follow-up (それの期限は), a question of one word (期限は？, 何が必要？) or one nothing
    // answers alone is read in the topic under discussion.
    // (An English noun of two words — card reader — is one word of a Japanese question.)
    let short = if english { 2 } else { 1 };
    if (hits.is_empty() || follow_up || words <= short)
        && !question.trim().is_empty()
        && let Some(topic) = context.topic(index, english)
    {
        let mut within = index.search_about(&question, &topic, lang, 4);
        // The entry under discussion is the likelier answer to a short follow-up that names
        // no thing of its own (どこで見るの？).
        if let Some(current) = context.entry.as_deref()
            && !index.names_a_thing(&question)
        {
            for h in &mut within {
                if h.id == current {
                    h.score *= STAYS_ON_TOPIC;
                }
            }
            within.sort_by(|a, b| b.score.total_cmp(&a.score));
        }
        if let Some(best) = within.first() {
            if hits.first().is_none_or(|h| h.id != best.id) {
                assumed = Some(topic);
            }
            hits = within;
        }
    }
    if hits.is_empty() && follow_up {
        hits = index.search_in(&question, lang, 4);
    }
    // Pointing back (Where is it written?) with nothing found: the entry pointed at.
    if hits.is_empty()
        && follow_up
        && let Some(entry) = context.entry(index)
    {
        return answer_with(index, entry, Vec::new(), &context, lang, None);
    }
    if hits.is_empty() {
        if let Some(kind) = said {
            // Only a statement: 「うちは診療所です」.
            let note = context
                .entry
                .as_deref()
                .and_then(|id| index.entry(id))
                .and_then(|e| context::kind_note(e, kind, en));
            let text = match (note, en) {
                (Some(note), _) => note,
                (None, true) => format!(
                    "Noted: I will answer for a {}. What would you like to know?",
                    kind.label(true)
                ),
                (None, false) => format!(
                    "承知しました。{}として案内します。ご質問をどうぞ。",
                    kind.label(false)
                ),
            };
            return Reply {
                text,
                entry_id: context.entry.clone(),
                choices: category_choices(lang),
                related: Vec::new(),
                answered: true,
                context,
            };
        }
        let text = if en {
            format!(
                "Nothing found: no FAQ entry answers this. Try other words, pick a topic, or ask a person:\n\n{}",
                people(lang, phone_open)
            )
        } else {
            format!(
                "見つかりませんでした。よくある質問には、このご質問に答える項目がありません。言い換えるか分類から選ぶか、担当者にご相談ください。\n\n{}",
                people(lang, phone_open)
            )
        };
        return Reply {
            text,
            entry_id: None,
            choices: category_choices(lang),
            related: Vec::new(),
            answered: false,
            context,
        };
    }
    let mut hits = hits.into_iter();
    match hits.next().and_then(|best| index.entry(&best.id)) {
        Some(entry) => answer_with(index, entry, hits.collect(), &context, lang, assumed),
        None => reply(index, &ChatInput::Start, &context, lang, phone_open),
    }
}

/// An entry as the answer: its title and answer in `lang`, the lines for the facility's kind
/// when known, and what was assumed of the topic.
fn answer_with(
    index: &FaqIndex,
    entry: &crate::Entry,
    mut related: Vec<Hit>,
    context: &Context,
    lang: Lang,
    assumed: Option<String>,
) -> Reply {
    let en = lang.is_english();
    let mut text = String::new();
    if let Some(topic) = assumed {
        text.push_str(&if en {
            format!("(Answering about \"{topic}\", the topic so far.)\n\n")
        } else {
            format!("（「{topic}」についてのご質問として回答します）\n\n")
        });
    }
    text.push_str(&format!(
        "**{}**\n\n{}",
        entry.title_in(en),
        entry.body_in(en)
    ));
    if let Some(note) = context.kind.and_then(|k| context::kind_note(entry, k, en)) {
        text.push_str("\n\n");
        text.push_str(&note);
    }
    if related.is_empty() {
        related = index
            .related(entry)
            .take(3)
            .map(|r| related_hit(r, en))
            .collect();
    }
    Reply {
        text,
        entry_id: Some(entry.id.clone()),
        choices: resolved_choices(lang),
        related,
        answered: true,
        context: Context {
            category: Some(entry.category.clone()),
            entry: Some(entry.id.clone()),
            kind: context.kind,
        },
    }
}

/// `entry` as a link under an answer.
fn related_hit(entry: &crate::Entry, en: bool) -> Hit {
    Hit {
        id: entry.id.clone(),
        title: entry.title_in(en).to_string(),
        category: entry.category_in(en).to_string(),
        score: 0.0,
        coverage: 0.0,
    }
}

/// The FAQ's general answer to a question that may also be about the asker's own facility
/// (補助金はいくら？), followed by `own`: the facility's own figures when it is logged in, the
/// way to log in when it is not.
fn with_own(mut answer: Reply, own: &Reply) -> Reply {
    answer.text.push_str("\n\n---\n\n");
    answer.text.push_str(&own.text);
    answer
}

#[cfg(test)]
mod tests;
