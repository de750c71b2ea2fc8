//! `shikaku serve`.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use shikaku_api::{AppState, ServeConfig, Shared};
use shikaku_app::EligibilityService;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The mTLS eligibility API listener.
    #[arg(long, env = "SHIKAKU_API_ADDR", default_value = "127.0.0.1:8443")]
    pub api_addr: SocketAddr,
    /// The plain web listener (health, OpenAPI).
    #[arg(long, env = "SHIKAKU_WEB_ADDR", default_value = "127.0.0.1:8080")]
    pub web_addr: SocketAddr,
    /// Names for the API server certificate (repeatable).
    #[arg(long = "server-name", default_values_t = vec!["localhost".to_string(), "127.0.0.1".to_string()])]
    pub server_names: Vec<String>,
    /// Folder of FAQ entries (*.md) instead of the built-in ones.
    #[arg(long, env = "SHIKAKU_FAQ_DIR")]
    pub faq_dir: Option<std::path::PathBuf>,
    /// Mark the portal's session cookie Secure (set when the web listener is reached over
    /// TLS, e.g. behind a terminating proxy).
    #[arg(long, env = "SHIKAKU_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Serve the web listener (portal, FAQ, マイナポータル) over TLS with this certificate
    /// chain (PEM, leaf first); cookies are then Secure and pages send HSTS.
    /// The portal's address as facilities reach it (e.g. https://portal.example.jp), used in
    /// mailed links such as a password reset; the web listener's own address by default.
    #[arg(long, env = "SHIKAKU_PUBLIC_URL")]
    pub public_url: Option<String>,
    #[arg(long, env = "SHIKAKU_WEB_TLS_CERT", requires = "web_tls_key")]
    pub web_tls_cert: Option<std::path::PathBuf>,
    /// The private key (PEM) of --web-tls-cert.
    #[arg(long, env = "SHIKAKU_WEB_TLS_KEY", requires = "web_tls_cert")]
    pub web_tls_key: Option<std::path::PathBuf>,
    /// A reverse proxy in front of the web listener whose X-Forwarded-For names the client
    /// (repeatable, or comma-separated in the variable); others' headers are ignored.
    #[arg(
        long = "trusted-proxy",
        env = "SHIKAKU_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// A PostgreSQL hot standby of `--db` (postgres://…) for reads of card numbers, used
    /// while it is at most `--read-db-max-lag` behind; never for certificate checks or the
    /// access log.
    #[arg(long, env = "SHIKAKU_READ_DATABASE_URL")]
    pub read_db: Option<String>,
    /// The most the standby may lag behind the primary, in seconds, and still be read.
    #[arg(long, env = "SHIKAKU_READ_DB_MAX_LAG", default_value_t = 5.0)]
    pub read_db_max_lag: f64,
    /// Months of access log kept (whole months, UTC): older entries are removed at start and
    /// every 6 hours (PostgreSQL: whole monthly partitions dropped).
    #[arg(
        long,
        env = "SHIKAKU_ACCESS_LOG_RETENTION_MONTHS",
        default_value_t = shikaku_app::retention::DEFAULT_RETENTION_MONTHS,
        value_parser = clap::value_parser!(u32).range(1..=1200)
    )]
    pub access_log_retention_months: u32,
    #[command(flatten)]
    pub mail: MailArgs,
}

/// Where the inquiry desk's mails go.
#[derive(Debug, Clone, Args)]
pub struct MailArgs {
    /// SMTP server for mails: smtp://HOST:PORT, smtp://HOST?tls=required (STARTTLS),
    /// smtps://HOST; USER:PASSWORD@ for AUTH. Without it, mails are written as .eml files to
    /// DATA_DIR/mail.
    #[arg(long, env = "SHIKAKU_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// The sender of the mails.
    #[arg(long, env = "SHIKAKU_MAIL_FROM", default_value = DEFAULT_FROM)]
    pub mail_from: String,
}

const DEFAULT_FROM: &str = "オンライン資格確認 問い合わせ窓口 <noreply@shikaku.invalid>";

impl Default for MailArgs {
    fn default() -> Self {
        Self {
            smtp_url: None,
            mail_from: DEFAULT_FROM.into(),
        }
    }
}

impl MailArgs {
    /// Where mails go, for the start-up message (never the SMTP password).
    pub fn describe(&self, data_dir: &Path) -> String {
        match &self.smtp_url {
            Some(_) => format!("SMTP, from {}", self.mail_from),
            None => format!(".eml files in {}", data_dir.join("mail").display()),
        }
    }

    pub fn mailer(&self, data_dir: &Path) -> anyhow::Result<shikaku_app::mail::Mailer> {
        match &self.smtp_url {
            Some(url) => shikaku_app::mail::Mailer::smtp(url, &self.mail_from),
            None => shikaku_app::mail::Mailer::folder(data_dir.join("mail"), &self.mail_from),
        }
    }
}

/// Everything the handlers share, over an open store.
pub async fn app_state(
    store: std::sync::Arc<dyn shikaku_store::Store>,
    data_dir: &Path,
    faq_dir: Option<&Path>,
    secure_cookies: bool,
    mail: &MailArgs,
) -> anyhow::Result<Shared> {
    let ca = shikaku_pki::Ca::load_or_create(data_dir).context("loading the CA")?;
    let key = crate::person_key(data_dir)?;
    let service = EligibilityService::new(store.clone(), key.clone());
    service
        .load_insurers()
        .await
        .context("reading the insurer register")?;
    let support = shikaku_app::support::SupportService::new(store.clone(), key.clone());
    let mailer = std::sync::Arc::new(mail.mailer(data_dir)?);
    let faq = std::sync::Arc::new(shikaku_app::faq::index(faq_dir)?);
    let jpki = shikaku_pki::jpki::load_or_create_ca(data_dir).context("loading the JPKI CA")?;
    let cards =
        shikaku_app::card_verify::CardVerifier::new(service.clone(), jpki.cert_der().to_vec());
    let batches = shikaku_app::batches::BatchService::start(service.clone())
        .await
        .map_err(|e| anyhow::anyhow!("resuming batch jobs: {e}"))?;
    let rules = std::sync::Arc::new(shikaku_app::subsidy::builtin_rules()?);
    let help = shikaku_app::help::HelpService::new(store.clone());
    let links = shikaku_app::linkage::LinkageService::new(store.clone());
    let portal =
        shikaku_app::portal::PortalService::new(store, std::sync::Arc::new(ca), rules.clone(), key);
    Ok(Shared {
        service,
        faq,
        cards,
        batches,
        subsidy_rules: rules,
        portal,
        support,
        help,
        links,
        mailer,
        trusted_proxies: Vec::new(),
        secure_cookies,
        public_url: std::sync::OnceLock::new(),
    })
}

/// Opens everything `serve` needs and starts the listeners.
pub async fn start(
    db: &str,
    data_dir: &Path,
    args: &ServeArgs,
) -> anyhow::Result<(shikaku_api::Running, shikaku_pki::Ca)> {
    let store = match &args.read_db {
        None => crate::open_store(db).await?,
        Some(read) => {
            let max_lag = std::time::Duration::try_from_secs_f64(args.read_db_max_lag)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "--read-db-max-lag is a positive number of seconds, not {}",
                        args.read_db_max_lag
                    )
                })?;
            shikaku_store::open_with_standby(db, Some((read, max_lag)))
                .await
                .map_err(|e| {
                    anyhow::anyhow!(
                        "cannot open the database {} with the standby {}: {e}",
                        crate::redact_url(db),
                        crate::redact_url(read)
                    )
                })?
        }
    };
    shikaku_app::retention::spawn(store.clone(), args.access_log_retention_months);
    let ca = shikaku_pki::Ca::load_or_create(data_dir).context("loading the CA")?;
    let config = ServeConfig {
        api_addr: args.api_addr,
        web_addr: args.web_addr,
        server_names: args.server_names.clone(),
        web_tls: match (&args.web_tls_cert, &args.web_tls_key) {
            (Some(cert), Some(key)) => Some((cert.clone(), key.clone())),
            (None, None) => None,
            _ => anyhow::bail!("--web-tls-cert and --web-tls-key go together"),
        },
    };
    let mut state = app_state(
        store,
        data_dir,
        args.faq_dir.as_deref(),
        // Over HTTPS (its own TLS, or a TLS proxy in front): Secure cookies and HSTS.
        args.secure_cookies || config.web_tls.is_some(),
        &args.mail,
    )
    .await?;
    state.trusted_proxies = args.trusted_proxies.clone();
    if let Some(url) = &args.public_url {
        let _ = state.public_url.set(url.trim_end_matches('/').to_string());
    }
    let running = shikaku_api::start(AppState::from(state), &ca, config).await?;
    Ok((running, ca))
}

pub async fn run(db: &str, data_dir: &Path, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let (running, ca) = start(db, data_dir, &args).await?;
    println!(
        "eligibility API (mTLS): https://{}/v1/eligibility",
        running.api_addr
    );
    println!(
        "web: http://{}/  (health /healthz, OpenAPI /openapi.json)",
        running.web_addr
    );
    println!("CA certificate: {}", ca.cert_path().display());
    println!("mail: {}", args.mail.describe(data_dir));
    wait_for_shutdown(running).await
}

pub async fn wait_for_shutdown(running: shikaku_api::Running) -> anyhow::Result<ExitCode> {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    #[cfg(unix)]
    let terminated = term.recv();
    #[cfg(not(unix))]
    let terminated = std::future::pending::<Option<()>>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminated => {}
    }
    tracing::info!("shutting down");
    running.shutdown();
    running.wait().await?;
    Ok(ExitCode::SUCCESS)
}
