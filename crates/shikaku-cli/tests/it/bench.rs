//! `shikaku bench lookups` as the delta benchmark uses it (issue 23): lookups due at a steady
//! rate, the healthz phase skipped, and every measured lookup written to a latency log.

use std::process::Command;

use time::OffsetDateTime;

use crate::api::Server;
use crate::support::Env;

fn bench(args: Vec<String>) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_shikaku"))
        .args(args)
        .env("SHIKAKU_LOG", "warn")
        .output()
        .expect("run shikaku bench")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_lookups_paces_requests_and_logs_each_latency() {
    let server = Server::start(Env::sqlite()).await;
    let (crt, key, _) = server
        .terminal(
            "負荷試験",
            OffsetDateTime::now_utc() - time::Duration::hours(1),
            30,
        )
        .await;
    let log = server.env.dir.path().join("latency.log");
    let args = |rate: &str| -> Vec<String> {
        [
            "bench",
            "lookups",
            "--api",
            &server.url(""),
            "--cert",
            &crt.display().to_string(),
            "--key",
            &key.display().to_string(),
            "--ca",
            &server.ca.cert_path().display().to_string(),
            "--population",
            &server.env.dir.path().join("q.csv").display().to_string(),
            "--concurrency",
            "4",
            "--seconds",
            "1",
            "--rate",
            rate,
            "--no-healthz",
            "--latency-log",
            &log.display().to_string(),
        ]
        .map(String::from)
        .to_vec()
    };

    let refused = tokio::task::spawn_blocking({
        let args = args("0");
        move || bench(args)
    })
    .await
    .expect("bench");
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("--rate must be a positive number"),
        "{stderr}"
    );

    let out = tokio::task::spawn_blocking({
        let args = args("40");
        move || bench(args)
    })
    .await
    .expect("bench");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!stdout.contains("healthz"), "{stdout}");
    let row: Vec<&str> = stdout
        .lines()
        .find(|l| l.contains("POST /v1/eligibility"))
        .unwrap_or_else(|| panic!("no lookup row: {stdout}"))
        .split('|')
        .map(str::trim)
        .collect();
    let (requests, errors): (usize, usize) = (
        row[2].parse().expect("requests"),
        row[3].parse().expect("errors"),
    );
    // Due every 25 ms over the measured second: 40, not as many as the server can answer.
    assert!((38..=42).contains(&requests), "{stdout}");
    assert_eq!(errors, 0, "{stdout}");
    assert!(stdout.contains("lookups due at 40/s"), "{stdout}");

    let lines: Vec<(u64, u32, u8)> = std::fs::read_to_string(&log)
        .expect("latency log")
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            (
                f[0].parse().expect("ms"),
                f[1].parse().expect("µs"),
                f[2].parse().expect("ok"),
            )
        })
        .collect();
    assert_eq!(lines.len(), requests);
    assert!(lines.iter().all(|&(_, latency, ok)| ok == 1 && latency > 0));
    assert!(lines.windows(2).all(|w| w[0].0 <= w[1].0), "in due order");
    let span = lines[lines.len() - 1].0 - lines[0].0;
    assert!(
        (900..=1050).contains(&span),
        "due over one second: {span} ms"
    );
}
