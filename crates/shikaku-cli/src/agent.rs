//! `shikaku agent`: the terminal agent for receipt computers (xml-interface.md), and
//! `shikaku agent status`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use shikaku_terminal::agent::{self, AgentConfig};
use shikaku_xml::result::Encoding;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AgentArgs {
    #[command(subcommand)]
    pub command: Option<AgentCommand>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// Queue length, oldest waiting request, last error, last successful contact.
    Status {
        #[arg(long)]
        dir: PathBuf,
        /// Print Prometheus text format instead.
        #[arg(long)]
        prometheus: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OutputEncoding {
    Utf8,
    ShiftJis,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The interface folder: requests in DIR/req, results in DIR/res.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// The centre's API, e.g. https://127.0.0.1:8443
    #[arg(long)]
    api: Option<String>,
    /// This terminal's client certificate, key, and the CA of the API.
    #[arg(long)]
    cert: Option<PathBuf>,
    #[arg(long)]
    key: Option<PathBuf>,
    #[arg(long)]
    ca: Option<PathBuf>,
    /// Answer with an error result after this many minutes without the centre.
    #[arg(long, default_value_t = 60)]
    max_age_minutes: u64,
    /// How long a request file must stay unchanged before it is read (ms).
    #[arg(long, default_value_t = 500)]
    stable_ms: u64,
    /// Periodic rescan of the request folder (ms), besides filesystem events.
    #[arg(long, default_value_t = 2000)]
    rescan_ms: u64,
    /// Encoding of result files (CharacterCodeIdentifier 0 or 1).
    #[arg(long, value_enum, default_value = "utf8")]
    encoding: OutputEncoding,
    /// Exit after writing this many results (tests, simulations).
    #[arg(long)]
    stop_after: Option<u64>,
    /// Delete answered requests instead of keeping them in req/done/yyyyMMdd/.
    #[arg(long)]
    delete_processed: bool,
    /// Seconds one request to the centre may take before it is retried.
    #[arg(long, default_value_t = 30)]
    request_timeout_s: u64,
    /// Serve Prometheus metrics at http://ADDR/metrics.
    #[arg(long)]
    metrics_addr: Option<std::net::SocketAddr>,
}

pub async fn run(args: AgentArgs) -> anyhow::Result<ExitCode> {
    if let Some(AgentCommand::Status { dir, prometheus }) = args.command {
        let status = agent::read_status(&dir)?;
        if prometheus {
            print!("{}", agent::prometheus(&status));
        } else {
            println!("待ち行列 (queue): {}", status.queue_length);
            println!(
                "最も古い待ち (oldest waiting since): {}",
                status.oldest_waiting_since.as_deref().unwrap_or("なし")
            );
            println!(
                "最後のエラー (last error): {} {}",
                status.last_error_at.as_deref().unwrap_or(""),
                status.last_error.as_deref().unwrap_or("なし")
            );
            println!(
                "最後の正常応答 (last success): {}",
                status.last_success_at.as_deref().unwrap_or("なし")
            );
            println!(
                "結果ファイル数 (results written): {}",
                status.results_written
            );
            println!(
                "エラー結果で返した要求 (refused requests): {}",
                status.refused_requests
            );
            println!(
                "最後にエラー結果で返した要求 (last refused): {} {}",
                status.last_refused_at.as_deref().unwrap_or(""),
                status.last_refused.as_deref().unwrap_or("なし")
            );
            println!(
                "更新 (updated): {}",
                status.updated_at.as_deref().unwrap_or("")
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let r = args.run;
    let missing = |name: &str| anyhow::anyhow!("--{name} is required");
    let config = AgentConfig {
        dir: r.dir.ok_or_else(|| missing("dir"))?,
        api: r.api.ok_or_else(|| missing("api"))?,
        cert: r.cert.ok_or_else(|| missing("cert"))?,
        key: r.key.ok_or_else(|| missing("key"))?,
        ca: r.ca.ok_or_else(|| missing("ca"))?,
        stable_for: Duration::from_millis(r.stable_ms),
        rescan: Duration::from_millis(r.rescan_ms.max(50)),
        max_age: Duration::from_secs(r.max_age_minutes * 60),
        encoding: match r.encoding {
            OutputEncoding::Utf8 => Encoding::Utf8,
            OutputEncoding::ShiftJis => Encoding::ShiftJis,
        },
        stop_after: r.stop_after,
        delete_processed: r.delete_processed,
        request_timeout: Duration::from_secs(r.request_timeout_s.max(1)),
        facility_code: None,
    };
    if let Some(addr) = r.metrics_addr {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        println!("metrics: http://{}/metrics", listener.local_addr()?);
        tokio::spawn(agent::serve_metrics(listener, config.dir.clone()));
    }
    println!(
        "エージェントを開始しました: {} (req → res)",
        config.dir.display()
    );
    agent::run(config).await?;
    Ok(ExitCode::SUCCESS)
}
