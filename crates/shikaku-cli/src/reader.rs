//! `shikaku reader verify`: the face-authentication card reader (顔認証付きカードリーダー)
//! emulator on the terminal side. It confirms the holder (face or PIN, on the card), asks the
//! centre for a nonce, has the card sign it, and shows the answer as the reader would.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Value, json};
use shikaku_pki::jpki::{CardAuth, CardError, CardKey, Pin, VirtualCard, challenge_message};

#[derive(Debug, Subcommand)]
pub enum ReaderCommand {
    /// Put a card on the reader and verify it with the centre.
    Verify(VerifyArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum YesNo {
    Yes,
    No,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("auth").required(true).args(["pin", "face"])))]
pub struct VerifyArgs {
    /// The virtual card file.
    #[arg(long)]
    card: PathBuf,
    /// 暗証番号 (4 digits).
    #[arg(long)]
    pin: Option<String>,
    /// 顔認証: the face matched the card's photo.
    #[arg(long)]
    face: bool,
    /// 初回登録: agree to use the card as a health-insurance card.
    #[arg(long)]
    register: bool,
    /// 薬剤情報の提供に同意する / しない.
    #[arg(long, value_enum)]
    consent_drugs: Option<YesNo>,
    /// 特定健診情報の提供に同意する / しない.
    #[arg(long, value_enum)]
    consent_checkups: Option<YesNo>,
    /// 照会日 (YYYY-MM-DD); today (JST) by default.
    #[arg(long, value_parser = crate::parse_date_arg)]
    on: Option<time::Date>,
    /// The centre's API, e.g. https://127.0.0.1:8443
    #[arg(long)]
    api: String,
    /// The terminal's client certificate and key.
    #[arg(long)]
    cert: PathBuf,
    #[arg(long)]
    key: PathBuf,
    /// The CA certificate the API's server certificate chains to (default DATA_DIR/ca.crt).
    #[arg(long)]
    ca: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

pub async fn run(data_dir: &Path, command: ReaderCommand) -> anyhow::Result<ExitCode> {
    let ReaderCommand::Verify(args) = command;
    let answer = verify(data_dir, &args).await?;
    if args.json {
        println!("{answer}");
    } else {
        print_screens(&answer);
    }
    Ok(ExitCode::SUCCESS)
}

/// The reader's flow; refusals at the card (wrong PIN, locked, tampered) are answers too.
pub async fn verify(data_dir: &Path, args: &VerifyArgs) -> anyhow::Result<Value> {
    let (auth, method) = match &args.pin {
        Some(pin) => (
            CardAuth::Pin(Pin::parse(pin).map_err(|e| anyhow::anyhow!("--pin: {e}"))?),
            "pin",
        ),
        None => (CardAuth::FaceMatched, "face"),
    };
    let (card, key) = match unlock_card(&args.card, &auth)? {
        Ok(unlocked) => unlocked,
        Err(answer) => return Ok(answer),
    };
    let ca = args
        .ca
        .clone()
        .unwrap_or_else(|| data_dir.join(shikaku_pki::CA_CERT_FILE));
    let client = crate::client::mtls_client(&ca, &args.cert, &args.key, 1)?;
    let base = args.api.trim_end_matches('/');
    let challenge: Value = send(&client, &format!("{base}/v1/card/challenge"), &json!({})).await?;
    let nonce_hex = challenge["nonce"]
        .as_str()
        .context("the centre sent no nonce")?;
    let nonce = hex::decode(nonce_hex).context("the centre's nonce is not hex")?;
    let signature = key.sign(&challenge_message(&nonce, method));
    let yes = |v: Option<YesNo>| v.map(|v| v == YesNo::Yes);
    let mut body = json!({
        "nonce": nonce_hex,
        "certificate": card.certificate_pem,
        "signature": hex::encode(signature),
        "method": method,
        "register": args.register,
        "consent_drugs": yes(args.consent_drugs),
        "consent_checkups": yes(args.consent_checkups),
    });
    if let Some(on) = args.on {
        body["as_of"] = shikaku_domain::date::format_date(on).into();
    }
    send(&client, &format!("{base}/v1/card/verify"), &body).await
}

/// The chip's side: authenticate the holder on the card and save its retry counter. A
/// refusal at the card (wrong PIN, locked, tampered) is an answer, not an error.
pub fn unlock_card(
    path: &Path,
    auth: &CardAuth,
) -> anyhow::Result<Result<(VirtualCard, CardKey), Value>> {
    let mut card = VirtualCard::load(path)?;
    let result = card.authenticate(auth);
    // The chip's counter changes on every PIN attempt: save before anything else.
    card.save(path)
        .with_context(|| format!("saving the card's retry counter to {}", path.display()))?;
    match result {
        Ok(key) => Ok(Ok((card, key))),
        Err(e) => {
            let (status, remaining) = match e {
                CardError::WrongPin { remaining } => ("wrong_pin", Some(remaining)),
                CardError::Locked => ("locked", Some(0)),
                CardError::Tampered => ("tampered", None),
            };
            let mut answer = json!({"status": status, "message": e.to_string()});
            if let Some(remaining) = remaining {
                answer["remaining_attempts"] = remaining.into();
            }
            Ok(Err(answer))
        }
    }
}

pub async fn send(client: &reqwest::Client, url: &str, body: &Value) -> anyhow::Result<Value> {
    let response = client
        .post(url)
        .json(body)
        .send()
        .await
        .with_context(|| format!("cannot reach {url}"))?;
    let status = response.status();
    let value: Value = response
        .json()
        .await
        .with_context(|| format!("{url}: the answer is not JSON"))?;
    if !status.is_success() {
        anyhow::bail!(
            "{url}: {status}: {}",
            value["message"].as_str().unwrap_or("error")
        );
    }
    Ok(value)
}

/// The reader's screens, in Japanese.
fn print_screens(answer: &Value) {
    let status = answer["status"].as_str().unwrap_or_default();
    println!("【顔認証付きカードリーダー】");
    println!("カードを置いてください … 読み取りました");
    match status {
        "wrong_pin" | "locked" | "tampered" => {
            println!("{}", answer["message"].as_str().unwrap_or_default());
            return;
        }
        _ => println!("本人確認ができました"),
    }
    if answer["registered_now"] == true {
        println!("健康保険証として利用登録しました（初回登録）");
    }
    if let Some(consents) = answer["consents"].as_array()
        && !consents.is_empty()
    {
        let names: Vec<&str> = consents
            .iter()
            .filter_map(|c| match c.as_str() {
                Some("drugs") => Some("薬剤情報"),
                Some("checkups") => Some("特定健診情報"),
                _ => None,
            })
            .collect();
        println!("同意しました: {}", names.join("・"));
    }
    println!("{}", answer["message"].as_str().unwrap_or_default());
    if let Some(q) = answer.get("qualification") {
        println!(
            "  保険者番号 {}  {}  負担割合 {}割  資格取得 {}  資格喪失 {}",
            q["insurer_number"].as_str().unwrap_or_default(),
            q["insurer_name"].as_str().unwrap_or_default(),
            q["copay_ratio"].as_u64().unwrap_or_default() / 10,
            q["qualified_from"].as_str().unwrap_or_default(),
            q["qualified_until"].as_str().unwrap_or("―"),
        );
    }
    println!("受付が完了しました。カードをお取りください");
}
