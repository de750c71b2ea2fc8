//! Terminal client certificates: issuing (CA + register), revoking (register + CRL), and
//! deciding whether a presented certificate may use the API.

use std::sync::Arc;

use shikaku_domain::FacilityCode;
use shikaku_pki::{Ca, IssuedCert, TerminalIdentity};
use shikaku_store::{RevokeOutcome, Store, StoreError, TerminalCert};
use time::OffsetDateTime;

use crate::lookup::Caller;

/// Default validity of a terminal certificate.
pub const DEFAULT_DAYS: i64 = 365 * 3;

#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error(transparent)]
    Pki(#[from] shikaku_pki::PkiError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Issues a certificate for a terminal and registers it, so the API accepts it.
pub async fn issue(
    ca: &Ca,
    store: &dyn Store,
    facility: &FacilityCode,
    terminal: &str,
    not_before: OffsetDateTime,
    days: i64,
) -> Result<IssuedCert, CertError> {
    let issued = ca.issue_terminal(facility, terminal, not_before, days)?;
    store
        .insert_terminal_cert(&TerminalCert {
            serial: issued.serial.clone(),
            facility_code: facility.as_str().to_string(),
            terminal_name: terminal.trim().to_string(),
            fingerprint: issued.fingerprint.clone(),
            not_before: issued.not_before,
            not_after: issued.not_after,
            issued_at: OffsetDateTime::now_utc(),
            revoked_at: None,
        })
        .await?;
    Ok(issued)
}

/// Revokes a certificate (effective for the API's next request) and rewrites the CRL.
pub async fn revoke(ca: &Ca, store: &dyn Store, serial: &str) -> Result<RevokeOutcome, CertError> {
    let serial = serial.trim().to_ascii_lowercase();
    let outcome = store
        .revoke_terminal_cert(&serial, OffsetDateTime::now_utc())
        .await?;
    write_crl(ca, store).await?;
    Ok(outcome)
}

/// Writes the CRL of every revoked certificate.
pub async fn write_crl(ca: &Ca, store: &dyn Store) -> Result<String, CertError> {
    let revoked: Vec<(String, OffsetDateTime)> = store
        .terminal_certs()
        .await?
        .into_iter()
        .filter_map(|c| c.revoked_at.map(|at| (c.serial, at)))
        .collect();
    let number = OffsetDateTime::now_utc().unix_timestamp().max(1) as u64;
    Ok(ca.write_crl(&revoked, number)?)
}

/// Why a presented certificate may not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    Unknown,
    Revoked,
}

/// Checks a certificate the TLS layer already verified against the CA: it must be registered
/// (same fingerprint) and not revoked.
pub async fn authorize(
    store: &Arc<dyn Store>,
    identity: &TerminalIdentity,
) -> Result<Result<Caller, Denied>, StoreError> {
    Ok(match store.terminal_cert_status(&identity.serial).await? {
        None => Err(Denied::Unknown),
        Some(status) if status.fingerprint != identity.fingerprint => Err(Denied::Unknown),
        Some(status) if status.revoked => Err(Denied::Revoked),
        Some(_) => Ok(Caller {
            facility_code: identity.facility_code.clone(),
            terminal_name: identity.terminal_name.clone(),
            cert_serial: identity.serial.clone(),
        }),
    })
}

/// Every issued certificate, oldest first.
pub async fn list(store: &dyn Store) -> Result<Vec<TerminalCert>, CertError> {
    Ok(store.terminal_certs().await?)
}
