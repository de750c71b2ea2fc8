//! The portal over HTTP: a clinic's whole journey (register, readers, use application,
//! certificate with its one download, timeline, subsidy with documents), operator decisions,
//! CSRF, login throttling, and the authorization matrix (every route, every role).

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

use crate::api::Server;
use crate::support::{Env, stdout};

/// How a [`Browser`]'s requests reach the portal: over a socket, or straight into the router
/// (in process, no socket; see `portal_app.rs`).
#[derive(Clone)]
enum Transport {
    Http(reqwest::Client),
    Router(axum::Router),
}

/// A browser without JavaScript: one cookie, no redirects followed.
pub(crate) struct Browser {
    transport: Transport,
    base: String,
    cookie: Option<String>,
    csrf: String,
    /// Sent as X-Forwarded-For when set.
    pub(crate) forwarded_for: Option<String>,
}

pub(crate) struct Page {
    pub(crate) status: StatusCode,
    pub(crate) location: String,
    pub(crate) body: String,
    /// The body as sent (a PDF, say).
    pub(crate) bytes: Vec<u8>,
}

/// A body as text, in the charset its content type names (UTF-8 unless it says Shift_JIS).
fn decode(content_type: Option<String>, bytes: &[u8]) -> String {
    let sjis = content_type.is_some_and(|t| t.to_ascii_lowercase().contains("charset=shift_jis"));
    if sjis {
        encoding_rs::SHIFT_JIS.decode(bytes).0.into_owned()
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

/// A request body and its content type.
type Body = Option<(String, Vec<u8>)>;

impl Browser {
    pub(crate) fn new(base: &str) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self::with_transport(Transport::Http(client), base)
    }

    /// A browser whose requests go into `router` in this process.
    pub(crate) fn in_process(router: axum::Router) -> Self {
        Self::with_transport(Transport::Router(router), "")
    }

    fn with_transport(transport: Transport, base: &str) -> Self {
        Self {
            transport,
            base: base.to_string(),
            cookie: None,
            csrf: String::new(),
            forwarded_for: None,
        }
    }

    /// Uses another browser's session cookie (not its form token).
    pub(crate) fn cookie_from(&mut self, other: &Browser) {
        self.cookie = other.cookie.clone();
    }

    /// Acts in another browser's session, as a second tab: its cookie and its form token.
    pub(crate) fn share_session(&mut self, other: &Browser) {
        self.cookie = other.cookie.clone();
        self.csrf = other.csrf.clone();
    }

    /// The session cookie (`name=value`) to send by hand.
    pub(crate) fn cookie_header(&self) -> String {
        self.cookie.clone().unwrap_or_default()
    }

    /// This session's form token, from the last page.
    pub(crate) fn csrf(&self) -> String {
        self.csrf.clone()
    }

    /// Sends one request with this browser's cookie; reads the answer as a page.
    async fn send(&mut self, method: &str, path: &str, body: Body) -> Page {
        let mut headers: Vec<(&str, String)> = Vec::new();
        if let Some(f) = &self.forwarded_for {
            headers.push(("x-forwarded-for", f.clone()));
        }
        if let Some(c) = &self.cookie {
            headers.push((COOKIE.as_str(), c.clone()));
        }
        let (content_type, bytes) = body.unwrap_or_default();
        if !content_type.is_empty() {
            headers.push(("content-type", content_type));
        }
        let (status, set_cookie, location, content_type, bytes) = match &self.transport {
            Transport::Http(client) => {
                let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
                let mut r = client.request(method, format!("{}{path}", self.base));
                for (k, v) in &headers {
                    r = r.header(*k, v);
                }
                let response = r.body(bytes).send().await.expect("request");
                let header = |name| {
                    response
                        .headers()
                        .get(name)
                        .map(|v| v.to_str().expect("header").to_string())
                };
                let (set_cookie, location) = (header(SET_COOKIE), header(LOCATION));
                let content_type = header(reqwest::header::CONTENT_TYPE);
                let status = response.status();
                let bytes = response.bytes().await.expect("body").to_vec();
                (status, set_cookie, location, content_type, bytes)
            }
            Transport::Router(router) => {
                use tower::ServiceExt;
                let mut request = axum::http::Request::builder().method(method).uri(path);
                for (k, v) in &headers {
                    request = request.header(*k, v);
                }
                let mut request = request
                    .body(axum::body::Body::from(bytes))
                    .expect("request");
                // What the listener adds for the peer address.
                request.extensions_mut().insert(axum::extract::ConnectInfo(
                    std::net::SocketAddr::from(([127, 0, 0, 1], 40000)),
                ));
                let response = router.clone().oneshot(request).await.expect("infallible");
                let header = |name| {
                    response
                        .headers()
                        .get(name)
                        .map(|v: &axum::http::HeaderValue| v.to_str().expect("header").to_string())
                };
                let (set_cookie, location) = (header(SET_COOKIE), header(LOCATION));
                let content_type = header(axum::http::header::CONTENT_TYPE);
                let status = response.status();
                let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                    .await
                    .expect("body");
                (status, set_cookie, location, content_type, body.to_vec())
            }
        };
        let body = decode(content_type, &bytes);
        if let Some(c) = set_cookie {
            let pair = c.split(';').next().expect("pair").to_string();
            if pair.ends_with('=') {
                self.cookie = None; // removed at logout
            } else {
                assert!(c.contains("HttpOnly"), "{c}");
                assert!(c.contains("SameSite=Lax"), "{c}");
                self.cookie = Some(pair);
            }
        }
        if let Some(i) = body.find("name=\"_csrf\" value=\"") {
            let rest = &body[i + 20..];
            self.csrf = rest[..rest.find('"').expect("end")].to_string();
        }
        Page {
            status,
            location: location.unwrap_or_default(),
            body,
            bytes,
        }
    }

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        self.send("GET", path, None).await
    }

    /// A form post with this session's CSRF token.
    pub(crate) async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        let csrf = self.csrf.clone();
        form.push(("_csrf", &csrf));
        self.post_raw(path, &form).await
    }

    pub(crate) async fn post_raw(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded::to_string(form).expect("form");
        let content_type = "application/x-www-form-urlencoded".to_string();
        self.send("POST", path, Some((content_type, body.into_bytes())))
            .await
    }

    /// A multipart post: this session's CSRF token first, then the fields, then a file.
    pub(crate) async fn multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, Vec<u8>)>,
    ) -> Page {
        const BOUNDARY: &str = "shikaku-test-boundary-7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        let csrf = self.csrf.clone();
        for (name, value) in std::iter::once(("_csrf", csrf.as_str())).chain(fields.iter().copied())
        {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        if let Some((file_name, bytes)) = file {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; \
                     filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(&bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
        self.send("POST", path, Some((content_type, body))).await
    }

    async fn upload(&mut self, path: &str, kind: &str, name: &str, bytes: Vec<u8>) -> Page {
        self.multipart(path, &[("kind", kind)], Some((name, bytes)))
            .await
    }
}

pub(crate) fn registration<'a>(code: &'a str, category: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("code", code),
        ("name", "しかく内科クリニック"),
        ("category", category),
        ("postal_code", "100-0001"),
        ("address", "東京都千代田区千代田1-1"),
        ("phone", "03-1234-5678"),
        ("contact_name", "資格 太郎"),
        ("email", "it@clinic.example.jp"),
        ("password", "kanja-uketsuke-tanpopo-77"),
    ]
}

/// The id in `data-{attr}="…"` of the first row.
pub(crate) fn first_id(body: &str, attr: &str) -> String {
    let key = format!("data-{attr}=\"");
    let i = body
        .find(&key)
        .unwrap_or_else(|| panic!("no {key} in {body}"));
    let rest = &body[i + key.len()..];
    rest[..rest.find('"').expect("end")].to_string()
}

/// The text between `start` and the next `"` in a page.
fn attribute_after<'a>(body: &'a str, start: &str) -> &'a str {
    let i = body
        .find(start)
        .unwrap_or_else(|| panic!("no {start} in {body}"))
        + start.len();
    &body[i..i + body[i..].find('"').expect("closing quote")]
}

fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = text
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).expect("base64 is ASCII"))
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// Opens the PKCS#12 of the one-time download page with the password it shows and writes the
/// certificate chain and key as PEM files.
fn save_downloaded_certificate(env: &Env, body: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    use base64::Engine;
    let data = attribute_after(body, "href=\"data:application/x-pkcs12;base64,");
    let password = attribute_after(body, "id=\"p12-password\" readonly value=\"");
    let p12 = base64::engine::general_purpose::STANDARD
        .decode(data)
        .expect("base64 data link");
    let store = p12_keystore::KeyStore::from_pkcs12(
        &p12,
        password,
        p12_keystore::Pkcs12ImportPolicy::Relaxed,
    )
    .expect("the PKCS#12 opens with the password shown");
    let (_, chain) = store.private_key_chain().expect("key and chain");
    let certs: String = chain
        .certs()
        .iter()
        .map(|c| pem("CERTIFICATE", c.as_der()))
        .collect();
    let crt = env.write("downloaded.crt", certs);
    let key = env.write("downloaded.key", pem("PRIVATE KEY", chain.key().as_der()));
    (crt, key)
}

/// Issue 21, finding 2: neither the password shown on the download page nor any part of the
/// PKCS#12 is in the store's files (the database, its WAL, the access log), before or after.
fn assert_no_secret_at_rest(env: &Env, body: &str) {
    use base64::Engine;
    let Some(db) = env.db.strip_prefix("sqlite:") else {
        return;
    };
    let db = std::path::Path::new(db);
    let password = attribute_after(body, "id=\"p12-password\" readonly value=\"");
    let p12 = base64::engine::general_purpose::STANDARD
        .decode(attribute_after(
            body,
            "href=\"data:application/x-pkcs12;base64,",
        ))
        .expect("base64");
    let stem = db.file_stem().expect("stem").to_string_lossy().into_owned();
    let dir = db.parent().expect("folder");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).expect("folder").flatten() {
        if !entry.file_name().to_string_lossy().starts_with(&stem) {
            continue;
        }
        let bytes = std::fs::read(entry.path()).expect("read");
        let name = entry.file_name();
        assert!(
            !bytes
                .windows(password.len())
                .any(|w| w == password.as_bytes()),
            "the password is in {name:?}"
        );
        assert!(
            !bytes.windows(48).any(|w| w == &p12[p12.len() - 48..]),
            "the PKCS#12 is in {name:?}"
        );
        checked += 1;
    }
    assert!(checked >= 2, "the store's files were read");
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".to_vec()
}

fn month_after(months: u8) -> String {
    let today = shikaku_domain::date::jst_date(time::OffsetDateTime::now_utc());
    let mut y = today.year();
    let mut m = u8::from(today.month()) + months;
    while m > 12 {
        m -= 12;
        y += 1;
    }
    format!("{y:04}-{m:02}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clinic_prepares_and_an_operator_decides() {
    let server = Server::start(Env::sqlite()).await;
    let base = format!("http://{}", server.running.web_addr);
    let op_password = crate::support::add_operator(&server.env, "op1");

    // Registration, readers, the use application: each rule has its own test in
    // portal_app.rs (in process, by the portal's clock); here the clinic goes through them
    // over a real socket to reach the certificate, the API and the subsidy.
    let mut a = Browser::new(&base);
    assert_eq!(a.get("/portal").await.location, "/portal/login");
    let page = a
        .post_raw("/portal/register", &registration("1311234566", "clinic"))
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location, "/portal/activate");
    activate(&server, &mut a, "1311234566").await;
    let home = a.get("/portal/home").await;
    assert!(home.body.contains("しかく内科クリニック"));

    a.get("/portal/readers").await;
    let page = a
        .post("/portal/readers", &[("maker", "almex"), ("quantity", "1")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);

    // Forged CSRF token.
    let page = a
        .post_raw(
            "/portal/readers",
            &[("maker", "almex"), ("quantity", "1"), ("_csrf", "forged")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);

    a.get("/portal/use-application").await;
    let start = month_after(4);
    let setup = format!("{}-10", month_after(3));
    let form = [
        ("line_type", "ip-vpn"),
        ("service", "flets-next"),
        ("customer_id", "CAF12345678"),
        ("start_month", start.as_str()),
        ("test_month", ""),
        ("setup_date", setup.as_str()),
        ("online_claims", "1"),
    ];
    let page = a.post("/portal/use-application", &form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    a.get("/portal/home").await;
    let page = a
        .post(
            "/portal/steps",
            &[("step", "vendor-estimate"), ("done", "1")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(
        a.get("/portal/home")
            .await
            .body
            .contains("data-step=\"vendor-estimate\" class=\"done\"")
    );

    // Certificate: apply, operator issues, one download, revoke.
    a.get("/portal/certificates").await;
    let page = a
        .post(
            "/portal/certificates",
            &[("terminal_name", "受付1"), ("os", "win10-iot-ltsc-2019")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = a
        .post(
            "/portal/certificates",
            &[
                ("terminal_name", "uketsuke-1"),
                ("os", "win10-iot-ltsc-2019"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let cert_id = first_id(&a.get("/portal/certificates").await.body, "cert");

    let mut op = operator_browser(&base, "op1", &op_password).await;
    op.get("/portal/operator/certificates?status=applied").await;
    let page = op
        .post(
            &format!("/portal/operator/certificates/{cert_id}/issue"),
            &[],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = op
        .post(
            &format!("/portal/operator/certificates/{cert_id}/issue"),
            &[],
        )
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT, "issued once");
    // Approval makes nothing secret: no certificate exists until the one download.
    assert!(
        !server
            .store
            .terminal_certs()
            .await
            .expect("register")
            .iter()
            .any(|c| c.terminal_name == "uketsuke-1"),
        "nothing is made before the download"
    );

    a.get("/portal/certificates").await;
    let page = a
        .post(&format!("/portal/certificates/{cert_id}/download"), &[])
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // The downloaded file opens with the password shown, and the terminal can use it.
    let (crt, key) = save_downloaded_certificate(&server.env, &page.body);
    assert_no_secret_at_rest(&server.env, &page.body);
    let terminal = server.client(&crt, &key);
    let (status, body) = crate::api::post(
        &terminal,
        &server.url("/v1/eligibility"),
        &crate::api::lookup_body("1980-05-17"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let home = a.get("/portal/home").await;
    assert!(
        home.body
            .contains("data-step=\"operation-test\" class=\"done\""),
        "a real request with the certificate passes the operation test"
    );
    a.get("/portal/certificates").await;
    let page = a
        .post(&format!("/portal/certificates/{cert_id}/download"), &[])
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT, "downloaded once");
    let certs = server.store.terminal_certs().await.expect("register");
    let issued = certs
        .iter()
        .find(|c| c.terminal_name == "uketsuke-1")
        .expect("registered");
    assert_eq!(issued.facility_code, "1311234566");
    assert!(issued.revoked_at.is_none());
    let page = a
        .post(&format!("/portal/certificates/{cert_id}/revoke"), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let revoked = server
        .store
        .terminal_cert(&issued.serial)
        .await
        .expect("get")
        .expect("some");
    assert!(
        revoked.revoked_at.is_some(),
        "revoked in the register the API checks"
    );

    // Subsidy, after 導入完了 (set-up and operation test marked done): a cost of 0 is
    // refused; the amount is computed; documents are checked.
    for step in ["setup", "operation-test"] {
        a.get("/portal/home").await;
        let page = a
            .post("/portal/steps", &[("step", step), ("done", "1")])
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{step}");
    }
    let today = shikaku_domain::date::jst_date(time::OffsetDateTime::now_utc()).to_string();
    let filing = |costs: &[(&'static str, &'static str)]| {
        let mut form: Vec<(&str, String)> =
            costs.iter().map(|(k, v)| (*k, v.to_string())).collect();
        form.extend([
            ("vendor", "しかくシステム株式会社".to_string()),
            ("receipt_number", "R-2021-0042".to_string()),
            ("completed_on", today.clone()),
            ("confirm", "yes".to_string()),
        ]);
        form
    };
    // The amounts' rules, the documents and the review have their own in-process test
    // (portal_app.rs); here: the amount is the CLI's, and one document to probe below.
    a.get("/portal/subsidy-application").await;
    let page = a
        .post(
            "/portal/subsidy-application",
            &as_refs(&filing(&[
                ("amount-system-change", "300,000"),
                ("amount-terminal", "120000"),
            ])),
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(
        page.location.ends_with("?done=subsidy-filed"),
        "{}",
        page.location
    );
    let detail_path = page.location.split('?').next().expect("path").to_string();
    let subsidy_id = detail_path.rsplit('/').next().expect("id").to_string();
    let detail = a.get(&detail_path).await;
    assert!(detail.body.contains("420,000 円"), "{}", detail.body);
    let quote = server.env.run(&[
        "subsidy",
        "quote",
        "--category",
        "clinic",
        "--readers",
        "1",
        "--reader-applied",
        &shikaku_domain::date::jst_date(time::OffsetDateTime::now_utc()).to_string(),
        "--cost",
        "420000",
        "--json",
    ]);
    let quote: serde_json::Value = serde_json::from_str(&stdout(&quote)).expect("quote json");
    let expected =
        shikaku_domain::subsidy::group_digits(quote["subsidy"].as_i64().expect("subsidy"));
    assert!(
        detail.body.contains(&format!("data-amount>{expected} 円")),
        "same engine as the CLI: {expected}"
    );

    let docs = format!("/portal/subsidy-application/{subsidy_id}/documents");
    let page = a.upload(&docs, "receipt", "receipt.pdf", pdf()).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    // The delivery month (portal_app/readers.rs) and the dashboard and its CSV
    // (portal_app/operator.rs) have their own in-process tests.

    // The authorization matrix (every route, every role) has its own test in portal_app.rs.

    // Logout ends the session.
    a.get("/portal/home").await;
    let page = a.post("/portal/logout", &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(a.get("/portal/home").await.status, StatusCode::SEE_OTHER);

    // A wrong password and an unknown login get the same answer (throttling and the
    // password policy: identity.rs).
    let mut guess = Browser::new(&base);
    let wrong = guess
        .post_raw(
            "/portal/login",
            &[("login", "2711111111"), ("password", "wrong password")],
        )
        .await;
    let unknown = guess
        .post_raw(
            "/portal/login",
            &[("login", "2711111112"), ("password", "wrong password")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", wrong.body);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED, "{}", unknown.body);
    assert_eq!(
        wrong.body.replace("2711111111", "LOGIN"),
        unknown.body.replace("2711111112", "LOGIN"),
        "unknown logins answer the same way"
    );
}

/// The code on a facility's activation letter, printed as the operator console prints it
/// (through the running server's own store: another process writing the SQLite file while
/// the server reads it is what `shikaku portal letters` is tested for in identity.rs).
pub(crate) async fn letter_code(server: &Server, facility: &str) -> String {
    let ca = shikaku_pki::Ca::load_or_create(&server.env.data_dir()).expect("ca");
    let rules = shikaku_app::subsidy::builtin_rules().expect("rules");
    let portal = shikaku_app::portal::PortalService::new(
        server.store.clone(),
        std::sync::Arc::new(ca),
        std::sync::Arc::new(rules),
        shikaku_app::PersonKey::load_or_create(&server.env.data_dir()).expect("key"),
    );
    let operator = shikaku_app::portal::Actor::Operator {
        login: "test-operator".into(),
    };
    let printed = portal
        .print_letters(&operator, Some(facility))
        .await
        .expect("print");
    let csv = shikaku_app::identity::letters_csv(&printed);
    let text = String::from_utf8(csv).expect("utf-8");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let row = reader
        .records()
        .next()
        .expect("one letter")
        .expect("csv row");
    assert_eq!(&row[0], facility, "{text}");
    row[4].to_string()
}

/// A browser signed in as the operator `login`.
pub(crate) async fn operator_browser(base: &str, login: &str, password: &str) -> Browser {
    let mut op = Browser::new(base);
    op.get("/portal/login").await;
    let page = op
        .post_raw("/portal/login", &[("login", login), ("password", password)])
        .await;
    assert_eq!(page.location, "/portal/operator", "{}", page.body);
    op
}

/// Activates a just-registered (pending) facility signed in on `browser` with its letter.
pub(crate) async fn activate(server: &Server, browser: &mut Browser, facility: &str) {
    let code = letter_code(server, facility).await;
    let page = browser.get("/portal/activate").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let page = browser
        .post("/portal/activate", &[("activation_code", &code)])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location, "/portal/home");
}

/// A form's fields as the `Browser` takes them.
fn as_refs<'a>(form: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    form.iter().map(|(k, v)| (*k, v.as_str())).collect()
}
