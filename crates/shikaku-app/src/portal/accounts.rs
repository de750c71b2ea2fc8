//! Accounts: registration, operators, login (throttled, never locked), passwords (argon2id, the policy) and contact fields.

use super::*;

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
pub(super) fn argon() -> argon2::Argon2<'static> {
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

impl PortalService {
    // ---- accounts -------------------------------------------------------------------

    /// Registers a facility and its account (login = the 医療機関等コード).
    pub async fn register(&self, form: &Registration) -> Result<Actor> {
        let mut errors = Vec::new();
        let code = match FacilityCode::parse(&form.code) {
            Ok(code) => Some(code),
            Err(e) => {
                errors.push(FieldError::new(
                    "code",
                    format!("医療機関等コードが正しくありません: {}", e.ja()),
                    format!("the facility code is not valid: {}", e.en()),
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
        let now = self.now();
        let facility = Facility {
            code: code.clone(),
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
            login: facility.code.to_string(),
            role: "facility".into(),
            facility_code: Some(facility.code.to_string()),
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
        Ok(self.store.delete_expired_sessions(self.now()).await?)
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
            created_at: self.now(),
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
        let now = self.now();
        let wait = self.throttle.wait(login, client, now).await?;
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
            let failed = self.throttle.failed(login, client, now).await?;
            if self.store.count_login_failure(login).await? > 0 {
                tracing::info!(failed, "portal login failed");
            }
            metrics::counter!("shikaku_portal_login_failures_total").increment(1);
            return Err(PortalError::BadLogin);
        };
        self.throttle.succeeded(login, client).await?;
        if account.failed_logins != 0 || account.locked_until.is_some() {
            self.store.set_login_lock(login, None).await?;
        }
        actor_of(account)
    }
}
