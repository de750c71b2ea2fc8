//! Calendar dates as they travel in files and requests: `YYYY-MM-DD`, JST calendar dates.

use time::{Date, Month, OffsetDateTime, UtcOffset};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("日付は YYYY-MM-DD 形式です: 「{input}」 (date must be YYYY-MM-DD, got {input:?})")]
    Format { input: String },
    #[error("存在しない日付です: {input} (no such calendar date)")]
    NoSuchDate { input: String },
}

impl DateError {
    /// The message in Japanese only (for a Japanese page).
    pub fn ja(&self) -> String {
        match self {
            Self::Format { input } => {
                format!("日付は 2021-03-01 のように入力してください（入力: 「{input}」）")
            }
            Self::NoSuchDate { input } => format!("存在しない日付です（入力: {input}）"),
        }
    }

    /// The message in English only.
    pub fn en(&self) -> String {
        match self {
            Self::Format { .. } => "enter the date as YYYY-MM-DD, e.g. 2021-03-01".into(),
            Self::NoSuchDate { input } => format!("{input} is not a calendar date"),
        }
    }
}

/// Parses a strict `YYYY-MM-DD` (ASCII digits, zero-padded, years 1800–2999).
pub fn parse_date(input: &str) -> Result<Date, DateError> {
    let s = input.trim();
    let shown: String = s.chars().take(40).collect();
    let format_error = || DateError::Format {
        input: shown.clone(),
    };
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(format_error());
    }
    let num = |range: std::ops::Range<usize>| -> Result<u32, DateError> {
        let part = &s[range];
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().map_err(|_| format_error())
        } else {
            Err(format_error())
        }
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1800..=2999).contains(&year) {
        return Err(DateError::NoSuchDate { input: shown });
    }
    let month = u8::try_from(month)
        .ok()
        .and_then(|m| Month::try_from(m).ok());
    let day = u8::try_from(day).ok();
    match (month, day) {
        (Some(month), Some(day)) => Date::from_calendar_date(year as i32, month, day)
            .map_err(|_| DateError::NoSuchDate { input: shown }),
        _ => Err(DateError::NoSuchDate { input: shown }),
    }
}

/// Japan Standard Time: UTC+9, no daylight saving.
pub const JST: UtcOffset = match UtcOffset::from_hms(9, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// The JST calendar date at instant `now`.
pub fn jst_date(now: OffsetDateTime) -> Date {
    now.to_offset(JST).date()
}

/// The instant a JST calendar day begins (00:00 JST = 15:00 UTC the day before).
pub fn jst_midnight(day: Date) -> OffsetDateTime {
    day.midnight()
        .assume_offset(JST)
        .to_offset(time::UtcOffset::UTC)
}

/// An instant as shown to people: `YYYY-MM-DD HH:MM JST`.
pub fn format_jst_minute(at: OffsetDateTime) -> String {
    let t = at.to_offset(JST);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} JST",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// Formats as `YYYY-MM-DD`. Written digit by digit: every eligibility answer carries three or
/// four dates, and `format!` was a third of building the answer in the lookup profile.
/// The first day of the UTC month `months` months before the month of `now`: the access log
/// keeps every entry on or after it (retention by whole months, so at least `months` full
/// months are kept). `None` when that lies before year 1.
pub fn retention_start(now: OffsetDateTime, months: u32) -> Option<Date> {
    let today = now.to_offset(time::UtcOffset::UTC).date();
    let index =
        i64::from(today.year()) * 12 + i64::from(u8::from(today.month())) - 1 - i64::from(months);
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = time::Month::try_from(u8::try_from(index.rem_euclid(12) + 1).ok()?).ok()?;
    if year < 1 {
        return None;
    }
    Date::from_calendar_date(year, month, 1).ok()
}

pub fn format_date(date: Date) -> String {
    let year = date.year();
    if !(0..=9999).contains(&year) {
        return format!("{year:04}-{:02}-{:02}", u8::from(date.month()), date.day());
    }
    let digit = |n: u32| char::from(b'0' + (n % 10) as u8);
    let (y, m, d) = (
        year as u32,
        u32::from(u8::from(date.month())),
        u32::from(date.day()),
    );
    let mut text = String::with_capacity(10);
    text.extend([digit(y / 1000), digit(y / 100), digit(y / 10), digit(y)]);
    text.push('-');
    text.extend([digit(m / 10), digit(m)]);
    text.push('-');
    text.extend([digit(d / 10), digit(d)]);
    text
}

/// Serde as `YYYY-MM-DD`: `#[serde(with = "shikaku_domain::date::serde_date")]`.
pub mod serde_date {
    use time::Date;

    pub fn serialize<S: serde::Serializer>(date: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_date(*date))
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        super::parse_date(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn a_jst_day_begins_at_15_utc_the_day_before() {
        assert_eq!(
            jst_midnight(date!(2021 - 03 - 01)),
            datetime!(2021-02-28 15:00 UTC)
        );
        assert_eq!(
            jst_date(jst_midnight(date!(2021 - 03 - 01))),
            date!(2021 - 03 - 01)
        );
    }

    #[test]
    fn retention_keeps_whole_months_in_utc() {
        let now = datetime!(2026-12-03 18:00 UTC);
        assert_eq!(retention_start(now, 60), Some(date!(2021 - 12 - 01)));
        assert_eq!(retention_start(now, 1), Some(date!(2026 - 11 - 01)));
        assert_eq!(retention_start(now, 0), Some(date!(2026 - 12 - 01)));
        assert_eq!(retention_start(now, 12), Some(date!(2025 - 12 - 01)));
        assert_eq!(
            retention_start(datetime!(2026-01-31 23:00 UTC), 1),
            Some(date!(2025 - 12 - 01))
        );
        // 1 February 08:00 in Japan is still 31 January in UTC.
        assert_eq!(
            retention_start(datetime!(2026-02-01 08:00 +09:00), 0),
            Some(date!(2026 - 01 - 01))
        );
        assert_eq!(retention_start(now, 30_000), None);
    }

    #[test]
    fn parses_strictly() {
        assert_eq!(parse_date("2024-02-29"), Ok(date!(2024 - 02 - 29)));
        assert!(matches!(
            parse_date("2023-02-29"),
            Err(DateError::NoSuchDate { .. })
        ));
        assert!(matches!(
            parse_date("2023-2-1"),
            Err(DateError::Format { .. })
        ));
        assert!(matches!(
            parse_date("2023/02/01"),
            Err(DateError::Format { .. })
        ));
        assert!(matches!(
            parse_date("２０２３-02-01"),
            Err(DateError::Format { .. })
        ));
        assert!(matches!(
            parse_date("2023-13-01"),
            Err(DateError::NoSuchDate { .. })
        ));
        assert!(matches!(parse_date(""), Err(DateError::Format { .. })));
    }

    proptest::proptest! {
        /// The digit-by-digit formatting is what `format!` writes, and reads back (in the
        /// years `parse_date` accepts).
        #[test]
        fn dates_format_as_iso(day in Date::MIN.to_julian_day()..=Date::MAX.to_julian_day()) {
            let date = Date::from_julian_day(day).expect("in range");
            let expected = format!(
                "{:04}-{:02}-{:02}",
                date.year(),
                u8::from(date.month()),
                date.day()
            );
            proptest::prop_assert_eq!(format_date(date), expected.clone());
            if (1800..=2999).contains(&date.year()) {
                proptest::prop_assert_eq!(parse_date(&expected), Ok(date));
            }
        }
    }

    #[test]
    fn dates_format_with_leading_zeros() {
        assert_eq!(format_date(date!(0001 - 02 - 03)), "0001-02-03");
        assert_eq!(format_date(date!(2026 - 12 - 31)), "2026-12-31");
        assert_eq!(format_date(date!(9999 - 01 - 09)), "9999-01-09");
    }

    #[test]
    fn instants_are_shown_in_jst() {
        assert_eq!(
            format_jst_minute(datetime!(2026-11-24 15:04:59 UTC)),
            "2026-11-25 00:04 JST"
        );
    }

    #[test]
    fn jst_date_rolls_at_15_utc() {
        assert_eq!(
            jst_date(datetime!(2026-11-24 14:59:59 UTC)),
            date!(2026 - 11 - 24)
        );
        assert_eq!(
            jst_date(datetime!(2026-11-24 15:00:00 UTC)),
            date!(2026 - 11 - 25)
        );
        assert_eq!(format_date(date!(2026 - 01 - 05)), "2026-01-05");
    }
}
