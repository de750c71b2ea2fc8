//! `shikaku reader verify`: the face-authentication card reader (顔認証付きカードリーダー)
//! emulator on the terminal side. It confirms the holder (face or PIN, on the card), asks the
//! centre for a nonce, has the card sign it, and shows the answer as the reader would.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use shikaku_pki::jpki::{CardAuth, Pin};
use shikaku_terminal::reader::{Centre, ReaderInput, print_screens, verify};

#[derive(Debug, Subcommand)]
pub enum ReaderCommand {
    /// Put a card on the reader and verify it with the centre.
    Verify(VerifyArgs),
    /// The reader's screens as a local web page (same flow as `verify`).
    Serve {
        /// Folder of virtual card files the page offers ("put a card").
        #[arg(long)]
        cards: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8090")]
        addr: SocketAddr,
        #[arg(long)]
        api: String,
        #[arg(long)]
        cert: PathBuf,
        #[arg(long)]
        key: PathBuf,
        /// The CA certificate of the API (default DATA_DIR/ca.crt).
        #[arg(long)]
        ca: Option<PathBuf>,
        /// Push each result to DIR/face/ for the receipt computer.
        #[arg(long)]
        oqs_dir: Option<PathBuf>,
    },
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
    /// 限度額適用認定証・特定疾病療養受療証の情報の提供に同意する / しない (this visit).
    #[arg(long, value_enum)]
    consent_limit: Option<YesNo>,
    /// 入院: the consents last until discharge (POST /v1/discharge) instead of 24 hours.
    #[arg(long)]
    inpatient: bool,
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
    /// Push the result to DIR/face/ for the receipt computer (xml-interface.md, kind B).
    #[arg(long)]
    oqs_dir: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

pub async fn run(data_dir: &Path, command: ReaderCommand) -> anyhow::Result<ExitCode> {
    let args = match command {
        ReaderCommand::Verify(args) => args,
        ReaderCommand::Serve {
            cards,
            addr,
            api,
            cert,
            key,
            ca,
            oqs_dir,
        } => {
            let centre = Centre {
                api,
                ca: ca.unwrap_or_else(|| data_dir.join(shikaku_pki::CA_CERT_FILE)),
                cert,
                key,
                oqs_dir,
            };
            let listener = tokio::net::TcpListener::bind(addr).await?;
            println!(
                "カードリーダー画面: http://{} (Ctrl+C で終了)",
                listener.local_addr()?
            );
            shikaku_terminal::reader_web::serve(listener, centre, cards).await?;
            return Ok(ExitCode::SUCCESS);
        }
    };
    let centre = Centre {
        api: args.api.clone(),
        ca: args
            .ca
            .clone()
            .unwrap_or_else(|| data_dir.join(shikaku_pki::CA_CERT_FILE)),
        cert: args.cert.clone(),
        key: args.key.clone(),
        oqs_dir: args.oqs_dir.clone(),
    };
    let auth = match &args.pin {
        Some(pin) => CardAuth::Pin(Pin::parse(pin).map_err(|e| anyhow::anyhow!("--pin: {e}"))?),
        None => CardAuth::FaceMatched,
    };
    let yes = |v: Option<YesNo>| v.map(|v| v == YesNo::Yes);
    let input = ReaderInput {
        card: args.card.clone(),
        auth,
        register: args.register,
        consent_drugs: yes(args.consent_drugs),
        consent_checkups: yes(args.consent_checkups),
        consent_limit: yes(args.consent_limit),
        inpatient: args.inpatient,
        as_of: args.on,
    };
    let answer = verify(&centre, &input).await?;
    if args.json {
        println!("{answer}");
    } else {
        print_screens(&answer);
    }
    Ok(ExitCode::SUCCESS)
}
