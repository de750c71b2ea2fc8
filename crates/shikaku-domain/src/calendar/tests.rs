use super::*;
use time::macros::date;

/// The table of `calendar.md` §2 (2019–2027 checked against the Cabinet Office CSV, 2028–2030
/// computed), one row per year: `| year | n | M/D(曜) name, … |`.
const TABLE: &str = include_str!("holidays_2019_2030.txt");

/// `(date, name, weekday as written)`.
type Row = (Date, String, String);

fn expected() -> Vec<(i32, usize, Vec<Row>)> {
    TABLE
        .lines()
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let year: i32 = cells[1].parse().expect("year");
            let n: usize = cells[2].parse().expect("count");
            let days = cells[3]
                .split(", ")
                .map(|item| {
                    let (md, name) = item.split_once(' ').expect("date and name");
                    let (md, wd) = md.split_once('(').expect("weekday");
                    let (m, d) = md.split_once('/').expect("month/day");
                    let date =
                        ymd(year, m.parse().expect("m"), d.parse().expect("d")).expect("date");
                    let name = match name {
                        "振替" => "振替休日",
                        "国休" => "国民の休日",
                        other => other,
                    };
                    (date, name.to_string(), wd.trim_end_matches(')').to_string())
                })
                .collect();
            (year, n, days)
        })
        .collect()
}

#[test]
fn the_2019_to_2030_table_is_reproduced_date_by_date() {
    let mut total_2019_2027 = 0;
    for (year, n, days) in expected() {
        assert_eq!(days.len(), n, "{year}: the table's own count");
        let computed = holidays(year).expect("in range");
        let got: Vec<(Date, String)> = computed
            .iter()
            .map(|h| (h.date, h.name.to_string()))
            .collect();
        let want: Vec<(Date, String)> = days.iter().map(|(d, n, _)| (*d, n.clone())).collect();
        assert_eq!(got, want, "{year}");
        for (d, _, wd) in &days {
            assert_eq!(weekday_ja(*d), wd, "{d}");
        }
        if year <= 2027 {
            total_2019_2027 += n;
        }
    }
    assert_eq!(total_2019_2027, 165);
}

#[test]
fn rules_on_other_years() {
    let name = |d: Date| holiday(d).map(|h| h.name);
    assert_eq!(name(date!(2029 - 04 - 30)), Some("振替休日"));
    assert_eq!(name(date!(2032 - 09 - 21)), Some("国民の休日"));
    for d in [
        date!(2037 - 09 - 22),
        date!(2043 - 09 - 22),
        date!(2049 - 09 - 21),
    ] {
        assert_eq!(name(d), Some("国民の休日"), "{d}");
    }
    // Before Happy Monday: fixed dates.
    assert_eq!(name(date!(1999 - 01 - 15)), Some("成人の日"));
    assert_eq!(name(date!(1999 - 10 - 10)), Some("体育の日"));
    assert_eq!(name(date!(2002 - 09 - 15)), Some("敬老の日"));
    assert_eq!(name(date!(2002 - 07 - 20)), Some("海の日"));
    assert_eq!(name(date!(1995 - 07 - 20)), None);
    // Before 2007: 4/29 みどりの日, 5/4 国民の休日 (when not a Sunday or a Monday 振替).
    assert_eq!(name(date!(2006 - 04 - 29)), Some("みどりの日"));
    assert_eq!(name(date!(2005 - 05 - 04)), Some("国民の休日"));
    assert_eq!(
        name(date!(1985 - 05 - 04)),
        None,
        "the rule began 1985-12-27"
    );
    // 1998-05-03 was a Sunday: 5/4 was the 振替休日 (Monday after), not a 国民の休日.
    assert_eq!(name(date!(1998 - 05 - 04)), Some("振替休日"));
    // Before 2007 the 振替休日 was only the next day: 2006? 5/3 was a Wednesday; 1981-05-03 Sunday.
    assert_eq!(name(date!(1981 - 05 - 04)), Some("振替休日"));
    // Emperor's birthday moved with the era.
    assert_eq!(name(date!(1988 - 04 - 29)), Some("天皇誕生日"));
    assert_eq!(name(date!(2018 - 12 - 23)), Some("天皇誕生日"));
    assert_eq!(name(date!(2019 - 12 - 23)), None);
    assert_eq!(name(date!(1989 - 02 - 24)), Some("昭和天皇の大喪の礼"));
    assert_eq!(name(date!(2015 - 08 - 11)), None, "山の日 since 2016");
    assert!(matches!(
        holidays(1979),
        Err(CalendarError::YearOutOfRange { year: 1979 })
    ));
    assert!(holidays(2100).is_err());
}

#[test]
fn every_year_in_range_is_consistent() {
    for year in FIRST_YEAR..=LAST_YEAR {
        let list = holidays(year).expect("in range");
        assert!(
            list.windows(2).all(|w| w[0].date < w[1].date),
            "{year} sorted, unique"
        );
        assert!(list.iter().all(|h| h.date.year() == year));
        for h in &list {
            match h.kind {
                HolidayKind::Substitute => assert_ne!(h.date.weekday(), Weekday::Sunday),
                HolidayKind::Citizens => assert_ne!(h.date.weekday(), Weekday::Sunday),
                _ => {}
            }
        }
        // Equinoxes stay in their known windows.
        let spring = list.iter().find(|h| h.name == "春分の日").expect("春分");
        assert!((19..=22).contains(&spring.date.day()), "{year}");
        let autumn = list.iter().find(|h| h.name == "秋分の日").expect("秋分");
        assert!((21..=24).contains(&autumn.date.day()), "{year}");
    }
}

#[test]
fn business_days_before_worked_examples() {
    for (d, n, want) in [
        (date!(2021 - 05 - 06), 5, date!(2021 - 04 - 23)),
        (date!(2026 - 05 - 07), 3, date!(2026 - 04 - 28)),
        (date!(2026 - 09 - 25), 3, date!(2026 - 09 - 17)),
        (date!(2026 - 12 - 01), 6, date!(2026 - 11 - 20)),
        (date!(2027 - 01 - 08), 5, date!(2026 - 12 - 28)),
        (date!(2026 - 05 - 09), 1, date!(2026 - 05 - 08)),
    ] {
        assert_eq!(business_days_before(d, n), Ok(want), "{d} {n}");
    }
    assert_eq!(
        business_days_before(date!(2026 - 05 - 09), 0),
        Err(CalendarError::ZeroDays { n: 0 })
    );
    assert_eq!(
        business_days_after(date!(2026 - 12 - 28), 1),
        Ok(date!(2027 - 01 - 04))
    );
    assert_eq!(
        business_days_between(date!(2026 - 04 - 28), date!(2026 - 05 - 07)),
        3
    );
    assert!(!is_business_day(date!(2026 - 12 - 29)));
    assert!(!is_business_day(date!(2027 - 01 - 03)));
    assert!(is_business_day(date!(2027 - 01 - 04)));
}

#[test]
fn months_before_worked_examples() {
    for (d, n, want) in [
        (date!(2026 - 06 - 30), 4, date!(2026 - 02 - 28)),
        (date!(2026 - 07 - 31), 4, date!(2026 - 03 - 31)),
        (date!(2028 - 03 - 31), 1, date!(2028 - 02 - 29)),
        (date!(2027 - 05 - 31), 3, date!(2027 - 02 - 28)),
        (date!(2026 - 02 - 28), 1, date!(2026 - 01 - 28)),
        (date!(2027 - 01 - 15), 1, date!(2026 - 12 - 15)),
        (date!(2026 - 03 - 31), 2, date!(2026 - 01 - 31)),
        (date!(2100 - 03 - 31), 1, date!(2100 - 02 - 28)),
    ] {
        assert_eq!(months_before(d, n), Ok(want), "{d} {n}");
    }
    assert!(months_before(date!(2026 - 03 - 31), 0).is_err());
}

#[test]
fn era_display() {
    assert_eq!(format_wareki(date!(2026 - 11 - 24)), "令和8年11月24日(火)");
    assert_eq!(format_wareki(date!(2019 - 05 - 01)), "令和元年5月1日(水)");
    assert_eq!(format_wareki(date!(2019 - 04 - 30)), "平成31年4月30日(火)");
    assert_eq!(format_wareki(date!(1989 - 01 - 08)), "平成元年1月8日(日)");
    assert_eq!(format_wareki(date!(1989 - 01 - 07)), "昭和64年1月7日(土)");
    assert_eq!(format_ja(date!(2026 - 11 - 24)), "2026年11月24日(火)");
}

proptest::proptest! {
    #[test]
    fn n_business_days_before_is_a_business_day_with_n_between(
        days in 0i64..30_000, n in 1u32..40
    ) {
        let d = date!(1981 - 01 - 10) + Duration::days(days);
        let before = business_days_before(d, n).expect("in range");
        proptest::prop_assert!(is_business_day(before));
        proptest::prop_assert!(before < d);
        proptest::prop_assert_eq!(business_days_between(before, d) + u32::from(!is_business_day(d)), n);
    }
}

#[test]
fn phone_centre_hours_in_jst() {
    use time::macros::datetime;
    // 2026-11-24 (火) 09:00 JST = 00:00 UTC: open; 17:00 JST: closed.
    assert!(phone_centre_open(datetime!(2026-11-24 00:00 UTC)));
    assert!(phone_centre_open(datetime!(2026-11-24 07:59 UTC)));
    assert!(!phone_centre_open(datetime!(2026-11-24 08:00 UTC)));
    assert!(
        !phone_centre_open(datetime!(2026-11-23 02:00 UTC)),
        "勤労感謝の日"
    );
    assert!(
        !phone_centre_open(datetime!(2026-12-29 02:00 UTC)),
        "年末年始"
    );
    assert!(
        !phone_centre_open(datetime!(2026-11-28 02:00 UTC)),
        "土曜日"
    );
}
