//! Every answer that is not 有効 explains itself (issue 26 §2): what happened to the
//! qualification, or — for 該当資格なし — what the facility can check, and how old the
//! insurer's data is. The most common cause of a valid patient shown 無効 is an insurer whose
//! latest file is not loaded yet, so answers from old data say so.
//!
//! A 該当資格なし never says which part did not match: the birth date is never named.

use time::Date;

use crate::card::CardNumbers;
use crate::eligibility::Eligibility;

/// After how many days an insurer's data counts as possibly behind (insurers send changes
/// within days; a file older than this may lack a new 資格取得).
pub const STALE_AFTER_DAYS: i64 = 3;

/// When the insurer's qualifications were last loaded (the JST date), if ever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataAsOf(pub Option<Date>);

impl DataAsOf {
    /// Whether the data is older than [`STALE_AFTER_DAYS`] on `today`.
    pub fn stale(self, today: Date) -> bool {
        self.0
            .is_some_and(|d| (today - d).whole_days() > STALE_AFTER_DAYS)
    }
}

fn ja_date(d: Date) -> String {
    format!("{}年{}月{}日", d.year(), u8::from(d.month()), d.day())
}

/// The note on old data for `lost` and `no_match` answers.
fn freshness(data: DataAsOf, today: Date, english: bool) -> String {
    match (data.0, english) {
        (None, false) => "この保険者の資格情報はまだ登録されていません。".into(),
        (None, true) => "No qualification data of this insurer has been loaded yet.".into(),
        (Some(d), false) if data.stale(today) => format!(
            "この保険者の資格情報は{}時点のものです。資格取得の届出が反映されていない可能性があります。",
            ja_date(d)
        ),
        (Some(d), true) if data.stale(today) => format!(
            "This insurer's data is as of {d}; a recent change (such as a new enrolment) may not be in it yet."
        ),
        (Some(d), false) => format!("この保険者の資格情報は{}時点のものです。", ja_date(d)),
        (Some(d), true) => format!("This insurer's data is as of {d}."),
    }
}

/// The explanation of `outcome` (empty for 有効). `card` is what was typed (None for a My
/// Number Card lookup); `data` the asked insurer's data date; `today` the answer's date.
pub fn explain(
    outcome: &Eligibility,
    card: Option<&CardNumbers>,
    data: DataAsOf,
    today: Date,
    english: bool,
) -> String {
    match outcome {
        Eligibility::Valid(_) => String::new(),
        Eligibility::Lost(q) => {
            let when = q.period.until();
            let head = match (when, english) {
                (Some(d), false) => format!(
                    "この資格は{}に喪失しています（資格喪失事由: その他）。新しい資格は確認できません。現在の保険証を確認してください。",
                    ja_date(d)
                ),
                (Some(d), true) => format!(
                    "This qualification was lost on {d} (reason: other). No newer qualification is known; ask for the current insurance card."
                ),
                (None, false) => "この資格は喪失しています。".into(),
                (None, true) => "This qualification has been lost.".into(),
            };
            format!("{head}{}{}", sep(english), freshness(data, today, english))
        }
        Eligibility::LostNewer { lost, newer } => {
            let until = lost.period.until().unwrap_or(newer.period.from());
            if english {
                format!(
                    "This card's qualification was lost on {until} (reason: new enrolment). A newer qualification exists from {} with insurer {}; register the visit with it.",
                    newer.period.from(),
                    newer.card.insurer.as_str()
                )
            } else {
                format!(
                    "この保険証の資格は{}に喪失しています（資格喪失事由: 医療保険等の資格取得）。保険者番号 {} で{}から新しい資格があります。新しい資格で受付してください。",
                    ja_date(until),
                    newer.card.insurer.as_str(),
                    ja_date(newer.period.from())
                )
            }
        }
        Eligibility::NotYet(q) => {
            if english {
                format!(
                    "This qualification starts on {}; it is not valid yet on the date asked about.",
                    q.period.from()
                )
            } else {
                format!(
                    "この資格の開始日（資格取得年月日）は{}です。照会した日にはまだ有効ではありません。",
                    ja_date(q.period.from())
                )
            }
        }
        Eligibility::NoMatch => {
            let head = match (card, english) {
                (Some(c), false) => format!(
                    "入力された保険者番号 {}、記号 {}、番号 {}、枝番 {} に該当する資格は見つかりませんでした。保険証の記載どおりか確認してください。",
                    c.insurer.as_str(),
                    shown(c.symbol_str(), english),
                    c.number.as_str(),
                    c.branch.as_str()
                ),
                (Some(c), true) => format!(
                    "No qualification matches insurer {}, symbol {}, number {}, branch {} as entered. Check them against the card.",
                    c.insurer.as_str(),
                    shown(c.symbol_str(), english),
                    c.number.as_str(),
                    c.branch.as_str()
                ),
                (None, false) => "このマイナンバーカードに紐づく資格は見つかりませんでした。保険証をお持ちの場合は、記号・番号で照会してください。".into(),
                (None, true) => "No qualification is linked to this My Number Card. If the patient has an insurance card, look up its numbers.".into(),
            };
            if card.is_some() {
                format!("{head}{}{}", sep(english), freshness(data, today, english))
            } else {
                head
            }
        }
        Eligibility::NeedsReview => {
            if english {
                "The qualification data linked to this person needs checking by the insurer (it may belong to someone else), so none is shown. Look up the insurance card's numbers instead, or ask the patient to contact their insurer.".into()
            } else {
                "この方に紐づく資格情報に確認が必要な点があるため（保険者に照会中）、表示できません。保険証（資格確認書）の記号・番号で照会するか、ご本人から保険者にお問い合わせいただくようお伝えください。".into()
            }
        }
        Eligibility::Multiple => {
            if english {
                "Several people match these numbers without a branch number. Enter the branch number (枝番) from the card.".into()
            } else {
                "枝番なしの照会で複数の方が該当しました。保険証の枝番を入力して照会してください。"
                    .into()
            }
        }
    }
}

fn sep(english: bool) -> &'static str {
    if english { " " } else { "" }
}

fn shown(symbol: &str, english: bool) -> String {
    match (symbol.is_empty(), english) {
        (true, false) => "（なし）".into(),
        (true, true) => "(none)".into(),
        (false, _) => symbol.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::card::{Branch, CardNumber, CardSymbol};
    use crate::insurer_number::InsurerNumber;
    use crate::qualification::Qualification;

    fn card() -> CardNumbers {
        CardNumbers {
            insurer: InsurerNumber::parse("01130012").expect("insurer"),
            symbol: CardSymbol::parse_optional("12").expect("symbol"),
            number: CardNumber::parse("345").expect("number"),
            branch: Branch::parse("00").expect("branch"),
        }
    }

    fn q(from: Date, until: Option<Date>) -> Qualification {
        crate::qualification::sample(card(), from, until)
    }

    #[test]
    fn every_status_but_valid_explains_itself() {
        let today = date!(2026 - 12 - 05);
        let fresh = DataAsOf(Some(date!(2026 - 12 - 04)));
        let old = DataAsOf(Some(date!(2026 - 11 - 28)));
        let valid = Eligibility::Valid(q(date!(2020 - 04 - 01), None));
        assert_eq!(explain(&valid, None, fresh, today, false), "");
        let lost = Eligibility::Lost(q(date!(2020 - 04 - 01), Some(date!(2026 - 10 - 01))));
        let text = explain(&lost, None, old, today, false);
        assert!(
            text.contains("2026年10月1日に喪失") && text.contains("11月28日時点"),
            "{text}"
        );
        assert!(text.contains("反映されていない可能性"), "{text}");
        let newer = Eligibility::LostNewer {
            lost: q(date!(2020 - 04 - 01), Some(date!(2026 - 10 - 01))),
            newer: q(date!(2026 - 10 - 01), None),
        };
        assert!(explain(&newer, None, fresh, today, false).contains("2026年10月1日から新しい資格"));
        let not_yet = Eligibility::NotYet(q(date!(2027 - 01 - 01), None));
        assert!(explain(&not_yet, None, fresh, today, true).contains("starts on 2027-01-01"));
        assert!(explain(&Eligibility::Multiple, None, fresh, today, false).contains("枝番"));
    }

    #[test]
    fn no_match_names_what_to_check_but_never_the_birth_date() {
        let today = date!(2026 - 12 - 05);
        let card = card();
        let text = explain(
            &Eligibility::NoMatch,
            Some(&card),
            DataAsOf(Some(date!(2026 - 11 - 28))),
            today,
            false,
        );
        assert!(text.contains("記号 12、番号 345、枝番 00"), "{text}");
        assert!(
            text.contains("11月28日時点") && text.contains("反映されていない"),
            "{text}"
        );
        assert!(!text.contains("生年月日"), "{text}");
        let none = explain(
            &Eligibility::NoMatch,
            Some(&card),
            DataAsOf(None),
            today,
            true,
        );
        assert!(
            none.contains("No qualification data of this insurer"),
            "{none}"
        );
        assert!(!none.to_lowercase().contains("birth"), "{none}");
        let fresh = explain(
            &Eligibility::NoMatch,
            Some(&card),
            DataAsOf(Some(today)),
            today,
            false,
        );
        assert!(!fresh.contains("反映されていない"), "{fresh}");
    }
}
