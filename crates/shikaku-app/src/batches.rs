//! 一括照会: a batch of lookups (e.g. tomorrow's appointments) runs as a job at the centre.
//! The job is stored when it is accepted and its results when it is done. A node runs a job
//! only under its lease in the store ([`LEASE`], extended while it runs), so in a cluster one
//! node runs each job; every node looks for unfinished jobs whose lease has ended (at start
//! and every [`SWEEP_INTERVAL`]), so a job of a node that died or restarted is resumed. Each person is looked up (and logged) like a single
//! query; a failure is that person's, never the file's.

use std::sync::Arc;

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use shikaku_domain::{Branch, CardNumber, CardNumbers, CardSymbol, InsurerNumber, parse_date};
use shikaku_store::BatchJob;
use time::OffsetDateTime;
use tokio::sync::mpsc;

use crate::lookup::{Caller, EligibilityService, LookupError, LookupRequest};
use crate::view::EligibilityView;

/// The most persons in one job (xml-interface.md §2.4.9).
pub const MAX_ITEMS: usize = 10_000;
/// Lookups of one job in flight at once.
const CONCURRENCY: usize = 64;
/// How long a node's lease on a job lasts; it is extended every third of it while running.
pub const LEASE: std::time::Duration = std::time::Duration::from_secs(60);
/// How often each node looks for unfinished jobs no node holds.
pub const SWEEP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(15);

/// One person as stored with the job: normalized fields, or the reason it was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum BatchItem {
    Ok {
        insurer_number: String,
        symbol: String,
        number: String,
        /// Empty: a query without 枝番.
        branch: String,
        birth_date: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        as_of: Option<String>,
    },
    Refused {
        error: serde_json::Value,
    },
}

impl BatchItem {
    fn to_request(&self) -> Option<LookupRequest> {
        let BatchItem::Ok {
            insurer_number,
            symbol,
            number,
            branch,
            birth_date,
            as_of,
        } = self
        else {
            return None;
        };
        let any_branch = branch.is_empty();
        Some(LookupRequest {
            card: CardNumbers {
                insurer: InsurerNumber::parse(insurer_number).ok()?,
                symbol: CardSymbol::parse_optional(symbol).ok()?,
                number: CardNumber::parse(number).ok()?,
                branch: Branch::parse(if any_branch { "00" } else { branch }).ok()?,
            },
            birth_date: parse_date(birth_date).ok()?,
            as_of: match as_of {
                Some(d) => Some(parse_date(d).ok()?),
                None => None,
            },
            any_branch,
            any_birth: false,
        })
    }
}

/// One person's result, in input order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BatchResult {
    pub index: usize,
    #[serde(flatten)]
    pub outcome: serde_json::Value,
}

/// Accepts jobs and runs them in the background.
#[derive(Clone)]
pub struct BatchService {
    service: EligibilityService,
    queue: mpsc::UnboundedSender<String>,
}

impl BatchService {
    /// Starts the worker, which runs the jobs this node accepts and any unfinished job whose
    /// lease has ended (a previous run's, or another node's that stopped).
    pub async fn start(service: EligibilityService) -> Result<Self, LookupError> {
        let (queue, mut rx) = mpsc::unbounded_channel::<String>();
        let node = crate::secrets::process_id();
        let pending = service
            .store()
            .unleased_batches(OffsetDateTime::now_utc(), 1_000)
            .await?;
        if !pending.is_empty() {
            tracing::info!(jobs = pending.len(), "resuming unfinished batch jobs");
        }
        for id in pending {
            let _ = queue.send(id);
        }
        let worker = service.clone();
        let requeue = queue.clone();
        tokio::spawn(async move {
            while let Some(id) = rx.recv().await {
                match run_leased(&worker, &node, &id).await {
                    Ok(_) => {}
                    Err(e) => {
                        // The job stays unfinished in the store; this node or another
                        // retries once the lease ends.
                        tracing::error!(error = %e, job = %id, "batch job failed; retrying");
                        let requeue = requeue.clone();
                        tokio::spawn(async move {
                            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                            let _ = requeue.send(id);
                        });
                    }
                }
            }
        });
        let sweeper = service.clone();
        let sweep = queue.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(SWEEP_INTERVAL).await;
                match sweeper
                    .store()
                    .unleased_batches(OffsetDateTime::now_utc(), 100)
                    .await
                {
                    Ok(ids) => {
                        for id in ids {
                            if sweep.send(id).is_err() {
                                return;
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "looking for unfinished batch jobs"),
                }
            }
        });
        Ok(Self { service, queue })
    }

    /// Stores a job and queues it; returns its id (受付番号).
    pub async fn submit(
        &self,
        caller: &Caller,
        items: Vec<BatchItem>,
    ) -> Result<BatchJob, LookupError> {
        if let Some(repeated) = birth_date_search(&items) {
            metrics::counter!("shikaku_lookups_refused_total", "reason" => "birth_date_search")
                .increment(1);
            tracing::warn!(
                facility = %caller.facility_code,
                birth_dates = repeated,
                "batch refused: one card number with many birth dates"
            );
            return Err(LookupError::BirthDateSearch {
                birth_dates: repeated,
            });
        }
        let mut id_bytes = [0u8; 8];
        use ring::rand::SecureRandom;
        let _ = ring::rand::SystemRandom::new().fill(&mut id_bytes);
        let now = OffsetDateTime::now_utc();
        let date = shikaku_domain::date::jst_date(now);
        let id = format!(
            "RC{:04}{:02}{:02}{}",
            date.year(),
            u8::from(date.month()),
            date.day(),
            hex::encode_upper(id_bytes)
        );
        let job = BatchJob {
            id: id.clone(),
            facility_code: caller.facility_code.clone(),
            terminal_name: caller.terminal_name.clone(),
            cert_serial: caller.cert_serial.clone(),
            created_at: now,
            status: "queued".into(),
            request: serde_json::to_string(&items).unwrap_or_else(|_| "[]".into()),
            result: None,
            finished_at: None,
        };
        self.service.store().insert_batch(&job).await?;
        let _ = self.queue.send(id);
        Ok(job)
    }

    /// The job, if it belongs to this facility.
    pub async fn get(&self, caller: &Caller, id: &str) -> Result<Option<BatchJob>, LookupError> {
        Ok(self
            .service
            .store()
            .batch(id)
            .await?
            .filter(|job| job.facility_code == caller.facility_code))
    }
}

/// Distinct birth dates one card number may carry in one batch (a typo and its fix).
pub const MAX_BIRTH_DATES_PER_CARD: usize = 2;

/// The largest number of distinct birth dates given for one card number, when it is more
/// than [`MAX_BIRTH_DATES_PER_CARD`]: a search for a person's birth date, not a list of
/// patients.
fn birth_date_search(items: &[BatchItem]) -> Option<usize> {
    let mut dates: std::collections::HashMap<
        (&str, &str, &str, &str),
        std::collections::HashSet<&str>,
    > = std::collections::HashMap::new();
    for item in items {
        if let BatchItem::Ok {
            insurer_number,
            symbol,
            number,
            branch,
            birth_date,
            ..
        } = item
        {
            dates
                .entry((insurer_number, symbol, number, branch))
                .or_default()
                .insert(birth_date);
        }
    }
    dates
        .values()
        .map(std::collections::HashSet::len)
        .max()
        .filter(|n| *n > MAX_BIRTH_DATES_PER_CARD)
}

/// Runs a job if this node gets its lease (false: done, gone, or another node holds it),
/// extending the lease while it runs.
async fn run_leased(
    service: &EligibilityService,
    node: &str,
    id: &str,
) -> Result<bool, LookupError> {
    let store = service.store();
    let lease = time::Duration::try_from(LEASE).unwrap_or(time::Duration::MINUTE);
    let now = OffsetDateTime::now_utc();
    if !store.lease_batch(id, node, now + lease, now).await? {
        return Ok(false);
    }
    let renew = {
        let (store, node, id) = (store.clone(), node.to_string(), id.to_string());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(LEASE / 3).await;
                let now = OffsetDateTime::now_utc();
                match store.lease_batch(&id, &node, now + lease, now).await {
                    Ok(true) => {}
                    Ok(false) => return,
                    Err(e) => tracing::warn!(error = %e, job = %id, "extending a batch lease"),
                }
            }
        })
    };
    let result = run_job(service, id).await;
    renew.abort();
    result.map(|()| true)
}

async fn run_job(service: &EligibilityService, id: &str) -> Result<(), LookupError> {
    let store = service.store();
    let Some(job) = store.batch(id).await? else {
        return Ok(());
    };
    if job.status == "done" {
        return Ok(());
    }
    let items: Vec<BatchItem> = serde_json::from_str(&job.request).unwrap_or_default();
    let caller = Arc::new(Caller {
        facility_code: job.facility_code.clone(),
        terminal_name: job.terminal_name.clone(),
        cert_serial: job.cert_serial.clone(),
    });
    let results: Vec<Result<BatchResult, LookupError>> =
        futures::stream::iter(items.into_iter().enumerate())
            .map(|(index, item)| {
                let service = service.clone();
                let caller = caller.clone();
                async move {
                    let outcome = match (&item, item.to_request()) {
                        (_, Some(request)) => match service.lookup(&request, &caller).await {
                            Ok((outcome, as_of)) => serde_json::to_value(EligibilityView::new(
                                &outcome,
                                Some(&request.card),
                                as_of,
                                &service.insurer_names(),
                                false,
                            ))
                            .unwrap_or_default(),
                            // Refused, not failed: the job finishes with the refusal.
                            Err(LookupError::TooManyNoMatch { .. }) => serde_json::json!({
                                "error": {"error": "too_many_no_match", "message": "該当資格なしの回答が続いたため照会しませんでした (refused after too many no-match answers)"}
                            }),
                            Err(e) => return Err(e),
                        },
                        (BatchItem::Refused { error }, None) => {
                            serde_json::json!({ "error": error })
                        }
                        (BatchItem::Ok { .. }, None) => serde_json::json!({
                            "error": {"error": "invalid_request", "message": "入力に誤りがあります"}
                        }),
                    };
                    Ok(BatchResult { index, outcome })
                }
            })
            .buffered(CONCURRENCY)
            .collect()
            .await;
    let results: Vec<BatchResult> = results.into_iter().collect::<Result<_, _>>()?;
    metrics::counter!("shikaku_batch_jobs_done_total").increment(1);
    metrics::counter!("shikaku_batch_persons_total").increment(results.len() as u64);
    let json = serde_json::to_string(&results).unwrap_or_else(|_| "[]".into());
    store
        .finish_batch(id, &json, OffsetDateTime::now_utc())
        .await?;
    Ok(())
}
