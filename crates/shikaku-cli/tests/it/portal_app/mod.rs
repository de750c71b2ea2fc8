//! The portal in process: the web router called without a socket, over a SQLite store in a
//! temporary folder, with a clock the test sets (the portal's use cases read no other). One
//! test per portal action; dates are the test's own, never today's.

use std::sync::Arc;

use reqwest::StatusCode;
use shikaku_app::clock::ManualClock;
use shikaku_app::portal::Actor;
use shikaku_domain::portal::SubsidyStatus;
use time::OffsetDateTime;

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
            help: shared.help.with_clock(clock.clone()),
            links: shared.links.with_clock(clock.clone()),
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

pub(crate) const CLINIC: &str = "1311234566";

/// A clinic with its one reader applied for, set up and through the operation test (導入完了,
/// so it may apply for the subsidy).
pub(crate) async fn clinic_with_reader(app: &PortalApp) -> Browser {
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

/// The use application: IP-VPN on FLET'S 光ネクスト, start March 2021, set-up 2021-02-15.
pub(crate) const USE_APPLICATION: [(&str, &str); 7] = [
    ("line_type", "ip-vpn"),
    ("service", "flets-next"),
    ("customer_id", "CAF12345678"),
    ("start_month", "2021-03"),
    ("test_month", "2021-02"),
    ("setup_date", "2021-02-15"),
    ("online_claims", "1"),
];

/// Files [`USE_APPLICATION`].
pub(crate) async fn file_use_application(b: &mut Browser) {
    b.get("/portal/use-application").await;
    let page = b.post("/portal/use-application", &USE_APPLICATION).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}

/// The subsidy form with one cost (① the terminal PC), completed 2021-02-26, confirmed.
pub(crate) fn subsidy_form(amount: &str) -> Vec<(&'static str, &str)> {
    vec![
        ("amount-terminal", amount),
        ("vendor", "しかくシステム株式会社"),
        ("receipt_number", "R-2021-0042"),
        ("completed_on", "2021-02-26"),
        ("confirm", "yes"),
    ]
}

pub(crate) async fn file_subsidy(b: &mut Browser, amount: &str) -> reqwest::StatusCode {
    b.get("/portal/subsidy-application").await;
    b.post("/portal/subsidy-application", &subsidy_form(amount))
        .await
        .status
}

/// The detail page's own path, from its data-id.
pub(crate) fn page_path_of(body: &str) -> String {
    let at = body.find("data-id>").expect("data-id") + 8;
    let id = &body[at..at + body[at..].find('<').expect("end")];
    format!("/portal/subsidy-application/{id}")
}

/// A real lookup by the clinic at `at` (as the API logs it).
pub(crate) async fn lookup_at(app: &PortalApp, at: time::OffsetDateTime) {
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

/// A small PDF, as an upload.
pub(crate) fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec()
}

mod accounts;
mod help;
mod links;
mod operator;
mod readers;
mod subsidy;
mod use_application;
