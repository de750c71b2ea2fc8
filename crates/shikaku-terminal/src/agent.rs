//! The terminal agent (連携アプリケーション): watches `DIR/req/` for request files written by
//! the receipt computer, asks the centre, and writes exactly one result file to `DIR/res/`
//! for every request (xml-interface.md §2.4).
//!
//! Lifecycle of a request: seen → stable (size and time unchanged for `stable_for`) →
//! claimed (renamed to `req/.tmp/NAME.work`, so a crash leaves it there and the next start
//! finishes it) → answered (result written to `res/.NAME.part`, fsynced, renamed; the
//! directory fsynced) → the claim removed. A result already in `res/` for a claimed request
//! means the answer was written before a crash: the claim is simply removed. Requests to the
//! centre carry an `Idempotency-Key`, so a resend is not counted or logged twice.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use shikaku_xml::request::{
    Kind, MedicalRequest, Request, RequestError, RequestName, SearchInfo, salvage_header,
};
use shikaku_xml::result::{
    self as xml_result, Echo, Encoding, PersonResult, Qualification, ResultHeader, Segment,
};
use time::OffsetDateTime;

mod bulk;
mod centre;
mod files;
mod mapping;
mod medical;
mod medical_pdf;
mod status;

use bulk::*;
use centre::*;
use files::*;
pub use files::{marker_key, write_atomically};
use mapping::*;
pub(crate) use mapping::{elderly, qualification};
use medical::*;
pub use status::{prometheus, read_status, serve_metrics};

/// How the agent runs.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    pub dir: PathBuf,
    pub api: String,
    pub cert: PathBuf,
    pub key: PathBuf,
    pub ca: PathBuf,
    /// A file must keep its size and time this long before it is taken.
    pub stable_for: Duration,
    /// The periodic rescan (filesystem events can be missed, e.g. on SMB).
    pub rescan: Duration,
    /// A request still unanswered after this long gets an error result saying so.
    pub max_age: Duration,
    pub encoding: Encoding,
    /// Stop after this many results (tests and the simulator); `None` runs forever.
    pub stop_after: Option<u64>,
    /// Delete answered requests instead of moving them to `req/done/yyyyMMdd/`.
    pub delete_processed: bool,
    /// How long one request to the centre may take before it counts as failed (and retried).
    pub request_timeout: Duration,
    /// The 医療機関等コード of the terminal certificate, filled in by [`run`]: a request for
    /// another code is refused (a misconfigured terminal would log accesses under the wrong
    /// facility).
    pub facility_code: Option<String>,
}

/// What `shikaku agent status` shows, kept in `DIR/agent-status.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AgentStatus {
    pub queue_length: usize,
    pub oldest_waiting_since: Option<String>,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    pub last_success_at: Option<String>,
    pub results_written: u64,
    /// Requests answered with a file-level error result because they could not be served
    /// (not XML, malformed, unsupported kind, another facility's code).
    #[serde(default)]
    pub refused_requests: u64,
    #[serde(default)]
    pub last_refused: Option<String>,
    #[serde(default)]
    pub last_refused_at: Option<String>,
    pub updated_at: Option<String>,
}

pub const STATUS_FILE: &str = "agent-status.json";
/// Requests processed at once.
const IN_FLIGHT: usize = 16;
/// How long a 一括照会 download waits for the centre to finish before answering 処理中.
const BULK_WAIT: Duration = Duration::from_secs(3);

fn now_text() -> String {
    let t = OffsetDateTime::now_utc().to_offset(shikaku_domain::date::JST);
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The folders of xml-interface.md §2.1.
pub struct Folders {
    pub req: PathBuf,
    pub res: PathBuf,
    pub tmp: PathBuf,
    pub error: PathBuf,
    pub done: PathBuf,
    pub journal: PathBuf,
    /// Signs the answered markers (`marker_key`).
    key: ring::hmac::Key,
}

impl Folders {
    pub fn new(dir: &Path) -> anyhow::Result<Folders> {
        let f = Folders {
            req: dir.join("req"),
            res: dir.join("res"),
            tmp: dir.join("req").join(".tmp"),
            error: dir.join("req").join("error"),
            done: dir.join("req").join("done"),
            journal: dir.join("journal"),
            key: ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &[]),
        };
        for d in [
            &f.req,
            &f.res,
            &f.tmp,
            &f.done,
            &f.error,
            &f.journal,
            &dir.join("face"),
        ] {
            std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
        }
        Ok(Folders {
            key: marker_key(dir)?,
            ..f
        })
    }
}

struct Claimed {
    name: RequestName,
    work: PathBuf,
    first_seen: SystemTime,
    next_try: Instant,
    backoff: Duration,
}

/// Runs the agent until `stop_after` results are written (or forever).
pub async fn run(mut config: AgentConfig) -> anyhow::Result<()> {
    let folders = Folders::new(&config.dir)?;
    config.facility_code = Some(crate::reader::certificate_facility(&config.cert)?);
    let client = crate::client::mtls_client(&config.ca, &config.cert, &config.key, 4)?;
    let mut status = AgentStatus::default();
    let mut seen: HashMap<String, (u64, SystemTime, Instant)> = HashMap::new();
    let mut claimed: Vec<Claimed> = Vec::new();
    let mut written = 0u64;
    // Claims left by a previous run come first.
    for entry in std::fs::read_dir(&folders.tmp)? {
        let path = entry?.path();
        let Some(file) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if let Some(name) = file.strip_suffix(".work").and_then(RequestName::parse) {
            let first_seen = path
                .metadata()
                .and_then(|m| m.modified())
                .unwrap_or(SystemTime::now());
            claimed.push(Claimed {
                name,
                work: path.clone(),
                first_seen,
                next_try: Instant::now(),
                backoff: Duration::from_secs(1),
            });
        }
    }
    // A marker whose claim is gone belongs to a request already finished.
    for entry in std::fs::read_dir(&folders.tmp)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "answered")
            && !path.with_extension("work").exists()
        {
            std::fs::remove_file(&path).ok();
        }
    }
    let (wake_tx, mut wake_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let _watcher = watch(&folders.req, wake_tx);
    let mut scan_now = true;
    let mut last_scan = Instant::now();
    let mut last_status = Instant::now();
    loop {
        if scan_now || last_scan.elapsed() >= config.rescan {
            scan(&folders, &config, &mut seen, &mut claimed, &mut status)?;
            last_scan = Instant::now();
        }
        // Up to IN_FLIGHT requests at once; each touches only its own files.
        let now = Instant::now();
        let ready: Vec<usize> = (0..claimed.len())
            .filter(|&i| claimed[i].next_try <= now)
            .take(IN_FLIGHT)
            .collect();
        let outcomes = futures::future::join_all(
            ready
                .iter()
                .map(|&i| process(&client, &config, &folders, &claimed[i])),
        )
        .await;
        let mut done = Vec::new();
        for (&i, outcome) in ready.iter().zip(outcomes) {
            match outcome {
                Ok(Processed::Refused(why)) => {
                    let file = claimed[i].name.request_file();
                    tracing::warn!(%file, reason = %why, "request refused with an error result");
                    written += 1;
                    status.results_written += 1;
                    status.refused_requests += 1;
                    status.last_refused = Some(format!("{file}: {why}"));
                    status.last_refused_at = Some(now_text());
                    done.push(i);
                }
                Ok(Processed::Answered) => {
                    written += 1;
                    status.results_written += 1;
                    status.last_success_at = Some(now_text());
                    done.push(i);
                }
                Ok(Processed::Later) => {
                    // Waiting for the centre is an error to show (status, metrics), even
                    // though the request is kept and tried again.
                    if let Some(why) = take_retry() {
                        status.last_error = Some(format!(
                            "資格確認等システムが応答しないため再試行します ({why}): {}",
                            claimed[i].name.request_file()
                        ));
                        status.last_error_at = Some(now_text());
                    }
                    let c = &mut claimed[i];
                    c.next_try = Instant::now() + c.backoff;
                    c.backoff = (c.backoff * 2).min(Duration::from_secs(60));
                }
                Err(e) => {
                    tracing::warn!(error = %e, file = %claimed[i].name.request_file(), "will retry");
                    status.last_error = Some(format!("{}: {e:#}", claimed[i].name.request_file()));
                    status.last_error_at = Some(now_text());
                    let c = &mut claimed[i];
                    c.next_try = Instant::now() + c.backoff;
                    c.backoff = (c.backoff * 2).min(Duration::from_secs(60));
                }
            }
        }
        for i in done.into_iter().rev() {
            claimed.remove(i);
        }
        if config.stop_after.is_some_and(|n| written >= n) {
            write_status(&config.dir, &mut status, &claimed);
            return Ok(());
        }
        if !ready.is_empty() {
            // Keep going while claimed requests are ready; the status file at most 5 times a second.
            if last_status.elapsed() >= Duration::from_millis(200) {
                write_status(&config.dir, &mut status, &claimed);
                last_status = Instant::now();
            }
            scan_now = false;
            continue;
        }
        write_status(&config.dir, &mut status, &claimed);
        last_status = Instant::now();
        let _ = tokio::time::timeout(config.rescan, wake_rx.recv()).await;
        scan_now = true;
    }
}

/// Filesystem events wake the loop early; the rescan catches anything they miss.
fn watch(
    dir: &Path,
    wake: tokio::sync::mpsc::UnboundedSender<()>,
) -> Option<notify::RecommendedWatcher> {
    use notify::Watcher;
    let mut watcher = notify::recommended_watcher(move |_event| {
        let _ = wake.send(());
    })
    .ok()?;
    watcher
        .watch(dir, notify::RecursiveMode::NonRecursive)
        .ok()?;
    Some(watcher)
}

fn write_status(dir: &Path, status: &mut AgentStatus, claimed: &[Claimed]) {
    status.queue_length = claimed.len();
    status.oldest_waiting_since = claimed.iter().map(|c| c.first_seen).min().map(|t| {
        let t: OffsetDateTime = t.into();
        t.to_offset(shikaku_domain::date::JST)
            .replace_nanosecond(0)
            .unwrap_or(t)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    });
    status.updated_at = Some(now_text());
    if let Ok(json) = serde_json::to_vec_pretty(status)
        && let Err(e) = write_atomically(dir, STATUS_FILE, &json)
    {
        tracing::warn!(error = %e, "cannot write the agent status file");
    }
}

/// Takes stable request files into `req/.tmp` as `NAME.work`.
fn scan(
    folders: &Folders,
    config: &AgentConfig,
    seen: &mut HashMap<String, (u64, SystemTime, Instant)>,
    claimed: &mut Vec<Claimed>,
    status: &mut AgentStatus,
) -> anyhow::Result<()> {
    let mut present = Vec::new();
    for entry in std::fs::read_dir(&folders.req)? {
        let Ok(entry) = entry else { continue };
        let Ok(file) = entry.file_name().into_string() else {
            continue;
        };
        let Some(name) = RequestName::parse(&file) else {
            continue;
        };
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        present.push(file.clone());
        let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        let now = Instant::now();
        let stable = match seen.get(&file) {
            Some((size, time, since)) if *size == meta.len() && *time == modified => {
                now.duration_since(*since) >= config.stable_for
            }
            _ => {
                seen.insert(file.clone(), (meta.len(), modified, now));
                false
            }
        };
        if !stable {
            continue;
        }
        // The same name again while the previous result is still uncollected: wait, never
        // overwrite a result the receipt computer has not read.
        if name
            .result_files()
            .iter()
            .any(|n| folders.res.join(n).exists())
        {
            status.last_error = Some(format!(
                "{file}: 前回の結果ファイル {} が未回収のため待機中 (waiting for the previous result to be collected)",
                name.result_file()
            ));
            continue;
        }
        if claimed.iter().any(|c| c.name == name) {
            continue;
        }
        let work = folders.tmp.join(format!("{file}.work"));
        if std::fs::rename(entry.path(), &work).is_ok() {
            seen.remove(&file);
            claimed.push(Claimed {
                name,
                work,
                first_seen: modified,
                next_try: Instant::now(),
                backoff: Duration::from_secs(1),
            });
        }
    }
    seen.retain(|f, _| present.contains(f));
    Ok(())
}

/// What became of one claimed request.
enum Processed {
    /// Its result is written and the claim gone.
    Answered,
    /// Answered with a file-level error result, for this reason, and moved to `req/error/`.
    Refused(String),
    /// Waiting for the centre; tried again later.
    Later,
}

/// Answers one claimed request; `Err` for a local failure (e.g. the disk is full) to retry.
async fn process(
    client: &reqwest::Client,
    config: &AgentConfig,
    folders: &Folders,
    c: &Claimed,
) -> anyhow::Result<Processed> {
    let answered = answered_marker(&c.work);
    let part_of = |name: &str| folders.res.join(format!(".{name}.part"));
    if answered.symlink_metadata().is_ok() && !marker_is_ours(&folders.key, &c.work, &answered) {
        // A marker this agent did not write: refused, and the request answered as usual.
        tracing::warn!(file = %c.name.request_file(), "refused an answered marker this agent did not write");
        std::fs::remove_file(&answered).ok();
    }
    if answered.exists() {
        // A previous run had the result fsynced and marked answered before it died: finish
        // the rename if it had not happened; the receipt computer may already have collected
        // the result, so it is never written twice.
        for name in c.name.result_files() {
            if part_of(&name).exists() {
                std::fs::rename(part_of(&name), folders.res.join(&name))?;
                sync_dir(&folders.res)?;
            }
        }
        finish_claim(folders, config, c, false);
        return Ok(Processed::Answered);
    }
    if c.name
        .result_files()
        .iter()
        .any(|n| folders.res.join(n).exists())
    {
        // An earlier request of the same name has an uncollected result: never overwrite it.
        return Ok(Processed::Later);
    }
    let bytes = match read_claimed(&c.work) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput || e.raw_os_error() == Some(40) => {
            // ELOOP (40): a link was swapped in for the request. Nothing is read through it.
            tracing::warn!(file = %c.name.request_file(), "refused a claimed request that is a link or not a regular file");
            std::fs::remove_file(&c.work).ok();
            return Ok(Processed::Answered);
        }
        Err(e) => return Err(e).with_context(|| format!("reading {}", c.work.display())),
    };
    let age = SystemTime::now()
        .duration_since(c.first_seen)
        .unwrap_or_default();
    let (result, refused) = match answer(client, config, folders, &c.name, &bytes).await? {
        Some(answer) => answer,
        None if age >= config.max_age => (
            file_error(
                config,
                &bytes,
                "OQR9999",
                &format!(
                    "資格確認等システムに接続できないため照会できませんでした（{}分経過）。時間をおいて再照会してください",
                    age.as_secs() / 60
                ),
            ),
            None,
        ),
        None => return Ok(Processed::Later),
    };
    // Exactly once, whenever the process dies: the result is complete on disk (fsynced) and
    // the claim is marked answered before the result appears under its real name.
    let result_name = if result.starts_with(b"%PDF-") {
        c.name.pdf_result_file()
    } else {
        c.name.result_file()
    };
    let part = part_of(&result_name);
    {
        let mut file =
            create_private(&part).with_context(|| format!("writing the result {result_name}"))?;
        file.write_all(&result)
            .and_then(|()| file.sync_all())
            .with_context(|| format!("writing the result {result_name}"))?;
    }
    create_private(&answered)
        .and_then(|mut f| {
            f.write_all(marker_text(&folders.key, &c.work).as_bytes())?;
            f.sync_all()
        })
        .and_then(|()| sync_dir(&folders.tmp))
        .context("marking the request answered")?;
    std::fs::rename(&part, folders.res.join(&result_name))
        .and_then(|()| sync_dir(&folders.res))
        .with_context(|| format!("publishing the result {result_name}"))?;
    finish_claim(folders, config, c, refused.is_some());
    Ok(match refused {
        Some(why) => Processed::Refused(why),
        None => Processed::Answered,
    })
}

/// Moves the answered request to `req/done/yyyyMMdd/` (or deletes it), an unparseable one to
/// `req/error/`, then removes its marker.
fn finish_claim(folders: &Folders, config: &AgentConfig, c: &Claimed, to_error_folder: bool) {
    let target = if to_error_folder {
        Some(folders.error.clone())
    } else if config.delete_processed {
        None
    } else {
        let day =
            shikaku_xml::result::date8(shikaku_domain::date::jst_date(OffsetDateTime::now_utc()));
        let dir = folders.done.join(day);
        std::fs::create_dir_all(&dir).ok().map(|()| dir)
    };
    match target {
        Some(dir) => {
            // A same-named request processed earlier today keeps its copy; this one gets a suffix.
            let mut path = dir.join(c.name.request_file());
            let mut n = 1;
            while path.exists() {
                path = dir.join(format!("{}.{n}", c.name.request_file()));
                n += 1;
            }
            if std::fs::rename(&c.work, &path).is_err() {
                std::fs::remove_file(&c.work).ok();
            }
        }
        None => {
            std::fs::remove_file(&c.work).ok();
        }
    }
    std::fs::remove_file(answered_marker(&c.work)).ok();
}

fn header(
    config: &AgentConfig,
    date: Option<time::Date>,
    facility: Option<String>,
    afi: Option<String>,
) -> ResultHeader {
    ResultHeader {
        executed_at: OffsetDateTime::now_utc(),
        confirmation_date: date,
        facility_code: facility,
        arbitrary_file_identifier: afi,
        reference_classification: None,
        reception_number: None,
        segment: Segment::Normal,
        error: None,
        counts: None,
        encoding: config.encoding,
    }
}

/// A file-level error result. Its header carries what readers require even when the request
/// could not be read: the request's 資格確認日 (or today), its facility code (or the
/// terminal's), `ReferenceClassification` 2.
fn file_error(config: &AgentConfig, bytes: &[u8], code: &str, message: &str) -> Vec<u8> {
    let salvaged = salvage_header(bytes);
    let today = shikaku_domain::date::jst_date(OffsetDateTime::now_utc());
    let mut h = header(
        config,
        Some(salvaged.confirmation_date.unwrap_or(today)),
        salvaged
            .facility_code
            .or_else(|| config.facility_code.clone()),
        salvaged.arbitrary_file_identifier,
    );
    h.reference_classification = Some("2");
    h.segment = Segment::Error;
    h.error = Some((code.to_string(), message.to_string()));
    xml_result::file_error(&h)
}

/// The facility code a parsed request names.
fn request_facility(request: &Request) -> &str {
    match request {
        Request::Single { header, .. } | Request::BulkUpload { header, .. } => {
            &header.facility_code
        }
        Request::BulkDownload { facility_code, .. } | Request::FacePull { facility_code, .. } => {
            facility_code
        }
        Request::MedicalInfo(m) => &m.facility_code,
    }
}

/// The result bytes and, for a request refused as a whole (not XML, not our format, not
/// supported, another facility's code), why: it then goes to `req/error/`, is logged at WARN
/// and counted in the status. `None` to retry.
async fn answer(
    client: &reqwest::Client,
    config: &AgentConfig,
    folders: &Folders,
    name: &RequestName,
    bytes: &[u8],
) -> anyhow::Result<Option<(Vec<u8>, Option<String>)>> {
    let medical_kind = matches!(name.kind, Kind::Drugs | Kind::Checkups);
    if name.kind == Kind::Unsupported {
        let why = shikaku_xml::request::unsupported_reason(&name.prefix);
        let result = file_error(config, bytes, "OQR9005", &why);
        return Ok(Some((result, Some(why))));
    }
    let request = match shikaku_xml::parse_request(name.kind, bytes) {
        Ok(r) => r,
        Err(e) => {
            let message = match &e {
                RequestError::Dom(d) => format!("XMLの解析に失敗しました: {d}"),
                RequestError::Invalid(_) => format!("要求ファイルが不正です: {e}"),
            };
            let result = if medical_kind {
                xml_result::medical_error(config.encoding, "2", &format!("{}: {message}", e.code()))
            } else {
                file_error(config, bytes, e.code(), &message)
            };
            return Ok(Some((result, Some(message))));
        }
    };
    if let Some(own) = &config.facility_code
        && request_facility(&request) != own
    {
        let why = format!(
            "医療機関コード {} はこの端末の証明書の医療機関コード {own} と異なります。レセプトコンピュータの医療機関コードの設定を確認してください",
            request_facility(&request)
        );
        let result = if medical_kind {
            xml_result::medical_error(config.encoding, "2", &format!("OQR9002: {why}"))
        } else {
            file_error(config, bytes, "OQR9002", &why)
        };
        return Ok(Some((result, Some(why))));
    }
    let idempotency = format!(
        "{}#{}",
        name.request_file(),
        hex::encode(&shikaku_pki::sha256(bytes)[..12])
    );
    let base = config.api.trim_end_matches('/');
    let ask = Ask {
        client,
        config,
        folders,
        base,
        idempotency: &idempotency,
        bytes,
    };
    match request {
        Request::FacePull {
            reception_number, ..
        } => Ok(Some((
            match find_face_result(&config.dir.join("face"), &reception_number) {
                Some(bytes) => bytes,
                None => file_error(config, bytes, "OQR9004", "受付番号が存在しません"),
            },
            None,
        ))),
        Request::MedicalInfo(m) => {
            let kind = name.kind;
            medical(client, config, base, &idempotency, kind, &m).await
        }
        Request::Single { header: h, search } => {
            let mut head = header(
                config,
                Some(h.confirmation_date),
                Some(h.facility_code.clone()),
                h.arbitrary_file_identifier.clone(),
            );
            head.reference_classification = Some("2");
            let person = match search {
                Err((raw, problem)) => PersonResult {
                    echo: Echo::Raw(raw),
                    status: "2",
                    code: Some((problem.code.to_string(), problem.to_string())),
                    validity: None,
                    qualification: None,
                },
                Ok(search) => {
                    let body = lookup_body(&search, Some(h.confirmation_date));
                    match send(
                        client,
                        config.request_timeout,
                        "POST",
                        &format!("{base}/v1/eligibility"),
                        &idempotency,
                        Some(&body),
                    )
                    .await
                    {
                        Centre::Retry(why) => {
                            tracing::warn!(%why, "centre unavailable");
                            return Ok(None);
                        }
                        Centre::Answer(200, v) => person_result(Echo::Parsed(search.clone()), &v),
                        Centre::Answer(status, v) => {
                            return Ok(Some((
                                file_error(config, bytes, "OQR9999", &refusal(status, &v)),
                                None,
                            )));
                        }
                    }
                }
            };
            Ok(Some((xml_result::single(&head, &person), None)))
        }
        Request::BulkUpload { header, searches } => bulk_upload(&ask, header, searches).await,
        Request::BulkDownload {
            facility_code,
            arbitrary_file_identifier,
            reception_number,
        } => {
            let download = Download {
                facility_code,
                arbitrary_file_identifier,
                reception_number,
            };
            bulk_download(&ask, download).await
        }
    }
}

/// The pushed card-reader result whose `ArbitraryFileIdentifier` is the reception number.
fn find_face_result(face: &Path, reception_number: &str) -> Option<Vec<u8>> {
    std::fs::read_dir(face)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.ends_with(".xml") && !n.starts_with('.'))
        })
        .filter_map(|e| std::fs::read(e.path()).ok())
        .find(|bytes| {
            shikaku_xml::dom::parse(bytes).ok().is_some_and(|root| {
                root.child("MessageHeader")
                    .and_then(|h| h.child("ArbitraryFileIdentifier"))
                    .is_some_and(|a| a.text.trim() == reception_number)
            })
        })
}
