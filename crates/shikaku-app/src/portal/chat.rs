//! What the chatbot may tell a signed-in facility about itself.

use super::*;

impl PortalService {
    /// What the chatbot may tell a logged-in facility about itself: its subsidy (the filed
    /// amount, or the most it can receive), its timeline (next step, deadlines), its filings
    /// and certificates; states in English when `english`.
    pub async fn chat_facts(
        &self,
        actor: &Actor,
        today: Date,
        english: bool,
    ) -> Result<shikaku_faq::chatbot::FacilityFacts> {
        use shikaku_domain::portal::Choice as _;
        use shikaku_domain::timeline::StepStatus;
        use shikaku_faq::chatbot::{FacilityFacts, NextStep, SubsidyFact};
        let code = actor.own_facility()?.clone();
        let overview = self.overview(actor, &code, today).await?;
        let subsidy = match overview.subsidies.iter().find(|s| s.status.is_live()) {
            Some(s) => SubsidyFact::Applied {
                amount: s.subsidy,
                status: s.status.label(english).to_string(),
            },
            None => {
                let filed = Filed {
                    readers: overview.readers.clone(),
                    certificates: Vec::new(),
                    subsidies: Vec::new(),
                    use_application: None,
                };
                // Costs at least the base amount give the cap.
                match self.quote_facility(&overview.facility, &filed, Yen::new(1_000_000_000)) {
                    Ok(q) => SubsidyFact::Cap {
                        amount: q.subsidy.get(),
                        base: q.base_amount.get(),
                        rate: q.rate.to_string(),
                        rule_set: if english {
                            q.rule_set_title_en.clone()
                        } else {
                            q.rule_set_title_ja.clone()
                        },
                        readers: q.readers,
                    },
                    Err(_) => SubsidyFact::NoReader,
                }
            }
        };
        let steps = overview
            .timeline
            .as_ref()
            .map(|t| t.steps.as_slice())
            .unwrap_or_default();
        let step = |s: &shikaku_domain::timeline::Step| NextStep {
            label: s.id.label(english).to_string(),
            deadline: s.deadline.map(|d| {
                if english {
                    d.to_string()
                } else {
                    shikaku_domain::calendar::format_ja(d)
                }
            }),
            overdue: s.status == StepStatus::Overdue,
        };
        let next_step = steps
            .iter()
            .find(|s| s.status != StepStatus::Done)
            .map(step);
        let deadlines = steps
            .iter()
            .filter(|s| s.status != StepStatus::Done && s.deadline.is_some())
            .map(step)
            .collect();
        let (reader_word, use_word, subsidy_word, filed_word) = if english {
            ("Card reader", "Use application", "Subsidy", "filed")
        } else {
            ("カードリーダー", "利用申請", "補助金申請", "提出済み")
        };
        let mut applications: Vec<(String, String)> = overview
            .readers
            .iter()
            .map(|r| {
                let maker = shikaku_domain::portal::Maker::parse(&r.maker)
                    .map_or(r.maker.as_str(), |m| m.label(english));
                (
                    format!("{reader_word} {maker} ×{}", r.quantity),
                    r.status.label(english).to_string(),
                )
            })
            .collect();
        if let Some(u) = &overview.use_application {
            applications.push((
                format!("{use_word} ({})", u.start_month),
                filed_word.to_string(),
            ));
        }
        applications.extend(overview.subsidies.iter().map(|s| {
            (
                format!("{subsidy_word} {}", s.id),
                s.status.label(english).to_string(),
            )
        }));
        let certificates = overview
            .certificates
            .iter()
            .map(|c| (c.terminal_name.clone(), c.status.label(english).to_string()))
            .collect();
        Ok(FacilityFacts {
            name: overview.facility.name.clone(),
            subsidy,
            next_step,
            deadlines,
            applications,
            certificates,
            plan_set: overview.timeline.is_some(),
            overdue: steps
                .iter()
                .filter(|s| s.status == StepStatus::Overdue)
                .map(|s| s.id.label(english).to_string())
                .collect(),
        })
    }
}
