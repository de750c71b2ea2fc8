//! shikaku-pki — the system's own certificate authority for facility terminals.
//!
//! The CA (ECDSA P-256) is created on first use in the data directory: `ca.crt` and
//! `ca.key` (mode 0600). The CA key never leaves this crate. Terminal certificates carry the
//! 医療機関等コード in the subject's O and the terminal name in CN, the clientAuth EKU and a
//! random 120-bit serial.

use std::io::Write;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DistinguishedName,
    DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose,
    RevokedCertParams, SerialNumber,
};
use time::{Duration, OffsetDateTime};

pub const CA_CERT_FILE: &str = "ca.crt";
pub const CA_KEY_FILE: &str = "ca.key";
pub const CRL_FILE: &str = "crl.pem";

pub mod jpki;

#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("certificate error: {0}")]
    Rcgen(#[from] rcgen::Error),
    #[error("not a valid terminal certificate: {0}")]
    NotTerminal(String),
    #[error("terminal name must be 1–64 characters without control characters or '/'")]
    TerminalName,
    #[error("PKCS#12: {0}")]
    Pkcs12(String),
    #[error("incomplete CA: {0}")]
    Incomplete(String),
    #[error("serial must be hexadecimal: {0:?}")]
    Serial(String),
    #[error("{path}: not a virtual card file: {message}")]
    CardFile { path: String, message: String },
}

type Result<T, E = PkiError> = std::result::Result<T, E>;

pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PkiError + '_ {
    move |source| PkiError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The terminal CA.
pub struct Ca {
    cert_pem: String,
    cert_der: Vec<u8>,
    issuer: Issuer<'static, KeyPair>,
    dir: PathBuf,
}

/// A freshly issued terminal certificate and its private key.
pub struct IssuedCert {
    pub serial: String,
    pub cert_pem: String,
    pub cert_der: Vec<u8>,
    pub key_pem: String,
    key_der: Vec<u8>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// SHA-256 of the DER certificate.
    pub fingerprint: Vec<u8>,
}

impl std::fmt::Debug for IssuedCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCert")
            .field("serial", &self.serial)
            .finish_non_exhaustive()
    }
}

/// What a client certificate says about the terminal presenting it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalIdentity {
    pub facility_code: String,
    pub terminal_name: String,
    pub serial: String,
    pub fingerprint: Vec<u8>,
}

impl Ca {
    /// Loads the CA from `dir`, creating it (and `dir`) on first use.
    pub fn load_or_create(dir: &Path) -> Result<Self> {
        Self::load_or_create_named(dir, "shikaku", "shikaku 資格確認端末 CA")
    }

    /// Loads or creates a CA in `dir` whose subject is O=`organization`, CN=`common_name`
    /// (used for the terminal CA and for the emulated JPKI CA).
    pub fn load_or_create_named(dir: &Path, organization: &str, common_name: &str) -> Result<Self> {
        let cert_path = dir.join(CA_CERT_FILE);
        let key_path = dir.join(CA_KEY_FILE);
        match (cert_path.exists(), key_path.exists()) {
            (true, true) => {
                let cert_pem = std::fs::read_to_string(&cert_path).map_err(io(&cert_path))?;
                let key_pem = std::fs::read_to_string(&key_path).map_err(io(&key_path))?;
                let key = KeyPair::from_pem(&key_pem)?;
                let issuer = Issuer::from_ca_cert_pem(&cert_pem, key)?;
                let cert_der = pem_to_der(&cert_pem).ok_or_else(|| {
                    PkiError::Incomplete(format!(
                        "{} is not a PEM certificate",
                        cert_path.display()
                    ))
                })?;
                return Ok(Self {
                    cert_pem,
                    cert_der,
                    issuer,
                    dir: dir.to_path_buf(),
                });
            }
            (false, false) => {}
            (cert, _) => {
                // Never replace half a CA: every certificate it issued would stop working.
                let (present, missing) = if cert {
                    (&cert_path, &key_path)
                } else {
                    (&key_path, &cert_path)
                };
                return Err(PkiError::Incomplete(format!(
                    "{} exists but {} is missing; restore it from backup (a new CA would invalidate every issued certificate)",
                    present.display(),
                    missing.display()
                )));
            }
        }
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.distinguished_name = subject(organization, common_name);
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let now = OffsetDateTime::now_utc();
        params.not_before = now - Duration::hours(1);
        params.not_after = now + Duration::days(365 * 20);
        params.serial_number = Some(random_serial());
        params.key_identifier_method = KeyIdMethod::Sha256;
        let cert = params.self_signed(&key)?;
        let cert_pem = cert.pem();
        let cert_der = cert.der().to_vec();
        // create_new: if another process is creating the CA at this moment, fail rather than mix keys.
        create_private(&key_path, key.serialize_pem().as_bytes())?;
        write_atomic(&cert_path, cert_pem.as_bytes())?;
        let issuer = Issuer::new(params, key);
        Ok(Self {
            cert_pem,
            cert_der,
            issuer,
            dir: dir.to_path_buf(),
        })
    }

    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    pub fn cert_path(&self) -> PathBuf {
        self.dir.join(CA_CERT_FILE)
    }

    pub fn crl_path(&self) -> PathBuf {
        self.dir.join(CRL_FILE)
    }

    /// Issues a client certificate for a terminal of a facility, valid from `not_before` for
    /// `days` days.
    pub fn issue_terminal(
        &self,
        facility: &shikaku_domain::FacilityCode,
        terminal: &str,
        not_before: OffsetDateTime,
        days: i64,
    ) -> Result<IssuedCert> {
        let terminal = terminal.trim();
        if terminal.is_empty()
            || terminal.chars().count() > 64
            || terminal.chars().any(|c| c.is_control() || c == '/')
        {
            return Err(PkiError::TerminalName);
        }
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.distinguished_name = subject(facility.as_str(), terminal);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        self.sign_leaf(params, not_before, not_before + Duration::days(days))
    }

    /// Issues a TLS server certificate for the eligibility API listener, for the given DNS
    /// names and IP addresses, valid for one year.
    pub fn issue_server(&self, names: &[String]) -> Result<IssuedCert> {
        let mut params = CertificateParams::new(names.to_vec())?;
        params.distinguished_name =
            subject("shikaku", names.first().map_or("shikaku", String::as_str));
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let now = OffsetDateTime::now_utc();
        self.sign_leaf(params, now - Duration::hours(1), now + Duration::days(365))
    }

    /// Signs an end-entity certificate with a fresh P-256 key and a random serial.
    pub(crate) fn sign_leaf(
        &self,
        mut params: CertificateParams,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    ) -> Result<IssuedCert> {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.not_before = not_before;
        params.not_after = not_after;
        let serial = random_serial();
        params.serial_number = Some(serial.clone());
        params.use_authority_key_identifier_extension = true;
        let cert = params.signed_by(&key, &self.issuer)?;
        let cert_der = cert.der().to_vec();
        Ok(IssuedCert {
            serial: hex::encode(serial.to_bytes()),
            cert_pem: cert.pem(),
            fingerprint: sha256(&cert_der),
            cert_der,
            key_pem: key.serialize_pem(),
            key_der: key.serialize_der(),
            not_before,
            not_after,
        })
    }

    /// Signs a CRL listing `revoked` (serial hex, revocation time) and writes it to
    /// `DATA_DIR/crl.pem` atomically; returns the PEM.
    pub fn write_crl(
        &self,
        revoked: &[(String, OffsetDateTime)],
        crl_number: u64,
    ) -> Result<String> {
        let now = OffsetDateTime::now_utc();
        let mut revoked_certs = Vec::with_capacity(revoked.len());
        for (serial, at) in revoked {
            let bytes = hex::decode(serial).map_err(|_| PkiError::Serial(serial.clone()))?;
            revoked_certs.push(RevokedCertParams {
                serial_number: SerialNumber::from_slice(&bytes),
                revocation_time: *at,
                reason_code: None,
                invalidity_date: None,
            });
        }
        let params = CertificateRevocationListParams {
            this_update: now - Duration::minutes(5),
            next_update: now + Duration::days(7),
            crl_number: SerialNumber::from_slice(&crl_number.to_be_bytes()),
            issuing_distribution_point: None,
            revoked_certs,
            key_identifier_method: KeyIdMethod::Sha256,
        };
        let crl = params.signed_by(&self.issuer)?;
        let pem = crl.pem()?;
        write_atomic(&self.crl_path(), pem.as_bytes())?;
        Ok(pem)
    }
}

impl IssuedCert {
    /// The private key as PKCS#8 DER.
    pub fn key_der(&self) -> &[u8] {
        &self.key_der
    }

    /// A password-protected PKCS#12 (AES-256, PBKDF2/HMAC-SHA-256) with key, certificate
    /// and CA certificate.
    pub fn pkcs12(&self, ca_der: &[u8], password: &str, friendly_name: &str) -> Result<Vec<u8>> {
        use p12_keystore::{
            Certificate, KeyStore, KeyStoreEntry, LocalKeyId, PrivateKey, PrivateKeyChain,
        };
        let p12 = |e: p12_keystore::error::Error| PkiError::Pkcs12(e.to_string());
        let key = PrivateKey::from_der(&self.key_der).map_err(p12)?;
        let chain = vec![
            Certificate::from_der(&self.cert_der).map_err(p12)?,
            Certificate::from_der(ca_der).map_err(p12)?,
        ];
        let mut store = KeyStore::new();
        store.add_entry(
            friendly_name,
            KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(
                LocalKeyId(self.fingerprint.clone()),
                key,
                chain,
            )),
        );
        store.writer(password).write().map_err(p12)
    }
}

/// A subject of exactly O and CN (in that order).
pub(crate) fn subject(organization: &str, common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, organization);
    dn.push(DnType::CommonName, common_name);
    dn
}

/// Reads the identity from a client certificate (DER) issued by this CA.
pub fn identify(der: &[u8]) -> Result<TerminalIdentity> {
    let (_, cert) = x509_parser::parse_x509_certificate(der)
        .map_err(|e| PkiError::NotTerminal(e.to_string()))?;
    let subject = cert.subject();
    let facility_code = subject
        .iter_organization()
        .next()
        .and_then(|a| a.as_str().ok())
        .ok_or_else(|| PkiError::NotTerminal("no organization (facility code) in subject".into()))?
        .to_string();
    let terminal_name = subject
        .iter_common_name()
        .next()
        .and_then(|a| a.as_str().ok())
        .ok_or_else(|| PkiError::NotTerminal("no common name (terminal) in subject".into()))?
        .to_string();
    Ok(TerminalIdentity {
        facility_code,
        terminal_name,
        serial: hex::encode(cert.raw_serial()),
        fingerprint: sha256(der),
    })
}

/// A random password for PKCS#12 files: 20 characters without look-alikes.
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 20];
    fill_random(&mut bytes);
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

pub(crate) fn fill_random(bytes: &mut [u8]) {
    use ring::rand::SecureRandom;
    // The system RNG failing is unrecoverable for a CA.
    ring::rand::SystemRandom::new()
        .fill(bytes)
        .expect("system randomness available");
}

/// 15 random bytes, positive and without a leading zero, so the DER encoding is exactly these bytes.
fn random_serial() -> SerialNumber {
    let mut bytes = [0u8; 15];
    fill_random(&mut bytes);
    bytes[0] = (bytes[0] & 0x7f).max(1);
    SerialNumber::from_slice(&bytes)
}

pub fn sha256(bytes: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .to_vec()
}

fn pem_to_der(pem: &str) -> Option<Vec<u8>> {
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    CertificateDer::from_pem_slice(pem.as_bytes())
        .ok()
        .map(|c| c.to_vec())
}

/// Writes a file readable by its owner only (0600), replacing an existing one.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    write_owner_only(options, path, bytes)
}

/// Creates a file readable by its owner only (0600); fails if it already exists.
pub fn create_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    write_owner_only(options, path, bytes)
}

fn write_owner_only(mut options: std::fs::OpenOptions, path: &Path, bytes: &[u8]) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io(path))?;
    file.write_all(bytes).map_err(io(path))?;
    file.sync_all().map_err(io(path))
}

/// Writes through a temporary file and a rename, so readers never see half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut file = std::fs::File::create(&tmp).map_err(io(&tmp))?;
        file.write_all(bytes).map_err(io(&tmp))?;
        file.sync_all().map_err(io(&tmp))?;
    }
    std::fs::rename(&tmp, path).map_err(io(path))
}

#[cfg(test)]
mod tests;
