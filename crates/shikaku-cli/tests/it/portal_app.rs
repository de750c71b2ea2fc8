//! The portal in process: the web router called without a socket, over a SQLite store in a
//! temporary folder, with a clock the test sets (the portal's use cases read no other). One
//! test per portal action; dates are the test's own, never today's.

use std::sync::Arc;

use reqwest::StatusCode;
use shikaku_app::clock::ManualClock;
use shikaku_app::portal::Actor;
use shikaku_domain::portal::SubsidyStatus;
use time::OffsetDateTime;
use time::macros::datetime;

use crate::portal::{Browser, registration};
use crate::support::{Env, FACILITY_REGISTER};

/// The web router over its own store and clock.
pub(crate) struct PortalApp {
    /// Holds the temporary folder (database, CA, keys) while the app runs.
    _env: Env,
    pub(crate) state: shikaku_api::AppState,
    pub(crate) router: axum::Router,
    pub(crate) clock: Arc<ManualClock>,
}

impl PortalApp {
    /// The portal at `now`, with the facility register of `support.rs` loaded.
    pub(crate) async fn at(now: OffsetDateTime) -> Self {
        let env = Env::sqlite();
        let store = shikaku_store::open(&env.db).await.expect("open store");
        let register = env.write("facility-register.csv", FACILITY_REGISTER);
        shikaku_app::identity::load_facility_register(store.as_ref(), &register, false)
            .await
            .expect("facility register");
        let clock = Arc::new(ManualClock::new(now));
        let shared = shikaku_cli::serve::app_state(
            store,
            &env.data_dir(),
            None,
            false,
            &shikaku_cli::serve::MailArgs::default(),
        )
        .await
        .expect("state");
        let shared = shikaku_api::Shared {
            portal: shared.portal.with_clock(clock.clone()),
            ..shared
        };
        let state = shikaku_api::AppState::from(shared);
        let router = shikaku_api::web_router(state.clone());
        Self {
            _env: env,
            state,
            router,
            clock,
        }
    }

    pub(crate) fn browser(&self) -> Browser {
        Browser::in_process(self.router.clone())
    }

    pub(crate) fn operator_actor() -> Actor {
        Actor::Operator {
            login: "test-operator".into(),
        }
    }

    /// A facility of the register, registered and activated with its letter, signed in.
    pub(crate) async fn facility(&self, code: &str, category: &str) -> Browser {
        let mut b = self.browser();
        let page = b
            .post_raw("/portal/register", &registration(code, category))
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let printed = self
            .state
            .portal
            .print_letters(&Self::operator_actor(), Some(code))
            .await
            .expect("print");
        let text = String::from_utf8(shikaku_app::identity::letters_csv(&printed)).expect("csv");
        let mut csv = csv::Reader::from_reader(text.as_bytes());
        let row = csv.records().next().expect("a letter").expect("row");
        b.get("/portal/activate").await;
        let page = b
            .post("/portal/activate", &[("activation_code", &row[4])])
            .await;
        assert_eq!(page.location, "/portal/home", "{}", page.body);
        b
    }

    /// An operator account, signed in.
    pub(crate) async fn operator(&self, login: &str) -> Browser {
        let password = "unten-kanri-sakura-2021";
        self.state
            .portal
            .add_operator(login, password)
            .await
            .expect("operator");
        let mut b = self.browser();
        b.get("/portal/login").await;
        let page = b
            .post_raw("/portal/login", &[("login", login), ("password", password)])
            .await;
        assert_eq!(page.location, "/portal/operator", "{}", page.body);
        b
    }

    /// The facility's subsidy applications' states, oldest first.
    async fn subsidy_states(&self, code: &str) -> Vec<SubsidyStatus> {
        let page = self
            .state
            .portal
            .subsidy_queue(
                &Self::operator_actor(),
                &shikaku_store::portal::AppFilter {
                    facility_code: Some(code.into()),
                    status: None,
                },
                0,
                100,
            )
            .await
            .expect("queue");
        page.items.iter().rev().map(|a| a.status).collect()
    }
}

const CLINIC: &str = "1311234566";

/// A clinic with its one reader applied for, set up and through the operation test (導入完了,
/// so it may apply for the subsidy).
async fn clinic_with_reader(app: &PortalApp) -> Browser {
    let mut b = app.facility(CLINIC, "clinic").await;
    b.get("/portal/readers").await;
    let page = b
        .post("/portal/readers", &[("maker", "almex"), ("quantity", "1")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    b.get("/portal/home").await;
    for step in ["setup", "operation-test"] {
        let page = b
            .post("/portal/steps", &[("step", step), ("done", "1")])
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{step}: {}", page.body);
    }
    b
}

/// The subsidy form with one cost (① the terminal PC), completed 2021-02-26, confirmed.
fn subsidy_form(amount: &str) -> Vec<(&'static str, &str)> {
    vec![
        ("amount-terminal", amount),
        ("vendor", "しかくシステム株式会社"),
        ("receipt_number", "R-2021-0042"),
        ("completed_on", "2021-02-26"),
        ("confirm", "yes"),
    ]
}

async fn file_subsidy(b: &mut Browser, amount: &str) -> reqwest::StatusCode {
    b.get("/portal/subsidy-application").await;
    b.post("/portal/subsidy-application", &subsidy_form(amount))
        .await
        .status
}

#[tokio::test]
async fn a_filed_subsidy_is_withdrawn_before_a_decision_and_filed_anew() {
    let app = PortalApp::at(datetime!(2021-03-01 01:00 UTC)).await;
    let mut b = clinic_with_reader(&app).await;
    let page = {
        b.get("/portal/subsidy-application").await;
        b.post("/portal/subsidy-application", &subsidy_form("400000"))
            .await
    };
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let location = page.location;
    let page = b.get(&location).await;
    assert!(
        page.body.contains("id=\"notice\""),
        "feedback after filing: {}",
        page.body
    );
    assert!(page.body.contains("補助金を申請しました"), "{}", page.body);
    let detail = location.split('?').next().expect("path").to_string();
    let id = detail.rsplit('/').next().expect("id").to_string();
    let page = b.get(&detail).await;
    assert!(
        !page.body.contains("id=\"notice\""),
        "said once, after the action"
    );
    assert!(page.body.contains("id=\"withdraw\""), "{}", page.body);
    assert!(
        !page.body.contains("id=\"resubmit\""),
        "offered only when returned"
    );

    // Without the confirmation nothing changes.
    let page = b.post(&format!("{detail}/withdraw"), &[]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("確認のチェック"), "{}", page.body);
    assert_eq!(app.subsidy_states(CLINIC).await, [SubsidyStatus::Submitted]);

    let page = b
        .post(&format!("{detail}/withdraw"), &[("confirm", "yes")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = b.get(&detail).await;
    assert!(page.body.contains("取下げ"), "{}", page.body);
    assert!(!page.body.contains("id=\"withdraw\""), "withdrawn is final");
    assert!(
        !page.body.contains("id=\"upload\""),
        "no documents any more"
    );
    // A second withdrawal is refused by the state, not by the page.
    let page = b
        .post(&format!("{detail}/withdraw"), &[("confirm", "yes")])
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
    assert!(page.body.contains("「取下げ」のため"), "{}", page.body);

    // The operator cannot decide it any more.
    let mut op = app.operator("op1").await;
    let page = op.get(&format!("/portal/operator/subsidies/{id}")).await;
    assert!(!page.body.contains("name=\"decision\""), "{}", page.body);

    // The facility may file anew (later: the list is newest first).
    app.clock.advance(time::Duration::minutes(5));
    assert_eq!(file_subsidy(&mut b, "300000").await, StatusCode::SEE_OTHER);
    assert_eq!(
        app.subsidy_states(CLINIC).await,
        [SubsidyStatus::Withdrawn, SubsidyStatus::Submitted]
    );
}

/// The store refuses the second of two racing submissions (its contract suite shows it with
/// the application check passed by both); here the facility sees one filed, one refused.
#[tokio::test]
async fn two_tabs_filing_a_subsidy_at_once_store_one_application() {
    let app = PortalApp::at(datetime!(2021-03-01 01:00 UTC)).await;
    let mut first = clinic_with_reader(&app).await;
    first.get("/portal/subsidy-application").await;
    let mut second = app.browser();
    second.share_session(&first);
    let form = subsidy_form("400000");
    let (a, b) = tokio::join!(
        first.post("/portal/subsidy-application", &form),
        second.post("/portal/subsidy-application", &form)
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::SEE_OTHER, StatusCode::UNPROCESSABLE_ENTITY]
    );
    assert_eq!(app.subsidy_states(CLINIC).await, [SubsidyStatus::Submitted]);
}

#[tokio::test]
async fn the_use_applications_deadline_follows_the_portals_clock() {
    // Setup on Mon 2021-02-15: five business days before is Fri 02-05 (02-11 is a holiday).
    let form = [
        ("line_type", "ip-vpn"),
        ("service", "flets-next"),
        ("customer_id", "CAF12345678"),
        ("start_month", "2021-03"),
        ("test_month", "2021-02"),
        ("setup_date", "2021-02-15"),
        ("online_claims", "1"),
    ];
    let app = PortalApp::at(datetime!(2021-02-08 01:00 UTC)).await;
    let mut b = app.facility(CLINIC, "clinic").await;
    b.get("/portal/use-application").await;
    let page = b.post("/portal/use-application", &form).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("5営業日前"), "{}", page.body);

    // 2021-02-05 09:00 JST: in time.
    app.clock.set(datetime!(2021-02-05 00:00 UTC));
    let page = b.post("/portal/use-application", &form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let home = b.get("/portal/home").await;
    assert!(home.body.contains("2021-02-05"), "today by the clock");
}

#[tokio::test]
async fn the_reader_form_is_offered_only_while_readers_are_left() {
    let app = PortalApp::at(datetime!(2021-03-01 01:00 UTC)).await;
    let mut b = app.facility(CLINIC, "clinic").await;
    let page = b.get("/portal/readers").await;
    assert!(page.body.contains("data-remaining>1<"), "{}", page.body);
    assert!(page.body.contains("id=\"apply-reader\""));
    b.post("/portal/readers", &[("maker", "almex"), ("quantity", "1")])
        .await;
    let page = b.get("/portal/readers").await;
    assert!(page.body.contains("data-remaining>0<"), "{}", page.body);
    assert!(!page.body.contains("id=\"apply-reader\""), "{}", page.body);
    assert!(page.body.contains("id=\"readers-full\""));
    // Cancelling it gives the reader back.
    let id = crate::portal::first_id(&page.body, "reader");
    b.post(&format!("/portal/readers/{id}/cancel"), &[]).await;
    let page = b.get("/portal/readers").await;
    assert!(page.body.contains("data-remaining>1<"), "{}", page.body);
}

#[tokio::test]
async fn the_front_door_leads_to_everything_a_facility_comes_for() {
    let app = PortalApp::at(datetime!(2021-03-01 01:00 UTC)).await;
    let mut visitor = app.browser();
    let page = visitor.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    for link in [
        "href=\"/portal/login\"",
        "href=\"/portal/register\"",
        "href=\"/faq\"",
        "href=\"/chat\"",
        "href=\"/subsidy\"",
        "href=\"/inquiry\"",
        "href=\"tel:0800-8007121\"",
        "平日 9:00〜17:00",
        "<time datetime=\"2020-11-01\">",
        "href=\"/openapi.json\"",
    ] {
        assert!(page.body.contains(link), "{link}: {}", page.body);
    }
    let en = visitor.get("/?lang=en").await;
    assert!(en.body.contains("lang=\"en\""), "{}", en.body);
    assert!(en.body.contains("Log in"), "{}", en.body);
    // Every page's brand link leads here; signed in, the way in is the facility's own page.
    let mut clinic = app.facility(CLINIC, "clinic").await;
    let home = clinic.get("/portal/home").await;
    assert!(
        home.body.contains("class=\"brand\" href=\"/\""),
        "{}",
        home.body
    );
    let page = clinic.get("/").await;
    assert!(page.body.contains("href=\"/portal/home\""), "{}", page.body);
    assert!(
        !page.body.contains("アカウント登録（はじめての方）"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn cancelling_a_reader_and_filing_a_subsidy_ask_first() {
    let app = PortalApp::at(datetime!(2021-03-01 01:00 UTC)).await;
    let mut b = clinic_with_reader(&app).await;
    let readers = b.get("/portal/readers?done=reader-applied").await;
    assert!(
        readers.body.contains("カードリーダーを申し込みました"),
        "{}",
        readers.body
    );
    let id = crate::portal::first_id(&readers.body, "reader");
    // The list links to a question, not to the cancellation itself.
    assert!(
        readers
            .body
            .contains(&format!("href=\"/portal/readers/{id}/cancel\""))
    );
    let question = b.get(&format!("/portal/readers/{id}/cancel")).await;
    assert_eq!(question.status, StatusCode::OK);
    assert!(
        question.body.contains("取り消しますか"),
        "{}",
        question.body
    );
    assert!(
        question.body.contains("株式会社アルメックス"),
        "{}",
        question.body
    );
    assert_eq!(
        app.state
            .portal
            .reader(&PortalApp::operator_actor(), &id)
            .await
            .expect("reader")
            .status,
        shikaku_domain::portal::ReaderStatus::Applied,
        "asking changes nothing"
    );

    // Filing without ticking the confirmation files nothing and keeps what was typed.
    b.get("/portal/subsidy-application").await;
    let page = b
        .post("/portal/subsidy-application", &subsidy_form("400000")[..4])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("確認のチェック"), "{}", page.body);
    assert!(page.body.contains("value=\"400000\""), "{}", page.body);
    assert!(app.subsidy_states(CLINIC).await.is_empty());
}

#[tokio::test]
async fn a_japanese_page_says_whats_wrong_in_japanese_only() {
    let app = PortalApp::at(datetime!(2021-03-01 01:00 UTC)).await;
    let mut b = app.browser();
    let page = b
        .post_raw("/portal/register", &registration("1311234567", "clinic"))
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("検証番号"), "{}", page.body);
    assert!(!page.body.contains("check digit"), "{}", page.body);
    let page = b
        .post_raw(
            "/portal/register?lang=en",
            &registration("1311234567", "clinic"),
        )
        .await;
    assert!(page.body.contains("check digit"), "{}", page.body);
    assert!(!page.body.contains("検証番号"), "{}", page.body);

    let mut clinic = clinic_with_reader(&app).await;
    clinic.get("/portal/subsidy-application").await;
    let page = clinic
        .post("/portal/subsidy-application", &subsidy_form("12万"))
        .await;
    assert!(page.body.contains("半角数字"), "{}", page.body);
    assert!(!page.body.contains("must be digits"), "{}", page.body);
    let estimate = clinic
        .get("/subsidy?category=clinic&readers=1&reader_applied=2021-13-01&cost=1")
        .await;
    assert!(
        estimate.body.contains("存在しない日付です"),
        "{}",
        estimate.body
    );
    assert!(
        !estimate.body.contains("calendar date"),
        "{}",
        estimate.body
    );
}

#[tokio::test]
async fn a_too_large_upload_gets_the_page_with_its_form() {
    let app = PortalApp::at(datetime!(2021-03-01 01:00 UTC)).await;
    let mut b = clinic_with_reader(&app).await;
    assert_eq!(file_subsidy(&mut b, "400000").await, StatusCode::SEE_OTHER);
    let list = b.get("/portal/subsidy-application").await;
    let id = crate::portal::first_id(&list.body, "subsidy");
    let detail = format!("/portal/subsidy-application/{id}");
    b.get(&detail).await;
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(12 * 1024 * 1024, b'x');
    let page = b
        .multipart(
            &format!("{detail}/documents"),
            &[("kind", "receipt")],
            Some(("receipt.pdf", big)),
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(page.body.starts_with("<!doctype html>"), "{}", page.body);
    assert!(page.body.contains("ファイルが大きすぎる"), "{}", page.body);
    assert!(page.body.contains("id=\"upload\""), "the form again");
    // The inquiry form answers the same way, with the typed text kept out of a 413.
    let mut visitor = app.browser();
    visitor.get("/inquiry").await;
    let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
    big.resize(12 * 1024 * 1024, 0);
    let page = visitor
        .multipart(
            "/inquiry",
            &[
                ("category", "subsidy"),
                ("subject", "件名"),
                ("body", "本文"),
                ("email", "it@clinic.example.jp"),
            ],
            Some(("screen.png", big)),
        )
        .await;
    assert!(page.body.starts_with("<!doctype html>"), "{}", page.body);
    assert!(
        page.body.contains("id=\"inquiry\""),
        "the form again: {}",
        page.body
    );
}

#[tokio::test]
async fn the_subsidy_follows_the_seeds_rules() {
    let app = PortalApp::at(datetime!(2021-03-01 01:00 UTC)).await;
    // Before 導入完了 (set-up and operation test) nothing can be filed.
    let mut early = app.facility(CLINIC, "clinic").await;
    early.get("/portal/readers").await;
    early
        .post("/portal/readers", &[("maker", "almex"), ("quantity", "1")])
        .await;
    early.get("/portal/subsidy-application").await;
    let page = early
        .post("/portal/subsidy-application", &subsidy_form("400000"))
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
    assert!(page.body.contains("導入完了後"), "{}", page.body);
    assert!(
        page.body.contains("機器受取/設定、運用テスト"),
        "names what is missing: {}",
        page.body
    );
    for step in ["setup", "operation-test"] {
        early.get("/portal/home").await;
        early
            .post("/portal/steps", &[("step", step), ("done", "1")])
            .await;
    }
    let mut b = early;

    // The cost items are the seed's ①〜④; a cost that gives a 0-yen subsidy is refused.
    let form = b.get("/portal/subsidy-application").await;
    for item in ["terminal", "software-network", "system-change", "line"] {
        assert!(
            form.body.contains(&format!("name=\"amount-{item}\"")),
            "{item}"
        );
    }
    let page = b
        .post("/portal/subsidy-application", &subsidy_form("1"))
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("補助額が0円"), "{}", page.body);
    // Vendor, receipt number and a completion date not in the future are required.
    let mut missing = subsidy_form("400000");
    missing.retain(|(k, _)| *k != "vendor" && *k != "completed_on");
    missing.push(("completed_on", "2021-03-05"));
    let page = b.post("/portal/subsidy-application", &missing).await;
    assert!(page.body.contains("data-field=\"vendor\""), "{}", page.body);
    assert!(
        page.body.contains("data-field=\"completed_on\""),
        "{}",
        page.body
    );
    assert!(app.subsidy_states(CLINIC).await.is_empty());

    let page = b
        .post("/portal/subsidy-application", &subsidy_form("400000"))
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let detail = b.get(page.location.split('?').next().expect("path")).await;
    assert!(detail.body.contains("① 資格確認端末"), "{}", detail.body);

    // Cancelling the reader the subsidy counted sends the application back to be computed
    // again.
    let readers = b.get("/portal/readers").await;
    let reader = crate::portal::first_id(&readers.body, "reader");
    b.get(&format!("/portal/readers/{reader}/cancel")).await;
    let page = b
        .post(&format!("/portal/readers/{reader}/cancel"), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(app.subsidy_states(CLINIC).await, [SubsidyStatus::Returned]);

    // Correcting it: a mistake re-renders the form with what was typed, not the old values.
    let detail_path = page_path_of(&detail.body);
    b.get(&detail_path).await;
    let mut typo = subsidy_form("12万円");
    typo.retain(|(k, _)| *k != "confirm");
    let page = b.post(&format!("{detail_path}/resubmit"), &typo).await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(page.body.contains("value=\"12万円\""), "{}", page.body);
}

/// The detail page's own path, from its data-id.
fn page_path_of(body: &str) -> String {
    let at = body.find("data-id>").expect("data-id") + 8;
    let id = &body[at..at + body[at..].find('<').expect("end")];
    format!("/portal/subsidy-application/{id}")
}

/// A real lookup by the clinic at `at` (as the API logs it).
async fn lookup_at(app: &PortalApp, at: time::OffsetDateTime) {
    app.state
        .service
        .store()
        .append_access_log(&[shikaku_store::AccessLogEntry {
            at,
            facility_code: CLINIC.into(),
            terminal_name: "uketsuke-1".into(),
            cert_serial: "0a1b".into(),
            kind: "eligibility".into(),
            status: "valid".into(),
            person_hash: vec![7; 32],
        }])
        .await
        .expect("log");
}

#[tokio::test]
async fn in_operation_means_real_lookups_after_the_planned_start() {
    let app = PortalApp::at(datetime!(2021-01-05 01:00 UTC)).await;
    let mut clinic = app.facility(CLINIC, "clinic").await;
    clinic.get("/portal/use-application").await;
    let page = clinic
        .post(
            "/portal/use-application",
            &[
                ("line_type", "ip-vpn"),
                ("service", "flets-next"),
                ("customer_id", "CAF12345678"),
                ("start_month", "2021-03"),
                ("test_month", "2021-02"),
                ("setup_date", "2021-02-15"),
                ("online_claims", "1"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let mut op = app.operator("op1").await;
    let operating = |body: &str| {
        let at = body.find("data-operating-percent>").expect("figure") + 23;
        body[at..at + body[at..].find('<').expect("end")].to_string()
    };

    // The operation test in February, before the planned start (2021-03-01): not operating.
    app.clock.set(datetime!(2021-02-16 01:00 UTC));
    lookup_at(&app, datetime!(2021-02-16 01:00 UTC)).await;
    let page = op.get("/portal/operator").await;
    assert_eq!(operating(&page.body), "0.0%", "{}", page.body);
    assert!(page.body.contains("id=\"operating-definition\""));
    // The start passes without a lookup: still not operating.
    app.clock.set(datetime!(2021-03-03 01:00 UTC));
    let page = op.get("/portal/operator").await;
    assert_eq!(operating(&page.body), "0.0%");
    // A real lookup on or after the start: operating, counted in March.
    lookup_at(&app, datetime!(2021-03-03 02:00 UTC)).await;
    app.clock.set(datetime!(2021-03-03 03:00 UTC));
    let page = op.get("/portal/operator").await;
    assert_eq!(operating(&page.body), "100.0%", "{}", page.body);
    let csv = op.get("/portal/operator/adoption.csv").await;
    assert!(
        csv.body.contains("施設区分,診療所,1,0,1,0,1,100.0"),
        "{}",
        csv.body
    );
    // The chart is a curve over the last twelve months, not a dot.
    assert!(page.body.matches("<circle").count() >= 12, "{}", page.body);
}

#[tokio::test]
async fn the_subsidy_forms_are_pdfs_filled_in_from_the_application() {
    let app = PortalApp::at(datetime!(2021-03-01 01:00 UTC)).await;
    let mut b = clinic_with_reader(&app).await;
    assert_eq!(file_subsidy(&mut b, "420000").await, StatusCode::SEE_OTHER);
    let list = b.get("/portal/subsidy-application").await;
    let id = crate::portal::first_id(&list.body, "subsidy");
    let detail = b.get(&format!("/portal/subsidy-application/{id}")).await;
    let mut op = app.operator("op1").await;
    for (kind, title, facts) in [
        (
            "grant-application",
            "補助金交付申請書",
            ["しかく内科クリニック", "420,000 円", "交付申請額"],
        ),
        (
            "completion-report",
            "事業完了報告書",
            ["しかくシステム株式会社", "R-2021-0042", "2021-02-26"],
        ),
    ] {
        let path = format!("/portal/subsidy-application/{id}/forms/{kind}");
        assert!(detail.body.contains(&format!("href=\"{path}\"")), "{kind}");
        // The facility and the operator get the same document.
        let mine = b.get(&path).await;
        assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
        assert!(mine.bytes.starts_with(b"%PDF-"), "{kind}");
        let theirs = op.get(&path).await;
        assert_eq!(theirs.bytes, mine.bytes, "{kind}");
        if let Some(text) = crate::identity::pdftotext(&mine.bytes) {
            assert!(text.contains(title), "{kind}: {text}");
            for fact in facts {
                assert!(text.contains(fact), "{kind} lacks {fact}: {text}");
            }
        }
    }
    // Another facility's forms are not found.
    let mut other = app.facility("1341234566", "pharmacy").await;
    let page = other
        .get(&format!(
            "/portal/subsidy-application/{id}/forms/grant-application"
        ))
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn registration_names_each_wrong_field_and_refuses_a_second_account() {
    let app = PortalApp::at(datetime!(2021-01-05 01:00 UTC)).await;
    let mut b = app.browser();
    let mut bad = registration("1311234567", "clinic");
    bad[5] = ("phone", "12");
    let page = b.post_raw("/portal/register", &bad).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("data-field=\"code\""), "{}", page.body);
    assert!(page.body.contains("data-field=\"phone\""), "{}", page.body);
    let mut clinic = app.facility(CLINIC, "clinic").await;
    let home = clinic.get("/portal/home").await;
    assert!(home.body.contains("しかく内科クリニック"));
    let page = app
        .browser()
        .post_raw("/portal/register", &registration(CLINIC, "clinic"))
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("登録済み"), "{}", page.body);
    // The catalogue is public: the three makers.
    let catalogue = app.browser().get("/portal/catalogue").await;
    assert_eq!(catalogue.status, StatusCode::OK);
    for maker in ["fujitsu", "panasonic", "almex"] {
        assert!(
            catalogue.body.contains(&format!("data-maker=\"{maker}\"")),
            "{maker}"
        );
    }
}

#[tokio::test]
async fn a_clinic_may_have_one_reader_and_change_it() {
    let app = PortalApp::at(datetime!(2021-01-05 01:00 UTC)).await;
    let mut b = app.facility(CLINIC, "clinic").await;
    b.get("/portal/readers").await;
    let page = b
        .post("/portal/readers", &[("maker", "almex"), ("quantity", "2")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("1台まで"), "{}", page.body);
    let page = b
        .post("/portal/readers", &[("maker", "almex"), ("quantity", "1")])
        .await;
    assert_eq!(page.location, "/portal/readers?done=reader-applied");
    let readers = b.get("/portal/readers").await;
    let id = crate::portal::first_id(&readers.body, "reader");
    let page = b
        .post(
            "/portal/readers",
            &[("maker", "fujitsu"), ("quantity", "1")],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a second one"
    );
    let page = b
        .post(
            &format!("/portal/readers/{id}"),
            &[("maker", "panasonic"), ("quantity", "1")],
        )
        .await;
    assert_eq!(page.location, "/portal/readers?done=reader-changed");
    let readers = b.get(&page.location).await;
    assert!(readers.body.contains("申し込みを変更しました"));
    assert!(readers.body.contains("パナソニック"), "{}", readers.body);
}

#[tokio::test]
async fn the_use_application_checks_every_rule_by_the_portals_clock() {
    // 2021-01-05: start in March, setup Mon 2021-02-15 (5 business days before: Fri 02-05).
    let app = PortalApp::at(datetime!(2021-01-05 01:00 UTC)).await;
    let mut b = app.facility(CLINIC, "clinic").await;
    b.get("/portal/readers").await;
    b.post("/portal/readers", &[("maker", "almex"), ("quantity", "1")])
        .await;
    b.get("/portal/use-application").await;
    let mut form = vec![
        ("line_type", "ip-vpn"),
        ("service", "flets-next"),
        ("customer_id", ""),
        ("start_month", "2021-03"),
        ("test_month", ""),
        ("setup_date", "2021-02-15"),
        ("online_claims", "1"),
    ];
    let page = b.post("/portal/use-application", &form).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("data-field=\"customer_id\""),
        "{}",
        page.body
    );
    form[2] = ("customer_id", "CAF12345678");
    form[5] = ("setup_date", "2021-01-05");
    let page = b.post("/portal/use-application", &form).await;
    assert!(page.body.contains("5営業日前"), "{}", page.body);
    form[3] = ("start_month", "2020-01");
    let page = b.post("/portal/use-application", &form).await;
    assert!(
        page.body.contains("data-field=\"start_month\""),
        "{}",
        page.body
    );
    form[3] = ("start_month", "2021-03");
    form[5] = ("setup_date", "2021-02-15");
    let page = b.post("/portal/use-application", &form).await;
    assert_eq!(
        page.location, "/portal/home?done=use-filed",
        "{}",
        page.body
    );

    // The timeline: reader and use application done, the deadline 5 business days before
    // the setup, with the same date in 令和.
    let home = b.get(&page.location).await;
    assert!(home.body.contains("利用申請を提出しました"));
    for step in ["reader-application", "use-application"] {
        assert!(
            home.body
                .contains(&format!("data-step=\"{step}\" class=\"done\"")),
            "{step}"
        );
    }
    let row_start = home
        .body
        .find("data-step=\"use-application\"")
        .expect("row");
    let row = &home.body[row_start..row_start + home.body[row_start..].find("</tr>").expect("end")];
    assert!(row.contains("2021-02-05（令和3年2月5日(金)）"), "{row}");
}

/// A small PDF, as an upload.
fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec()
}

#[tokio::test]
async fn an_operator_reviews_a_subsidy_and_its_documents() {
    let app = PortalApp::at(datetime!(2021-03-01 01:00 UTC)).await;
    let mut b = clinic_with_reader(&app).await;
    b.get("/portal/subsidy-application").await;
    for (amount, why) in [
        ("0", "zero"),
        ("abc", "not digits"),
        ("-300000", "negative"),
    ] {
        let page = b
            .post("/portal/subsidy-application", &subsidy_form(amount))
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
    }
    assert_eq!(file_subsidy(&mut b, "420,000").await, StatusCode::SEE_OTHER);
    let list = b.get("/portal/subsidy-application").await;
    let id = crate::portal::first_id(&list.body, "subsidy");
    let detail = format!("/portal/subsidy-application/{id}");
    let docs = format!("{detail}/documents");
    b.get(&detail).await;

    // A document is what its name says, and 10 MB at most.
    let page = b
        .multipart(
            &docs,
            &[("kind", "receipt")],
            Some(("receipt.pdf", b"\x89PNG\r\n\x1a\nnot a pdf".to_vec())),
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("一致しません"), "{}", page.body);
    let page = b
        .multipart(
            &docs,
            &[("kind", "receipt")],
            Some(("receipt.pdf", vec![b'%'; 10 * 1024 * 1024 + 1])),
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = b
        .multipart(&docs, &[("kind", "receipt")], Some(("receipt.pdf", pdf())))
        .await;
    assert_eq!(page.location, format!("{detail}?done=document-uploaded"));

    // Approval needs all three documents; a return needs a reason.
    let mut op = app.operator("op1").await;
    let review = format!("/portal/operator/subsidies/{id}");
    op.get(&review).await;
    let decide = format!("{review}/decide");
    let page = op
        .post(&decide, &[("decision", "approve"), ("reason", "")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("書類が足りません"), "{}", page.body);
    let page = op
        .post(&decide, &[("decision", "return"), ("reason", "")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "no reason");
    let page = op
        .post(
            &decide,
            &[
                ("decision", "return"),
                ("reason", "内訳書を添付してください"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);

    // The facility adds the rest and submits again; the operator approves.
    app.clock.advance(time::Duration::hours(1));
    let returned = b.get(&detail).await;
    assert!(returned.body.contains("内訳書を添付してください"));
    for (kind, name, bytes) in [
        (
            "receipt-breakdown",
            "breakdown.png",
            b"\x89PNG\r\n\x1a\n....".to_vec(),
        ),
        (
            "completion-report",
            "report.jpg",
            vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0],
        ),
    ] {
        let page = b
            .multipart(&docs, &[("kind", kind)], Some((name, bytes)))
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{kind}: {}", page.body);
    }
    b.get(&detail).await;
    let mut again = subsidy_form("420000");
    again.retain(|(k, _)| *k != "confirm");
    let page = b.post(&format!("{detail}/resubmit"), &again).await;
    assert_eq!(page.location, format!("{detail}?done=subsidy-resubmitted"));
    op.get(&review).await;
    let page = op
        .post(&decide, &[("decision", "approve"), ("reason", "")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let approved = b.get(&detail).await;
    assert!(approved.body.contains("data-status=\"approved\""));
    for action in ["審査中", "差戻し", "承認", "書類の提出"] {
        assert!(approved.body.contains(action), "history shows {action}");
    }
    // The document comes back byte for byte, to the facility and to operators.
    let receipt = b.get(&format!("{docs}/receipt")).await;
    assert_eq!(receipt.status, StatusCode::OK);
    assert_eq!(receipt.bytes, pdf());
    assert_eq!(op.get(&format!("{docs}/receipt")).await.bytes, pdf());
}
