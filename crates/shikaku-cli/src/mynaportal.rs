//! `shikaku mynaportal log`: the holder's own view — who accessed my information, and my
//! consents — signed in with the card and its PIN.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use serde_json::{Value, json};
use shikaku_pki::jpki::{CardAuth, Pin, challenge_message};

use shikaku_terminal::reader::{send, unlock_card};

#[derive(Debug, Subcommand)]
pub enum MynaportalCommand {
    /// Sign in with the card and PIN; list accesses and consents.
    Log {
        #[arg(long)]
        card: PathBuf,
        #[arg(long)]
        pin: String,
        /// The web listener, e.g. http://127.0.0.1:8080
        #[arg(long)]
        web: String,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(command: MynaportalCommand) -> anyhow::Result<ExitCode> {
    let MynaportalCommand::Log {
        card,
        pin,
        web,
        json,
    } = command;
    let pin = Pin::parse(&pin).map_err(|e| anyhow::anyhow!("--pin: {e}"))?;
    let answer = match unlock_card(&card, &CardAuth::Pin(pin))? {
        Err(refusal) => refusal,
        Ok((card, key)) => {
            let client = reqwest::Client::builder().build()?;
            let base = web.trim_end_matches('/');
            let challenge: Value =
                send(&client, &format!("{base}/mynaportal/challenge"), &json!({})).await?;
            let nonce_hex = challenge["nonce"].as_str().unwrap_or_default().to_string();
            let nonce = hex::decode(&nonce_hex)?;
            let signature = key.sign(&challenge_message(&nonce, "pin"));
            let body = json!({
                "nonce": nonce_hex,
                "certificate": card.certificate_pem,
                "signature": hex::encode(signature),
                "method": "pin",
            });
            send(&client, &format!("{base}/mynaportal/log"), &body).await?
        }
    };
    if json {
        println!("{answer}");
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(message) = answer["message"].as_str() {
        println!("{message}");
        return Ok(ExitCode::SUCCESS);
    }
    println!("【マイナポータル】あなたの情報の閲覧履歴");
    for a in answer["accesses"].as_array().into_iter().flatten() {
        println!(
            "  {}  医療機関等コード {}  {}  ({})",
            a["at"].as_str().unwrap_or_default(),
            a["facility_code"].as_str().unwrap_or_default(),
            a["kind_label"].as_str().unwrap_or_default(),
            a["status"].as_str().unwrap_or_default()
        );
    }
    println!("同意の履歴");
    for c in answer["consents"].as_array().into_iter().flatten() {
        println!(
            "  {}  医療機関等コード {}  {}  有効期限 {}{}",
            c["given_at"].as_str().unwrap_or_default(),
            c["facility_code"].as_str().unwrap_or_default(),
            c["kind_label"].as_str().unwrap_or_default(),
            c["expires_at"].as_str().unwrap_or_default(),
            if c["live"] == true {
                "（有効）"
            } else {
                ""
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
