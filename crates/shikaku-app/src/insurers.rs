//! The insurer register (保険者名簿): `insurer_number,name` rows from a CSV file, loaded
//! all-or-nothing, and the names the eligibility answers show (an in-memory copy, reloaded
//! within a minute of a change; numbers not in the register get a name derived from the
//! number: 法別番号 and 都道府県).

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use shikaku_domain::InsurerNumber;
use shikaku_store::Store;
use shikaku_store::insurers::InsurerCounts;

/// The largest register file read (the national register has a few thousand rows).
const MAX_FILE_BYTES: u64 = 64 << 20;
const MAX_NAME_CHARS: usize = 100;
/// How old the in-memory copy may get before it is reloaded.
const MAX_AGE: Duration = Duration::from_secs(60);

/// Names by insurer number, and when each insurer's qualifications were last loaded.
#[derive(Debug, Default, Clone)]
pub struct InsurerNames(HashMap<String, String>, HashMap<String, time::Date>);

impl InsurerNames {
    /// The date the insurer's last loaded data is as of (the file's own date when the import
    /// gave one, else the JST date it was loaded), if any was ever loaded.
    pub fn data_as_of(&self, insurer: &InsurerNumber) -> shikaku_domain::explanation::DataAsOf {
        shikaku_domain::explanation::DataAsOf(self.1.get(insurer.as_str()).copied())
    }

    /// The registered name, or the one derived from the number.
    pub fn name(&self, insurer: &InsurerNumber) -> String {
        self.0
            .get(insurer.as_str())
            .cloned()
            .unwrap_or_else(|| insurer.description())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The shared copy and when it was read.
#[derive(Default)]
pub(crate) struct InsurerCache {
    names: RwLock<(Arc<InsurerNames>, Option<Instant>)>,
    reloading: AtomicBool,
}

impl InsurerCache {
    pub(crate) async fn reload(&self, store: &dyn Store) -> shikaku_store::Result<usize> {
        let rows = store.insurers().await?;
        let loaded = store.insurer_data().await?;
        let names = InsurerNames(
            rows.into_iter().map(|r| (r.number, r.name)).collect(),
            loaded
                .into_iter()
                .map(|(number, at, covers)| {
                    (number, covers.unwrap_or(shikaku_domain::date::jst_date(at)))
                })
                .collect(),
        );
        let n = names.len();
        if let Ok(mut guard) = self.names.write() {
            *guard = (Arc::new(names), Some(Instant::now()));
        }
        Ok(n)
    }

    /// The current copy; a stale one is reloaded in the background (the caller never waits).
    pub(crate) fn get(self: &Arc<Self>, store: &Arc<dyn Store>) -> Arc<InsurerNames> {
        let (names, loaded) = match self.names.read() {
            Ok(guard) => (guard.0.clone(), guard.1),
            Err(_) => return Arc::new(InsurerNames::default()),
        };
        let stale = loaded.is_none_or(|at| at.elapsed() > MAX_AGE);
        if stale
            && !self.reloading.swap(true, Ordering::AcqRel)
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            let (cache, store) = (self.clone(), store.clone());
            runtime.spawn(async move {
                if let Err(e) = cache.reload(store.as_ref()).await {
                    tracing::warn!(error = %e, "insurer register not reloaded");
                }
                cache.reloading.store(false, Ordering::Release);
            });
        }
        names
    }
}

/// What a register load did.
#[derive(Debug, Clone)]
pub struct RegisterLoad {
    pub rows: usize,
    pub counts: InsurerCounts,
    pub dry_run: bool,
}

impl RegisterLoad {
    pub fn summary(&self, file: &str) -> String {
        format!(
            "{file}: {}: {} rows: inserted {}, updated {}, unchanged {}, rejected 0",
            if self.dry_run {
                "dry run (nothing stored)"
            } else {
                "imported"
            },
            self.rows,
            self.counts.inserted,
            self.counts.updated,
            self.counts.unchanged
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// Every problem as `file:line: column: message`; nothing was stored.
    #[error("{}", .0.join("\n"))]
    Invalid(Vec<String>),
    #[error("{0}")]
    Io(String),
    #[error(transparent)]
    Store(#[from] shikaku_store::StoreError),
}

/// A register file's bytes, refused when larger than `max_bytes` (before reading it).
pub(crate) fn read_register_file(path: &Path, max_bytes: u64) -> Result<Vec<u8>, RegisterError> {
    let file = path.display().to_string();
    let size = std::fs::metadata(path)
        .map_err(|e| RegisterError::Io(format!("{file}: {e}")))?
        .len();
    if size > max_bytes {
        return Err(RegisterError::Invalid(vec![format!(
            "{file}: the file is larger than {} MiB",
            max_bytes >> 20
        )]));
    }
    std::fs::read(path).map_err(|e| RegisterError::Io(format!("{file}: {e}")))
}

/// Reads and checks a register file: header `insurer_number,name`, valid numbers (check
/// digit), a name of 1–100 characters, no number twice.
pub fn parse_register(path: &Path) -> Result<Vec<(String, String)>, RegisterError> {
    let file = path.display().to_string();
    let bytes = read_register_file(path, MAX_FILE_BYTES)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes.as_slice());
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut record = csv::ByteRecord::new();
    let mut header_seen = false;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                errors.push(format!("{file}: {e}"));
                break;
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize| std::str::from_utf8(record.get(i).unwrap_or_default());
        if !header_seen {
            header_seen = true;
            let header: Vec<String> = (0..record.len())
                .map(|i| {
                    field(i)
                        .unwrap_or_default()
                        .trim_start_matches('\u{feff}')
                        .to_string()
                })
                .collect();
            if header != ["insurer_number", "name"] {
                return Err(RegisterError::Invalid(vec![format!(
                    "{file}:{line}: header: expected insurer_number,name, found {}",
                    header.join(",")
                )]));
            }
            continue;
        }
        if record.len() != 2 {
            errors.push(format!(
                "{file}:{line}: expected 2 columns, found {}",
                record.len()
            ));
            continue;
        }
        let (Ok(number), Ok(name)) = (field(0), field(1)) else {
            errors.push(format!("{file}:{line}: not valid UTF-8"));
            continue;
        };
        let number = match InsurerNumber::parse(number) {
            Ok(n) => n.as_str().to_string(),
            Err(e) => {
                errors.push(format!("{file}:{line}: insurer_number: {e}"));
                continue;
            }
        };
        let name = name.trim();
        let chars = name.chars().count();
        if chars == 0 || chars > MAX_NAME_CHARS || name.chars().any(char::is_control) {
            errors.push(format!(
                "{file}:{line}: name: 1 to {MAX_NAME_CHARS} characters without control characters ({chars} given)"
            ));
            continue;
        }
        if let Some(first) = seen.insert(number.clone(), line) {
            errors.push(format!(
                "{file}:{line}: insurer_number: {number} is also on line {first}"
            ));
            continue;
        }
        rows.push((number, name.to_string()));
    }
    if !header_seen {
        errors.push(format!(
            "{file}: empty file (expected the header insurer_number,name)"
        ));
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(RegisterError::Invalid(errors))
    }
}

/// Loads a register file: all rows or none.
pub async fn load_register(
    store: &dyn Store,
    path: &Path,
    dry_run: bool,
) -> Result<RegisterLoad, RegisterError> {
    let rows = parse_register(path)?;
    let counts = store
        .upsert_insurers(&rows, time::OffsetDateTime::now_utc(), dry_run)
        .await?;
    Ok(RegisterLoad {
        rows: rows.len(),
        counts,
        dry_run,
    })
}
