//! The integration tests, one binary with a module per area (as ripgrep keeps them): the
//! library, with arrow and parquet, is linked once for all of them instead of once per
//! file, and the helpers they share live once, in `common`. Run one area with
//! `cargo test --test integration cli::` (or any part of a test's name).
//!
//! The tests that need the machine rather than the code (root and network namespaces,
//! tshark, DuckDB) are separate binaries: `tests/live.rs`, `tests/crosscheck.rs` and
//! `tests/duckdb.rs`, using this `common` too.

mod common;

mod architecture;
mod cli;
mod errors;
mod expiry;
mod fuzz_mirror;
mod hostile;
mod many_files;
mod merge;
mod readers;
mod rpc;
mod snapshots;
