//! Independent cross-check against tshark: `tests/tshark_crosscheck.py` rebuilds every
//! conversation from `tshark -T fields` (per-packet headers, no reassembly) and compares
//! packets and bytes per flow and direction, and the file totals, with wiretally's
//! `--flows` output. Runs on every fixture and on the real captures in
//! `../shared/captures/ndpi/`. Skipped, with a message, when tshark or python3 is missing.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// True when `program --version` runs and succeeds.
fn available(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Files of `dir` (sorted), optionally only those with one of `extensions`.
fn files_in(dir: &Path, extensions: Option<&[&str]>) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| match extensions {
            None => true,
            Some(exts) => p
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| exts.contains(&e)),
        })
        .collect();
    files.sort();
    files
}

#[test]
fn flows_match_tshark() {
    for tool in ["tshark", "python3"] {
        if !available(tool) {
            println!("SKIPPED tshark cross-check: `{tool}` is not installed (CI installs it)");
            eprintln!("SKIPPED tshark cross-check: `{tool}` is not installed (CI installs it)");
            return;
        }
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = files_in(&root.join("fixtures"), Some(&["pcap", "pcapng"]));
    let ndpi = root.join("../shared/captures/ndpi");
    let ndpi = ndpi.canonicalize().unwrap_or(ndpi);
    let real = files_in(&ndpi, None);
    if real.is_empty() {
        eprintln!(
            "note: no real captures in {}; cross-checking the fixtures only",
            ndpi.display()
        );
    }
    files.extend(real);
    if files.is_empty() {
        println!("SKIPPED tshark cross-check: no capture files found");
        return;
    }

    let out = Command::new("python3")
        .arg(root.join("tests/tshark_crosscheck.py"))
        .arg("--wiretally")
        .arg(env!("CARGO_BIN_EXE_wiretally"))
        .args(["--jobs", "2"])
        .args(&files)
        .stdin(Stdio::null())
        .output()
        .expect("python3 runs the cross-check script");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stdout.lines().last().unwrap_or("").to_string();
    assert!(
        out.status.success(),
        "tshark cross-check failed ({last}):\n{stdout}\n{stderr}"
    );
    assert!(
        last.ends_with(" 0 failed"),
        "unexpected summary line {last:?}\n{stdout}"
    );
    println!("tshark cross-check: {last} ({} files)", files.len());
}
