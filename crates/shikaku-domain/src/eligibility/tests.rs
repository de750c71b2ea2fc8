use time::macros::date;

use super::*;
use crate::card::{Branch, CardNumber, CardNumbers, CardSymbol};
use crate::insurer_number::InsurerNumber;

fn q(insurer: &str, number: &str, branch: &str, from: Date, until: Option<Date>) -> Qualification {
    let card = CardNumbers {
        insurer: InsurerNumber::parse(insurer).expect("valid insurer"),
        symbol: CardSymbol::parse_optional("12").expect("valid symbol"),
        number: CardNumber::parse(number).expect("valid number"),
        branch: Branch::parse(branch).expect("valid branch"),
    };
    crate::qualification::sample(card, from, until)
}

const BIRTH: Date = date!(1980 - 05 - 17);

fn check(
    periods: &[Qualification],
    related: &[Qualification],
    birth: Date,
    as_of: Date,
    expect: EligibilityStatus,
) -> Eligibility {
    let outcome = with_newer(decide(periods, birth, as_of), related, as_of);
    assert_eq!(outcome.status(), expect, "as_of {as_of}");
    outcome
}

#[test]
fn statuses_over_one_period() {
    let p = [q(
        "01130012",
        "345",
        "00",
        date!(2020 - 04 - 01),
        Some(date!(2024 - 04 - 01)),
    )];
    check(
        &p,
        &[],
        BIRTH,
        date!(2020 - 04 - 01),
        EligibilityStatus::Valid,
    );
    check(
        &p,
        &[],
        BIRTH,
        date!(2024 - 03 - 31),
        EligibilityStatus::Valid,
    );
    check(
        &p,
        &[],
        BIRTH,
        date!(2024 - 04 - 01),
        EligibilityStatus::Lost,
    );
    check(
        &p,
        &[],
        BIRTH,
        date!(2020 - 03 - 31),
        EligibilityStatus::NotYet,
    );
    check(
        &p,
        &[],
        date!(1980 - 05 - 18),
        date!(2022 - 01 - 01),
        EligibilityStatus::NoMatch,
    );
    check(
        &[],
        &[],
        BIRTH,
        date!(2022 - 01 - 01),
        EligibilityStatus::NoMatch,
    );
}

#[test]
fn wrong_birth_date_looks_exactly_like_unknown_card() {
    let p = [q("01130012", "345", "00", date!(2020 - 04 - 01), None)];
    let wrong = decide(&p, date!(1981 - 05 - 17), date!(2022 - 01 - 01));
    let unknown = decide(&[], BIRTH, date!(2022 - 01 - 01));
    assert_eq!(wrong, unknown);
}

#[test]
fn history_picks_the_right_period() {
    let p = [
        q(
            "01130012",
            "345",
            "00",
            date!(2010 - 04 - 01),
            Some(date!(2012 - 04 - 01)),
        ),
        q(
            "01130012",
            "345",
            "00",
            date!(2015 - 04 - 01),
            Some(date!(2018 - 04 - 01)),
        ),
        q("01130012", "345", "00", date!(2030 - 04 - 01), None),
    ];
    let lost = check(
        &p,
        &[],
        BIRTH,
        date!(2019 - 01 - 01),
        EligibilityStatus::Lost,
    );
    assert_eq!(
        lost.qualification().map(|q| q.period.from()),
        Some(date!(2015 - 04 - 01))
    );
    let gap = check(
        &p,
        &[],
        BIRTH,
        date!(2013 - 01 - 01),
        EligibilityStatus::Lost,
    );
    assert_eq!(
        gap.qualification().map(|q| q.period.from()),
        Some(date!(2010 - 04 - 01))
    );
    let before = check(
        &p,
        &[],
        BIRTH,
        date!(2009 - 01 - 01),
        EligibilityStatus::NotYet,
    );
    assert_eq!(
        before.qualification().map(|q| q.period.from()),
        Some(date!(2010 - 04 - 01))
    );
    check(
        &p,
        &[],
        BIRTH,
        date!(2031 - 01 - 01),
        EligibilityStatus::Valid,
    );
}

#[test]
fn lost_with_a_newer_qualification() {
    let old = q(
        "01130012",
        "345",
        "00",
        date!(2020 - 04 - 01),
        Some(date!(2024 - 04 - 01)),
    );
    let new = q("06138093", "9", "00", date!(2024 - 04 - 01), None);
    let outcome = check(
        std::slice::from_ref(&old),
        std::slice::from_ref(&new),
        BIRTH,
        date!(2024 - 05 - 01),
        EligibilityStatus::LostNewer,
    );
    match outcome {
        Eligibility::LostNewer { newer, .. } => assert_eq!(newer.card.insurer.as_str(), "06138093"),
        other => panic!("expected LostNewer, got {other:?}"),
    }
    // Before the change, the old card is valid.
    check(
        std::slice::from_ref(&old),
        std::slice::from_ref(&new),
        BIRTH,
        date!(2024 - 03 - 01),
        EligibilityStatus::Valid,
    );
    // A related qualification that is not valid on the date does not count.
    let ended = q(
        "06138093",
        "9",
        "00",
        date!(2024 - 04 - 01),
        Some(date!(2024 - 05 - 01)),
    );
    check(
        std::slice::from_ref(&old),
        std::slice::from_ref(&ended),
        BIRTH,
        date!(2024 - 06 - 01),
        EligibilityStatus::Lost,
    );
    // The card's own period is not its own "newer" qualification.
    check(
        std::slice::from_ref(&old),
        std::slice::from_ref(&old),
        BIRTH,
        date!(2024 - 06 - 01),
        EligibilityStatus::Lost,
    );
    // A related record with another birth date is not the same person.
    let mut other_person = new.clone();
    other_person.birth_date = date!(1990 - 01 - 01);
    check(
        std::slice::from_ref(&old),
        &[other_person],
        BIRTH,
        date!(2024 - 06 - 01),
        EligibilityStatus::Lost,
    );
}

#[test]
fn not_yet_is_not_upgraded_to_lost_newer() {
    let future = q("01130012", "345", "00", date!(2030 - 04 - 01), None);
    let current = q("06138093", "9", "00", date!(2020 - 04 - 01), None);
    check(
        &[future],
        &[current],
        BIRTH,
        date!(2025 - 01 - 01),
        EligibilityStatus::NotYet,
    );
}

#[test]
fn status_codes_and_labels() {
    let all = [
        (EligibilityStatus::Valid, "valid", "有効", 1),
        (
            EligibilityStatus::LostNewer,
            "lost_newer",
            "無効（新しい資格あり）",
            3,
        ),
        (EligibilityStatus::Lost, "lost", "無効（喪失）", 2),
        (EligibilityStatus::NotYet, "not_yet", "無効（未取得）", 2),
        (EligibilityStatus::NoMatch, "no_match", "該当資格なし", 4),
    ];
    for (status, name, label, code) in all {
        assert_eq!(status.as_str(), name);
        assert_eq!(status.label_ja(), label);
        assert_eq!(status.validity_code(), code);
        assert_eq!(EligibilityStatus::parse(name), Some(status));
    }
}

#[test]
fn person_centred_decision_across_insurers() {
    let old = q(
        "01130012",
        "1",
        "00",
        date!(2019 - 04 - 01),
        Some(date!(2025 - 04 - 01)),
    );
    let new = q("06138093", "9", "00", date!(2025 - 04 - 01), None);
    let both = [old.clone(), new.clone()];
    assert_eq!(
        decide_person(&both, date!(2025 - 04 - 01)),
        Eligibility::Valid(new.clone())
    );
    assert_eq!(
        decide_person(&both, date!(2020 - 01 - 01)),
        Eligibility::Valid(old.clone())
    );
    assert_eq!(
        decide_person(&both, date!(2019 - 01 - 01)),
        Eligibility::NotYet(old.clone())
    );
    assert_eq!(
        decide_person(std::slice::from_ref(&old), date!(2026 - 01 - 01)),
        Eligibility::Lost(old.clone())
    );
    assert_eq!(
        decide_person(&[], date!(2026 - 01 - 01)),
        Eligibility::NoMatch
    );
    // Between jobs: the ended one is reported, not the future one.
    let later = q("06138093", "9", "00", date!(2026 - 06 - 01), None);
    assert_eq!(
        decide_person(&[old.clone(), later], date!(2026 - 01 - 01)),
        Eligibility::Lost(old)
    );
}

#[test]
fn branchless_queries_pick_one_person_or_say_multiple() {
    let parent = q("01130012", "7", "00", date!(2019 - 04 - 01), None);
    let mut child = q("01130012", "7", "01", date!(2019 - 04 - 01), None);
    child.birth_date = parent.birth_date;
    let birth = parent.birth_date;
    assert_eq!(
        pick_branch(&[parent.clone(), child.clone()], birth),
        Err(NoBranch::Multiple)
    );
    let mut other_birth = child.clone();
    other_birth.birth_date = date!(2010 - 01 - 01);
    assert_eq!(
        pick_branch(&[parent.clone(), other_birth], birth),
        Ok(vec![parent.clone()])
    );
    assert_eq!(
        pick_branch(&[parent], date!(1901 - 01 - 01)),
        Err(NoBranch::NoMatch)
    );
    assert_eq!(EligibilityStatus::Multiple.validity_code(), 5);
}
