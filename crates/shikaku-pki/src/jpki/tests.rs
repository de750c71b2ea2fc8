use super::*;

fn holder() -> CardHolder {
    CardHolder {
        name: "山田 太郎".into(),
        birth_date: "1980-05-17".into(),
    }
}

fn setup() -> (tempfile::TempDir, Ca, IssuedCard) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = load_or_create_ca(dir.path()).expect("jpki ca");
    let pin = Pin::parse("1234").expect("pin");
    let issued = ca
        .issue_card(None, holder(), "photo:1", &pin, OffsetDateTime::now_utc())
        .expect("issue");
    (dir, ca, issued)
}

#[test]
fn pin_sign_and_central_verification() {
    let (_dir, ca, issued) = setup();
    let mut card = issued.card.clone();
    let key = card
        .authenticate(&CardAuth::Pin(Pin::parse("1234").expect("pin")))
        .expect("right PIN");
    let message = challenge_message(b"nonce-1", "pin");
    let signature = key.sign(&message);
    let der = card.certificate_der().expect("der");
    let now = OffsetDateTime::now_utc();
    let verified = verify_card(&der, ca.cert_der(), now, &message, &signature).expect("valid");
    assert_eq!(verified.serial, issued.serial);
    assert_eq!(verified.card_id, card.card_id);
    // A signature over another nonce, another CA, expiry.
    let other = challenge_message(b"nonce-2", "pin");
    assert_eq!(
        verify_card(&der, ca.cert_der(), now, &other, &signature),
        Err(CardCertError::BadSignature)
    );
    let (_d2, other_ca, _) = setup();
    assert_eq!(
        verify_card(&der, other_ca.cert_der(), now, &message, &signature),
        Err(CardCertError::Untrusted)
    );
    assert_eq!(
        verify_card(&der, ca.cert_der(), issued.not_after, &message, &signature),
        Err(CardCertError::Expired)
    );
    let later = now + Duration::days(365 * 5 - 2);
    assert!(
        verify_card(&der, ca.cert_der(), later, &message, &signature).is_ok(),
        "5 years"
    );
}

#[test]
fn third_wrong_pin_locks_until_unlocked_and_the_lock_is_saved() {
    let (dir, _ca, issued) = setup();
    let path = dir.path().join("card.json");
    issued.card.save(&path).expect("save");
    let wrong = CardAuth::Pin(Pin::parse("0000").expect("pin"));
    let right = CardAuth::Pin(Pin::parse("1234").expect("pin"));
    for expected in [
        CardError::WrongPin { remaining: 2 },
        CardError::WrongPin { remaining: 1 },
        CardError::Locked,
    ] {
        let mut card = VirtualCard::load(&path).expect("load");
        assert_eq!(card.authenticate(&wrong).expect_err("wrong"), expected);
        card.save(&path).expect("save");
    }
    let mut card = VirtualCard::load(&path).expect("load");
    assert!(card.locked);
    assert_eq!(
        card.authenticate(&right).expect_err("locked"),
        CardError::Locked
    );
    assert_eq!(
        card.authenticate(&CardAuth::FaceMatched)
            .expect_err("locked"),
        CardError::Locked
    );
    card.unlock();
    assert!(card.authenticate(&right).is_ok());
    // A right PIN resets the counter.
    let _ = card.authenticate(&wrong);
    assert!(card.authenticate(&right).is_ok());
    assert_eq!(card.pin_failures, 0);
}

#[test]
fn face_path_and_tampering() {
    let (_dir, _ca, issued) = setup();
    let mut card = issued.card.clone();
    assert!(card.authenticate(&CardAuth::FaceMatched).is_ok());
    let mut renamed = issued.card.clone();
    renamed.holder.name = "別人".into();
    let right = CardAuth::Pin(Pin::parse("1234").expect("pin"));
    assert_eq!(
        renamed.authenticate(&right).expect_err("tampered"),
        CardError::Tampered
    );
    assert_eq!(renamed.pin_failures, 0, "tampering is not a wrong PIN");
    let (_d2, _ca2, other) = setup();
    let mut swapped = issued.card.clone();
    swapped.certificate_pem = other.card.certificate_pem.clone();
    assert_eq!(
        swapped
            .authenticate(&CardAuth::FaceMatched)
            .expect_err("swap"),
        CardError::Tampered
    );
}

#[test]
fn pins_are_four_digits() {
    assert!(Pin::parse("12345").is_err());
    assert!(Pin::parse("12a4").is_err());
    assert_eq!(
        format!("{:?}", Pin::parse("1234").expect("pin")),
        "Pin(****)"
    );
}

#[test]
fn remembered_chains_still_check_validity_and_signature() {
    let (_dir, ca, issued) = setup();
    let mut card = issued.card.clone();
    let key = card.authenticate(&CardAuth::FaceMatched).expect("face");
    let der = card.certificate_der().expect("der");
    let trusted = TrustedCards::new(ca.cert_der().to_vec());
    let now = OffsetDateTime::now_utc();
    let m1 = challenge_message(b"n1", "face");
    assert!(trusted.verify(&der, now, &m1, &key.sign(&m1)).is_ok());
    // Second time from memory: a wrong signature and an expired time are still refused.
    let m2 = challenge_message(b"n2", "face");
    assert_eq!(
        trusted.verify(&der, now, &m2, &key.sign(&m1)),
        Err(CardCertError::BadSignature)
    );
    assert_eq!(
        trusted.verify(&der, issued.not_after, &m2, &key.sign(&m2)),
        Err(CardCertError::Expired)
    );
    // Another CA's card is never remembered as trusted.
    let (_d2, other_ca, other) = setup();
    let _ = other_ca;
    let mut other_card = other.card.clone();
    let other_key = other_card
        .authenticate(&CardAuth::FaceMatched)
        .expect("face");
    let other_der = other_card.certificate_der().expect("der");
    for _ in 0..2 {
        assert_eq!(
            trusted.verify(&other_der, now, &m1, &other_key.sign(&m1)),
            Err(CardCertError::Untrusted)
        );
    }
}
