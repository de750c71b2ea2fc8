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
    Lookups(LookupArgs),
    /// My Number Card verifications (challenge + signed verify) vs raw ECDSA P-256 verifies.
    Cards {
        #[command(flatten)]
        target: Target,
        /// Registered virtual card files (unlocked once with the face path, then reused).
        #[arg(long, num_args = 1.., required = true)]
        cards: Vec<PathBuf>,
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// Portal pages under concurrent sessions, and the dashboard, on a store seeded with
    /// synthetic facilities (uses --db: give it an empty store; it is seeded once).
    Portal {
        #[arg(long, default_value_t = 200_000)]
        facilities: u64,
        #[arg(long, default_value_t = 100)]
        sessions: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
}

/// The API listener and the terminal certificate a benchmark connects with.
#[derive(Debug, clap::Args)]
pub struct Target {
    /// Base URL of the API listener, e.g. https://127.0.0.1:8443
    #[arg(long)]
    api: String,
    /// The terminal's client certificate (PEM).
    #[arg(long)]
    cert: PathBuf,
    /// Its private key (PEM).
    #[arg(long)]
    key: PathBuf,
    /// The CA certificate the API's server certificate is checked against.
    #[arg(long)]
    ca: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct LookupArgs {
    #[command(flatten)]
    target: Target,
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
    /// Send lookups at this steady rate (requests/s over all connections) instead of as
    /// fast as answers come; a latency counts from when the request was due, so a stall
    /// shows as the queue it builds.
    #[arg(long)]
    rate: Option<f64>,
    /// Skip the `GET /healthz` phase (and the ratio).
    #[arg(long)]
    no_healthz: bool,
    /// Write every measured lookup as `unix_ms latency_us ok` (one line each) to this file.
    #[arg(long)]
    latency_log: Option<PathBuf>,
}

struct Phase {
    name: &'static str,
    requests: u64,
    errors: u64,
    seconds: f64,
    latencies_us: Vec<u32>,
    /// When each measured request was due (ms since the Unix epoch), its latency and outcome.
    samples: Vec<(u64, u32, bool)>,
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

pub async fn run(
    db: &str,
    data_dir: &std::path::Path,
    command: BenchCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        BenchCommand::Lookups(args) => bench_lookups(args).await,
        BenchCommand::Cards {
            target: Target { api, cert, key, ca },
            cards,
            concurrency,
            seconds,
        } => bench_cards(&api, &cert, &key, &ca, &cards, concurrency, seconds).await,
        BenchCommand::Portal {
            facilities,
            sessions,
            seconds,
        } => crate::bench_portal::run(db, data_dir, facilities, sessions, seconds).await,
    }
}

async fn bench_lookups(args: LookupArgs) -> anyhow::Result<ExitCode> {
    let LookupArgs {
        target: Target { api, cert, key, ca },
        population,
        sample,
        concurrency,
        seconds,
        rate,
        no_healthz,
        latency_log,
    } = args;
    if let Some(rate) = rate {
        anyhow::ensure!(
            rate.is_finite() && rate > 0.0,
            "--rate must be a positive number of requests per second, not {rate}"
        );
    }
    let client = shikaku_terminal::client::mtls_client(&ca, &cert, &key, concurrency)?;
    let bodies = Arc::new(read_bodies(&population, sample)?);
    let distinct = bodies.len();
    anyhow::ensure!(!bodies.is_empty(), "{} has no rows", population.display());
    let api = api.trim_end_matches('/').to_string();
    let health = if no_healthz {
        None
    } else {
        Some(healthz_phase(&client, &api, concurrency, seconds).await)
    };
    let lookups = run_phase(
        "POST /v1/eligibility",
        &client,
        &api,
        Some(bodies),
        concurrency,
        seconds,
        rate,
    )
    .await;
    if let Some(path) = &latency_log {
        write_latency_log(path, &lookups)?;
    }
    println!("| endpoint | requests | errors | req/s | p50 ms | p99 ms |");
    println!("|---|---:|---:|---:|---:|---:|");
    for p in health.iter().chain([&lookups]) {
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
    let pacing = match rate {
        Some(rate) => format!("lookups due at {rate:.0}/s"),
        None => "closed loop".into(),
    };
    match &health {
        Some(health) => println!(
            "ratio lookups/healthz: {:.2} (concurrency {concurrency}, {pacing}, {seconds} s per phase, {distinct} cards sampled from the whole population)",
            lookups.rate() / health.rate(),
        ),
        None => println!(
            "concurrency {concurrency}, {pacing}, {seconds} s, {distinct} cards sampled from the whole population"
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes one line per measured request: `unix_ms latency_us ok`, in the order they were due.
fn write_latency_log(path: &std::path::Path, phase: &Phase) -> anyhow::Result<()> {
    use std::io::Write;
    let mut samples = phase.samples.clone();
    samples.sort_unstable();
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    for (at, latency, ok) in samples {
        writeln!(out, "{at} {latency} {}", u8::from(ok))?;
    }
    out.flush()?;
    Ok(())
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

/// `GET /healthz` as fast as answers come: what every request costs on the same listener.
async fn healthz_phase(
    client: &reqwest::Client,
    api: &str,
    concurrency: usize,
    seconds: u64,
) -> Phase {
    run_phase(
        "GET /healthz",
        client,
        api,
        None,
        concurrency,
        seconds,
        None,
    )
    .await
}

async fn run_phase(
    name: &'static str,
    client: &reqwest::Client,
    api: &str,
    bodies: Option<Arc<Vec<String>>>,
    concurrency: usize,
    seconds: u64,
    rate: Option<f64>,
) -> Phase {
    let url = Arc::new(match bodies {
        Some(_) => format!("{api}/v1/eligibility"),
        None => format!("{api}/healthz"),
    });
    let client = client.clone();
    run_ops(name, concurrency, seconds, rate, move |i| {
        let client = client.clone();
        let bodies = bodies.clone();
        let url = url.clone();
        async move {
            let request = match &bodies {
                Some(b) => client
                    .post(url.as_str())
                    .header("content-type", "application/json")
                    .body(b[i % b.len()].clone()),
                None => client.get(url.as_str()),
            };
            match request.send().await {
                Ok(response) => response.status().is_success() && response.bytes().await.is_ok(),
                Err(_) => false,
            }
        }
    })
    .await
}

/// One unlocked card, ready to sign challenges.
struct BenchCard {
    certificate_pem: String,
    key: shikaku_pki::jpki::CardKey,
}

async fn bench_cards(
    api: &str,
    cert: &std::path::Path,
    key: &std::path::Path,
    ca: &std::path::Path,
    card_files: &[PathBuf],
    concurrency: usize,
    seconds: u64,
) -> anyhow::Result<ExitCode> {
    use shikaku_pki::jpki::{CardAuth, VirtualCard, challenge_message};
    let client = shikaku_terminal::client::mtls_client(ca, cert, key, concurrency)?;
    let mut cards = Vec::with_capacity(card_files.len());
    for path in card_files {
        let mut card = VirtualCard::load(path)?;
        let key = card
            .authenticate(&CardAuth::FaceMatched)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        cards.push(BenchCard {
            certificate_pem: card.certificate_pem.clone(),
            key,
        });
    }
    let cards = Arc::new(cards);
    let api = api.trim_end_matches('/').to_string();

    // Raw P-256 verifies of the same key type, one core, in this process.
    let raw = {
        let message = challenge_message(&[7u8; 32], "face");
        let signature = cards[0].key.sign(&message);
        let der = VirtualCard::load(&card_files[0])?
            .certificate_der()
            .ok_or_else(|| anyhow::anyhow!("no certificate"))?;
        let (_, parsed) = x509_parser::parse_x509_certificate(&der)?;
        let public = parsed.public_key().subject_public_key.data.to_vec();
        let key = ring::signature::UnparsedPublicKey::new(
            &ring::signature::ECDSA_P256_SHA256_ASN1,
            public,
        );
        let start = Instant::now();
        let mut n = 0u64;
        while start.elapsed() < Duration::from_secs(3) {
            for _ in 0..100 {
                if key.verify(&message, &signature).is_ok() {
                    n += 1;
                }
            }
        }
        n as f64 / start.elapsed().as_secs_f64()
    };

    let health = healthz_phase(&client, &api, concurrency, seconds).await;
    let verify = run_ops(
        "challenge + POST /v1/card/verify",
        concurrency,
        seconds,
        None,
        move |i| {
            let client = client.clone();
            let cards = cards.clone();
            let api = api.clone();
            async move {
                let card = &cards[i % cards.len()];
                let Ok(r) = client
                    .post(format!("{api}/v1/card/challenge"))
                    .json(&serde_json::json!({}))
                    .send()
                    .await
                else {
                    return false;
                };
                let Ok(challenge) = r.json::<serde_json::Value>().await else {
                    return false;
                };
                let nonce_hex = challenge["nonce"].as_str().unwrap_or_default().to_string();
                let nonce = hex::decode(&nonce_hex).unwrap_or_default();
                let signature = card.key.sign(&challenge_message(&nonce, "face"));
                let body = serde_json::json!({
                    "nonce": nonce_hex, "certificate": card.certificate_pem,
                    "signature": hex::encode(signature), "method": "face",
                });
                match client
                    .post(format!("{api}/v1/card/verify"))
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(r) => match r.json::<serde_json::Value>().await {
                        Ok(v) => v["status"] == "valid",
                        Err(_) => false,
                    },
                    Err(_) => false,
                }
            }
        },
    )
    .await;
    println!("| what | operations | errors | per s | p50 ms | p99 ms |");
    println!("|---|---:|---:|---:|---:|---:|");
    for p in [&health, &verify] {
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
    println!("| raw ECDSA P-256 verify (1 core, in process) | | | {raw:.0} | | |");
    println!();
    println!(
        "card verifications per raw verify: {:.2}; {} cards, concurrency {concurrency}, {seconds} s per phase",
        verify.rate() / raw,
        card_files.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs `op(i)` from `concurrency` workers for `seconds` after a 2-second warm-up; an
/// operation that returns false counts as an error. With a `rate`, operations are due at
/// that steady rate over all workers, and each latency counts from when it was due.
async fn run_ops<F, Fut>(
    name: &'static str,
    concurrency: usize,
    seconds: u64,
    rate: Option<f64>,
    op: F,
) -> Phase
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let begin = Instant::now();
    let wall_begin = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let start_at = begin + Duration::from_secs(2);
    let stop_at = start_at + Duration::from_secs(seconds);
    // Each worker's requests are due `interval` apart, the workers evenly staggered.
    let interval = rate.map(|r| Duration::from_secs_f64(concurrency as f64 / r));
    let mut tasks = Vec::with_capacity(concurrency);
    for worker in 0..concurrency {
        let op = op.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut samples = Vec::new();
            let (mut requests, mut errors) = (0u64, 0u64);
            let mut i = worker;
            let first = interval.map(|iv| begin + iv.mul_f64(worker as f64 / concurrency as f64));
            let mut k = 0u32;
            loop {
                let due = match (first, interval) {
                    (Some(first), Some(iv)) => {
                        let due = first + iv * k;
                        k += 1;
                        if due >= stop_at {
                            break;
                        }
                        tokio::time::sleep_until(due.into()).await;
                        due
                    }
                    _ => Instant::now(),
                };
                if due >= stop_at {
                    break;
                }
                i += concurrency;
                let ok = op(i).await;
                if due >= start_at {
                    requests += 1;
                    if !ok {
                        errors += 1;
                    }
                    let latency = due.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
                    latencies.push(latency);
                    let at = (wall_begin + (due - begin)).as_millis();
                    samples.push((u64::try_from(at).unwrap_or(u64::MAX), latency, ok));
                }
            }
            (requests, errors, latencies, samples)
        }));
    }
    let mut phase = Phase {
        name,
        requests: 0,
        errors: 0,
        seconds: seconds as f64,
        latencies_us: Vec::new(),
        samples: Vec::new(),
    };
    for task in tasks {
        if let Ok((requests, errors, latencies, samples)) = task.await {
            phase.requests += requests;
            phase.errors += errors;
            phase.latencies_us.extend(latencies);
            phase.samples.extend(samples);
        }
    }
    phase.latencies_us.sort_unstable();
    phase
}
