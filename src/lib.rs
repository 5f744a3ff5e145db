//! wiretally: classify packet captures by Windows service port.
//!
//! The library is a pure core between two edges, in layers (each imports only those
//! listed before it; `tests/integration/architecture.rs` checks this from the imports):
//!
//! - [`decode`]: frame bytes to a packet summary; owns the wire numbers.
//! - [`table`]: the port table and its dense lookup arrays.
//! - [`inspect`]: payload parsers (fingerprints, TLS names, DCE/RPC).
//! - [`flow`]: connection tracking (keys, state, table, expiry, the flow-table thread).
//! - [`classify`]: server side, service entry, connection outcome, port/payload mismatch.
//! - [`summary`]: the report model, its order, merge, diagnoses and hints.
//! - [`aggregate`]: per-line accumulators turning classified flows into summary lines.
//! - [`capture`]: the packet sources (files, directories, live, filters, pcap writer).
//! - [`pipeline`]: the analyzer wiring the stages; flow records; the `-R` runner.
//! - [`report`]: one writer per output format, the table views and the live view.
//!
//! [`fuzz_entry`] holds the entry points the fuzzers and their property-test mirrors call.

pub mod aggregate;
pub mod capture;
pub mod classify;
pub mod decode;
pub mod flow;
pub mod fuzz_entry;
pub mod inspect;
pub mod pipeline;
pub mod report;
pub mod summary;
pub mod table;
