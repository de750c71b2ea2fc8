//! `shikaku gen population`: a deterministic synthetic population in the insurer CSV format,
//! so demos, tests and benchmarks need no personal data.
//!
//! Households under 協会けんぽ, 健康保険組合, 共済 (employees with dependents, 枝番 00/01/02…),
//! 国民健康保険 (every member insured) and 後期高齢者医療 (75+, individual numbers). Some
//! qualifications are lost, some re-acquired under another insurer with the same 個人番号,
//! some dependents become insured under new card numbers (same person_ref), some start in
//! the future.

use std::io::Write;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use shikaku_domain::date::format_date;
use shikaku_domain::{InsurerNumber, MyNumber};
use time::{Date, Duration, Month};

/// Names: (kanji, kana).
const FAMILY: &[(&str, &str)] = &[
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("佐々木", "ササキ"),
    ("山口", "ヤマグチ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("斎藤", "サイトウ"),
    ("清水", "シミズ"),
    ("山崎", "ヤマザキ"),
    ("森", "モリ"),
    ("池田", "イケダ"),
    ("橋本", "ハシモト"),
    ("阿部", "アベ"),
    ("石川", "イシカワ"),
    ("山下", "ヤマシタ"),
    ("中島", "ナカジマ"),
    ("石井", "イシイ"),
    ("小川", "オガワ"),
];
const MALE: &[(&str, &str)] = &[
    ("太郎", "タロウ"),
    ("翔太", "ショウタ"),
    ("大輔", "ダイスケ"),
    ("健一", "ケンイチ"),
    ("蓮", "レン"),
    ("悠真", "ユウマ"),
    ("誠", "マコト"),
    ("浩", "ヒロシ"),
    ("湊", "ミナト"),
    ("茂", "シゲル"),
    ("陽翔", "ハルト"),
    ("拓也", "タクヤ"),
    ("一郎", "イチロウ"),
    ("和夫", "カズオ"),
    ("隆", "タカシ"),
];
const FEMALE: &[(&str, &str)] = &[
    ("花子", "ハナコ"),
    ("陽菜", "ヒナ"),
    ("美咲", "ミサキ"),
    ("恵子", "ケイコ"),
    ("結衣", "ユイ"),
    ("さくら", "サクラ"),
    ("由美", "ユミ"),
    ("凛", "リン"),
    ("幸子", "サチコ"),
    ("芽依", "メイ"),
    ("直子", "ナオコ"),
    ("葵", "アオイ"),
    ("久美子", "クミコ"),
    ("節子", "セツコ"),
    ("愛", "アイ"),
];

pub const HEADER: &str = "insurer_number,symbol,number,branch,person_ref,insured_category,name,name_kana,sex,\
birth_date,qualified_from,qualified_until,copay_ratio,limit_category,specific_disease,my_number";

#[derive(Debug, Clone)]
pub struct PopulationOptions {
    pub persons: u64,
    pub seed: u64,
    /// The reference date: ages, copay ratios and which periods are current are relative to it.
    pub reference: Date,
    /// How many persons get another person's 個人番号 (a seeded wrong link, the error the real
    /// system made ~7,300 times): their rows carry the number of an earlier household's head.
    pub wrong_links: u64,
}

/// A seeded wrong link: the rows of `wrong_person_ref` carry `my_number`, which belongs to
/// `true_person_ref`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrongLink {
    pub my_number: MyNumber,
    pub true_person_ref: String,
    pub wrong_person_ref: String,
}

/// The header of the wrong-links file.
pub const WRONG_LINKS_HEADER: &str = "my_number,true_person_ref,wrong_person_ref";

/// Counts of what was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PopulationStats {
    pub persons: u64,
    pub rows: u64,
    pub households: u64,
}

/// What [`generate`] wrote, and the wrong links it seeded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Generated {
    pub stats: PopulationStats,
    pub wrong_links: Vec<WrongLink>,
}

#[derive(Clone, Copy)]
enum Scheme {
    Kyokai,
    Union,
    Mutual,
    National,
    LateElderly,
}

struct Insurers {
    kyokai: Vec<InsurerNumber>,
    unions: Vec<InsurerNumber>,
    mutual: Vec<InsurerNumber>,
    national: Vec<InsurerNumber>,
    late_elderly: Vec<InsurerNumber>,
}

impl Insurers {
    fn new() -> Self {
        let make = |law: Option<&str>, pref: u8, local: u16| {
            InsurerNumber::from_parts(law, pref, local).ok()
        };
        let prefectures = 1..=47u8;
        Self {
            kyokai: prefectures
                .clone()
                .filter_map(|p| make(Some("01"), p, 1))
                .collect(),
            unions: prefectures
                .clone()
                .flat_map(|p| (1..=4u16).filter_map(move |l| make(Some("06"), p, 100 + l)))
                .collect(),
            mutual: prefectures
                .clone()
                .flat_map(|p| {
                    ["31", "32", "34"]
                        .into_iter()
                        .filter_map(move |law| make(Some(law), p, 1))
                })
                .collect(),
            national: prefectures
                .clone()
                .flat_map(|p| (1..=6u16).filter_map(move |l| make(None, p, l * 10)))
                .collect(),
            late_elderly: prefectures.filter_map(|p| make(Some("39"), p, 1)).collect(),
        }
    }

    fn pick(&self, scheme: Scheme, rng: &mut StdRng) -> InsurerNumber {
        let list = match scheme {
            Scheme::Kyokai => &self.kyokai,
            Scheme::Union => &self.unions,
            Scheme::Mutual => &self.mutual,
            Scheme::National => &self.national,
            Scheme::LateElderly => &self.late_elderly,
        };
        list[rng.random_range(0..list.len())].clone()
    }
}

#[derive(Clone)]
struct Person {
    /// Unique within the population; card numbers derived from it never collide.
    index: u64,
    person_ref: String,
    name: String,
    kana: String,
    sex: u8,
    birth: Date,
    my_number: Option<MyNumber>,
}

/// Old kanji forms registers write for common ones (a legitimate difference between an
/// insurer's row and another insurer's row of the same person).
const OLD_FORMS: &[(char, char)] = &[
    ('高', '髙'),
    ('崎', '﨑'),
    ('斎', '齋'),
    ('辺', '邊'),
    ('沢', '澤'),
    ('浜', '濱'),
    ('島', '嶋'),
];

/// The person as a later row (another insurer, or the same one after a change) writes them:
/// legitimate differences the linkage audit must not flag, chosen by the person's index so the
/// random stream (and so every other row) is unchanged — a woman's family name changed by
/// marriage (1 in 5 women), an old kanji form or the name without its space (1 in 5).
fn as_later_row(p: &Person) -> Person {
    let mut later = p.clone();
    match p.index % 10 {
        0 | 5 if p.sex == 2 => {
            let (family, given) = p.name.split_once(' ').unwrap_or((&p.name, ""));
            let (_, given_kana) = p.kana.split_once(' ').unwrap_or((&p.kana, ""));
            let mut pick = (p.index / 10) as usize % FAMILY.len();
            if FAMILY[pick].0 == family {
                pick = (pick + 1) % FAMILY.len();
            }
            later.name = format!("{} {given}", FAMILY[pick].0);
            later.kana = format!("{} {given_kana}", FAMILY[pick].1);
        }
        1 | 6 => {
            let old: String = p
                .name
                .chars()
                .map(|c| {
                    OLD_FORMS
                        .iter()
                        .find(|(new, _)| *new == c)
                        .map_or(c, |(_, o)| *o)
                })
                .collect();
            later.name = if old == p.name {
                p.name.replace(' ', "")
            } else {
                old
            };
            later.kana = p.kana.replace(' ', "\u{3000}");
        }
        _ => {}
    }
    later
}

/// The card a row is for.
#[derive(Clone, Copy)]
struct Card<'a> {
    insurer: &'a InsurerNumber,
    symbol: &'a str,
    number: &'a str,
    branch: u8,
}

/// The period and benefits of a row.
#[derive(Clone, Copy)]
struct Coverage {
    category: u8,
    from: Date,
    until: Option<Date>,
    copay: u8,
    limit: &'static str,
    disease: &'static str,
}

struct Writer<'w, W: Write> {
    out: &'w mut W,
    stats: PopulationStats,
}

impl<W: Write> Writer<'_, W> {
    fn row(&mut self, card: Card<'_>, person: &Person, coverage: Coverage) -> std::io::Result<()> {
        self.stats.rows += 1;
        writeln!(
            self.out,
            "{},{},{},{:02},{},{},{},{},{},{},{},{},{},{},{},{}",
            card.insurer,
            card.symbol,
            card.number,
            card.branch,
            person.person_ref,
            coverage.category,
            person.name,
            person.kana,
            person.sex,
            format_date(person.birth),
            format_date(coverage.from),
            coverage.until.map(format_date).unwrap_or_default(),
            coverage.copay,
            coverage.limit,
            coverage.disease,
            person
                .my_number
                .as_ref()
                .map(MyNumber::expose)
                .unwrap_or_default()
        )
    }
}

fn age_on(birth: Date, on: Date) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month() as u8, on.day()) < (birth.month() as u8, birth.day()) {
        age -= 1;
    }
    age
}

/// 一部負担金割合 by age (`codes.md` §7), with a share of 現役並み所得.
fn copay_for(age: i32, rng: &mut StdRng) -> u8 {
    match age {
        ..=5 => 20,
        6..=69 => 30,
        70..=74 => {
            if rng.random_bool(0.1) {
                30
            } else {
                20
            }
        }
        _ => {
            let r: f64 = rng.random();
            if r < 0.07 {
                30
            } else if r < 0.27 {
                20
            } else {
                10
            }
        }
    }
}

fn random_date(rng: &mut StdRng, from: Date, to: Date) -> Date {
    let days = (to - from).whole_days().max(1);
    from + Duration::days(rng.random_range(0..days))
}

fn first_of_month(d: Date) -> Date {
    Date::from_calendar_date(d.year(), d.month(), 1).unwrap_or(d)
}

/// Writes `options.persons` persons as CSV (header included) to `out`.
pub fn generate<W: Write>(
    options: &PopulationOptions,
    out: &mut W,
) -> std::io::Result<PopulationStats> {
    generate_seeded(options, out).map(|g| g.stats)
}

/// [`generate`], also returning the wrong links it seeded (`options.wrong_links`, spread
/// evenly over the persons; each takes the 個人番号 of an earlier household's head).
pub fn generate_seeded<W: Write>(
    options: &PopulationOptions,
    out: &mut W,
) -> std::io::Result<Generated> {
    let mut rng = StdRng::seed_from_u64(options.seed);
    let mut wrong_links: Vec<WrongLink> = Vec::new();
    let stride = if options.wrong_links == 0 {
        u64::MAX
    } else {
        (options.persons / (options.wrong_links + 1)).max(1)
    };
    // The head of the previous household with a 個人番号: the true owner a wrong link copies.
    let mut donor: Option<(MyNumber, String)> = None;
    let insurers = Insurers::new();
    let reference = options.reference;
    let mut w = Writer {
        out,
        stats: PopulationStats::default(),
    };
    writeln!(w.out, "{HEADER}")?;
    let mut household_no = 0u64;
    let mut person_no = 0u64;
    let mut my_number_no = 0u64;
    let floor = Date::from_calendar_date(2008, Month::April, 1).unwrap_or(reference);
    while w.stats.persons < options.persons {
        household_no += 1;
        let family = FAMILY[rng.random_range(0..FAMILY.len())];
        let head_age = rng.random_range(18..=100);
        let head_birth = random_date(
            &mut rng,
            reference - Duration::days(365 * (head_age + 1) as i64),
            reference - Duration::days(365 * head_age as i64),
        );
        let mut new_person = |rng: &mut StdRng, birth: Date, sex: u8| {
            person_no += 1;
            let given = if sex == 1 {
                MALE[rng.random_range(0..MALE.len())]
            } else {
                FEMALE[rng.random_range(0..FEMALE.len())]
            };
            let my_number = rng.random_bool(0.85).then(|| {
                my_number_no += 1;
                // A body derived from the counter and the seed: unique within one population.
                // n·a + seed modulo 10^11 with a coprime to 10: a bijection, so no two persons share one.
                const SPACE: u128 = 100_000_000_000;
                let v = ((u128::from(my_number_no) * 2_654_435_761 + u128::from(options.seed))
                    % SPACE) as u64;
                let mut body = [0u8; 11];
                let mut x = v;
                for d in body.iter_mut().rev() {
                    *d = (x % 10) as u8;
                    x /= 10;
                }
                MyNumber::from_body(body)
            });
            let person_ref = format!("P{person_no:09}");
            // A seeded wrong link: this person's rows carry the donor's number instead of
            // their own (or instead of none).
            let my_number = match &donor {
                Some((number, owner))
                    if (wrong_links.len() as u64) < options.wrong_links
                        && person_no.is_multiple_of(stride) =>
                {
                    wrong_links.push(WrongLink {
                        my_number: number.clone(),
                        true_person_ref: owner.clone(),
                        wrong_person_ref: person_ref.clone(),
                    });
                    Some(number.clone())
                }
                _ => my_number,
            };
            Person {
                index: person_no,
                person_ref,
                name: format!("{} {}", family.0, given.0),
                kana: format!("{} {}", family.1, given.1),
                sex,
                birth,
                my_number,
            }
        };
        let head_sex = if rng.random_bool(0.55) { 1 } else { 2 };
        let head = new_person(&mut rng, head_birth, head_sex);
        // Members: spouse and children for working-age heads.
        let mut members = vec![head];
        if (25..75).contains(&head_age) && rng.random_bool(0.6) {
            let spouse_birth = random_date(
                &mut rng,
                head_birth - Duration::days(365 * 5),
                head_birth + Duration::days(365 * 5),
            );
            let spouse_birth = spouse_birth.min(reference - Duration::days(365 * 18));
            members.push(new_person(&mut rng, spouse_birth, 3 - head_sex));
            let children = rng.random_range(0..=3);
            for _ in 0..children {
                let oldest = (head_age - 20).clamp(0, 25);
                let child_age = rng.random_range(0..=oldest);
                let birth = random_date(
                    &mut rng,
                    reference - Duration::days(365 * (child_age + 1) as i64),
                    reference - Duration::days(365 * child_age as i64 + 1),
                );
                let sex = if rng.random_bool(0.5) { 1 } else { 2 };
                members.push(new_person(&mut rng, birth, sex));
            }
        }
        let remaining = options.persons - w.stats.persons;
        members.truncate(remaining as usize);
        // Only an owner whose own rows carry the number (not a wrong link itself) donates.
        if let Some(head) = members.first()
            && let Some(number) = &head.my_number
            && !wrong_links
                .iter()
                .any(|l| l.wrong_person_ref == head.person_ref)
        {
            donor = Some((number.clone(), head.person_ref.clone()));
        }
        w.stats.persons += members.len() as u64;
        w.stats.households += 1;

        if head_age >= 75 {
            // 後期高齢者医療: every person has an individual number; qualification from the 75th birthday.
            for p in &members {
                let insurer = insurers.pick(Scheme::LateElderly, &mut rng);
                let number = format!("{:08}", p.index);
                let card = Card {
                    insurer: &insurer,
                    symbol: "",
                    number: &number,
                    branch: 0,
                };
                let limit = if rng.random_bool(0.15) {
                    ["B04", "B05", "B06", "B10"][rng.random_range(0..4)]
                } else {
                    ""
                };
                let coverage = Coverage {
                    category: 1,
                    from: (p.birth + Duration::days(365 * 75 + 18)).max(floor),
                    until: None,
                    copay: copay_for(age_on(p.birth, reference), &mut rng),
                    limit,
                    disease: if rng.random_bool(0.01) { "1" } else { "" },
                };
                w.row(card, p, coverage)?;
            }
            continue;
        }
        let scheme = match rng.random_range(0..100) {
            0..=39 => Scheme::Kyokai,
            40..=59 => Scheme::Union,
            60..=67 => Scheme::Mutual,
            _ => Scheme::National,
        };
        let insurer = insurers.pick(scheme, &mut rng);
        let symbol = match scheme {
            Scheme::National => format!("国{}", rng.random_range(1..=9)),
            _ => format!("{}", rng.random_range(1..=99_999_999u32)),
        };
        let number = format!("{household_no}");
        let head_start = random_date(
            &mut rng,
            (head_birth + Duration::days(365 * 18)).max(floor),
            reference,
        );
        let fate: f64 = rng.random();
        for (i, p) in members.iter().enumerate() {
            let card = Card {
                insurer: &insurer,
                symbol: &symbol,
                number: &number,
                branch: i as u8,
            };
            let limit = if rng.random_bool(0.05) {
                ["A01", "A02", "A03", "A04", "A05"][rng.random_range(0..5)]
            } else {
                ""
            };
            let coverage = Coverage {
                // In 国民健康保険 every member is insured; elsewhere the head is, the family depends.
                category: if i == 0 || matches!(scheme, Scheme::National) {
                    1
                } else {
                    2
                },
                from: head_start.max(p.birth),
                until: None,
                copay: copay_for(age_on(p.birth, reference), &mut rng),
                limit,
                disease: if rng.random_bool(0.003) {
                    ["1", "2", "3"][rng.random_range(0..3)]
                } else {
                    ""
                },
            };
            // A loss on the 1st of a month at least 40 days after the start (so always after it).
            let loss_date = |rng: &mut StdRng| {
                first_of_month(random_date(
                    rng,
                    coverage.from + Duration::days(40),
                    reference,
                ))
            };
            if fate < 0.06 {
                // Lost: the household changed insurer; most re-acquired under 国保 (same 個人番号).
                let until = loss_date(&mut rng);
                w.row(
                    card,
                    p,
                    Coverage {
                        until: Some(until),
                        ..coverage
                    },
                )?;
                if fate < 0.045 {
                    let next = insurers.pick(Scheme::National, &mut rng);
                    let next_number = format!("5{:08}", p.index);
                    let next_card = Card {
                        insurer: &next,
                        symbol: "国9",
                        number: &next_number,
                        ..card
                    };
                    w.row(
                        next_card,
                        &as_later_row(p),
                        Coverage {
                            category: 1,
                            from: until,
                            ..coverage
                        },
                    )?;
                }
            } else if fate < 0.08 && i > 0 && age_on(p.birth, reference) >= 18 {
                // A dependent who became insured: new card numbers, same person_ref.
                let until = loss_date(&mut rng);
                w.row(
                    card,
                    p,
                    Coverage {
                        until: Some(until),
                        ..coverage
                    },
                )?;
                let own_number = format!("9{:08}", p.index);
                let own_card = Card {
                    number: &own_number,
                    branch: 0,
                    ..card
                };
                w.row(
                    own_card,
                    &as_later_row(p),
                    Coverage {
                        category: 1,
                        from: until,
                        ..coverage
                    },
                )?;
            } else if fate > 0.985 {
                // Joins in the future (not yet qualified on the reference date).
                let start = first_of_month(reference + Duration::days(rng.random_range(35..400)));
                w.row(
                    card,
                    p,
                    Coverage {
                        from: start.max(p.birth),
                        ..coverage
                    },
                )?;
            } else {
                w.row(card, p, coverage)?;
            }
        }
    }
    w.out.flush()?;
    Ok(Generated {
        stats: w.stats,
        wrong_links,
    })
}
