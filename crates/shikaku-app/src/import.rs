//! `shikaku import qualifications FILE`: the insurer CSV load of `insurer-import.md` §1.
//!
//! Streaming: a parser thread reads and validates the file record by record and hands
//! batches to the store's import session; memory holds one batch, the first errors and the
//! lines rejected by set checks, never the file. Atomic: nothing is stored unless the whole
//! file (or, with `--skip-invalid`, every valid row) is merged in one transaction.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use shikaku_store::{Finish, ImportCounts, ImportMeta, StagedRow, Store, StoreError};
use time::OffsetDateTime;

use crate::secrets::PersonKey;

mod qualification_format;
use qualification_format::QualificationFormat;

/// At most this many errors are listed; the rest are counted.
pub const MAX_LISTED_ERRORS: usize = 1000;
/// A record longer than this is refused without being parsed further.
pub const MAX_RECORD_BYTES: usize = 64 * 1024;
const BATCH_ROWS: usize = 2000;

/// The columns of `insurer-import.md` §1 and whether each must be present.
pub const COLUMNS: [(&str, bool); 16] = [
    ("insurer_number", true),
    ("symbol", false),
    ("number", true),
    ("branch", true),
    ("person_ref", true),
    ("insured_category", true),
    ("name", true),
    ("name_kana", true),
    ("sex", true),
    ("birth_date", true),
    ("qualified_from", true),
    ("qualified_until", false),
    ("copay_ratio", true),
    ("limit_category", false),
    ("specific_disease", false),
    ("my_number", false),
];

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub dry_run: bool,
    pub skip_invalid: bool,
    pub operator: String,
    /// The date the insurer's file is as of (its extract date); the load date when None.
    pub data_as_of: Option<time::Date>,
}

/// One problem, reported as `file:line: column: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub column: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Committed,
    DryRun,
    /// The file was refused; nothing was stored.
    Rejected,
}

#[derive(Debug, Clone)]
pub struct ImportReport {
    pub file: String,
    pub outcome: Outcome,
    pub counts: ImportCounts,
    pub rejected: u64,
    pub rows: u64,
    /// The first [`MAX_LISTED_ERRORS`] errors.
    pub errors: Vec<RowError>,
    pub total_errors: u64,
    pub reject_file: Option<PathBuf>,
    /// The linkage audit run after a committed qualification import (issue 26 §1), or why it
    /// failed (the import itself stays committed; `shikaku audit links --recheck` reruns it).
    pub links: Option<Result<crate::linkage::LinkAudit, String>>,
}

impl ImportReport {
    /// `file:line: column: message` for each listed error.
    pub fn error_lines(&self) -> impl Iterator<Item = String> + '_ {
        self.errors
            .iter()
            .map(|e| format!("{}:{}: {}: {}", self.file, e.line, e.column, e.message))
    }

    /// The one-line summary, always printed.
    pub fn summary(&self) -> String {
        let what = match self.outcome {
            Outcome::Committed => "imported",
            Outcome::DryRun => "dry run (nothing stored)",
            Outcome::Rejected => "REJECTED (nothing stored)",
        };
        format!(
            "{}: {what}: {} rows: inserted {}, updated {}, unchanged {}, rejected {}",
            self.file,
            self.rows,
            self.counts.inserted,
            self.counts.updated,
            self.counts.unchanged,
            self.rejected
        )
    }

    /// The linkage audit's line, when one ran.
    pub fn links_summary(&self) -> Option<String> {
        Some(match self.links.as_ref()? {
            Ok(a) => format!(
                "linkage audit: {} groups of rows sharing a 個人番号 checked in {:.1} s: {} suspect links ({} new, {} corrected since); `shikaku audit links` lists them",
                a.counts.checked, a.seconds, a.counts.suspects, a.counts.new, a.counts.corrected
            ),
            Err(e) => format!(
                "linkage audit FAILED ({e}); the import is committed and lookups still refuse disagreeing rows: run `shikaku audit links --recheck`"
            ),
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write the reject file {path}: {source}")]
    WriteRejects {
        path: String,
        source: std::io::Error,
    },
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    #[error("the parser stopped unexpectedly")]
    Parser,
}

/// What the parser thread sends: a batch of valid rows, or the end with its findings.
enum Parsed<Row> {
    Batch(Vec<Row>),
    Done(Box<ParseSummary>),
}

/// A file format: its columns and how one record becomes a row to stage.
pub(crate) trait RowFormat: Send + 'static {
    type Row: Send + 'static;
    /// Column names and whether each is required.
    fn columns(&self) -> &'static [(&'static str, bool)];
    /// The row, or `None` with every problem recorded in `fields`.
    fn parse(&self, fields: &mut RowParser<'_>, line: u64) -> Option<Self::Row>;
    /// Puts a batch in the order its rows are merged in, if the format has one. Each batch
    /// then lies in the staging table as one sorted run, and the merge's reads in key order
    /// advance through the runs (about 520 per million rows) instead of jumping across the
    /// whole table (1M rows: the INSERT 3.0–4.6 s → 2.0–3.1 s over the eighth sitting's runs;
    /// 10M: 55.5 s → 35.7–41.7 s; bench/RESULTS.md). Larger runs made staging slower.
    fn sort(_batch: &mut [Self::Row]) {}
}

/// Where parsed rows go: the store's import session for that kind of file.
#[async_trait::async_trait]
pub(crate) trait Session<Row>: Send {
    async fn stage(&mut self, rows: &[Row]) -> Result<(), StoreError>;
    async fn conflicts(&mut self, limit: u64) -> Result<Vec<shikaku_store::Conflict>, StoreError>;
    async fn unstage(&mut self, lines: &[u64]) -> Result<(), StoreError>;
    async fn finish(self, how: Finish) -> Result<ImportCounts, StoreError>;
}

#[async_trait::async_trait]
impl Session<StagedRow> for Box<dyn shikaku_store::ImportSession> {
    async fn stage(&mut self, rows: &[StagedRow]) -> Result<(), StoreError> {
        (**self).stage(rows).await
    }
    async fn conflicts(&mut self, limit: u64) -> Result<Vec<shikaku_store::Conflict>, StoreError> {
        (**self).conflicts(limit).await
    }
    async fn unstage(&mut self, lines: &[u64]) -> Result<(), StoreError> {
        (**self).unstage(lines).await
    }
    async fn finish(self, how: Finish) -> Result<ImportCounts, StoreError> {
        shikaku_store::ImportSession::finish(self, how).await
    }
}

#[derive(Default)]
struct ParseSummary {
    rows: u64,
    invalid_rows: u64,
    errors: Vec<RowError>,
    total_errors: u64,
    header_ok: bool,
    io_error: Option<std::io::Error>,
    reject_error: Option<std::io::Error>,
}

impl ParseSummary {
    fn push(&mut self, line: u64, column: &str, message: String) {
        push_error(
            &mut self.errors,
            &mut self.total_errors,
            line,
            column,
            message,
        );
    }
}

/// Counts an error and lists it while fewer than [`MAX_LISTED_ERRORS`] are listed.
fn push_error(
    listed: &mut Vec<RowError>,
    total: &mut u64,
    line: u64,
    column: &str,
    message: String,
) {
    *total += 1;
    if listed.len() < MAX_LISTED_ERRORS {
        listed.push(RowError {
            line,
            column: column.to_string(),
            message,
        });
    }
}

/// Where rejected rows go with `--skip-invalid`: `NAME.rejected.csv` beside the input.
pub fn reject_path(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "import".into());
    input.with_file_name(format!("{stem}.rejected.csv"))
}

/// Imports a qualification file. `progress` is called with the bytes read so far.
pub async fn import_qualifications(
    store: &dyn Store,
    key: &PersonKey,
    path: &Path,
    options: &ImportOptions,
    progress: impl Fn(u64) + Send + 'static,
) -> Result<ImportReport, ImportError> {
    let file = open_input(path)?;
    let session = store
        .begin_import(ImportMeta {
            kind: "qualifications",
            file_name: path.display().to_string(),
            operator: options.operator.clone(),
            started_at: OffsetDateTime::now_utc(),
            covers: options.data_as_of,
        })
        .await?;
    let format = QualificationFormat { key: key.clone() };
    let mut report = run_import(session, format, file, path, options, progress).await?;
    if report.outcome == Outcome::Committed {
        let audit = crate::linkage::audit_links(store, OffsetDateTime::now_utc()).await;
        if let Err(e) = &audit {
            tracing::error!(error = %e, "linkage audit after import failed");
        }
        report.links = Some(audit.map_err(|e| e.to_string()));
    }
    Ok(report)
}

pub(crate) fn open_input(path: &Path) -> Result<std::fs::File, ImportError> {
    std::fs::File::open(path).map_err(|source| ImportError::Read {
        path: path.display().to_string(),
        source,
    })
}

/// The pipeline every insurer file goes through: a parser thread validates record by record
/// and sends batches to the session; then the set checks; then one merge (or nothing).
pub(crate) async fn run_import<F: RowFormat, S: Session<F::Row>>(
    mut session: S,
    format: F,
    file: std::fs::File,
    path: &Path,
    options: &ImportOptions,
    progress: impl Fn(u64) + Send + 'static,
) -> Result<ImportReport, ImportError> {
    let display = path.display().to_string();
    let write_rejects = options.skip_invalid && !options.dry_run;
    let rejects = if write_rejects {
        Some(RejectWriter::new(reject_path(path)))
    } else {
        None
    };

    let (tx, mut rx) = tokio::sync::mpsc::channel::<Parsed<F::Row>>(4);
    let skip_invalid = options.skip_invalid;
    let parser =
        std::thread::spawn(move || parse_file(file, &format, skip_invalid, rejects, tx, progress));

    let started = std::time::Instant::now();
    let mut summary = None;
    while let Some(message) = rx.recv().await {
        match message {
            Parsed::Batch(rows) => session.stage(&rows).await?,
            Parsed::Done(s) => summary = Some(s),
        }
    }
    let rejects = parser.join().map_err(|_| ImportError::Parser)?;
    let mut summary = summary.ok_or(ImportError::Parser)?;
    if let Some(source) = summary.io_error.take() {
        return Err(ImportError::Read {
            path: display,
            source,
        });
    }
    if let Some(source) = summary.reject_error.take() {
        return Err(ImportError::WriteRejects {
            path: reject_path(path).display().to_string(),
            source,
        });
    }

    let mut report = ImportReport {
        file: display,
        outcome: Outcome::Rejected,
        counts: ImportCounts::default(),
        rejected: summary.invalid_rows,
        rows: summary.rows,
        errors: std::mem::take(&mut summary.errors),
        total_errors: summary.total_errors,
        reject_file: None,
        links: None,
    };
    let refuse = !summary.header_ok || (summary.total_errors > 0 && !options.skip_invalid);
    if refuse {
        return Ok(report);
    }

    tracing::info!(
        rows = summary.rows,
        seconds = started.elapsed().as_secs_f64(),
        "import: file read, checked and staged"
    );
    let started = std::time::Instant::now();
    // Set checks: duplicate keys, overlapping periods (in the file and against the store).
    let mut conflicted: BTreeMap<u64, String> = BTreeMap::new();
    let limit = if options.skip_invalid {
        10_000
    } else {
        MAX_LISTED_ERRORS as u64
    };
    loop {
        let conflicts = session.conflicts(limit).await?;
        if conflicts.is_empty() {
            break;
        }
        for c in &conflicts {
            push_error(
                &mut report.errors,
                &mut report.total_errors,
                c.line,
                c.column,
                c.message.clone(),
            );
            conflicted
                .entry(c.line)
                .or_insert(format!("{}: {}", c.column, c.message));
        }
        if !options.skip_invalid {
            break;
        }
        let lines: Vec<u64> = conflicts.iter().map(|c| c.line).collect();
        session.unstage(&lines).await?;
    }
    report.errors.sort_by_key(|e| e.line);
    report.rejected += conflicted.len() as u64;
    if !options.skip_invalid && !conflicted.is_empty() {
        return Ok(report);
    }

    if let Some(mut rejects) = rejects {
        if !conflicted.is_empty() {
            rejects.append_lines(path, &conflicted).map_err(|source| {
                ImportError::WriteRejects {
                    path: rejects.path.display().to_string(),
                    source,
                }
            })?;
        }
        report.reject_file = rejects.finish();
    }

    tracing::info!(
        conflicts = conflicted.len(),
        seconds = started.elapsed().as_secs_f64(),
        "import: set checks done"
    );
    let started = std::time::Instant::now();
    let how = if options.dry_run {
        Finish::DryRun
    } else {
        Finish::Commit {
            rejected: report.rejected,
        }
    };
    report.counts = session.finish(how).await?;
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "import: merged into the store"
    );
    report.outcome = if options.dry_run {
        Outcome::DryRun
    } else {
        Outcome::Committed
    };
    Ok(report)
}

/// The parser thread: header, then record by record.
fn parse_file<F: RowFormat>(
    file: std::fs::File,
    format: &F,
    skip_invalid: bool,
    mut rejects: Option<RejectWriter>,
    tx: tokio::sync::mpsc::Sender<Parsed<F::Row>>,
    progress: impl Fn(u64),
) -> Option<RejectWriter> {
    let mut summary = ParseSummary::default();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(std::io::BufReader::with_capacity(1 << 20, file));
    let mut record = csv::ByteRecord::new();
    let columns = match read_header(&mut reader, &mut record, &mut summary, format.columns()) {
        Some(columns) => columns,
        None => {
            let _ = tx.blocking_send(Parsed::Done(Box::new(summary)));
            return rejects;
        }
    };
    summary.header_ok = true;
    if let Some(r) = rejects.as_mut() {
        r.header = Some(record.clone());
    }
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    let mut last_progress = 0u64;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                // csv reports I/O errors and nothing else for flexible byte records.
                summary.io_error = Some(std::io::Error::other(e.to_string()));
                break;
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        summary.rows += 1;
        match parse_record(format, &record, &columns, line) {
            // Without --skip-invalid, rows after the first error are only checked, not staged.
            Ok(row) if summary.total_errors == 0 || skip_invalid => batch.push(row),
            Ok(_) => {}
            Err(errors) => {
                summary.invalid_rows += 1;
                if let Some(r) = rejects.as_mut() {
                    let message = errors
                        .iter()
                        .map(|(c, m)| format!("{c}: {m}"))
                        .collect::<Vec<_>>()
                        .join("; ");
                    if let Err(e) = r.write(line, &message, &record) {
                        summary.reject_error = Some(e);
                        break;
                    }
                }
                for (column, message) in errors {
                    summary.push(line, column, message);
                }
            }
        }
        if batch.len() >= BATCH_ROWS {
            let mut full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
            F::sort(&mut full);
            if tx.blocking_send(Parsed::Batch(full)).is_err() {
                return rejects;
            }
        }
        let position = record.position().map_or(0, |p| p.byte());
        if position - last_progress > (1 << 20) {
            progress(position);
            last_progress = position;
        }
    }
    if !batch.is_empty() {
        F::sort(&mut batch);
        let _ = tx.blocking_send(Parsed::Batch(batch));
    }
    progress(reader.position().byte());
    let _ = tx.blocking_send(Parsed::Done(Box::new(summary)));
    rejects
}

/// Column positions by name; None when the header is refused (errors recorded).
fn read_header<R: std::io::Read>(
    reader: &mut csv::Reader<R>,
    record: &mut csv::ByteRecord,
    summary: &mut ParseSummary,
    columns: &'static [(&'static str, bool)],
) -> Option<Vec<Option<usize>>> {
    match reader.read_byte_record(record) {
        Ok(true) => {}
        Ok(false) => {
            summary.push(
                1,
                "(header)",
                "ファイルが空です: ヘッダー行がありません (empty file: no header row)".into(),
            );
            return None;
        }
        Err(e) => {
            summary.io_error = Some(std::io::Error::other(e.to_string()));
            return None;
        }
    }
    let mut positions = vec![None; columns.len()];
    let mut ok = true;
    for (index, raw) in record.iter().enumerate() {
        let raw = if index == 0 {
            raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw)
        } else {
            raw
        };
        let Ok(name) = std::str::from_utf8(raw) else {
            summary.push(
                1,
                "(header)",
                format!(
                    "{}列目の列名が UTF-8 ではありません (column {} name is not valid UTF-8)",
                    index + 1,
                    index + 1
                ),
            );
            ok = false;
            continue;
        };
        let name = name.trim();
        match columns.iter().position(|(c, _)| *c == name) {
            Some(i) if positions[i].is_some() => {
                summary.push(1, name, "列名が重複しています (duplicate column)".into());
                ok = false;
            }
            Some(i) => positions[i] = Some(index),
            None => {
                summary.push(1, name, "未知の列です (unknown column)".into());
                ok = false;
            }
        }
    }
    for (i, (name, required)) in columns.iter().enumerate() {
        if *required && positions[i].is_none() {
            summary.push(
                1,
                name,
                "必須の列がありません (missing required column)".into(),
            );
            ok = false;
        }
    }
    ok.then_some(positions)
}

/// One row's problems: (column, message), every one found.
pub(crate) type RowErrors = Vec<(&'static str, String)>;

/// Splits and decodes one record, then lets the format validate it: the row, or every
/// problem found in it.
fn parse_record<F: RowFormat>(
    format: &F,
    record: &csv::ByteRecord,
    columns: &[Option<usize>],
    line: u64,
) -> Result<F::Row, RowErrors> {
    let names = format.columns();
    let size = record.as_slice().len();
    if size > MAX_RECORD_BYTES {
        return Err(vec![(
            "(line)",
            format!(
                "行が長すぎます: {size}バイト（上限{MAX_RECORD_BYTES}バイト） (record is {size} bytes, over the {MAX_RECORD_BYTES}-byte limit)"
            ),
        )]);
    }
    let header_len = columns.iter().flatten().count();
    if record.len() != header_len {
        let found = record.len();
        return Err(vec![(
            "(line)",
            format!(
                "列数が{header_len}ではなく{found}です (expected {header_len} fields as in the header, found {found})"
            ),
        )]);
    }
    let mut fields: Vec<&str> = vec![""; names.len()];
    let mut errors = RowErrors::new();
    for (i, position) in columns.iter().enumerate() {
        let Some(position) = position else { continue };
        match std::str::from_utf8(record.get(*position).unwrap_or_default()) {
            Ok(s) => fields[i] = s,
            Err(e) => {
                let at = e.valid_up_to() + 1;
                errors.push((
                    names[i].0,
                    format!("UTF-8 ではありません（{at}バイト目） (not valid UTF-8 at byte {at})"),
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut row = RowParser {
        names,
        fields,
        errors,
    };
    match format.parse(&mut row, line) {
        Some(parsed) if row.errors.is_empty() => Ok(parsed),
        _ => Err(row.errors),
    }
}

/// Parses the fields of one record, collecting every error; fields are indexed by the
/// format's column list.
pub(crate) struct RowParser<'a> {
    names: &'static [(&'static str, bool)],
    fields: Vec<&'a str>,
    errors: RowErrors,
}

impl RowParser<'_> {
    pub(crate) fn fail(&mut self, column: usize, message: String) {
        self.errors.push((self.names[column].0, message));
    }

    pub(crate) fn required<T, E: std::fmt::Display>(
        &mut self,
        column: usize,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        let value = self.fields[column];
        if value.trim().is_empty() {
            self.fail(column, "必須項目が空です (required value is empty)".into());
            return None;
        }
        parse(value)
            .map_err(|e| self.fail(column, e.to_string()))
            .ok()
    }

    /// `Some(None)` for an empty cell, `None` for an invalid value.
    pub(crate) fn optional<T, E: std::fmt::Display>(
        &mut self,
        column: usize,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<Option<T>> {
        let value = self.fields[column];
        if value.trim().is_empty() {
            return Some(None);
        }
        parse(value)
            .map(Some)
            .map_err(|e| self.fail(column, e.to_string()))
            .ok()
    }
}

/// Writes rejected rows, with their line and errors, to `NAME.rejected.csv`.
struct RejectWriter {
    path: PathBuf,
    header: Option<csv::ByteRecord>,
    writer: Option<csv::Writer<std::fs::File>>,
    rows: u64,
}

impl RejectWriter {
    fn new(path: PathBuf) -> Self {
        Self {
            path,
            header: None,
            writer: None,
            rows: 0,
        }
    }

    fn writer(&mut self) -> std::io::Result<&mut csv::Writer<std::fs::File>> {
        if self.writer.is_none() {
            let mut w = csv::WriterBuilder::new()
                .flexible(true)
                .from_writer(create_private(&self.path)?);
            let mut header = csv::ByteRecord::from(vec!["line", "error"]);
            if let Some(h) = &self.header {
                header.extend(h.iter());
            }
            w.write_byte_record(&header)
                .map_err(std::io::Error::other)?;
            self.writer = Some(w);
        }
        self.writer
            .as_mut()
            .ok_or_else(|| std::io::Error::other("reject writer"))
    }

    fn write(&mut self, line: u64, error: &str, record: &csv::ByteRecord) -> std::io::Result<()> {
        let mut out = csv::ByteRecord::from(vec![line.to_string(), error.to_string()]);
        // A huge record is cut: the reject file names the problem, it need not copy 10 MB.
        if record.as_slice().len() <= MAX_RECORD_BYTES {
            out.extend(record.iter());
        }
        self.writer()?
            .write_byte_record(&out)
            .map_err(std::io::Error::other)?;
        self.rows += 1;
        Ok(())
    }

    /// Second pass over the input for rows rejected by set checks.
    fn append_lines(&mut self, input: &Path, lines: &BTreeMap<u64, String>) -> std::io::Result<()> {
        let file = std::fs::File::open(input)?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(std::io::BufReader::new(file));
        let mut record = csv::ByteRecord::new();
        while reader
            .read_byte_record(&mut record)
            .map_err(std::io::Error::other)?
        {
            let line = record.position().map_or(0, |p| p.line());
            if let Some(message) = lines.get(&line) {
                self.write(line, message, &record)?;
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Option<PathBuf> {
        let w = self.writer.take()?;
        let file = w.into_inner().ok()?;
        file.sync_all().ok()?;
        (self.rows > 0).then_some(self.path)
    }
}

/// Creates (or truncates) a file readable by its owner only: rejected rows are personal data.
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}
