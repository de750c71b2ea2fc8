//! 資格確認: the eligibility decision of `insurer-import.md` §2.
//!
//! Storage fetches candidates; this module decides. A lookup by card numbers is two steps:
//! [`decide`] over the periods of those card numbers, then — only when the card is lost —
//! [`find_newer`] over the same person's other qualifications.

use time::Date;

use crate::qualification::Qualification;

/// The status of a lookup, with the real interface's 資格有効性 code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EligibilityStatus {
    Valid,
    LostNewer,
    Lost,
    NotYet,
    NoMatch,
    /// 複数該当: a query without 枝番 matched more than one person.
    Multiple,
    /// The qualification rows linked to this 個人番号 are not one person (a suspect link,
    /// [`crate::linkage`]): nothing is shown until the insurer corrects them.
    NeedsReview,
}

impl EligibilityStatus {
    /// The wire name (`valid`, `lost_newer`, `lost`, `not_yet`, `no_match`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::LostNewer => "lost_newer",
            Self::Lost => "lost",
            Self::NotYet => "not_yet",
            Self::NoMatch => "no_match",
            Self::Multiple => "multiple",
            Self::NeedsReview => "needs_review",
        }
    }

    /// The Japanese label of `insurer-import.md` §2.
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Valid => "有効",
            Self::LostNewer => "無効（新しい資格あり）",
            Self::Lost => "無効（喪失）",
            Self::NotYet => "無効（未取得）",
            Self::NoMatch => "該当資格なし",
            Self::Multiple => "複数該当",
            Self::NeedsReview => "資格情報の確認が必要です（保険者に照会中）",
        }
    }

    /// 資格有効性 (QualificationValidity) code: 1 有効, 2 無効, 3 無効（新しい資格あり）, 4 該当資格なし.
    pub fn validity_code(self) -> u8 {
        match self {
            Self::Valid => 1,
            Self::Lost | Self::NotYet => 2,
            Self::LostNewer => 3,
            Self::NoMatch => 4,
            Self::Multiple => 5,
            // No qualification is answered: as 該当資格なし for clients that know codes 1–4.
            Self::NeedsReview => 4,
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Valid,
            Self::LostNewer,
            Self::Lost,
            Self::NotYet,
            Self::NoMatch,
            Self::Multiple,
            Self::NeedsReview,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }
}

/// The outcome of a lookup. Outcomes are values, not errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Eligibility {
    Valid(Qualification),
    /// The card's period ended; `newer` is the same person's qualification valid on the date.
    LostNewer {
        lost: Qualification,
        newer: Qualification,
    },
    Lost(Qualification),
    NotYet(Qualification),
    NoMatch,
    /// A query without 枝番 matched more than one person (which is not revealed).
    Multiple,
    /// The person's rows are a suspect link (another person's row carries the 個人番号):
    /// nothing is shown.
    NeedsReview,
}

impl Eligibility {
    pub fn status(&self) -> EligibilityStatus {
        match self {
            Self::Valid(_) => EligibilityStatus::Valid,
            Self::LostNewer { .. } => EligibilityStatus::LostNewer,
            Self::Lost(_) => EligibilityStatus::Lost,
            Self::NotYet(_) => EligibilityStatus::NotYet,
            Self::NoMatch => EligibilityStatus::NoMatch,
            Self::Multiple => EligibilityStatus::Multiple,
            Self::NeedsReview => EligibilityStatus::NeedsReview,
        }
    }

    /// 資格喪失事由 of a lost qualification: `03` 医療保険等の資格取得 when a newer
    /// qualification exists, else `99` その他 (insurers' files carry no reason).
    pub fn loss_reason(&self) -> Option<&'static str> {
        match self {
            Self::LostNewer { .. } => Some("03"),
            Self::Lost(_) => Some("99"),
            _ => None,
        }
    }

    /// The qualification the answer is about (the card's own period), if any.
    pub fn qualification(&self) -> Option<&Qualification> {
        match self {
            Self::Valid(q) | Self::Lost(q) | Self::NotYet(q) => Some(q),
            Self::LostNewer { lost, .. } => Some(lost),
            Self::NoMatch | Self::Multiple | Self::NeedsReview => None,
        }
    }
}

/// Decides over the periods stored under one set of card numbers. Periods whose birth date
/// differs are treated as absent, so a wrong birth date and unknown card numbers give the same
/// `NoMatch` (never revealing which part failed). Never returns `LostNewer`: see [`find_newer`].
pub fn decide(card_periods: &[Qualification], birth_date: Date, as_of: Date) -> Eligibility {
    let matching = card_periods.iter().filter(|q| q.birth_date == birth_date);
    let mut latest_ended: Option<&Qualification> = None;
    let mut earliest_future: Option<&Qualification> = None;
    for q in matching {
        if q.period.covers(as_of) {
            return Eligibility::Valid(q.clone());
        }
        if q.period.from() > as_of {
            if earliest_future.is_none_or(|e| q.period.from() < e.period.from()) {
                earliest_future = Some(q);
            }
        } else if latest_ended.is_none_or(|e| q.period.until() > e.period.until()) {
            latest_ended = Some(q);
        }
    }
    match (latest_ended, earliest_future) {
        (Some(lost), _) => Eligibility::Lost(lost.clone()),
        (None, Some(future)) => Eligibility::NotYet(future.clone()),
        (None, None) => Eligibility::NoMatch,
    }
}

/// Among the same person's qualifications (same person_ref at the insurer, or the same
/// 個人番号 at any insurer), the one valid on `as_of` under other card numbers. The latest
/// start wins if several are valid; the birth date must agree.
pub fn find_newer<'a>(
    lost: &Qualification,
    related: &'a [Qualification],
    as_of: Date,
) -> Option<&'a Qualification> {
    related
        .iter()
        .filter(|q| {
            q.card != lost.card && q.birth_date == lost.birth_date && q.period.covers(as_of)
        })
        .max_by_key(|q| q.period.from())
}

/// The person-centred decision of a My Number Card lookup (`insurer-import.md` §2): over all
/// of one person's qualifications under any insurer, the one valid on `as_of` (the latest
/// start if several are), else the most recently ended (`Lost`), else the earliest future
/// (`NotYet`); `NoMatch` when the person has none.
pub fn decide_person(periods: &[Qualification], as_of: Date) -> Eligibility {
    if let Some(valid) = periods
        .iter()
        .filter(|q| q.period.covers(as_of))
        .max_by_key(|q| q.period.from())
    {
        return Eligibility::Valid(valid.clone());
    }
    let ended = periods
        .iter()
        .filter(|q| q.period.from() <= as_of)
        .max_by_key(|q| q.period.until());
    let future = periods
        .iter()
        .filter(|q| q.period.from() > as_of)
        .min_by_key(|q| q.period.from());
    match (ended, future) {
        (Some(lost), _) => Eligibility::Lost(lost.clone()),
        (None, Some(future)) => Eligibility::NotYet(future.clone()),
        (None, None) => Eligibility::NoMatch,
    }
}

/// Why a query without 枝番 found no single person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoBranch {
    NoMatch,
    Multiple,
}

impl From<NoBranch> for Eligibility {
    fn from(n: NoBranch) -> Self {
        match n {
            NoBranch::NoMatch => Eligibility::NoMatch,
            NoBranch::Multiple => Eligibility::Multiple,
        }
    }
}

/// For a query without 枝番: the periods of all branches under the card's 記号・番号 whose
/// birth date matches, grouped by branch. `Ok(periods of the one branch)` when exactly one
/// branch matches, `Err(Multiple)` for several, `Err(NoMatch)` for none.
pub fn pick_branch(
    all_branches: &[Qualification],
    birth_date: Date,
) -> Result<Vec<Qualification>, NoBranch> {
    let matching: Vec<&Qualification> = all_branches
        .iter()
        .filter(|q| q.birth_date == birth_date)
        .collect();
    let Some(first) = matching.first() else {
        return Err(NoBranch::NoMatch);
    };
    if matching.iter().any(|q| q.card.branch != first.card.branch) {
        return Err(NoBranch::Multiple);
    }
    Ok(matching.into_iter().cloned().collect())
}

/// Completes a `Lost` outcome with the newer qualification when one exists.
pub fn with_newer(outcome: Eligibility, related: &[Qualification], as_of: Date) -> Eligibility {
    match outcome {
        Eligibility::Lost(lost) => match find_newer(&lost, related, as_of) {
            Some(newer) => Eligibility::LostNewer {
                newer: newer.clone(),
                lost,
            },
            None => Eligibility::Lost(lost),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests;
