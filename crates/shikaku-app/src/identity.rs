//! Who a facility is (issue 21, finding 1): the facility register loaded by operators
//! (`shikaku import facilities`), registrations checked against it, accounts pending until
//! the one-time code posted to the registered address is entered, the operator's letters
//! (PDF or CSV), and the release or transfer of a code with a reason in the audit trail.

use std::collections::HashMap;
use std::path::Path;

use shikaku_domain::FacilityCode;
use shikaku_domain::facility_register::{
    ACTIVATION_DAYS, ActivationCode, RegisterKind, check_kind,
};
use shikaku_domain::portal::{FieldError, normalize_postal_code};
use shikaku_domain::subsidy::FacilityCategory;
use shikaku_store::Store;
use shikaku_store::identity::{LetterToSend, RegisterRow};
use time::{Duration, OffsetDateTime};

use crate::insurers::{RegisterError, RegisterLoad, read_register_file};
use crate::portal::{Actor, PortalError, PortalService, Result};

/// The largest register file read (the national lists have about 180,000 rows).
const MAX_FILE_BYTES: u64 = 256 << 20;
const MAX_TEXT_CHARS: usize = 200;
/// Wrong codes typed for one letter before it is void (a new letter must be printed).
pub const MAX_ACTIVATION_FAILURES: i64 = 5;
/// A password hash no password matches (a transferred account's, until it is activated).
const UNUSABLE_HASH: &str = "!transferred";

/// The columns of a register file, by their English or Japanese header.
const COLUMNS: [(&str, &str); 5] = [
    ("code", "医療機関等コード"),
    ("name", "名称"),
    ("kind", "種別"),
    ("postal_code", "郵便番号"),
    ("address", "所在地"),
];

/// Reads and checks a facility register file (UTF-8 CSV with a header naming the five
/// columns in English or Japanese, in any order): valid codes whose 点数表 matches the 種別,
/// 7-digit postal codes, names and addresses of 1–200 characters, no code twice. Every problem
/// as `file:line: column: message`.
pub fn parse_facility_register(path: &Path) -> Result<Vec<RegisterRow>, RegisterError> {
    let file = path.display().to_string();
    let bytes = read_register_file(path, MAX_FILE_BYTES)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes.as_slice());
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut record = csv::StringRecord::new();
    let mut order: Option<[usize; 5]> = None;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                errors.push(format!("{file}: {e}"));
                break;
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        let Some(index) = order else {
            let header: Vec<&str> = record
                .iter()
                .map(|h| h.trim_start_matches('\u{feff}').trim())
                .collect();
            let mut found = [usize::MAX; 5];
            for (i, (en, ja)) in COLUMNS.iter().enumerate() {
                match header.iter().position(|h| h == en || h == ja) {
                    Some(at) => found[i] = at,
                    None => errors.push(format!(
                        "{file}:{line}: header: column {en} ({ja}) is missing"
                    )),
                }
            }
            if !errors.is_empty() {
                return Err(RegisterError::Invalid(errors));
            }
            order = Some(found);
            continue;
        };
        let field = |i: usize| record.get(index[i]).unwrap_or_default().trim();
        let mut problems = Vec::new();
        let code = FacilityCode::parse(field(0))
            .map_err(|e| problems.push(format!("{file}:{line}: code: {e}")))
            .ok();
        let kind = RegisterKind::parse(field(2));
        if kind.is_none() {
            problems.push(format!(
                "{file}:{line}: kind: 種別は 病院・診療所・歯科診療所・薬局 のいずれかです (one of 病院, 診療所, 歯科診療所, 薬局)"
            ));
        }
        if let (Some(code), Some(kind)) = (&code, kind)
            && let Err(e) = check_kind(code, kind)
        {
            problems.push(format!("{file}:{line}: kind: {e}"));
        }
        let postal = normalize_postal_code(field(3));
        if postal.is_none() {
            problems.push(format!(
                "{file}:{line}: postal_code: 郵便番号は7桁です (7 digits)"
            ));
        }
        for (i, column) in [(1, "name"), (4, "address")] {
            let chars = field(i).chars().count();
            if chars == 0 || chars > MAX_TEXT_CHARS || field(i).chars().any(char::is_control) {
                problems.push(format!(
                    "{file}:{line}: {column}: 1 to {MAX_TEXT_CHARS} characters without control characters ({chars} given)"
                ));
            }
        }
        if let Some(code) = &code
            && let Some(first) = seen.insert(code.as_str().to_string(), line)
        {
            problems.push(format!(
                "{file}:{line}: code: {} is also on line {first}",
                code.as_str()
            ));
        }
        match (code, kind, postal, problems.is_empty()) {
            (Some(code), Some(kind), Some(postal_code), true) => rows.push(RegisterRow {
                code: code.as_str().to_string(),
                name: field(1).to_string(),
                kind: kind.as_str().to_string(),
                postal_code,
                address: field(4).to_string(),
            }),
            _ => errors.extend(problems),
        }
    }
    if order.is_none() {
        errors.push(format!(
            "{file}: empty file (expected a header: code,name,kind,postal_code,address)"
        ));
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(RegisterError::Invalid(errors))
    }
}

/// Loads a facility register file: all rows or none.
pub async fn load_facility_register(
    store: &dyn Store,
    path: &Path,
    dry_run: bool,
) -> Result<RegisterLoad, RegisterError> {
    let rows = parse_facility_register(path)?;
    let counts = store
        .upsert_register(&rows, OffsetDateTime::now_utc(), dry_run)
        .await?;
    Ok(RegisterLoad {
        rows: rows.len(),
        counts,
        dry_run,
    })
}

/// What a registration's code and category must satisfy: the code is in the register, and
/// its 種別 allows the category chosen.
pub(crate) async fn check_registration(
    store: &dyn Store,
    code: &FacilityCode,
    category: FacilityCategory,
) -> Result<Vec<FieldError>> {
    let Some(entry) = store.register_entry(code.as_str()).await? else {
        return Ok(vec![FieldError::new(
            "code",
            format!(
                "医療機関等コード {} は保険医療機関・保険薬局の名簿にありません。地方厚生局から通知されたコードを入力してください",
                code.as_str()
            ),
            format!(
                "facility code {} is not in the register of insured facilities",
                code.as_str()
            ),
        )]);
    };
    let kind = RegisterKind::parse(&entry.kind)
        .ok_or_else(|| PortalError::Internal(format!("register kind {}", entry.kind)))?;
    if kind.allows(category) {
        Ok(Vec::new())
    } else {
        Ok(vec![FieldError::new(
            "category",
            format!(
                "名簿ではこのコードは{}です。{}としては登録できません",
                kind.label_ja(),
                category.label_ja()
            ),
            format!(
                "the register lists this code as a {}; it cannot register as a {}",
                kind.as_str(),
                category.label_en()
            ),
        )])
    }
}

/// A letter printed now: where it goes and the code on it (shown once, never stored).
#[derive(Debug, Clone)]
pub struct PrintedLetter {
    pub letter: LetterToSend,
    pub code: ActivationCode,
    pub expires_at: OffsetDateTime,
}

fn random_code() -> Result<ActivationCode> {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 12];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| PortalError::Internal("no random numbers".into()))?;
    Ok(ActivationCode::from_random(bytes))
}

fn check_reason(reason: &str) -> Result<String> {
    let reason = reason.trim();
    let chars = reason.chars().count();
    if chars == 0 || chars > MAX_TEXT_CHARS || reason.chars().any(char::is_control) {
        return Err(PortalError::field(
            "reason",
            format!("理由を{MAX_TEXT_CHARS}文字以内で入力してください（記録に残ります）"),
            format!(
                "give a reason of up to {MAX_TEXT_CHARS} characters (it is kept in the audit trail)"
            ),
        ));
    }
    Ok(reason.to_string())
}

impl PortalService {
    /// The actor a signed-in session acts as now: `None` when its account is gone or the
    /// session was signed in before the account's sessions were voided (a transfer, an
    /// activation with a new password).
    pub async fn current_actor(
        &self,
        login: &str,
        signed_in_at: Option<OffsetDateTime>,
    ) -> Result<Option<Actor>> {
        let Some(account) = self.store.account(login).await? else {
            return Ok(None);
        };
        // Compared in whole milliseconds (the session's precision).
        let ms = |t: OffsetDateTime| t.unix_timestamp_nanos() / 1_000_000;
        if let Some(from) = account.sessions_from
            && signed_in_at.is_none_or(|at| ms(at) < ms(from))
        {
            return Ok(None);
        }
        Ok(Some(crate::portal::actor_of(account)?))
    }

    /// Activates a pending facility with the code of its letter. A signed-in pending user
    /// gives only the code; anyone else (the new holder of a transferred code) gives the
    /// facility code, the letter's code and the password to use from now on.
    pub async fn activate(
        &self,
        actor: Option<&Actor>,
        facility_code: &str,
        code: &str,
        new_password: Option<&str>,
    ) -> Result<Actor> {
        let facility_code = match actor {
            Some(Actor::Pending { code, .. }) => code.clone(),
            Some(_) => {
                return Err(PortalError::state(
                    "このアカウントは有効化済みです",
                    "this account is already active",
                ));
            }
            None => typed_code(facility_code)?,
        };
        let password = match (actor, new_password) {
            (None, Some(p)) => {
                crate::portal::check_password(p, &[facility_code.as_str()])?;
                Some(crate::portal::hash_password(p).await?)
            }
            (None, None) => {
                return Err(PortalError::field(
                    "password",
                    "新しいパスワードを入力してください",
                    "enter the new password",
                ));
            }
            (Some(_), _) => None,
        };
        let typed = ActivationCode::parse(code)
            .map_err(|e| PortalError::field("activation_code", e.clone(), e))?;
        let refused = || {
            PortalError::field(
                "activation_code",
                "確認コードが正しくないか、有効期限（印刷から30日）が切れています。届いた文書のコードを確かめ、届いていない場合は問い合わせ窓口へご連絡ください",
                "the code is wrong or expired (30 days after printing); check the letter, or contact the help desk",
            )
        };
        let now = self.now();
        let Some(letter) = self.store.letter(facility_code.as_str()).await? else {
            let _ = crate::portal::hash_password(typed.as_str()).await;
            return Err(refused());
        };
        let live = letter.used_at.is_none()
            && letter.expires_at.is_some_and(|t| t > now)
            && letter.failed_attempts < MAX_ACTIVATION_FAILURES;
        let Some(hash) = letter.code_hash.filter(|_| live) else {
            return Err(refused());
        };
        if !crate::portal::verify_password(typed.as_str(), &hash).await {
            let failed = self
                .store
                .count_activation_failure(facility_code.as_str())
                .await?;
            tracing::warn!(failed, "wrong activation code");
            return Err(refused());
        }
        if !self
            .store
            .activate(facility_code.as_str(), password.as_deref(), now)
            .await?
        {
            return Err(refused());
        }
        let actor = Actor::Facility {
            login: facility_code.to_string(),
            code: facility_code.clone(),
        };
        self.event(
            &actor,
            &facility_code,
            format!("facility:{facility_code}"),
            "activated",
            letter.reason,
        )
        .await?;
        Ok(actor)
    }

    /// Operator: the letters waiting to be posted or used.
    pub async fn letters(&self, actor: &Actor) -> Result<Vec<LetterToSend>> {
        actor.operator()?;
        Ok(self.store.letters_to_send().await?)
    }

    /// Operator: prints the letter of one facility (again: its earlier code stops working),
    /// or every letter not printed yet; each gets a new code, valid 30 days.
    pub async fn print_letters(
        &self,
        actor: &Actor,
        facility: Option<&str>,
    ) -> Result<Vec<PrintedLetter>> {
        actor.operator()?;
        let now = self.now();
        let expires_at = now + Duration::days(ACTIVATION_DAYS);
        let mut printed = Vec::new();
        for letter in self.store.letters_to_send().await? {
            let wanted = match facility {
                Some(code) => letter.facility_code == code,
                None => letter.printed_at.is_none(),
            };
            if !wanted {
                continue;
            }
            let code = random_code()?;
            let hash = crate::portal::hash_password(code.as_str()).await?;
            if self
                .store
                .print_letter(&letter.facility_code, &hash, now, expires_at)
                .await?
            {
                self.event(
                    actor,
                    &typed_code(&letter.facility_code)?,
                    format!("facility:{}", letter.facility_code),
                    "letter-printed",
                    String::new(),
                )
                .await?;
                printed.push(PrintedLetter {
                    letter,
                    code,
                    expires_at,
                });
            }
        }
        Ok(printed)
    }

    /// Operator: removes a registration (facility, accounts, letter) that has no
    /// applications or inquiries, so the code can be registered again by its owner.
    pub async fn release_facility(&self, actor: &Actor, code: &str, reason: &str) -> Result<()> {
        actor.operator()?;
        let reason = check_reason(reason)?;
        let code = &typed_code(code)?;
        let code = code.as_str();
        if self.store.facility(code).await?.is_none() {
            return Err(PortalError::NotFound);
        }
        if !self.store.release_facility(code).await? {
            return Err(PortalError::state(
                "申請や問い合わせの記録があるため解除できません。譲渡（移管）を使ってください",
                "it has applications or inquiries: transfer it instead",
            ));
        }
        self.event(
            actor,
            &typed_code(code)?,
            format!("facility:{code}"),
            "released",
            reason,
        )
        .await
    }

    /// Operator: hands a code to its rightful holder: the accounts are pending again with
    /// no usable password, every session ends, and a new letter goes to the registered
    /// address; its code and a new password activate the account.
    pub async fn transfer_facility(&self, actor: &Actor, code: &str, reason: &str) -> Result<()> {
        actor.operator()?;
        let reason = check_reason(reason)?;
        let typed = typed_code(code)?;
        let code = typed.as_str();
        if !self
            .store
            .transfer_facility(code, UNUSABLE_HASH, self.now())
            .await?
        {
            return Err(PortalError::NotFound);
        }
        self.event(
            actor,
            &typed,
            format!("facility:{code}"),
            "transferred",
            reason,
        )
        .await
    }
}

/// The account page's form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ContactForm {
    pub contact_name: String,
    pub email: String,
    pub phone: String,
}

impl PortalService {
    /// A facility changes its own password: the current one, then a new one that meets the
    /// policy; every other session of the account ends.
    pub async fn change_password(&self, actor: &Actor, current: &str, new: &str) -> Result<()> {
        let code = actor.own_facility()?.clone();
        let account = self
            .store
            .account(actor.login())
            .await?
            .ok_or(PortalError::NotFound)?;
        if !crate::portal::verify_password(current, &account.password_hash).await {
            return Err(PortalError::field(
                "current_password",
                "現在のパスワードが違います",
                "the current password is wrong",
            ));
        }
        let name = self
            .store
            .facility(code.as_str())
            .await?
            .map(|f| f.name)
            .unwrap_or_default();
        crate::portal::check_password(new, &[code.as_str(), name.as_str()])?;
        if new == current {
            return Err(PortalError::field(
                "password",
                "新しいパスワードは現在のものと違うものにしてください",
                "the new password must differ from the current one",
            ));
        }
        let hash = crate::portal::hash_password(new).await?;
        self.store
            .change_password(actor.login(), &hash, self.now())
            .await?;
        self.event(
            actor,
            &code,
            format!("facility:{code}"),
            "password-changed",
            String::new(),
        )
        .await
    }

    /// A facility updates its contact person, mail address and phone (name, code and
    /// address come from the register and are changed only there).
    pub async fn update_contact(&self, actor: &Actor, form: &ContactForm) -> Result<()> {
        let code = actor.own_facility()?.clone();
        let mut errors = Vec::new();
        let (contact, email, phone) = crate::portal::contact_fields(
            &mut errors,
            &form.contact_name,
            &form.email,
            &form.phone,
        );
        let (Some(email), Some(phone), true) = (email, phone, errors.is_empty()) else {
            return Err(PortalError::Invalid(errors));
        };
        self.store
            .update_contact(code.as_str(), &contact, &email, &phone)
            .await?;
        self.event(
            actor,
            &code,
            format!("facility:{code}"),
            "contact-changed",
            String::new(),
        )
        .await
    }
}

/// Letters for a mailing service: one row each, the code as printed.
pub fn letters_csv(letters: &[PrintedLetter]) -> Vec<u8> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let _ = out.write_record([
        "医療機関等コード",
        "名称",
        "郵便番号",
        "所在地",
        "確認コード",
        "有効期限",
    ]);
    for p in letters {
        let _ = out.write_record([
            p.letter.facility_code.as_str(),
            p.letter.name.as_str(),
            // As the register keeps it (normalized to 123-4567).
            p.letter.postal_code.as_str(),
            p.letter.address.as_str(),
            &p.code.to_string(),
            &jst_day(p.expires_at),
        ]);
    }
    out.into_inner().unwrap_or_default()
}

/// A day in JST as letters print it (2026年12月3日).
pub(crate) fn jst_day(at: OffsetDateTime) -> String {
    let d = shikaku_domain::date::jst_date(at);
    format!("{}年{}月{}日", d.year(), u8::from(d.month()), d.day())
}

/// A 医療機関等コード as typed (or as stored by an older version), or the error naming it.
fn typed_code(text: &str) -> Result<FacilityCode> {
    FacilityCode::parse(text.trim()).map_err(|e| {
        PortalError::field(
            "code",
            format!("医療機関等コードが正しくありません: {}", e.ja()),
            format!("the facility code is not valid: {}", e.en()),
        )
    })
}
