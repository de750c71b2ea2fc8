//! Group commit for the access log: every lookup waits until its entry is durably stored,
//! but entries arriving together share one transaction. No log entry, no answer.

use std::sync::Arc;

use shikaku_store::{AccessLogEntry, Store, StoreError};
use tokio::sync::{mpsc, oneshot};

/// The largest batch written in one transaction.
const MAX_BATCH: usize = 1024;

type Reply = oneshot::Sender<Result<(), String>>;

#[derive(Clone)]
pub struct AccessLogger {
    tx: mpsc::Sender<(AccessLogEntry, Reply)>,
}

#[derive(Debug, thiserror::Error)]
pub enum AccessLogError {
    #[error("access log unavailable: {0}")]
    Unavailable(String),
}

impl AccessLogger {
    /// Starts the writer task on the current runtime.
    pub fn spawn(store: Arc<dyn Store>) -> Self {
        let (tx, mut rx) = mpsc::channel::<(AccessLogEntry, Reply)>(8192);
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(MAX_BATCH);
            while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
                // Let the tasks that are ready to run go first: under load, those about to
                // log join this batch (one journal write and sync for more entries); when
                // idle nothing else is ready and the batch goes at once.
                tokio::task::yield_now().await;
                while batch.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(item) => batch.push(item),
                        Err(_) => break,
                    }
                }
                metrics::histogram!("shikaku_access_log_batch_entries").record(batch.len() as f64);
                let (entries, replies): (Vec<_>, Vec<_>) = batch.drain(..).unzip();
                let result = store
                    .append_access_log(&entries)
                    .await
                    .map_err(|e: StoreError| e.to_string());
                if let Err(error) = &result {
                    tracing::error!(error = %error, entries = entries.len(), "access log write failed");
                }
                for reply in replies {
                    let _ = reply.send(result.clone());
                }
            }
        });
        Self { tx }
    }

    /// Records one access by `caller` and waits until it is committed: the one place an
    /// access-log entry is made (lookups by card numbers, My Number Card verifications, drug
    /// and checkup reads, and an idempotent answer's replay).
    pub async fn record(
        &self,
        caller: &crate::lookup::Caller,
        at: time::OffsetDateTime,
        kind: impl Into<String>,
        status: impl Into<String>,
        person_hash: Vec<u8>,
    ) -> Result<(), AccessLogError> {
        self.append(AccessLogEntry {
            at,
            facility_code: caller.facility_code.clone(),
            terminal_name: caller.terminal_name.clone(),
            cert_serial: caller.cert_serial.clone(),
            kind: kind.into(),
            status: status.into(),
            person_hash,
        })
        .await
    }

    /// Appends one entry and waits until it is committed.
    async fn append(&self, entry: AccessLogEntry) -> Result<(), AccessLogError> {
        let (reply, done) = oneshot::channel();
        let seen = WRITTEN.try_with(|_| entry.clone()).ok();
        self.tx
            .send((entry, reply))
            .await
            .map_err(|_| AccessLogError::Unavailable("writer stopped".into()))?;
        done.await
            .map_err(|_| AccessLogError::Unavailable("writer stopped".into()))?
            .map_err(AccessLogError::Unavailable)?;
        if let Some(entry) = seen {
            let _ = WRITTEN.try_with(|w| {
                if let Ok(mut w) = w.lock() {
                    w.push(entry);
                }
            });
        }
        Ok(())
    }
}

tokio::task_local! {
    /// The entries committed by the task running inside [`recording`].
    static WRITTEN: std::sync::Mutex<Vec<AccessLogEntry>>;
}

/// Runs `work` and returns, with its output, the access-log entries it committed (an
/// idempotent answer keeps them, so a replay can log the same accesses again).
pub async fn recording<F: std::future::Future>(work: F) -> (F::Output, Vec<AccessLogEntry>) {
    let written = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let out = WRITTEN
        .scope(std::sync::Mutex::new(Vec::new()), async {
            let out = work.await;
            let mine = WRITTEN
                .try_with(|w| {
                    w.lock()
                        .map(|mut w| std::mem::take(&mut *w))
                        .unwrap_or_default()
                })
                .unwrap_or_default();
            if let Ok(mut all) = written.lock() {
                *all = mine;
            }
            out
        })
        .await;
    let entries = written
        .lock()
        .map(|mut w| std::mem::take(&mut *w))
        .unwrap_or_default();
    (out, entries)
}
