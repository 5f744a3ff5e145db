//! The engine recipe, tested: Parquet flow records from every fixture and every real
//! capture (those of `../shared/captures/ndpi`, when present), read by DuckDB
//! (`tests/duckdb_check.py`), give the same flows, packets and bytes per report line as
//! wiretally's own JSON summary. Skipped (with a message) when python3 has no `duckdb`
//! module; `.ci/run` installs it, so under CI that is a failure.
//!
//! A binary of its own, not a module of `tests/integration/`: it checks wiretally's
//! Parquet against an outside engine (DuckDB, through python3) over every capture, so it
//! is run, and its failures read, apart from the tests of the code
//! (`cargo test --test duckdb`); and it exists only with the `parquet` feature. It shares
//! the helpers of `tests/integration/common.rs`.
#![cfg(feature = "parquet")]

#[path = "integration/common.rs"]
mod common;

use std::process::Command;

use common::{bin, captures, fixtures, root, stderr, tempdir};

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
    let dir = tempdir();
    let mut pairs = Vec::new();
    for (i, capture) in captures().iter().enumerate() {
        let json = dir.path().join(format!("{i}.json"));
        let parquet = dir.path().join(format!("{i}.parquet"));
        let out = bin()
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
        .arg(root().join("tests/duckdb_check.py"))
        .args(&pairs)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    println!("{report}");
    assert!(out.status.success(), "{report}{}", stderr(&out));
}
