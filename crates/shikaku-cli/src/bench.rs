//! `shikaku bench lookups`: lookups per second and latency through the mTLS API, against
//! `GET /healthz` on the same listener in the same run. Prints a Markdown table.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Eligibility lookups vs /healthz over keep-alive mTLS connections.
    Lookups {
        /// Base URL of the API listener, e.g. https://127.0.0.1:8443
        #[arg(long)]
        api: String,
        #[arg(long)]
        cert: PathBuf,
        #[arg(long)]
        key: PathBuf,
        #[arg(long)]
        ca: PathBuf,
        /// Population CSV; a random sample of its rows is looked up (round robin).
        #[arg(long)]
        population: PathBuf,
        #[arg(long, default_value_t = 50_000)]
        sample: usize,
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Measured seconds per phase (after a 2-second warm-up).
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
}

struct Phase {
    name: &'static str,
    requests: u64,
    errors: u64,
    seconds: f64,
    latencies_us: Vec<u32>,
}

impl Phase {
    fn rate(&self) -> f64 {
        self.requests as f64 / self.seconds
    }
    fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let i = ((self.latencies_us.len() as f64 - 1.0) * p).round() as usize;
        f64::from(self.latencies_us[i]) / 1000.0
    }
}

pub async fn run(command: BenchCommand) -> anyhow::Result<ExitCode> {
    let BenchCommand::Lookups {
        api,
        cert,
        key,
        ca,
        population,
        sample,
        concurrency,
        seconds,
    } = command;
    let client = crate::client::mtls_client(&ca, &cert, &key, concurrency)?;
    let bodies = Arc::new(read_bodies(&population, sample)?);
    let distinct = bodies.len();
    anyhow::ensure!(!bodies.is_empty(), "{} has no rows", population.display());
    let api = api.trim_end_matches('/').to_string();
    let health = run_phase("GET /healthz", &client, &api, None, concurrency, seconds).await;
    let lookups = run_phase(
        "POST /v1/eligibility",
        &client,
        &api,
        Some(bodies),
        concurrency,
        seconds,
    )
    .await;
    println!("| endpoint | requests | errors | req/s | p50 ms | p99 ms |");
    println!("|---|---:|---:|---:|---:|---:|");
    for p in [&health, &lookups] {
        println!(
            "| {} | {} | {} | {:.0} | {:.2} | {:.2} |",
            p.name,
            p.requests,
            p.errors,
            p.rate(),
            p.percentile_ms(0.5),
            p.percentile_ms(0.99)
        );
    }
    println!();
    println!(
        "ratio lookups/healthz: {:.2} (concurrency {concurrency}, {seconds} s per phase, {} cards sampled from the whole population)",
        lookups.rate() / health.rate(),
        distinct
    );
    Ok(ExitCode::SUCCESS)
}

/// Up to `sample` rows drawn evenly at random from the whole file (reservoir sampling with a
/// fixed seed), so lookups touch the whole index and not only the first rows loaded.
fn read_bodies(path: &std::path::Path, sample: usize) -> anyhow::Result<Vec<String>> {
    let mut reader = csv::Reader::from_path(path)?;
    let mut chosen: Vec<csv::StringRecord> = Vec::with_capacity(sample);
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for (seen, record) in reader.records().enumerate() {
        let record = record?;
        if chosen.len() < sample {
            chosen.push(record);
            continue;
        }
        // xorshift64*: deterministic, no dependency.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        let slot = (state.wrapping_mul(0x2545_F491_4F6C_DD1D) % (seen as u64 + 1)) as usize;
        if slot < sample {
            chosen[slot] = record;
        }
    }
    Ok(chosen
        .iter()
        .map(|r| {
            let get = |i: usize| r.get(i).unwrap_or_default();
            serde_json::json!({
                "insurer_number": get(0), "symbol": get(1), "number": get(2), "branch": get(3), "birth_date": get(9)
            })
            .to_string()
        })
        .collect())
}

async fn run_phase(
    name: &'static str,
    client: &reqwest::Client,
    api: &str,
    bodies: Option<Arc<Vec<String>>>,
    concurrency: usize,
    seconds: u64,
) -> Phase {
    let warmup_until = Instant::now() + Duration::from_secs(2);
    let start_at = warmup_until;
    let stop_at = start_at + Duration::from_secs(seconds);
    let mut tasks = Vec::with_capacity(concurrency);
    for worker in 0..concurrency {
        let client = client.clone();
        let bodies = bodies.clone();
        let url = match bodies {
            Some(_) => format!("{api}/v1/eligibility"),
            None => format!("{api}/healthz"),
        };
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let (mut requests, mut errors) = (0u64, 0u64);
            let mut i = worker;
            loop {
                let now = Instant::now();
                if now >= stop_at {
                    break;
                }
                let request = match &bodies {
                    Some(b) => {
                        i = (i + concurrency) % b.len();
                        client
                            .post(&url)
                            .header("content-type", "application/json")
                            .body(b[i].clone())
                    }
                    None => client.get(&url),
                };
                let ok = match request.send().await {
                    Ok(response) => {
                        response.status().is_success() && response.bytes().await.is_ok()
                    }
                    Err(_) => false,
                };
                if now >= start_at {
                    requests += 1;
                    if !ok {
                        errors += 1;
                    }
                    latencies.push(now.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                }
            }
            (requests, errors, latencies)
        }));
    }
    let mut phase = Phase {
        name,
        requests: 0,
        errors: 0,
        seconds: seconds as f64,
        latencies_us: Vec::new(),
    };
    for task in tasks {
        if let Ok((requests, errors, latencies)) = task.await {
            phase.requests += requests;
            phase.errors += errors;
            phase.latencies_us.extend(latencies);
        }
    }
    phase.latencies_us.sort_unstable();
    phase
}
