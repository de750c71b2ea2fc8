//! 薬剤情報・特定健診情報の閲覧: a facility terminal reads a patient's drug (3 years) or
//! checkup (5 years) records only under a live consent the patient gave at that facility's
//! card reader, for that kind (`insurer-import.md` §5). Every attempt is logged.

use shikaku_store::RecordKind;
use time::{Date, OffsetDateTime};

use crate::lookup::{Caller, EligibilityService, LookupError, LookupRequest};

/// Why records are not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No such card numbers with this birth date, or no 個人番号 behind them.
    NoMatch,
    /// The patient never consented at this facility for this kind.
    NoConsent,
    /// The consent at this facility has ended.
    ConsentExpired,
    /// The rows linked to the person's 個人番号 are a suspect link: the records (keyed by
    /// that number) may be another person's.
    NeedsReview,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::NoMatch => "no_match",
            Refusal::NoConsent => "no_consent",
            Refusal::ConsentExpired => "consent_expired",
            Refusal::NeedsReview => "needs_review",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Refusal::NoMatch => {
                "該当する方がいないか、マイナンバーカードでの受付ができない方です (no such person, or no My Number linkage)"
            }
            Refusal::NoConsent => {
                "この医療機関・薬局での閲覧の同意がありません。カードリーダーで同意を得てください (no consent at this facility for this information)"
            }
            Refusal::ConsentExpired => {
                "閲覧の同意の有効期間が過ぎています。カードリーダーで改めて同意を得てください (the consent at this facility has expired)"
            }
            Refusal::NeedsReview => {
                "資格情報の確認が必要です（保険者に照会中）。この方の薬剤情報・特定健診情報は表示できません (the person's linkage is under review)"
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct MedicalInfo {
    /// The person's qualification the records belong to (name, kana, birth date, sex).
    pub person: shikaku_domain::Qualification,
    pub kind: RecordKind,
    pub as_of: Date,
    pub since: Date,
    pub consent_expires_at: OffsetDateTime,
    pub records: Vec<MedicalRecord>,
}

/// One drug or checkup record: its insurer and the record as JSON text (fixed-point strings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MedicalRecord {
    pub insurer_number: String,
    pub record_date: Date,
    pub data: String,
}

/// How far back each kind is shown.
pub fn years_shown(kind: RecordKind) -> i32 {
    match kind {
        RecordKind::Drugs => 3,
        RecordKind::Checkups => 5,
    }
}

fn years_before(date: Date, years: i32) -> Date {
    let year = date.year() - years;
    date.replace_year(year).unwrap_or_else(|_| {
        // 29 February → 28 February.
        Date::from_calendar_date(year, date.month(), 28).unwrap_or(date)
    })
}

pub async fn fetch(
    service: &EligibilityService,
    caller: &Caller,
    kind: RecordKind,
    request: &LookupRequest,
) -> Result<Result<MedicalInfo, Refusal>, LookupError> {
    let now = OffsetDateTime::now_utc();
    let (outcome, as_of) = service.evaluate(request).await?;
    let store = service.store();
    let key = service.person_key();
    let person_hash = match outcome.qualification() {
        Some(q) => key.hash("person", &[q.card.insurer.as_str(), &q.person_ref]),
        None => key.card(&request.card),
    };
    let hash = match outcome.qualification() {
        // The qualification's own card numbers (a query without 枝番 found its branch).
        Some(q) => store.person_hash_for_card(&q.card, q.birth_date).await?,
        None => None,
    };
    let usable = match &hash {
        Some(hash) => crate::linkage::linked_rows(store.as_ref(), hash)
            .await?
            .is_some(),
        None => true,
    };
    let result = match (outcome.qualification(), hash) {
        (Some(_), Some(_)) if !usable => Err(Refusal::NeedsReview),
        (Some(person), Some(hash)) => {
            let consents: Vec<_> = store
                .consents(&hash)
                .await?
                .into_iter()
                .filter(|c| c.facility_code == caller.facility_code && c.kind == kind.as_str())
                .collect();
            match consents.iter().map(|c| c.expires_at).max() {
                None => Err(Refusal::NoConsent),
                Some(expires) if expires <= now => Err(Refusal::ConsentExpired),
                Some(expires) => {
                    let since = years_before(as_of, years_shown(kind));
                    let records = store
                        .person_records(kind, &hash, since)
                        .await?
                        .into_iter()
                        .map(|r| MedicalRecord {
                            insurer_number: r.insurer_number,
                            record_date: r.record_date,
                            data: r.data,
                        })
                        .collect();
                    Ok(MedicalInfo {
                        person: person.clone(),
                        kind,
                        as_of,
                        since,
                        consent_expires_at: expires,
                        records,
                    })
                }
            }
        }
        _ => Err(Refusal::NoMatch),
    };
    service
        .access_logger()
        .record(
            caller,
            now,
            kind.as_str(),
            match &result {
                Ok(_) => "shown",
                Err(r) => r.as_str(),
            },
            person_hash,
        )
        .await?;
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn windows() {
        assert_eq!(
            years_before(date!(2026 - 11 - 24), 3),
            date!(2023 - 11 - 24)
        );
        assert_eq!(
            years_before(date!(2024 - 02 - 29), 5),
            date!(2019 - 02 - 28)
        );
    }
}
