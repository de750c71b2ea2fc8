//! The card-reader application (顔認証付きカードリーダー): makers, how many a facility may
//! have, and where an application stands.

use super::lifecycle::{Action, choice_enum};
use super::{Choice, FieldError, Lifecycle};
use crate::subsidy::FacilityCategory;

/// 顔認証付きカードリーダーの製造元 (seed, 令和2年11月).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Maker {
    Fujitsu,
    Panasonic,
    Almex,
}

impl Choice for Maker {
    const ALL: &'static [Maker] = &[Maker::Fujitsu, Maker::Panasonic, Maker::Almex];
    fn code(self) -> &'static str {
        match self {
            Maker::Fujitsu => "fujitsu",
            Maker::Panasonic => "panasonic",
            Maker::Almex => "almex",
        }
    }
    fn label_ja(self) -> &'static str {
        match self {
            Maker::Fujitsu => "富士通Japan株式会社",
            Maker::Panasonic => "パナソニックシステムソリューションズジャパン株式会社",
            Maker::Almex => "株式会社アルメックス",
        }
    }
    fn label_en(self) -> &'static str {
        match self {
            Maker::Fujitsu => "Fujitsu Japan Ltd.",
            Maker::Panasonic => "Panasonic System Solutions Japan Co., Ltd.",
            Maker::Almex => "ALMEX Inc.",
        }
    }
}

/// How many readers a facility may have at once (live applications together): hospitals up
/// to 3, every other category 1 (`subsidy.md`).
pub fn check_reader_quantity(
    category: FacilityCategory,
    already: u32,
    requested: u32,
) -> Result<(), FieldError> {
    let max = category.max_readers();
    if requested == 0 {
        return Err(FieldError::new(
            "quantity",
            "台数は1以上です",
            "the quantity must be at least 1",
        ));
    }
    if already + requested > max {
        return Err(FieldError::new(
            "quantity",
            format!(
                "{}は{}台までです（申し込み済み {} 台、今回 {} 台）",
                category.label_ja(),
                max,
                already,
                requested
            ),
            format!(
                "a {} may have at most {} reader(s) ({} already applied for, {} requested)",
                category.label_en(),
                max,
                already,
                requested
            ),
        ));
    }
    Ok(())
}

choice_enum! {
    /// Where a card-reader application stands.
    pub enum ReaderStatus ("reader application status") {
        /// 申込済み: the facility may still change or cancel it.
        Applied => ("applied", "申込済み", "applied"),
        /// 配送時期確定: an operator fixed the delivery month; only the call centre changes it.
        Scheduled => ("scheduled", "配送時期確定", "delivery scheduled"),
        Cancelled => ("cancelled", "取消", "cancelled"),
    }
}

choice_enum! {
    /// What may be done to a card-reader application.
    pub enum ReaderAction ("reader application action") {
        Edit => ("edit", "変更する", "change"),
        Cancel => ("cancel", "取り消す", "cancel"),
        /// An operator fixes (or moves) the delivery month.
        Schedule => ("schedule", "配送時期を確定する", "fix the delivery month"),
    }
}

impl Action for ReaderAction {
    fn by_operator(self) -> bool {
        self == ReaderAction::Schedule
    }
    fn by_facility(self) -> bool {
        self != ReaderAction::Schedule
    }
}

impl Lifecycle for ReaderStatus {
    type Action = ReaderAction;
    fn apply(self, action: ReaderAction) -> Option<Self> {
        use ReaderAction::*;
        use ReaderStatus::*;
        match (self, action) {
            (Applied, Edit) => Some(Applied),
            (Applied, Cancel) => Some(Cancelled),
            (Applied | Scheduled, Schedule) => Some(Scheduled),
            _ => None,
        }
    }
}

impl ReaderStatus {
    /// The reader counts against the facility's limit and its subsidy.
    pub fn is_live(self) -> bool {
        self != ReaderStatus::Cancelled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_quantities_by_category() {
        assert!(check_reader_quantity(FacilityCategory::Hospital, 0, 3).is_ok());
        assert!(check_reader_quantity(FacilityCategory::Hospital, 2, 1).is_ok());
        let e = check_reader_quantity(FacilityCategory::Hospital, 2, 2).expect_err("4");
        assert!(e.ja.contains("3台まで"), "{e}");
        assert!(check_reader_quantity(FacilityCategory::Clinic, 0, 1).is_ok());
        assert!(check_reader_quantity(FacilityCategory::Clinic, 0, 2).is_err());
        assert!(check_reader_quantity(FacilityCategory::Pharmacy, 1, 1).is_err());
        assert!(check_reader_quantity(FacilityCategory::Clinic, 0, 0).is_err());
    }

    #[test]
    fn reader_applications_move_along_their_edges_only() {
        use ReaderAction::*;
        assert_eq!(
            ReaderStatus::Applied.apply(Cancel),
            Some(ReaderStatus::Cancelled)
        );
        assert_eq!(ReaderStatus::Scheduled.apply(Edit), None);
        assert_eq!(
            ReaderStatus::Scheduled.apply(Schedule),
            Some(ReaderStatus::Scheduled)
        );
        assert_eq!(ReaderStatus::Applied.actions_for(false), vec![Edit, Cancel]);
        assert_eq!(ReaderStatus::Applied.actions_for(true), vec![Schedule]);
        assert!(ReaderStatus::Cancelled.is_final());
        assert_eq!(
            ReaderStatus::try_from("scheduled".to_string()),
            Ok(ReaderStatus::Scheduled)
        );
        assert!(ReaderStatus::try_from("shipped".to_string()).is_err());
    }
}
