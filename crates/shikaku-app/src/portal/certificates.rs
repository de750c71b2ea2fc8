//! Terminal certificate applications: apply, approve, the one download (made then, never stored), revoke.

use super::*;
use shikaku_domain::portal::{CertAction, CertStatus};

impl PortalService {
    // ---- certificates -----------------------------------------------------------------

    pub async fn apply_certificate(
        &self,
        actor: &Actor,
        terminal: &str,
        os: &str,
    ) -> Result<CertApplication> {
        let code = actor.own_facility()?.clone();
        let mut errors = Vec::new();
        let name = rules::check_terminal_name(terminal).map_err(|e| errors.push(e));
        let os = TerminalOs::parse(os);
        if os.is_none() {
            errors.push(FieldError::new(
                "os",
                "端末のOSを一覧から選んでください（推奨OS）",
                "choose the terminal's OS from the list",
            ));
        }
        if self.store.use_application(code.as_str()).await?.is_none() {
            errors.push(FieldError::new(
                "terminal_name",
                "電子証明書の発行申請の前に、オンライン資格確認の利用申請を行ってください",
                "file the use application before applying for certificates",
            ));
        }
        let (Ok(name), Some(os), true) = (name, os, errors.is_empty()) else {
            return Err(PortalError::Invalid(errors));
        };
        let existing = self.certificates_of(&code).await?;
        if existing
            .iter()
            .any(|c| c.terminal_name == name && c.status.is_live())
        {
            return Err(PortalError::field(
                "terminal_name",
                format!("端末 {name} の証明書は申請済みです（失効させてから再申請してください）"),
                format!("terminal {name} already has a certificate (revoke it first)"),
            ));
        }
        let app = CertApplication {
            id: new_id("C"),
            facility_code: code.clone(),
            terminal_name: name,
            os: os.code().into(),
            status: CertStatus::Applied,
            serial: None,
            applied_at: self.now(),
            decided_at: None,
            downloaded_at: None,
        };
        self.store.insert_cert_application(&app).await?;
        self.event(
            actor,
            &code,
            format!("cert:{}", app.id),
            app.status.code(),
            app.terminal_name.clone(),
        )
        .await?;
        Ok(app)
    }

    pub async fn certificate(&self, actor: &Actor, id: &str) -> Result<CertApplication> {
        match self.store.cert_application(id).await? {
            Some(app) if actor.may_see(&app.facility_code) => Ok(app),
            _ => Err(PortalError::NotFound),
        }
    }

    pub(super) async fn move_cert(
        &self,
        actor: &Actor,
        mut app: CertApplication,
        action: CertAction,
    ) -> Result<CertApplication> {
        let from = app.status;
        app.status = next_status(from, action)?;
        if !self.store.update_cert_application(&app, from).await? {
            return Err(changed_meanwhile());
        }
        self.event(
            actor,
            &app.facility_code,
            format!("cert:{}", app.id),
            app.status.code(),
            app.serial.clone().unwrap_or_default(),
        )
        .await?;
        Ok(app)
    }

    /// Operator: approves the certificate. Nothing secret is made or kept yet: the key, the
    /// certificate, the PKCS#12 and its password are made at the facility's one download, so
    /// no file or row holds a working credential in the meantime.
    pub async fn issue_certificate(&self, actor: &Actor, id: &str) -> Result<CertApplication> {
        actor.operator()?;
        let mut app = self.certificate(actor, id).await?;
        next_status(app.status, CertAction::Issue)?;
        app.decided_at = Some(self.now());
        self.move_cert(actor, app, CertAction::Issue).await
    }

    pub async fn reject_certificate(&self, actor: &Actor, id: &str) -> Result<CertApplication> {
        actor.operator()?;
        let mut app = self.certificate(actor, id).await?;
        app.decided_at = Some(self.now());
        self.move_cert(actor, app, CertAction::Reject).await
    }

    /// The facility's one download: the certificate is made now with the system's CA, and
    /// its PKCS#12 and password go to the facility without being stored.
    pub async fn download_certificate(&self, actor: &Actor, id: &str) -> Result<Download> {
        actor.own_facility()?;
        let app = self.certificate(actor, id).await?;
        let refused = |status: CertStatus| {
            PortalError::state(
                format!(
                    "ダウンロードできません（{}）。証明書のダウンロードは1回限りです",
                    status.label_ja()
                ),
                format!(
                    "cannot download ({}); a certificate is downloaded once",
                    status.label_en()
                ),
            )
        };
        if !app.status.allows(CertAction::Download) {
            return Err(refused(app.status));
        }
        let facility = app.facility_code.clone();
        let issued = crate::terminal_certs::issue(
            &self.ca,
            self.store.as_ref(),
            &facility,
            &app.terminal_name,
            self.now(),
            crate::terminal_certs::DEFAULT_DAYS,
        )
        .await
        .map_err(|e| PortalError::Cert(e.to_string()))?;
        let revoke = |serial: String| async move {
            crate::terminal_certs::revoke(&self.ca, self.store.as_ref(), &serial)
                .await
                .map_err(|e| PortalError::Cert(e.to_string()))
        };
        let password = shikaku_pki::random_password();
        let p12 = match issued.pkcs12(self.ca.cert_der(), &password, &app.terminal_name) {
            Ok(p12) => p12,
            Err(e) => {
                revoke(issued.serial.clone()).await?;
                return Err(PortalError::Cert(e.to_string()));
            }
        };
        if !self
            .store
            .claim_certificate(id, &issued.serial, self.now())
            .await?
        {
            // Downloaded or revoked meanwhile: the certificate just made must not stay valid.
            revoke(issued.serial.clone()).await?;
            let now = self.certificate(actor, id).await?;
            return Err(refused(now.status));
        }
        if let Some(earlier) = app.serial.clone() {
            // Made at approval by an earlier version (its PKCS#12 erased by the migration).
            revoke(earlier).await?;
        }
        self.event(
            actor,
            &app.facility_code,
            format!("cert:{id}"),
            CertStatus::Downloaded.code(),
            issued.serial.clone(),
        )
        .await?;
        Ok(Download {
            file_name: format!("{}.p12", app.terminal_name),
            p12,
            password,
        })
    }

    /// Revokes a terminal's certificate (the facility's own, or any for operators): the API
    /// refuses it from the next request.
    pub async fn revoke_certificate(&self, actor: &Actor, id: &str) -> Result<CertApplication> {
        let app = self.certificate(actor, id).await?;
        next_status(app.status, CertAction::Revoke)?;
        // Issued and downloaded certificates carry their serial.
        if let Some(serial) = &app.serial {
            crate::terminal_certs::revoke(&self.ca, self.store.as_ref(), serial)
                .await
                .map_err(|e| PortalError::Cert(e.to_string()))?;
        }
        self.move_cert(actor, app, CertAction::Revoke).await
    }
}
