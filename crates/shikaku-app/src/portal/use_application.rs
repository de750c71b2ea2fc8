//! The use application: filed (or filed again) under every rule of the seed; it fixes the
//! facility's plan.

use super::*;

impl PortalService {
    // ---- use application ------------------------------------------------------------

    /// The facility's own use application, if filed.
    pub async fn use_application(&self, actor: &Actor) -> Result<Option<UseApplication>> {
        Ok(self
            .store
            .use_application(actor.own_facility()?.as_str())
            .await?)
    }

    pub async fn file_use_application(
        &self,
        actor: &Actor,
        form: &UseApplicationForm,
    ) -> Result<UseApplication> {
        let code = actor.own_facility()?.clone();
        let now = self.now();
        let checked =
            rules::check_use_application(form, jst_date(now)).map_err(PortalError::Invalid)?;
        let app = UseApplication {
            facility_code: code.clone(),
            line_type: checked.line_type.code().into(),
            provider: checked.service.code.into(),
            customer_id: checked.customer_id.clone(),
            start_month: checked.start_month.to_string(),
            test_month: checked.test_month.map(|m| m.to_string()),
            online_claims: checked.online_claims,
            setup_date: checked.setup_date,
            submitted_at: now,
        };
        self.store
            .save_use_application(&app, checked.start_month.first_day())
            .await?;
        self.event(
            actor,
            &code,
            format!("use:{code}"),
            "filed",
            format!("{} {}", app.line_type, app.provider),
        )
        .await?;
        Ok(app)
    }
}
