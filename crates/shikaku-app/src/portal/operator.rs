//! The operator's lists (facilities, readers, certificates, subsidies) and the adoption
//! dashboard's figures (computed at most every `ADOPTION_MAX_AGE`).

use super::*;

impl PortalService {
    // ---- operator lists and dashboard ---------------------------------------------------

    pub async fn facilities(
        &self,
        actor: &Actor,
        filter: &FacilityFilter,
        offset: u64,
        limit: u64,
    ) -> Result<Page<Facility>> {
        actor.operator()?;
        Ok(self.store.facilities(filter, offset, limit).await?)
    }

    pub async fn reader_queue(
        &self,
        actor: &Actor,
        filter: &AppFilter,
        offset: u64,
        limit: u64,
    ) -> Result<Page<ReaderApplication>> {
        actor.operator()?;
        Ok(self
            .store
            .reader_applications(filter, offset, limit)
            .await?)
    }

    pub async fn cert_queue(
        &self,
        actor: &Actor,
        filter: &AppFilter,
        offset: u64,
        limit: u64,
    ) -> Result<Page<CertApplication>> {
        actor.operator()?;
        Ok(self.store.cert_applications(filter, offset, limit).await?)
    }

    pub async fn subsidy_queue(
        &self,
        actor: &Actor,
        filter: &AppFilter,
        offset: u64,
        limit: u64,
    ) -> Result<Page<SubsidyApplication>> {
        actor.operator()?;
        Ok(self
            .store
            .subsidy_applications(filter, offset, limit)
            .await?)
    }

    /// The adoption summary (reused for up to [`ADOPTION_MAX_AGE`]) and when it was computed.
    pub async fn adoption(&self, actor: &Actor) -> Result<(Arc<Adoption>, OffsetDateTime)> {
        actor.operator()?;
        let mut cached = self.adoption.lock().await;
        if let Some((computed, at, summary)) = cached.as_ref()
            && computed.elapsed() < ADOPTION_MAX_AGE
        {
            return Ok((summary.clone(), *at));
        }
        let at = self.now();
        let summary = Arc::new(self.store.adoption().await?);
        *cached = Some((std::time::Instant::now(), at, summary.clone()));
        Ok((summary, at))
    }
}
