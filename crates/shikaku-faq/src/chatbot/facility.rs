//! Answers to questions about the facility's own state (recognised in `intent.rs`): from the
//! facility's data when it is logged in, with a way to log in when it is not. Answers link to
//! the portal page that acts on them.

use super::intent::Intent;
use super::{Reply, choice, yen};
use crate::Lang;

/// What the chatbot may tell a logged-in facility about itself (labels in the page's
/// language).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacilityFacts {
    pub name: String,
    pub subsidy: SubsidyFact,
    /// The first step not done yet, when the plan (start and setup dates) is set.
    pub next_step: Option<NextStep>,
    pub plan_set: bool,
    /// Steps whose deadline has passed.
    pub overdue: Vec<String>,
    /// Steps not done yet that have a deadline.
    pub deadlines: Vec<NextStep>,
    /// Each filing and its state: (what, state).
    pub applications: Vec<(String, String)>,
    /// Each certificate: (terminal, state).
    pub certificates: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubsidyFact {
    /// An application is filed: its amount and status.
    Applied { amount: i64, status: String },
    /// No application yet: the most this facility can receive under its rule set.
    Cap {
        amount: i64,
        base: i64,
        rate: String,
        rule_set: String,
        readers: u32,
    },
    /// No card reader applied for: the rule set is not known yet.
    NoReader,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextStep {
    pub label: String,
    /// Its last day, as shown (e.g. 2021年1月8日（金）).
    pub deadline: Option<String>,
    pub overdue: bool,
}

/// The answer to a facility-specific question from the facility's own data (Markdown).
pub fn facility_reply(intent: Intent, facts: &FacilityFacts, lang: Lang) -> Reply {
    let en = lang.is_english();
    let t = |ja: &str, e: &str| if en { e.to_string() } else { ja.to_string() };
    let q = if en { "?lang=en" } else { "" };
    let name = &facts.name;
    let text = match intent {
        Intent::Subsidy => match &facts.subsidy {
            SubsidyFact::Applied { amount, status } => {
                if en {
                    format!(
                        "{name}'s subsidy application is for {} (status: {status}).\n\n[Open the subsidy application](/portal/subsidy-application{q})",
                        yen(*amount)
                    )
                } else {
                    format!(
                        "{name}さまの補助金申請額は{}です（状況: {status}）。\n\n[補助金申請の画面を開く](/portal/subsidy-application)",
                        yen(*amount)
                    )
                }
            }
            SubsidyFact::Cap {
                amount,
                base,
                rate,
                rule_set,
                readers,
            } => {
                if en {
                    format!(
                        "With {readers} card reader(s) under \"{rule_set}\", {name} can receive at most {} ({} × {rate}, rounded down to the thousand yen). The actual amount depends on your costs. Collect the receipts and apply from the subsidy application page.\n\n[Open the subsidy application](/portal/subsidy-application{q})",
                        yen(*amount),
                        yen(*base)
                    )
                } else {
                    format!(
                        "{name}さま（カードリーダー {readers} 台、{rule_set}）の補助金は最大{}です（基準額 {} × {rate}、千円未満切捨て）。実際の額は費用の合計で決まります。領収書をそろえて「補助金申請」から申請してください。\n\n[補助金申請の画面を開く](/portal/subsidy-application)",
                        yen(*amount),
                        yen(*base)
                    )
                }
            }
            SubsidyFact::NoReader => t(
                &format!(
                    "{name}さまはまだカードリーダーを申し込んでいません。補助金の額は、申し込んだ日と台数で決まります。\n\n[カードリーダーを申し込む](/portal/readers)"
                ),
                &format!(
                    "{name} has not applied for a card reader yet. The subsidy depends on the date of that application and the number of readers.\n\n[Apply for a card reader](/portal/readers?lang=en)"
                ),
            ),
        },
        Intent::NextStep => match (&facts.next_step, facts.plan_set) {
            (_, false) => t(
                "運用開始日と機器設置日がまだ登録されていません。ホームで登録すると、各作業の期限を営業日で計算してお知らせします。\n\n[ホームで計画を登録する](/portal/home)",
                "Your planned start and set-up dates are not registered yet. Register them on the home page and every step's deadline is computed in business days.\n\n[Register the plan](/portal/home?lang=en)",
            ),
            (None, true) => t(
                "準備の作業はすべて完了しています。運用開始までお待ちください。\n\n[ホームを開く](/portal/home)",
                "Every preparation step is done. Wait for the start of operation.\n\n[Open the home page](/portal/home?lang=en)",
            ),
            (Some(step), true) => {
                let when = match (&step.deadline, step.overdue) {
                    (Some(d), true) => t(
                        &format!("期限は{d}でした（期限を過ぎています）。"),
                        &format!("Its deadline was {d} (overdue)."),
                    ),
                    (Some(d), false) => t(
                        &format!("期限は{d}です。"),
                        &format!("Its deadline is {d}."),
                    ),
                    (None, _) => t("期限はありません。", "It has no deadline."),
                };
                let others = if facts.overdue.len() > 1 {
                    t(
                        &format!(
                            "\n\nほかにも期限を過ぎた作業があります: {}",
                            facts.overdue.join("、")
                        ),
                        &format!("\n\nOther overdue steps: {}", facts.overdue.join(", ")),
                    )
                } else {
                    String::new()
                };
                t(
                    &format!(
                        "次の作業は「{}」です。{when}{others}\n\n[ホームで進み具合を見る](/portal/home)",
                        step.label
                    ),
                    &format!(
                        "Your next step is \"{}\". {when}{others}\n\n[See your progress](/portal/home?lang=en)",
                        step.label
                    ),
                )
            }
        },
        Intent::Deadlines => {
            if !facts.plan_set {
                t(
                    "運用開始日と機器設置日が登録されていないため、期限はまだ計算できません。\n\n[ホームで計画を登録する](/portal/home)",
                    "Deadlines cannot be computed until the planned start and set-up dates are registered.\n\n[Register the plan](/portal/home?lang=en)",
                )
            } else if facts.deadlines.is_empty() {
                t(
                    "期限のある作業は残っていません。\n\n[ホームを開く](/portal/home)",
                    "No step with a deadline is left.\n\n[Open the home page](/portal/home?lang=en)",
                )
            } else {
                let lines: Vec<String> = facts
                    .deadlines
                    .iter()
                    .map(|s| {
                        let d = s.deadline.clone().unwrap_or_default();
                        let late = if s.overdue {
                            t("（期限超過）", " (overdue)")
                        } else {
                            String::new()
                        };
                        format!("- {}: {d}{late}", s.label)
                    })
                    .collect();
                t(
                    &format!(
                        "{name}さまの残っている作業の期限です。\n\n{}\n\n[ホームで確認する](/portal/home)",
                        lines.join("\n")
                    ),
                    &format!(
                        "Deadlines of {name}'s remaining steps:\n\n{}\n\n[Open the home page](/portal/home?lang=en)",
                        lines.join("\n")
                    ),
                )
            }
        }
        Intent::Applications => listing(
            &facts.applications,
            lang,
            [
                "まだ申請はありません。まずカードリーダーを申し込んでください。\n\n[カードリーダーを申し込む](/portal/readers)",
                "Nothing has been filed yet. Start with the card reader.\n\n[Apply for a card reader](/portal/readers?lang=en)",
            ],
            [
                &format!("{name}さまの申請の状況です。"),
                &format!("{name}'s applications:"),
            ],
            [
                "[ホームで確認する](/portal/home)",
                "[Open the home page](/portal/home?lang=en)",
            ],
        ),
        Intent::Certificates => listing(
            &facts.certificates,
            lang,
            [
                "電子証明書はまだ申請されていません。利用申請の後、資格確認端末ごとに申請してください。\n\n[電子証明書の画面を開く](/portal/certificates)",
                "No certificate has been applied for yet. After the use application, apply for one per terminal.\n\n[Open certificates](/portal/certificates?lang=en)",
            ],
            [
                &format!("{name}さまの電子証明書です。"),
                &format!("{name}'s certificates:"),
            ],
            [
                "[電子証明書の画面を開く](/portal/certificates)",
                "[Open certificates](/portal/certificates?lang=en)",
            ],
        ),
    };
    Reply {
        text,
        entry_id: None,
        choices: vec![choice(&t("最初に戻る", "Start over"), "start".into())],
        related: Vec::new(),
        answered: true,
        context: Default::default(),
    }
}

/// A list of (what, state) as Markdown: `empty` when there is none, else `heading`, the
/// items and `link` — each as [Japanese, English].
fn listing(
    items: &[(String, String)],
    lang: Lang,
    empty: [&str; 2],
    heading: [&str; 2],
    link: [&str; 2],
) -> String {
    let i = usize::from(lang.is_english());
    if items.is_empty() {
        return empty[i].to_string();
    }
    let lines: Vec<String> = items
        .iter()
        .map(|(what, state)| format!("- {what}: {state}"))
        .collect();
    format!("{}\n\n{}\n\n{}", heading[i], lines.join("\n"), link[i])
}

/// The answer to a facility-specific question from someone not logged in.
pub fn login_reply(intent: Intent, lang: Lang) -> Reply {
    let what = match intent {
        Intent::Subsidy => (
            "補助金の額と申請状況",
            "your subsidy amount and application",
        ),
        Intent::NextStep => ("次にやること", "your next step"),
        Intent::Deadlines => ("作業の期限", "your deadlines"),
        Intent::Applications => ("申請の状況", "the state of your applications"),
        Intent::Certificates => ("電子証明書の状態", "your certificates"),
    };
    let text = if lang.is_english() {
        format!(
            "Log in to the portal to see {}: the chatbot then answers from your facility's own data.\n\n[Log in](/portal/login?lang=en) · [Register an account](/portal/register?lang=en)",
            what.1
        )
    } else {
        format!(
            "{}は、ポータルにログインするとお答えできます（貴施設の登録内容から回答します）。\n\n[ログインする](/portal/login) ・ [アカウントを登録する](/portal/register)",
            what.0
        )
    };
    Reply {
        text,
        entry_id: None,
        choices: vec![choice(
            if lang.is_english() {
                "Start over"
            } else {
                "最初に戻る"
            },
            "start".into(),
        )],
        related: Vec::new(),
        answered: true,
        context: Default::default(),
    }
}
