//! The access log's retention (issue 23): monthly partitions on PostgreSQL, created ahead and
//! dropped whole once older than the retention; row deletes on SQLite.

use sqlx::{PgPool, SqlitePool};
use time::{Date, Month, OffsetDateTime};

use crate::{LogMaintenance, Result, StoreError};

/// Months prepared ahead of the current one on PostgreSQL.
pub(crate) const MONTHS_AHEAD: u32 = 3;
/// SQLite deletes this many entries per transaction, so the log's write lock is short.
const DELETE_CHUNK: i64 = 10_000;

/// `(year, month)` a number of months after the given one.
fn add_months(year: i32, month: Month, n: u32) -> (i32, Month) {
    let index = i64::from(year) * 12 + i64::from(u8::from(month)) - 1 + i64::from(n);
    let month = u8::try_from(index.rem_euclid(12) + 1).unwrap_or(1);
    (
        i32::try_from(index.div_euclid(12)).unwrap_or(year),
        Month::try_from(month).unwrap_or(Month::January),
    )
}

/// The partition holding one month: its name and `[from, to)` in UTC.
fn partition(year: i32, month: Month) -> (String, String, String) {
    let (ny, nm) = add_months(year, month, 1);
    (
        format!("access_log_{year:04}{:02}", u8::from(month)),
        format!("{year:04}-{:02}-01 00:00:00+00", u8::from(month)),
        format!("{ny:04}-{:02}-01 00:00:00+00", u8::from(nm)),
    )
}

/// The month of a partition's name (`access_log_YYYYMM`), if it is one of ours.
fn partition_month(name: &str) -> Option<(i32, Month)> {
    let digits = name.strip_prefix("access_log_")?;
    if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = digits[..4].parse().ok()?;
    let month = Month::try_from(digits[4..].parse::<u8>().ok()?).ok()?;
    Some((year, month))
}

pub(crate) async fn maintain_postgres(
    pool: &PgPool,
    now: OffsetDateTime,
    keep_from: Date,
) -> Result<LogMaintenance> {
    let mut done = LogMaintenance::default();
    let mut tx = pool.begin().await?;
    // One maintainer at a time across the nodes (released at commit).
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('shikaku access_log maintenance'))")
        .execute(&mut *tx)
        .await?;
    let existing: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
         WHERE i.inhparent = 'access_log'::regclass",
    )
    .fetch_all(&mut *tx)
    .await?;
    let today = now.to_offset(time::UtcOffset::UTC).date();
    for ahead in 0..=MONTHS_AHEAD {
        let (year, month) = add_months(today.year(), today.month(), ahead);
        let (name, from, to) = partition(year, month);
        if existing.contains(&name) {
            continue;
        }
        // Names and bounds are made here from numbers, not from input.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE TABLE {name} PARTITION OF access_log FOR VALUES FROM ('{from}') TO ('{to}')"
        )))
        .execute(&mut *tx)
        .await?;
        done.partitions_created += 1;
    }
    for name in &existing {
        let Some((year, month)) = partition_month(name) else {
            continue;
        };
        let (ny, nm) = add_months(year, month, 1);
        let end = Date::from_calendar_date(ny, nm, 1)
            .map_err(|e| StoreError::Corrupt(format!("partition {name}: {e}")))?;
        if end <= keep_from {
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP TABLE {name}")))
                .execute(&mut *tx)
                .await?;
            done.partitions_dropped += 1;
        }
    }
    let cutoff = keep_from.midnight().assume_utc();
    done.entries_deleted = sqlx::query("DELETE FROM access_log_default WHERE at < $1")
        .bind(cutoff)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(done)
}

pub(crate) async fn maintain_sqlite(pool: &SqlitePool, keep_from: Date) -> Result<LogMaintenance> {
    // Entries are stored as RFC 3339 text ("2026-12-03T…"; moved older ones "2026-12-03 …"):
    // the bare date sorts before every entry of that day and after every earlier one.
    let cutoff = format!(
        "{:04}-{:02}-{:02}",
        keep_from.year(),
        u8::from(keep_from.month()),
        keep_from.day()
    );
    let mut done = LogMaintenance::default();
    loop {
        let deleted = sqlx::query(
            "DELETE FROM log.access_log WHERE id IN \
             (SELECT id FROM log.access_log WHERE at < ?1 ORDER BY id LIMIT ?2)",
        )
        .bind(&cutoff)
        .bind(DELETE_CHUNK)
        .execute(pool)
        .await?
        .rows_affected();
        done.entries_deleted += deleted;
        if deleted < DELETE_CHUNK as u64 {
            return Ok(done);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_are_named_and_bounded_by_utc_months() {
        assert_eq!(
            partition(2026, Month::December),
            (
                "access_log_202612".to_string(),
                "2026-12-01 00:00:00+00".to_string(),
                "2027-01-01 00:00:00+00".to_string()
            )
        );
        assert_eq!(
            partition_month("access_log_202612"),
            Some((2026, Month::December))
        );
        assert_eq!(partition_month("access_log_default"), None);
        assert_eq!(partition_month("access_log_2026123"), None);
        assert_eq!(
            add_months(2026, Month::November, 3),
            (2027, Month::February)
        );
    }
}
