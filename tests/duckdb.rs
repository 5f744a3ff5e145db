//! The engine recipe, tested: Parquet flow records from every fixture and every real
//! capture (those of `../shared/captures/ndpi`, when present), read by DuckDB
//! (`tests/duckdb_check.py`), give the same flows, packets and bytes per report line as
//! wiretally's own JSON summary. Skipped (with a message) when python3 has no `duckdb`
//! module; `.ci/run` installs it, so under CI that is a failure.
#![cfg(feature = "parquet")]

mod common;
use common::{captures, fixtures};

use std::path::Path;
use std::process::Command;

#[test]
fn duckdb_reads_the_same_totals_per_line_as_the_summary() {
    let has_duckdb = Command::new("python3")
        .args(["-c", "import duckdb"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_duckdb {
        // CI installs it (.ci/run), so there a missing module is a failure, not a skip.
        return common::skip("python3 has no duckdb module (pip install duckdb)");
    }
    let dir = tempfile::tempdir().unwrap();
    let mut pairs = Vec::new();
    for (i, capture) in captures().iter().enumerate() {
        let json = dir.path().join(format!("{i}.json"));
        let parquet = dir.path().join(format!("{i}.parquet"));
        let out = Command::new(env!("CARGO_BIN_EXE_wiretally"))
            .args(["read", "--no-progress", "--format", "json", "--flows"])
            .arg(&parquet)
            .arg(capture)
            .output()
            .unwrap();
        if !out.status.success() {
            // Files wiretally refuses (not a capture at all) have nothing to compare.
            assert_eq!(out.status.code(), Some(1), "{}", capture.display());
            continue;
        }
        std::fs::write(&json, &out.stdout).unwrap();
        pairs.push(json);
        pairs.push(parquet);
    }
    // Every fixture is a capture; the real captures are there only beside ../shared.
    assert!(
        pairs.len() / 2 >= fixtures().len(),
        "captures read: {} of {} fixtures and more",
        pairs.len() / 2,
        fixtures().len()
    );
    let out = Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/duckdb_check.py"))
        .args(&pairs)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    println!("{report}");
    assert!(
        out.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
