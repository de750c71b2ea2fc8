//! Subsidy applications: quotes from the facility's readers, documents, operator decisions.

use super::*;
use shikaku_domain::portal::{Action, SubsidyAction, SubsidyStatus};

impl PortalService {
    // ---- subsidy ----------------------------------------------------------------------

    /// The quote from the facility's live reader applications: their readers together, the
    /// earliest application date picks the rule set.
    pub(super) fn quote_facility(
        &self,
        facility: &Facility,
        filed: &Filed,
        cost: Yen,
    ) -> Result<Quote> {
        let Some(first) = filed.live_readers().map(|r| r.applied_on).min() else {
            return Err(PortalError::field(
                "readers",
                "カードリーダーの申し込みがありません。補助金は申し込み後に申請できます",
                "no card reader application: apply for a reader first",
            ));
        };
        self.rules
            .quote(&QuoteRequest {
                category: category(facility)?,
                readers: filed
                    .live_readers()
                    .map(|r| u32::try_from(r.quantity).unwrap_or(0))
                    .sum(),
                reader_applied: first,
                cost,
            })
            .map_err(|e| PortalError::field("cost", e.ja(), e.en()))
    }

    pub(super) fn parse_lines(form: &SubsidyForm) -> Result<(Vec<CostLine>, Yen)> {
        let mut errors = Vec::new();
        let mut lines = Vec::new();
        let mut total = Yen::ZERO;
        for (i, (label, amount)) in form.lines.iter().enumerate() {
            if label.trim().is_empty() && amount.trim().is_empty() {
                continue;
            }
            let label = label.trim();
            if label.is_empty() || label.chars().count() > 100 {
                errors.push(FieldError::new(
                    "lines",
                    format!("{}行目: 費目を入力してください（100文字まで）", i + 1),
                    format!("line {}: enter what the cost is for", i + 1),
                ));
            }
            match Yen::parse_positive(amount) {
                Ok(yen) => {
                    total = total.checked_add(yen).unwrap_or(total);
                    lines.push(CostLine {
                        label: label.to_string(),
                        amount: yen.get(),
                    });
                }
                Err(e) => errors.push(FieldError::new(
                    "lines",
                    format!("{}行目: {}", i + 1, e.ja()),
                    format!("line {}: {}", i + 1, e.en()),
                )),
            }
        }
        if lines.is_empty() && errors.is_empty() {
            errors.push(FieldError::new(
                "lines",
                "費用の内訳を1行以上入力してください",
                "enter at least one cost line",
            ));
        }
        if errors.is_empty() {
            Ok((lines, total))
        } else {
            Err(PortalError::Invalid(errors))
        }
    }

    /// Files a subsidy application (documents follow; review needs all three).
    pub async fn apply_subsidy(
        &self,
        actor: &Actor,
        form: &SubsidyForm,
    ) -> Result<SubsidyApplication> {
        let code = actor.own_facility()?.clone();
        let (lines, total) = Self::parse_lines(form)?;
        let facility = self.facility(actor, &code).await?;
        let filed = self.filed(&code).await?;
        let quote = self.quote_facility(&facility, &filed, total)?;
        if filed.subsidies.iter().any(|s| s.status.is_live()) {
            return Err(already_applied());
        }
        let app = SubsidyApplication {
            id: new_id("S"),
            facility_code: code.clone(),
            status: SubsidyStatus::Submitted,
            readers: quote.readers.into(),
            reader_applied: quote.reader_applied,
            cost_lines: serde_json::to_string(&lines).unwrap_or_else(|_| "[]".into()),
            cost_total: total.get(),
            rule_set: quote.rule_set.clone(),
            subsidy: quote.subsidy.get(),
            reason: None,
            submitted_at: self.now(),
            decided_at: None,
        };
        let event = self.new_event(
            actor,
            &code,
            format!("subsidy:{}", app.id),
            app.status.code(),
            format!("{} 円 → {} 円", total.get(), app.subsidy),
        );
        // One transaction with its event; a concurrent second submission is refused there.
        match self.store.submit_subsidy_application(&app, &event).await {
            Err(StoreError::Conflict(_)) => Err(already_applied()),
            other => Ok(other.map(|()| app)?),
        }
    }

    pub async fn subsidy(&self, actor: &Actor, id: &str) -> Result<SubsidyApplication> {
        match self.store.subsidy_application(id).await? {
            Some(app) if actor.may_see(&app.facility_code) => Ok(app),
            _ => Err(PortalError::NotFound),
        }
    }

    /// A returned application, corrected and submitted again.
    pub async fn resubmit_subsidy(
        &self,
        actor: &Actor,
        id: &str,
        form: &SubsidyForm,
    ) -> Result<SubsidyApplication> {
        actor.own_facility()?;
        let mut app = self.subsidy(actor, id).await?;
        let (lines, total) = Self::parse_lines(form)?;
        let facility = self.facility(actor, &app.facility_code).await?;
        let filed = self.filed(&app.facility_code).await?;
        let quote = self.quote_facility(&facility, &filed, total)?;
        app.cost_lines = serde_json::to_string(&lines).unwrap_or_else(|_| "[]".into());
        app.cost_total = total.get();
        app.readers = quote.readers.into();
        app.reader_applied = quote.reader_applied;
        app.rule_set = quote.rule_set.clone();
        app.subsidy = quote.subsidy.get();
        app.submitted_at = self.now();
        self.move_subsidy(actor, app, SubsidyAction::Resubmit, None)
            .await
    }

    /// The facility withdraws its application before a decision (取下げ); it may file a new
    /// one afterwards.
    pub async fn withdraw_subsidy(&self, actor: &Actor, id: &str) -> Result<SubsidyApplication> {
        actor.own_facility()?;
        let app = self.subsidy(actor, id).await?;
        self.move_subsidy(actor, app, SubsidyAction::Withdraw, None)
            .await
    }

    pub async fn upload_document(
        &self,
        actor: &Actor,
        id: &str,
        kind: &str,
        file_name: &str,
        body: Vec<u8>,
    ) -> Result<SubsidyDocument> {
        actor.own_facility()?;
        let app = self.subsidy(actor, id).await?;
        if !app.status.accepts_documents() {
            return Err(PortalError::state(
                format!(
                    "この申請は「{}」のため書類を差し替えできません",
                    app.status.label_ja()
                ),
                format!(
                    "the application is {}: documents cannot change",
                    app.status.label_en()
                ),
            ));
        }
        let kind = DocumentKind::parse(kind).ok_or_else(|| {
            FieldError::new(
                "kind",
                "書類の種類を選んでください",
                "choose the document kind",
            )
        })?;
        let file_type = rules::check_document(file_name, &body)?;
        let file_name: String = file_name
            .chars()
            .filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | '"'))
            .take(120)
            .collect();
        let doc = SubsidyDocument {
            application_id: app.id.clone(),
            kind: kind.code().into(),
            file_name,
            content_type: file_type.content_type().into(),
            sha256: shikaku_pki::sha256(&body),
            body,
            uploaded_at: self.now(),
        };
        self.store.save_document(&doc).await?;
        self.event(
            actor,
            &app.facility_code,
            format!("subsidy:{}", app.id),
            "document",
            format!("{} sha256:{}", kind.code(), hex::encode(&doc.sha256)),
        )
        .await?;
        Ok(doc)
    }

    pub async fn documents(&self, actor: &Actor, id: &str) -> Result<Vec<SubsidyDocument>> {
        let app = self.subsidy(actor, id).await?;
        Ok(self.store.documents(&app.id).await?)
    }

    pub async fn document(&self, actor: &Actor, id: &str, kind: &str) -> Result<SubsidyDocument> {
        let app = self.subsidy(actor, id).await?;
        self.store
            .document(&app.id, kind)
            .await?
            .ok_or(PortalError::NotFound)
    }

    pub(super) async fn move_subsidy(
        &self,
        actor: &Actor,
        mut app: SubsidyApplication,
        action: SubsidyAction,
        reason: Option<String>,
    ) -> Result<SubsidyApplication> {
        let from = app.status;
        app.status = next_status(from, action)?;
        if reason.is_some() || action == SubsidyAction::Resubmit {
            app.reason = reason.clone();
        }
        if actor.is_operator() {
            app.decided_at = Some(self.now());
        }
        if !self.store.update_subsidy_application(&app, from).await? {
            return Err(changed_meanwhile());
        }
        self.event(
            actor,
            &app.facility_code,
            format!("subsidy:{}", app.id),
            app.status.code(),
            reason.unwrap_or_default(),
        )
        .await?;
        Ok(app)
    }

    /// Operator decision: `approve`, `return` (with a reason) or `reject` (with a reason).
    /// Approval needs all three documents.
    pub async fn decide_subsidy(
        &self,
        actor: &Actor,
        id: &str,
        decision: &str,
        reason: &str,
    ) -> Result<SubsidyApplication> {
        actor.operator()?;
        let app = self.subsidy(actor, id).await?;
        let reason = reason.trim();
        let action = SubsidyAction::parse(decision)
            .filter(|a| a.by_operator())
            .ok_or_else(|| {
                FieldError::new(
                    "decision",
                    "承認・差戻し・却下のいずれかです",
                    "approve, return or reject",
                )
            })?;
        if action != SubsidyAction::Approve && reason.is_empty() {
            return Err(PortalError::field(
                "reason",
                "差戻し・却下には理由が必要です",
                "a reason is required to return or reject",
            ));
        }
        if action == SubsidyAction::Approve {
            let have: Vec<String> = self
                .store
                .documents(&app.id)
                .await?
                .into_iter()
                .map(|d| d.kind)
                .collect();
            let missing: Vec<&str> = DocumentKind::ALL
                .iter()
                .filter(|k| !have.iter().any(|h| h == k.code()))
                .map(|k| k.label_ja())
                .collect();
            if !missing.is_empty() {
                return Err(PortalError::field(
                    "documents",
                    format!("書類が足りません: {}", missing.join("、")),
                    format!("documents missing: {}", missing.len()),
                ));
            }
        }
        self.move_subsidy(
            actor,
            app,
            action,
            (!reason.is_empty()).then(|| reason.to_string()),
        )
        .await
    }

    pub async fn history(&self, actor: &Actor, subject: &str) -> Result<Vec<PortalEvent>> {
        let events = self.store.events(subject).await?;
        if events.iter().any(|e| !actor.may_see(&e.facility_code)) {
            return Err(PortalError::NotFound);
        }
        Ok(events)
    }
}

fn already_applied() -> PortalError {
    PortalError::field(
        "lines",
        "補助金の申請は申請済みです（差戻しの場合は修正して再提出してください）",
        "a subsidy application exists already (resubmit a returned one instead)",
    )
}
