//! The portal's rows as the store reads them, decoded into the domain's records
//! (`shikaku_domain::portal::records`), which the store hands out.

use shikaku_domain::FacilityCode;
use shikaku_domain::portal::{CertStatus, ReaderStatus, SubsidyStatus};
use time::{Date, OffsetDateTime};

pub use shikaku_domain::portal::records::{
    Adoption, AppFilter, CertApplication, Facility, FacilityFilter, Page, PortalEvent,
    ReaderApplication, StageCounts, SubsidyApplication, SubsidyDocument, UseApplication,
};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct FacilityRow {
    #[sqlx(try_from = "String")]
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

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Account {
    pub login: String,
    /// `facility` or `operator`.
    pub role: String,
    pub facility_code: Option<String>,
    pub password_hash: String,
    pub failed_logins: i64,
    pub locked_until: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    /// False while a registration or transfer waits for its activation letter's code.
    pub active: bool,
    /// Sessions signed in before this are void (set by a password change or a transfer).
    pub sessions_from: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PortalSession {
    /// SHA-256 of the session id (the cookie value is never stored).
    pub token_hash: Vec<u8>,
    /// The session's record, as the HTTP layer serializes it.
    pub data: String,
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct ReaderApplicationRow {
    pub id: String,
    #[sqlx(try_from = "String")]
    pub facility_code: FacilityCode,
    pub maker: String,
    pub quantity: i64,
    pub applied_on: Date,
    #[sqlx(try_from = "String")]
    pub status: ReaderStatus,
    pub delivery_month: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct UseApplicationRow {
    #[sqlx(try_from = "String")]
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

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct CertApplicationRow {
    pub id: String,
    #[sqlx(try_from = "String")]
    pub facility_code: FacilityCode,
    pub terminal_name: String,
    pub os: String,
    #[sqlx(try_from = "String")]
    pub status: CertStatus,
    /// Set when the certificate is made, at the facility's one download (no key, PKCS#12 or
    /// password is ever stored).
    pub serial: Option<String>,
    pub applied_at: OffsetDateTime,
    pub decided_at: Option<OffsetDateTime>,
    pub downloaded_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct SubsidyApplicationRow {
    pub id: String,
    #[sqlx(try_from = "String")]
    pub facility_code: FacilityCode,
    #[sqlx(try_from = "String")]
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

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct SubsidyDocumentRow {
    pub application_id: String,
    pub kind: String,
    pub file_name: String,
    pub content_type: String,
    pub sha256: Vec<u8>,
    pub body: Vec<u8>,
    pub uploaded_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct PortalEventRow {
    pub at: OffsetDateTime,
    pub actor: String,
    #[sqlx(try_from = "String")]
    pub facility_code: FacilityCode,
    pub subject: String,
    pub action: String,
    pub detail: String,
}

impl From<FacilityRow> for Facility {
    fn from(r: FacilityRow) -> Self {
        Self {
            code: r.code,
            name: r.name,
            category: r.category,
            prefecture: r.prefecture,
            postal_code: r.postal_code,
            address: r.address,
            phone: r.phone,
            contact_name: r.contact_name,
            email: r.email,
            planned_start: r.planned_start,
            planned_setup: r.planned_setup,
            created_at: r.created_at,
        }
    }
}

impl From<ReaderApplicationRow> for ReaderApplication {
    fn from(r: ReaderApplicationRow) -> Self {
        Self {
            id: r.id,
            facility_code: r.facility_code,
            maker: r.maker,
            quantity: r.quantity,
            applied_on: r.applied_on,
            status: r.status,
            delivery_month: r.delivery_month,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

impl From<UseApplicationRow> for UseApplication {
    fn from(r: UseApplicationRow) -> Self {
        Self {
            facility_code: r.facility_code,
            line_type: r.line_type,
            provider: r.provider,
            customer_id: r.customer_id,
            start_month: r.start_month,
            test_month: r.test_month,
            online_claims: r.online_claims,
            setup_date: r.setup_date,
            submitted_at: r.submitted_at,
        }
    }
}

impl From<CertApplicationRow> for CertApplication {
    fn from(r: CertApplicationRow) -> Self {
        Self {
            id: r.id,
            facility_code: r.facility_code,
            terminal_name: r.terminal_name,
            os: r.os,
            status: r.status,
            serial: r.serial,
            applied_at: r.applied_at,
            decided_at: r.decided_at,
            downloaded_at: r.downloaded_at,
        }
    }
}

impl From<SubsidyApplicationRow> for SubsidyApplication {
    fn from(r: SubsidyApplicationRow) -> Self {
        Self {
            id: r.id,
            facility_code: r.facility_code,
            status: r.status,
            readers: r.readers,
            reader_applied: r.reader_applied,
            cost_lines: r.cost_lines,
            cost_total: r.cost_total,
            rule_set: r.rule_set,
            subsidy: r.subsidy,
            reason: r.reason,
            submitted_at: r.submitted_at,
            decided_at: r.decided_at,
            vendor: r.vendor,
            receipt_number: r.receipt_number,
            completed_on: r.completed_on,
        }
    }
}

impl From<SubsidyDocumentRow> for SubsidyDocument {
    fn from(r: SubsidyDocumentRow) -> Self {
        Self {
            application_id: r.application_id,
            kind: r.kind,
            file_name: r.file_name,
            content_type: r.content_type,
            sha256: r.sha256,
            body: r.body,
            uploaded_at: r.uploaded_at,
        }
    }
}

impl From<PortalEventRow> for PortalEvent {
    fn from(r: PortalEventRow) -> Self {
        Self {
            at: r.at,
            actor: r.actor,
            facility_code: r.facility_code,
            subject: r.subject,
            action: r.action,
            detail: r.detail,
        }
    }
}
