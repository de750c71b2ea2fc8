//! Subsidy applications: quotes from the facility's readers, documents, operator decisions.

use super::*;
use shikaku_domain::portal::{Action, CostItem, SubsidyAction, SubsidyStatus};

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
            .and_then(|q| {
                if q.subsidy.get() > 0 {
                    Ok(q)
                } else {
                    // Rounded down to whole thousands of yen, a cost this small gives nothing.
                    Err(PortalError::field(
                        "lines",
                        "補助額が0円になります（千円未満切捨て）。費用の金額を確認してください",
                        "the subsidy would be 0 yen (rounded down to thousands): check the amounts",
                    ))
                }
            })
    }

    /// Checks the form: the cost lines by item (at least one), the vendor, the receipt's
    /// number and the completion date (not in the future). Every problem is reported.
    pub(super) fn parse_form(&self, form: &SubsidyForm) -> Result<Filing> {
        let mut errors = Vec::new();
        let mut lines = Vec::new();
        let mut total = Yen::ZERO;
        for (code, amount) in &form.lines {
            if amount.trim().is_empty() {
                continue;
            }
            let Some(item) = CostItem::parse(code) else {
                errors.push(FieldError::new(
                    "lines",
                    "費目を一覧から選んでください",
                    "choose the cost item from the list",
                ));
                continue;
            };
            match Yen::parse_positive(amount) {
                Ok(yen) => {
                    total = total.checked_add(yen).unwrap_or(total);
                    lines.push(CostLine {
                        label: item.label_ja().to_string(),
                        amount: yen.get(),
                        item: Some(item.code().to_string()),
                    });
                }
                Err(e) => errors.push(FieldError::new(
                    "lines",
                    format!("{}: {}", item.label_ja(), e.ja()),
                    format!("{}: {}", item.label_en(), e.en()),
                )),
            }
        }
        if lines.is_empty() && errors.is_empty() {
            errors.push(FieldError::new(
                "lines",
                "費用を1つ以上入力してください（①〜④のうち該当するもの）",
                "enter at least one cost (items 1–4 that apply)",
            ));
        }
        let text =
            |field: &'static str, value: &str, ja: &str, en: &str, errors: &mut Vec<FieldError>| {
                let v = value.trim();
                if v.is_empty() || v.chars().count() > 100 || v.chars().any(char::is_control) {
                    errors.push(FieldError::new(field, ja, en));
                }
                v.to_string()
            };
        let vendor = text(
            "vendor",
            &form.vendor,
            "システムベンダー（作業をした事業者）の名称を入力してください（100文字まで）",
            "enter the system vendor who did the work (100 characters at most)",
            &mut errors,
        );
        let receipt_number = text(
            "receipt_number",
            &form.receipt_number,
            "領収書の番号を入力してください（100文字まで）",
            "enter the receipt's number (100 characters at most)",
            &mut errors,
        );
        let completed_on = match shikaku_domain::parse_date(&form.completed_on) {
            Ok(d) if d > self.today() => {
                errors.push(FieldError::new(
                    "completed_on",
                    "導入完了日が未来の日付です。補助金は導入が完了してから申請します",
                    "the completion date is in the future: apply once the set-up is complete",
                ));
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                errors.push(FieldError::new(
                    "completed_on",
                    format!("導入完了日: {}", e.ja()),
                    format!("completion date: {}", e.en()),
                ));
                None
            }
        };
        match completed_on {
            Some(completed_on) if errors.is_empty() => Ok(Filing {
                lines,
                total,
                vendor,
                receipt_number,
                completed_on,
            }),
            _ => Err(PortalError::Invalid(errors)),
        }
    }

    /// The seed: the subsidy is applied for after 導入完了 — the set-up done and the
    /// operation test passed.
    async fn check_setup_complete(&self, code: &FacilityCode, filed: &Filed) -> Result<()> {
        let done = self.steps_done(code, filed).await?;
        let missing: Vec<&str> = [StepId::Setup, StepId::OperationTest]
            .into_iter()
            .filter(|s| !done.contains(s))
            .map(|s| s.label_ja())
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(PortalError::state(
                format!(
                    "補助金は導入完了後に申請します。まだ済んでいない準備: {}",
                    missing.join("、")
                ),
                "apply for the subsidy once the set-up is complete (set-up and operation test)",
            ))
        }
    }

    /// Files a subsidy application (documents follow; review needs all three).
    pub async fn apply_subsidy(
        &self,
        actor: &Actor,
        form: &SubsidyForm,
    ) -> Result<SubsidyApplication> {
        let code = actor.own_facility()?.clone();
        let filing = self.parse_form(form)?;
        let facility = self.facility(actor, &code).await?;
        let filed = self.filed(&code).await?;
        if filed.subsidies.iter().any(|s| s.status.is_live()) {
            return Err(already_applied());
        }
        self.check_setup_complete(&code, &filed).await?;
        let quote = self.quote_facility(&facility, &filed, filing.total)?;
        let (lines, total) = (filing.lines, filing.total);
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
            vendor: filing.vendor,
            receipt_number: filing.receipt_number,
            completed_on: Some(filing.completed_on),
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
        let filing = self.parse_form(form)?;
        let facility = self.facility(actor, &app.facility_code).await?;
        let filed = self.filed(&app.facility_code).await?;
        let quote = self.quote_facility(&facility, &filed, filing.total)?;
        app.cost_lines = serde_json::to_string(&filing.lines).unwrap_or_else(|_| "[]".into());
        app.cost_total = filing.total.get();
        app.vendor = filing.vendor;
        app.receipt_number = filing.receipt_number;
        app.completed_on = Some(filing.completed_on);
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

/// A subsidy form that holds every rule.
pub(super) struct Filing {
    lines: Vec<CostLine>,
    total: Yen,
    vendor: String,
    receipt_number: String,
    completed_on: Date,
}

impl PortalService {
    /// A subsidy form as PDF (the facility's own application, or any for operators), with
    /// the computation of the amount as the pages show it; the file's stem.
    pub async fn subsidy_form_pdf(
        &self,
        actor: &Actor,
        id: &str,
        kind: crate::subsidy_pdf::SubsidyFormKind,
    ) -> Result<(Vec<u8>, String)> {
        let app = self.subsidy(actor, id).await?;
        let facility = self.facility(actor, &app.facility_code).await?;
        let explanation = self
            .rules
            .quote(&QuoteRequest {
                category: category(&facility)?,
                readers: u32::try_from(app.readers).unwrap_or(0),
                reader_applied: app.reader_applied,
                cost: Yen::new(app.cost_total),
            })
            .map(|q| q.explanation_ja())
            .unwrap_or_default();
        let pdf = crate::subsidy_pdf::render(kind, &facility, &app, &explanation)
            .map_err(|e| PortalError::Internal(format!("subsidy form PDF: {e}")))?;
        Ok((pdf, format!("{}-{}", app.id, kind.code())))
    }
}
