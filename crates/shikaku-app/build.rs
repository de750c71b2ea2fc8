//! Embeds the data files that ship with the binary, so adding one is adding a file (no code
//! change): every `rules/subsidy/*.toml` (subsidy rule sets) and every `content/faq/*.md`
//! (FAQ entries), from the repository root. Reads local files only.

use std::{env, fs, path::PathBuf};

fn embed(folder: &str, extension: &str, out_name: &str) {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("manifest dir"))
        .join("../..")
        .join(folder);
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == extension))
        .collect();
    files.sort();
    let mut out = String::from("pub(crate) const EMBEDDED: &[(&str, &str)] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().expect("file name").to_string_lossy();
        let abs = fs::canonicalize(f).expect("canonical path");
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            abs.display().to_string()
        ));
    }
    out.push_str("];\n");
    let dest = PathBuf::from(env::var("OUT_DIR").expect("out dir")).join(out_name);
    fs::write(dest, out).expect("write generated file list");
}

fn main() {
    embed("rules/subsidy", "toml", "subsidy_rules.rs");
    embed("content/faq", "md", "faq_entries.rs");
}
