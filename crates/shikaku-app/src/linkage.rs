//! Linkage integrity (issue 26 §1): no one is shown another person's data because an insurer
//! linked a row to the wrong 個人番号.
//!
//! Two defences. The **audit** ([`audit_links`], after every committed qualification import
//! and on demand) checks every group of rows that share a 個人番号 hash with the domain's rule
//! and records each disagreement as a suspect link for the insurer's report and the operator.
//! The **guard** ([`linked_rows`], on every path that goes from a 個人番号 to rows: the My Number
//! Card, 初回登録, drug and checkup reads, マイナポータル, discharge) checks the rows it is
//! about to use with the same rule, so a wrong link is never used even before an audit has
//! run; only an operator's confirmation of exactly these rows lets disagreeing rows through.

use std::sync::Arc;
use std::time::Instant;

use shikaku_domain::InsurerNumber;
use shikaku_domain::Qualification;
use shikaku_domain::linkage::{self, LinkState};
/// The report's records are the domain's.
pub use shikaku_domain::linkage::{LinkAction, LinkHistory, LinkedRow, SuspectLink};
use shikaku_store::{FoundLink, LinkAuditCounts, Store, StoreError};
use time::OffsetDateTime;

use crate::clock::{Clock, SystemClock};
use crate::export::csv_field;
use crate::portal::Actor;

/// Hashes per read of their rows.
const CHUNK: usize = 2_000;

/// What an audit found, and how long it took.
#[derive(Debug, Clone, Copy)]
pub struct LinkAudit {
    pub counts: LinkAuditCounts,
    pub seconds: f64,
}

/// Checks every group of rows that share a 個人番号 hash and records what it found: new
/// suspect links open, links whose rows now agree corrected, confirmed links kept while their
/// rows are unchanged.
pub async fn audit_links(store: &dyn Store, at: OffsetDateTime) -> Result<LinkAudit, StoreError> {
    let started = Instant::now();
    let hashes = store.linked_hashes().await?;
    let mut found = Vec::new();
    for chunk in hashes.chunks(CHUNK) {
        let rows = store.rows_for_hashes(chunk).await?;
        for group in rows.chunk_by(|a, b| a.0 == b.0) {
            let qualifications: Vec<Qualification> = group.iter().map(|(_, q)| q.clone()).collect();
            if let Some((_, _, reason)) = linkage::suspect(&qualifications) {
                found.push(FoundLink {
                    my_number_hash: group[0].0.clone(),
                    reason,
                    rows_key: linkage::rows_key(&qualifications),
                    rows: qualifications.iter().map(LinkedRow::of).collect(),
                });
            }
        }
    }
    let counts = store
        .record_link_audit(hashes.len() as u64, &found, at)
        .await?;
    metrics::gauge!("shikaku_link_suspects_open").set(counts.suspects as f64);
    Ok(LinkAudit {
        counts,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The rows linked to `my_number_hash`, when they may be used to show data: they describe one
/// person, or an operator confirmed exactly these rows. `None` for a suspect link — the one
/// check every path from a 個人番号 to rows makes (the card, 初回登録, マイナポータル, drug
/// and checkup reads, discharge).
pub async fn linked_rows(
    store: &dyn Store,
    my_number_hash: &[u8],
) -> Result<Option<Vec<Qualification>>, StoreError> {
    let rows = store.find_by_person_hash(my_number_hash).await?;
    if linkage::suspect(&rows).is_none() {
        return Ok(Some(rows));
    }
    let confirmed = store
        .link_state(my_number_hash)
        .await?
        .filter(|(state, _)| *state == LinkState::Confirmed)
        .map(|(_, key)| key);
    if linkage::usable(&rows, confirmed.as_deref()) {
        Ok(Some(rows))
    } else {
        metrics::counter!("shikaku_link_suspect_refusals_total").increment(1);
        Ok(None)
    }
}

/// Why a confirmation was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfirmError {
    #[error("疑義のある紐付け L{0:06} はありません")]
    NotFound(i64),
    #[error("L{0:06} は未解決ではありません（{1}）")]
    NotOpen(i64, &'static str),
    #[error("確認の理由を入力してください（10文字以上）")]
    NoReason,
    #[error("運用者だけが操作できます")]
    Forbidden,
    #[error("L{0:06} の行が表示後に変わりました。最新の内容を確認してからやり直してください")]
    Changed(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An operator confirms that a suspect link's rows are one person (a name change the rule
/// does not know, a data-entry variant), with a reason; audited. `rows_key` is what the
/// operator saw, so rows that changed since are not confirmed blindly.
pub async fn confirm(
    store: &dyn Store,
    id: i64,
    rows_key: &str,
    operator: &str,
    reason: &str,
    at: OffsetDateTime,
) -> Result<SuspectLink, ConfirmError> {
    let reason = reason.trim();
    if reason.chars().count() < 10 {
        return Err(ConfirmError::NoReason);
    }
    let suspect = store
        .link_suspect(id)
        .await?
        .ok_or(ConfirmError::NotFound(id))?;
    if suspect.state != LinkState::Open {
        return Err(ConfirmError::NotOpen(id, suspect.state.label_ja()));
    }
    if !store
        .confirm_link(id, rows_key, operator, reason, at)
        .await?
    {
        return Err(ConfirmError::Changed(id));
    }
    store
        .link_suspect(id)
        .await?
        .ok_or(ConfirmError::NotFound(id))
}

/// The operator console's use cases on suspect links (operators only).
#[derive(Clone)]
pub struct LinkageService {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

/// A suspect link with its history.
#[derive(Debug, Clone)]
pub struct LinkDetail {
    pub suspect: SuspectLink,
    pub events: Vec<LinkHistory>,
}

impl LinkageService {
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

    fn operator(actor: &Actor) -> Result<&str, ConfirmError> {
        match actor {
            Actor::Operator { login } => Ok(login),
            _ => Err(ConfirmError::Forbidden),
        }
    }

    /// Suspect links (open ones unless `all`), optionally those with a row of `insurer`.
    pub async fn list(
        &self,
        actor: &Actor,
        insurer: Option<&InsurerNumber>,
        all: bool,
    ) -> Result<Vec<SuspectLink>, ConfirmError> {
        Self::operator(actor)?;
        Ok(self
            .store
            .link_suspects(insurer.map(InsurerNumber::as_str), all)
            .await?)
    }

    pub async fn detail(&self, actor: &Actor, id: i64) -> Result<LinkDetail, ConfirmError> {
        Self::operator(actor)?;
        let suspect = self
            .store
            .link_suspect(id)
            .await?
            .ok_or(ConfirmError::NotFound(id))?;
        let events = self.store.link_events(id).await?;
        Ok(LinkDetail { suspect, events })
    }

    /// [`confirm`] by the signed-in operator, now.
    pub async fn confirm(
        &self,
        actor: &Actor,
        id: i64,
        rows_key: &str,
        reason: &str,
    ) -> Result<SuspectLink, ConfirmError> {
        let login = Self::operator(actor)?;
        tracing::info!(link = id, "suspect link confirmed by an operator");
        confirm(
            self.store.as_ref(),
            id,
            rows_key,
            login,
            reason,
            self.clock.now(),
        )
        .await
    }
}

/// A suspect link's reference as shown (`L000042`), and back.
pub fn reference(id: i64) -> String {
    format!("L{id:06}")
}

pub fn parse_reference(text: &str) -> Option<i64> {
    let t = text.trim();
    let digits = t.strip_prefix(['L', 'l']).unwrap_or(t);
    digits.parse().ok().filter(|n| *n > 0)
}

/// The report's CSV (without a BOM; the caller adds one for Excel): one row per suspect link,
/// its rows listed in order within each cell and separated by ` / ` (insurer, the insurer's
/// person reference, card numbers, first day), Japanese headers, no 個人番号; cells by
/// [`csv_field`].
pub fn csv(suspects: &[SuspectLink]) -> String {
    let mut out = String::from(
        "参照番号,状態,理由,行数,保険者番号,保険者の個人識別,記号・番号・枝番,資格取得年月日,検出日時,解決日時,解決者,メモ\r\n",
    );
    let jst = shikaku_domain::date::format_jst_minute;
    for s in suspects {
        let list =
            |f: &dyn Fn(&LinkedRow) -> String| s.rows.iter().map(f).collect::<Vec<_>>().join(" / ");
        let cells = [
            reference(s.id),
            s.state.label_ja().to_string(),
            s.reason.label_ja().to_string(),
            s.rows.len().to_string(),
            list(&|r| r.insurer_number.clone()),
            list(&|r| r.person_ref.clone()),
            list(&|r| {
                let symbol = if r.symbol.is_empty() { "-" } else { &r.symbol };
                format!("{symbol}・{}・{}", r.number, r.branch)
            }),
            list(&|r| r.qualified_from.to_string()),
            jst(s.found_at),
            s.resolved_at.map(jst).unwrap_or_default(),
            s.resolved_by.clone().unwrap_or_default(),
            s.note.clone().unwrap_or_default(),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_round_trip() {
        assert_eq!(reference(42), "L000042");
        assert_eq!(parse_reference("L000042"), Some(42));
        assert_eq!(parse_reference(" 7 "), Some(7));
        assert_eq!(parse_reference("L0"), None);
        assert_eq!(parse_reference("X1"), None);
    }
}
