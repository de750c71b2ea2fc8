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
        // By the service's clock (a test moves it), never older than ADOPTION_MAX_AGE.
        let now = self.now();
        if let Some((_, at, summary)) = cached.as_ref()
            && now >= *at
            && now - *at < ADOPTION_MAX_AGE
        {
            return Ok((summary.clone(), *at));
        }
        let at = self.now();
        self.mark_operating().await?;
        let summary = Arc::new(self.store.adoption().await?);
        *cached = Some((std::time::Instant::now(), at, summary.clone()));
        Ok((summary, at))
    }

    /// 運用開始: a facility counts as in operation once its planned start has passed and it
    /// made a real lookup on or after that day (an operation test before it does not count).
    /// Recorded once per facility, dated by that lookup; each dashboard refresh looks only at
    /// the facilities past their start and not yet counted.
    async fn mark_operating(&self) -> Result<()> {
        let candidates: Vec<(String, OffsetDateTime)> = self
            .store
            .operating_candidates(self.today())
            .await?
            .into_iter()
            .map(|(code, start)| (code, shikaku_domain::date::jst_midnight(start)))
            .collect();
        for (code, at) in self.store.first_lookups_since(&candidates).await? {
            self.store
                .set_step(
                    &code,
                    shikaku_store::portal::OPERATING,
                    Some((jst_date(at), at)),
                )
                .await?;
        }
        Ok(())
    }
}
