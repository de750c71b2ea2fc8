//! What the help pages learn: 「役に立ちましたか」 per FAQ entry (the entry page's buttons and
//! the chatbot's 解決した / 解決しない) and questions the FAQ did not answer, for the content
//! team's page (worst first, CSV) and Prometheus counters. Nothing stored names a person: no
//! account, address or session is kept, and digits and mail addresses in a question are
//! masked before it is stored.

use std::sync::Arc;

use shikaku_store::Store;

pub use shikaku_domain::help::{EntryFeedback, Unanswered};

use crate::clock::{Clock, SystemClock};

/// The longest question kept (characters).
pub const MAX_QUESTION: usize = 200;

/// A question with what could identify someone masked: a run of 3 or more digits (phone,
/// card, insurer and facility numbers) becomes `#`, a mail address `[メール]`; whitespace is
/// collapsed and the text cut at [`MAX_QUESTION`] characters.
pub fn mask(question: &str) -> String {
    let mut words = Vec::new();
    for word in question.split_whitespace() {
        if word.contains('@') && word.contains('.') {
            words.push("[メール]".to_string());
            continue;
        }
        let mut out = String::new();
        let mut digits = String::new();
        let flush = |digits: &mut String, out: &mut String| {
            if digits.chars().count() >= 3 {
                out.push('#');
            } else {
                out.push_str(digits);
            }
            digits.clear();
        };
        for c in word.chars() {
            let digit = c.is_ascii_digit() || ('０'..='９').contains(&c);
            let joiner = !digits.is_empty() && matches!(c, '-' | '－' | 'ー');
            if digit || joiner {
                digits.push(c);
            } else {
                flush(&mut digits, &mut out);
                out.push(c);
            }
        }
        flush(&mut digits, &mut out);
        words.push(out);
    }
    words.join(" ").chars().take(MAX_QUESTION).collect()
}

/// The help desk's record of what helped and what was not found.
#[derive(Clone)]
pub struct HelpService {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl HelpService {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            clock: Arc::new(SystemClock),
        }
    }

    /// The same service reading the time from `clock`.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Counts one 「役に立ちましたか」 answer for an FAQ entry (`via`: `page` or `chat`).
    pub async fn feedback(
        &self,
        entry_id: &str,
        helpful: bool,
        via: &'static str,
    ) -> anyhow::Result<()> {
        metrics::counter!(
            "shikaku_faq_feedback_total",
            "helpful" => if helpful { "yes" } else { "no" },
            "via" => via
        )
        .increment(1);
        self.store
            .record_feedback(entry_id, helpful, self.clock.now())
            .await?;
        Ok(())
    }

    /// Counts a search or chatbot question: answered ones only in Prometheus, unanswered ones
    /// also stored (masked) for the content team.
    pub async fn asked(
        &self,
        question: &str,
        lang: &'static str,
        answered: bool,
        via: &'static str,
    ) -> anyhow::Result<()> {
        metrics::counter!(
            "shikaku_faq_questions_total",
            "answered" => if answered { "yes" } else { "no" },
            "via" => via
        )
        .increment(1);
        let masked = mask(question);
        if answered || masked.is_empty() {
            return Ok(());
        }
        self.store
            .record_unanswered(&masked, lang, self.clock.now())
            .await?;
        Ok(())
    }

    /// Entries by their answers (least helpful first) and the most asked unanswered
    /// questions (at most `limit`): for operators only.
    pub async fn report(
        &self,
        actor: &crate::portal::Actor,
        limit: u32,
    ) -> anyhow::Result<(Vec<EntryFeedback>, Vec<Unanswered>)> {
        if !matches!(actor, crate::portal::Actor::Operator { .. }) {
            anyhow::bail!("the help report is for operators only");
        }
        Ok((
            self.store.entry_feedback().await?,
            self.store.unanswered(limit).await?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_mail_addresses_are_masked() {
        assert_eq!(mask("駐車場はありますか"), "駐車場はありますか");
        assert_eq!(mask("保険者番号06138093の山田"), "保険者番号#の山田");
        assert_eq!(mask("電話 03-1234-5678 まで"), "電話 # まで");
        assert_eq!(mask("連絡は taro@example.jp へ"), "連絡は [メール] へ");
        assert_eq!(mask("２台 と 4月"), "２台 と 4月");
        assert_eq!(mask("  a   b  "), "a b");
        assert_eq!(mask(&"あ".repeat(300)).chars().count(), MAX_QUESTION);
    }
}
