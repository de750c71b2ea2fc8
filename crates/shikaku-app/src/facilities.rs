//! Synthetic facilities for the portal's demos and benchmarks: deterministic from a seed,
//! valid 医療機関等コード (check digit, prefecture, 点数表) across all 47 prefectures, the four
//! categories in realistic shares, and preparation progress spread over the past year
//! (reader applied, use application filed, operation test passed), so the dashboard and the
//! facility pages have real rows to read.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use shikaku_domain::FacilityCode;
use shikaku_domain::check_digit::luhn_check_digit;
use shikaku_store::portal::{Account, Facility, PortalBatch, ReaderApplication, UseApplication};
use time::{Date, Duration};

/// Facilities per transaction when loading.
pub const CHUNK: u64 = 5_000;

#[derive(Debug, Clone)]
pub struct Options {
    pub count: u64,
    pub seed: u64,
    /// Progress is spread over the year before this day.
    pub today: Date,
}

/// The `i`-th synthetic facility code: prefecture `i % 47 + 1`, the 点数表 by category, a
/// 6-digit body from `i / 47` and its check digit (unique up to 47 million facilities).
pub fn code(i: u64, table: char) -> FacilityCode {
    let prefecture = i % 47 + 1;
    let body = format!("{:06}", (i / 47) % 1_000_000);
    let digits: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
    let check = luhn_check_digit(&digits);
    FacilityCode::parse(&format!("{prefecture:02}{table}{body}{check}"))
        .expect("a synthetic code is built valid")
}

/// Category and 点数表 by share: hospitals 8%, clinics 60% (a fifth of them dental), pharmacies
/// 25%, large-chain pharmacies 7%.
fn category(rng: &mut StdRng) -> (&'static str, char) {
    match rng.random_range(0..100) {
        0..8 => ("hospital", '1'),
        8..56 => ("clinic", '1'),
        56..68 => ("clinic", '3'),
        68..93 => ("pharmacy", '4'),
        _ => ("large-chain-pharmacy", '4'),
    }
}

/// One chunk of facilities `[from, to)` with their accounts (all with `password_hash`) and
/// progress.
pub fn batch(options: &Options, from: u64, to: u64, password_hash: &str) -> PortalBatch {
    let mut out = PortalBatch::default();
    for i in from..to {
        let mut rng = StdRng::seed_from_u64(options.seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let (category, table) = category(&mut rng);
        let code = code(i, table);
        let code_text = code.as_str().to_string();
        let registered_days_ago = rng.random_range(30..400);
        let registered = options.today - Duration::days(registered_days_ago);
        let at = |day: Date| day.midnight().assume_utc() + Duration::hours(1);
        out.facilities.push((
            Facility {
                code: code.clone(),
                name: format!("合成医療機関{i:06}"),
                category: category.into(),
                prefecture: code.prefecture_code().into(),
                postal_code: format!(
                    "{:03}-{:04}",
                    rng.random_range(1..999),
                    rng.random_range(0..9999)
                ),
                address: format!("合成市{}丁目", i % 50 + 1),
                phone: format!("03-{:04}-{:04}", (i / 10_000) % 10_000, i % 10_000),
                contact_name: "合成 担当".into(),
                email: format!("f{i}@example.invalid"),
                planned_start: None,
                planned_setup: None,
                created_at: at(registered),
            },
            Account {
                login: code_text.clone(),
                role: "facility".into(),
                facility_code: Some(code_text.clone()),
                password_hash: password_hash.into(),
                failed_logins: 0,
                locked_until: None,
                created_at: at(registered),
                active: true,
                sessions_from: None,
            },
        ));
        // 70% applied for a reader, 50% filed the use application, 35% are in operation.
        let stage = rng.random_range(0..100);
        if stage < 70 {
            let applied = registered + Duration::days(rng.random_range(0..30));
            out.readers.push(ReaderApplication {
                id: format!("R{i:012}"),
                facility_code: code.clone(),
                maker: ["fujitsu", "panasonic", "almex"][(i % 3) as usize].into(),
                quantity: 1,
                applied_on: applied,
                status: shikaku_domain::portal::ReaderStatus::Applied,
                delivery_month: None,
                created_at: at(applied),
                updated_at: at(applied),
            });
        }
        if stage < 50 {
            let filed = registered + Duration::days(rng.random_range(30..60));
            out.uses.push(UseApplication {
                facility_code: code.clone(),
                line_type: "ipsec-ike".into(),
                provider: "nttpc-ip-members".into(),
                customer_id: None,
                start_month: format!("{}-{:02}", filed.year(), u8::from(filed.month())),
                test_month: None,
                online_claims: false,
                setup_date: filed + Duration::days(14),
                submitted_at: at(filed),
            });
        }
        if stage < 35 {
            let operating =
                (registered + Duration::days(rng.random_range(60..120))).min(options.today);
            out.steps.push((
                code_text.clone(),
                "operation-test".into(),
                operating,
                at(operating),
            ));
            out.steps.push((
                code_text,
                shikaku_store::portal::OPERATING.into(),
                operating,
                at(operating),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_valid_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..20_000 {
            let c = code(i, '1');
            assert!(FacilityCode::parse(c.as_str()).is_ok());
            assert!(seen.insert(c.as_str().to_string()), "{} twice", c.as_str());
        }
    }

    #[test]
    fn batches_are_deterministic_and_mixed() {
        let options = Options {
            count: 1000,
            seed: 7,
            today: time::macros::date!(2021 - 03 - 31),
        };
        let a = batch(&options, 0, 1000, "h");
        let b = batch(&options, 0, 1000, "h");
        assert!(
            a.facilities == b.facilities && a.steps == b.steps,
            "same seed, same data"
        );
        assert_eq!(a.facilities.len(), 1000);
        let readers = a.readers.len();
        let operating = a
            .steps
            .iter()
            .filter(|s| s.1 == shikaku_store::portal::OPERATING)
            .count();
        assert!((600..800).contains(&readers), "{readers}");
        assert!((250..450).contains(&operating), "{operating}");
        assert!(a.steps.iter().all(|s| s.2 <= options.today));
        for category in ["hospital", "clinic", "pharmacy", "large-chain-pharmacy"] {
            assert!(
                a.facilities.iter().any(|(f, _)| f.category == category),
                "{category}"
            );
        }
    }
}
