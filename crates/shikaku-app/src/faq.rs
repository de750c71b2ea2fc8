//! The FAQ: the entries shipped in `content/faq/` (embedded at build time) or, when an
//! operator points at a folder, every `*.md` in it; one index serves the CLI and the page.

use std::path::Path;

use shikaku_faq::FaqIndex;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/faq_entries.rs"));
}

/// The FAQ shipped with this build.
pub fn builtin() -> anyhow::Result<FaqIndex> {
    Ok(FaqIndex::from_files(embedded::EMBEDDED.iter().copied())?)
}

/// Every `*.md` in `dir` (errors name the file and line).
pub fn load(dir: &Path) -> anyhow::Result<FaqIndex> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("cannot read the FAQ folder {}: {e}", dir.display()))?;
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    paths.sort();
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        files.push((path.display().to_string(), text));
    }
    Ok(FaqIndex::from_files(
        files.iter().map(|(n, t)| (n.as_str(), t.as_str())),
    )?)
}

/// `dir` when given, else the built-in FAQ.
pub fn index(dir: Option<&Path>) -> anyhow::Result<FaqIndex> {
    match dir {
        Some(dir) => load(dir),
        None => builtin(),
    }
}
