//! `shikaku portal`: operator accounts for the portal's console.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum PortalCommand {
    /// Create an operator (支払基金・国保中央会) account. The password comes from the
    /// environment variable SHIKAKU_OPERATOR_PASSWORD, or a random one is made and printed.
    AddOperator {
        #[arg(long)]
        login: String,
    },
    /// Print the activation letters not printed yet (or one facility's again) to a file: a
    /// PDF to post, or a CSV for a mailing service. The codes exist only in that file.
    Letters {
        /// pdf or csv.
        #[arg(long, default_value = "pdf")]
        format: String,
        #[arg(long)]
        out: std::path::PathBuf,
        /// Only this facility's letter (printed again: its earlier code stops working).
        #[arg(long)]
        facility: Option<String>,
        /// The operator recorded in the audit trail.
        #[arg(long)]
        operator: String,
    },
}

/// The portal's service over an open store (CA and subsidy rules as `serve` uses them).
pub async fn service(
    db: &str,
    data_dir: &Path,
) -> anyhow::Result<shikaku_app::portal::PortalService> {
    let store = crate::open_store(db).await?;
    let ca = shikaku_pki::Ca::load_or_create(data_dir).context("loading the CA")?;
    let rules = std::sync::Arc::new(shikaku_app::subsidy::builtin_rules()?);
    Ok(shikaku_app::portal::PortalService::new(
        store,
        std::sync::Arc::new(ca),
        rules,
        crate::person_key(data_dir)?,
    ))
}

pub async fn run(db: &str, data_dir: &Path, cmd: PortalCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        PortalCommand::Letters {
            format,
            out,
            facility,
            operator,
        } => {
            anyhow::ensure!(
                format == "pdf" || format == "csv",
                "--format is pdf or csv, not {format}"
            );
            if format == "pdf" {
                shikaku_app::letter_pdf::check_font()?;
            }
            let portal = service(db, data_dir).await?;
            let actor = shikaku_app::portal::Actor::Operator { login: operator };
            let printed = portal
                .print_letters(&actor, facility.as_deref())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let bytes = if format == "pdf" {
                shikaku_app::letter_pdf::render(&printed)?
            } else {
                shikaku_app::identity::letters_csv(&printed)
            };
            std::fs::write(&out, bytes).with_context(|| format!("writing {}", out.display()))?;
            println!("{} letters → {}", printed.len(), out.display());
            Ok(ExitCode::SUCCESS)
        }
        PortalCommand::AddOperator { login } => {
            let portal = service(db, data_dir).await?;
            let (password, generated) = match std::env::var("SHIKAKU_OPERATOR_PASSWORD") {
                Ok(p) if !p.is_empty() => (p, false),
                _ => (shikaku_pki::random_password(), true),
            };
            match portal.add_operator(&login, &password).await {
                Ok(()) => {
                    println!("operator: {}", login.trim());
                    if generated {
                        println!("password: {password}");
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(shikaku_app::portal::PortalError::Invalid(errors)) => {
                    for e in errors {
                        eprintln!("error: {e}");
                    }
                    Ok(ExitCode::from(2))
                }
                Err(e) => Err(e.into()),
            }
        }
    }
}
