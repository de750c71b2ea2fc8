//! Linkage integrity's records (issue 26 §1): the suspect links an audit found — sets of
//! qualification rows linked to one 個人番号 that are not one person — the rows involved, and
//! every change of their state. The decision is the domain's (`shikaku_domain::linkage`);
//! this keeps what it found and what operators decided.

use async_trait::async_trait;
use shikaku_domain::Qualification;
use shikaku_domain::linkage::{
    Disagreement, LinkAction, LinkHistory, LinkState, LinkedRow, SuspectLink,
};
use time::{Date, OffsetDateTime};

use crate::{Result, StoreError};

/// A suspect link an audit found now.
#[derive(Debug, Clone)]
pub struct FoundLink {
    pub my_number_hash: Vec<u8>,
    pub reason: Disagreement,
    pub rows_key: String,
    pub rows: Vec<LinkedRow>,
}

/// What recording an audit changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkAuditCounts {
    /// Groups of more than one row checked.
    pub checked: u64,
    /// Suspect links found now (new or still open).
    pub suspects: u64,
    /// Of them, not known before (or reopened).
    pub new: u64,
    /// Open links a file has corrected since.
    pub corrected: u64,
}

#[derive(sqlx::FromRow)]
pub(crate) struct SuspectRow {
    pub id: i64,
    pub reason: String,
    pub rows_key: String,
    pub state: String,
    pub found_at: OffsetDateTime,
    pub checked_at: OffsetDateTime,
    pub resolved_at: Option<OffsetDateTime>,
    pub resolved_by: Option<String>,
    pub note: Option<String>,
}

pub(crate) const SUSPECT_COLUMNS: &str = "id, reason, rows_key, state, found_at, \
     checked_at, resolved_at, resolved_by, note";

/// A row of `link_suspect_rows` with the link it belongs to.
#[derive(sqlx::FromRow)]
pub(crate) struct MemberRow {
    pub suspect_id: i64,
    pub insurer_number: String,
    pub symbol: String,
    pub number: String,
    pub branch: String,
    pub person_ref: String,
    pub qualified_from: Date,
}

impl From<MemberRow> for LinkedRow {
    fn from(r: MemberRow) -> Self {
        Self {
            insurer_number: r.insurer_number,
            symbol: r.symbol,
            number: r.number,
            branch: r.branch,
            person_ref: r.person_ref,
            qualified_from: r.qualified_from,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    pub at: OffsetDateTime,
    pub actor: String,
    pub action: String,
    pub note: String,
}

impl TryFrom<EventRow> for LinkHistory {
    type Error = StoreError;

    fn try_from(r: EventRow) -> Result<Self> {
        Ok(Self {
            action: LinkAction::from_code(&r.action).ok_or_else(|| {
                StoreError::Corrupt(format!("link_suspect_events.action: {}", r.action))
            })?,
            at: r.at,
            actor: r.actor,
            note: r.note,
        })
    }
}

impl SuspectRow {
    pub(crate) fn into_suspect(self, rows: Vec<LinkedRow>) -> Result<SuspectLink> {
        Ok(SuspectLink {
            id: self.id,
            reason: Disagreement::from_code(&self.reason).ok_or_else(|| {
                StoreError::Corrupt(format!("link_suspects.reason: {}", self.reason))
            })?,
            rows_key: self.rows_key,
            state: LinkState::from_code(&self.state).ok_or_else(|| {
                StoreError::Corrupt(format!("link_suspects.state: {}", self.state))
            })?,
            found_at: self.found_at,
            checked_at: self.checked_at,
            resolved_at: self.resolved_at,
            resolved_by: self.resolved_by,
            note: self.note,
            rows,
        })
    }
}

#[async_trait]
pub trait LinkageStore: Send + Sync {
    /// Every 個人番号 hash that more than one qualification row carries (the groups an audit
    /// must check), in hash order.
    async fn linked_hashes(&self) -> Result<Vec<Vec<u8>>>;
    /// The rows of these hashes, each with its hash.
    async fn rows_for_hashes(&self, hashes: &[Vec<u8>]) -> Result<Vec<(Vec<u8>, Qualification)>>;
    /// Records a whole audit (`checked` groups) in one transaction: each of `found` is stored
    /// open (a confirmed link whose rows are unchanged stays confirmed; otherwise it is
    /// reopened); every open link not in `found` has rows that now agree: it is corrected.
    async fn record_link_audit(
        &self,
        checked: u64,
        found: &[FoundLink],
        at: OffsetDateTime,
    ) -> Result<LinkAuditCounts>;
    /// Suspect links (open ones only unless `all`), optionally those with a row of `insurer`,
    /// newest first.
    async fn link_suspects(&self, insurer: Option<&str>, all: bool) -> Result<Vec<SuspectLink>>;
    async fn link_suspect(&self, id: i64) -> Result<Option<SuspectLink>>;
    /// The state and rows key of the link of a 個人番号 hash, if one was ever found (read on
    /// the lookup path only when the domain already sees a disagreement).
    async fn link_state(&self, my_number_hash: &[u8]) -> Result<Option<(LinkState, String)>>;
    /// An operator confirms that the link's rows (as `rows_key` names them) are one person;
    /// false when the link is not open or its rows changed since the operator saw them.
    async fn confirm_link(
        &self,
        id: i64,
        rows_key: &str,
        actor: &str,
        note: &str,
        at: OffsetDateTime,
    ) -> Result<bool>;
    async fn link_events(&self, id: i64) -> Result<Vec<LinkHistory>>;
}

/// `impl LinkageStore` for a backend, expanded inside the portal implementation's module so
/// it shares its SQL helper (`q`).
macro_rules! impl_linkage_store {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::linkage::LinkageStore for $store {
            async fn linked_hashes(&self) -> $crate::Result<Vec<Vec<u8>>> {
                let rows: Vec<(Vec<u8>,)> = sqlx::query_as(q(
                    "SELECT my_number_hash FROM qualifications WHERE my_number_hash IS NOT NULL \
                     GROUP BY my_number_hash HAVING COUNT(*) > 1 ORDER BY my_number_hash",
                ))
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(|r| r.0).collect())
            }

            async fn rows_for_hashes(
                &self,
                hashes: &[Vec<u8>],
            ) -> $crate::Result<Vec<(Vec<u8>, shikaku_domain::Qualification)>> {
                #[derive(sqlx::FromRow)]
                struct Hashed {
                    my_number_hash: Vec<u8>,
                    #[sqlx(flatten)]
                    row: $crate::model::QualificationRow,
                }
                let mut out = Vec::new();
                for chunk in hashes.chunks(500) {
                    let list = (1..=chunk.len())
                        .map(|i| format!("${i}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let sql = format!(
                        "SELECT my_number_hash, {} FROM qualifications WHERE my_number_hash IN ({list}) \
                         ORDER BY my_number_hash, insurer_number, person_ref, qualified_from",
                        $crate::model::QUALIFICATION_COLUMNS
                    );
                    let mut query = sqlx::query_as::<_, Hashed>(q(&sql));
                    for h in chunk {
                        query = query.bind(h);
                    }
                    for r in query.fetch_all(&self.pool).await? {
                        out.push((r.my_number_hash, r.row.try_into()?));
                    }
                }
                Ok(out)
            }

            async fn record_link_audit(
                &self,
                checked: u64,
                found: &[$crate::linkage::FoundLink],
                at: time::OffsetDateTime,
            ) -> $crate::Result<$crate::linkage::LinkAuditCounts> {
                use std::collections::{HashMap, HashSet};
                let mut tx = self.pool.begin().await?;
                // The table holds suspects only: small, read whole.
                let known: Vec<(i64, Vec<u8>, String, String)> = sqlx::query_as(q(
                    "SELECT id, my_number_hash, state, rows_key FROM link_suspects",
                ))
                .fetch_all(&mut *tx)
                .await?;
                let known: HashMap<Vec<u8>, (i64, String, String)> = known
                    .into_iter()
                    .map(|(id, h, s, k)| (h, (id, s, k)))
                    .collect();
                let mut counts = $crate::linkage::LinkAuditCounts {
                    checked,
                    suspects: found.len() as u64,
                    ..Default::default()
                };
                let event = |id: i64, action: shikaku_domain::linkage::LinkAction, note: String| {
                    sqlx::query(q(
                        "INSERT INTO link_suspect_events (suspect_id, at, actor, action, note) \
                         VALUES ($1, $2, 'import', $3, $4)",
                    ))
                    .bind(id)
                    .bind(at)
                    .bind(action.code())
                    .bind(note)
                };
                use shikaku_domain::linkage::LinkAction;
                let open = shikaku_domain::linkage::LinkState::Open.code();
                let confirmed = shikaku_domain::linkage::LinkState::Confirmed.code();
                for f in found {
                    let id = match known.get(&f.my_number_hash) {
                        Some((id, state, key)) if state == confirmed && *key == f.rows_key => {
                            sqlx::query(q("UPDATE link_suspects SET checked_at = $1 WHERE id = $2"))
                                .bind(at)
                                .bind(id)
                                .execute(&mut *tx)
                                .await?;
                            continue;
                        }
                        Some((id, state, _)) => {
                            if state != open {
                                counts.new += 1;
                                event(*id, LinkAction::Reopened, f.reason.label_ja().to_string())
                                    .execute(&mut *tx)
                                    .await?;
                            }
                            sqlx::query(q(
                                "UPDATE link_suspects SET reason = $1, rows_key = $2, state = $3, \
                                 checked_at = $4, resolved_at = NULL, resolved_by = NULL, note = NULL \
                                 WHERE id = $5",
                            ))
                            .bind(f.reason.code())
                            .bind(&f.rows_key)
                            .bind(open)
                            .bind(at)
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                            sqlx::query(q("DELETE FROM link_suspect_rows WHERE suspect_id = $1"))
                                .bind(id)
                                .execute(&mut *tx)
                                .await?;
                            *id
                        }
                        None => {
                            counts.new += 1;
                            // Another node's audit may have found it since the read
                            // above: then this one's rows replace its rows.
                            let (id,): (i64,) = sqlx::query_as(q(
                                "INSERT INTO link_suspects (my_number_hash, reason, rows_key, state, \
                                 found_at, checked_at) VALUES ($1, $2, $3, $4, $5, $5) \
                                 ON CONFLICT (my_number_hash) DO UPDATE SET reason = excluded.reason, \
                                 rows_key = excluded.rows_key, checked_at = excluded.checked_at \
                                 RETURNING id",
                            ))
                            .bind(&f.my_number_hash)
                            .bind(f.reason.code())
                            .bind(&f.rows_key)
                            .bind(open)
                            .bind(at)
                            .fetch_one(&mut *tx)
                            .await?;
                            event(id, LinkAction::Found, f.reason.label_ja().to_string())
                                .execute(&mut *tx)
                                .await?;
                            sqlx::query(q("DELETE FROM link_suspect_rows WHERE suspect_id = $1"))
                                .bind(id)
                                .execute(&mut *tx)
                                .await?;
                            id
                        }
                    };
                    for r in &f.rows {
                        sqlx::query(q(
                            "INSERT INTO link_suspect_rows (suspect_id, insurer_number, symbol, number, \
                             branch, person_ref, qualified_from) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        ))
                        .bind(id)
                        .bind(&r.insurer_number)
                        .bind(&r.symbol)
                        .bind(&r.number)
                        .bind(&r.branch)
                        .bind(&r.person_ref)
                        .bind(r.qualified_from)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                // The audit is whole, so an open link not found now has rows that agree, or
                // no longer two rows: a file corrected it.
                let found_now: HashSet<&[u8]> =
                    found.iter().map(|f| f.my_number_hash.as_slice()).collect();
                for (hash, (id, state, _)) in &known {
                    if state == open && !found_now.contains(hash.as_slice()) {
                        counts.corrected += 1;
                        sqlx::query(q(
                            "UPDATE link_suspects SET state = $1, resolved_at = $2, \
                             resolved_by = 'import', checked_at = $2 WHERE id = $3",
                        ))
                        .bind(shikaku_domain::linkage::LinkState::Corrected.code())
                        .bind(at)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                        event(*id, LinkAction::Corrected, String::new()).execute(&mut *tx).await?;
                    }
                }
                tx.commit().await?;
                Ok(counts)
            }

            async fn link_suspects(
                &self,
                insurer: Option<&str>,
                all: bool,
            ) -> $crate::Result<Vec<shikaku_domain::linkage::SuspectLink>> {
                let filter = "($1 OR s.state = $2) AND ($3 = '' OR EXISTS (SELECT 1 FROM \
                     link_suspect_rows r WHERE r.suspect_id = s.id AND r.insurer_number = $3))";
                let columns = $crate::linkage::SUSPECT_COLUMNS
                    .split(", ")
                    .map(|c| format!("s.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let open = shikaku_domain::linkage::LinkState::Open.code();
                let insurer = insurer.unwrap_or("");
                let suspects: Vec<$crate::linkage::SuspectRow> = sqlx::query_as(q(&format!(
                    "SELECT {columns} FROM link_suspects s WHERE {filter} ORDER BY s.id DESC"
                )))
                .bind(all)
                .bind(open)
                .bind(insurer)
                .fetch_all(&self.pool)
                .await?;
                // Every listed link's rows in one query, not one per link.
                let members: Vec<$crate::linkage::MemberRow> = sqlx::query_as(q(&format!(
                    "SELECT m.suspect_id, m.insurer_number, m.symbol, m.number, m.branch, \
                     m.person_ref, m.qualified_from FROM link_suspect_rows m \
                     JOIN link_suspects s ON s.id = m.suspect_id WHERE {filter} \
                     ORDER BY m.suspect_id, m.insurer_number, m.person_ref, m.qualified_from"
                )))
                .bind(all)
                .bind(open)
                .bind(insurer)
                .fetch_all(&self.pool)
                .await?;
                let mut by_link: std::collections::HashMap<i64, Vec<shikaku_domain::linkage::LinkedRow>> =
                    std::collections::HashMap::new();
                for m in members {
                    by_link.entry(m.suspect_id).or_default().push(m.into());
                }
                suspects
                    .into_iter()
                    .map(|row| {
                        let rows = by_link.remove(&row.id).unwrap_or_default();
                        row.into_suspect(rows)
                    })
                    .collect()
            }

            async fn link_suspect(
                &self,
                id: i64,
            ) -> $crate::Result<Option<shikaku_domain::linkage::SuspectLink>> {
                let sql = format!(
                    "SELECT {} FROM link_suspects WHERE id = $1",
                    $crate::linkage::SUSPECT_COLUMNS
                );
                let row: Option<$crate::linkage::SuspectRow> =
                    sqlx::query_as(q(&sql)).bind(id).fetch_optional(&self.pool).await?;
                let Some(row) = row else {
                    return Ok(None);
                };
                let members: Vec<$crate::linkage::MemberRow> = sqlx::query_as(q(
                    "SELECT suspect_id, insurer_number, symbol, number, branch, person_ref, \
                     qualified_from FROM link_suspect_rows WHERE suspect_id = $1 \
                     ORDER BY insurer_number, person_ref, qualified_from",
                ))
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
                Ok(Some(row.into_suspect(members.into_iter().map(Into::into).collect())?))
            }

            async fn link_state(
                &self,
                my_number_hash: &[u8],
            ) -> $crate::Result<Option<(shikaku_domain::linkage::LinkState, String)>> {
                let row: Option<(String, String)> = sqlx::query_as(q(
                    "SELECT state, rows_key FROM link_suspects WHERE my_number_hash = $1",
                ))
                .bind(my_number_hash)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|(state, key)| {
                    shikaku_domain::linkage::LinkState::from_code(&state)
                        .map(|s| (s, key))
                        .ok_or_else(|| {
                            $crate::StoreError::Corrupt(format!("link_suspects.state: {state}"))
                        })
                })
                .transpose()
            }

            async fn confirm_link(
                &self,
                id: i64,
                rows_key: &str,
                actor: &str,
                note: &str,
                at: time::OffsetDateTime,
            ) -> $crate::Result<bool> {
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query(q(
                    "UPDATE link_suspects SET state = $1, resolved_at = $2, resolved_by = $3, note = $4 \
                     WHERE id = $5 AND state = $6 AND rows_key = $7",
                ))
                .bind(shikaku_domain::linkage::LinkState::Confirmed.code())
                .bind(at)
                .bind(actor)
                .bind(note)
                .bind(id)
                .bind(shikaku_domain::linkage::LinkState::Open.code())
                .bind(rows_key)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1;
                if done {
                    sqlx::query(q(
                        "INSERT INTO link_suspect_events (suspect_id, at, actor, action, note) \
                         VALUES ($1, $2, $3, $4, $5)",
                    ))
                    .bind(id)
                    .bind(at)
                    .bind(actor)
                    .bind(shikaku_domain::linkage::LinkAction::Confirmed.code())
                    .bind(note)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(done)
            }

            async fn link_events(
                &self,
                id: i64,
            ) -> $crate::Result<Vec<shikaku_domain::linkage::LinkHistory>> {
                let rows: Vec<$crate::linkage::EventRow> = sqlx::query_as(q(
                    "SELECT at, actor, action, note FROM link_suspect_events WHERE suspect_id = $1 ORDER BY id",
                ))
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }
        }
    };
}
pub(crate) use impl_linkage_store;
