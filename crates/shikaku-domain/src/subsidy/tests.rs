use super::*;
use time::macros::date;

const ORIGINAL: &str = include_str!("../../../../rules/subsidy/2020-original.toml");
const ACCELERATION: &str = include_str!("../../../../rules/subsidy/2020-acceleration.toml");

fn book() -> RuleBook {
    RuleBook::new(vec![
        RuleSet::from_toml("2020-original.toml", ORIGINAL).expect("original"),
        RuleSet::from_toml("2020-acceleration.toml", ACCELERATION).expect("acceleration"),
    ])
    .expect("book")
}

fn quote(
    category: FacilityCategory,
    readers: u32,
    applied: Date,
    cost: i64,
) -> Result<Quote, QuoteError> {
    book().quote(&QuoteRequest {
        category,
        readers,
        reader_applied: applied,
        cost: Yen::new(cost),
    })
}

#[test]
fn worked_examples_of_subsidy_md() {
    use FacilityCategory::*;
    for (category, readers, applied, cost, rule_set, subsidy) in [
        (
            Clinic,
            1,
            date!(2021 - 05 - 10),
            600_000,
            "2020-original",
            321_000,
        ),
        (
            Clinic,
            1,
            date!(2021 - 03 - 31),
            600_000,
            "2020-acceleration",
            429_000,
        ),
        (
            Hospital,
            1,
            date!(2021 - 06 - 01),
            3_000_000,
            "2020-original",
            1_050_000,
        ),
        (
            Hospital,
            3,
            date!(2021 - 01 - 15),
            1_000_000,
            "2020-acceleration",
            1_000_000,
        ),
        (
            LargeChainPharmacy,
            1,
            date!(2021 - 07 - 01),
            200_000,
            "2020-original",
            100_000,
        ),
    ] {
        let q = quote(category, readers, applied, cost).expect("quote");
        assert_eq!(q.rule_set, rule_set, "{category} {applied}");
        assert_eq!(q.subsidy, Yen::new(subsidy), "{category} {applied}");
    }
}

#[test]
fn published_caps_of_the_original_rule_set() {
    use FacilityCategory::*;
    let late = date!(2021 - 04 - 01);
    for (category, readers, cap) in [
        (Hospital, 1, 1_050_000),
        (Hospital, 2, 1_001_000),
        (Hospital, 3, 951_000),
        (LargeChainPharmacy, 1, 214_000),
        (Clinic, 1, 321_000),
        (Pharmacy, 1, 321_000),
    ] {
        let q = quote(category, readers, late, 100_000_000).expect("quote");
        assert_eq!(q.subsidy, Yen::new(cap), "{category} {readers}");
        assert_eq!(q.rule_set, "2020-original");
    }
    let q = quote(Hospital, 1, late, 3_000_000).expect("quote");
    assert_eq!(q.amount_before_rounding, Yen::new(1_050_500));
    assert_eq!(q.eligible_cost, Yen::new(2_101_000));
    assert_eq!(q.rate.to_string(), "1/2");
}

#[test]
fn the_acceleration_boundary_is_inclusive_in_jst_dates() {
    let q = |d| quote(FacilityCategory::Pharmacy, 1, d, 500_000).expect("quote");
    assert_eq!(q(date!(2021 - 03 - 31)).rule_set, "2020-acceleration");
    assert_eq!(q(date!(2021 - 03 - 31)).subsidy, Yen::new(429_000));
    assert_eq!(q(date!(2021 - 04 - 01)).rule_set, "2020-original");
    assert_eq!(q(date!(2019 - 10 - 01)).rule_set, "2020-acceleration");
}

#[test]
fn fractions_of_a_yen_are_floored_before_the_thousand_rounding() {
    // 1,001 × 3/4 = 750.75 → 750 → 0 (千円未満切捨て).
    let q = quote(FacilityCategory::Clinic, 1, date!(2022 - 01 - 01), 1_001).expect("quote");
    assert_eq!(q.amount_before_rounding, Yen::new(750));
    assert!(!q.amount_before_rounding_exact);
    assert_eq!(q.subsidy, Yen::ZERO);
    let lines = q.explanation_ja();
    assert!(
        lines.iter().any(|l| l.contains("円未満切捨て")),
        "{lines:?}"
    );
}

#[test]
fn refusals_say_why() {
    use FacilityCategory::*;
    let d = date!(2021 - 05 - 01);
    let e = quote(Hospital, 4, d, 1).expect_err("4 readers");
    assert_eq!(
        e,
        QuoteError::TooManyReaders {
            category: Hospital,
            requested: 4,
            max: 3
        }
    );
    assert!(
        e.to_string().contains("病院のカードリーダーは3台まで"),
        "{e}"
    );
    assert!(matches!(
        quote(Clinic, 2, d, 1),
        Err(QuoteError::TooManyReaders { max: 1, .. })
    ));
    assert_eq!(quote(Clinic, 0, d, 1), Err(QuoteError::NoReaders));
    assert_eq!(quote(Clinic, 1, d, 0), Err(QuoteError::CostNotPositive));
    assert_eq!(quote(Clinic, 1, d, -5), Err(QuoteError::CostNotPositive));
}

#[test]
fn yen_parsing() {
    assert_eq!(Yen::parse_positive("600000"), Ok(Yen::new(600_000)));
    assert_eq!(Yen::parse_positive("600,000"), Ok(Yen::new(600_000)));
    assert_eq!(
        Yen::parse_positive("６００，０００円"),
        Ok(Yen::new(600_000))
    );
    assert!(matches!(
        Yen::parse_positive("0"),
        Err(YenError::NotPositive(_))
    ));
    assert!(matches!(
        Yen::parse_positive("-1"),
        Err(YenError::NotPositive(_))
    ));
    assert!(matches!(
        Yen::parse_positive("abc"),
        Err(YenError::NotNumeric(_))
    ));
    assert!(matches!(
        Yen::parse_positive("1.5"),
        Err(YenError::NotNumeric(_))
    ));
    assert!(matches!(
        Yen::parse_positive("60,00"),
        Err(YenError::NotNumeric(_))
    ));
    assert!(matches!(Yen::parse_positive(""), Err(YenError::Empty)));
    assert!(matches!(
        Yen::parse_positive("99999999999999999999"),
        Err(YenError::TooLarge(_))
    ));
    assert_eq!(Yen::new(1_050_000).format_ja(), "1,050,000円");
    assert_eq!(group_digits(-1234), "-1,234");
}

#[test]
fn rule_set_files_are_checked() {
    let bad = ORIGINAL.replace("rate = \"1/2\"", "rate = \"3/2\"");
    let e = RuleSet::from_toml("x.toml", &bad).expect_err("rate > 1");
    assert!(e.to_string().contains("x.toml"), "{e}");
    let unknown = format!("{ORIGINAL}\nsurprise = 1\n");
    assert!(RuleSet::from_toml("x.toml", &unknown).is_err());
    let dup = RuleBook::new(vec![
        RuleSet::from_toml("a", ORIGINAL).expect("a"),
        RuleSet::from_toml("b", ORIGINAL).expect("b"),
    ]);
    assert!(dup.is_err());
}

#[test]
fn a_later_revision_is_data_only() {
    let later = ORIGINAL
        .replace("name = \"2020-original\"", "name = \"2030-test\"")
        .replace(
            "priority = 0",
            "priority = 20\nreader_applied_from = \"2030-01-01\"",
        )
        .replace(
            "base_amount = 429000\nrate = \"3/4\"",
            "base_amount = 500000\nrate = \"3/4\"",
        );
    let mut sets = book().sets().to_vec();
    sets.push(RuleSet::from_toml("2030-test.toml", &later).expect("later"));
    let book = RuleBook::new(sets).expect("book");
    let q = book
        .quote(&QuoteRequest {
            category: FacilityCategory::Clinic,
            readers: 1,
            reader_applied: date!(2030 - 02 - 01),
            cost: Yen::new(1_000_000),
        })
        .expect("quote");
    assert_eq!(
        (q.rule_set.as_str(), q.subsidy),
        ("2030-test", Yen::new(375_000))
    );
}

proptest::proptest! {
    #[test]
    fn subsidy_never_exceeds_cost_or_base_and_is_a_multiple_of_1000(
        cost in 1i64..10_000_000, readers in 1u32..=3, days in 0i64..1500
    ) {
        let applied = date!(2019 - 06 - 01) + time::Duration::days(days);
        for category in FacilityCategory::ALL {
            let r = if category == FacilityCategory::Hospital { readers } else { 1 };
            let q = quote(category, r, applied, cost).expect("quote");
            proptest::prop_assert!(q.subsidy <= q.eligible_cost);
            proptest::prop_assert!(q.eligible_cost <= q.base_amount);
            proptest::prop_assert!(q.subsidy.get() % 1000 == 0);
            proptest::prop_assert!(q.subsidy.get() >= 0);
        }
    }
}
