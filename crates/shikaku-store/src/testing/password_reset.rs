//! Contract: password-reset tokens are single-use, expire, and spend each other.

use time::OffsetDateTime;

use crate::Store;

pub(super) async fn password_resets(s: &dyn Store) {
    // Runs after `portal_records`, which registers facility and account 1311234566.
    let t = |secs: i64| OffsetDateTime::from_unix_timestamp(1_800_000_000 + secs).expect("time");
    let mail = crate::support::NewMail {
        to_addr: "it@example.jp".into(),
        subject: "再設定".into(),
        body: "link".into(),
    };
    let login = "1311234566";
    s.request_password_reset(login, "hash-a", &mail, t(0), t(1800))
        .await
        .expect("request a");
    s.request_password_reset(login, "hash-b", &mail, t(10), t(1810))
        .await
        .expect("request b");
    assert_eq!(
        s.password_reset_login("hash-a", t(60)).await.expect("a"),
        Some(login.to_string())
    );
    // Two workers (nodes) on one outbox: one claim wins, the other is refused.
    let due = s.due_mail(t(20), 10).await.expect("due");
    let mine = due
        .iter()
        .find(|m| m.created_at == t(0))
        .expect("queued with the token");
    assert!(s.claim_mail(mine.id, t(20), t(620)).await.expect("claim"));
    assert!(!s.claim_mail(mine.id, t(20), t(620)).await.expect("again"));
    assert!(
        !s.due_mail(t(30), 10)
            .await
            .expect("due")
            .iter()
            .any(|m| m.id == mine.id),
        "a claimed mail is not due while its lease lasts"
    );
    assert!(
        s.claim_mail(mine.id, t(621), t(1221))
            .await
            .expect("after the lease"),
        "due again when the lease ends (the worker died)"
    );
    s.mail_sent(mine.id, t(622)).await.expect("sent");
    assert!(!s.claim_mail(mine.id, t(2000), t(2600)).await.expect("sent"));
    assert_eq!(
        s.password_reset_login("hash-a", t(1800)).await.expect("a"),
        None,
        "expired at its end"
    );
    assert_eq!(
        s.password_reset_login("nope", t(60)).await.expect("x"),
        None
    );
    assert_eq!(
        s.reset_password("hash-a", "$argon2id$new", t(1801))
            .await
            .expect("late"),
        None,
        "an expired token sets nothing"
    );
    assert_eq!(
        s.reset_password("hash-a", "$argon2id$new", t(120))
            .await
            .expect("reset"),
        Some(login.to_string())
    );
    let account = s.account(login).await.expect("account").expect("exists");
    assert_eq!(account.password_hash, "$argon2id$new");
    assert_eq!(account.sessions_from, Some(t(120)));
    assert_eq!(
        s.reset_password("hash-a", "$argon2id$again", t(130))
            .await
            .expect("again"),
        None,
        "single use"
    );
    assert_eq!(
        s.password_reset_login("hash-b", t(130)).await.expect("b"),
        None,
        "using one token spends the account's others"
    );
}
