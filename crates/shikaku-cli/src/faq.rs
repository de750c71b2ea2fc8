//! `shikaku faq …`: the FAQ from the command line (the same index as `/faq/search`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum FaqCommand {
    /// Search the FAQ; best match first.
    Search {
        query: String,
        /// Print a JSON array of {"id", "title", "category"} (best first; `[]` when nothing
        /// clears the relevance floor).
        #[arg(long)]
        json: bool,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Titles in this language (ja or en); English questions are matched in English.
        #[arg(long, default_value = "ja", value_parser = parse_lang)]
        lang: shikaku_faq::Lang,
        /// Show how the question was read: its terms and weights, and the entries covering it
        /// best with their coverage against the floor.
        #[arg(long, conflicts_with = "json")]
        explain: bool,
        /// Folder of FAQ entries (*.md) instead of the built-in ones.
        #[arg(long, env = "SHIKAKU_FAQ_DIR")]
        faq_dir: Option<PathBuf>,
    },
    /// The chatbot: a choice value (--choice cat:補助金, faq:ID, yes, no, contact) or a question.
    Chat {
        text: Option<String>,
        #[arg(long)]
        choice: Option<String>,
        /// The conversation so far, as the previous reply's `context_token` printed.
        #[arg(long, default_value = "")]
        context: String,
        #[arg(long, default_value = "ja", value_parser = parse_lang)]
        lang: shikaku_faq::Lang,
        /// Print the reply as JSON (`answered` is false when nothing answered the question).
        #[arg(long)]
        json: bool,
        #[arg(long, env = "SHIKAKU_FAQ_DIR")]
        faq_dir: Option<PathBuf>,
    },
    /// Check a folder of FAQ entries (or the built-in ones) and list them by category.
    List {
        #[arg(long, env = "SHIKAKU_FAQ_DIR")]
        faq_dir: Option<PathBuf>,
    },
}

fn parse_lang(s: &str) -> Result<shikaku_faq::Lang, String> {
    match s {
        "ja" => Ok(shikaku_faq::Lang::Ja),
        "en" => Ok(shikaku_faq::Lang::En),
        other => Err(format!("`{other}`: the language is ja or en")),
    }
}

pub fn run(cmd: FaqCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        FaqCommand::Search {
            query,
            json,
            limit,
            lang,
            explain,
            faq_dir,
        } => {
            let index = shikaku_app::faq::index(faq_dir.as_deref())?;
            if explain {
                let e = index.explain(&query, lang);
                println!(
                    "terms ({}): {}",
                    if e.language == shikaku_faq::Lang::En {
                        "English"
                    } else {
                        "Japanese"
                    },
                    e.terms
                        .iter()
                        .map(|(t, w)| format!("{t}:{w:.2}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                );
                println!("floor {}", e.floor);
                if !e.unknown.is_empty() {
                    println!("no entry uses: {}", e.unknown.join(" "));
                }
                for (id, coverage, needs) in &e.best {
                    println!("  {coverage:.2}  {id} (needs {needs:.2})");
                }
                return Ok(ExitCode::SUCCESS);
            }
            let hits = index.search_in(&query, lang, limit);
            if json {
                println!("{}", serde_json::to_string_pretty(&hits)?);
            } else if hits.is_empty() {
                println!(
                    "見つかりませんでした (nothing clears the relevance floor). 問い合わせフォーム /inquiry、電話 0800-8007121（平日 9:00〜17:00）"
                );
            } else {
                for (i, h) in hits.iter().enumerate() {
                    println!("{:>2}. {}  [{}] ({})", i + 1, h.title, h.category, h.id);
                }
            }
        }
        FaqCommand::Chat {
            text,
            choice,
            context,
            lang,
            json,
            faq_dir,
        } => {
            use shikaku_faq::chatbot::{ChatInput, Context, reply};
            let index = shikaku_app::faq::index(faq_dir.as_deref())?;
            let input = match (choice, text) {
                (Some(c), _) => ChatInput::from_choice(&c),
                (None, Some(t)) if !t.trim().is_empty() => ChatInput::Text(t),
                _ => ChatInput::Start,
            };
            let open = shikaku_domain::calendar::phone_centre_open(time::OffsetDateTime::now_utc());
            let answer = reply(&index, &input, &Context::decode(&context), lang, open);
            if json {
                let mut value = serde_json::to_value(&answer)?;
                if let Some(map) = value.as_object_mut() {
                    map.insert(
                        "context_token".into(),
                        serde_json::Value::String(answer.context.encode()),
                    );
                }
                println!("{}", serde_json::to_string_pretty(&value)?);
            } else {
                println!("{}", answer.text);
                for c in &answer.choices {
                    println!("  [{}] {}", c.value, c.label);
                }
                for h in &answer.related {
                    println!("  関連: {} ({})", h.title, h.id);
                }
                println!("  (--context '{}')", answer.context.encode());
            }
        }
        FaqCommand::List { faq_dir } => {
            let index = shikaku_app::faq::index(faq_dir.as_deref())?;
            for category in shikaku_faq::CATEGORIES {
                println!("{category}");
                for e in index.in_category(category) {
                    println!("  {}  ({})", e.title, e.id);
                }
            }
            println!("{} entries", index.entries().len());
        }
    }
    Ok(ExitCode::SUCCESS)
}
