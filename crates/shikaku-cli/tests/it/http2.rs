//! Refusals at the transport (issue 21, Low): HTTP/2 clients get the refusal's body (the API
//! reads a request's body before it answers, so a 403 or 413 is not cut off by a stream reset,
//! curl error 92), and handshakes without a client certificate do not flood the log.

use std::process::Command;

use time::OffsetDateTime;

use crate::api::Server;
use crate::support::{Env, free_port};

/// `curl --http2` with the terminal's certificate; (exit code, HTTP status, body).
fn curl_h2(
    server: &Server,
    crt: &std::path::Path,
    key: &std::path::Path,
    body: &str,
) -> (i32, String) {
    let out = Command::new("curl")
        .args([
            "--http2",
            "-sS",
            "-o",
            "-",
            "-w",
            "\n%{http_code} %{http_version}",
        ])
        .arg("--cacert")
        .arg(server.ca.cert_path())
        .arg("--cert")
        .arg(crt)
        .arg("--key")
        .arg(key)
        .args([
            "-H",
            "content-type: application/json",
            "--data-binary",
            "@-",
        ])
        .arg(server.url("/v1/eligibility"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            if let Some(mut stdin) = child.stdin.take() {
                stdin.write_all(body.as_bytes())?;
            }
            child.wait_with_output()
        })
        .expect("curl (Debian's curl with nghttp2)");
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_clients_read_the_413_and_403_bodies() {
    let server = Server::start(Env::sqlite()).await;
    let (crt, key, serial) = server
        .terminal(
            "受付1",
            OffsetDateTime::now_utc() - time::Duration::hours(1),
            30,
        )
        .await;
    // 64 KiB: over the 16 KiB limit of a single lookup.
    let big = format!("{{\"insurer_number\":\"{}\"}}", "1".repeat(64 * 1024));
    for _ in 0..6 {
        let (code, out) = curl_h2(&server, &crt, &key, &big);
        assert_eq!(code, 0, "curl failed: {out}");
        assert!(out.contains("payload_too_large"), "{out}");
        assert!(out.trim_end().ends_with("413 2"), "{out}");
    }
    shikaku_app::terminal_certs::revoke(&server.ca, server.store.as_ref(), &serial)
        .await
        .expect("revoke");
    let small =
        "{\"insurer_number\":\"01130012\",\"number\":\"345\",\"birth_date\":\"1980-05-17\"}"
            .repeat(100);
    for _ in 0..6 {
        let (code, out) = curl_h2(&server, &crt, &key, &small);
        assert_eq!(code, 0, "curl failed: {out}");
        assert!(out.contains("certificate_revoked"), "{out}");
        assert!(out.trim_end().ends_with("403 2"), "{out}");
    }
    server.running.shutdown();
}

/// `shikaku serve` at its default log level: TLS handshakes without a client certificate
/// (scanners, misconfigured terminals) are refused without a WARN line each.
#[test]
fn handshakes_without_a_certificate_do_not_flood_the_log() {
    let env = Env::sqlite();
    std::fs::create_dir_all(env.data_dir()).expect("data dir");
    let (api, web) = (free_port(), free_port());
    let mut child = Command::new(env!("CARGO_BIN_EXE_shikaku"))
        .args(["serve", "--api-addr", &format!("127.0.0.1:{api}")])
        .args(["--web-addr", &format!("127.0.0.1:{web}")])
        .env("SHIKAKU_DATABASE_URL", &env.db)
        .env("SHIKAKU_DATA_DIR", env.data_dir())
        .env_remove("SHIKAKU_LOG")
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("serve");
    let start = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", api)).is_err() {
        assert!(start.elapsed().as_secs() < 30, "serve did not start");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    for _ in 0..20 {
        let out = Command::new("curl")
            .args(["-sk", "-o", "/dev/null", "-w", "%{http_code}"])
            .arg(format!("https://127.0.0.1:{api}/healthz"))
            .output()
            .expect("curl");
        // Refused during the handshake: no HTTP status at all.
        assert_eq!(String::from_utf8_lossy(&out.stdout), "000");
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let _ = child.kill();
    let out = child.wait_with_output().expect("serve output");
    let log = String::from_utf8_lossy(&out.stderr);
    let warnings = log.lines().filter(|l| l.contains("WARN")).count();
    assert!(
        warnings < 2,
        "{warnings} WARN lines for 20 refused handshakes:\n{log}"
    );
}
