//! Subsidy rule sets: the ones shipped in `rules/subsidy/` (embedded at build time) or, when an
//! operator points at a folder, every `*.toml` in it.

use std::path::Path;

use shikaku_domain::subsidy::{RuleBook, RuleSet};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/subsidy_rules.rs"));
}

/// The rule sets shipped with this build.
pub fn builtin_rules() -> anyhow::Result<RuleBook> {
    let sets = embedded::EMBEDDED
        .iter()
        .map(|(name, text)| RuleSet::from_toml(name, text))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RuleBook::new(sets)?)
}

/// Every `*.toml` rule set in `dir` (errors name the file).
pub fn load_rules(dir: &Path) -> anyhow::Result<RuleBook> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("cannot read the rule folder {}: {e}", dir.display()))?;
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    let mut sets = Vec::with_capacity(paths.len());
    for path in paths {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        sets.push(RuleSet::from_toml(&path.display().to_string(), &text)?);
    }
    Ok(RuleBook::new(sets)?)
}

/// `dir` when given, else the built-in rule sets.
pub fn rules(dir: Option<&Path>) -> anyhow::Result<RuleBook> {
    match dir {
        Some(dir) => load_rules(dir),
        None => builtin_rules(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_hold_both_2020_sets() {
        let book = builtin_rules().expect("built-in rules");
        let names: Vec<_> = book.sets().iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["2020-acceleration", "2020-original"]);
    }
}
