//! The portal in a real browser: `e2e/portal.mjs` (playwright-core driving Debian's Chromium,
//! axe-core on every page) against a server started here. Screenshots are kept in
//! `target/e2e-screenshots/`. Without Chromium, Node or `e2e/node_modules` the test is
//! skipped locally and fails under `CI=true` (`.ci/run` installs them).

use std::path::PathBuf;
use std::process::Command;

use crate::api::Server;
use crate::support::Env;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What the browser test needs, or why it cannot run.
fn requirements() -> Result<PathBuf, String> {
    let chromium = PathBuf::from(
        std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_string()),
    );
    if !chromium.exists() {
        return Err(format!(
            "{} not found (apt-get install chromium)",
            chromium.display()
        ));
    }
    if Command::new("node").arg("--version").output().is_err() {
        return Err("node not found".into());
    }
    let modules = workspace().join("e2e/node_modules/playwright-core");
    if !modules.exists() {
        return Err("e2e/node_modules missing (npm ci in e2e/)".into());
    }
    Ok(chromium)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_journey_in_chromium_is_accessible() {
    let chromium = match requirements() {
        Ok(c) => c,
        Err(why) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but the browser test cannot run: {why}")
        }
        Err(why) => {
            eprintln!("browser test skipped: {why}");
            return;
        }
    };
    let server = Server::start(Env::sqlite()).await;
    let password = crate::support::add_operator(&server.env, "e2e-operator");
    // Two suspect links for the operator's review pages.
    let population = server.env.dir.path().join("links.csv");
    let out = server.env.run(&[
        "gen",
        "population",
        "--persons",
        "3000",
        "--seed",
        "4",
        "--wrong-links",
        "2",
        "--out",
        population.to_str().expect("utf-8"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = server.env.import(&population, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let artifacts = workspace().join("target/e2e-screenshots");
    let base = format!("http://{}", server.running.web_addr);
    let run = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("portal.mjs")
            .current_dir(workspace().join("e2e"))
            .env("SHIKAKU_E2E_BASE", base)
            .env("SHIKAKU_E2E_OPERATOR", "e2e-operator")
            .env("SHIKAKU_E2E_OPERATOR_PASSWORD", password)
            .env("SHIKAKU_E2E_ARTIFACTS", &artifacts)
            .env("CHROMIUM", chromium)
            .output()
            .expect("run node")
    })
    .await
    .expect("join");
    println!("{}", String::from_utf8_lossy(&run.stdout));
    assert!(
        run.status.success(),
        "browser journey failed:\n{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        String::from_utf8_lossy(&run.stdout).contains("all 41 pages checked"),
        "every page was checked"
    );
    // Without an SMTP server the mails were written as files: the inquiry's acknowledgement
    // and the operator's reply.
    let mails = std::fs::read_dir(server.env.data_dir().join("mail"))
        .expect("mail folder")
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .count();
    assert_eq!(mails, 2, "acknowledgement and reply written as .eml");
}
