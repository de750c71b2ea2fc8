//! Read batching for the PostgreSQL store: point reads that arrive while earlier ones are in
//! flight share one query (the access log's group commit, for reads). An idle store answers a
//! lone read at once — nothing waits for a batch to fill; under load each round trip carries
//! every read that queued meanwhile, so the per-statement cost (protocol, planning, executor
//! start-up, wake-ups) is paid once per batch rather than once per lookup.
//!
//! Every read is still made after its request arrived: a certificate revoked before a request
//! is seen revoked by that request.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::{Result, StoreError};

type Reply<V> = oneshot::Sender<Result<V>>;

pub(crate) struct Batcher<K, V> {
    tx: mpsc::Sender<(K, Reply<V>)>,
}

impl<K: Send + 'static, V: Send + 'static> Batcher<K, V> {
    /// Starts the batching task on the current runtime. `run` answers a batch of keys with one
    /// value per key, in order; at most `in_flight` batches run at once, at most `max_batch`
    /// keys each. A batch not answered within `timeout` fails as unavailable, so one stuck
    /// statement (a half-open connection, a lock) cannot hold every later read behind it.
    /// `kind` labels the batch-size metric.
    pub(crate) fn spawn<F, Fut>(
        kind: &'static str,
        max_batch: usize,
        in_flight: usize,
        timeout: Duration,
        run: F,
    ) -> Self
    where
        F: Fn(Vec<K>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<V>>> + Send + 'static,
    {
        let (tx, mut rx) = mpsc::channel::<(K, Reply<V>)>(8192);
        let run = Arc::new(run);
        let slots = Arc::new(Semaphore::new(in_flight));
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(max_batch);
            loop {
                // A free slot first: reads arriving while every slot is busy join the next batch.
                let Ok(slot) = slots.clone().acquire_owned().await else {
                    break;
                };
                if rx.recv_many(&mut batch, max_batch).await == 0 {
                    break;
                }
                metrics::histogram!("shikaku_read_batch_entries", "kind" => kind)
                    .record(batch.len() as f64);
                let (keys, replies): (Vec<K>, Vec<Reply<V>>) = batch.drain(..).unzip();
                let run = run.clone();
                tokio::spawn(async move {
                    let _slot = slot;
                    let expected = keys.len();
                    let answer = tokio::time::timeout(timeout, run(keys))
                        .await
                        .unwrap_or_else(|_| {
                            Err(StoreError::Unavailable(sqlx::Error::Io(
                                std::io::Error::new(
                                    std::io::ErrorKind::TimedOut,
                                    format!("no answer to a batched read within {timeout:?}"),
                                ),
                            )))
                        });
                    match answer {
                        Ok(values) if values.len() == expected => {
                            for (reply, value) in replies.into_iter().zip(values) {
                                let _ = reply.send(Ok(value));
                            }
                        }
                        Ok(values) => {
                            let error = format!(
                                "a batched read answered {} of {expected} keys",
                                values.len()
                            );
                            for reply in replies {
                                let _ = reply.send(Err(StoreError::Corrupt(error.clone())));
                            }
                        }
                        Err(error) => {
                            for reply in replies {
                                let _ = reply.send(Err(shared_error(&error)));
                            }
                        }
                    }
                });
            }
        });
        Self { tx }
    }

    /// Reads one key with whatever else is queued.
    pub(crate) async fn get(&self, key: K) -> Result<V> {
        let (reply, answer) = oneshot::channel();
        self.tx.send((key, reply)).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Corrupt("the read batcher stopped".into())
}

/// The error of a batch, for each of its readers; an unreachable database stays
/// [`StoreError::Unavailable`] (503, retry), anything else keeps its message.
fn shared_error(error: &StoreError) -> StoreError {
    match error {
        StoreError::Unavailable(e) => StoreError::Unavailable(sqlx::Error::Io(
            std::io::Error::new(std::io::ErrorKind::ConnectionAborted, e.to_string()),
        )),
        StoreError::NotFound(m) => StoreError::NotFound(m.clone()),
        StoreError::Conflict(m) => StoreError::Conflict(m.clone()),
        StoreError::Corrupt(m) => StoreError::Corrupt(m.clone()),
        StoreError::UnsupportedUrl(m) => StoreError::UnsupportedUrl(m.clone()),
        other => StoreError::Backend(sqlx::Error::Protocol(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_reads_share_batches_and_each_gets_its_own_answer() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = calls.clone();
        let batcher = Arc::new(Batcher::spawn(
            "test",
            64,
            1,
            Duration::from_secs(5),
            move |keys: Vec<u32>| {
                counted.fetch_add(1, Ordering::SeqCst);
                async move {
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    Ok(keys.iter().map(|k| k * 10).collect())
                }
            },
        ));
        let mut tasks = Vec::new();
        for k in 0..200u32 {
            let b = batcher.clone();
            tasks.push(tokio::spawn(
                async move { (k, b.get(k).await.expect("read")) },
            ));
        }
        for task in tasks {
            let (k, v) = task.await.expect("task");
            assert_eq!(v, k * 10);
        }
        let calls = calls.load(Ordering::SeqCst);
        assert!(calls < 200, "200 reads took {calls} batches");
    }

    #[tokio::test]
    async fn a_failed_batch_fails_each_reader_and_keeps_unavailability() {
        let second = Duration::from_secs(1);
        let batcher = Batcher::spawn("test", 8, 2, second, |_keys: Vec<u32>| async {
            Err::<Vec<u32>, _>(StoreError::Unavailable(sqlx::Error::PoolTimedOut))
        });
        assert!(matches!(
            batcher.get(1).await,
            Err(StoreError::Unavailable(_))
        ));
        let short = Batcher::spawn("test", 8, 2, second, |_keys: Vec<u32>| async {
            Ok(Vec::<u32>::new())
        });
        assert!(matches!(short.get(1).await, Err(StoreError::Corrupt(_))));
    }

    #[tokio::test]
    async fn a_stuck_batch_fails_as_unavailable_and_later_reads_go_on() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = calls.clone();
        let timeout = Duration::from_millis(100);
        let batcher = Batcher::spawn("test", 8, 1, timeout, move |keys: Vec<u32>| {
            let first = counted.fetch_add(1, Ordering::SeqCst) == 0;
            async move {
                if first {
                    std::future::pending::<()>().await;
                }
                Ok(keys)
            }
        });
        assert!(matches!(
            batcher.get(1).await,
            Err(StoreError::Unavailable(_))
        ));
        assert_eq!(batcher.get(2).await.expect("the next batch is answered"), 2);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }
}
