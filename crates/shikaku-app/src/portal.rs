//! The facility portal's use cases: accounts (argon2id, login throttling), the card-reader,
//! use and certificate applications, the preparation timeline, subsidy applications with
//! documents, operator decisions with their history, and the adoption dashboard.
//!
//! Every operation takes the [`Actor`] and checks it here: a facility reaches only its own
//! records (another facility's id is "not found", never "forbidden", so ids cannot be probed),
//! operator operations need the operator role.

use std::sync::Arc;

/// The portal's records as the use cases hand them out: the domain's plain records (the
/// store decodes its rows into them; the pages never see a store type).
pub use shikaku_domain::portal::records::{
    Adoption, AppFilter, CertApplication, Facility, FacilityFilter, Page, PortalEvent,
    ReaderApplication, StageCounts, SubsidyApplication, SubsidyDocument, UseApplication,
};
use shikaku_domain::portal::{
    self as rules, Choice, DocumentKind, FieldError, Lifecycle, Maker, ReaderAction, ReaderStatus,
    TerminalOs, UseApplicationForm, YearMonth,
};
use shikaku_domain::subsidy::{FacilityCategory, Quote, QuoteRequest, RuleBook, Yen};
use shikaku_domain::timeline::{StepId, Timeline};
use shikaku_domain::{FacilityCode, date::jst_date};
use shikaku_pki::Ca;
use shikaku_store::portal::Account;
use shikaku_store::{Store, StoreError};
use time::{Date, Duration, OffsetDateTime};

mod accounts;
mod certificates;
mod chat;
mod operator;
mod readers;
mod sessions;
mod subsidy;
mod use_application;

pub use accounts::{Registration, hash_password};
pub(crate) use accounts::{check_password, contact_fields, verify_password};
pub use sessions::WebSession;

pub const MIN_PASSWORD_CHARS: usize = 12;
/// zxcvbn's score (0–4) a password needs: 3, "safely unguessable" (about 10^10 guesses).
pub const MIN_PASSWORD_SCORE: u8 = 3;

#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    /// The form has problems (each names its field).
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    #[error("not found")]
    NotFound,
    #[error("operators only")]
    Forbidden,
    /// The application is no longer in the state the action needs.
    #[error("{ja} ({en})")]
    State { ja: String, en: String },
    #[error("login or password is wrong")]
    BadLogin,
    /// Too many failed logins from this client: wait this long (never an account lock).
    #[error("too many failed logins: wait {seconds} s")]
    Throttled { seconds: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("certificate: {0}")]
    Cert(String),
    #[error("internal: {0}")]
    Internal(String),
    /// Too many requests from one sender in a while.
    #[error("too many requests: try again in {minutes} minutes")]
    RateLimited { minutes: i64 },
}

impl PortalError {
    pub fn field(field: &'static str, ja: impl Into<String>, en: impl Into<String>) -> Self {
        PortalError::Invalid(vec![FieldError::new(field, ja, en)])
    }

    pub(crate) fn state(ja: impl Into<String>, en: impl Into<String>) -> Self {
        PortalError::State {
            ja: ja.into(),
            en: en.into(),
        }
    }
}

impl PortalError {
    /// The database could not be reached (the page asks to try again shortly).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, PortalError::Store(StoreError::Unavailable(_)))
    }
}

impl From<FieldError> for PortalError {
    fn from(e: FieldError) -> Self {
        PortalError::Invalid(vec![e])
    }
}

pub type Result<T, E = PortalError> = std::result::Result<T, E>;

/// Who acts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Facility {
        login: String,
        code: FacilityCode,
    },
    /// A facility account waiting for its activation letter's code: it can read nothing and
    /// apply for nothing (every use case refuses it) until it is activated.
    Pending {
        login: String,
        code: FacilityCode,
    },
    Operator {
        login: String,
    },
}

/// Who an account acts as: an operator, an active facility, or a pending one. A row that is
/// neither (a facility account without a valid code, an unknown role) acts as nobody.
pub(crate) fn actor_of(account: Account) -> Result<Actor> {
    let code = account
        .facility_code
        .as_deref()
        .map(FacilityCode::parse)
        .transpose();
    match (account.role.as_str(), code) {
        ("facility", Ok(Some(code))) if !account.active => Ok(Actor::Pending {
            login: account.login,
            code,
        }),
        ("facility", Ok(Some(code))) => Ok(Actor::Facility {
            login: account.login,
            code,
        }),
        ("operator", Ok(None)) => Ok(Actor::Operator {
            login: account.login,
        }),
        _ => Err(PortalError::Store(StoreError::Corrupt(format!(
            "account {} is neither an operator nor a facility with a valid code",
            account.login
        )))),
    }
}

impl Actor {
    pub fn login(&self) -> &str {
        match self {
            Actor::Facility { login, .. }
            | Actor::Pending { login, .. }
            | Actor::Operator { login } => login,
        }
    }

    pub fn is_operator(&self) -> bool {
        matches!(self, Actor::Operator { .. })
    }

    /// The facility this actor may see: its own, or (operators) any.
    pub(crate) fn may_see(&self, facility_code: &FacilityCode) -> bool {
        match self {
            Actor::Facility { code, .. } => code == facility_code,
            Actor::Pending { .. } => false,
            Actor::Operator { .. } => true,
        }
    }

    pub(crate) fn operator(&self) -> Result<()> {
        if self.is_operator() {
            Ok(())
        } else {
            Err(PortalError::Forbidden)
        }
    }

    /// The facility a facility user acts for; operators act on a named facility.
    pub(crate) fn own_facility(&self) -> Result<&FacilityCode> {
        match self {
            Actor::Facility { code, .. } => Ok(code),
            Actor::Pending { .. } | Actor::Operator { .. } => Err(PortalError::Forbidden),
        }
    }
}

/// The applications of one facility.
fn of(code: &FacilityCode) -> AppFilter {
    AppFilter {
        facility_code: Some(code.to_string()),
        status: None,
    }
}

fn category(facility: &Facility) -> Result<FacilityCategory> {
    facility.category.parse().map_err(|_| {
        PortalError::Store(StoreError::Corrupt(format!(
            "facility {} has an unknown category",
            facility.code
        )))
    })
}

/// The state after `action` from `from`, or the error that says why not.
fn next_status<S: Lifecycle>(from: S, action: S::Action) -> Result<S> {
    from.apply(action).ok_or_else(|| {
        PortalError::state(
            format!(
                "この申請は「{}」のため、この操作はできません",
                from.label_ja()
            ),
            format!(
                "the application is {}: this action is not possible",
                from.label_en()
            ),
        )
    })
}

fn changed_meanwhile() -> PortalError {
    PortalError::state(
        "申請が同時に更新されました。画面を開き直してください",
        "the application was changed meanwhile; reload it",
    )
}

fn new_id(prefix: &str) -> String {
    let bytes: [u8; 10] = rand::random();
    format!("{prefix}{}", hex::encode(bytes))
}

/// A subsidy application as typed: cost lines (label, amount in yen).
#[derive(Debug, Clone, Default)]
pub struct SubsidyForm {
    /// (cost item code, amount as typed); an empty amount is no cost of that kind.
    pub lines: Vec<(String, String)>,
    /// The system vendor who did the work.
    pub vendor: String,
    /// The receipt's number (領収書番号).
    pub receipt_number: String,
    /// 導入完了日, `YYYY-MM-DD`.
    pub completed_on: String,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct CostLine {
    /// The item as shown when filed.
    pub label: String,
    pub amount: i64,
    /// The cost item's code (`CostItem`); absent on lines filed before items were typed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
}

/// A facility's portal home: everything it has filed.
#[derive(Debug, Clone)]
pub struct Overview {
    pub facility: Facility,
    pub readers: Vec<ReaderApplication>,
    pub use_application: Option<UseApplication>,
    pub certificates: Vec<CertApplication>,
    pub subsidies: Vec<SubsidyApplication>,
    pub timeline: Option<Timeline>,
}

/// Everything one facility has filed.
struct Filed {
    readers: Vec<ReaderApplication>,
    certificates: Vec<CertApplication>,
    subsidies: Vec<SubsidyApplication>,
    use_application: Option<UseApplication>,
}

impl Filed {
    fn live_readers(&self) -> impl Iterator<Item = &ReaderApplication> {
        self.readers.iter().filter(|r| r.status.is_live())
    }

    /// The steps the portal knows are done from the filings themselves.
    fn steps(&self) -> impl Iterator<Item = StepId> {
        [
            (
                StepId::ReaderApplication,
                self.live_readers().next().is_some(),
            ),
            (StepId::UseApplication, self.use_application.is_some()),
            (
                StepId::CertificateApplication,
                self.certificates.iter().any(|c| c.status.is_live()),
            ),
            (
                StepId::SubsidyApplication,
                self.subsidies.iter().any(|s| s.status.is_live()),
            ),
        ]
        .into_iter()
        .filter_map(|(step, done)| done.then_some(step))
    }
}

/// A certificate handed over once.
pub struct Download {
    pub file_name: String,
    pub p12: Vec<u8>,
    pub password: String,
}

/// How long a computed adoption summary is reused. At 200,000 facilities the query takes
/// most of a second on this machine (bench/RESULTS.md); a dashboard that is at most this old
/// (it shows when it was computed) keeps operators from queueing behind each other.
pub const ADOPTION_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(30);

/// The adoption summary and when it was computed.
type AdoptionCache = Option<(std::time::Instant, OffsetDateTime, Arc<Adoption>)>;

#[derive(Clone)]
pub struct PortalService {
    pub(crate) store: Arc<dyn Store>,
    ca: Arc<Ca>,
    rules: Arc<RuleBook>,
    /// Held while computing, so concurrent dashboards wait for one query.
    adoption: Arc<tokio::sync::Mutex<AdoptionCache>>,
    pub(crate) throttle: Arc<crate::login_throttle::LoginThrottle>,
    clock: Arc<dyn crate::clock::Clock>,
}

impl PortalService {
    /// `key` keys the hashes under which login failures are counted.
    pub fn new(
        store: Arc<dyn Store>,
        ca: Arc<Ca>,
        rules: Arc<RuleBook>,
        key: crate::PersonKey,
    ) -> Self {
        Self {
            throttle: Arc::new(crate::login_throttle::LoginThrottle::new(
                store.clone(),
                key,
            )),
            store,
            ca,
            rules,
            adoption: Arc::new(tokio::sync::Mutex::new(None)),
            clock: Arc::new(crate::clock::SystemClock),
        }
    }

    /// The same service reading the time from `clock` (a test's, which it sets and moves).
    pub fn with_clock(mut self, clock: Arc<dyn crate::clock::Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Now, by this service's clock.
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// Today in Japan, by this service's clock.
    pub fn today(&self) -> Date {
        jst_date(self.now())
    }

    pub fn rules(&self) -> &RuleBook {
        &self.rules
    }

    /// The store (the HTTP layer keeps its sessions there).
    pub fn store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    pub(crate) async fn event(
        &self,
        actor: &Actor,
        facility: &FacilityCode,
        subject: String,
        action: &str,
        detail: String,
    ) -> Result<()> {
        let event = self.new_event(actor, facility, subject, action, detail);
        self.store.append_event(&event).await?;
        Ok(())
    }

    /// A history entry, now, by `actor`.
    pub(crate) fn new_event(
        &self,
        actor: &Actor,
        facility: &FacilityCode,
        subject: String,
        action: &str,
        detail: String,
    ) -> PortalEvent {
        PortalEvent {
            at: self.now(),
            actor: actor.login().to_string(),
            facility_code: facility.clone(),
            subject,
            action: action.to_string(),
            detail,
        }
    }

    // ---- the facility's own view ------------------------------------------------------

    pub async fn facility(&self, actor: &Actor, code: &FacilityCode) -> Result<Facility> {
        if !actor.may_see(code) {
            return Err(PortalError::NotFound);
        }
        self.store
            .facility(code.as_str())
            .await?
            .ok_or(PortalError::NotFound)
    }

    /// At most this many applications of one kind are read for one facility (a facility
    /// has a handful; the cap keeps a runaway from loading everything).
    const PER_FACILITY: u64 = 500;

    async fn filed(&self, code: &FacilityCode) -> Result<Filed> {
        Ok(Filed {
            readers: self.readers_of(code).await?,
            certificates: self.certificates_of(code).await?,
            subsidies: self.subsidies_of(code).await?,
            use_application: self.store.use_application(code.as_str()).await?,
        })
    }

    async fn readers_of(&self, code: &FacilityCode) -> Result<Vec<ReaderApplication>> {
        let page = self
            .store
            .reader_applications(&of(code), 0, Self::PER_FACILITY)
            .await?;
        Ok(page.items)
    }

    async fn certificates_of(&self, code: &FacilityCode) -> Result<Vec<CertApplication>> {
        let page = self
            .store
            .cert_applications(&of(code), 0, Self::PER_FACILITY)
            .await?;
        Ok(page.items)
    }

    async fn subsidies_of(&self, code: &FacilityCode) -> Result<Vec<SubsidyApplication>> {
        let page = self
            .store
            .subsidy_applications(&of(code), 0, Self::PER_FACILITY)
            .await?;
        Ok(page.items)
    }

    /// The facility's own reader applications (newest first), with the facility: read only,
    /// for a page that re-renders after a form error.
    pub async fn my_readers(&self, actor: &Actor) -> Result<(Facility, Vec<ReaderApplication>)> {
        let code = actor.own_facility()?;
        Ok((
            self.facility(actor, code).await?,
            self.readers_of(code).await?,
        ))
    }

    /// The facility's own certificate applications, newest first (read only).
    pub async fn my_certificates(&self, actor: &Actor) -> Result<Vec<CertApplication>> {
        self.certificates_of(actor.own_facility()?).await
    }

    /// The facility's own subsidy applications, newest first (read only).
    pub async fn my_subsidies(&self, actor: &Actor) -> Result<Vec<SubsidyApplication>> {
        self.subsidies_of(actor.own_facility()?).await
    }

    /// The first time a terminal used the API with a certificate issued through the portal.
    async fn first_certificate_use(
        &self,
        code: &FacilityCode,
        filed: &Filed,
    ) -> Result<Option<OffsetDateTime>> {
        let mut first: Option<OffsetDateTime> = None;
        for serial in filed
            .certificates
            .iter()
            .filter_map(|c| c.serial.as_deref())
        {
            if let Some(at) = self.store.first_use_of_cert(code.as_str(), serial).await? {
                first = Some(first.map_or(at, |f| f.min(at)));
            }
        }
        Ok(first)
    }

    /// The preparation steps done: marked by hand, plus what the portal knows from the
    /// filings and the access log (a real request with a certificate issued here passes the
    /// operation test, recorded once so the dashboard counts it).
    async fn steps_done(&self, code: &FacilityCode, filed: &Filed) -> Result<Vec<StepId>> {
        // Marked by hand, plus what the portal knows from the filings.
        let mut steps_done: Vec<StepId> = self
            .store
            .steps_done(code.as_str())
            .await?
            .into_iter()
            .filter_map(|(s, _)| StepId::parse(&s))
            .chain(filed.steps())
            .collect();
        if !steps_done.contains(&StepId::OperationTest)
            && let Some(at) = self.first_certificate_use(code, filed).await?
        {
            // A real request with a certificate issued here passes the operation test
            // (portal.md); recorded once, so the dashboard counts it.
            self.store
                .set_step(
                    code.as_str(),
                    StepId::OperationTest.as_str(),
                    Some((jst_date(at), at)),
                )
                .await?;
            steps_done.push(StepId::OperationTest);
        }
        steps_done.sort_by_key(|s| StepId::ALL.iter().position(|x| x == s));
        steps_done.dedup();
        Ok(steps_done)
    }

    pub async fn overview(
        &self,
        actor: &Actor,
        code: &FacilityCode,
        today: Date,
    ) -> Result<Overview> {
        let facility = self.facility(actor, code).await?;
        let filed = self.filed(code).await?;
        let steps_done = self.steps_done(code, &filed).await?;
        let timeline = match (facility.planned_start, facility.planned_setup) {
            (Some(start), Some(setup)) => Some(shikaku_domain::timeline::timeline(
                start,
                setup,
                today,
                &steps_done,
            )),
            _ => None,
        };
        Ok(Overview {
            facility,
            readers: filed.readers,
            use_application: filed.use_application,
            certificates: filed.certificates,
            subsidies: filed.subsidies,
            timeline,
        })
    }

    /// Sets the planned start and setup dates (before the use application fixes them).
    pub async fn set_plan(&self, actor: &Actor, start: &str, setup: &str) -> Result<()> {
        let code = actor.own_facility()?;
        let start = shikaku_domain::parse_date(start).map_err(|e| {
            FieldError::new(
                "start",
                format!("運用開始予定日: {}", e.ja()),
                format!("start: {}", e.en()),
            )
        })?;
        let setup = shikaku_domain::parse_date(setup).map_err(|e| {
            FieldError::new(
                "setup",
                format!("機器設定予定日: {}", e.ja()),
                format!("setup: {}", e.en()),
            )
        })?;
        self.store
            .set_plan(code.as_str(), Some(start), Some(setup))
            .await?;
        Ok(())
    }

    /// Marks a step done or not done by hand (steps the portal tracks itself are refused).
    pub async fn mark_step(&self, actor: &Actor, step: &str, done: bool) -> Result<()> {
        let code = actor.own_facility()?;
        let step = StepId::parse(step)
            .ok_or_else(|| FieldError::new("step", "不明な手順です", "unknown step"))?;
        if step.filed_in_portal() {
            return Err(PortalError::field(
                "step",
                "この手順はポータルでの申請により自動で完了になります",
                "this step is completed by filing it in the portal",
            ));
        }
        let now = self.now();
        self.store
            .set_step(
                code.as_str(),
                step.as_str(),
                done.then(|| (jst_date(now), now)),
            )
            .await?;
        Ok(())
    }
}
