//! The portal's records as the use cases hand them out and the pages read them: plain data
//! with typed codes and states. The store decodes its rows into these (its row types stay
//! private to it), so no layer above the store sees a database type.

use time::{Date, OffsetDateTime};

use super::{CertStatus, ReaderStatus, SubsidyStatus};
use crate::FacilityCode;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facility {
    pub code: FacilityCode,
    pub name: String,
    pub category: String,
    pub prefecture: String,
    pub postal_code: String,
    pub address: String,
    pub phone: String,
    pub contact_name: String,
    pub email: String,
    pub planned_start: Option<Date>,
    pub planned_setup: Option<Date>,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderApplication {
    pub id: String,
    pub facility_code: FacilityCode,
    pub maker: String,
    pub quantity: i64,
    pub applied_on: Date,
    pub status: ReaderStatus,
    pub delivery_month: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UseApplication {
    pub facility_code: FacilityCode,
    pub line_type: String,
    pub provider: String,
    pub customer_id: Option<String>,
    pub start_month: String,
    pub test_month: Option<String>,
    pub online_claims: bool,
    pub setup_date: Date,
    pub submitted_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertApplication {
    pub id: String,
    pub facility_code: FacilityCode,
    pub terminal_name: String,
    pub os: String,
    pub status: CertStatus,
    /// Set when the certificate is made, at the facility's one download (no key, PKCS#12 or
    /// password is ever stored).
    pub serial: Option<String>,
    pub applied_at: OffsetDateTime,
    pub decided_at: Option<OffsetDateTime>,
    pub downloaded_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubsidyApplication {
    pub id: String,
    pub facility_code: FacilityCode,
    pub status: SubsidyStatus,
    pub readers: i64,
    pub reader_applied: Date,
    /// JSON array of `{"label": …, "amount": …}`.
    pub cost_lines: String,
    pub cost_total: i64,
    pub rule_set: String,
    pub subsidy: i64,
    pub reason: Option<String>,
    pub submitted_at: OffsetDateTime,
    pub decided_at: Option<OffsetDateTime>,
    /// The system vendor who did the set-up work (empty on rows filed before it was asked).
    pub vendor: String,
    pub receipt_number: String,
    /// 導入完了日.
    pub completed_on: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubsidyDocument {
    pub application_id: String,
    pub kind: String,
    pub file_name: String,
    pub content_type: String,
    pub sha256: Vec<u8>,
    pub body: Vec<u8>,
    pub uploaded_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalEvent {
    pub at: OffsetDateTime,
    pub actor: String,
    pub facility_code: FacilityCode,
    pub subject: String,
    pub action: String,
    pub detail: String,
}

#[derive(Debug, Clone, Default)]
pub struct FacilityFilter {
    pub prefecture: Option<String>,
    pub category: Option<String>,
    /// Part of the name or the code.
    pub text: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct AppFilter {
    pub facility_code: Option<String>,
    pub status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StageCounts {
    pub group_key: String,
    pub registered: i64,
    pub reader_applied: i64,
    pub use_applied: i64,
    pub certificate_issued: i64,
    pub operating: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Adoption {
    pub by_category: Vec<StageCounts>,
    pub by_prefecture: Vec<StageCounts>,
    /// (day in JST, facilities whose operation test passed that day), oldest first.
    pub operating_by_day: Vec<(Date, i64)>,
}
