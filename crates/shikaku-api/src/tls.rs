//! The TLS configuration of the eligibility listener: TLS 1.2/1.3 (rustls, ring), a server
//! certificate from the system's CA, and mandatory client certificates from the same CA,
//! checked against the CRL written by `shikaku cert revoke` (loaded at start). Revocations
//! after start are enforced per request by the terminal check.

use std::sync::Arc;

use anyhow::Context;
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{
    CertificateDer, CertificateRevocationListDer, PrivateKeyDer, PrivatePkcs8KeyDer,
};
use rustls::server::WebPkiClientVerifier;
use shikaku_pki::{Ca, IssuedCert};

pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The web listener's TLS configuration from PEM files (a certificate chain, leaf first, and
/// its private key), e.g. from the facility's public CA or an ACME client.
pub fn web_server_config(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> anyhow::Result<Arc<ServerConfig>> {
    let certs = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("reading the certificate chain {}", cert.display()))?;
    anyhow::ensure!(
        !certs.is_empty(),
        "{}: no certificate in it",
        cert.display()
    );
    let key = PrivateKeyDer::from_pem_file(key)
        .with_context(|| format!("reading the private key {}", key.display()))?;
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .context("TLS versions")?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("the web certificate and key do not match")?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Builds the mTLS server configuration.
pub fn server_config(ca: &Ca, server: &IssuedCert) -> anyhow::Result<Arc<ServerConfig>> {
    let provider = provider();
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from(ca.cert_der().to_vec()))
        .context("adding the CA certificate")?;
    let mut verifier =
        WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone());
    let crl_path = ca.crl_path();
    if crl_path.exists() {
        let crl = CertificateRevocationListDer::from_pem_file(&crl_path)
            .with_context(|| format!("reading {}", crl_path.display()))?;
        verifier = verifier
            .with_crls([crl])
            .only_check_end_entity_revocation()
            .allow_unknown_revocation_status();
    }
    let verifier = verifier.build().context("building the client verifier")?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server.key_der().to_vec()));
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS versions")?
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![
                CertificateDer::from(server.cert_der.clone()),
                CertificateDer::from(ca.cert_der().to_vec()),
            ],
            key,
        )
        .context("server certificate")?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
