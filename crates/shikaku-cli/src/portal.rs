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
    ))
}

pub async fn run(db: &str, data_dir: &Path, cmd: PortalCommand) -> anyhow::Result<ExitCode> {
    match cmd {
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
