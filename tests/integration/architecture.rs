//! The architecture, checked from the code's own imports: every `crate::` and `super::`
//! path in the library's non-test code is resolved to the file it names, and the graph of
//! files must have no circle, and each layer may import only the layers its `mod.rs`
//! says it may. Run it with `--nocapture` to see the arrows.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What each layer (top-level module of the library) may import, besides itself.
/// The pure layers import no capture source, writer or pipeline code.
const ALLOWED: &[(&str, &[&str])] = &[
    ("table", &["decode"]),
    ("decode", &[]),
    ("inspect", &["decode", "table"]),
    ("flow", &["decode", "inspect"]),
    ("classify", &["decode", "flow", "table", "inspect"]),
    (
        "aggregate",
        &["decode", "flow", "table", "inspect", "classify", "summary"],
    ),
    (
        "summary",
        &["decode", "flow", "table", "inspect", "classify"],
    ),
    (
        "pipeline",
        &[
            "decode",
            "flow",
            "table",
            "inspect",
            "classify",
            "aggregate",
            "summary",
            "capture",
        ],
    ),
    ("capture", &["decode", "summary"]),
    ("report", &["summary", "pipeline", "classify", "table"]),
    (
        "fuzz_entry",
        &[
            "decode", "flow", "table", "capture", "pipeline", "summary", "inspect",
        ],
    ),
];

/// The library's sources, read by path from the project root.
fn src() -> PathBuf {
    crate::common::root().join("src")
}

/// The module path of a library file: `src/flow/table.rs` -> ["flow", "table"].
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src()).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The library's files (not the binary's: main, cli, commands).
fn library_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().unwrap() != "commands" {
                    walk(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                if !["main.rs", "cli.rs"].contains(&name.as_str()) {
                    out.push(path);
                }
            }
        }
    }
    let mut files = Vec::new();
    walk(&src(), &mut files);
    files.sort();
    files
}

/// The file a module path names, taking the longest prefix that is a file.
fn file_of(modules: &BTreeMap<Vec<String>, PathBuf>, path: &[String]) -> Option<PathBuf> {
    (1..=path.len())
        .rev()
        .find_map(|n| modules.get(&path[..n]).cloned())
}

/// The code of a file without its unit-test module (from `#[cfg(test)]` followed by a
/// `mod` on); an item-level `#[cfg(test)]` elsewhere does not end the code.
fn non_test_code(text: &str) -> &str {
    text.find("#[cfg(test)]\nmod ")
        .map_or(text, |at| &text[..at])
}

/// Every path that starts with `crate::` or `super::` (also inside `use` groups, whose
/// first segment is what matters here), as module segments relative to the crate.
fn imported_paths(code: &str, here: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(at) = code[from..].find(start) {
            let at = from + at;
            from = at + start.len();
            if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_') {
                continue;
            }
            let line_start = code[..at].rfind('\n').map_or(0, |i| i + 1);
            if code[line_start..at].trim_start().starts_with("//") {
                continue;
            }
            let rest = &code[at..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            // `crate::{a::X, b::Y}`: each member of the group is a path of its own.
            if rest[..end] == *start && rest[end..].starts_with('{') {
                let group = rest[end + 1..].split('}').next().unwrap_or("");
                for member in group.split(',') {
                    let member = member.trim();
                    if !member.is_empty() {
                        let mut path = if start == "crate::" {
                            Vec::new()
                        } else {
                            let mut b = here.to_vec();
                            b.pop();
                            b
                        };
                        path.extend(
                            member
                                .split("::")
                                .map(|s| s.trim().to_string())
                                .filter(|s| !s.is_empty()),
                        );
                        out.push(path);
                    }
                }
                continue;
            }
            let segments: Vec<String> = rest[..end]
                .split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            let mut base: Vec<String> = if start == "crate::" {
                Vec::new()
            } else {
                // `super` names the parent module, for `a/b.rs` and `a/mod.rs` alike
                // (their module paths are [a, b] and [a]).
                let mut b = here.to_vec();
                b.pop();
                b
            };
            let mut segs = segments.into_iter().skip(1).peekable();
            while segs.peek().is_some_and(|s| s == "super") {
                base.pop();
                segs.next();
            }
            base.extend(segs);
            out.push(base);
        }
    }
    // A child module named without `crate::`: `use child::...` (a re-export in a mod.rs),
    // `child::item(...)` in code, or `self::child::...`.
    let children: Vec<&str> = code
        .lines()
        .filter_map(|line| {
            let line = line.trim_start();
            let rest = line
                .strip_prefix("pub mod ")
                .or_else(|| line.strip_prefix("mod "))?;
            rest.strip_suffix(';')
        })
        .collect();
    for child in children {
        let needle = format!("{child}::");
        let named = code.match_indices(&needle).any(|(at, _)| {
            let before = &code[..at];
            let plain = !before
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
            plain || before.ends_with("self::") && !before.ends_with("::self::")
        });
        if named {
            let mut path = here.to_vec();
            path.push(child.to_string());
            out.push(path);
        }
    }
    out
}

/// The file graph: file -> files it imports.
fn graph() -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let files = library_files();
    let modules: BTreeMap<Vec<String>, PathBuf> =
        files.iter().map(|f| (module_of(f), f.clone())).collect();
    let mut edges = BTreeMap::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let here = module_of(file);
        let mut to = BTreeSet::new();
        for path in imported_paths(non_test_code(&text), &here) {
            if let Some(target) = file_of(&modules, &path) {
                // A `use` of an external crate resolves to no file of ours (or, by
                // prefix, to this one), and is skipped.
                if &target != file && !path.is_empty() {
                    to.insert(target);
                }
            }
        }
        edges.insert(file.clone(), to);
    }
    edges
}

fn short(p: &Path) -> String {
    p.strip_prefix(src()).unwrap().display().to_string()
}

#[test]
fn the_library_has_no_import_circles() {
    let edges = graph();
    let mut arrows = 0;
    for (from, to) in &edges {
        for t in to {
            println!("{} -> {}", short(from), short(t));
            arrows += 1;
        }
    }
    println!("{arrows} arrows between {} files", edges.len());
    // Depth-first search for a back edge; report the circle it closes.
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut marks: BTreeMap<&PathBuf, Mark> = edges.keys().map(|k| (k, Mark::New)).collect();
    let mut circles = Vec::new();
    fn visit<'a>(
        node: &'a PathBuf,
        edges: &'a BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        marks: &mut BTreeMap<&'a PathBuf, Mark>,
        stack: &mut Vec<&'a PathBuf>,
        circles: &mut Vec<String>,
    ) {
        marks.insert(node, Mark::Open);
        stack.push(node);
        for next in &edges[node] {
            match marks[next] {
                Mark::New => visit(next, edges, marks, stack, circles),
                Mark::Open => {
                    let at = stack.iter().position(|n| *n == next).unwrap();
                    let names: Vec<String> = stack[at..].iter().map(|p| short(p)).collect();
                    circles.push(format!("{} -> {}", names.join(" -> "), short(next)));
                }
                Mark::Done => {}
            }
        }
        stack.pop();
        marks.insert(node, Mark::Done);
    }
    for node in edges.keys() {
        if marks[node] == Mark::New {
            visit(node, &edges, &mut marks, &mut Vec::new(), &mut circles);
        }
    }
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

#[test]
fn each_layer_imports_only_what_it_may() {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let layer = |p: &Path| module_of(p).first().cloned().unwrap_or_default();
    let mut wrong = Vec::new();
    for (from, to) in graph() {
        let from_layer = layer(&from);
        if from_layer.is_empty() {
            continue; // lib.rs declares the layers
        }
        let Some(may) = allowed.get(from_layer.as_str()) else {
            wrong.push(format!(
                "{}: layer '{from_layer}' has no rule",
                short(&from)
            ));
            continue;
        };
        for t in to {
            let to_layer = layer(&t);
            if to_layer != from_layer && !may.contains(&to_layer.as_str()) {
                wrong.push(format!("{} -> {}", short(&from), short(&t)));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layering:\n{}",
        wrong.join("\n")
    );
}
