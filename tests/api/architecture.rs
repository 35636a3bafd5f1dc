//! The layering rule, checked on the source: a module may use its own layer and the layers below it,
//! never one above.
//!
//! ```text
//! domain ← db ← mail ← services (and state) ← jobs ← graphql ← http ← lib.rs, main.rs, demo.rs
//! ```
//!
//! `config`, `error`, `clock` and `telemetry` are base modules every layer may use; they may use the
//! domain only. The domain uses nothing else of the crate.

use std::path::{Path, PathBuf};

/// The layers, bottom first; a module may use the ones at or below its own rank.
const LAYERS: [&str; 7] = [
    "domain", "db", "mail", "services", "jobs", "graphql", "http",
];
const BASE: [&str; 4] = ["config", "error", "clock", "telemetry"];

/// Rank of a top-level module: base modules rank just above the domain, `state` with services,
/// the crate root's own files on top.
fn rank(module: &str) -> Option<usize> {
    match module {
        "domain" => Some(0),
        m if BASE.contains(&m) => Some(1),
        "state" => rank("services"),
        m => LAYERS.iter().position(|l| *l == m).map(|i| i + 1),
    }
}

const TOP: usize = 100;

/// The top-level module a source file belongs to.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// Every `crate::<module>` a file mentions (in `use` lines, paths and `crate::{a, b}` groups),
/// macros (`crate::connection!`) aside.
fn crate_refs(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                for item in group[..end].split(',') {
                    let name: String = item
                        .trim()
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() {
                        out.push((n + 1, name));
                    }
                }
                continue;
            }
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let is_macro = rest[name.len()..].starts_with('!');
            if !name.is_empty() && !is_macro {
                out.push((n + 1, name));
            }
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_module_uses_a_layer_above_its_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 50, "the source was found");
    let mut violations = Vec::new();
    for file in &files {
        let module = module_of(&src, file);
        let own = rank(&module).unwrap_or(TOP);
        let text = std::fs::read_to_string(file).unwrap();
        for (line, used) in crate_refs(&text) {
            let Some(theirs) = rank(&used) else {
                continue;
            };
            let allowed = match module.as_str() {
                // The domain is pure: nothing else of the crate.
                "domain" => used == "domain",
                // Base modules sit beside each other on top of the domain.
                m if BASE.contains(&m) => used == "domain" || BASE.contains(&used.as_str()),
                _ => theirs <= own,
            };
            if !allowed {
                violations.push(format!(
                    "{}:{line}: `{module}` uses `crate::{used}`",
                    file.strip_prefix(&src).unwrap().display()
                ));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "layering violations (domain ← db ← mail ← services ← jobs ← graphql ← http):\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_reference_finder_sees_paths_groups_and_ignores_macros_and_comments() {
    let refs = crate_refs(
        "use crate::services::auth;\nuse crate::{db, mail::outbox};\ncrate::connection!(X);\n// crate::http\nlet x = crate::jobs::run();",
    );
    let names: Vec<&str> = refs.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names, ["services", "db", "mail", "jobs"]);
}
