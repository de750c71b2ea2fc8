//! The facility portal's use cases: accounts (argon2id, login throttling), the card-reader,
//! use and certificate applications, the preparation timeline, subsidy applications with
//! documents, operator decisions with their history, and the adoption dashboard.
//!
//! Every operation takes the [`Actor`] and checks it here: a facility reaches only its own
//! records (another facility's id is "not found", never "forbidden", so ids cannot be probed),
//! operator operations need the operator role.

use std::sync::Arc;

use shikaku_domain::portal::{
    self as rules, Choice, DocumentKind, FieldError, Maker, TerminalOs, Transition,
    UseApplicationForm, YearMonth,
};
use shikaku_domain::subsidy::{FacilityCategory, Quote, QuoteRequest, RuleBook, Yen};
use shikaku_domain::timeline::{StepId, Timeline};
use shikaku_domain::{FacilityCode, date::jst_date};
use shikaku_pki::Ca;
use shikaku_store::portal::{
    Account, Adoption, AppFilter, CertApplication, Facility, FacilityFilter, Page, PortalEvent,
    ReaderApplication, SubsidyApplication, SubsidyDocument, UseApplication,
};
use shikaku_store::{Store, StoreError};
use time::{Date, Duration, OffsetDateTime};

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
        code: String,
    },
    /// A facility account waiting for its activation letter's code: it can read nothing and
    /// apply for nothing (every use case refuses it) until it is activated.
    Pending {
        login: String,
        code: String,
    },
    Operator {
        login: String,
    },
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
    pub(crate) fn may_see(&self, facility_code: &str) -> bool {
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
    pub(crate) fn own_facility(&self) -> Result<&str> {
        match self {
            Actor::Facility { code, .. } => Ok(code),
            Actor::Pending { .. } | Actor::Operator { .. } => Err(PortalError::Forbidden),
        }
    }
}

/// The registration form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Registration {
    pub code: String,
    pub name: String,
    pub category: String,
    pub postal_code: String,
    pub address: String,
    pub phone: String,
    pub contact_name: String,
    pub email: String,
    pub password: String,
}

/// Argon2id with the OWASP parameters (19 MiB, t=2, p=1); hashing runs off the async threads.
fn argon() -> argon2::Argon2<'static> {
    let params = argon2::Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

pub async fn hash_password(password: &str) -> Result<String> {
    use argon2::password_hash::PasswordHasher;
    let password = password.to_string();
    let salt: [u8; 16] = rand::random();
    tokio::task::spawn_blocking(move || {
        argon()
            .hash_password_with_salt(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| PortalError::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| PortalError::Internal(format!("password hashing task: {e}")))?
}

pub(crate) async fn verify_password(password: &str, hash: &str) -> bool {
    use argon2::password_hash::PasswordVerifier;
    let password = password.to_string();
    let hash = hash.to_string();
    tokio::task::spawn_blocking(move || {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
    .unwrap_or(false)
}

/// The password policy: at least 12 characters, not the login or the facility's name (nor
/// containing them), and hard to guess by zxcvbn's estimate (common passwords, names, words,
/// keyboard runs, repeats, dates and the given words all count against it).
pub(crate) fn check_password(password: &str, personal: &[&str]) -> Result<(), FieldError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(FieldError::new(
            "password",
            format!("パスワードは{MIN_PASSWORD_CHARS}文字以上にしてください"),
            format!("the password needs at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    let lower = password.to_lowercase();
    if personal
        .iter()
        .map(|p| p.trim().to_lowercase())
        .any(|p| p.chars().count() >= 3 && lower.contains(&p))
    {
        return Err(FieldError::new(
            "password",
            "ログインIDや医療機関等の名称を含むパスワードは使えません",
            "the password must not contain the login or the facility name",
        ));
    }
    let mut inputs: Vec<&str> = personal.to_vec();
    inputs.extend(["shikaku", "portal", "password", "iryou", "kikan", "oqs"]);
    let score = u8::from(zxcvbn::zxcvbn(password, &inputs).score());
    if score < MIN_PASSWORD_SCORE {
        return Err(FieldError::new(
            "password",
            "推測されやすいパスワードです。よく使われる語・名前・キーボードの並び・繰り返し・日付を避け、関係のない語をいくつか組み合わせた長い文にしてください",
            "the password is too easy to guess: avoid common words, names, keyboard runs, repeats and dates; combine several unrelated words",
        ));
    }
    Ok(())
}

/// Documents may be added or replaced while the application is under review or returned.
pub fn app_accepts_documents(status: &str) -> bool {
    matches!(status, "submitted" | "returned")
}

/// The applications of one facility.
fn of(code: &str) -> AppFilter {
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

/// The status after `transition` from `from`, or the error that says why not.
fn next_status(transition: Transition, from: &str) -> Result<&'static str> {
    transition.apply(from).ok_or_else(|| {
        let (ja, en) = rules::status_label(from);
        PortalError::state(
            format!("この申請は「{ja}」のため、この操作はできません"),
            format!("the application is {en}: this action is not possible"),
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

/// The contact person, mail address and phone of a registration or the account page, each
/// problem recorded under its field.
pub(crate) fn contact_fields(
    errors: &mut Vec<FieldError>,
    contact_name: &str,
    email: &str,
    phone: &str,
) -> (String, Option<String>, Option<String>) {
    let contact = required(
        errors,
        "contact_name",
        contact_name,
        "担当者名",
        "contact person",
    );
    let email = rules::normalize_email(email);
    if email.is_none() {
        errors.push(FieldError::new(
            "email",
            "メールアドレスが正しくありません",
            "the e-mail address is not valid",
        ));
    }
    let phone = rules::normalize_phone(phone);
    if phone.is_none() {
        errors.push(FieldError::new(
            "phone",
            "電話番号は0から始まる10〜11桁です（例: 03-1234-5678）",
            "the phone number has 10-11 digits starting with 0",
        ));
    }
    (contact, email, phone)
}

pub(crate) fn required(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    value: &str,
    ja: &str,
    en: &str,
) -> String {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > 200 || v.chars().any(char::is_control) {
        errors.push(FieldError::new(
            field,
            format!("{ja}を入力してください（200文字まで）"),
            format!("enter the {en} (up to 200 characters)"),
        ));
    }
    v.to_string()
}

/// A subsidy application as typed: cost lines (label, amount in yen).
#[derive(Debug, Clone, Default)]
pub struct SubsidyForm {
    pub lines: Vec<(String, String)>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct CostLine {
    pub label: String,
    pub amount: i64,
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
        self.readers.iter().filter(|r| r.status != "cancelled")
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
                self.certificates
                    .iter()
                    .any(|c| !matches!(c.status.as_str(), "rejected" | "revoked")),
            ),
            (
                StepId::SubsidyApplication,
                self.subsidies.iter().any(|s| s.status != "rejected"),
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
    throttle: Arc<crate::login_throttle::LoginThrottle>,
}

impl PortalService {
    pub fn new(store: Arc<dyn Store>, ca: Arc<Ca>, rules: Arc<RuleBook>) -> Self {
        Self {
            store,
            ca,
            rules,
            adoption: Arc::new(tokio::sync::Mutex::new(None)),
            throttle: Arc::default(),
        }
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
        facility: &str,
        subject: String,
        action: &str,
        detail: String,
    ) -> Result<()> {
        self.store
            .append_event(&PortalEvent {
                at: OffsetDateTime::now_utc(),
                actor: actor.login().to_string(),
                facility_code: facility.to_string(),
                subject,
                action: action.to_string(),
                detail,
            })
            .await?;
        Ok(())
    }

    // ---- accounts -------------------------------------------------------------------

    /// Registers a facility and its account (login = the 医療機関等コード).
    pub async fn register(&self, form: &Registration) -> Result<Actor> {
        let mut errors = Vec::new();
        let code = match FacilityCode::parse(&form.code) {
            Ok(code) => Some(code),
            Err(e) => {
                errors.push(FieldError::new(
                    "code",
                    format!("医療機関等コードが正しくありません: {e}"),
                    format!("the facility code is not valid: {e}"),
                ));
                None
            }
        };
        let name = required(
            &mut errors,
            "name",
            &form.name,
            "医療機関等名称",
            "facility name",
        );
        let category = form.category.parse::<FacilityCategory>().ok();
        if category.is_none() {
            errors.push(FieldError::new(
                "category",
                "施設区分を選んでください",
                "choose the facility category",
            ));
        }
        let postal = rules::normalize_postal_code(&form.postal_code);
        if postal.is_none() {
            errors.push(FieldError::new(
                "postal_code",
                "郵便番号は7桁です（例: 100-0001）",
                "the postal code has 7 digits (e.g. 100-0001)",
            ));
        }
        let address = required(&mut errors, "address", &form.address, "所在地", "address");
        let (contact, email, phone) =
            contact_fields(&mut errors, &form.contact_name, &form.email, &form.phone);
        if let Err(e) = check_password(
            &form.password,
            &[form.code.trim(), form.name.trim(), form.email.trim()],
        ) {
            errors.push(e);
        }
        if let (Some(code), Some(category)) = (&code, category) {
            // Only a code in the facility register, registered as its kind allows.
            errors.extend(
                crate::identity::check_registration(self.store.as_ref(), code, category).await?,
            );
        }
        let (Some(code), Some(category), Some(postal), Some(phone), Some(email), true) =
            (code, category, postal, phone, email, errors.is_empty())
        else {
            return Err(PortalError::Invalid(errors));
        };
        let now = OffsetDateTime::now_utc();
        let facility = Facility {
            code: code.as_str().to_string(),
            name,
            category: category.as_str().to_string(),
            prefecture: code.prefecture_code().to_string(),
            postal_code: postal,
            address,
            phone,
            contact_name: contact,
            email,
            planned_start: None,
            planned_setup: None,
            created_at: now,
        };
        let account = Account {
            login: facility.code.clone(),
            role: "facility".into(),
            facility_code: Some(facility.code.clone()),
            password_hash: hash_password(&form.password).await?,
            failed_logins: 0,
            locked_until: None,
            created_at: now,
            // Pending until the code posted to the registered address is entered.
            active: false,
            sessions_from: None,
        };
        match self.store.register_pending(&facility, &account, now).await {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => {
                return Err(PortalError::field(
                    "code",
                    format!("医療機関等コード {} は登録済みです", facility.code),
                    format!("facility code {} is already registered", facility.code),
                ));
            }
            Err(e) => return Err(e.into()),
        }
        let actor = Actor::Pending {
            login: account.login,
            code: facility.code.clone(),
        };
        self.event(
            &actor,
            &facility.code,
            format!("facility:{}", facility.code),
            "registered",
            String::new(),
        )
        .await?;
        Ok(actor)
    }

    /// Loads synthetic facilities in chunks (benchmarks and demos); every account's password
    /// is `password` (hashed once). `progress` gets the number loaded so far.
    pub async fn load_synthetic(
        &self,
        options: &crate::facilities::Options,
        password: &str,
        mut progress: impl FnMut(u64),
    ) -> Result<()> {
        let hash = hash_password(password).await?;
        let mut from = 0;
        while from < options.count {
            let to = (from + crate::facilities::CHUNK).min(options.count);
            let batch = crate::facilities::batch(options, from, to, &hash);
            self.store.load_portal(&batch).await?;
            progress(to);
            from = to;
        }
        Ok(())
    }

    /// How many facilities are registered.
    pub async fn facility_count(&self) -> Result<u64> {
        Ok(self
            .store
            .facilities(&FacilityFilter::default(), 0, 1)
            .await?
            .total)
    }

    /// Removes sessions that have expired (they are refused anyway when presented).
    pub async fn purge_expired_sessions(&self) -> Result<u64> {
        Ok(self
            .store
            .delete_expired_sessions(OffsetDateTime::now_utc())
            .await?)
    }

    /// Creates an operator account (CLI / demo).
    pub async fn add_operator(&self, login: &str, password: &str) -> Result<()> {
        let login = login.trim();
        if login.is_empty()
            || login.len() > 64
            || !login
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
            || login.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(PortalError::field(
                "login",
                "オペレーターIDは英数字と - _ . で、数字だけにはできません",
                "the operator login is ASCII letters, digits, - _ . and not only digits",
            ));
        }
        check_password(password, &[login])?;
        let account = Account {
            login: login.to_string(),
            role: "operator".into(),
            facility_code: None,
            password_hash: hash_password(password).await?,
            failed_logins: 0,
            locked_until: None,
            created_at: OffsetDateTime::now_utc(),
            active: true,
            sessions_from: None,
        };
        match self.store.insert_account(&account).await {
            Err(StoreError::Conflict(_)) => Err(PortalError::field(
                "login",
                format!("{login} は登録済みです"),
                format!("{login} already exists"),
            )),
            other => Ok(other?),
        }
    }

    /// Checks a login from `client` (its address). Failures slow that client down
    /// ([`crate::login_throttle`]) and never lock the account, so no one can lock the owner
    /// out; an unknown login costs the same hashing work as a known one and gives the same
    /// answer, and the wait is the same for both.
    pub async fn login(&self, login: &str, password: &str, client: &str) -> Result<Actor> {
        let login = login.trim();
        let now = OffsetDateTime::now_utc();
        let wait = self.throttle.wait(login, client, now);
        if wait > Duration::ZERO {
            metrics::counter!("shikaku_portal_logins_throttled_total").increment(1);
            tracing::warn!(wait_s = wait.whole_seconds(), "portal login throttled");
            return Err(PortalError::Throttled {
                seconds: wait.whole_seconds().max(1),
            });
        }
        let account = self.store.account(login).await?;
        let verified = match &account {
            Some(a) => verify_password(password, &a.password_hash).await,
            None => {
                // The same argon2 work as a known login, so timing does not tell which exist.
                let _ = hash_password(password).await;
                false
            }
        };
        let Some(account) = account.filter(|_| verified) else {
            let failed = self.throttle.failed(login, client, now);
            if self.store.count_login_failure(login).await? > 0 {
                tracing::info!(failed, "portal login failed");
            }
            metrics::counter!("shikaku_portal_login_failures_total").increment(1);
            return Err(PortalError::BadLogin);
        };
        self.throttle.succeeded(login, client);
        if account.failed_logins != 0 || account.locked_until.is_some() {
            self.store.set_login_lock(login, None).await?;
        }
        Ok(match (account.role.as_str(), account.facility_code) {
            ("facility", Some(code)) if !account.active => Actor::Pending {
                login: account.login,
                code,
            },
            ("facility", Some(code)) => Actor::Facility {
                login: account.login,
                code,
            },
            _ => Actor::Operator {
                login: account.login,
            },
        })
    }

    // ---- the facility's own view ------------------------------------------------------

    pub async fn facility(&self, actor: &Actor, code: &str) -> Result<Facility> {
        if !actor.may_see(code) {
            return Err(PortalError::NotFound);
        }
        self.store
            .facility(code)
            .await?
            .ok_or(PortalError::NotFound)
    }

    /// At most this many applications of one kind are read for one facility (a facility
    /// has a handful; the cap keeps a runaway from loading everything).
    const PER_FACILITY: u64 = 500;

    async fn filed(&self, code: &str) -> Result<Filed> {
        let mine = of(code);
        Ok(Filed {
            readers: self
                .store
                .reader_applications(&mine, 0, Self::PER_FACILITY)
                .await?
                .items,
            certificates: self
                .store
                .cert_applications(&mine, 0, Self::PER_FACILITY)
                .await?
                .items,
            subsidies: self
                .store
                .subsidy_applications(&mine, 0, Self::PER_FACILITY)
                .await?
                .items,
            use_application: self.store.use_application(code).await?,
        })
    }

    /// The first time a terminal used the API with a certificate issued through the portal.
    async fn first_certificate_use(
        &self,
        code: &str,
        filed: &Filed,
    ) -> Result<Option<OffsetDateTime>> {
        let mut first: Option<OffsetDateTime> = None;
        for serial in filed
            .certificates
            .iter()
            .filter_map(|c| c.serial.as_deref())
        {
            if let Some(at) = self.store.first_use_of_cert(code, serial).await? {
                first = Some(first.map_or(at, |f| f.min(at)));
            }
        }
        Ok(first)
    }

    pub async fn overview(&self, actor: &Actor, code: &str, today: Date) -> Result<Overview> {
        let facility = self.facility(actor, code).await?;
        let filed = self.filed(code).await?;
        // Marked by hand, plus what the portal knows from the filings.
        let mut steps_done: Vec<StepId> = self
            .store
            .steps_done(code)
            .await?
            .into_iter()
            .filter_map(|(s, _)| StepId::parse(&s))
            .chain(filed.steps())
            .collect();
        if !steps_done.contains(&StepId::OperationTest)
            && let Some(at) = self.first_certificate_use(code, &filed).await?
        {
            // A real request with a certificate issued here passes the operation test
            // (portal.md); recorded once, so the dashboard counts it.
            self.store
                .set_step(
                    code,
                    StepId::OperationTest.as_str(),
                    Some((jst_date(at), at)),
                )
                .await?;
            steps_done.push(StepId::OperationTest);
        }
        steps_done.sort_by_key(|s| StepId::ALL.iter().position(|x| x == s));
        steps_done.dedup();
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
                format!("運用開始予定日: {e}"),
                format!("start: {e}"),
            )
        })?;
        let setup = shikaku_domain::parse_date(setup).map_err(|e| {
            FieldError::new(
                "setup",
                format!("機器設定予定日: {e}"),
                format!("setup: {e}"),
            )
        })?;
        self.store.set_plan(code, Some(start), Some(setup)).await?;
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
        let now = OffsetDateTime::now_utc();
        self.store
            .set_step(code, step.as_str(), done.then(|| (jst_date(now), now)))
            .await?;
        Ok(())
    }

    // ---- card readers ------------------------------------------------------------------

    /// Readers on live applications, leaving out application `except`.
    async fn live_reader_count(&self, code: &str, except: Option<&str>) -> Result<u32> {
        Ok(self
            .filed(code)
            .await?
            .live_readers()
            .filter(|r| Some(r.id.as_str()) != except)
            .map(|r| u32::try_from(r.quantity).unwrap_or(0))
            .sum())
    }

    fn parse_reader(maker: &str, quantity: &str) -> Result<(Maker, u32)> {
        let maker = Maker::parse(maker).ok_or_else(|| {
            FieldError::new(
                "maker",
                "カードリーダーの製品（メーカー）を選んでください",
                "choose the reader maker",
            )
        })?;
        let quantity: u32 = quantity.trim().parse().map_err(|_| {
            FieldError::new("quantity", "台数は数字です", "the quantity is a number")
        })?;
        Ok((maker, quantity))
    }

    pub async fn apply_reader(
        &self,
        actor: &Actor,
        maker: &str,
        quantity: &str,
    ) -> Result<ReaderApplication> {
        let code = actor.own_facility()?.to_string();
        let category = category(&self.facility(actor, &code).await?)?;
        let (maker, quantity) = Self::parse_reader(maker, quantity)?;
        rules::check_reader_quantity(
            category,
            self.live_reader_count(&code, None).await?,
            quantity,
        )?;
        let now = OffsetDateTime::now_utc();
        let app = ReaderApplication {
            id: new_id("R"),
            facility_code: code.clone(),
            maker: maker.code().into(),
            quantity: quantity.into(),
            applied_on: jst_date(now),
            status: "applied".into(),
            delivery_month: None,
            created_at: now,
            updated_at: now,
        };
        self.store.insert_reader_application(&app).await?;
        self.event(
            actor,
            &code,
            format!("reader:{}", app.id),
            "applied",
            format!("{} ×{quantity}", maker.code()),
        )
        .await?;
        Ok(app)
    }

    pub async fn reader(&self, actor: &Actor, id: &str) -> Result<ReaderApplication> {
        match self.store.reader_application(id).await? {
            Some(app) if actor.may_see(&app.facility_code) => Ok(app),
            _ => Err(PortalError::NotFound),
        }
    }

    async fn move_reader(
        &self,
        actor: &Actor,
        mut app: ReaderApplication,
        transition: Transition,
        detail: String,
    ) -> Result<ReaderApplication> {
        let from = app.status.clone();
        if from == "scheduled" && transition != Transition::ReaderSchedule {
            return Err(PortalError::state(
                "配送時期が確定した申し込みは変更・取消できません。コールセンターへご連絡ください",
                "the delivery month is fixed: this application can no longer be changed here",
            ));
        }
        let to = next_status(transition, &from)?;
        app.status = to.into();
        app.updated_at = OffsetDateTime::now_utc();
        if !self.store.update_reader_application(&app, &from).await? {
            return Err(changed_meanwhile());
        }
        self.event(
            actor,
            &app.facility_code,
            format!("reader:{}", app.id),
            to,
            detail,
        )
        .await?;
        Ok(app)
    }

    /// Changes maker or quantity while no delivery month is fixed. The application date
    /// stays (it decides the subsidy rule set).
    pub async fn edit_reader(
        &self,
        actor: &Actor,
        id: &str,
        maker: &str,
        quantity: &str,
    ) -> Result<ReaderApplication> {
        actor.own_facility()?;
        let mut app = self.reader(actor, id).await?;
        let category = category(&self.facility(actor, &app.facility_code).await?)?;
        let (maker, quantity) = Self::parse_reader(maker, quantity)?;
        rules::check_reader_quantity(
            category,
            self.live_reader_count(&app.facility_code, Some(id)).await?,
            quantity,
        )?;
        app.maker = maker.code().into();
        app.quantity = quantity.into();
        self.move_reader(
            actor,
            app,
            Transition::ReaderEdit,
            format!("{} ×{quantity}", maker.code()),
        )
        .await
    }

    pub async fn cancel_reader(&self, actor: &Actor, id: &str) -> Result<ReaderApplication> {
        actor.own_facility()?;
        let app = self.reader(actor, id).await?;
        self.move_reader(actor, app, Transition::ReaderCancel, String::new())
            .await
    }

    /// Operator: fixes the delivery month (配送時期).
    pub async fn schedule_reader(
        &self,
        actor: &Actor,
        id: &str,
        month: &str,
    ) -> Result<ReaderApplication> {
        actor.operator()?;
        let mut app = self.reader(actor, id).await?;
        let month = YearMonth::parse(month).ok_or_else(|| {
            FieldError::new(
                "delivery_month",
                "配送時期は YYYY-MM です",
                "the delivery month is YYYY-MM",
            )
        })?;
        if month < YearMonth::of(app.applied_on) {
            return Err(PortalError::field(
                "delivery_month",
                "配送時期が申込日より前です",
                "the delivery month is before the application",
            ));
        }
        app.delivery_month = Some(month.to_string());
        self.move_reader(actor, app, Transition::ReaderSchedule, month.to_string())
            .await
    }

    // ---- use application ------------------------------------------------------------

    /// The facility's own use application, if filed.
    pub async fn use_application(&self, actor: &Actor) -> Result<Option<UseApplication>> {
        Ok(self.store.use_application(actor.own_facility()?).await?)
    }

    pub async fn file_use_application(
        &self,
        actor: &Actor,
        form: &UseApplicationForm,
    ) -> Result<UseApplication> {
        let code = actor.own_facility()?.to_string();
        let now = OffsetDateTime::now_utc();
        let checked =
            rules::check_use_application(form, jst_date(now)).map_err(PortalError::Invalid)?;
        let app = UseApplication {
            facility_code: code.clone(),
            line_type: checked.line_type.code().into(),
            provider: checked.service.code.into(),
            customer_id: checked.customer_id.clone(),
            start_month: checked.start_month.to_string(),
            test_month: checked.test_month.map(|m| m.to_string()),
            online_claims: checked.online_claims,
            setup_date: checked.setup_date,
            submitted_at: now,
        };
        self.store
            .save_use_application(&app, checked.start_month.first_day())
            .await?;
        self.event(
            actor,
            &code,
            format!("use:{code}"),
            "filed",
            format!("{} {}", app.line_type, app.provider),
        )
        .await?;
        Ok(app)
    }

    // ---- certificates -----------------------------------------------------------------

    pub async fn apply_certificate(
        &self,
        actor: &Actor,
        terminal: &str,
        os: &str,
    ) -> Result<CertApplication> {
        let code = actor.own_facility()?.to_string();
        let mut errors = Vec::new();
        let name = rules::check_terminal_name(terminal).map_err(|e| errors.push(e));
        let os = TerminalOs::parse(os);
        if os.is_none() {
            errors.push(FieldError::new(
                "os",
                "端末のOSを一覧から選んでください（推奨OS）",
                "choose the terminal's OS from the list",
            ));
        }
        if self.store.use_application(&code).await?.is_none() {
            errors.push(FieldError::new(
                "terminal_name",
                "電子証明書の発行申請の前に、オンライン資格確認の利用申請を行ってください",
                "file the use application before applying for certificates",
            ));
        }
        let (Ok(name), Some(os), true) = (name, os, errors.is_empty()) else {
            return Err(PortalError::Invalid(errors));
        };
        let existing = self
            .store
            .cert_applications(&of(&code), 0, Self::PER_FACILITY)
            .await?
            .items;
        if existing.iter().any(|c| {
            c.terminal_name == name
                && matches!(c.status.as_str(), "applied" | "issued" | "downloaded")
        }) {
            return Err(PortalError::field(
                "terminal_name",
                format!("端末 {name} の証明書は申請済みです（失効させてから再申請してください）"),
                format!("terminal {name} already has a certificate (revoke it first)"),
            ));
        }
        let app = CertApplication {
            id: new_id("C"),
            facility_code: code.clone(),
            terminal_name: name,
            os: os.code().into(),
            status: "applied".into(),
            serial: None,
            applied_at: OffsetDateTime::now_utc(),
            decided_at: None,
            downloaded_at: None,
        };
        self.store.insert_cert_application(&app).await?;
        self.event(
            actor,
            &code,
            format!("cert:{}", app.id),
            "applied",
            app.terminal_name.clone(),
        )
        .await?;
        Ok(app)
    }

    pub async fn certificate(&self, actor: &Actor, id: &str) -> Result<CertApplication> {
        match self.store.cert_application(id).await? {
            Some(app) if actor.may_see(&app.facility_code) => Ok(app),
            _ => Err(PortalError::NotFound),
        }
    }

    async fn move_cert(
        &self,
        actor: &Actor,
        mut app: CertApplication,
        transition: Transition,
    ) -> Result<CertApplication> {
        let from = app.status.clone();
        let to = next_status(transition, &from)?;
        app.status = to.into();
        if !self.store.update_cert_application(&app, &from).await? {
            return Err(changed_meanwhile());
        }
        self.event(
            actor,
            &app.facility_code,
            format!("cert:{}", app.id),
            to,
            app.serial.clone().unwrap_or_default(),
        )
        .await?;
        Ok(app)
    }

    /// Operator: approves the certificate. Nothing secret is made or kept yet: the key, the
    /// certificate, the PKCS#12 and its password are made at the facility's one download, so
    /// no file or row holds a working credential in the meantime.
    pub async fn issue_certificate(&self, actor: &Actor, id: &str) -> Result<CertApplication> {
        actor.operator()?;
        let mut app = self.certificate(actor, id).await?;
        next_status(Transition::CertIssue, &app.status)?;
        app.decided_at = Some(OffsetDateTime::now_utc());
        self.move_cert(actor, app, Transition::CertIssue).await
    }

    pub async fn reject_certificate(&self, actor: &Actor, id: &str) -> Result<CertApplication> {
        actor.operator()?;
        let mut app = self.certificate(actor, id).await?;
        app.decided_at = Some(OffsetDateTime::now_utc());
        self.move_cert(actor, app, Transition::CertReject).await
    }

    /// The facility's one download: the certificate is made now with the system's CA, and
    /// its PKCS#12 and password go to the facility without being stored.
    pub async fn download_certificate(&self, actor: &Actor, id: &str) -> Result<Download> {
        actor.own_facility()?;
        let app = self.certificate(actor, id).await?;
        let refused = |status: &str| {
            let (ja, en) = rules::status_label(status);
            PortalError::state(
                format!("ダウンロードできません（{ja}）。証明書のダウンロードは1回限りです"),
                format!("cannot download ({en}); a certificate is downloaded once"),
            )
        };
        if next_status(Transition::CertDownload, &app.status).is_err() {
            return Err(refused(&app.status));
        }
        let facility = FacilityCode::parse(&app.facility_code)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let issued = crate::terminal_certs::issue(
            &self.ca,
            self.store.as_ref(),
            &facility,
            &app.terminal_name,
            OffsetDateTime::now_utc(),
            crate::terminal_certs::DEFAULT_DAYS,
        )
        .await
        .map_err(|e| PortalError::Cert(e.to_string()))?;
        let revoke = |serial: String| async move {
            crate::terminal_certs::revoke(&self.ca, self.store.as_ref(), &serial)
                .await
                .map_err(|e| PortalError::Cert(e.to_string()))
        };
        let password = shikaku_pki::random_password();
        let p12 = match issued.pkcs12(self.ca.cert_der(), &password, &app.terminal_name) {
            Ok(p12) => p12,
            Err(e) => {
                revoke(issued.serial.clone()).await?;
                return Err(PortalError::Cert(e.to_string()));
            }
        };
        if !self
            .store
            .claim_certificate(id, &issued.serial, OffsetDateTime::now_utc())
            .await?
        {
            // Downloaded or revoked meanwhile: the certificate just made must not stay valid.
            revoke(issued.serial.clone()).await?;
            let now = self.certificate(actor, id).await?;
            return Err(refused(&now.status));
        }
        if let Some(earlier) = app.serial.clone() {
            // Made at approval by an earlier version (its PKCS#12 erased by the migration).
            revoke(earlier).await?;
        }
        self.event(
            actor,
            &app.facility_code,
            format!("cert:{id}"),
            "downloaded",
            issued.serial.clone(),
        )
        .await?;
        Ok(Download {
            file_name: format!("{}.p12", app.terminal_name),
            p12,
            password,
        })
    }

    /// Revokes a terminal's certificate (the facility's own, or any for operators): the API
    /// refuses it from the next request.
    pub async fn revoke_certificate(&self, actor: &Actor, id: &str) -> Result<CertApplication> {
        let app = self.certificate(actor, id).await?;
        next_status(Transition::CertRevoke, &app.status)?;
        // Issued and downloaded certificates carry their serial.
        if let Some(serial) = &app.serial {
            crate::terminal_certs::revoke(&self.ca, self.store.as_ref(), serial)
                .await
                .map_err(|e| PortalError::Cert(e.to_string()))?;
        }
        self.move_cert(actor, app, Transition::CertRevoke).await
    }

    /// What the chatbot may tell a logged-in facility about itself: its subsidy (the filed
    /// amount, or the most it can receive) and the next step of its timeline.
    pub async fn chat_facts(
        &self,
        actor: &Actor,
        today: Date,
    ) -> Result<shikaku_faq::chatbot::FacilityFacts> {
        use shikaku_domain::timeline::StepStatus;
        use shikaku_faq::chatbot::{FacilityFacts, NextStep, SubsidyFact};
        let code = actor.own_facility()?.to_string();
        let overview = self.overview(actor, &code, today).await?;
        let subsidy = match overview.subsidies.iter().find(|s| s.status != "rejected") {
            Some(s) => SubsidyFact::Applied {
                amount: s.subsidy,
                status_ja: rules::status_label(&s.status).0.to_string(),
            },
            None => {
                let filed = Filed {
                    readers: overview.readers.clone(),
                    certificates: Vec::new(),
                    subsidies: Vec::new(),
                    use_application: None,
                };
                // Costs at least the base amount give the cap.
                match self.quote_facility(&overview.facility, &filed, Yen::new(1_000_000_000)) {
                    Ok(q) => SubsidyFact::Cap {
                        amount: q.subsidy.get(),
                        base: q.base_amount.get(),
                        rate: q.rate.to_string(),
                        rule_set_ja: q.rule_set_title_ja.clone(),
                        readers: q.readers,
                    },
                    Err(_) => SubsidyFact::NoReader,
                }
            }
        };
        let steps = overview
            .timeline
            .as_ref()
            .map(|t| t.steps.as_slice())
            .unwrap_or_default();
        let next_step = steps
            .iter()
            .find(|s| s.status != StepStatus::Done)
            .map(|s| NextStep {
                label: s.label.to_string(),
                deadline: s.deadline.map(shikaku_domain::calendar::format_ja),
                overdue: s.status == StepStatus::Overdue,
            });
        Ok(FacilityFacts {
            name: overview.facility.name.clone(),
            subsidy,
            next_step,
            plan_set: overview.timeline.is_some(),
            overdue: steps
                .iter()
                .filter(|s| s.status == StepStatus::Overdue)
                .map(|s| s.label.to_string())
                .collect(),
        })
    }

    // ---- subsidy ----------------------------------------------------------------------

    /// The quote from the facility's live reader applications: their readers together, the
    /// earliest application date picks the rule set.
    fn quote_facility(&self, facility: &Facility, filed: &Filed, cost: Yen) -> Result<Quote> {
        let Some(first) = filed.live_readers().map(|r| r.applied_on).min() else {
            return Err(PortalError::field(
                "readers",
                "カードリーダーの申し込みがありません。補助金は申し込み後に申請できます",
                "no card reader application: apply for a reader first",
            ));
        };
        self.rules
            .quote(&QuoteRequest {
                category: category(facility)?,
                readers: filed
                    .live_readers()
                    .map(|r| u32::try_from(r.quantity).unwrap_or(0))
                    .sum(),
                reader_applied: first,
                cost,
            })
            .map_err(|e| PortalError::field("cost", e.to_string(), e.to_string()))
    }

    fn parse_lines(form: &SubsidyForm) -> Result<(Vec<CostLine>, Yen)> {
        let mut errors = Vec::new();
        let mut lines = Vec::new();
        let mut total = Yen::ZERO;
        for (i, (label, amount)) in form.lines.iter().enumerate() {
            if label.trim().is_empty() && amount.trim().is_empty() {
                continue;
            }
            let label = label.trim();
            if label.is_empty() || label.chars().count() > 100 {
                errors.push(FieldError::new(
                    "lines",
                    format!("{}行目: 費目を入力してください（100文字まで）", i + 1),
                    format!("line {}: enter what the cost is for", i + 1),
                ));
            }
            match Yen::parse_positive(amount) {
                Ok(yen) => {
                    total = total.checked_add(yen).unwrap_or(total);
                    lines.push(CostLine {
                        label: label.to_string(),
                        amount: yen.get(),
                    });
                }
                Err(e) => errors.push(FieldError::new(
                    "lines",
                    format!("{}行目: {e}", i + 1),
                    format!("line {}: {e}", i + 1),
                )),
            }
        }
        if lines.is_empty() && errors.is_empty() {
            errors.push(FieldError::new(
                "lines",
                "費用の内訳を1行以上入力してください",
                "enter at least one cost line",
            ));
        }
        if errors.is_empty() {
            Ok((lines, total))
        } else {
            Err(PortalError::Invalid(errors))
        }
    }

    /// Files a subsidy application (documents follow; review needs all three).
    pub async fn apply_subsidy(
        &self,
        actor: &Actor,
        form: &SubsidyForm,
    ) -> Result<SubsidyApplication> {
        let code = actor.own_facility()?.to_string();
        let (lines, total) = Self::parse_lines(form)?;
        let facility = self.facility(actor, &code).await?;
        let filed = self.filed(&code).await?;
        let quote = self.quote_facility(&facility, &filed, total)?;
        if filed
            .subsidies
            .iter()
            .any(|s| matches!(s.status.as_str(), "submitted" | "returned" | "approved"))
        {
            return Err(PortalError::field(
                "lines",
                "補助金の申請は申請済みです（差戻しの場合は修正して再提出してください）",
                "a subsidy application exists already (resubmit a returned one instead)",
            ));
        }
        let app = SubsidyApplication {
            id: new_id("S"),
            facility_code: code.clone(),
            status: "submitted".into(),
            readers: quote.readers.into(),
            reader_applied: quote.reader_applied,
            cost_lines: serde_json::to_string(&lines).unwrap_or_else(|_| "[]".into()),
            cost_total: total.get(),
            rule_set: quote.rule_set.clone(),
            subsidy: quote.subsidy.get(),
            reason: None,
            submitted_at: OffsetDateTime::now_utc(),
            decided_at: None,
        };
        self.store.insert_subsidy_application(&app).await?;
        self.event(
            actor,
            &code,
            format!("subsidy:{}", app.id),
            "submitted",
            format!("{} 円 → {} 円", total.get(), app.subsidy),
        )
        .await?;
        Ok(app)
    }

    pub async fn subsidy(&self, actor: &Actor, id: &str) -> Result<SubsidyApplication> {
        match self.store.subsidy_application(id).await? {
            Some(app) if actor.may_see(&app.facility_code) => Ok(app),
            _ => Err(PortalError::NotFound),
        }
    }

    /// A returned application, corrected and submitted again.
    pub async fn resubmit_subsidy(
        &self,
        actor: &Actor,
        id: &str,
        form: &SubsidyForm,
    ) -> Result<SubsidyApplication> {
        actor.own_facility()?;
        let mut app = self.subsidy(actor, id).await?;
        let (lines, total) = Self::parse_lines(form)?;
        let facility = self.facility(actor, &app.facility_code).await?;
        let filed = self.filed(&app.facility_code).await?;
        let quote = self.quote_facility(&facility, &filed, total)?;
        app.cost_lines = serde_json::to_string(&lines).unwrap_or_else(|_| "[]".into());
        app.cost_total = total.get();
        app.readers = quote.readers.into();
        app.reader_applied = quote.reader_applied;
        app.rule_set = quote.rule_set.clone();
        app.subsidy = quote.subsidy.get();
        app.submitted_at = OffsetDateTime::now_utc();
        self.move_subsidy(actor, app, Transition::SubsidyResubmit, None)
            .await
    }

    pub async fn upload_document(
        &self,
        actor: &Actor,
        id: &str,
        kind: &str,
        file_name: &str,
        body: Vec<u8>,
    ) -> Result<SubsidyDocument> {
        actor.own_facility()?;
        let app = self.subsidy(actor, id).await?;
        if !app_accepts_documents(&app.status) {
            let (ja, en) = rules::status_label(&app.status);
            return Err(PortalError::state(
                format!("この申請は「{ja}」のため書類を差し替えできません"),
                format!("the application is {en}: documents cannot change"),
            ));
        }
        let kind = DocumentKind::parse(kind).ok_or_else(|| {
            FieldError::new(
                "kind",
                "書類の種類を選んでください",
                "choose the document kind",
            )
        })?;
        let file_type = rules::check_document(file_name, &body)?;
        let file_name: String = file_name
            .chars()
            .filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | '"'))
            .take(120)
            .collect();
        let doc = SubsidyDocument {
            application_id: app.id.clone(),
            kind: kind.code().into(),
            file_name,
            content_type: file_type.content_type().into(),
            sha256: shikaku_pki::sha256(&body),
            body,
            uploaded_at: OffsetDateTime::now_utc(),
        };
        self.store.save_document(&doc).await?;
        self.event(
            actor,
            &app.facility_code,
            format!("subsidy:{}", app.id),
            "document",
            format!("{} sha256:{}", kind.code(), hex::encode(&doc.sha256)),
        )
        .await?;
        Ok(doc)
    }

    pub async fn documents(&self, actor: &Actor, id: &str) -> Result<Vec<SubsidyDocument>> {
        let app = self.subsidy(actor, id).await?;
        Ok(self.store.documents(&app.id).await?)
    }

    pub async fn document(&self, actor: &Actor, id: &str, kind: &str) -> Result<SubsidyDocument> {
        let app = self.subsidy(actor, id).await?;
        self.store
            .document(&app.id, kind)
            .await?
            .ok_or(PortalError::NotFound)
    }

    async fn move_subsidy(
        &self,
        actor: &Actor,
        mut app: SubsidyApplication,
        transition: Transition,
        reason: Option<String>,
    ) -> Result<SubsidyApplication> {
        let from = app.status.clone();
        let to = next_status(transition, &from)?;
        app.status = to.into();
        if reason.is_some() || transition == Transition::SubsidyResubmit {
            app.reason = reason.clone();
        }
        if actor.is_operator() {
            app.decided_at = Some(OffsetDateTime::now_utc());
        }
        if !self.store.update_subsidy_application(&app, &from).await? {
            return Err(changed_meanwhile());
        }
        self.event(
            actor,
            &app.facility_code,
            format!("subsidy:{}", app.id),
            to,
            reason.unwrap_or_default(),
        )
        .await?;
        Ok(app)
    }

    /// Operator decision: `approve`, `return` (with a reason) or `reject` (with a reason).
    /// Approval needs all three documents.
    pub async fn decide_subsidy(
        &self,
        actor: &Actor,
        id: &str,
        decision: &str,
        reason: &str,
    ) -> Result<SubsidyApplication> {
        actor.operator()?;
        let app = self.subsidy(actor, id).await?;
        let reason = reason.trim();
        let transition = match decision {
            "approve" => Transition::SubsidyApprove,
            "return" => Transition::SubsidyReturn,
            "reject" => Transition::SubsidyReject,
            _ => {
                return Err(PortalError::field(
                    "decision",
                    "承認・差戻し・却下のいずれかです",
                    "approve, return or reject",
                ));
            }
        };
        if transition != Transition::SubsidyApprove && reason.is_empty() {
            return Err(PortalError::field(
                "reason",
                "差戻し・却下には理由が必要です",
                "a reason is required to return or reject",
            ));
        }
        if transition == Transition::SubsidyApprove {
            let have: Vec<String> = self
                .store
                .documents(&app.id)
                .await?
                .into_iter()
                .map(|d| d.kind)
                .collect();
            let missing: Vec<&str> = DocumentKind::ALL
                .iter()
                .filter(|k| !have.iter().any(|h| h == k.code()))
                .map(|k| k.label_ja())
                .collect();
            if !missing.is_empty() {
                return Err(PortalError::field(
                    "documents",
                    format!("書類が足りません: {}", missing.join("、")),
                    format!("documents missing: {}", missing.len()),
                ));
            }
        }
        self.move_subsidy(
            actor,
            app,
            transition,
            (!reason.is_empty()).then(|| reason.to_string()),
        )
        .await
    }

    pub async fn history(&self, actor: &Actor, subject: &str) -> Result<Vec<PortalEvent>> {
        let events = self.store.events(subject).await?;
        if events.iter().any(|e| !actor.may_see(&e.facility_code)) {
            return Err(PortalError::NotFound);
        }
        Ok(events)
    }

    // ---- operator lists and dashboard ---------------------------------------------------

    pub async fn facilities(
        &self,
        actor: &Actor,
        filter: &FacilityFilter,
        offset: u64,
        limit: u64,
    ) -> Result<Page<Facility>> {
        actor.operator()?;
        Ok(self.store.facilities(filter, offset, limit).await?)
    }

    pub async fn reader_queue(
        &self,
        actor: &Actor,
        filter: &AppFilter,
        offset: u64,
        limit: u64,
    ) -> Result<Page<ReaderApplication>> {
        actor.operator()?;
        Ok(self
            .store
            .reader_applications(filter, offset, limit)
            .await?)
    }

    pub async fn cert_queue(
        &self,
        actor: &Actor,
        filter: &AppFilter,
        offset: u64,
        limit: u64,
    ) -> Result<Page<CertApplication>> {
        actor.operator()?;
        Ok(self.store.cert_applications(filter, offset, limit).await?)
    }

    pub async fn subsidy_queue(
        &self,
        actor: &Actor,
        filter: &AppFilter,
        offset: u64,
        limit: u64,
    ) -> Result<Page<SubsidyApplication>> {
        actor.operator()?;
        Ok(self
            .store
            .subsidy_applications(filter, offset, limit)
            .await?)
    }

    /// The adoption summary (reused for up to [`ADOPTION_MAX_AGE`]) and when it was computed.
    pub async fn adoption(&self, actor: &Actor) -> Result<(Arc<Adoption>, OffsetDateTime)> {
        actor.operator()?;
        let mut cached = self.adoption.lock().await;
        if let Some((computed, at, summary)) = cached.as_ref()
            && computed.elapsed() < ADOPTION_MAX_AGE
        {
            return Ok((summary.clone(), *at));
        }
        let at = OffsetDateTime::now_utc();
        let summary = Arc::new(self.store.adoption().await?);
        *cached = Some((std::time::Instant::now(), at, summary.clone()));
        Ok((summary, at))
    }
}
