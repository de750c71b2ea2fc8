//! `shikaku subsidy …`: quotes under the versioned rule sets of `subsidy.md`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use shikaku_domain::date::format_date;
use shikaku_domain::subsidy::{FacilityCategory, QuoteRequest, Yen};

#[derive(Debug, Subcommand)]
pub enum SubsidyCommand {
    /// Compute the subsidy for a facility, with the rule set applied and why.
    Quote {
        /// hospital | large-chain-pharmacy | clinic | pharmacy (or 病院・大型チェーン薬局・診療所・薬局)
        #[arg(long)]
        category: FacilityCategory,
        /// Card readers introduced (hospitals 1–3, others 1).
        #[arg(long, default_value_t = 1)]
        readers: u32,
        /// The date the card reader was applied for (decides the rule set), YYYY-MM-DD.
        #[arg(long, value_parser = crate::parse_date_arg)]
        reader_applied: time::Date,
        /// Total eligible cost in yen, tax included (600000 or 600,000).
        #[arg(long, allow_hyphen_values = true)]
        cost: String,
        /// Folder of rule-set files (*.toml) instead of the built-in ones.
        #[arg(long, env = "SHIKAKU_SUBSIDY_RULES")]
        rules: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// List the rule sets in force.
    Rules {
        #[arg(long, env = "SHIKAKU_SUBSIDY_RULES")]
        rules: Option<PathBuf>,
    },
}

pub fn run(cmd: SubsidyCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        SubsidyCommand::Quote {
            category,
            readers,
            reader_applied,
            cost,
            rules,
            json,
        } => {
            let book = shikaku_app::subsidy::rules(rules.as_deref())?;
            let cost = match Yen::parse_positive(&cost) {
                Ok(cost) => cost,
                Err(e) => {
                    eprintln!("error: --cost: {e}");
                    return Ok(ExitCode::from(2));
                }
            };
            let quote = match book.quote(&QuoteRequest {
                category,
                readers,
                reader_applied,
                cost,
            }) {
                Ok(q) => q,
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(ExitCode::from(2));
                }
            };
            if json {
                let mut value = serde_json::to_value(&quote)?;
                if let Some(map) = value.as_object_mut() {
                    map.insert("explanation".into(), quote.explanation_ja().into());
                    map.insert("explanation_en".into(), quote.explanation_en().into());
                }
                println!("{}", serde_json::to_string_pretty(&value)?);
            } else {
                println!("補助額: {}", quote.subsidy.format_ja());
                for line in quote.explanation_ja() {
                    println!("  {line}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        SubsidyCommand::Rules { rules } => {
            let book = shikaku_app::subsidy::rules(rules.as_deref())?;
            for set in book.sets() {
                let window = match (set.reader_applied_from, set.reader_applied_until) {
                    (None, None) => "いつでも".to_string(),
                    (from, until) => format!(
                        "{}〜{}",
                        from.map(format_date).unwrap_or_default(),
                        until.map(format_date).unwrap_or_default()
                    ),
                };
                println!(
                    "{}  優先度 {}  申込日 {}  {}",
                    set.name, set.priority, window, set.title_ja
                );
                for a in &set.amounts {
                    println!(
                        "    {} {}台: 基準額 {} 補助率 {}",
                        a.category.label_ja(),
                        a.readers,
                        Yen::new(a.base_amount.get()).format_ja(),
                        a.rate
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
