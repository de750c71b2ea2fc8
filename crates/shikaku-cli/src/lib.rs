//! shikaku-cli — the `shikaku` command: configuration, telemetry and subcommands. The only
//! crate that reads environment variables.

mod agent;
mod audit;
mod bench;
mod bench_portal;
mod calendar;
mod card;
mod cert;
mod demo;
mod faq;
mod import;
mod mynaportal;
mod portal;
mod reader;
mod recesim;
pub mod serve;
mod subsidy;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// shikaku — オンライン資格確認等システム (online health-insurance eligibility verification).
#[derive(Debug, Parser)]
#[command(name = "shikaku", version, about, long_about = None)]
pub struct Cli {
    /// Database: sqlite:PATH (created if missing) or postgres://…
    #[arg(
        long,
        global = true,
        env = "SHIKAKU_DATABASE_URL",
        default_value = "sqlite:shikaku-data/shikaku.db"
    )]
    pub db: String,
    /// Directory holding the CA, its keys and the keyed-hash secret.
    #[arg(
        long,
        global = true,
        env = "SHIKAKU_DATA_DIR",
        default_value = "shikaku-data"
    )]
    pub data_dir: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the mTLS eligibility API and the plain web listener.
    Serve(serve::ServeArgs),
    /// Load insurer data files.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Audits of stored data: suspect links between rows and 個人番号 (`audit links`).
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Look up card numbers (operator support; same semantics as the API; logged).
    Verify(verify::VerifyArgs),
    /// Terminal client certificates.
    #[command(subcommand)]
    Cert(cert::CertCommand),
    /// Generate synthetic data.
    #[command(subcommand)]
    Gen(GenCommand),
    /// Create a fresh demo store with generated data, a terminal certificate, and start the servers.
    Demo(demo::DemoArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Benchmarks (print tables of measured figures).
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// The terminal agent for receipt computers (XML files in DIR/req, results in DIR/res).
    Agent(agent::AgentArgs),
    /// A reference receipt computer: writes request files, reads results, prints figures.
    Recesim(recesim::RecesimArgs),
    /// Virtual My Number Cards (the municipality's side of the emulated JPKI).
    #[command(subcommand)]
    Card(card::CardCommand),
    /// The face-authentication card reader (terminal side).
    #[command(subcommand)]
    Reader(reader::ReaderCommand),
    /// マイナポータル: the holder's own access log and consents (card and PIN).
    #[command(subcommand)]
    Mynaportal(mynaportal::MynaportalCommand),
    /// Business-day calendar (holidays, 営業日, month arithmetic).
    #[command(subcommand)]
    Calendar(calendar::CalendarCommand),
    /// The FAQ (よくある質問): search and list.
    #[command(subcommand)]
    Faq(faq::FaqCommand),
    /// Subsidy quotes (オンライン資格確認関係補助金).
    #[command(subcommand)]
    Subsidy(subsidy::SubsidyCommand),
    /// The facility portal: operator accounts.
    #[command(subcommand)]
    Portal(portal::PortalCommand),
}

#[derive(Debug, Subcommand)]
pub enum GenCommand {
    /// A synthetic population in the qualification CSV format.
    Population {
        #[arg(long)]
        persons: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
        /// Reference date (YYYY-MM-DD) for ages and which periods are current.
        #[arg(long, default_value = "2026-04-01", value_parser = parse_date_arg)]
        reference: time::Date,
        /// Seed this many wrong links (a person's rows carrying another person's 個人番号) and
        /// list them in OUT.wrong-links.csv (`my_number,true_person_ref,wrong_person_ref`).
        #[arg(long, default_value_t = 0)]
        wrong_links: u64,
    },
}

pub(crate) fn parse_date_arg(s: &str) -> Result<time::Date, String> {
    shikaku_domain::parse_date(s).map_err(|e| e.to_string())
}

pub fn main() -> ExitCode {
    let _ = rustls::crypto::ring::default_provider().install_default();
    init_tracing();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("SHIKAKU_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve::run(&cli.db, &cli.data_dir, args).await,
        Command::Import(cmd) => import::run(&cli.db, &cli.data_dir, cmd).await,
        Command::Verify(args) => verify::run(&cli.db, &cli.data_dir, args).await,
        Command::Audit(cmd) => audit::run(&cli.db, cmd).await,
        Command::Cert(cmd) => cert::run(&cli.db, &cli.data_dir, cmd).await,
        Command::Gen(GenCommand::Population {
            persons,
            seed,
            out,
            reference,
            wrong_links,
        }) => {
            use std::io::Write as _;
            let file = std::fs::File::create(&out)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", out.display()))?;
            let mut writer = std::io::BufWriter::with_capacity(1 << 20, file);
            let generated = shikaku_app::population::generate_seeded(
                &shikaku_app::population::PopulationOptions {
                    persons,
                    seed,
                    reference,
                    wrong_links,
                },
                &mut writer,
            )?;
            writer.flush()?;
            let stats = generated.stats;
            println!(
                "{}: {} persons in {} households, {} rows",
                out.display(),
                stats.persons,
                stats.households,
                stats.rows
            );
            if wrong_links > 0 {
                let path = std::path::PathBuf::from(format!("{}.wrong-links.csv", out.display()));
                let mut text = format!("{}\n", shikaku_app::population::WRONG_LINKS_HEADER);
                for link in &generated.wrong_links {
                    text.push_str(&format!(
                        "{},{},{}\n",
                        link.my_number.expose(),
                        link.true_person_ref,
                        link.wrong_person_ref
                    ));
                }
                std::fs::write(&path, text)
                    .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
                println!(
                    "{}: {} wrong links seeded",
                    path.display(),
                    generated.wrong_links.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo(args) => demo::run(args).await,
        Command::Migrate => {
            let store = open_store(&cli.db).await?;
            println!("migrations applied ({})", store.backend());
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench(cmd) => bench::run(&cli.db, &cli.data_dir, cmd).await,
        Command::Calendar(cmd) => calendar::run(cmd),
        Command::Subsidy(cmd) => subsidy::run(cmd),
        Command::Portal(cmd) => portal::run(&cli.db, &cli.data_dir, cmd).await,
        Command::Faq(cmd) => faq::run(cmd),
        Command::Agent(args) => agent::run(args).await,
        Command::Recesim(args) => tokio::task::block_in_place(|| recesim::run(args)),
        Command::Card(cmd) => card::run(&cli.db, &cli.data_dir, cmd).await,
        Command::Reader(cmd) => reader::run(&cli.data_dir, cmd).await,
        Command::Mynaportal(cmd) => mynaportal::run(cmd).await,
    }
}

/// Opens the store named by `--db`, with a clear error.
pub(crate) async fn open_store(
    url: &str,
) -> anyhow::Result<std::sync::Arc<dyn shikaku_store::Store>> {
    shikaku_store::open(url)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the database {}: {e}", redact_url(url)))
}

/// A database URL without its password, for messages.
pub(crate) fn redact_url(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

pub(crate) fn person_key(data_dir: &std::path::Path) -> anyhow::Result<shikaku_app::PersonKey> {
    shikaku_app::PersonKey::load_or_create(data_dir)
}

/// The OS user running the command, for audit records.
pub(crate) fn operator_name() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_cli() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(redact_url("sqlite:x.db"), "sqlite:x.db");
    }
}
