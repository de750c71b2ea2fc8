//! The emulated JPKI (公的個人認証サービス): a certificate authority standing in for J-LIS,
//! virtual My Number Cards carrying a real X.509 利用者証明用電子証明書 and its private key, and
//! the checks the central system makes on a card's signature.
//!
//! A virtual card is a JSON file that plays the chip. Its private key is stored twice, each
//! time sealed with AES-256-GCM: under a key derived from the 4-digit PIN (PBKDF2-HMAC-SHA256)
//! and under a key the face-authentication reader derives after a face match. The chip's PIN
//! retry counter lives in the file: the 3rd wrong PIN in a row locks the card, and only the
//! municipality (`shikaku card unlock`, with the JPKI CA) can unlock it. The sealed key is bound
//! to the card's fixed fields (card id, certificate, photo reference), so a file whose fields
//! were altered is refused as tampered, never mistaken for a wrong PIN.
//!
//! Known limit of a file standing in for a chip: someone who copies the file can restore an
//! older retry counter. A real card enforces the counter in hardware; the central side's
//! checks (chain, validity, revocation, signature over a fresh nonce) are the same either way.

use std::num::NonZeroU32;
use std::path::Path;

use rcgen::{CertificateParams, ExtendedKeyUsagePurpose};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::signature::{
    ECDSA_P256_SHA256_ASN1, ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair as _,
    UnparsedPublicKey,
};
use time::{Duration, OffsetDateTime};

use crate::{Ca, PkiError, fill_random, sha256, subject, write_atomic};

/// The JPKI CA lives in `DATA_DIR/jpki/`, apart from the terminal CA.
pub const JPKI_DIR: &str = "jpki";
pub const CARD_FORMAT: &str = "shikaku-virtual-card/1";
/// The 3rd wrong PIN in a row locks the card.
pub const MAX_PIN_FAILURES: u32 = 3;
/// 利用者証明用電子証明書: valid for 5 years (to the day of issue, five years on).
pub const CARD_CERT_YEARS: i32 = 5;
const PBKDF2_ROUNDS: u32 = 100_000;

/// Loads or creates the emulated J-LIS certificate authority under `data_dir/jpki`.
pub fn load_or_create_ca(data_dir: &Path) -> Result<Ca, PkiError> {
    Ca::load_or_create_named(
        &data_dir.join(JPKI_DIR),
        "shikaku JPKI emulation",
        "shikaku 利用者証明用 CA (J-LIS 代替)",
    )
}

/// A 4-digit PIN (暗証番号).
#[derive(Clone, PartialEq, Eq)]
pub struct Pin(String);

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(****)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("暗証番号は数字4桁です (the PIN must be exactly 4 digits)")]
pub struct PinError;

impl Pin {
    pub fn parse(s: &str) -> Result<Pin, PinError> {
        let s = s.trim();
        if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Pin(s.to_string()))
        } else {
            Err(PinError)
        }
    }
}

/// How the reader confirmed the holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardAuth {
    Pin(Pin),
    /// The face-authentication reader matched the face against the card's photo.
    FaceMatched,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    #[error(
        "暗証番号が違います（あと{remaining}回間違えるとロックされます） (wrong PIN; {remaining} attempt(s) left)"
    )]
    WrongPin { remaining: u32 },
    #[error(
        "暗証番号を3回続けて間違えたため、カードがロックされました。市区町村の窓口で解除してください (the card is locked after 3 wrong PINs; the municipality can unlock it)"
    )]
    Locked,
    #[error(
        "カードのデータが改ざんされているか壊れています (the card file was altered or is damaged)"
    )]
    Tampered,
}

/// The face of the card as the reader shows it (券面事項).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CardHolder {
    pub name: String,
    pub birth_date: String,
}

/// A sealed copy of the card's private key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Sealed {
    nonce: String,
    ciphertext: String,
}

/// The virtual card file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VirtualCard {
    pub format: String,
    pub card_id: String,
    pub holder: CardHolder,
    /// Reference of the face photo printed on the card (the reader compares faces with it).
    pub face_photo: String,
    pub certificate_pem: String,
    pin_salt: String,
    pin_check: String,
    key_by_pin: Sealed,
    key_by_face: Sealed,
    /// Wrong PINs in a row (the chip's retry counter).
    pub pin_failures: u32,
    pub locked: bool,
}

/// A card certificate freshly issued by the JPKI CA.
#[derive(Debug, Clone)]
pub struct IssuedCard {
    pub card: VirtualCard,
    pub serial: String,
    pub fingerprint: Vec<u8>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
}

/// The unlocked private key of a card, for one signature.
pub struct CardKey {
    pkcs8: Vec<u8>,
}

impl std::fmt::Debug for CardKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CardKey(..)")
    }
}

fn pbkdf2(pin: &Pin, salt: &[u8]) -> [u8; 64] {
    let mut out = [0u8; 64];
    let rounds = NonZeroU32::new(PBKDF2_ROUNDS).unwrap_or(NonZeroU32::MIN);
    ring::pbkdf2::derive(
        ring::pbkdf2::PBKDF2_HMAC_SHA256,
        rounds,
        salt,
        pin.0.as_bytes(),
        &mut out,
    );
    out
}

fn hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
    ring::hmac::sign(&key, message).as_ref().to_vec()
}

/// The key the face-authentication reader uses after a match (derived from the card's own
/// fixed fields; see the module notes).
fn face_key(card_id: &str, face_photo: &str) -> Vec<u8> {
    hmac(
        b"shikaku-emulated-face-reader",
        format!("{card_id}\n{face_photo}").as_bytes(),
    )
}

fn seal(key: &[u8], aad: &[u8], plaintext: &[u8]) -> Result<Sealed, PkiError> {
    let unbound = UnboundKey::new(&AES_256_GCM, &key[..32])
        .map_err(|_| PkiError::Incomplete("AES key".into()))?;
    let key = LessSafeKey::new(unbound);
    let mut nonce = [0u8; NONCE_LEN];
    fill_random(&mut nonce);
    let mut data = plaintext.to_vec();
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(aad),
        &mut data,
    )
    .map_err(|_| PkiError::Incomplete("sealing the card key".into()))?;
    Ok(Sealed {
        nonce: hex::encode(nonce),
        ciphertext: hex::encode(data),
    })
}

fn open(key: &[u8], aad: &[u8], sealed: &Sealed) -> Option<Vec<u8>> {
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &key[..32]).ok()?);
    let nonce: [u8; NONCE_LEN] = hex::decode(&sealed.nonce).ok()?.try_into().ok()?;
    let mut data = hex::decode(&sealed.ciphertext).ok()?;
    let plain = key
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut data,
        )
        .ok()?;
    Some(plain.to_vec())
}

impl Ca {
    /// Issues a virtual card: a 利用者証明用電子証明書 (no personal data in it: CN is the card
    /// id) valid for five years from `now`, with its key sealed under `pin` and for the face
    /// reader. Used by `card issue` and `card renew` (same card id, new key and certificate).
    pub fn issue_card(
        &self,
        card_id: Option<&str>,
        holder: CardHolder,
        face_photo: &str,
        pin: &Pin,
        now: OffsetDateTime,
    ) -> Result<IssuedCard, PkiError> {
        let card_id = match card_id {
            Some(id) => id.to_string(),
            None => {
                let mut bytes = [0u8; 10];
                fill_random(&mut bytes);
                hex::encode(bytes)
            }
        };
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.distinguished_name = subject("JPKI 利用者証明用", &card_id);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let not_after = now
            .replace_year(now.year() + CARD_CERT_YEARS)
            .unwrap_or(now + Duration::days(365 * 5 + 1));
        let issued = self.sign_leaf(params, now - Duration::minutes(5), not_after)?;
        let mut salt = [0u8; 16];
        fill_random(&mut salt);
        let derived = pbkdf2(pin, &salt);
        let mut card = VirtualCard {
            format: CARD_FORMAT.to_string(),
            card_id,
            holder,
            face_photo: face_photo.to_string(),
            certificate_pem: issued.cert_pem.clone(),
            pin_salt: hex::encode(salt),
            pin_check: hex::encode(hmac(&derived[32..], b"pin-check")),
            key_by_pin: Sealed {
                nonce: String::new(),
                ciphertext: String::new(),
            },
            key_by_face: Sealed {
                nonce: String::new(),
                ciphertext: String::new(),
            },
            pin_failures: 0,
            locked: false,
        };
        let aad = card.fixed_fields_digest();
        card.key_by_pin = seal(&derived[..32], &aad, issued.key_der())?;
        card.key_by_face = seal(
            &face_key(&card.card_id, &card.face_photo),
            &aad,
            issued.key_der(),
        )?;
        Ok(IssuedCard {
            card,
            serial: issued.serial,
            fingerprint: issued.fingerprint,
            not_before: issued.not_before,
            not_after: issued.not_after,
        })
    }
}

impl VirtualCard {
    pub fn load(path: &Path) -> Result<VirtualCard, PkiError> {
        let bad = |message: String| PkiError::CardFile {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        let card: VirtualCard = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        if card.format != CARD_FORMAT {
            return Err(bad(format!(
                "format {:?}, expected {CARD_FORMAT:?}",
                card.format
            )));
        }
        Ok(card)
    }

    /// Writes the card atomically (the retry counter must survive a crash).
    pub fn save(&self, path: &Path) -> Result<(), PkiError> {
        let json = serde_json::to_string_pretty(self).map_err(|e| PkiError::CardFile {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        write_atomic(path, json.as_bytes())
    }

    /// The fields that never change on a card; the sealed keys are bound to them.
    fn fixed_fields_digest(&self) -> Vec<u8> {
        sha256(
            format!(
                "{}\n{}\n{}\n{}\n{}\n{}",
                self.card_id,
                self.face_photo,
                self.holder.name,
                self.holder.birth_date,
                self.certificate_pem,
                self.pin_salt
            )
            .as_bytes(),
        )
    }

    pub fn certificate_der(&self) -> Option<Vec<u8>> {
        use rustls::pki_types::{CertificateDer, pem::PemObject};
        CertificateDer::from_pem_slice(self.certificate_pem.as_bytes())
            .ok()
            .map(|c| c.to_vec())
    }

    /// The chip's authentication: a PIN (counted) or a face match. On success the retry
    /// counter is reset. The caller saves the card afterwards in every case.
    pub fn authenticate(&mut self, auth: &CardAuth) -> Result<CardKey, CardError> {
        if self.locked {
            return Err(CardError::Locked);
        }
        let aad = self.fixed_fields_digest();
        let pkcs8 = match auth {
            CardAuth::Pin(pin) => {
                let salt = hex::decode(&self.pin_salt).map_err(|_| CardError::Tampered)?;
                let derived = pbkdf2(pin, &salt);
                let expected = hex::decode(&self.pin_check).map_err(|_| CardError::Tampered)?;
                let check = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &derived[32..]);
                if ring::hmac::verify(&check, b"pin-check", &expected).is_err() {
                    self.pin_failures += 1;
                    if self.pin_failures >= MAX_PIN_FAILURES {
                        self.locked = true;
                        return Err(CardError::Locked);
                    }
                    return Err(CardError::WrongPin {
                        remaining: MAX_PIN_FAILURES - self.pin_failures,
                    });
                }
                self.pin_failures = 0;
                open(&derived[..32], &aad, &self.key_by_pin).ok_or(CardError::Tampered)?
            }
            CardAuth::FaceMatched => open(
                &face_key(&self.card_id, &self.face_photo),
                &aad,
                &self.key_by_face,
            )
            .ok_or(CardError::Tampered)?,
        };
        // The key must belong to the certificate on the card.
        let key = EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_ASN1_SIGNING,
            &pkcs8,
            &ring::rand::SystemRandom::new(),
        )
        .map_err(|_| CardError::Tampered)?;
        let der = self.certificate_der().ok_or(CardError::Tampered)?;
        let (_, cert) =
            x509_parser::parse_x509_certificate(&der).map_err(|_| CardError::Tampered)?;
        if cert.public_key().subject_public_key.data.as_ref() != key.public_key().as_ref() {
            return Err(CardError::Tampered);
        }
        Ok(CardKey { pkcs8 })
    }

    /// The municipality's unlock: resets the retry counter.
    pub fn unlock(&mut self) {
        self.locked = false;
        self.pin_failures = 0;
    }
}

impl CardKey {
    /// ECDSA P-256 / SHA-256 signature (ASN.1 DER) over `message`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let rng = ring::rand::SystemRandom::new();
        // The key was parsed in `authenticate`; an empty signature is refused by the centre.
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &self.pkcs8, &rng)
            .ok()
            .and_then(|key| key.sign(&rng, message).ok())
            .map(|sig| sig.as_ref().to_vec())
            .unwrap_or_default()
    }
}

/// What the message a card signs says: the server's nonce and the reader's statement of how
/// the holder was confirmed.
pub fn challenge_message(nonce: &[u8], method: &str) -> Vec<u8> {
    let mut message = b"shikaku-card-auth/1\n".to_vec();
    message.extend_from_slice(hex::encode(nonce).as_bytes());
    message.push(b'\n');
    message.extend_from_slice(method.as_bytes());
    message
}

/// Why the central side refuses a card certificate or signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardCertError {
    #[error("not a certificate: {0}")]
    Malformed(String),
    #[error("the certificate was not issued by the JPKI CA")]
    Untrusted,
    #[error("the certificate has expired")]
    Expired,
    #[error("the certificate is not yet valid")]
    NotYetValid,
    #[error("the signature does not verify")]
    BadSignature,
}

/// A verified card certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardCert {
    pub serial: String,
    pub card_id: String,
    pub fingerprint: Vec<u8>,
}

/// The central side's check of a card certificate (chain to `jpki_ca_der`, validity at `now`)
/// and of its signature over `message`. Revocation is checked against the register by the caller.
pub fn verify_card(
    cert_der: &[u8],
    jpki_ca_der: &[u8],
    now: OffsetDateTime,
    message: &[u8],
    signature: &[u8],
) -> Result<CardCert, CardCertError> {
    TrustedCards::new(jpki_ca_der.to_vec()).verify(cert_der, now, message, signature)
}

/// What the chain check established about a certificate.
#[derive(Debug, Clone)]
struct Trusted {
    serial: String,
    card_id: String,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    public_key: Vec<u8>,
}

/// The centre's card check with a memory of certificates whose chain to the JPKI CA was
/// already verified (keyed by the SHA-256 of the DER): a card seen again costs one ECDSA
/// verification (its signature over the nonce) instead of two. Validity is checked every time.
pub struct TrustedCards {
    ca_der: Vec<u8>,
    known: std::sync::Mutex<std::collections::HashMap<Vec<u8>, Trusted>>,
}

/// Certificates remembered at most (the memory is emptied when full).
const TRUSTED_MAX: usize = 100_000;

impl TrustedCards {
    pub fn new(jpki_ca_der: Vec<u8>) -> Self {
        Self {
            ca_der: jpki_ca_der,
            known: std::sync::Mutex::new(std::collections::HashMap::new()),
        }
    }

    fn chain(&self, cert_der: &[u8]) -> Result<Trusted, CardCertError> {
        let (_, cert) = x509_parser::parse_x509_certificate(cert_der)
            .map_err(|e| CardCertError::Malformed(e.to_string()))?;
        let (_, ca) = x509_parser::parse_x509_certificate(&self.ca_der)
            .map_err(|e| CardCertError::Malformed(e.to_string()))?;
        if cert.issuer() != ca.subject() || cert.verify_signature(Some(ca.public_key())).is_err() {
            return Err(CardCertError::Untrusted);
        }
        let validity = cert.validity();
        Ok(Trusted {
            serial: hex::encode(cert.raw_serial()),
            card_id: cert
                .subject()
                .iter_common_name()
                .next()
                .and_then(|a| a.as_str().ok())
                .unwrap_or_default()
                .to_string(),
            not_before: validity.not_before.to_datetime(),
            not_after: validity.not_after.to_datetime(),
            public_key: cert.public_key().subject_public_key.data.to_vec(),
        })
    }

    /// Chain (remembered), validity at `now`, and the signature over `message`.
    pub fn verify(
        &self,
        cert_der: &[u8],
        now: OffsetDateTime,
        message: &[u8],
        signature: &[u8],
    ) -> Result<CardCert, CardCertError> {
        let fingerprint = sha256(cert_der);
        let cached = self
            .known
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&fingerprint)
            .cloned();
        let trusted = match cached {
            Some(t) => t,
            None => {
                let t = self.chain(cert_der)?;
                let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
                if known.len() >= TRUSTED_MAX {
                    known.clear();
                }
                known.insert(fingerprint.clone(), t.clone());
                t
            }
        };
        if now < trusted.not_before {
            return Err(CardCertError::NotYetValid);
        }
        if now >= trusted.not_after {
            return Err(CardCertError::Expired);
        }
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, &trusted.public_key)
            .verify(message, signature)
            .map_err(|_| CardCertError::BadSignature)?;
        Ok(CardCert {
            serial: trusted.serial,
            card_id: trusted.card_id,
            fingerprint,
        })
    }
}

#[cfg(test)]
mod tests;
