//! A forgotten password (issue 21): a single-use link, valid 30 minutes, mailed to the
//! registered address; the same answer for unknown logins; the link names the configured
//! site whatever `Host` the request carried.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::api::Server;
use crate::portal::{Browser, activate, registration};
use crate::support::Env;

const PASSWORD: &str = "kanja-uketsuke-tanpopo-77";

/// The text bodies of the mails written to the server's mail folder, decoded by Python's
/// own e-mail parser (not ours).
fn mails(server: &Server) -> Vec<String> {
    let dir = server.env.data_dir().join("mail");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let output = std::process::Command::new("python3")
            .args([
                "-c",
                "import email, email.policy, sys; m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default); print(m['To']); print(m.get_content())",
            ])
            .arg(entry.path())
            .output()
            .expect("python3");
        out.push(String::from_utf8_lossy(&output.stdout).into_owned());
    }
    out
}

fn wait_for_mails(server: &Server, n: usize) -> Vec<String> {
    let start = Instant::now();
    loop {
        let m = mails(server);
        if m.len() >= n || start.elapsed() > Duration::from_secs(20) {
            return m;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn link_in(mail: &str) -> String {
    mail.lines()
        .find(|l| l.contains("/portal/password/reset?token="))
        .unwrap_or_else(|| panic!("no link in {mail}"))
        .trim()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_password_is_reset_once_through_the_mailed_link() {
    let server = Server::start(Env::sqlite()).await;
    let base = format!("http://{}", server.running.web_addr);
    let mut clinic = Browser::new(&base);
    let page = clinic
        .post_raw("/portal/register", &registration("1311234566", "clinic"))
        .await;
    assert_eq!(page.location, "/portal/activate");
    activate(&server, &mut clinic, "1311234566").await;

    // Unknown and known logins get the same page; only the known one gets a mail. The
    // request carries a forged Host: the link still names the site itself.
    let mut anonymous = Browser::new(&base);
    let unknown = anonymous
        .post_raw("/portal/password/forgot", &[("login", "2711111112")])
        .await;
    let client = reqwest::Client::new();
    let known = client
        .post(format!("{base}/portal/password/forgot"))
        .header("Host", "evil.example")
        .form(&[("login", "1311234566")])
        .send()
        .await
        .expect("forgot");
    assert_eq!(known.status(), StatusCode::OK);
    let known_body = known.text().await.expect("body");
    assert_eq!(unknown.status, StatusCode::OK);
    assert!(known_body.contains("id=\"sent\""), "{known_body}");
    assert_eq!(
        unknown.body.replace("2711111112", ""),
        known_body.replace("1311234566", ""),
        "unknown logins answer the same way"
    );
    let mails = wait_for_mails(&server, 1);
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(mails[0].starts_with("it@clinic.example.jp"), "{}", mails[0]);
    assert!(mails[0].contains("30分以内"), "{}", mails[0]);
    let link = link_in(&mails[0]);
    assert!(
        link.starts_with(&format!("{base}/portal/password/reset?token=")),
        "{link}"
    );
    assert!(!link.contains("evil.example"));
    let path = link.trim_start_matches(&base).to_string();
    let token = path.split("token=").nth(1).expect("token").to_string();

    // The form; a weak password is refused and the link still works.
    let mut stranger = Browser::new(&base);
    let page = stranger.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("id=\"reset\""));
    let page = stranger
        .post_raw(
            "/portal/password/reset",
            &[
                ("token", &token),
                ("password", "1311234566aa"),
                ("password_confirm", "1311234566aa"),
            ],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    let new_password = "sakura-namiki-kaisatsu-204";
    let page = stranger
        .post_raw(
            "/portal/password/reset",
            &[
                ("token", &token),
                ("password", new_password),
                ("password_confirm", new_password),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location, "/portal/login");

    // Used up: the link no longer works; the old session has ended; the old password is gone.
    let page = stranger.get(&path).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(page.body.contains("id=\"invalid\""));
    let page = stranger
        .post_raw(
            "/portal/password/reset",
            &[
                ("token", &token),
                ("password", "another-long-phrase-9917"),
                ("password_confirm", "another-long-phrase-9917"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = clinic.get("/portal/home").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "the old session ended");
    let mut again = Browser::new(&base);
    let page = again
        .post_raw(
            "/portal/login",
            &[("login", "1311234566"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    let page = again
        .post_raw(
            "/portal/login",
            &[("login", "1311234566"), ("password", new_password)],
        )
        .await;
    assert_eq!(page.location, "/portal/home");

    // A link older than 30 minutes does not work (stored as the service stores it, with a
    // creation time 31 minutes ago).
    let old = "0".repeat(64);
    let now = time::OffsetDateTime::now_utc();
    server
        .store
        .request_password_reset(
            "1311234566",
            &hex::encode(shikaku_pki::sha256(old.as_bytes())),
            &shikaku_store::support::NewMail {
                to_addr: "it@clinic.example.jp".into(),
                subject: "old".into(),
                body: "old".into(),
            },
            now - time::Duration::minutes(31),
            now - time::Duration::minutes(1),
        )
        .await
        .expect("old token");
    let page = stranger
        .get(&format!("/portal/password/reset?token={old}"))
        .await;
    assert_eq!(page.status, StatusCode::GONE);
    server.running.shutdown();
}
