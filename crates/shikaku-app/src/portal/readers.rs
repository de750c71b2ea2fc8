//! Card-reader applications: apply (within the category's limit), change, cancel, and the
//! operator's delivery month.

use super::*;

impl PortalService {
    // ---- card readers ------------------------------------------------------------------

    /// Readers on live applications, leaving out application `except`.
    async fn live_reader_count(&self, code: &FacilityCode, except: Option<&str>) -> Result<u32> {
        // Only the readers: not the other filings `filed` would read too.
        Ok(self
            .readers_of(code)
            .await?
            .iter()
            .filter(|r| r.status.is_live() && Some(r.id.as_str()) != except)
            .map(|r| u32::try_from(r.quantity).unwrap_or(0))
            .sum())
    }

    fn parse_reader(maker: &str, quantity: &str) -> Result<(Maker, u32)> {
        let maker = Maker::parse(maker).ok_or_else(|| {
            FieldError::new(
                "maker",
                "カードリーダーの製品（メーカー）を選んでください",
                "choose the reader maker",
            )
        })?;
        let quantity: u32 = quantity.trim().parse().map_err(|_| {
            FieldError::new("quantity", "台数は数字です", "the quantity is a number")
        })?;
        Ok((maker, quantity))
    }

    pub async fn apply_reader(
        &self,
        actor: &Actor,
        maker: &str,
        quantity: &str,
    ) -> Result<ReaderApplication> {
        let code = actor.own_facility()?.clone();
        let category = category(&self.facility(actor, &code).await?)?;
        let (maker, quantity) = Self::parse_reader(maker, quantity)?;
        rules::check_reader_quantity(
            category,
            self.live_reader_count(&code, None).await?,
            quantity,
        )?;
        let now = self.now();
        let app = ReaderApplication {
            id: new_id("R"),
            facility_code: code.clone(),
            maker: maker.code().into(),
            quantity: quantity.into(),
            applied_on: jst_date(now),
            status: ReaderStatus::Applied,
            delivery_month: None,
            created_at: now,
            updated_at: now,
        };
        self.store.insert_reader_application(&app).await?;
        self.event(
            actor,
            &code,
            format!("reader:{}", app.id),
            "applied",
            format!("{} ×{quantity}", maker.code()),
        )
        .await?;
        Ok(app)
    }

    pub async fn reader(&self, actor: &Actor, id: &str) -> Result<ReaderApplication> {
        match self.store.reader_application(id).await? {
            Some(app) if actor.may_see(&app.facility_code) => Ok(app),
            _ => Err(PortalError::NotFound),
        }
    }

    async fn move_reader(
        &self,
        actor: &Actor,
        mut app: ReaderApplication,
        action: ReaderAction,
        detail: String,
    ) -> Result<ReaderApplication> {
        let from = app.status;
        if from == ReaderStatus::Scheduled && action != ReaderAction::Schedule {
            return Err(PortalError::state(
                "配送時期が確定した申し込みは変更・取消できません。コールセンターへご連絡ください",
                "the delivery month is fixed: this application can no longer be changed here",
            ));
        }
        app.status = next_status(from, action)?;
        app.updated_at = self.now();
        if !self.store.update_reader_application(&app, from).await? {
            return Err(changed_meanwhile());
        }
        self.event(
            actor,
            &app.facility_code,
            format!("reader:{}", app.id),
            app.status.code(),
            detail,
        )
        .await?;
        Ok(app)
    }

    /// Changes maker or quantity while no delivery month is fixed. The application date
    /// stays (it decides the subsidy rule set).
    pub async fn edit_reader(
        &self,
        actor: &Actor,
        id: &str,
        maker: &str,
        quantity: &str,
    ) -> Result<ReaderApplication> {
        actor.own_facility()?;
        let mut app = self.reader(actor, id).await?;
        let category = category(&self.facility(actor, &app.facility_code).await?)?;
        let (maker, quantity) = Self::parse_reader(maker, quantity)?;
        rules::check_reader_quantity(
            category,
            self.live_reader_count(&app.facility_code, Some(id)).await?,
            quantity,
        )?;
        app.maker = maker.code().into();
        app.quantity = quantity.into();
        self.move_reader(
            actor,
            app,
            ReaderAction::Edit,
            format!("{} ×{quantity}", maker.code()),
        )
        .await
    }

    /// Cancels a reader application, and re-checks the subsidy that counted it: an approved
    /// subsidy keeps the reader (the call centre handles that case); one under review goes
    /// back to the facility to be computed again.
    pub async fn cancel_reader(&self, actor: &Actor, id: &str) -> Result<ReaderApplication> {
        actor.own_facility()?;
        let app = self.reader(actor, id).await?;
        let subsidies = self.my_subsidies(actor).await?;
        if subsidies
            .iter()
            .any(|s| s.status == shikaku_domain::portal::SubsidyStatus::Approved)
        {
            return Err(PortalError::state(
                "補助金が承認済みのため、カードリーダーの取消はコールセンターへご連絡ください",
                "the subsidy has been approved: call the call centre to cancel a reader",
            ));
        }
        let cancelled = self
            .move_reader(actor, app, ReaderAction::Cancel, String::new())
            .await?;
        for subsidy in subsidies
            .into_iter()
            .filter(|s| s.status == shikaku_domain::portal::SubsidyStatus::Submitted)
        {
            let reason = "カードリーダーの申し込みが取り消されたため、補助額を計算し直します。内容を確認して再提出してください（リーダーがなくなった場合は取り下げてください）".to_string();
            self.move_subsidy(
                actor,
                subsidy,
                shikaku_domain::portal::SubsidyAction::Return,
                Some(reason),
            )
            .await?;
        }
        Ok(cancelled)
    }

    /// Operator: fixes the delivery month (配送時期).
    pub async fn schedule_reader(
        &self,
        actor: &Actor,
        id: &str,
        month: &str,
    ) -> Result<ReaderApplication> {
        actor.operator()?;
        let mut app = self.reader(actor, id).await?;
        let month = YearMonth::parse(month).ok_or_else(|| {
            FieldError::new(
                "delivery_month",
                "配送時期は YYYY-MM です",
                "the delivery month is YYYY-MM",
            )
        })?;
        if month < YearMonth::of(app.applied_on) {
            return Err(PortalError::field(
                "delivery_month",
                "配送時期が申込日より前です",
                "the delivery month is before the application",
            ));
        }
        app.delivery_month = Some(month.to_string());
        self.move_reader(actor, app, ReaderAction::Schedule, month.to_string())
            .await
    }
}
