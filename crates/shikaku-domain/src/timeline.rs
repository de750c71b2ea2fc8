//! The preparation timeline (`portal.md`): from the planned start of operation (運用開始) and
//! the equipment setup date (機器受取/設定), each step's deadline by the rules of the seed —
//! card reader 4 months before the start, vendor order 1 month before, use application and
//! certificate application 5 business days before setup — its status on a given day, and
//! warnings when the plan cannot hold.

use serde::Serialize;
use time::Date;

use crate::calendar::{business_days_before, format_wareki, is_business_day, months_before};
use crate::date::serde_date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepId {
    ReaderApplication,
    VendorEstimate,
    VendorOrder,
    UseApplication,
    CertificateApplication,
    Setup,
    OperationTest,
    WorkflowReview,
    PatientNotice,
    SubsidyApplication,
}

impl StepId {
    pub const ALL: [StepId; 10] = [
        StepId::ReaderApplication,
        StepId::VendorEstimate,
        StepId::VendorOrder,
        StepId::UseApplication,
        StepId::CertificateApplication,
        StepId::Setup,
        StepId::OperationTest,
        StepId::WorkflowReview,
        StepId::PatientNotice,
        StepId::SubsidyApplication,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StepId::ReaderApplication => "reader-application",
            StepId::VendorEstimate => "vendor-estimate",
            StepId::VendorOrder => "vendor-order",
            StepId::UseApplication => "use-application",
            StepId::CertificateApplication => "certificate-application",
            StepId::Setup => "setup",
            StepId::OperationTest => "operation-test",
            StepId::WorkflowReview => "workflow-review",
            StepId::PatientNotice => "patient-notice",
            StepId::SubsidyApplication => "subsidy-application",
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            StepId::ReaderApplication => "顔認証付きカードリーダー申し込み",
            StepId::VendorEstimate => "システムベンダーへ見積依頼",
            StepId::VendorOrder => "システムベンダーへ発注",
            StepId::UseApplication => "オンライン資格確認利用申請",
            StepId::CertificateApplication => "電子証明書発行申請",
            StepId::Setup => "機器受取/設定",
            StepId::OperationTest => "運用テスト",
            StepId::WorkflowReview => "受付業務等の変更点の確認・安全対策の規定",
            StepId::PatientNotice => "患者向け掲示（個人情報保護の利用目的・ポスター）",
            StepId::SubsidyApplication => "補助金申請",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            StepId::ReaderApplication => "Apply for the face-recognition card reader",
            StepId::VendorEstimate => "Ask the system vendor for an estimate",
            StepId::VendorOrder => "Order from the system vendor",
            StepId::UseApplication => "Use application for online eligibility verification",
            StepId::CertificateApplication => "Apply for electronic certificates",
            StepId::Setup => "Receive and set up the equipment",
            StepId::OperationTest => "Operation test",
            StepId::WorkflowReview => "Review reception work and the security rules",
            StepId::PatientNotice => "Notices for patients (purposes of use, poster)",
            StepId::SubsidyApplication => "Subsidy application",
        }
    }

    /// The label in English or Japanese.
    pub fn label(self, english: bool) -> &'static str {
        if english {
            self.label_en()
        } else {
            self.label_ja()
        }
    }

    /// Steps done by filing them in the portal (the portal knows they are done); the others
    /// are marked by the facility.
    pub fn filed_in_portal(self) -> bool {
        matches!(
            self,
            StepId::ReaderApplication
                | StepId::UseApplication
                | StepId::CertificateApplication
                | StepId::SubsidyApplication
        )
    }

    pub fn parse(s: &str) -> Option<StepId> {
        StepId::ALL.into_iter().find(|id| id.as_str() == s.trim())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Done,
    /// Not done; the deadline has not passed (or there is none yet).
    Due,
    /// Not done and its deadline has passed.
    Overdue,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub id: StepId,
    pub label: &'static str,
    /// The last allowed day (JST), when the step has one.
    #[serde(with = "optional_date")]
    pub deadline: Option<Date>,
    /// The rule, as the seed states it.
    pub rule: &'static str,
    pub status: StepStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timeline {
    #[serde(with = "serde_date")]
    pub start: Date,
    #[serde(with = "serde_date")]
    pub setup: Date,
    pub steps: Vec<Step>,
    /// Why the plan cannot hold, in Japanese.
    pub warnings: Vec<String>,
}

mod optional_date {
    pub fn serialize<S: serde::Serializer>(
        d: &Option<time::Date>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => crate::date::serde_date::serialize(d, s),
            None => s.serialize_none(),
        }
    }
}

/// The timeline of a facility on `today` (JST), with the steps already done.
pub fn timeline(start: Date, setup: Date, today: Date, done: &[StepId]) -> Timeline {
    let five_before_setup = business_days_before(setup, 5).ok();
    let plan: [(StepId, Option<Date>, &'static str); 10] = [
        (
            StepId::ReaderApplication,
            months_before(start, 4).ok(),
            "「運用開始」の4か月前まで（目安）",
        ),
        (StepId::VendorEstimate, None, "カードリーダー申し込み後すぐ"),
        (
            StepId::VendorOrder,
            months_before(start, 1).ok(),
            "「運用開始」の1か月前まで",
        ),
        (
            StepId::UseApplication,
            five_before_setup,
            "「機器受取/設定」の5営業日前まで",
        ),
        (
            StepId::CertificateApplication,
            five_before_setup,
            "「機器受取/設定」の5営業日前まで（通知書は簡易書留で届きます）",
        ),
        (StepId::Setup, Some(setup), "機器受取/設定日"),
        (
            StepId::OperationTest,
            start.previous_day(),
            "機器設定の後、運用開始まで",
        ),
        (StepId::WorkflowReview, start.previous_day(), "運用開始まで"),
        (StepId::PatientNotice, start.previous_day(), "運用開始まで"),
        (StepId::SubsidyApplication, None, "導入完了後"),
    ];
    let steps = plan
        .into_iter()
        .map(|(id, deadline, rule)| Step {
            id,
            label: id.label_ja(),
            deadline,
            rule,
            status: if done.contains(&id) {
                StepStatus::Done
            } else if deadline.is_some_and(|d| d < today) {
                StepStatus::Overdue
            } else {
                StepStatus::Due
            },
        })
        .collect();
    let mut warnings = Vec::new();
    if setup >= start {
        warnings.push(format!(
            "機器受取/設定日（{}）が運用開始日（{}）以後です。運用テストの期間がありません",
            format_wareki(setup),
            format_wareki(start)
        ));
    }
    if !is_business_day(setup) {
        warnings.push(format!(
            "機器受取/設定日（{}）は営業日ではありません",
            format_wareki(setup)
        ));
    }
    if !done.contains(&StepId::ReaderApplication)
        && months_before(start, 4).is_ok_and(|d| d < today)
    {
        warnings.push(format!(
            "運用開始（{}）まで4か月を切っています。カードリーダーの配送が間に合わない可能性があります",
            format_wareki(start)
        ));
    }
    if !done.contains(&StepId::UseApplication) && five_before_setup.is_some_and(|d| d < today) {
        warnings.push(format!(
            "利用申請の期限（機器受取/設定の5営業日前）を過ぎています。機器設定日（{}）を見直してください",
            format_wareki(setup)
        ));
    }
    Timeline {
        start,
        setup,
        steps,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn deadlines_follow_the_seed() {
        let t = timeline(
            date!(2027 - 04 - 01),
            date!(2027 - 03 - 15),
            date!(2026 - 11 - 24),
            &[],
        );
        let deadline = |id| t.steps.iter().find(|s| s.id == id).and_then(|s| s.deadline);
        assert_eq!(
            deadline(StepId::ReaderApplication),
            Some(date!(2026 - 12 - 01))
        );
        assert_eq!(deadline(StepId::VendorOrder), Some(date!(2027 - 03 - 01)));
        // 2027-03-15 (月) − 5 business days: 3/12, 3/11, 3/10, 3/9, 3/8.
        assert_eq!(
            deadline(StepId::UseApplication),
            Some(date!(2027 - 03 - 08))
        );
        assert_eq!(deadline(StepId::OperationTest), Some(date!(2027 - 03 - 31)));
        assert!(t.warnings.is_empty(), "{:?}", t.warnings);
        assert!(t.steps.iter().all(|s| s.status == StepStatus::Due));
    }

    #[test]
    fn statuses_and_warnings() {
        let today = date!(2027 - 03 - 10);
        let t = timeline(
            date!(2027 - 04 - 01),
            date!(2027 - 03 - 15),
            today,
            &[StepId::ReaderApplication],
        );
        let status = |id| t.steps.iter().find(|s| s.id == id).map(|s| s.status);
        assert_eq!(status(StepId::ReaderApplication), Some(StepStatus::Done));
        assert_eq!(status(StepId::VendorOrder), Some(StepStatus::Overdue));
        assert_eq!(status(StepId::UseApplication), Some(StepStatus::Overdue));
        assert_eq!(status(StepId::Setup), Some(StepStatus::Due));
        assert!(
            t.warnings.iter().any(|w| w.contains("利用申請の期限")),
            "{:?}",
            t.warnings
        );
        // A start less than 4 months away, a setup on a holiday and after the start.
        let t = timeline(
            date!(2027 - 01 - 12),
            date!(2027 - 01 - 11),
            date!(2026 - 11 - 24),
            &[],
        );
        assert!(t.warnings.iter().any(|w| w.contains("4か月を切っています")));
        assert!(
            t.warnings
                .iter()
                .any(|w| w.contains("営業日ではありません")),
            "成人の日"
        );
        let t = timeline(
            date!(2027 - 04 - 01),
            date!(2027 - 04 - 05),
            date!(2026 - 11 - 24),
            &[],
        );
        assert!(t.warnings.iter().any(|w| w.contains("以後です")));
    }
}
