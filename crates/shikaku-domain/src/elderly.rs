//! 高齢受給者 (70–74) and the 高齢受給者証 the result carries as `ElderlyRecipientCertificateInfo`
//! (codes.md §7 一部負担金割合, 高齢受給者証).

use time::{Date, Month};

use crate::qualification::{CopayRatio, Qualification};

/// The day a person born on `birth` turns `age`: the day before the birthday (年齢計算ニ関ス
/// ル法律); a 29 February birthday falls on 1 March in other years.
fn turns(birth: Date, age: i32) -> Option<Date> {
    let year = birth.year() + age;
    let birthday = Date::from_calendar_date(year, birth.month(), birth.day())
        .or_else(|_| Date::from_calendar_date(year, Month::March, 1))
        .ok()?;
    birthday.previous_day()
}

/// The 高齢受給者 span of someone born on `birth`: from the 1st of the month after they turn
/// 70 (so the birthday month itself for a birthday on the 1st) to the day before the 75th
/// birthday (後期高齢 starts on it). Both ends inclusive.
pub fn elderly_recipient_span(birth: Date) -> Option<(Date, Date)> {
    let seventy = turns(birth, 70)?;
    let next_month = seventy.month().next();
    let year = if next_month == Month::January {
        seventy.year() + 1
    } else {
        seventy.year()
    };
    let start = Date::from_calendar_date(year, next_month, 1).ok()?;
    let end = turns(birth, 75)?;
    Some((start, end))
}

/// A 高齢受給者証 as the result shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ElderlyRecipient {
    pub valid_from: Date,
    /// Inclusive; `None` never happens for a person (75 ends it) but stays open-ended in type.
    pub valid_until: Option<Date>,
    pub ratio: CopayRatio,
}

/// The 高齢受給者証 of `q` on `as_of`: for a person aged 70–74 on that date in any insurance
/// except 後期高齢者医療 (法別 39), limited to the qualification's own period.
pub fn elderly_recipient(q: &Qualification, as_of: Date) -> Option<ElderlyRecipient> {
    if q.card.insurer.law_code() == Some("39") {
        return None;
    }
    let (start, end) = elderly_recipient_span(q.birth_date)?;
    if as_of < start || as_of > end {
        return None;
    }
    let last_covered = q
        .period
        .until()
        .and_then(Date::previous_day)
        .map_or(end, |u| u.min(end));
    Some(ElderlyRecipient {
        valid_from: start.max(q.period.from()),
        valid_until: Some(last_covered),
        ratio: q.copay_ratio,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_span_starts_the_month_after_turning_seventy_and_ends_before_the_75th_birthday() {
        assert_eq!(
            elderly_recipient_span(date!(1955 - 06 - 15)),
            Some((date!(2025 - 07 - 01), date!(2030 - 06 - 14)))
        );
        // Born on the 1st: legally 70 on the last day of the previous month.
        assert_eq!(
            elderly_recipient_span(date!(1955 - 06 - 01)),
            Some((date!(2025 - 06 - 01), date!(2030 - 05 - 31)))
        );
        // Born in December: the span starts in January.
        assert_eq!(
            elderly_recipient_span(date!(1955 - 12 - 20)).map(|s| s.0),
            Some(date!(2026 - 01 - 01))
        );
        // 29 February: 70 on 28 February 2026 (the day before 1 March).
        assert_eq!(
            elderly_recipient_span(date!(1956 - 02 - 29)),
            Some((date!(2026 - 03 - 01), date!(2031 - 02 - 28)))
        );
    }
}
