//! A PostgreSQL connection of its own for one hot-path task (a read batcher, the access-log
//! writer), outside the pool.
//!
//! Why: sqlx's pool pings a connection when it is acquired and again when it is released
//! (a `Sync` round trip each), so a statement through the pool costs three round trips and
//! three wake-ups on each side. The batched reads and the log writer run one statement at a
//! time each, so one connection apiece is all they need, and it is pinged only when it has been
//! idle long enough that the server may have gone away meanwhile (a restart, a failover).
//!
//! Invariants:
//! - The connection is taken out while work runs and put back only when the work succeeded:
//!   work that fails or is cancelled (a batch timeout drops its future) mid-statement leaves no
//!   half-read connection behind; the next call connects afresh.
//! - Only work marked idempotent (reads) is retried, once, and only when it failed on a
//!   connection that had been used before (a dead connection found by using it); a write is
//!   never sent twice.
//! - Statements use generic plans (`plan_cache_mode`): these are the same few point reads and
//!   inserts over and over, and the custom plan the server otherwise makes for each of the
//!   first executions of every statement on every connection, and keeps making for the batched
//!   reads, cost as much server time as executing them (bench/RESULTS.md, 2026-12-04).

use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection};

use crate::{Result, StoreError};

/// A connection idle longer than this is pinged before use.
const IDLE_CHECK: Duration = Duration::from_secs(1);
/// Connecting takes at most this long (a half-open network path must not hold every lookup).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

struct Held {
    conn: PgConnection,
    last_used: Instant,
}

pub(crate) struct OwnConnection {
    options: PgConnectOptions,
    held: tokio::sync::Mutex<Option<Held>>,
}

impl OwnConnection {
    /// Connects lazily, with `options` plus generic plans.
    pub(crate) fn new(options: &PgConnectOptions) -> Self {
        Self {
            options: options
                .clone()
                .options([("plan_cache_mode", "force_generic_plan")]),
            held: tokio::sync::Mutex::new(None),
        }
    }

    /// Runs `work` on the connection (see the module's invariants); `idempotent` work may
    /// run twice.
    pub(crate) async fn run<T, F>(&self, idempotent: bool, work: F) -> Result<T>
    where
        F: for<'c> Fn(&'c mut PgConnection) -> BoxFuture<'c, Result<T>>,
    {
        let mut slot = self.held.lock().await;
        let (mut conn, reused) = match slot.take() {
            Some(held) => (self.checked(held).await?, true),
            None => (self.connect().await?, false),
        };
        match work(&mut conn).await {
            Ok(value) => {
                *slot = Some(Held {
                    conn,
                    last_used: Instant::now(),
                });
                Ok(value)
            }
            Err(error) if idempotent && reused => {
                tracing::info!(error = %error, "a hot-path connection failed; retrying on a new one");
                drop(conn);
                let mut conn = self.connect().await?;
                let value = work(&mut conn).await?;
                *slot = Some(Held {
                    conn,
                    last_used: Instant::now(),
                });
                Ok(value)
            }
            Err(error) => Err(error),
        }
    }

    /// The held connection, pinged first when it has been idle; a new one if the ping fails.
    async fn checked(&self, held: Held) -> Result<PgConnection> {
        let mut conn = held.conn;
        if held.last_used.elapsed() < IDLE_CHECK {
            return Ok(conn);
        }
        match tokio::time::timeout(CONNECT_TIMEOUT, conn.ping()).await {
            Ok(Ok(())) => Ok(conn),
            _ => self.connect().await,
        }
    }

    async fn connect(&self) -> Result<PgConnection> {
        match tokio::time::timeout(CONNECT_TIMEOUT, self.options.connect()).await {
            Ok(conn) => Ok(conn?),
            Err(_) => Err(StoreError::Unavailable(sqlx::Error::Io(
                std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("no connection to PostgreSQL within {CONNECT_TIMEOUT:?}"),
                ),
            ))),
        }
    }
}
