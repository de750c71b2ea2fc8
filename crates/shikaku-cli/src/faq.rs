//! `shikaku faq …`: the FAQ from the command line (the same index as `/faq/search`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum FaqCommand {
    /// Search the FAQ; best match first.
    Search {
        query: String,
        /// Print a JSON array of {"id", "title"} (best first).
        #[arg(long)]
        json: bool,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Folder of FAQ entries (*.md) instead of the built-in ones.
        #[arg(long, env = "SHIKAKU_FAQ_DIR")]
        faq_dir: Option<PathBuf>,
    },
    /// The chatbot: a choice value (--choice cat:補助金, faq:ID, yes, no, contact) or a question.
    Chat {
        text: Option<String>,
        #[arg(long)]
        choice: Option<String>,
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

pub fn run(cmd: FaqCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        FaqCommand::Search {
            query,
            json,
            limit,
            faq_dir,
        } => {
            let index = shikaku_app::faq::index(faq_dir.as_deref())?;
            let hits = index.search(&query, limit);
            if json {
                println!("{}", serde_json::to_string_pretty(&hits)?);
            } else if hits.is_empty() {
                println!("該当する質問はありません (no match)");
            } else {
                for (i, h) in hits.iter().enumerate() {
                    println!("{:>2}. {}  [{}] ({})", i + 1, h.title, h.category, h.id);
                }
            }
        }
        FaqCommand::Chat {
            text,
            choice,
            json,
            faq_dir,
        } => {
            use shikaku_faq::chatbot::{ChatInput, reply};
            let index = shikaku_app::faq::index(faq_dir.as_deref())?;
            let input = match (choice, text) {
                (Some(c), _) => ChatInput::from_choice(&c),
                (None, Some(t)) if !t.trim().is_empty() => ChatInput::Text(t),
                _ => ChatInput::Start,
            };
            let open = shikaku_domain::calendar::phone_centre_open(time::OffsetDateTime::now_utc());
            let answer = reply(&index, &input, open);
            if json {
                println!("{}", serde_json::to_string_pretty(&answer)?);
            } else {
                println!("{}", answer.text);
                for c in &answer.choices {
                    println!("  [{}] {}", c.value, c.label);
                }
                for h in &answer.related {
                    println!("  関連: {} ({})", h.title, h.id);
                }
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
