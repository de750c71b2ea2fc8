//! 資格確認 by card numbers: fetch candidates, decide in the domain, log the access, answer.

use std::sync::Arc;

use shikaku_domain::{CardNumbers, Eligibility, decide, pick_branch, with_newer};
use shikaku_store::{Store, StoreError};
use time::{Date, OffsetDateTime};

use crate::access_log::{AccessLogError, AccessLogger};
use crate::secrets::PersonKey;

/// Who asks: the facility terminal (from its client certificate) or an operator.
#[derive(Debug, Clone)]
pub struct Caller {
    pub facility_code: String,
    pub terminal_name: String,
    pub cert_serial: String,
}

#[derive(Debug, Clone)]
pub struct LookupRequest {
    pub card: CardNumbers,
    pub birth_date: Date,
    /// 照会日; None means today (JST).
    pub as_of: Option<Date>,
    /// The query carries no 枝番: `card.branch` is ignored, and the one person among the
    /// branches with this birth date is found (or `Multiple`).
    pub any_branch: bool,
    /// No birth date given (drug and checkup reads after a card check): the one person
    /// behind the card numbers is used, or `Multiple`; `birth_date` is ignored.
    pub any_birth: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    #[error("database unavailable")]
    Unavailable(#[source] StoreError),
    #[error("storage error")]
    Store(#[source] StoreError),
    #[error(transparent)]
    AccessLog(#[from] AccessLogError),
    /// A batch that gives one card number with many birth dates.
    #[error("one card number with {birth_dates} birth dates")]
    BirthDateSearch { birth_dates: usize },
    /// Too many 該当資格なし answers to this terminal or facility lately.
    #[error("too many no-match answers: retry in {seconds} s")]
    TooManyNoMatch { seconds: i64 },
}

impl From<StoreError> for LookupError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => Self::Unavailable(e),
            other => Self::Store(other),
        }
    }
}

#[derive(Clone)]
pub struct EligibilityService {
    store: Arc<dyn Store>,
    key: PersonKey,
    log: AccessLogger,
    insurers: Arc<crate::insurers::InsurerCache>,
    no_match: Arc<crate::lookup_limit::NoMatchLimiter>,
}

/// The access-log kind of a lookup by card numbers.
pub const KIND_CARD_NUMBERS: &str = "card_numbers";

impl EligibilityService {
    pub fn new(store: Arc<dyn Store>, key: PersonKey) -> Self {
        let log = AccessLogger::spawn(store.clone());
        let no_match = Arc::new(crate::lookup_limit::NoMatchLimiter::new(key.clone()));
        no_match.spawn_sync(store.clone());
        Self {
            store,
            key,
            log,
            no_match,
            insurers: Arc::default(),
        }
    }

    /// Reads the insurer register now (at start-up, and after loading it).
    pub async fn load_insurers(&self) -> Result<usize, StoreError> {
        self.insurers.reload(self.store.as_ref()).await
    }

    /// Insurer names for answers: the register's, reloaded in the background once a minute.
    pub fn insurer_names(&self) -> Arc<crate::insurers::InsurerNames> {
        self.insurers.get(&self.store)
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Readiness: the database answers.
    pub async fn ready(&self) -> Result<(), StoreError> {
        self.store.ping().await
    }

    /// Whether a terminal certificate may be used now (the register, asked on every request).
    pub async fn authorize_terminal(
        &self,
        identity: &shikaku_pki::TerminalIdentity,
    ) -> Result<Result<Caller, crate::terminal_certs::Denied>, StoreError> {
        crate::terminal_certs::authorize(&self.store, identity).await
    }

    pub fn person_key(&self) -> &PersonKey {
        &self.key
    }

    /// The group-commit access log shared by every kind of lookup.
    pub fn access_logger(&self) -> &AccessLogger {
        &self.log
    }

    /// Decides without recording an access (for demos and internal checks, never for callers).
    pub async fn evaluate(
        &self,
        request: &LookupRequest,
    ) -> Result<(Eligibility, Date), LookupError> {
        let as_of = request
            .as_of
            .unwrap_or_else(|| shikaku_domain::date::jst_date(OffsetDateTime::now_utc()));
        let mut birth_date = request.birth_date;
        if request.any_birth {
            let all = if request.any_branch {
                self.store.find_by_card_any_branch(&request.card).await?
            } else {
                self.store.find_by_card(&request.card).await?
            };
            let Some(first) = all.first() else {
                return Ok((Eligibility::NoMatch, as_of));
            };
            if all
                .iter()
                .any(|q| q.person_ref != first.person_ref || q.card.insurer != first.card.insurer)
            {
                return Ok((Eligibility::Multiple, as_of));
            }
            birth_date = first.birth_date;
        }
        let (periods, card) = if request.any_branch {
            let all = self.store.find_by_card_any_branch(&request.card).await?;
            match pick_branch(&all, birth_date) {
                Ok(periods) => {
                    let card = periods
                        .first()
                        .map_or_else(|| request.card.clone(), |q| q.card.clone());
                    (periods, card)
                }
                Err(none) => return Ok((none.into(), as_of)),
            }
        } else {
            (
                self.store.find_by_card(&request.card).await?,
                request.card.clone(),
            )
        };
        let mut outcome = decide(&periods, birth_date, as_of);
        if let Eligibility::Lost(lost) = &outcome {
            // Rows reached through the 個人番号 are used only when they are the same person
            // (a wrong link would name another person's insurer).
            let related: Vec<_> = self
                .store
                .find_related(&card)
                .await?
                .into_iter()
                .filter(|r| shikaku_domain::linkage::same_person(lost, r))
                .collect();
            outcome = with_newer(outcome, &related, as_of);
        }
        Ok((outcome, as_of))
    }

    /// Looks up card numbers as of a date and records the access before answering. A
    /// terminal or facility with too many 該当資格なし answers lately is refused
    /// ([`crate::lookup_limit`]).
    pub async fn lookup(
        &self,
        request: &LookupRequest,
        caller: &Caller,
    ) -> Result<(Eligibility, Date), LookupError> {
        let now = OffsetDateTime::now_utc();
        if let Err(wait) = self.no_match.check(caller, &request.card, now) {
            metrics::counter!("shikaku_lookups_refused_total", "reason" => "too_many_no_match")
                .increment(1);
            tracing::warn!(
                facility = %caller.facility_code,
                wait_s = wait.whole_seconds(),
                "lookups refused: too many no-match answers"
            );
            return Err(LookupError::TooManyNoMatch {
                seconds: wait.whole_seconds().max(1),
            });
        }
        let (outcome, as_of) = self.evaluate(request).await?;
        let person_hash = match outcome.qualification() {
            Some(q) => self
                .key
                .hash("person", &[q.card.insurer.as_str(), &q.person_ref]),
            None => {
                if matches!(outcome, Eligibility::NoMatch) {
                    self.no_match
                        .record(caller, &request.card, request.birth_date, now);
                }
                self.key.card(&request.card)
            }
        };
        metrics::counter!("shikaku_lookups_total", "status" => outcome.status().as_str())
            .increment(1);
        self.log
            .record(
                caller,
                OffsetDateTime::now_utc(),
                KIND_CARD_NUMBERS,
                outcome.status().as_str(),
                person_hash,
            )
            .await?;
        Ok((outcome, as_of))
    }
}
