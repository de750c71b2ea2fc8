//! Secrets at rest (issue 21, finding 2): after a full run of the real binary — the demo's
//! store, keys and certificates, an import with rejected rows, the server answering the
//! receipt-computer agent (access log, its journal, result files) and an inquiry mailed to the
//! mail folder — every file under the demo folder is readable by its owner only (0600) and
//! every folder is 0700, whatever umask the caller had.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::agent::wait_until;

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `shikaku` run from a shell whose umask is the usual 022.
fn shikaku(dir: &Path) -> Command {
    let mut c = Command::new("/bin/sh");
    c.arg("-c")
        .arg("umask 022; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_shikaku"))
        .env(
            "SHIKAKU_DATABASE_URL",
            format!("sqlite:{}", dir.join("shikaku.db").display()),
        )
        .env("SHIKAKU_DATA_DIR", dir.join("data"))
        .env("SHIKAKU_LOG", "warn");
    c
}

/// Every path under `dir` with its metadata (files that vanish while the walk runs, such as
/// a temporary file renamed meanwhile, are left out).
fn walk(dir: &Path, out: &mut Vec<(PathBuf, std::fs::Metadata)>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        let Ok(meta) = path.symlink_metadata() else {
            continue;
        };
        let is_dir = meta.is_dir();
        out.push((path.clone(), meta));
        if is_dir {
            walk(&path, out);
        }
    }
}

#[tokio::test]
async fn every_file_of_a_full_run_is_owner_only() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("demo");
    let out = shikaku(&dir)
        .args(["demo", "--persons", "40", "--no-serve", "--dir"])
        .arg(&dir)
        .output()
        .expect("demo");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Rejected rows are written beside the file.
    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        format!(
            "{}\n01130012,12,999,00,X1,1,試験 太郎,シケン タロウ,1,1980-13-40,2010-04-01,,30,,,\n",
            crate::support::HEADER
        ),
    )
    .expect("bad csv");
    let out = shikaku(&dir)
        .args(["import", "qualifications", "--skip-invalid"])
        .arg(&bad)
        .output()
        .expect("import");
    let errors = String::from_utf8_lossy(&out.stderr);
    assert!(dir.join("bad.rejected.csv").exists(), "{errors}");
    // The bad birth date is named by line and column, never repeated (issue 21, Low).
    assert!(errors.contains("bad.csv:2: birth_date:"), "{errors}");
    assert!(!errors.contains("1980-13-40"), "{errors}");

    let (api, web) = (crate::support::free_port(), crate::support::free_port());
    let _server = Killed(
        shikaku(&dir)
            .args(["serve", "--api-addr", &format!("127.0.0.1:{api}")])
            .args(["--web-addr", &format!("127.0.0.1:{web}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve"),
    );
    wait_until("the server", || {
        std::net::TcpStream::connect(("127.0.0.1", web)).is_ok()
            && std::net::TcpStream::connect(("127.0.0.1", api)).is_ok()
    });

    // The receipt-computer agent answers one request: the access log, its journal, a result.
    let oqs = dir.join("oqs");
    let _agent = Killed(
        shikaku(&dir)
            .args(["agent", "--dir"])
            .arg(&oqs)
            .args(["--api", &format!("https://127.0.0.1:{api}")])
            .arg("--cert")
            .arg(dir.join("certs/uketsuke-1.crt"))
            .arg("--key")
            .arg(dir.join("certs/uketsuke-1.key"))
            .arg("--ca")
            .arg(dir.join("data/ca.crt"))
            .args(["--stable-ms", "100", "--rescan-ms", "100"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("agent"),
    );
    wait_until("the agent's folders", || oqs.join("req").is_dir());
    let request = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XmlMsg><MessageHeader><QualificationConfirmationDate>20250601</QualificationConfirmationDate><MedicalInstitutionCode>1311234566</MedicalInstitutionCode><ArbitraryFileIdentifier>F1</ArbitraryFileIdentifier></MessageHeader><MessageBody><QualificationConfirmSearchInfo><InsurerNumber>01130012</InsurerNumber><InsuredIdentificationNumber>1</InsuredIdentificationNumber><InsuredBranchNumber>00</InsuredBranchNumber><Birthdate>19800517</Birthdate><ArbitraryIdentifier>A</ArbitraryIdentifier></QualificationConfirmSearchInfo></MessageBody></XmlMsg>\n";
    std::fs::write(root.path().join("q.xml"), request).expect("request");
    std::fs::rename(
        root.path().join("q.xml"),
        oqs.join("req/OQSsiquc01req_20250601120000000.xml"),
    )
    .expect("put request");
    wait_until("the result", || {
        std::fs::read_dir(oqs.join("res"))
            .map(|d| {
                d.flatten()
                    .any(|e| e.file_name().to_string_lossy().ends_with(".xml"))
            })
            .unwrap_or(false)
    });

    // An inquiry: its acknowledgement is mailed to DATA_DIR/mail.
    let form = reqwest::multipart::Form::new()
        .text("category", "account")
        .text("subject", "ログインについて")
        .text("body", "ログインできません。")
        .text("email", "someone@example.com");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(format!("http://127.0.0.1:{web}/inquiry"))
        .multipart(form)
        .send()
        .await
        .expect("inquiry");
    assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER);
    wait_until("the mail", || {
        std::fs::read_dir(dir.join("data/mail"))
            .map(|d| d.flatten().next().is_some())
            .unwrap_or(false)
    });

    let mut paths = Vec::new();
    walk(&dir, &mut paths);
    let names: Vec<String> = paths
        .iter()
        .map(|(p, _)| p.strip_prefix(&dir).expect("inside").display().to_string())
        .collect();
    for expected in [
        "shikaku.db",
        "shikaku.db-wal",
        "shikaku.access-log.db",
        "shikaku.access-log.journal",
        "data/ca.key",
        "certs/uketsuke-1.key",
        "population.csv",
        "bad.rejected.csv",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing: {names:?}"
        );
    }
    assert!(names.iter().any(|n| n.starts_with("oqs/res/")), "{names:?}");
    assert!(
        names.iter().any(|n| n.starts_with("data/mail/")),
        "{names:?}"
    );
    eprintln!(
        "file modes: {} files and {} directories checked",
        paths.iter().filter(|(_, m)| !m.is_dir()).count(),
        paths.iter().filter(|(_, m)| m.is_dir()).count()
    );
    let mut wrong = Vec::new();
    for ((_, meta), name) in paths.iter().zip(&names) {
        if name == "bad.csv" {
            continue; // the test's own input
        }
        let mode = meta.permissions().mode() & 0o777;
        let want = if meta.is_dir() { 0o700 } else { 0o600 };
        if mode != want {
            wrong.push(format!("{name}: {mode:o}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} paths: {wrong:?}",
        wrong.len(),
        paths.len()
    );
    // The demo folder itself.
    let mode = dir.metadata().expect("dir").permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
}

/// The demo's printed operator lookup runs as printed (the binary by its real path, every
/// card field given) from a shell without the demo's environment, and finds the person.
#[test]
fn the_demos_printed_lookup_runs_as_printed() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("demo dir");
    let out = Command::new(env!("CARGO_BIN_EXE_shikaku"))
        .args(["demo", "--persons", "40", "--no-serve", "--dir"])
        .arg(&dir)
        .env_remove("SHIKAKU_DATABASE_URL")
        .env_remove("SHIKAKU_DATA_DIR")
        .output()
        .expect("demo");
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = printed
        .lines()
        .skip_while(|l| !l.starts_with("# operator lookup"))
        .nth(1)
        .expect("the operator lookup is printed");
    assert!(line.contains("--symbol"), "{line}");
    let run = Command::new("/bin/sh")
        .arg("-c")
        .arg(line)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("sh");
    let answer = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{line}\n{answer}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(answer.contains("valid"), "{line}\n{answer}");
    assert!(!answer.contains("no_match"), "{line}\n{answer}");
    for l in printed
        .lines()
        .filter(|l| l.contains(" reader verify ") || l.contains(" agent --dir "))
    {
        assert!(
            l.starts_with(env!("CARGO_BIN_EXE_shikaku")) || l.starts_with('\''),
            "names the binary by its path: {l}"
        );
    }
}
