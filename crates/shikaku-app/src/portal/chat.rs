//! What the chatbot may tell a signed-in facility about itself.

use super::*;

impl PortalService {
    /// What the chatbot may tell a logged-in facility about itself: its subsidy (the filed
    /// amount, or the most it can receive) and the next step of its timeline.
    pub async fn chat_facts(
        &self,
        actor: &Actor,
        today: Date,
    ) -> Result<shikaku_faq::chatbot::FacilityFacts> {
        use shikaku_domain::timeline::StepStatus;
        use shikaku_faq::chatbot::{FacilityFacts, NextStep, SubsidyFact};
        let code = actor.own_facility()?.clone();
        let overview = self.overview(actor, &code, today).await?;
        let subsidy = match overview.subsidies.iter().find(|s| s.status.is_live()) {
            Some(s) => SubsidyFact::Applied {
                amount: s.subsidy,
                status_ja: s.status.label_ja().to_string(),
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
                        rule_set_ja: q.rule_set_title_ja.clone(),
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
        let next_step = steps
            .iter()
            .find(|s| s.status != StepStatus::Done)
            .map(|s| NextStep {
                label: s.label.to_string(),
                deadline: s.deadline.map(shikaku_domain::calendar::format_ja),
                overdue: s.status == StepStatus::Overdue,
            });
        Ok(FacilityFacts {
            name: overview.facility.name.clone(),
            subsidy,
            next_step,
            plan_set: overview.timeline.is_some(),
            overdue: steps
                .iter()
                .filter(|s| s.status == StepStatus::Overdue)
                .map(|s| s.label.to_string())
                .collect(),
        })
    }
}
