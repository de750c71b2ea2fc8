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
