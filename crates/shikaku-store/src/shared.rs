//! The parts of both backends whose code is the same text and differs only in types (pool,
//! connection, transaction). Each backend invokes these macros with the methods that really
//! differ (staging, access-log batches, how a write transaction begins), so a change to the
//! shared behaviour is made once.

/// `impl Store for $store` (which has `pool` and `queries` fields) with every method that is
/// backend-neutral, plus the backend's own `$own` methods (including the lookup-path reads,
/// which SQLite serves through rusqlite).
macro_rules! impl_store {
    ($store:ty, backend = $name:literal, records = $session:ident, dialect = $dialect:expr, { $($own:tt)* }) => {
        #[async_trait::async_trait]
        impl $crate::Store for $store {
            fn backend(&self) -> &'static str {
                $name
            }

            async fn ping(&self) -> $crate::Result<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn history(
                &self,
                card: &shikaku_domain::CardNumbers,
                qualified_from: time::Date,
            ) -> $crate::Result<Vec<$crate::HistoryEntry>> {
                let rows = sqlx::query(self.queries.history.q())
                    .bind(card.insurer.as_str())
                    .bind(card.symbol_str())
                    .bind(card.number.as_str())
                    .bind(card.branch.as_str())
                    .bind(qualified_from)
                    .try_map($crate::model::history_row)
                    .fetch_all(&self.pool)
                    .await?;
                $crate::model::into_history(rows)
            }

            async fn count_qualifications(&self) -> $crate::Result<u64> {
                let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM qualifications").fetch_one(&self.pool).await?;
                Ok(n as u64)
            }

            async fn insert_terminal_cert(&self, cert: &$crate::TerminalCert) -> $crate::Result<()> {
                sqlx::query(self.queries.insert_cert.q())
                    .bind(&cert.serial)
                    .bind(&cert.facility_code)
                    .bind(&cert.terminal_name)
                    .bind(&cert.fingerprint)
                    .bind(cert.not_before)
                    .bind(cert.not_after)
                    .bind(cert.issued_at)
                    .bind(cert.revoked_at)
                    .execute(&self.pool)
                    .await
                    .map_err(|e| $crate::model::conflict_on_unique(e, "terminal certificate serial"))?;
                Ok(())
            }

            async fn terminal_cert(&self, serial: &str) -> $crate::Result<Option<$crate::TerminalCert>> {
                let row: Option<$crate::sql::CertRow> =
                    sqlx::query_as(self.queries.get_cert.q()).bind(serial).fetch_optional(&self.pool).await?;
                Ok(row.map(Into::into))
            }

            async fn revoke_terminal_cert(
                &self,
                serial: &str,
                at: time::OffsetDateTime,
            ) -> $crate::Result<$crate::RevokeOutcome> {
                let done = sqlx::query(self.queries.revoke_cert.q()).bind(at).bind(serial).execute(&self.pool).await?;
                $crate::model::revoke_outcome(done.rows_affected(), self.terminal_cert(serial).await?, serial)
            }

            async fn terminal_certs(&self) -> $crate::Result<Vec<$crate::TerminalCert>> {
                let rows: Vec<$crate::sql::CertRow> = sqlx::query_as(
                    "SELECT serial, facility_code, terminal_name, fingerprint, not_before, not_after, issued_at, \
                     revoked_at FROM terminal_certs ORDER BY issued_at",
                )
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn recent_access_log(&self, limit: u32) -> $crate::Result<Vec<$crate::AccessLogEntry>> {
                self.access_log_current().await?;
                let rows: Vec<$crate::sql::AccessRow> =
                    sqlx::query_as(self.queries.recent_access.q()).bind(i64::from(limit)).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn access_log_for_persons(
                &self,
                person_hashes: &[Vec<u8>],
                limit: u32,
            ) -> $crate::Result<Vec<$crate::AccessLogEntry>> {
                self.access_log_current().await?;
                // One index search per hash (SQLite: per bucket of the log, access_log_person_bucket;
                // PostgreSQL: access_log_person); a person has a handful of hashes.
                let mut all = Vec::new();
                for hash in person_hashes {
                    let rows: Vec<$crate::sql::AccessRow> = sqlx::query_as(self.queries.person_access.q())
                        .bind(hash)
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await?;
                    all.extend(rows.into_iter().map($crate::AccessLogEntry::from));
                }
                all.sort_by(|a, b| b.at.cmp(&a.at));
                all.truncate(limit as usize);
                Ok(all)
            }

            async fn idempotent_response(
                &self,
                scope: &$crate::IdempotencyScope,
                key: &str,
                not_before: time::OffsetDateTime,
            ) -> $crate::Result<Option<$crate::StoredAnswer>> {
                let row: Option<(String, i64, String, String, i64)> =
                    sqlx::query_as(self.queries.get_idempotent.q())
                        .bind(&scope.facility_code)
                        .bind(&scope.terminal_name)
                        .bind(&scope.endpoint)
                        .bind(key)
                        .bind(not_before.unix_timestamp())
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(|(request_digest, status, body, logged, created_at)| {
                    Ok($crate::StoredAnswer {
                        request_digest,
                        status: u16::try_from(status).unwrap_or(500),
                        body,
                        logged,
                        created_at: time::OffsetDateTime::from_unix_timestamp(created_at)
                            .map_err(|e| $crate::StoreError::Corrupt(format!("idempotent answer time: {e}")))?,
                    })
                })
                .transpose()
            }

            async fn save_idempotent_response(
                &self,
                scope: &$crate::IdempotencyScope,
                key: &str,
                answer: &$crate::StoredAnswer,
                expired_before: time::OffsetDateTime,
            ) -> $crate::Result<()> {
                sqlx::query(self.queries.save_idempotent.q())
                    .bind(&scope.facility_code)
                    .bind(&scope.terminal_name)
                    .bind(&scope.endpoint)
                    .bind(key)
                    .bind(&answer.request_digest)
                    .bind(i64::from(answer.status))
                    .bind(&answer.body)
                    .bind(&answer.logged)
                    .bind(answer.created_at.unix_timestamp())
                    .bind(expired_before.unix_timestamp())
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn expire_idempotent_responses(
                &self,
                before: time::OffsetDateTime,
            ) -> $crate::Result<u64> {
                let done = sqlx::query(self.queries.expire_idempotent.q())
                    .bind(before.unix_timestamp())
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn insert_batch(&self, job: &$crate::BatchJob) -> $crate::Result<()> {
                sqlx::query(self.queries.insert_batch.q())
                    .bind(&job.id)
                    .bind(&job.facility_code)
                    .bind(&job.terminal_name)
                    .bind(&job.cert_serial)
                    .bind(job.created_at)
                    .bind(&job.status)
                    .bind(&job.request)
                    .bind(&job.result)
                    .bind(job.finished_at)
                    .execute(&self.pool)
                    .await
                    .map_err(|e| $crate::model::conflict_on_unique(e, "batch id"))?;
                Ok(())
            }

            async fn batch(&self, id: &str) -> $crate::Result<Option<$crate::BatchJob>> {
                let row: Option<$crate::sql::BatchRow> =
                    sqlx::query_as(self.queries.get_batch.q()).bind(id).fetch_optional(&self.pool).await?;
                Ok(row.map(Into::into))
            }

            async fn finish_batch(&self, id: &str, result: &str, at: time::OffsetDateTime) -> $crate::Result<()> {
                sqlx::query(self.queries.finish_batch.q())
                    .bind(result)
                    .bind(at)
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn find_by_card_any_branch(
                &self,
                card: &shikaku_domain::CardNumbers,
            ) -> $crate::Result<Vec<shikaku_domain::Qualification>> {
                let rows: Vec<$crate::model::QualificationRow> = sqlx::query_as(self.queries.find_any_branch.q())
                    .bind(card.insurer.as_str())
                    .bind(card.symbol_str())
                    .bind(card.number.as_str())
                    .fetch_all(&self.pool)
                    .await?;
                $crate::model::into_qualifications(rows)
            }

            async fn find_by_person_hash(&self, hash: &[u8]) -> $crate::Result<Vec<shikaku_domain::Qualification>> {
                let rows: Vec<$crate::model::QualificationRow> =
                    sqlx::query_as(self.queries.find_by_person.q()).bind(hash).fetch_all(&self.pool).await?;
                $crate::model::into_qualifications(rows)
            }

            async fn insert_jpki_cert(&self, cert: &$crate::JpkiCert) -> $crate::Result<()> {
                sqlx::query(self.queries.insert_jpki.q())
                    .bind(&cert.serial)
                    .bind(&cert.card_id)
                    .bind(&cert.my_number_hash)
                    .bind(&cert.fingerprint)
                    .bind(cert.not_before)
                    .bind(cert.not_after)
                    .bind(cert.issued_at)
                    .bind(cert.revoked_at)
                    .execute(&self.pool)
                    .await
                    .map_err(|e| $crate::model::conflict_on_unique(e, "card certificate serial"))?;
                Ok(())
            }

            async fn jpki_cert(&self, serial: &str) -> $crate::Result<Option<$crate::JpkiCert>> {
                let row: Option<$crate::sql::JpkiRow> =
                    sqlx::query_as(self.queries.get_jpki.q()).bind(serial).fetch_optional(&self.pool).await?;
                Ok(row.map(Into::into))
            }

            async fn jpki_certs_for_card(&self, card_id: &str) -> $crate::Result<Vec<$crate::JpkiCert>> {
                let rows: Vec<$crate::sql::JpkiRow> =
                    sqlx::query_as(self.queries.jpki_for_card.q()).bind(card_id).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn revoke_jpki_cert(&self, serial: &str, at: time::OffsetDateTime) -> $crate::Result<bool> {
                let done = sqlx::query(self.queries.revoke_jpki.q()).bind(at).bind(serial).execute(&self.pool).await?;
                if done.rows_affected() == 1 {
                    return Ok(true);
                }
                match self.jpki_cert(serial).await? {
                    Some(_) => Ok(false),
                    None => Err($crate::StoreError::NotFound(format!("card certificate {serial}"))),
                }
            }

            async fn revoked_jpki_certs(&self) -> $crate::Result<Vec<(String, time::OffsetDateTime)>> {
                Ok(sqlx::query_as(
                    "SELECT serial, revoked_at FROM jpki_certs WHERE revoked_at IS NOT NULL ORDER BY revoked_at",
                )
                .fetch_all(&self.pool)
                .await?)
            }

            async fn card_registration(&self, hash: &[u8]) -> $crate::Result<Option<time::OffsetDateTime>> {
                let row: Option<(time::OffsetDateTime,)> = sqlx::query_as(self.queries.get_registration.q())
                .bind(hash)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|r| r.0))
            }

            async fn register_card(
                &self,
                hash: &[u8],
                facility_code: &str,
                at: time::OffsetDateTime,
            ) -> $crate::Result<()> {
                sqlx::query(self.queries.insert_registration.q())
                    .bind(hash)
                    .bind(facility_code)
                    .bind(at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn record_consent(&self, c: &$crate::Consent) -> $crate::Result<()> {
                sqlx::query(self.queries.insert_consent.q())
                    .bind(&c.my_number_hash)
                    .bind(&c.facility_code)
                    .bind(&c.kind)
                    .bind(c.given_at)
                    .bind(c.expires_at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn end_consents(
                &self,
                hash: &[u8],
                facility_code: &str,
                at: time::OffsetDateTime,
            ) -> $crate::Result<u64> {
                Ok(sqlx::query(self.queries.end_consents.q())
                    .bind(at)
                    .bind(hash)
                    .bind(facility_code)
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
            }

            async fn consents(&self, hash: &[u8]) -> $crate::Result<Vec<$crate::Consent>> {
                let rows: Vec<$crate::sql::ConsentRow> = sqlx::query_as(self.queries.list_consents.q())
                .bind(hash)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }


        async fn begin_record_import(
            &self,
            meta: $crate::ImportMeta,
            kind: $crate::records::RecordKind,
        ) -> $crate::Result<Box<dyn $crate::records::RecordImport>> {
            let mut conn = self.pool.acquire().await?;
            // The temp table lives on this connection only; never hand it back to the pool.
            conn.close_on_drop();
            let (drop, create) = $crate::records::staging_ddl($dialect);
            sqlx::query(drop).execute(&mut *conn).await?;
            sqlx::query(create).execute(&mut *conn).await?;
            Ok(Box::new($session {
                conn,
                kind,
                meta,
                queries: self.queries.clone(),
                records: self.records.clone(),
                staged: 0,
            }))
        }

        async fn person_records(
            &self,
            kind: $crate::records::RecordKind,
            my_number_hash: &[u8],
            since: time::Date,
        ) -> $crate::Result<Vec<$crate::records::StoredRecord>> {
            let rows: Vec<(String, time::Date, String)> =
                sqlx::query_as(self.records.person_records.q())
                    .bind(kind.as_str())
                    .bind(since)
                    .bind(my_number_hash)
                    .fetch_all(&self.pool)
                    .await?;
            Ok(rows
                .into_iter()
                .map(
                    |(insurer_number, record_date, data)| $crate::records::StoredRecord {
                        insurer_number,
                        record_date,
                        data,
                    },
                )
                .collect())
        }

        async fn person_hash_for_card(
            &self,
            card: &shikaku_domain::CardNumbers,
            birth_date: time::Date,
        ) -> $crate::Result<Option<Vec<u8>>> {
            let row: Option<(Vec<u8>,)> = sqlx::query_as(self.records.person_hash_for_card.q())
                .bind(card.insurer.as_str())
                .bind(card.symbol_str())
                .bind(card.number.as_str())
                .bind(card.branch.as_str())
                .bind(birth_date)
                .fetch_optional(&self.pool)
                .await?;
            Ok(row.map(|r| r.0))
        }

            $($own)*
        }
    };
}

/// `impl ImportSession for $session` (which has `conn`, `queries`, `meta`, `staged` and
/// `checked_at` fields and inherent `begin_write`, `before_insert` (which may drop indexes
/// for a bulk load and returns the statements that restore them) and `after_commit`) with
/// the set checks and the merge,
/// plus the backend's own `stage` and `unstage`.
macro_rules! impl_import_session {
    ($session:ty, { $($own:tt)* }) => {
        impl $session {
            /// The newest import's id.
            async fn latest_import<'c, E>(executor: E) -> $crate::Result<i64>
            where
                E: sqlx::Executor<'c, Database = <$session as $crate::shared::Backend>::Db>,
            {
                Self::largest_id(executor, "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM imports").await
            }

            /// The largest id of `qualifications`: an upper bound of its row count, in one index step.
            async fn largest_qualification_id<'c, E>(executor: E) -> $crate::Result<i64>
            where
                E: sqlx::Executor<'c, Database = <$session as $crate::shared::Backend>::Db>,
            {
                Self::largest_id(executor, "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM qualifications").await
            }

            async fn largest_id<'c, E>(executor: E, sql: &'static str) -> $crate::Result<i64>
            where
                E: sqlx::Executor<'c, Database = <$session as $crate::shared::Backend>::Db>,
            {
                let (id,): (i64,) = sqlx::query_as(sql).fetch_one(executor).await?;
                Ok(id)
            }

            async fn store_conflicts<'c, E>(
                queries: &$crate::sql::Queries,
                executor: E,
                limit: u64,
            ) -> $crate::Result<Vec<$crate::Conflict>>
            where
                E: sqlx::Executor<'c, Database = <$session as $crate::shared::Backend>::Db>,
            {
                let rows: Vec<$crate::sql::StoreOverlap> =
                    sqlx::query_as(queries.overlaps_in_store.q()).bind(limit as i64).fetch_all(executor).await?;
                Ok(rows.iter().map($crate::sql::store_overlap_conflict).collect())
            }
        }

        #[async_trait::async_trait]
        impl $crate::ImportSession for $session {
            async fn conflicts(&mut self, limit: u64) -> $crate::Result<Vec<$crate::Conflict>> {
                for statement in <$session as $crate::shared::Backend>::PREPARE_STAGING {
                    sqlx::query(*statement).execute(&mut *self.conn).await?;
                }
                let in_file: Vec<$crate::sql::FileConflict> = sqlx::query_as(self.queries.conflicts_in_file.q())
                    .bind(limit as i64)
                    .fetch_all(&mut *self.conn)
                    .await?;
                let mut all: Vec<$crate::Conflict> = in_file.iter().map($crate::sql::file_conflict).collect();
                self.checked_at = Some(Self::latest_import(&mut *self.conn).await?);
                all.extend(Self::store_conflicts(&self.queries, &mut *self.conn, limit).await?);
                Ok($crate::sql::merge_conflicts(all, limit))
            }

            async fn finish(self: Box<Self>, how: $crate::Finish) -> $crate::Result<$crate::ImportCounts> {
                let mut this = self;
                let queries = this.queries.clone();
                let checked_at = this.checked_at;
                let meta = this.meta.clone();
                let staged = this.staged;
                let mut tx = this.begin_write().await?;
                // Another import may have committed since the set checks: check the store again.
                if checked_at != Some(Self::latest_import(&mut *tx).await?) {
                    let conflicts = Self::store_conflicts(&queries, &mut *tx, 10).await?;
                    if let Some(first) = conflicts.first() {
                        return Err($crate::StoreError::Conflict(format!("line {}: {}", first.line, first.message)));
                    }
                }
                let (import_id,): (i64,) = sqlx::query_as(queries.insert_import.q())
                    .bind(meta.kind)
                    .bind(&meta.file_name)
                    .bind(&meta.operator)
                    .bind(meta.started_at)
                    .fetch_one(&mut *tx)
                    .await?;
                let now = time::OffsetDateTime::now_utc();
                // An empty table has no row to keep in history or update (a first load of 10M
                // rows spent ~6 s scanning the staged rows against it for nothing).
                let largest = Self::largest_qualification_id(&mut *tx).await?;
                let updated = if largest == 0 {
                    0
                } else {
                    sqlx::query(queries.save_history.q()).bind(import_id).bind(now).execute(&mut *tx).await?;
                    sqlx::query(queries.update_changed.q())
                        .bind(import_id)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected()
                };
                let rebuild = Self::before_insert(&mut tx, staged, largest).await?;
                // The table was empty when the write lock was taken: every staged row is new.
                let insert = if largest == 0 { &queries.insert_all } else { &queries.insert_new };
                let inserted = sqlx::query(insert.q()).bind(import_id).bind(now).execute(&mut *tx).await?;
                // A dry run rolls back, which restores dropped indexes without building them.
                if matches!(how, $crate::Finish::Commit { .. }) {
                    // The statements come from the schema's own catalog, not from input.
                    for statement in rebuild {
                        sqlx::query(sqlx::AssertSqlSafe(statement)).execute(&mut *tx).await?;
                    }
                }
                let counts = $crate::model::counts(staged, inserted.rows_affected(), updated);
                match how {
                    $crate::Finish::DryRun => tx.rollback().await?,
                    $crate::Finish::Commit { rejected } => {
                        sqlx::query(queries.record_insurer_data.q())
                            .bind(now)
                            .bind(import_id)
                            .bind(meta.covers)
                            .execute(&mut *tx)
                            .await?;
                        sqlx::query(queries.finish_import.q())
                            .bind(time::OffsetDateTime::now_utc())
                            .bind(counts.inserted as i64)
                            .bind(counts.updated as i64)
                            .bind(counts.unchanged as i64)
                            .bind(rejected as i64)
                            .bind(import_id)
                            .execute(&mut *tx)
                            .await?;
                        tx.commit().await?;
                        this.after_commit().await;
                    }
                }
                Ok(counts)
            }

            $($own)*
        }
    };
}

/// What the shared import code needs to know about a backend's session type.
pub(crate) trait Backend {
    type Db: sqlx::Database;
    /// Statements run on the staged rows before the set checks (indexes, statistics).
    const PREPARE_STAGING: &'static [&'static str];
}

pub(crate) use {impl_import_session, impl_store};
