//! `shikaku cert issue|revoke|list|crl`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use shikaku_app::terminal_certs;
use shikaku_domain::FacilityCode;
use shikaku_pki::{Ca, IssuedCert};
use shikaku_store::RevokeOutcome;

#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// Issue a client certificate for a facility terminal: NAME.crt, NAME.key, NAME.p12.
    Issue {
        /// 医療機関等コード (10 digits)
        #[arg(long)]
        facility: String,
        /// Terminal name, e.g. 受付1
        #[arg(long)]
        terminal: String,
        /// Output directory
        #[arg(long)]
        out: PathBuf,
        /// Validity in days
        #[arg(long, default_value_t = terminal_certs::DEFAULT_DAYS)]
        days: i64,
    },
    /// Revoke a certificate by serial (hex); effective for the API's next request.
    Revoke { serial: String },
    /// List issued certificates.
    List,
    /// Rewrite DATA_DIR/crl.pem from the register.
    Crl,
}

pub async fn run(db: &str, data_dir: &Path, command: CertCommand) -> anyhow::Result<ExitCode> {
    let ca = shikaku_pki::Ca::load_or_create(data_dir).context("loading the CA")?;
    let store = crate::open_store(db).await?;
    match command {
        CertCommand::Issue {
            facility,
            terminal,
            out,
            days,
        } => {
            let facility =
                FacilityCode::parse(&facility).map_err(|e| anyhow::anyhow!("--facility: {e}"))?;
            anyhow::ensure!(days > 0, "--days must be positive");
            let issued = terminal_certs::issue(
                &ca,
                store.as_ref(),
                &facility,
                &terminal,
                time::OffsetDateTime::now_utc(),
                days,
            )
            .await?;
            let files = write_terminal_files(&out, &terminal, &issued, &ca)?;
            println!("serial: {}", issued.serial);
            println!("pkcs12 password: {}", files.password);
            println!(
                "files: {} {} {}",
                files.crt.display(),
                files.key.display(),
                files.p12.display()
            );
            println!("ca: {}", ca.cert_path().display());
            println!("valid: {} – {}", issued.not_before, issued.not_after);
        }
        CertCommand::Revoke { serial } => {
            anyhow::ensure!(
                !serial.trim().is_empty() && serial.trim().chars().all(|c| c.is_ascii_hexdigit()),
                "serial must be hexadecimal, as printed by `cert issue` or `cert list`"
            );
            match terminal_certs::revoke(&ca, store.as_ref(), &serial).await? {
                RevokeOutcome::Revoked => {
                    println!("revoked: {}", serial.trim().to_ascii_lowercase())
                }
                RevokeOutcome::AlreadyRevoked => {
                    println!("already revoked: {}", serial.trim().to_ascii_lowercase())
                }
            }
            println!("crl: {}", ca.crl_path().display());
        }
        CertCommand::List => {
            for c in terminal_certs::list(store.as_ref()).await? {
                let state = match c.revoked_at {
                    Some(at) => format!("revoked {at}"),
                    None => "active".into(),
                };
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    c.serial, c.facility_code, c.terminal_name, c.not_after, state
                );
            }
        }
        CertCommand::Crl => {
            terminal_certs::write_crl(&ca, store.as_ref()).await?;
            println!("crl: {}", ca.crl_path().display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Where an issued terminal certificate was written, and the PKCS#12 password.
pub struct TerminalFiles {
    pub crt: PathBuf,
    pub key: PathBuf,
    pub p12: PathBuf,
    pub password: String,
}

/// Writes NAME.crt (PEM), NAME.key (PEM, 0600) and NAME.p12 (with a new random password, 0600).
pub fn write_terminal_files(
    out: &Path,
    name: &str,
    issued: &IssuedCert,
    ca: &Ca,
) -> anyhow::Result<TerminalFiles> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let name = name.trim();
    let password = shikaku_pki::random_password();
    let files = TerminalFiles {
        crt: out.join(format!("{name}.crt")),
        key: out.join(format!("{name}.key")),
        p12: out.join(format!("{name}.p12")),
        password,
    };
    shikaku_pki::write_atomic(&files.crt, issued.cert_pem.as_bytes())?;
    shikaku_pki::write_private(&files.key, issued.key_pem.as_bytes())?;
    shikaku_pki::write_private(
        &files.p12,
        &issued.pkcs12(ca.cert_der(), &files.password, name)?,
    )?;
    Ok(files)
}
