//! A forgotten password (issue 21): a single-use link, valid 30 minutes, mailed to the
//! facility's registered address. The answer to a request is the same whether or not the
//! login exists, and requests count against the login throttle, so the form tells nobody
//! which logins exist and cannot flood a mailbox.

use time::Duration;

use crate::portal::{PortalError, PortalService, Result};

/// How long a reset link works.
pub const RESET_VALID: Duration = Duration::minutes(30);

fn token_hash(token: &str) -> String {
    hex::encode(shikaku_pki::sha256(token.trim().as_bytes()))
}

/// A new random token for a link (32 bytes, hex).
fn new_token() -> Result<String> {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 32];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| PortalError::Internal("no randomness for a reset token".into()))?;
    Ok(hex::encode(bytes))
}

impl PortalService {
    /// Mails a reset link for `login` to its facility's registered address when the login is
    /// an active facility account; does nothing otherwise. `base_url` is the portal's
    /// configured address (never a request's `Host`).
    pub async fn request_password_reset(
        &self,
        login: &str,
        client: &str,
        base_url: &str,
    ) -> Result<()> {
        let login = login.trim();
        let now = self.now();
        let wait = self.throttle.wait(login, client, now).await?;
        if wait > Duration::ZERO {
            metrics::counter!("shikaku_portal_logins_throttled_total").increment(1);
            return Err(PortalError::Throttled {
                seconds: wait.whole_seconds().max(1),
            });
        }
        // Every request counts like a failed login: a handful per hour per login and client.
        self.throttle.failed(login, client, now).await?;
        let Some(account) = self.store.account(login).await? else {
            return Ok(());
        };
        let (true, Some(code)) = (account.active, account.facility_code.as_deref()) else {
            return Ok(());
        };
        let Some(facility) = self.store.facility(code).await? else {
            return Ok(());
        };
        if facility.email.trim().is_empty() {
            return Ok(());
        }
        let token = new_token()?;
        let expires = now + RESET_VALID;
        let link = format!(
            "{}/portal/password/reset?token={token}",
            base_url.trim_end_matches('/')
        );
        let body = format!(
            "{name} ご担当者様\n\n医療機関等向けポータルサイトのパスワード再設定のご依頼を受け付けました。\n\
             次のリンクから30分以内（{until} まで）に新しいパスワードを設定してください。リンクは一度だけ使えます。\n\n\
             {link}\n\n\
             ログインID: {login}\n\n\
             お心当たりのない場合は、このメールを破棄してください。パスワードは変更されません。\n",
            name = facility.name,
            until = shikaku_domain::date::format_jst_minute(expires),
        );
        let mail = shikaku_store::support::NewMail {
            to_addr: facility.email.clone(),
            subject: "【医療機関等向けポータルサイト】パスワード再設定のご案内".into(),
            body,
        };
        self.store
            .request_password_reset(login, &token_hash(&token), &mail, now, expires)
            .await?;
        metrics::counter!("shikaku_portal_password_resets_requested_total").increment(1);
        Ok(())
    }

    /// Whether a reset link still works (the form is shown only then).
    pub async fn password_reset_valid(&self, token: &str) -> Result<bool> {
        Ok(self
            .store
            .password_reset_login(&token_hash(token), self.now())
            .await?
            .is_some())
    }

    /// Sets a new password through a reset link: the link is used up, every session of the
    /// account ends.
    pub async fn reset_password(&self, token: &str, new: &str, confirm: &str) -> Result<()> {
        let hash = token_hash(token);
        let now = self.now();
        let Some(login) = self.store.password_reset_login(&hash, now).await? else {
            return Err(PortalError::field(
                "token",
                "このリンクは使えません（30分の期限切れ、または使用済み）。もう一度お手続きください",
                "this link has expired or was used; ask for a new one",
            ));
        };
        if new != confirm {
            return Err(PortalError::field(
                "password_confirm",
                "確認用のパスワードが一致しません",
                "the passwords do not match",
            ));
        }
        let name = match self.store.facility(&login).await? {
            Some(f) => f.name,
            None => String::new(),
        };
        crate::portal::check_password(new, &[login.as_str(), name.as_str()])?;
        let password_hash = crate::portal::hash_password(new).await?;
        let Some(login) = self
            .store
            .reset_password(&hash, &password_hash, now)
            .await?
        else {
            return Err(PortalError::field(
                "token",
                "このリンクは使えません（30分の期限切れ、または使用済み）。もう一度お手続きください",
                "this link has expired or was used; ask for a new one",
            ));
        };
        self.store
            .append_event(&shikaku_store::portal::PortalEvent {
                at: now,
                actor: login.clone(),
                facility_code: shikaku_domain::FacilityCode::parse(&login).map_err(|e| {
                    PortalError::Store(shikaku_store::StoreError::Corrupt(format!(
                        "a password reset for {login}, which is not a facility code: {e}"
                    )))
                })?,
                subject: format!("facility:{login}"),
                action: "password-reset".into(),
                detail: String::new(),
            })
            .await?;
        Ok(())
    }
}
