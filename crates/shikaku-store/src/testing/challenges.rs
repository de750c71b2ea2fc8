//! Contract: a card challenge is taken once, by any store handle, and not after it expired.

use time::OffsetDateTime;

use crate::Store;

pub(super) async fn card_challenges(s: &dyn Store) {
    let t = |secs: i64| OffsetDateTime::from_unix_timestamp(1_800_000_000 + secs).expect("time");
    s.issue_challenge("nonce-a", "serial-1", t(300), t(0))
        .await
        .expect("issue a");
    s.issue_challenge("nonce-b", "serial-2", t(300), t(0))
        .await
        .expect("issue b");
    assert_eq!(
        s.take_challenge("nonce-a", t(10)).await.expect("take"),
        Some("serial-1".to_string())
    );
    assert_eq!(
        s.take_challenge("nonce-a", t(11)).await.expect("again"),
        None,
        "once"
    );
    assert_eq!(
        s.take_challenge("nonce-b", t(300)).await.expect("late"),
        None,
        "expired"
    );
    assert_eq!(s.take_challenge("nonce-b", t(1)).await.expect("gone"), None);
    assert_eq!(s.take_challenge("unknown", t(1)).await.expect("x"), None);
}
