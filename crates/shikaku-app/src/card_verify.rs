//! マイナンバーカードによる資格確認: the central side of a My Number Card verification.
//!
//! The terminal asks for a fresh nonce ([`CardVerifier::challenge`]), the card signs it at the
//! reader, and [`CardVerifier::verify`] checks, in this order: the nonce (issued to this
//! terminal, unexpired, never used before — it is consumed by the first attempt), the
//! certificate chain to the JPKI CA and its validity, the signature over the nonce and the
//! reader's statement of the method, the J-LIS register (known, not revoked), then 初回登録
//! and the person-centred qualification. Consents are recorded only for a verified person.
//! Every attempt is logged before the answer.

use std::sync::Arc;

use shikaku_domain::{Eligibility, decide_person};
use shikaku_pki::jpki::{CardCertError, challenge_message};
use shikaku_store::{AccessLogEntry, Consent};
use time::{Date, Duration, OffsetDateTime};

use crate::lookup::{Caller, EligibilityService, LookupError};

/// How long a nonce may be used.
pub const NONCE_TTL: Duration = Duration::minutes(5);
/// How long a consent given at the reader lasts (outpatient convention, `insurer-import.md` §5).
pub const CONSENT_TTL: Duration = Duration::hours(24);
/// The access-log kind of a card verification.
pub const KIND_MY_NUMBER_CARD: &str = "my_number_card";

/// How the reader confirmed the holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Face,
    Pin,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Face => "face",
            Method::Pin => "pin",
        }
    }
}

#[derive(Debug, Clone)]
pub struct CardVerifyRequest {
    pub nonce: Vec<u8>,
    pub certificate_der: Vec<u8>,
    pub signature: Vec<u8>,
    pub method: Method,
    /// 初回登録: the holder agrees to use the card as a health-insurance card.
    pub register: bool,
    pub consent_drugs: Option<bool>,
    pub consent_checkups: Option<bool>,
    /// 限度額・特定疾病 information for this visit (shown in the result, never stored).
    pub consent_limit: Option<bool>,
    /// An inpatient's consent lasts until discharge is recorded (`insurer-import.md` §5).
    pub inpatient: bool,
    pub as_of: Option<Date>,
}

/// The outcome codes of a card verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardStatus {
    Valid,
    Lost,
    NotYet,
    NoQualification,
    NotRegistered,
    Revoked,
    Expired,
    UntrustedCard,
    BadSignature,
    NonceInvalid,
    /// マイナポータル sign-in needs the PIN.
    PinRequired,
    /// The rows linked to the holder's 個人番号 are not one person (a suspect link): nothing
    /// is shown, no 初回登録 or consent is recorded.
    NeedsReview,
}

impl CardStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Lost => "lost",
            Self::NotYet => "not_yet",
            Self::NoQualification => "no_qualification",
            Self::NotRegistered => "not_registered",
            Self::Revoked => "revoked",
            Self::Expired => "expired",
            Self::UntrustedCard => "untrusted_card",
            Self::BadSignature => "bad_signature",
            Self::NonceInvalid => "nonce_invalid",
            Self::PinRequired => "pin_required",
            Self::NeedsReview => "needs_review",
        }
    }

    /// What the reader screen says.
    pub fn message_ja(self) -> &'static str {
        match self {
            Self::Valid => "資格が確認できました（有効）",
            Self::Lost => "資格は喪失しています（無効）",
            Self::NotYet => "資格の開始日前です（無効（未取得））",
            Self::NoQualification => {
                "このカードの方の資格情報が登録されていません。保険者にお問い合わせください"
            }
            Self::NotRegistered => {
                "健康保険証としての利用登録（初回登録）がされていません。登録してから再度お試しください"
            }
            Self::Revoked => {
                "このカードの電子証明書は失効しています。市区町村の窓口にお問い合わせください"
            }
            Self::Expired => {
                "このカードの電子証明書は有効期限が切れています。市区町村の窓口で更新してください"
            }
            Self::UntrustedCard => {
                "このカードは確認できません（公的個人認証の証明書ではありません）"
            }
            Self::BadSignature => {
                "カードの署名を確認できませんでした。もう一度カードを置いてください"
            }
            Self::NonceInvalid => {
                "確認の有効時間を過ぎたか、同じ要求が再送されました。もう一度カードを置いてください"
            }
            Self::PinRequired => "マイナポータルへのログインには暗証番号が必要です",
            Self::NeedsReview => "資格情報の確認が必要です（保険者に照会中）",
        }
    }

    /// Statuses that carry a qualification.
    pub fn has_qualification(self) -> bool {
        matches!(self, Self::Valid | Self::Lost | Self::NotYet)
    }
}

#[derive(Debug, Clone)]
pub struct CardOutcome {
    pub status: CardStatus,
    pub as_of: Date,
    pub qualification: Option<shikaku_domain::Qualification>,
    /// 初回登録 happened in this verification.
    pub registered_now: bool,
    /// Consents recorded in this verification (drugs, checkups).
    pub consents_recorded: Vec<&'static str>,
    pub consent_expires_at: Option<OffsetDateTime>,
}

impl CardOutcome {
    /// The outcome's explanation (empty for 有効) and the (JST) date of its insurer's data:
    /// for a qualification, as a lookup answer explains it; for a refusal, the screen's text.
    pub fn explanation(
        &self,
        names: &crate::insurers::InsurerNames,
        english: bool,
    ) -> (String, Option<Date>) {
        use shikaku_domain::Eligibility;
        use shikaku_domain::explanation::{DataAsOf, explain};
        let data = self
            .qualification
            .as_ref()
            .map_or(DataAsOf(None), |q| names.data_as_of(&q.card.insurer));
        let outcome = match (self.status, &self.qualification) {
            (CardStatus::Valid, Some(q)) => Some(Eligibility::Valid(q.clone())),
            (CardStatus::Lost, Some(q)) => Some(Eligibility::Lost(q.clone())),
            (CardStatus::NotYet, Some(q)) => Some(Eligibility::NotYet(q.clone())),
            (CardStatus::NoQualification, _) => Some(Eligibility::NoMatch),
            (CardStatus::NeedsReview, _) => Some(Eligibility::NeedsReview),
            _ => None,
        };
        let text = match outcome {
            Some(o) => explain(&o, None, data, self.as_of, english),
            None => self.status.message_ja().to_string(),
        };
        (text, data.0)
    }
}

/// The expiry of an inpatient's consent until discharge ends it.
pub fn until_discharge() -> OffsetDateTime {
    time::macros::datetime!(9999-12-31 00:00 UTC)
}

/// Records a discharge: ends this facility's live consents of the person behind these card
/// numbers. `None` when no such person (or no 個人番号 linkage).
pub async fn discharge(
    service: &EligibilityService,
    caller: &Caller,
    request: &crate::lookup::LookupRequest,
) -> Result<Option<u64>, LookupError> {
    let store = service.store();
    let hash = store
        .person_hash_for_card(&request.card, request.birth_date)
        .await?;
    match hash {
        // Another person's consents are never ended through a suspect link.
        Some(hash)
            if crate::linkage::linked_rows(store.as_ref(), &hash)
                .await?
                .is_none() =>
        {
            Ok(None)
        }
        Some(hash) => Ok(Some(
            store
                .end_consents(&hash, &caller.facility_code, OffsetDateTime::now_utc())
                .await?,
        )),
        None => Ok(None),
    }
}

/// What the holder sees about themselves.
#[derive(Debug, Clone)]
pub struct PatientView {
    pub accesses: Vec<PatientAccess>,
    pub consents: Vec<PatientConsent>,
    pub registered_at: Option<OffsetDateTime>,
    /// The rows linked to the holder's 個人番号 are a suspect link: only accesses made with
    /// the card itself are shown until the insurer corrects them.
    pub under_review: bool,
}

/// One access to the holder's information, as マイナポータル shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientAccess {
    pub at: OffsetDateTime,
    pub facility_code: String,
    /// The access-log kind (`card_numbers`, `my_number_card`, `drugs`, …).
    pub kind: String,
    pub status: String,
}

/// A consent the holder gave at a facility's reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientConsent {
    pub facility_code: String,
    /// `drugs` or `checkups`.
    pub kind: String,
    pub given_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

fn patient_caller() -> Caller {
    Caller {
        facility_code: String::new(),
        terminal_name: String::new(),
        cert_serial: "(patient)".into(),
    }
}

/// What the store keeps of a nonce.
fn nonce_hash(nonce: &[u8]) -> String {
    hex::encode(shikaku_pki::sha256(nonce))
}

/// The card-verification use case (shares the store, keys and access log of the lookup service).
#[derive(Clone)]
pub struct CardVerifier {
    service: EligibilityService,
    trusted: Arc<shikaku_pki::jpki::TrustedCards>,
    nonce_ttl: Duration,
}

impl CardVerifier {
    pub fn new(service: EligibilityService, jpki_ca_der: Vec<u8>) -> Self {
        Self {
            service,
            trusted: Arc::new(shikaku_pki::jpki::TrustedCards::new(jpki_ca_der)),
            nonce_ttl: NONCE_TTL,
        }
    }

    /// The same verifier with another nonce lifetime (tests of expiry).
    pub fn with_nonce_ttl(mut self, ttl: Duration) -> Self {
        self.nonce_ttl = ttl;
        self
    }

    /// A fresh single-use nonce for this terminal, and when it expires. It is kept in the
    /// store (only its SHA-256), so any node of a cluster accepts it, once.
    pub async fn challenge(
        &self,
        caller: &Caller,
    ) -> Result<(Vec<u8>, OffsetDateTime), LookupError> {
        let mut nonce = vec![0u8; 32];
        use ring::rand::SecureRandom;
        if ring::rand::SystemRandom::new().fill(&mut nonce).is_err() {
            // Without randomness no nonce can be trusted; an all-zero one is never accepted.
            nonce.fill(0);
        }
        let now = OffsetDateTime::now_utc();
        let expires_at = now + self.nonce_ttl;
        self.service
            .store()
            .issue_challenge(&nonce_hash(&nonce), &caller.cert_serial, expires_at, now)
            .await?;
        Ok((nonce, expires_at))
    }

    /// Consumes the nonce; true when it was issued to this terminal and is still valid.
    async fn take_nonce(
        &self,
        nonce: &[u8],
        caller: &Caller,
        now: OffsetDateTime,
    ) -> Result<bool, LookupError> {
        if nonce.iter().all(|b| *b == 0) {
            return Ok(false);
        }
        Ok(self
            .service
            .store()
            .take_challenge(&nonce_hash(nonce), now)
            .await?
            .is_some_and(|serial| serial == caller.cert_serial))
    }

    pub async fn verify(
        &self,
        request: &CardVerifyRequest,
        caller: &Caller,
    ) -> Result<CardOutcome, LookupError> {
        let now = OffsetDateTime::now_utc();
        let as_of = request
            .as_of
            .unwrap_or_else(|| shikaku_domain::date::jst_date(now));
        let key = self.service.person_key();
        let mut outcome = CardOutcome {
            status: CardStatus::NonceInvalid,
            as_of,
            qualification: None,
            registered_now: false,
            consents_recorded: Vec::new(),
            consent_expires_at: None,
        };
        // Until the card is known, the log names the certificate, not a person.
        let mut person_hash = key.hash(
            "jpki_cert",
            &[&hex::encode(shikaku_pki::sha256(&request.certificate_der))],
        );
        outcome.status = self
            .check(request, caller, now, &mut outcome, &mut person_hash)
            .await?;
        self.service
            .access_logger()
            .record(
                caller,
                now,
                KIND_MY_NUMBER_CARD,
                outcome.status.as_str(),
                person_hash,
            )
            .await?;
        Ok(outcome)
    }

    /// The nonce, the chain, the validity, the signature, and the J-LIS register.
    async fn authenticate_card(
        &self,
        request: &CardVerifyRequest,
        caller: &Caller,
        now: OffsetDateTime,
    ) -> Result<Result<shikaku_store::JpkiCert, CardStatus>, LookupError> {
        if !self.take_nonce(&request.nonce, caller, now).await? {
            return Ok(Err(CardStatus::NonceInvalid));
        }
        let message = challenge_message(&request.nonce, request.method.as_str());
        let cert =
            match self
                .trusted
                .verify(&request.certificate_der, now, &message, &request.signature)
            {
                Ok(cert) => cert,
                Err(CardCertError::Expired | CardCertError::NotYetValid) => {
                    return Ok(Err(CardStatus::Expired));
                }
                Err(CardCertError::BadSignature) => return Ok(Err(CardStatus::BadSignature)),
                Err(CardCertError::Untrusted | CardCertError::Malformed(_)) => {
                    return Ok(Err(CardStatus::UntrustedCard));
                }
            };
        let Some(record) = self.service.store().jpki_cert(&cert.serial).await? else {
            return Ok(Err(CardStatus::UntrustedCard));
        };
        if record.fingerprint != cert.fingerprint {
            return Ok(Err(CardStatus::UntrustedCard));
        }
        if record.revoked_at.is_some() {
            return Ok(Err(CardStatus::Revoked));
        }
        Ok(Ok(record))
    }

    /// マイナポータル: the holder, signing in with card and PIN, sees who accessed their
    /// information and which consents they gave. Never logged as a facility access.
    pub async fn patient_view(
        &self,
        request: &CardVerifyRequest,
        limit: u32,
    ) -> Result<Result<PatientView, CardStatus>, LookupError> {
        let now = OffsetDateTime::now_utc();
        let caller = patient_caller();
        if request.method != Method::Pin {
            // Consume the nonce anyway: one attempt per nonce.
            self.take_nonce(&request.nonce, &caller, now).await?;
            return Ok(Err(CardStatus::PinRequired));
        }
        let record = match self.authenticate_card(request, &caller, now).await? {
            Ok(record) => record,
            Err(status) => return Ok(Err(status)),
        };
        let store = self.service.store();
        let key = self.service.person_key();
        let hash = record.my_number_hash;
        let mut person_hashes = vec![key.hash("card_holder", &[&hex::encode(&hash)])];
        let rows = crate::linkage::linked_rows(store.as_ref(), &hash).await?;
        let under_review = rows.is_none();
        for q in rows.iter().flatten() {
            let h = key.hash("person", &[q.card.insurer.as_str(), &q.person_ref]);
            // Failed tries against the holder's card numbers (該当資格なし) are logged under
            // the card's hash: they concern the holder too.
            let card = key.card(&q.card);
            for h in [h, card] {
                if !person_hashes.contains(&h) {
                    person_hashes.push(h);
                }
            }
        }
        Ok(Ok(PatientView {
            accesses: store
                .access_log_for_persons(&person_hashes, limit)
                .await?
                .into_iter()
                .map(|e: AccessLogEntry| PatientAccess {
                    at: e.at,
                    facility_code: e.facility_code,
                    kind: e.kind,
                    status: e.status,
                })
                .collect(),
            consents: store
                .consents(&hash)
                .await?
                .into_iter()
                .map(|c| PatientConsent {
                    facility_code: c.facility_code,
                    kind: c.kind,
                    given_at: c.given_at,
                    expires_at: c.expires_at,
                })
                .collect(),
            registered_at: store.card_registration(&hash).await?,
            under_review,
        }))
    }

    /// A nonce for the patient's own sign-in (not bound to a terminal).
    pub async fn patient_challenge(&self) -> Result<(Vec<u8>, OffsetDateTime), LookupError> {
        self.challenge(&patient_caller()).await
    }

    async fn check(
        &self,
        request: &CardVerifyRequest,
        caller: &Caller,
        now: OffsetDateTime,
        outcome: &mut CardOutcome,
        person_hash: &mut Vec<u8>,
    ) -> Result<CardStatus, LookupError> {
        let record = match self.authenticate_card(request, caller, now).await? {
            Ok(record) => record,
            Err(status) => return Ok(status),
        };
        let store = self.service.store();
        let hash = record.my_number_hash;
        *person_hash = self
            .service
            .person_key()
            .hash("card_holder", &[&hex::encode(&hash)]);
        // A suspect link is never used: not for the answer, not for 初回登録, not for consents.
        let Some(periods) = crate::linkage::linked_rows(store.as_ref(), &hash).await? else {
            return Ok(CardStatus::NeedsReview);
        };
        if store.card_registration(&hash).await?.is_none() {
            if !request.register {
                return Ok(CardStatus::NotRegistered);
            }
            if periods.is_empty() {
                return Ok(CardStatus::NoQualification);
            }
            store
                .register_card(&hash, &caller.facility_code, now)
                .await?;
            outcome.registered_now = true;
        }
        let decided = decide_person(&periods, outcome.as_of);
        let status = match &decided {
            Eligibility::Valid(_) => CardStatus::Valid,
            Eligibility::Lost(_) | Eligibility::LostNewer { .. } => CardStatus::Lost,
            Eligibility::NotYet(_) => CardStatus::NotYet,
            Eligibility::NoMatch | Eligibility::Multiple => return Ok(CardStatus::NoQualification),
            Eligibility::NeedsReview => return Ok(CardStatus::NeedsReview),
        };
        if let Some(q) = decided.qualification() {
            *person_hash = self
                .service
                .person_key()
                .hash("person", &[q.card.insurer.as_str(), &q.person_ref]);
            outcome.qualification = Some(q.clone());
        }
        let expires_at = if request.inpatient {
            until_discharge()
        } else {
            now + CONSENT_TTL
        };
        for (kind, given) in [
            ("drugs", request.consent_drugs),
            ("checkups", request.consent_checkups),
        ] {
            if given == Some(true) {
                store
                    .record_consent(&Consent {
                        my_number_hash: hash.clone(),
                        facility_code: caller.facility_code.clone(),
                        kind: kind.into(),
                        given_at: now,
                        expires_at,
                    })
                    .await?;
                outcome.consents_recorded.push(kind);
                outcome.consent_expires_at = Some(expires_at);
            }
        }
        if request.consent_limit == Some(true) {
            outcome.consents_recorded.push("limit");
        }
        Ok(status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shikaku_pki::jpki::{CardAuth, CardHolder, Pin};

    #[tokio::test]
    async fn an_expired_nonce_is_refused_even_with_a_good_signature() {
        let db = shikaku_store::testing::TempSqlite::new();
        let store = shikaku_store::open(&db.url).await.expect("store");
        let service = EligibilityService::new(store, crate::PersonKey::from_bytes(&[1; 32]));
        let ca = shikaku_pki::jpki::load_or_create_ca(db.dir.path()).expect("jpki");
        let pin = Pin::parse("1234").expect("pin");
        let holder = CardHolder {
            name: "試験".into(),
            birth_date: "1980-01-01".into(),
        };
        let mut card = ca
            .issue_card(None, holder, "p", &pin, OffsetDateTime::now_utc())
            .expect("card")
            .card;
        let key = card.authenticate(&CardAuth::FaceMatched).expect("face");
        let caller = Caller {
            facility_code: "1311234566".into(),
            terminal_name: "t".into(),
            cert_serial: "01".into(),
        };
        for (ttl, expected) in [
            (Duration::ZERO, CardStatus::NonceInvalid),
            (NONCE_TTL, CardStatus::UntrustedCard),
        ] {
            let verifier =
                CardVerifier::new(service.clone(), ca.cert_der().to_vec()).with_nonce_ttl(ttl);
            let (nonce, _) = verifier.challenge(&caller).await.expect("challenge");
            let request = CardVerifyRequest {
                signature: key.sign(&challenge_message(&nonce, "face")),
                nonce,
                certificate_der: card.certificate_der().expect("der"),
                method: Method::Face,
                register: false,
                consent_drugs: None,
                consent_checkups: None,
                consent_limit: None,
                inpatient: false,
                as_of: None,
            };
            // With a live nonce the card gets past the nonce check (and is then unknown to
            // the register, since it was not issued through it).
            let outcome = verifier.verify(&request, &caller).await.expect("verify");
            assert_eq!(outcome.status, expected);
        }
    }
}
