//! shikaku-domain — the pure core of shikaku (オンライン資格確認等システム).
//!
//! Codes as types (保険者番号, 医療機関コード, 公費, 個人番号, 記号・番号・枝番), the
//! qualification model (資格情報) and the eligibility decision (資格確認). No IO, no async,
//! no clock: callers pass the as-of date in.

pub mod calendar;
pub mod card;
pub mod check_digit;
pub mod date;
pub mod elderly;
pub mod eligibility;
pub mod explanation;
pub mod facility_code;
pub mod facility_register;
pub mod help;
pub mod insurer_number;
pub mod linkage;
pub mod my_number;
pub mod portal;
pub mod public_expense;
pub mod qualification;
pub mod subsidy;
pub mod support;
mod text;
pub mod timeline;

pub use card::{Branch, CardNumber, CardNumbers, CardSymbol, CardTextError};
pub use date::{DateError, parse_date};
pub use eligibility::{
    Eligibility, EligibilityStatus, decide, decide_person, find_newer, pick_branch, with_newer,
};
pub use facility_code::{FacilityCode, FacilityCodeError, MedicalInstitutionCode, ScoreTable};
pub use insurer_number::{InsurerNumber, InsurerNumberError};
pub use my_number::{MyNumber, MyNumberError};
pub use public_expense::{PublicExpenseError, PublicExpenseNumber, RecipientNumber};
pub use qualification::{
    CopayRatio, InsuredCategory, LimitCategory, Period, PeriodError, Qualification, Sex,
    SpecificDisease, parse_name_kana, parse_text,
};
