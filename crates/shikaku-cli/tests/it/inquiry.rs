//! The inquiry desk over HTTP with mail through a real SMTP server (aiosmtpd, Debian's
//! python3-aiosmtpd, run as its own process, storing what it receives in a Maildir that
//! Python's e-mail parser reads back): the public form and its acknowledgement, refused input
//! and header injection, a facility's thread, the operator inbox (assign, reply by mail,
//! close, reopen), attachments, who may see what, the rate limit, an unreachable SMTP server,
//! and the chatbot answering from the facility's own data.

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;

use crate::api::Server;
use crate::portal::{Browser, activate, registration};
use crate::support::{Env, add_operator};

/// aiosmtpd on a free local port, writing to a Maildir.
struct SmtpSink {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

#[derive(Debug, serde::Deserialize)]
struct Mail {
    to: String,
    from: String,
    subject: String,
    body: String,
    headers: Vec<String>,
    /// Message-ID, In-Reply-To, References.
    ids: Vec<String>,
}

const PYTHON: &str = "/usr/bin/python3";

/// Reads every message of a Maildir with Python's own e-mail parser (decoding RFC 2047
/// headers and the transfer encoding), oldest first.
const READ_MAILDIR: &str = r#"
import email, email.policy, json, os, sys
root = sys.argv[1]
paths = [os.path.join(root, d, f) for d in ("new", "cur") if os.path.isdir(os.path.join(root, d))
         for f in os.listdir(os.path.join(root, d))]
paths.sort(key=os.path.getmtime)
out = []
for p in paths:
    with open(p, "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    out.append({"to": str(m["to"]), "from": str(m["from"]), "subject": str(m["subject"]),
                "body": m.get_content(), "headers": [k.lower() for k in m.keys()],
                "ids": [str(m.get(h, "")) for h in ("message-id", "in-reply-to", "references")]})
print(json.dumps(out))
"#;

impl SmtpSink {
    /// None when aiosmtpd is not installed (a failure under CI, where it must run).
    fn start() -> Option<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        Self::start_on(port)
    }

    fn start_on(port: u16) -> Option<Self> {
        let present = Command::new(PYTHON)
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !present {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but python3-aiosmtpd is not installed"
            );
            eprintln!("skipped: python3-aiosmtpd is not installed");
            return None;
        }
        let dir = tempfile::tempdir().expect("maildir");
        let child = Command::new(PYTHON)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir.path().join("Maildir"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        let sink = SmtpSink { child, port, dir };
        for _ in 0..100 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(sink);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("aiosmtpd did not start on port {port}");
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn mails(&self) -> Vec<Mail> {
        let out = Command::new(PYTHON)
            .args(["-c", READ_MAILDIR])
            .arg(self.dir.path().join("Maildir"))
            .output()
            .expect("read maildir");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("json")
    }

    /// Waits until `n` mails have arrived (the outbox sends in the background).
    async fn wait_for(&self, n: usize) -> Vec<Mail> {
        for _ in 0..100 {
            let mails = self.mails();
            if mails.len() >= n {
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("expected {n} mails, got {:?}", self.mails());
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn mail_args(url: String) -> shikaku_cli::serve::MailArgs {
    shikaku_cli::serve::MailArgs {
        smtp_url: Some(url),
        mail_from: "問い合わせ窓口 <support@shikaku.example>".into(),
    }
}

fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(&[0u8; 64]);
    bytes
}

fn ticket(location: &str) -> String {
    location
        .rsplit(['/', '='])
        .next()
        .expect("number")
        .split('?')
        .next()
        .expect("number")
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn inquiries_are_answered_by_mail_and_followed_in_the_portal() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let server = Server::start_with_mail(Env::sqlite(), mail_args(sink.url())).await;
    let base = format!("http://{}", server.running.web_addr);
    let op_password = add_operator(&server.env, "op1");

    // The public form: every bad field is named; a line break in the subject (a mail
    // header injection) is refused; nothing is filed or mailed.
    let mut public = Browser::new(&base);
    let form = public.get("/inquiry").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("お問い合わせフォーム"));
    let page = public
        .multipart(
            "/inquiry",
            &[
                ("category", "nope"),
                ("subject", "hello\r\nBcc: victim@example.com"),
                ("body", ""),
                ("email", "someone@example.com\nBcc: victim@example.com"),
            ],
            Some(("virus.exe", b"MZ....".to_vec())),
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["category", "subject", "body", "email", "attachment"] {
        assert!(
            page.body.contains(&format!("data-field=\"{field}\"")),
            "{field}: {}",
            page.body
        );
    }
    assert!(page.body.contains("改行"), "{}", page.body);

    let page = public
        .multipart(
            "/inquiry",
            &[
                ("category", "account"),
                ("subject", "アカウント登録ができません"),
                (
                    "body",
                    "医療機関等コードを入力するとエラーになります。\n確認をお願いします。",
                ),
                ("email", "Someone@Example.com"),
            ],
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(
        page.location.starts_with("/inquiry/thanks?number=Q"),
        "{}",
        page.location
    );
    let public_number = ticket(&page.location);
    let thanks = public.get(&page.location).await;
    assert!(thanks.body.contains(&public_number));
    let mails = sink.wait_for(1).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].to, "someone@example.com");
    assert!(mails[0].from.contains("support@shikaku.example"));
    assert_eq!(
        mails[0].subject,
        format!("[{public_number}] お問い合わせを受け付けました（アカウント登録ができません）")
    );
    // The acknowledgement repeats the subject (checked for line breaks), not the message.
    assert!(mails[0].body.contains(&public_number) && mails[0].body.contains("アカウント"));
    assert!(mails[0].body.contains("件名: アカウント登録ができません"));
    assert!(!mails[0].body.contains("エラーになります"));
    assert!(!mails[0].headers.contains(&"bcc".to_string()));
    // Every mail about a ticket threads under one root.
    let root = format!("<{public_number}@shikaku.example>");
    assert!(
        mails[0].ids[0].starts_with(&format!("<{public_number}.")),
        "{:?}",
        mails[0].ids
    );
    assert_eq!((&mails[0].ids[1], &mails[0].ids[2]), (&root, &root));

    // The sender has no account: the mail's link opens the thread and takes a follow-up.
    let at = mails[0]
        .body
        .find(&format!("/inquiry/{public_number}?token="))
        .expect("link");
    let link: String = mails[0].body[at..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let mut reader = Browser::new(&base);
    let thread = reader.get(&link).await;
    assert_eq!(thread.status, StatusCode::OK, "{}", thread.body);
    assert!(
        thread
            .body
            .contains("医療機関等コードを入力するとエラーになります。")
    );
    let forged = reader
        .get(&format!(
            "/inquiry/{public_number}?token=00112233445566778899aabbccddeeff"
        ))
        .await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);
    let token = &link[link.find("token=").expect("token") + 6..];
    let page = reader
        .multipart(
            &format!("/inquiry/{public_number}"),
            &[("token", token), ("body", "10桁で入力しています。")],
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let thread = reader.get(&page.location).await;
    assert!(thread.body.contains("送信しました") && thread.body.contains("10桁で入力しています。"));
    let page = reader
        .multipart(
            &format!("/inquiry/{public_number}"),
            &[("token", "wrong"), ("body", "x")],
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);

    // A facility files from the portal, with a screenshot; its address is prefilled.
    let mut clinic = Browser::new(&base);
    let page = clinic
        .post_raw("/portal/register", &registration("1311234566", "clinic"))
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    activate(&server, &mut clinic, "1311234566").await;
    let form = clinic.get("/inquiry").await;
    assert!(
        form.body.contains("value=\"it@clinic.example.jp\""),
        "{}",
        form.body
    );
    let page = clinic
        .multipart(
            "/inquiry",
            &[
                ("category", "subsidy"),
                ("subject", "補助金の申請期限"),
                ("body", "補助金はいつまでに申請すればよいですか。"),
                ("email", "it@clinic.example.jp"),
            ],
            Some(("C:\\画面.png", png())),
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(
        page.location.starts_with("/portal/inquiries/Q"),
        "{}",
        page.location
    );
    let number = ticket(&page.location);
    let thread = clinic.get(&page.location).await;
    assert!(
        thread
            .body
            .contains("補助金はいつまでに申請すればよいですか。")
    );
    assert!(thread.body.contains("画面.png"));
    let list = clinic.get("/portal/inquiries").await;
    assert!(list.body.contains(&number) && !list.body.contains(&public_number));
    let att = clinic
        .get(&format!("/portal/inquiries/{number}/attachments/1"))
        .await;
    assert_eq!(att.status, StatusCode::OK);
    sink.wait_for(2).await;

    // Without the session's token, a facility's post is refused.
    let mut forged = Browser::new(&base);
    forged.cookie_from(&clinic);
    let page = forged
        .multipart(
            &format!("/portal/inquiries/{number}/messages"),
            &[("body", "forged")],
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);

    // Another facility sees neither the thread nor its attachment.
    let mut other = Browser::new(&base);
    other
        .post_raw("/portal/register", &registration("2711111111", "hospital"))
        .await;
    activate(&server, &mut other, "2711111111").await;
    for path in [
        format!("/portal/inquiries/{number}"),
        format!("/portal/inquiries/{number}/attachments/1"),
        format!("/portal/inquiries/{public_number}"),
    ] {
        assert_eq!(
            other.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    other.get("/portal/inquiries").await;
    let page = other
        .post(&format!("/portal/inquiries/{number}/close"), &[])
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    // Facilities cannot work the inbox.
    assert_eq!(
        other.get("/portal/operator/inquiries").await.status,
        StatusCode::FORBIDDEN
    );
    let page = other
        .post(
            &format!("/portal/operator/inquiries/{number}/reply"),
            &[("body", "x")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);

    // The operator: the inbox, assign, reply (mailed), and the mail's state.
    let mut op = Browser::new(&base);
    let page = op
        .post_raw(
            "/portal/login",
            &[("login", "op1"), ("password", op_password.as_str())],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let inbox = op.get("/portal/operator/inquiries?status=open").await;
    assert!(inbox.body.contains(&number) && inbox.body.contains(&public_number));
    let path = format!("/portal/operator/inquiries/{number}");
    op.get(&path).await;
    let page = op
        .post(&format!("{path}/assign"), &[("assignee", "nobody")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = op
        .post(&format!("{path}/assign"), &[("assignee", "op1")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let mine = op.get("/portal/operator/inquiries?assignee=me").await;
    assert!(mine.body.contains(&number) && !mine.body.contains(&public_number));
    let page = op.post(&format!("{path}/reply"), &[("body", " ")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = op
        .post(
            &format!("{path}/reply"),
            &[(
                "body",
                "令和3年3月31日までにカードリーダーを申し込んでください。\n申請は運用開始後です。",
            )],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let mails = sink.wait_for(3).await;
    let reply = &mails[2];
    assert_eq!(reply.to, "it@clinic.example.jp");
    assert_eq!(reply.subject, format!("[{number}] Re: 補助金の申請期限"));
    // The reply threads with the facility's acknowledgement.
    let root = format!("<{number}@shikaku.example>");
    assert_eq!((&reply.ids[1], &reply.ids[2]), (&root, &root));
    assert_eq!(mails[1].ids[2], root);
    assert_ne!(reply.ids[0], mails[1].ids[0]);
    assert!(
        !reply.body.contains("token="),
        "a facility follows up in the portal"
    );
    assert!(
        reply.body.contains("令和3年3月31日までに"),
        "{}",
        reply.body
    );
    let view = op.get(&path).await;
    assert!(view.body.contains("回答済"), "{}", view.body);
    assert!(view.body.contains("送信済み"), "{}", view.body);
    assert_eq!(
        op.get(&format!("/portal/inquiries/{number}/attachments/1"))
            .await
            .status,
        StatusCode::OK
    );

    // The facility reads the answer, writes again (back to the operator), and closes.
    let thread = clinic.get(&format!("/portal/inquiries/{number}")).await;
    assert!(thread.body.contains("令和3年3月31日までに"));
    assert!(thread.body.contains("回答済"));
    let page = clinic
        .multipart(
            &format!("/portal/inquiries/{number}/messages"),
            &[("body", "ありがとうございます。もう一点質問です。")],
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(
        clinic
            .get(&format!("/portal/inquiries/{number}"))
            .await
            .body
            .contains("対応中")
    );
    let page = clinic
        .post(&format!("/portal/inquiries/{number}/close"), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    // Closed: no reply until reopened; the operator reopens.
    op.get(&path).await;
    let page = op
        .post(&format!("{path}/reply"), &[("body", "追加の回答")])
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    let page = op.post(&format!("{path}/reopen"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(op.get(&path).await.body.contains("対応中"));
    let page = op.post(&format!("{path}/close"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let closed = op.get("/portal/operator/inquiries?status=closed").await;
    assert!(closed.body.contains(&number) && !closed.body.contains(&public_number));

    // The rate limit: five from one client within the hour, then 429 with Retry-After.
    let mut flood = Browser::new(&base);
    let mut statuses = Vec::new();
    for i in 0..5 {
        let subject = format!("質問{i}");
        let page = flood
            .multipart(
                "/inquiry",
                &[
                    ("category", "other"),
                    ("subject", subject.as_str()),
                    ("body", "本文"),
                    ("email", "flood@example.com"),
                ],
                None,
            )
            .await;
        statuses.push(page.status);
    }
    // The first public inquiry came from the same address: four more pass.
    assert_eq!(
        statuses,
        [
            StatusCode::SEE_OTHER,
            StatusCode::SEE_OTHER,
            StatusCode::SEE_OTHER,
            StatusCode::SEE_OTHER,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    let refused = flood
        .multipart(
            "/inquiry",
            &[
                ("category", "other"),
                ("subject", "まだ"),
                ("body", "本文"),
                ("email", "flood@example.com"),
            ],
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.body.contains("0800-8007121"), "{}", refused.body);
    // What was typed is kept in the form.
    assert!(
        refused.body.contains("入力した内容は下に残っています")
            && refused.body.contains("value=\"まだ\"")
            && refused.body.contains("flood@example.com"),
        "{}",
        refused.body
    );
    // Without a trusted proxy, a forged X-Forwarded-For does not buy another five.
    flood.forwarded_for = Some("203.0.113.99".into());
    assert_eq!(
        send(&mut flood, "other@example.com").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

async fn send(b: &mut Browser, email: &str) -> StatusCode {
    b.multipart(
        "/inquiry",
        &[
            ("category", "other"),
            ("subject", "質問"),
            ("body", "本文"),
            ("email", email),
        ],
        None,
    )
    .await
    .status
}

#[tokio::test(flavor = "multi_thread")]
async fn behind_a_trusted_proxy_the_limit_is_per_forwarded_client() {
    let server = Server::start_configured(
        Env::sqlite(),
        shikaku_cli::serve::MailArgs::default(),
        vec!["127.0.0.1".parse().expect("ip")],
    )
    .await;
    let base = format!("http://{}", server.running.web_addr);
    let mut a = Browser::new(&base);
    a.forwarded_for = Some("203.0.113.7".into());
    for i in 0..5 {
        let email = format!("a{i}@example.com");
        assert_eq!(send(&mut a, &email).await, StatusCode::SEE_OTHER, "{i}");
    }
    assert_eq!(
        send(&mut a, "a9@example.com").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another client behind the same proxy is not held back; a spoofed leftmost entry does
    // not free the first one (the nearest untrusted hop counts).
    let mut b = Browser::new(&base);
    b.forwarded_for = Some("203.0.113.8".into());
    assert_eq!(send(&mut b, "b@example.com").await, StatusCode::SEE_OTHER);
    a.forwarded_for = Some("198.51.100.1, 203.0.113.7".into());
    assert_eq!(
        send(&mut a, "a10@example.com").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_smtp_server_delays_mail_but_loses_nothing() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let server =
        Server::start_with_mail(Env::sqlite(), mail_args(format!("smtp://127.0.0.1:{port}"))).await;
    let base = format!("http://{}", server.running.web_addr);
    let mut public = Browser::new(&base);
    let page = public
        .multipart(
            "/inquiry",
            &[
                ("category", "line"),
                ("subject", "回線の申込"),
                ("body", "IP-VPN の申込方法を教えてください。"),
                ("email", "net@example.jp"),
            ],
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let id = shikaku_domain::support::parse_ticket_number(&ticket(&page.location)).expect("n");
    // The inquiry is stored; its mail waits for a retry with the reason recorded.
    let mut mails = Vec::new();
    for _ in 0..100 {
        mails = server.store.inquiry_mails(id).await.expect("mails");
        if mails.first().is_some_and(|m| m.attempts > 0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].attempts, 1);
    assert!(mails[0].sent_at.is_none());
    assert!(mails[0].next_attempt_at.is_some(), "retried later");
    assert!(mails[0].last_error.is_some());
    let messages = server.store.inquiry_messages(id).await.expect("thread");
    assert_eq!(messages[0].body, "IP-VPN の申込方法を教えてください。");

    // The operator sees why and, once the server is back, sends it at once.
    let op_password = add_operator(&server.env, "op1");
    let mut op = Browser::new(&base);
    op.post_raw(
        "/portal/login",
        &[("login", "op1"), ("password", op_password.as_str())],
    )
    .await;
    let number = shikaku_domain::support::ticket_number(id);
    let path = format!("/portal/operator/inquiries/{number}");
    let view = op.get(&path).await;
    assert!(view.body.contains("再送待ち"), "{}", view.body);
    let Some(sink) = SmtpSink::start_on(port) else {
        return;
    };
    let mail = mails[0].id.to_string();
    let page = op
        .post(&format!("{path}/resend"), &[("mail", mail.as_str())])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let got = sink.wait_for(1).await;
    assert_eq!(
        got[0].subject,
        format!("[{number}] お問い合わせを受け付けました（回線の申込）")
    );
    // Sent now: sending again is refused.
    for _ in 0..50 {
        if server.store.inquiry_mails(id).await.expect("mails")[0]
            .sent_at
            .is_some()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    op.get(&path).await;
    let page = op
        .post(&format!("{path}/resend"), &[("mail", mail.as_str())])
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
}

async fn ask(b: &mut Browser, text: &str) -> crate::portal::Page {
    b.post_raw("/chat", &[("text", text)]).await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_chatbot_answers_a_logged_in_facility_from_its_own_data() {
    let server = Server::start(Env::sqlite()).await;
    let base = format!("http://{}", server.running.web_addr);
    // Anonymous: the FAQ's general answer.
    let mut anon = Browser::new(&base);
    let page = ask(&mut anon, "補助金はいくら？").await;
    assert!(
        page.body.contains("補助金はいくらもらえますか"),
        "{}",
        page.body
    );

    let mut clinic = Browser::new(&base);
    clinic
        .post_raw("/portal/register", &registration("1311234566", "clinic"))
        .await;
    activate(&server, &mut clinic, "1311234566").await;
    let page = ask(&mut clinic, "補助金はいくら？").await;
    assert!(
        page.body.contains("まだカードリーダーを申し込んでいません"),
        "{}",
        page.body
    );
    // A question that may be a general one: the FAQ's answer too, before the clinic's own.
    let general = page.body.find("補助金はいくらもらえますか");
    let own = page.body.find("まだカードリーダーを申し込んでいません");
    assert!(general.is_some() && general < own, "{}", page.body);
    // One only about the clinic: its own data alone.
    let page = ask(&mut clinic, "うちの補助金の申請状況は？").await;
    assert!(
        page.body.contains("まだカードリーダーを申し込んでいません")
            && !page.body.contains("補助金はいくらもらえますか"),
        "{}",
        page.body
    );
    let page = ask(&mut clinic, "次にやることは？").await;
    assert!(
        page.body.contains("まだ登録されていません"),
        "{}",
        page.body
    );

    clinic.get("/portal/readers").await;
    let page = clinic
        .post("/portal/readers", &[("maker", "almex"), ("quantity", "1")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let today = shikaku_domain::date::jst_date(time::OffsetDateTime::now_utc());
    let start = (today + time::Duration::days(240)).to_string();
    let setup = (today + time::Duration::days(200)).to_string();
    clinic.get("/portal/home").await;
    let page = clinic
        .post(
            "/portal/plan",
            &[("start", start.as_str()), ("setup", setup.as_str())],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    let page = ask(&mut clinic, "ﾎｼﾞｮｷﾝはいくら").await;
    assert!(
        page.body
            .contains("しかく内科クリニックさま（カードリーダー 1 台"),
        "{}",
        page.body
    );
    assert!(page.body.contains("最大"), "{}", page.body);
    let page = ask(&mut clinic, "次にやることは？").await;
    assert!(page.body.contains("次の作業は「"), "{}", page.body);
    assert!(page.body.contains("期限は"), "{}", page.body);
    // Its deadlines, filings and certificates, each with the page that acts on them.
    let page = ask(&mut clinic, "うちの期限は？").await;
    assert!(
        page.body.contains("<li>オンライン資格確認利用申請: ")
            && page.body.contains("href=\"/portal/home\""),
        "{}",
        page.body
    );
    let page = ask(&mut clinic, "申請状況を知りたい").await;
    assert!(
        page.body
            .contains("<li>カードリーダー 株式会社アルメックス ×1: "),
        "{}",
        page.body
    );
    let page = ask(&mut clinic, "うちの電子証明書は？").await;
    assert!(
        page.body.contains("電子証明書はまだ申請されていません")
            && page.body.contains("href=\"/portal/certificates\""),
        "{}",
        page.body
    );
    // In English: the step's English name, and the home page too.
    let page = clinic
        .post_raw("/chat?lang=en", &[("text", "What should I do next?")])
        .await;
    assert!(
        page.body
            .contains("Your next step is \"Ask the system vendor for an estimate\""),
        "{}",
        page.body
    );
    let home = clinic.get("/portal/home?lang=en").await;
    assert!(
        home.body
            .contains("Apply for the face-recognition card reader")
            && !home.body.contains("顔認証付きカードリーダー申し込み"),
        "{}",
        home.body
    );
    // The same question without the session gets the general answer again.
    let page = ask(&mut anon, "次にやることは？").await;
    assert!(!page.body.contains("次の作業は「"), "{}", page.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_facility_pages_through_its_own_threads() {
    use shikaku_store::support::{Inquiry, NewMessage};
    let server = Server::start(Env::sqlite()).await;
    let base = format!("http://{}", server.running.web_addr);
    let mut clinic = Browser::new(&base);
    clinic
        .post_raw("/portal/register", &registration("1311234566", "clinic"))
        .await;
    activate(&server, &mut clinic, "1311234566").await;
    // More threads than a page holds (filed over time: straight into the store).
    let at = time::OffsetDateTime::now_utc();
    for i in 0..51 {
        let id = server.store.next_inquiry_id().await.expect("id");
        let inquiry = Inquiry {
            id,
            facility_code: Some("1311234566".into()),
            category: "other".into(),
            subject: format!("質問{i}"),
            contact_email: "it@clinic.example.jp".into(),
            status: "open".into(),
            assignee: None,
            sender_hash: vec![0; 32],
            created_at: at,
            updated_at: at + time::Duration::seconds(i),
        };
        let message = NewMessage {
            author_role: "facility".into(),
            author: Some("1311234566".into()),
            body: "本文".into(),
            attachment: None,
            at,
        };
        server
            .store
            .create_inquiry(&inquiry, &message, None, None)
            .await
            .expect("inquiry");
    }
    let first = clinic.get("/portal/inquiries").await;
    assert!(first.body.contains("data-total=\"51\""), "{}", first.body);
    assert!(
        first.body.contains("href=\"/portal/inquiries?page=2"),
        "{}",
        first.body
    );
    let second = clinic.get("/portal/inquiries?page=2").await;
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(second.body.matches("data-number=").count(), 1);
    assert!(second.body.contains("質問0<"), "the oldest is last");
    assert!(
        second.body.contains("href=\"/portal/inquiries?page=1"),
        "{}",
        second.body
    );
}
