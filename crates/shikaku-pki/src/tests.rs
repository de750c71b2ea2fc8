use super::*;

fn facility() -> shikaku_domain::FacilityCode {
    shikaku_domain::FacilityCode::parse("1311234566").expect("valid")
}

#[test]
fn ca_is_created_once_with_a_private_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = Ca::load_or_create(dir.path()).expect("create");
    let b = Ca::load_or_create(dir.path()).expect("load");
    assert_eq!(a.cert_pem(), b.cert_pem());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(CA_KEY_FILE))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // A certificate issued after reloading verifies against the first CA certificate.
    let issued = b
        .issue_terminal(&facility(), "受付1", OffsetDateTime::now_utc(), 30)
        .expect("issue");
    let (_, cert) = x509_parser::parse_x509_certificate(&issued.cert_der).expect("parse");
    let (_, ca) = x509_parser::parse_x509_certificate(a.cert_der()).expect("parse ca");
    assert_eq!(cert.issuer(), ca.subject());
}

#[test]
fn terminal_identity_round_trips() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = Ca::load_or_create(dir.path()).expect("create");
    let issued = ca
        .issue_terminal(&facility(), "受付 PC-1", OffsetDateTime::now_utc(), 30)
        .expect("issue");
    let id = identify(&issued.cert_der).expect("identify");
    assert_eq!(id.facility_code, "1311234566");
    assert_eq!(id.terminal_name, "受付 PC-1");
    assert_eq!(id.serial, issued.serial);
    assert_eq!(id.fingerprint, issued.fingerprint);
    assert_eq!(issued.serial.len(), 30);
}

#[test]
fn bad_terminal_names_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = Ca::load_or_create(dir.path()).expect("create");
    for name in ["", "  ", "a/b", "x\ny", &"長".repeat(65)] {
        assert!(
            matches!(
                ca.issue_terminal(&facility(), name, OffsetDateTime::now_utc(), 1),
                Err(PkiError::TerminalName)
            ),
            "{name:?}"
        );
    }
}

#[test]
fn pkcs12_opens_with_its_password_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = Ca::load_or_create(dir.path()).expect("create");
    let issued = ca
        .issue_terminal(&facility(), "受付1", OffsetDateTime::now_utc(), 30)
        .expect("issue");
    let password = random_password();
    let p12 = issued
        .pkcs12(ca.cert_der(), &password, "受付1")
        .expect("pkcs12");
    let store = p12_keystore::KeyStore::from_pkcs12(
        &p12,
        &password,
        p12_keystore::Pkcs12ImportPolicy::Relaxed,
    )
    .expect("open");
    let (_, chain) = store.private_key_chain().expect("key chain");
    assert_eq!(chain.certs()[0].as_der(), issued.cert_der.as_slice());
    assert!(
        p12_keystore::KeyStore::from_pkcs12(
            &p12,
            "wrong",
            p12_keystore::Pkcs12ImportPolicy::Relaxed
        )
        .is_err()
    );
}

#[test]
fn crl_lists_revoked_serials() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = Ca::load_or_create(dir.path()).expect("create");
    let issued = ca
        .issue_terminal(&facility(), "受付1", OffsetDateTime::now_utc(), 30)
        .expect("issue");
    let pem = ca
        .write_crl(&[(issued.serial.clone(), OffsetDateTime::now_utc())], 1)
        .expect("crl");
    assert_eq!(std::fs::read_to_string(ca.crl_path()).expect("file"), pem);
    use rustls::pki_types::{CertificateRevocationListDer, pem::PemObject};
    let der = CertificateRevocationListDer::from_pem_slice(pem.as_bytes()).expect("pem");
    let (_, crl) = x509_parser::parse_x509_crl(&der).expect("parse");
    let serials: Vec<String> = crl
        .iter_revoked_certificates()
        .map(|r| hex::encode(r.raw_serial()))
        .collect();
    assert_eq!(serials, vec![issued.serial]);
}

#[test]
fn half_a_ca_is_never_replaced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = Ca::load_or_create(dir.path()).expect("create");
    let original = ca.cert_pem().to_string();
    std::fs::remove_file(dir.path().join(CA_KEY_FILE)).expect("remove key");
    let error = Ca::load_or_create(dir.path())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.contains("ca.key is missing"), "{error}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join(CA_CERT_FILE)).expect("cert"),
        original
    );
}
