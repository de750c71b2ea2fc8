//! Who a facility is (issue 21, finding 1), over HTTP and the CLI: the facility register,
//! registrations refused outside it or against its 種別, pending accounts that can do
//! nothing until the code posted to the registered address is entered, the operator's letters
//! (CSV and a Japanese PDF), wrong codes, release and transfer with a reason.

use reqwest::StatusCode;

use crate::api::Server;
use crate::portal::{Browser, letter_code, registration};
use crate::support::{Env, stderr, stdout};

/// Valid facility codes (check digit) of 点数表 1 in Tokyo that are not in the register.
fn unregistered_codes(n: usize) -> Vec<String> {
    (100_000u32..1_000_000)
        .filter_map(|body| {
            (0..10)
                .map(|d| format!("131{body}{d}"))
                .find(|c| shikaku_domain::FacilityCode::parse(c).is_ok())
        })
        .filter(|c| !crate::support::FACILITY_REGISTER.contains(c.as_str()))
        .take(n)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_register_is_loaded_whole_or_not_at_all() {
    let env = Env::sqlite();
    let bad = env.write(
        "bad-register.csv",
        "code,name,kind,postal_code,address\n\
         1311234566,しかく内科クリニック,診療所,100-0001,東京都千代田区千代田1-1\n\
         1341234566,しかく薬局,病院,100-0005,東京都千代田区丸の内1-1\n\
         1311234567,誤り,診療所,100-0001,東京都\n\
         2711111111,しかく総合病院,病院,53-0001,大阪府\n\
         1311234566,二重,診療所,100-0001,東京都\n",
    );
    let out = env.run(&["import", "facilities", bad.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let errors = stderr(&out);
    for expected in [
        "bad-register.csv:3: kind:",
        "調剤",
        "bad-register.csv:4: code:",
        "bad-register.csv:5: postal_code:",
        "bad-register.csv:6: code: 1311234566 is also on line 2",
    ] {
        assert!(errors.contains(expected), "{expected}: {errors}");
    }
    let good = env.write("register.csv", crate::support::FACILITY_REGISTER);
    let out = env.run(&[
        "import",
        "facilities",
        good.to_str().expect("utf-8"),
        "--dry-run",
    ]);
    assert!(stdout(&out).contains("inserted 3"), "{}", stdout(&out));
    let out = env.run(&["import", "facilities", good.to_str().expect("utf-8")]);
    assert!(stdout(&out).contains("inserted 3"), "{}", stdout(&out));
    let out = env.run(&["import", "facilities", good.to_str().expect("utf-8")]);
    assert!(stdout(&out).contains("unchanged 3"), "{}", stdout(&out));

    // A registration waits for its letter; `shikaku portal letters` prints it (CSV, PDF).
    let store = shikaku_store::open(&env.db).await.expect("store");
    let portal = shikaku_app::portal::PortalService::new(
        store.clone(),
        std::sync::Arc::new(shikaku_pki::Ca::load_or_create(&env.data_dir()).expect("ca")),
        std::sync::Arc::new(shikaku_app::subsidy::builtin_rules().expect("rules")),
        shikaku_app::PersonKey::load_or_create(&env.data_dir()).expect("key"),
    );
    let form = registration("1341234566", "pharmacy");
    let field = |k: &str| {
        form.iter()
            .find(|(f, _)| *f == k)
            .map(|(_, v)| v.to_string())
            .unwrap_or_default()
    };
    portal
        .register(&shikaku_app::portal::Registration {
            code: field("code"),
            name: field("name"),
            category: field("category"),
            postal_code: field("postal_code"),
            address: field("address"),
            phone: field("phone"),
            contact_name: field("contact_name"),
            email: field("email"),
            password: field("password"),
        })
        .await
        .expect("register");
    drop(portal);
    drop(store);
    for format in ["csv", "pdf"] {
        let out_path = env.dir.path().join(format!("letters.{format}"));
        let out = env.run(&[
            "portal",
            "letters",
            "--format",
            format,
            "--operator",
            "tanaka",
            "--facility",
            "1341234566",
            "--out",
            out_path.to_str().expect("utf-8"),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).contains("1 letters"), "{}", stdout(&out));
        let bytes = std::fs::read(&out_path).expect("letters");
        if format == "csv" {
            let text = String::from_utf8(bytes).expect("utf-8");
            assert!(
                text.contains("1341234566,しかく薬局,100-0005,東京都千代田区丸の内1-1,"),
                "{text}"
            );
        } else {
            assert!(bytes.starts_with(b"%PDF-"));
            if let Some(text) = pdftotext(&bytes) {
                assert!(
                    text.contains("しかく薬局") && text.contains("確認コード"),
                    "{text}"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_holder_of_the_registered_address_gets_an_account() {
    let server = Server::start(Env::sqlite()).await;
    let base = format!("http://{}", server.running.web_addr);
    let op_password = crate::support::add_operator(&server.env, "op-identity");

    // Squatting: forty codes that are not in the register, from one anonymous client.
    let codes = unregistered_codes(40);
    let mut squatter = Browser::new(&base);
    let mut refused = 0;
    for code in &codes {
        let page = squatter
            .post_raw("/portal/register", &registration(code, "clinic"))
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{code}");
        assert!(page.body.contains("名簿にありません"), "{}", page.body);
        refused += 1;
    }
    assert_eq!(refused, 40);
    // A pharmacy's code (点数表 4) cannot become a hospital.
    let page = squatter
        .post_raw("/portal/register", &registration("1341234566", "hospital"))
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("data-field=\"category\""),
        "{}",
        page.body
    );

    // A registration in the register: pending, it can read nothing and apply for nothing.
    let mut clinic = Browser::new(&base);
    let page = clinic
        .post_raw("/portal/register", &registration("1311234566", "clinic"))
        .await;
    assert_eq!(page.location, "/portal/activate");
    for path in [
        "/portal/home",
        "/portal/readers",
        "/portal/certificates",
        "/portal/subsidy-application",
    ] {
        let page = clinic.get(path).await;
        assert_eq!(page.location, "/portal/activate", "{path}");
    }
    let page = clinic.get("/portal/activate").await;
    assert!(
        page.body.contains("data-pending=\"1311234566\""),
        "{}",
        page.body
    );
    let page = clinic
        .post(
            "/portal/readers",
            &[("maker", "panasonic"), ("quantity", "1")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = clinic
        .post(
            "/portal/certificates",
            &[("terminal_name", "uketsuke-1"), ("os", "win10-iot-2019")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // Logging in again lands on the activation page too.
    let mut again = Browser::new(&base);
    let page = again
        .post_raw(
            "/portal/login",
            &[
                ("login", "1311234566"),
                ("password", "kanja-uketsuke-tanpopo-77"),
            ],
        )
        .await;
    assert_eq!(page.location, "/portal/activate");

    // The operator's letters: the CSV for a mailing service and the PDF to post.
    let mut op = crate::portal::operator_browser(&base, "op-identity", &op_password).await;
    let page = op.get("/portal/operator/letters").await;
    assert!(
        page.body.contains("data-letter=\"1311234566\""),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("〒100-0001 東京都千代田区千代田1-1"),
        "{}",
        page.body
    );
    let pdf = reqwest::Client::new()
        .post(format!("{base}/portal/operator/letters/print"))
        .header(reqwest::header::COOKIE, op.cookie_header())
        .form(&[("_csrf", op.csrf()), ("format", "pdf".into())])
        .send()
        .await
        .expect("print");
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(
        pdf.headers()[reqwest::header::CONTENT_TYPE],
        "application/pdf"
    );
    let pdf = pdf.bytes().await.expect("pdf");
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    let text = pdftotext(&pdf);
    if let Some(text) = &text {
        for expected in [
            "しかく内科クリニック",
            "確認コード",
            "1311234566",
            "東京都千代田区千代田1-1",
        ] {
            assert!(text.contains(expected), "{expected} in {text}");
        }
    }
    // Nothing left unprinted.
    let page = op
        .post("/portal/operator/letters/print", &[("format", "csv")])
        .await;
    assert!(
        page.body.contains("印刷する文書はありません"),
        "{}",
        page.body
    );

    // Wrong codes: five, and the letter is void even for the right one; a reprint helps.
    let printed = text
        .as_deref()
        .and_then(|t| {
            t.split_whitespace()
                .find(|w| w.len() == 14 && w.matches('-').count() == 2)
        })
        .map(str::to_string);
    clinic.get("/portal/activate").await;
    for _ in 0..5 {
        let page = clinic
            .post("/portal/activate", &[("activation_code", "ACDE-FGHJ-KMNP")])
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.body.contains("data-field=\"activation_code\""),
            "{}",
            page.body
        );
    }
    if let Some(code) = printed {
        let page = clinic
            .post("/portal/activate", &[("activation_code", &code)])
            .await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "void after 5 wrong codes"
        );
    }
    let code = letter_code(&server, "1311234566").await;
    let page = clinic
        .post(
            "/portal/activate",
            &[("activation_code", &code.to_lowercase())],
        )
        .await;
    assert_eq!(page.location, "/portal/home", "{}", page.body);
    assert!(
        clinic
            .get("/portal/home")
            .await
            .body
            .contains("しかく内科クリニック")
    );
    // A code is used once.
    let mut later = Browser::new(&base);
    later.get("/portal/activate").await;
    let page = later
        .post_raw(
            "/portal/activate",
            &[
                ("code", "1311234566"),
                ("activation_code", &code),
                ("password", "hidamari-sakura-kouen-31"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Transfer: the session ends, the old password stops working, a new letter goes out
    // and its code with a new password makes the account the new holder's.
    op.get("/portal/operator/letters").await;
    let page = op
        .post(
            "/portal/operator/facility-codes",
            &[
                ("facility", "1311234566"),
                ("action", "transfer"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is required"
    );
    let page = op
        .post(
            "/portal/operator/facility-codes",
            &[
                ("facility", "1311234566"),
                ("action", "transfer"),
                ("reason", "開設者変更の届出（問い合わせ Q000123）"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(clinic.get("/portal/home").await.location, "/portal/login");
    let page = Browser::new(&base)
        .post_raw(
            "/portal/login",
            &[
                ("login", "1311234566"),
                ("password", "kanja-uketsuke-tanpopo-77"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    let code = letter_code(&server, "1311234566").await;
    let mut holder = Browser::new(&base);
    holder.get("/portal/activate").await;
    let page = holder
        .post_raw(
            "/portal/activate",
            &[
                ("code", "1311234566"),
                ("activation_code", &code),
                ("password", "shinkan-uketsuke-mado-58"),
            ],
        )
        .await;
    assert_eq!(page.location, "/portal/home", "{}", page.body);
    let page = Browser::new(&base)
        .post_raw(
            "/portal/login",
            &[
                ("login", "1311234566"),
                ("password", "shinkan-uketsuke-mado-58"),
            ],
        )
        .await;
    assert_eq!(page.location, "/portal/home");

    // Release: a pending registration of the hospital's code is removed, and the code can
    // be registered again.
    let mut hospital = Browser::new(&base);
    let page = hospital
        .post_raw("/portal/register", &registration("2711111111", "hospital"))
        .await;
    assert_eq!(page.location, "/portal/activate");
    op.get("/portal/operator/letters").await;
    let page = op
        .post(
            "/portal/operator/facility-codes",
            &[
                ("facility", "2711111111"),
                ("action", "release"),
                ("reason", "名簿の所在地から登録していないとの連絡"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(
        hospital.get("/portal/activate").await.status,
        StatusCode::OK
    );
    let page = Browser::new(&base)
        .post_raw("/portal/register", &registration("2711111111", "hospital"))
        .await;
    assert_eq!(page.location, "/portal/activate");
    // A facility with applications is not released (it is transferred instead).
    holder.get("/portal/readers").await;
    let page = holder
        .post(
            "/portal/readers",
            &[("maker", "panasonic"), ("quantity", "1")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    op.get("/portal/operator/letters").await;
    let page = op
        .post(
            "/portal/operator/facility-codes",
            &[
                ("facility", "1311234566"),
                ("action", "release"),
                ("reason", "誤登録"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);

    // The audit trail keeps each decision with its reason.
    let actions = |events: Vec<shikaku_store::portal::PortalEvent>| -> Vec<(String, String)> {
        events.into_iter().map(|e| (e.action, e.detail)).collect()
    };
    let clinic_events = actions(
        server
            .store
            .events("facility:1311234566")
            .await
            .expect("events"),
    );
    for (action, detail) in [
        ("registered", ""),
        ("letter-printed", ""),
        ("activated", "registered"),
        ("transferred", "開設者変更の届出（問い合わせ Q000123）"),
        ("activated", "transferred"),
    ] {
        assert!(
            clinic_events.contains(&(action.to_string(), detail.to_string())),
            "{action} {detail} in {clinic_events:?}"
        );
    }
    let hospital_events = actions(
        server
            .store
            .events("facility:2711111111")
            .await
            .expect("events"),
    );
    assert!(
        hospital_events.contains(&(
            "released".into(),
            "名簿の所在地から登録していないとの連絡".into()
        )),
        "{hospital_events:?}"
    );
    server.running.shutdown();
}

/// The PDF's text as poppler's pdftotext reads it (None when it is not installed; under
/// CI it must be).
pub(crate) fn pdftotext(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("letters.pdf");
    std::fs::write(&path, pdf).expect("write pdf");
    match std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
    {
        Ok(out) if out.status.success() => Some(String::from_utf8_lossy(&out.stdout).into_owned()),
        Ok(out) => panic!("pdftotext failed: {}", String::from_utf8_lossy(&out.stderr)),
        Err(_) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but pdftotext (poppler-utils) is not installed"
            );
            eprintln!("skipped: pdftotext is not installed");
            None
        }
    }
}

/// Issue 21, findings 6 and 7: weak passwords are refused; guessing slows a client down
/// without locking the owner out, and spraying many logins from one client slows it too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weak_passwords_are_refused_and_guessing_cannot_lock_the_owner_out() {
    let localhost: std::net::IpAddr = "127.0.0.1".parse().expect("ip");
    let server = Server::start_configured(
        Env::sqlite(),
        shikaku_cli::serve::MailArgs::default(),
        vec![localhost],
    )
    .await;
    let base = format!("http://{}", server.running.web_addr);
    let browser = |client: &str| {
        let mut b = Browser::new(&base);
        b.forwarded_for = Some(client.to_string());
        b
    };

    // The password policy: length, the login or name inside, and guessability.
    let mut owner = browser("203.0.113.10");
    for (password, why) in [
        ("aaaaaaaaaaaa", "repeats"),
        ("password1234", "common"),
        ("qwertyuiop12", "keyboard run"),
        ("1311234566-tokyo", "the login"),
        ("しかく内科クリニック2026", "the facility name"),
        ("short-1", "too short"),
    ] {
        let mut form = registration("1311234566", "clinic");
        form.retain(|(k, _)| *k != "password");
        form.push(("password", password));
        let page = owner.post_raw("/portal/register", &form).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        assert!(
            page.body.contains("data-field=\"password\""),
            "{why}: {}",
            page.body
        );
    }
    let page = owner
        .post_raw("/portal/register", &registration("1311234566", "clinic"))
        .await;
    assert_eq!(page.location, "/portal/activate", "a strong password");
    crate::portal::activate(&server, &mut owner, "1311234566").await;

    // Guessing from one client: three failures, then each try waits (429, Retry-After),
    // for a known and an unknown login alike.
    let mut attacker = browser("198.51.100.66");
    for login in ["1311234566", "2711111112"] {
        for _ in 0..3 {
            let page = attacker
                .post_raw(
                    "/portal/login",
                    &[("login", login), ("password", "guess-guess-guess")],
                )
                .await;
            assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{login}");
        }
        let page = attacker
            .post_raw(
                "/portal/login",
                &[("login", login), ("password", "kanja-uketsuke-tanpopo-77")],
            )
            .await;
        assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "{login}");
        assert!(
            page.body.contains("秒後にもう一度お試しください"),
            "{}",
            page.body
        );
    }
    // The owner at the clinic is not locked out.
    let page = browser("203.0.113.10")
        .post_raw(
            "/portal/login",
            &[
                ("login", "1311234566"),
                ("password", "kanja-uketsuke-tanpopo-77"),
            ],
        )
        .await;
    assert_eq!(page.location, "/portal/home");

    // The account page: contact details, and a password change that ends other sessions.
    let mut other_session = browser("203.0.113.11");
    let page = other_session
        .post_raw(
            "/portal/login",
            &[
                ("login", "1311234566"),
                ("password", "kanja-uketsuke-tanpopo-77"),
            ],
        )
        .await;
    assert_eq!(page.location, "/portal/home");
    let page = owner.get("/portal/account").await;
    assert!(
        page.body.contains("〒100-0001 東京都千代田区千代田1-1"),
        "{}",
        page.body
    );
    let page = owner
        .post(
            "/portal/account",
            &[
                ("contact_name", "受付 花子"),
                ("email", "not-a-mail"),
                ("phone", "03-1234-5678"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("data-field=\"email\""), "{}", page.body);
    let page = owner
        .post(
            "/portal/account",
            &[
                ("contact_name", "受付 花子"),
                ("email", "uketsuke@clinic.example.jp"),
                ("phone", "03-9876-5432"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = owner.get("/portal/account").await;
    assert!(
        page.body.contains("uketsuke@clinic.example.jp"),
        "{}",
        page.body
    );
    for (current, new, field) in [
        (
            "wrong-current-password",
            "ookina-sakura-no-ki-42",
            "current_password",
        ),
        ("kanja-uketsuke-tanpopo-77", "password1234", "password"),
    ] {
        let page = owner
            .post(
                "/portal/account/password",
                &[("current_password", current), ("password", new)],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(
            page.body.contains(&format!("data-field=\"{field}\"")),
            "{}",
            page.body
        );
    }
    let page = owner
        .post(
            "/portal/account/password",
            &[
                ("current_password", "kanja-uketsuke-tanpopo-77"),
                ("password", "ookina-sakura-no-ki-42"),
            ],
        )
        .await;
    assert_eq!(page.location, "/portal/account?saved=1", "{}", page.body);
    assert_eq!(
        owner.get("/portal/home").await.status,
        StatusCode::OK,
        "this session goes on"
    );
    assert_eq!(
        other_session.get("/portal/home").await.location,
        "/portal/login",
        "others end"
    );
    let page = browser("203.0.113.12")
        .post_raw(
            "/portal/login",
            &[
                ("login", "1311234566"),
                ("password", "ookina-sakura-no-ki-42"),
            ],
        )
        .await;
    assert_eq!(page.location, "/portal/home");

    // Spraying: ten failures over ten logins from one client, then it waits too.
    let mut sprayer = browser("192.0.2.99");
    let codes = unregistered_codes(11);
    for code in &codes[..10] {
        let page = sprayer
            .post_raw(
                "/portal/login",
                &[("login", code), ("password", "Spring2026!!")],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let page = sprayer
        .post_raw(
            "/portal/login",
            &[("login", &codes[10]), ("password", "Spring2026!!")],
        )
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    server.running.shutdown();
}

/// Issue 21: every page carries a content security policy and refuses framing; pages with a
/// session's data are never stored; the public FAQ may be cached.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_carry_security_headers() {
    let server = Server::start(Env::sqlite()).await;
    let base = format!("http://{}", server.running.web_addr);
    for (path, no_store) in [
        ("/portal/login", true),
        ("/portal/register", true),
        ("/portal/activate", true),
        ("/inquiry", true),
        ("/faq", false),
    ] {
        let r = reqwest::get(format!("{base}{path}")).await.expect("get");
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().expect("ascii");
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
            "{path}: {csp}"
        );
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(
            h.get("cache-control").is_some_and(|v| v == "no-store"),
            no_store,
            "{path}"
        );
        assert!(
            h.get("strict-transport-security").is_none(),
            "plain HTTP: no HSTS"
        );
    }
    server.running.shutdown();
}

/// Issue 21: the web listener over TLS (`--web-tls-cert/--web-tls-key`): Secure cookies and
/// HSTS; over plain HTTP the one-time certificate page is refused to anyone but this machine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_over_tls_and_no_certificate_over_plain_http() {
    let env = Env::sqlite();
    let ca = shikaku_pki::Ca::load_or_create(&env.data_dir()).expect("ca");
    let web = ca
        .issue_server(&["127.0.0.1".into(), "localhost".into()])
        .expect("web certificate");
    let cert = env.write("web.crt", format!("{}{}", web.cert_pem, ca.cert_pem()));
    let key = env.write("web.key", &web.key_pem);
    let server = Server::start_full(
        env,
        shikaku_cli::serve::MailArgs::default(),
        Vec::new(),
        Some((cert, key)),
    )
    .await;
    let client = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(ca.cert_pem().as_bytes()).expect("ca pem"),
        )
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let base = format!("https://127.0.0.1:{}", server.running.web_addr.port());
    let r = client
        .get(format!("{base}/portal/login"))
        .send()
        .await
        .expect("https");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000");
    let r = client
        .post(format!("{base}/portal/register"))
        .form(&registration("1311234566", "clinic"))
        .send()
        .await
        .expect("register");
    let cookie = r.headers()["set-cookie"].to_str().expect("ascii");
    assert!(cookie.contains("Secure"), "{cookie}");
    // Plain HTTP on the TLS port is not served.
    assert!(
        reqwest::get(format!(
            "http://127.0.0.1:{}/portal/login",
            server.running.web_addr.port()
        ))
        .await
        .is_err()
    );
    server.running.shutdown();

    // Over plain HTTP behind a proxy, a remote client cannot take a certificate.
    let localhost: std::net::IpAddr = "127.0.0.1".parse().expect("ip");
    let server = Server::start_configured(
        Env::sqlite(),
        shikaku_cli::serve::MailArgs::default(),
        vec![localhost],
    )
    .await;
    let base = format!("http://{}", server.running.web_addr);
    let mut clinic = Browser::new(&base);
    clinic.forwarded_for = Some("203.0.113.20".into());
    clinic
        .post_raw("/portal/register", &registration("1311234566", "clinic"))
        .await;
    crate::portal::activate(&server, &mut clinic, "1311234566").await;
    clinic.get("/portal/certificates").await;
    let page = clinic.post("/portal/certificates/C0/download", &[]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("HTTPS でのみ"), "{}", page.body);
    server.running.shutdown();
}
