//! The facility portal's records: facilities and accounts, sessions, the card-reader, use and
//! certificate applications, preparation steps, subsidy applications with documents, and the
//! history of every decision. The rules live in the domain and app layers; state changes here
//! are conditional on the state the caller saw (`expect`), so two racing decisions cannot both
//! win.

use async_trait::async_trait;
use time::{Date, OffsetDateTime};

use crate::Result;

pub(crate) mod accounts;
pub(crate) mod certificates;
mod model;
pub(crate) mod readers;
pub(crate) mod steps;
pub(crate) mod subsidy;
pub(crate) mod use_application;

pub use accounts::AccountStore;
pub use certificates::CertificateStore;
pub use model::*;
pub use readers::ReaderStore;
pub use steps::{OPERATING, StepStore};
pub use subsidy::SubsidyStore;
pub use use_application::UseApplicationStore;

#[async_trait]
pub trait PortalStore:
    AccountStore
    + ReaderStore
    + UseApplicationStore
    + CertificateStore
    + StepStore
    + SubsidyStore
    + Send
    + Sync
{
    async fn facilities(
        &self,
        filter: &FacilityFilter,
        offset: u64,
        limit: u64,
    ) -> Result<Page<Facility>>;

    async fn append_event(&self, event: &PortalEvent) -> Result<()>;

    /// Events of a subject (e.g. `subsidy:ID`), oldest first.
    async fn events(&self, subject: &str) -> Result<Vec<PortalEvent>>;

    /// Loads many records in one transaction (seeding a benchmark, a migration from another
    /// system): facilities with their accounts, reader and use applications, steps done.
    async fn load_portal(&self, batch: &PortalBatch) -> Result<()>;

    async fn adoption(&self) -> Result<Adoption>;
}

/// Records loaded together by [`PortalStore::load_portal`].
#[derive(Debug, Clone, Default)]
pub struct PortalBatch {
    pub facilities: Vec<(Facility, Account)>,
    pub readers: Vec<ReaderApplication>,
    pub uses: Vec<UseApplication>,
    /// (facility code, step, day done in JST, when).
    pub steps: Vec<(String, String, Date, OffsetDateTime)>,
}

/// `$n` placeholders as the backend writes them.
pub(crate) fn sql(dialect: crate::sql::Dialect, text: &str) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(match dialect {
        crate::sql::Dialect::Postgres => text.to_string(),
        crate::sql::Dialect::Sqlite => text.replace('$', "?"),
    })
}

/// A `LIKE` pattern matching `text` anywhere, with the pattern characters escaped (`\`).
pub(crate) fn contains_pattern(text: &str) -> String {
    let mut out = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

pub(crate) const SET_PLAN: &str =
    "UPDATE facilities SET planned_start = $1, planned_setup = $2 WHERE code = $3";
pub(crate) const FACILITY_COLUMNS: &str = "code, name, category, prefecture, postal_code, address, phone, \
     contact_name, email, planned_start, planned_setup, created_at";
pub(crate) const READER_COLUMNS: &str = "id, facility_code, maker, quantity, applied_on, status, delivery_month, created_at, updated_at";
pub(crate) const CERT_COLUMNS: &str = "id, facility_code, terminal_name, os, status, serial, \
     applied_at, decided_at, downloaded_at";
pub(crate) const SUBSIDY_COLUMNS: &str = "id, facility_code, status, readers, reader_applied, cost_lines, \
     cost_total, rule_set, subsidy, reason, submitted_at, decided_at, vendor, receipt_number, completed_on";

/// A `WHERE` clause being built: conditions joined by `AND`, text arguments bound as `$1`…
#[derive(Default)]
pub(crate) struct Where {
    clauses: Vec<String>,
    pub(crate) args: Vec<String>,
}

impl Where {
    /// Adds an argument; returns its placeholder number.
    fn arg(&mut self, value: String) -> usize {
        self.args.push(value);
        self.args.len()
    }

    pub(crate) fn equals(mut self, column: &str, value: Option<&String>) -> Self {
        if let Some(v) = value {
            let n = self.arg(v.clone());
            self.clauses.push(format!("{column} = ${n}"));
        }
        self
    }

    pub(crate) fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.clauses.join(" AND "))
        }
    }
}

pub(crate) fn app_where(filter: &AppFilter) -> Where {
    Where::default()
        .equals("facility_code", filter.facility_code.as_ref())
        .equals("status", filter.status.as_ref())
}

pub(crate) fn facility_where(filter: &FacilityFilter) -> Where {
    let mut w = Where::default()
        .equals("prefecture", filter.prefecture.as_ref())
        .equals("category", filter.category.as_ref());
    if let Some(t) = filter.text.as_deref().filter(|t| !t.trim().is_empty()) {
        let n = w.arg(contains_pattern(t.trim()));
        w.clauses.push(format!(
            "(name LIKE ${n} ESCAPE '\\' OR code LIKE ${n} ESCAPE '\\')"
        ));
    }
    w
}

/// Stage counts per (category, prefecture): one pass over the facilities; both views of
/// [`Adoption`] are sums of these rows (measured: one pass instead of one per view halves the
/// dashboard query at 200,000 facilities).
pub(crate) const STAGE_COUNTS: &str = "SELECT f.category, f.prefecture, COUNT(*) AS registered, \
     COUNT(r.facility_code) AS reader_applied, COUNT(u.facility_code) AS use_applied, \
     COUNT(c.facility_code) AS certificate_issued, COUNT(s.facility_code) AS operating \
     FROM facilities f \
     LEFT JOIN (SELECT DISTINCT facility_code FROM reader_applications WHERE status <> 'cancelled') r \
       ON r.facility_code = f.code \
     LEFT JOIN use_applications u ON u.facility_code = f.code \
     LEFT JOIN (SELECT DISTINCT facility_code FROM cert_applications \
                WHERE status IN ('issued', 'downloaded')) c ON c.facility_code = f.code \
     LEFT JOIN facility_steps s ON s.facility_code = f.code AND s.step = 'operating' \
     GROUP BY f.category, f.prefecture";

#[derive(sqlx::FromRow)]
pub(crate) struct StageRow {
    pub(crate) category: String,
    pub(crate) prefecture: String,
    registered: i64,
    reader_applied: i64,
    use_applied: i64,
    certificate_issued: i64,
    operating: i64,
}

/// Sums stage rows by one of their keys, ordered by the key.
pub(crate) fn sum_by(rows: &[StageRow], key: impl Fn(&StageRow) -> &str) -> Vec<StageCounts> {
    let mut groups: std::collections::BTreeMap<String, StageCounts> =
        std::collections::BTreeMap::new();
    for r in rows {
        let g = groups
            .entry(key(r).to_string())
            .or_insert_with(|| StageCounts {
                group_key: key(r).to_string(),
                ..StageCounts::default()
            });
        g.registered += r.registered;
        g.reader_applied += r.reader_applied;
        g.use_applied += r.use_applied;
        g.certificate_issued += r.certificate_issued;
        g.operating += r.operating;
    }
    groups.into_values().collect()
}

/// `impl PortalStore` for a backend with `pool` and the given dialect; the SQL is the same
/// text for both (placeholders rewritten by [`sql`]).
macro_rules! impl_portal_store {
    ($store:ty, $db:ty, $dialect:expr) => {
        mod portal_impl {
        use super::*;

        #[async_trait::async_trait]
        impl $crate::portal::PortalStore for $store {












            async fn facilities(
                &self,
                filter: &$crate::portal::FacilityFilter,
                offset: u64,
                limit: u64,
            ) -> $crate::Result<$crate::portal::Page<$crate::portal::Facility>> {
                page::<$crate::portal::FacilityRow, _>(&self.pool, "facilities", $crate::portal::FACILITY_COLUMNS, "code", &$crate::portal::facility_where(filter), offset, limit).await
            }























            async fn append_event(&self, e: &$crate::portal::PortalEvent) -> $crate::Result<()> {
                let mut conn = self.pool.acquire().await?;
                insert_event(&mut *conn, e).await
            }

            async fn events(&self, subject: &str) -> $crate::Result<Vec<$crate::portal::PortalEvent>> {
                let rows: Vec<$crate::portal::PortalEventRow> = sqlx::query_as(q(
                    "SELECT at, actor, facility_code, subject, action, detail FROM portal_events \
                     WHERE subject = $1 ORDER BY seq",
                ))
                .bind(subject)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn load_portal(&self, batch: &$crate::portal::PortalBatch) -> $crate::Result<()> {
                let mut tx = self.pool.begin().await?;
                for (f, a) in &batch.facilities {
                    insert_facility(&mut *tx, f).await?;
                    insert_account(&mut *tx, a).await?;
                }
                for r in &batch.readers {
                    insert_reader(&mut *tx, r).await?;
                }
                for u in &batch.uses {
                    save_use(&mut *tx, u).await?;
                }
                for (code, step, on, at) in &batch.steps {
                    insert_step(&mut *tx, code, step, *on, *at).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn adoption(&self) -> $crate::Result<$crate::portal::Adoption> {
                let rows: Vec<$crate::portal::StageRow> =
                    sqlx::query_as(q($crate::portal::STAGE_COUNTS)).fetch_all(&self.pool).await?;
                let by_category = $crate::portal::sum_by(&rows, |r| &r.category);
                let by_prefecture = $crate::portal::sum_by(&rows, |r| &r.prefecture);
                let operating_by_day = sqlx::query_as(q(
                    "SELECT done_on, COUNT(*) FROM facility_steps WHERE step = 'operating' \
                     GROUP BY done_on ORDER BY done_on",
                ))
                .fetch_all(&self.pool)
                .await?;
                Ok($crate::portal::Adoption { by_category, by_prefecture, operating_by_day })
            }
        }

        fn q(text: &str) -> sqlx::AssertSqlSafe<String> {
            $crate::portal::sql($dialect, text)
        }




        async fn insert_event(
            conn: &mut <$db as sqlx::Database>::Connection,
            e: &$crate::portal::PortalEvent,
        ) -> $crate::Result<()> {
            sqlx::query(q(
                "INSERT INTO portal_events (at, actor, facility_code, subject, action, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            ))
            .bind(e.at)
            .bind(&e.actor)
            .bind(e.facility_code.as_str())
            .bind(&e.subject)
            .bind(&e.action)
            .bind(&e.detail)
            .execute(conn)
            .await?;
            Ok(())
        }



        /// One page of `table` under a filter, and the number of all matching rows.
        async fn page<R, T>(
            pool: &sqlx::Pool<$db>,
            table: &str,
            columns: &str,
            order: &str,
            filter: &$crate::portal::Where,
            offset: u64,
            limit: u64,
        ) -> $crate::Result<$crate::portal::Page<T>>
        where
            R: for<'r> sqlx::FromRow<'r, <$db as sqlx::Database>::Row> + Send + Unpin,
            T: From<R>,
        {
            let (filter_sql, args) = (filter.sql(), &filter.args);
            let n = args.len();
            let list = format!(
                "SELECT {columns} FROM {table} {filter_sql} ORDER BY {order} LIMIT ${} OFFSET ${}",
                n + 1,
                n + 2
            );
            let mut items = sqlx::query_as::<_, R>(q(&list));
            for a in args {
                items = items.bind(a);
            }
            let items: Vec<T> = items
                .bind(limit as i64)
                .bind(offset as i64)
                .fetch_all(pool)
                .await?
                .into_iter()
                .map(T::from)
                .collect();
            // A first page that is not full holds every row: no count needed (the common
            // case of one facility's applications).
            if offset == 0 && (items.len() as u64) < limit {
                let total = items.len() as u64;
                return Ok($crate::portal::Page { items, total });
            }
            let count = format!("SELECT COUNT(*) FROM {table} {filter_sql}");
            let mut total = sqlx::query_as::<_, (i64,)>(q(&count));
            for a in args {
                total = total.bind(a);
            }
            let (total,) = total.fetch_one(pool).await?;
            Ok($crate::portal::Page { items, total: total as u64 })
        }

        $crate::portal::accounts::impl_account_store!($store, $db);
        $crate::portal::readers::impl_reader_store!($store, $db);
        $crate::portal::use_application::impl_use_application_store!($store, $db);
        $crate::portal::certificates::impl_certificate_store!($store, $db);
        $crate::portal::steps::impl_step_store!($store, $db);
        $crate::portal::subsidy::impl_subsidy_store!($store, $db);
        $crate::support::impl_support_store!($store, $db);
        $crate::help::impl_help_store!($store, $db);
        $crate::insurers::impl_insurer_store!($store);
        $crate::linkage::impl_linkage_store!($store, $db);
        $crate::identity::impl_identity_store!($store);
        $crate::challenges::impl_challenge_store!($store);
        $crate::cluster::impl_cluster_store!($store);
        }
    };
}
pub(crate) use impl_portal_store;
