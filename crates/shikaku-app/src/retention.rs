//! Keeps the access log within its retention (issue 23): at start and every
//! [`RETENTION_INTERVAL`], entries older than the kept months are removed and (PostgreSQL)
//! the coming months' partitions are prepared.

use std::sync::Arc;

use shikaku_store::{LogMaintenance, Store, StoreError};
use time::OffsetDateTime;

/// How often the retention runs.
pub const RETENTION_INTERVAL: std::time::Duration = std::time::Duration::from_secs(6 * 3600);
/// Months of access log kept by default (5 years).
pub const DEFAULT_RETENTION_MONTHS: u32 = 60;

/// Runs the retention once: entries dated before the first of the month `months` months ago
/// (UTC) are removed.
pub async fn enforce(
    store: &dyn Store,
    months: u32,
    now: OffsetDateTime,
) -> Result<LogMaintenance, StoreError> {
    let keep_from = shikaku_domain::date::retention_start(now, months).unwrap_or(time::Date::MIN);
    let done = store.maintain_access_log(now, keep_from).await?;
    if done != LogMaintenance::default() {
        tracing::info!(
            keep_from = %keep_from,
            created = done.partitions_created,
            dropped = done.partitions_dropped,
            deleted = done.entries_deleted,
            "access log retention"
        );
    }
    metrics::counter!("shikaku_access_log_retention_dropped_partitions_total")
        .increment(u64::from(done.partitions_dropped));
    metrics::counter!("shikaku_access_log_retention_deleted_total").increment(done.entries_deleted);
    Ok(done)
}

/// Runs [`enforce`] now and every [`RETENTION_INTERVAL`] until the process ends; a failure is
/// logged and tried again at the next interval.
pub fn spawn(store: Arc<dyn Store>, months: u32) {
    tokio::spawn(async move {
        loop {
            if let Err(e) = enforce(store.as_ref(), months, OffsetDateTime::now_utc()).await {
                tracing::warn!(error = %e, "access log retention failed; retrying later");
            }
            tokio::time::sleep(RETENTION_INTERVAL).await;
        }
    });
}
