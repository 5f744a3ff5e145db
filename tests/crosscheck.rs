//! Independent cross-check against tshark: `tests/tshark_crosscheck.py` rebuilds every
//! conversation from `tshark -T fields` (per-packet headers, no reassembly) and compares
//! packets and bytes per flow and direction, and the file totals, with wiretally's
//! `--flows` output. Runs on every fixture and on the real captures in
//! `../shared/captures/ndpi/` when it is beside the clone. Skipped, with a message, when
//! tshark or python3 is missing (a failure under CI, which installs them).
//!
//! A binary of its own, not a module of `tests/integration/`: it checks wiretally against
//! an outside tool (tshark, through python3) over every capture, the slowest test of all,
//! so it is run, and its failures read, apart from the tests of the code
//! (`cargo test --test crosscheck`). It shares the helpers of `tests/integration/common.rs`.

#[path = "integration/common.rs"]
mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};

#[test]
fn flows_match_tshark() {
    for tool in ["tshark", "python3"] {
        if !common::available(tool, "--version") {
            return common::skip(&format!(
                "tshark cross-check: `{tool}` is not installed (CI installs it)"
            ));
        }
    }
    let root = common::root();
    let mut files: Vec<PathBuf> = common::fixtures()
        .into_iter()
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| ["pcap", "pcapng"].contains(&e))
        })
        .collect();
    assert!(!files.is_empty(), "no fixtures in {}", root.display());
    if let Some(ndpi) = common::shared_capture("ndpi") {
        files.extend(common::files_of(&ndpi));
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
    let stderr = common::stderr(&out);
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
