//! The municipality's side of the emulated JPKI: issue a virtual My Number Card (certificate
//! registered with the keyed hash of its holder's 個人番号), renew its certificate (same card,
//! same holder, so 初回登録 carries over), revoke it (register + CRL), unlock it after three
//! wrong PINs.

use std::path::Path;

use anyhow::Context;
use shikaku_domain::MyNumber;
use shikaku_pki::Ca;
use shikaku_pki::jpki::{CardHolder, IssuedCard, Pin, VirtualCard};
use shikaku_store::{JpkiCert, Store};
use time::OffsetDateTime;

use crate::secrets::PersonKey;

/// Issues a new card and registers its certificate.
pub async fn issue(
    ca: &Ca,
    store: &dyn Store,
    key: &PersonKey,
    holder: CardHolder,
    my_number: &MyNumber,
    pin: &Pin,
    face_photo: &str,
) -> anyhow::Result<IssuedCard> {
    let issued = ca.issue_card(None, holder, face_photo, pin, OffsetDateTime::now_utc())?;
    register(store, &issued, key.my_number(my_number)).await?;
    Ok(issued)
}

async fn register(
    store: &dyn Store,
    issued: &IssuedCard,
    my_number_hash: Vec<u8>,
) -> anyhow::Result<()> {
    store
        .insert_jpki_cert(&JpkiCert {
            serial: issued.serial.clone(),
            card_id: issued.card.card_id.clone(),
            my_number_hash,
            fingerprint: issued.fingerprint.clone(),
            not_before: issued.not_before,
            not_after: issued.not_after,
            issued_at: OffsetDateTime::now_utc(),
            revoked_at: None,
        })
        .await?;
    Ok(())
}

/// The register entry of the certificate on a card file.
pub async fn registered_cert(store: &dyn Store, card: &VirtualCard) -> anyhow::Result<JpkiCert> {
    let der = card
        .certificate_der()
        .context("the card holds no readable certificate")?;
    let fingerprint = shikaku_pki::sha256(&der);
    store
        .jpki_certs_for_card(&card.card_id)
        .await?
        .into_iter()
        .find(|c| c.fingerprint == fingerprint)
        .context("this card's certificate is not in the register (not issued here, or altered)")
}

/// A new certificate and key on the same card (the holder sets the PIN again); the old
/// certificate is revoked.
pub async fn renew(
    ca: &Ca,
    store: &dyn Store,
    card_path: &Path,
    pin: &Pin,
) -> anyhow::Result<IssuedCard> {
    let card = VirtualCard::load(card_path)?;
    let old = registered_cert(store, &card).await?;
    let issued = ca.issue_card(
        Some(&card.card_id),
        card.holder.clone(),
        &card.face_photo,
        pin,
        OffsetDateTime::now_utc(),
    )?;
    register(store, &issued, old.my_number_hash.clone()).await?;
    store
        .revoke_jpki_cert(&old.serial, OffsetDateTime::now_utc())
        .await?;
    write_crl(ca, store).await?;
    issued.card.save(card_path)?;
    Ok(issued)
}

/// Revokes the card's certificate (a lost card); returns its serial and whether it was new.
pub async fn revoke(
    ca: &Ca,
    store: &dyn Store,
    card_path: &Path,
) -> anyhow::Result<(String, bool)> {
    let card = VirtualCard::load(card_path)?;
    let cert = registered_cert(store, &card).await?;
    let newly = store
        .revoke_jpki_cert(&cert.serial, OffsetDateTime::now_utc())
        .await?;
    write_crl(ca, store).await?;
    Ok((cert.serial, newly))
}

/// The municipality resets the PIN retry counter of a locked card it issued.
pub async fn unlock(store: &dyn Store, card_path: &Path) -> anyhow::Result<()> {
    let mut card = VirtualCard::load(card_path)?;
    registered_cert(store, &card).await?;
    card.unlock();
    card.save(card_path)?;
    Ok(())
}

/// Writes the JPKI CRL (`DATA_DIR/jpki/crl.pem`).
pub async fn write_crl(ca: &Ca, store: &dyn Store) -> anyhow::Result<String> {
    let revoked = store.revoked_jpki_certs().await?;
    let number = OffsetDateTime::now_utc().unix_timestamp().max(1) as u64;
    Ok(ca.write_crl(&revoked, number)?)
}
