//! The Japanese calendar of portal deadlines (`calendar.md`): national holidays (国民の祝日に
//! 関する法律, Articles 2–3, with the special-law days kept as data), business days (営業日:
//! not a weekend, not a holiday, not 年末年始 12/29–1/3), "N営業日前", "Nか月前", and the
//! era display (令和・平成・昭和).
//!
//! Holidays are computed from the rules for 1980–2099 (the range of the equinox formula).

use time::{Date, Duration, Month, Weekday};

/// First and last year whose holidays can be computed.
pub const FIRST_YEAR: i32 = 1980;
pub const LAST_YEAR: i32 = 2099;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error(
        "祝日は {FIRST_YEAR}年から{LAST_YEAR}年まで計算できます: {year}年は範囲外です (holidays are computed for {FIRST_YEAR}–{LAST_YEAR}; {year} is outside)"
    )]
    YearOutOfRange { year: i32 },
    #[error("営業日数は1以上です: {n} (the number of business days must be at least 1)")]
    ZeroDays { n: u32 },
    #[error("月数は1以上です: {n} (the number of months must be at least 1)")]
    ZeroMonths { n: u32 },
}

/// Why a date is a holiday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidayKind {
    /// 国民の祝日 of Article 2.
    National,
    /// A 休日 by a special law, treated as a 国民の祝日 (2019, 1989, 1990, 1993).
    Special,
    /// 振替休日 (Article 3(2)).
    Substitute,
    /// 国民の休日 (Article 3(3)).
    Citizens,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Holiday {
    #[serde(with = "crate::date::serde_date")]
    pub date: Date,
    pub name: &'static str,
    pub kind: HolidayKind,
}

/// Special-law days (data, not rules): `(date, name)`; they count as 国民の祝日 for Article 3.
const SPECIAL_DAYS: &[((i32, u8, u8), &str)] = &[
    ((1989, 2, 24), "昭和天皇の大喪の礼"),
    ((1990, 11, 12), "即位礼正殿の儀"),
    ((1993, 6, 9), "皇太子徳仁親王の結婚の儀"),
    ((2019, 5, 1), "天皇の即位の日"),
    ((2019, 10, 22), "即位礼正殿の儀の行われる日"),
];

/// Years whose Article 2 days were moved by special law: `(year, name, month, day)`.
const MOVED_DAYS: &[(i32, &str, u8, u8)] = &[
    (2020, "海の日", 7, 23),
    (2020, "スポーツの日", 7, 24),
    (2020, "山の日", 8, 10),
    (2021, "海の日", 7, 22),
    (2021, "スポーツの日", 7, 23),
    (2021, "山の日", 8, 8),
];

fn ymd(year: i32, month: u8, day: u8) -> Option<Date> {
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

/// The `nth` (1-based) Monday of a month.
fn nth_monday(year: i32, month: u8, nth: u8) -> Option<Date> {
    let first = ymd(year, month, 1)?;
    let offset = (7 + 1 - first.weekday().number_from_monday() as i32) % 7; // days to Monday
    ymd(year, month, 1 + offset as u8 + 7 * (nth - 1))
}

/// 春分日 / 秋分日 by the formula of `calendar.md` §1.3, in integer arithmetic (units of 1e-6 day).
fn equinox_day(year: i32, base_micro: i64) -> u8 {
    let y = i64::from(year - 1980);
    let value = base_micro + 242_194 * y - (y.div_euclid(4)) * 1_000_000;
    value.div_euclid(1_000_000) as u8
}

/// The 国民の祝日 of Article 2 (and special-law days) in `year`, unsorted.
fn article2_days(year: i32) -> Vec<(Date, &'static str, HolidayKind)> {
    let mut days: Vec<(Option<Date>, &'static str)> = Vec::with_capacity(20);
    let mut fixed = |m: u8, d: u8, name: &'static str| days.push((ymd(year, m, d), name));
    fixed(1, 1, "元日");
    fixed(2, 11, "建国記念の日");
    fixed(5, 3, "憲法記念日");
    fixed(5, 5, "こどもの日");
    fixed(11, 3, "文化の日");
    fixed(11, 23, "勤労感謝の日");
    fixed(3, equinox_day(year, 20_843_100), "春分の日");
    fixed(9, equinox_day(year, 23_248_800), "秋分の日");
    if year >= 2007 {
        fixed(4, 29, "昭和の日");
        fixed(5, 4, "みどりの日");
    } else if year >= 1989 {
        fixed(4, 29, "みどりの日");
    } else {
        fixed(4, 29, "天皇誕生日");
    }
    match year {
        1989..=2018 => fixed(12, 23, "天皇誕生日"),
        2020.. => fixed(2, 23, "天皇誕生日"),
        _ => {}
    }
    if year < 2000 {
        fixed(1, 15, "成人の日");
        fixed(10, 10, "体育の日");
    }
    if year < 2003 {
        fixed(9, 15, "敬老の日");
        if year >= 1996 {
            fixed(7, 20, "海の日");
        }
    }
    let moved: Vec<_> = MOVED_DAYS.iter().filter(|m| m.0 == year).collect();
    for &&(_, name, m, d) in &moved {
        days.push((ymd(year, m, d), name));
    }
    let is_moved = |name: &str| moved.iter().any(|m| m.1 == name);
    if year >= 2000 {
        days.push((nth_monday(year, 1, 2), "成人の日"));
        if !is_moved("スポーツの日") {
            let name = if year >= 2020 {
                "スポーツの日"
            } else {
                "体育の日"
            };
            days.push((nth_monday(year, 10, 2), name));
        }
    }
    if year >= 2003 {
        if !is_moved("海の日") {
            days.push((nth_monday(year, 7, 3), "海の日"));
        }
        days.push((nth_monday(year, 9, 3), "敬老の日"));
    }
    if year >= 2016 && !is_moved("山の日") {
        days.push((ymd(year, 8, 11), "山の日"));
    }
    let mut out: Vec<(Date, &'static str, HolidayKind)> = days
        .into_iter()
        .filter_map(|(d, name)| d.map(|d| (d, name, HolidayKind::National)))
        .collect();
    for &((y, m, d), name) in SPECIAL_DAYS {
        if y == year
            && let Some(date) = ymd(y, m, d)
        {
            out.push((date, name, HolidayKind::Special));
        }
    }
    out
}

/// All holidays (休日) of `year` in date order: Article 2 days, special-law days, 国民の休日,
/// 振替休日. 年末年始 is not a holiday (see [`is_business_day`]).
pub fn holidays(year: i32) -> Result<Vec<Holiday>, CalendarError> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Err(CalendarError::YearOutOfRange { year });
    }
    // Neighbours across the year boundary matter only for 12/31 → 1/1 substitutes, which
    // cannot happen (12/31 is never a 祝日), so each year is computed on its own.
    let mut list: Vec<Holiday> = article2_days(year)
        .into_iter()
        .map(|(date, name, kind)| Holiday { date, name, kind })
        .collect();
    list.sort_by_key(|h| h.date);
    let is_shukujitsu = |list: &[Holiday], d: Date| list.iter().any(|h| h.date == d);

    // 国民の休日 (in force since 1985-12-27): sandwiched between two 祝日, itself not one;
    // Sundays are rest days already and are not labelled.
    let mut extra = Vec::new();
    for h in &list {
        let Some(middle) = h.date.next_day() else {
            continue;
        };
        let Some(after) = middle.next_day() else {
            continue;
        };
        if year > 1985
            && middle.year() == year
            && !is_shukujitsu(&list, middle)
            && is_shukujitsu(&list, after)
            && middle.weekday() != Weekday::Sunday
            // Before 2007 a Monday after a Sunday 祝日 was the 振替休日 instead.
            && !(year < 2007 && h.date.weekday() == Weekday::Sunday)
        {
            extra.push(Holiday {
                date: middle,
                name: "国民の休日",
                kind: HolidayKind::Citizens,
            });
        }
    }
    // 振替休日: for a 祝日 on a Sunday, the next day that is not a 祝日 (since 2007); before
    // 2007 only the Monday after, if it was not itself a 祝日.
    let mut substitutes = Vec::new();
    for h in &list {
        if h.date.weekday() != Weekday::Sunday {
            continue;
        }
        let mut day = h.date.next_day();
        while let Some(d) = day {
            if !is_shukujitsu(&list, d) {
                break;
            }
            day = if year >= 2007 { d.next_day() } else { None };
        }
        if let Some(d) = day
            && d.year() == year
        {
            substitutes.push(Holiday {
                date: d,
                name: "振替休日",
                kind: HolidayKind::Substitute,
            });
        }
    }
    list.extend(extra);
    for s in substitutes {
        if !list.iter().any(|h| h.date == s.date) {
            list.push(s);
        }
    }
    list.sort_by_key(|h| h.date);
    Ok(list)
}

/// The holiday on `date`, if any (years outside 1980–2099 have none known).
pub fn holiday(date: Date) -> Option<Holiday> {
    holidays(date.year())
        .ok()?
        .into_iter()
        .find(|h| h.date == date)
}

/// 年末年始: 12/29–12/31 and 1/1–1/3.
pub fn is_year_end_closure(date: Date) -> bool {
    let (m, d) = (date.month(), date.day());
    (m == Month::December && d >= 29) || (m == Month::January && d <= 3)
}

/// A business day (営業日): not Saturday or Sunday, not a holiday, not 年末年始.
pub fn is_business_day(date: Date) -> bool {
    !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
        && !is_year_end_closure(date)
        && holiday(date).is_none()
}

/// Precomputed business-day test for walking many days: caches one year's holidays.
struct DayWalker {
    year: i32,
    holidays: Vec<Date>,
}

impl DayWalker {
    fn new() -> Self {
        Self {
            year: i32::MIN,
            holidays: Vec::new(),
        }
    }

    fn is_business_day(&mut self, date: Date) -> bool {
        if matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
            || is_year_end_closure(date)
        {
            return false;
        }
        if date.year() != self.year {
            self.year = date.year();
            self.holidays = holidays(self.year)
                .map(|l| l.into_iter().map(|h| h.date).collect())
                .unwrap_or_default();
        }
        !self.holidays.contains(&date)
    }
}

/// "N営業日前": the N-th business day strictly before `date` (N ≥ 1; `date` never counts).
pub fn business_days_before(date: Date, n: u32) -> Result<Date, CalendarError> {
    walk_business_days(date, n, -1)
}

/// "N営業日後": the N-th business day strictly after `date`.
pub fn business_days_after(date: Date, n: u32) -> Result<Date, CalendarError> {
    walk_business_days(date, n, 1)
}

fn walk_business_days(date: Date, n: u32, step: i64) -> Result<Date, CalendarError> {
    if n == 0 {
        return Err(CalendarError::ZeroDays { n });
    }
    let mut walker = DayWalker::new();
    let mut day = date;
    let mut counted = 0;
    while counted < n {
        day = day
            .checked_add(Duration::days(step))
            .ok_or(CalendarError::YearOutOfRange { year: day.year() })?;
        if !(FIRST_YEAR..=LAST_YEAR).contains(&day.year()) {
            return Err(CalendarError::YearOutOfRange { year: day.year() });
        }
        if walker.is_business_day(day) {
            counted += 1;
        }
    }
    Ok(day)
}

/// Business days from `from` (exclusive) up to `to` (inclusive); 0 when `to <= from`.
pub fn business_days_between(from: Date, to: Date) -> u32 {
    let mut walker = DayWalker::new();
    let mut count = 0;
    let mut day = from;
    while day < to {
        match day.next_day() {
            Some(next) => day = next,
            None => break,
        }
        if walker.is_business_day(day) {
            count += 1;
        }
    }
    count
}

/// "Nか月前": the same day of the month N months before, clamped to the month's last day.
pub fn months_before(date: Date, n: u32) -> Result<Date, CalendarError> {
    if n == 0 {
        return Err(CalendarError::ZeroMonths { n });
    }
    let index = date.year() * 12 + i32::from(u8::from(date.month())) - 1 - n as i32;
    let (year, month0) = (index.div_euclid(12), index.rem_euclid(12));
    let month = Month::try_from(month0 as u8 + 1).unwrap_or(Month::January);
    let last = time::util::days_in_month(month, year);
    Date::from_calendar_date(year, month, date.day().min(last))
        .map_err(|_| CalendarError::YearOutOfRange { year })
}

/// The weekday as one kanji: 月火水木金土日.
pub fn weekday_ja(date: Date) -> &'static str {
    ["月", "火", "水", "木", "金", "土", "日"][date.weekday().number_days_from_monday() as usize]
}

/// The era year: `("令和", 8)` for 2026-11-24; `None` before 昭和 (1926-12-25).
pub fn era(date: Date) -> Option<(&'static str, i32)> {
    let on_or_after = |y, m, d| ymd(y, m, d).is_some_and(|start| date >= start);
    if on_or_after(2019, 5, 1) {
        Some(("令和", date.year() - 2018))
    } else if on_or_after(1989, 1, 8) {
        Some(("平成", date.year() - 1988))
    } else if on_or_after(1926, 12, 25) {
        Some(("昭和", date.year() - 1925))
    } else {
        None
    }
}

/// `令和8年11月24日(火)`; the first year of an era is 元年. Dates before 昭和 fall back to
/// the Western year.
pub fn format_wareki(date: Date) -> String {
    let year = match era(date) {
        Some((name, 1)) => format!("{name}元年"),
        Some((name, n)) => format!("{name}{n}年"),
        None => format!("{}年", date.year()),
    };
    format!(
        "{year}{}月{}日({})",
        u8::from(date.month()),
        date.day(),
        weekday_ja(date)
    )
}

/// `2026年11月24日(火)`.
pub fn format_ja(date: Date) -> String {
    format!(
        "{}年{}月{}日({})",
        date.year(),
        u8::from(date.month()),
        date.day(),
        weekday_ja(date)
    )
}

#[cfg(test)]
mod tests;

/// Whether the phone centre (平日 9:00–17:00 JST, closed on holidays and 年末年始) is open at `now`.
pub fn phone_centre_open(now: time::OffsetDateTime) -> bool {
    let jst = now.to_offset(crate::date::JST);
    is_business_day(jst.date()) && (9..17).contains(&jst.hour())
}
