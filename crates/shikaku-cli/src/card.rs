//! `shikaku card issue|revoke|unlock|renew|crl`: the municipality's side of the emulated JPKI.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use shikaku_app::cards;
use shikaku_domain::MyNumber;
use shikaku_domain::date::format_date;
use shikaku_pki::jpki::{CardHolder, Pin};

#[derive(Debug, Subcommand)]
pub enum CardCommand {
    /// Issue a virtual My Number Card (利用者証明用電子証明書, 5 years) into FILE.
    Issue {
        /// 氏名 as printed on the card.
        #[arg(long)]
        name: String,
        /// 生年月日 (YYYY-MM-DD).
        #[arg(long, value_parser = crate::parse_date_arg)]
        birth: time::Date,
        /// 個人番号 (12 digits); stored only as a keyed hash in the register.
        #[arg(long)]
        my_number: String,
        /// 暗証番号 (4 digits).
        #[arg(long)]
        pin: String,
        /// Reference of the face photo printed on the card.
        #[arg(long, default_value = "photo:demo")]
        photo: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Revoke the card's certificate (a lost card): the register and DATA_DIR/jpki/crl.pem.
    Revoke { file: PathBuf },
    /// Unlock a card locked by three wrong PINs (the municipality's counter).
    Unlock { file: PathBuf },
    /// Renew the card's certificate (new key; 初回登録 carries over; the old one is revoked).
    Renew {
        file: PathBuf,
        #[arg(long)]
        pin: String,
    },
    /// Rewrite DATA_DIR/jpki/crl.pem from the register.
    Crl,
}

pub async fn run(db: &str, data_dir: &Path, command: CardCommand) -> anyhow::Result<ExitCode> {
    let ca = shikaku_pki::jpki::load_or_create_ca(data_dir).context("loading the JPKI CA")?;
    let store = crate::open_store(db).await?;
    match command {
        CardCommand::Issue {
            name,
            birth,
            my_number,
            pin,
            photo,
            out,
        } => {
            let my_number =
                MyNumber::parse(&my_number).map_err(|e| anyhow::anyhow!("--my-number: {e}"))?;
            let pin = Pin::parse(&pin).map_err(|e| anyhow::anyhow!("--pin: {e}"))?;
            anyhow::ensure!(
                !name.trim().is_empty(),
                "--name: 氏名を入力してください (empty name)"
            );
            anyhow::ensure!(
                !out.exists(),
                "{} exists already; a card file is never overwritten",
                out.display()
            );
            let key = crate::person_key(data_dir)?;
            let holder = CardHolder {
                name: name.trim().to_string(),
                birth_date: format_date(birth),
            };
            let issued =
                cards::issue(&ca, store.as_ref(), &key, holder, &my_number, &pin, &photo).await?;
            issued.card.save(&out)?;
            println!("card: {}", out.display());
            println!("card id: {}", issued.card.card_id);
            println!("serial: {}", issued.serial);
            println!("valid until: {}", format_date(issued.not_after.date()));
        }
        CardCommand::Revoke { file } => {
            let (serial, newly) = cards::revoke(&ca, store.as_ref(), &file).await?;
            if newly {
                println!("revoked: {serial}");
            } else {
                println!("already revoked: {serial}");
            }
        }
        CardCommand::Unlock { file } => {
            cards::unlock(store.as_ref(), &file).await?;
            println!("unlocked: {}", file.display());
        }
        CardCommand::Renew { file, pin } => {
            let pin = Pin::parse(&pin).map_err(|e| anyhow::anyhow!("--pin: {e}"))?;
            let issued = cards::renew(&ca, store.as_ref(), &file, &pin).await?;
            println!("renewed: {}", file.display());
            println!("serial: {}", issued.serial);
        }
        CardCommand::Crl => {
            cards::write_crl(&ca, store.as_ref()).await?;
            println!("{}", ca.crl_path().display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
