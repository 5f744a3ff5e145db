//! The pipeline: the stages wired together, frames in, a summary out. The analyzer does
//! no I/O (sources push frames in, writers render the result); the file pump and the
//! directory runner are where capture files are read.
//!
//! Files: [`analyzer`] (the per-packet dispatcher and summary assembly), [`record`] (flow
//! records), `other` (non-flow frames), [`focus`], [`rpc_tracker`] (DCE/RPC names applied
//! to flows), [`pump`] (a capture file through the analyzer) and [`parallel`] (`read -R`).
//! May import every layer below it and the capture sources; no writer or CLI code.

pub mod analyzer;
pub mod focus;
mod other;
pub mod outcomes;
pub mod parallel;
pub mod pump;
pub mod record;
pub mod rpc_tracker;

pub use analyzer::{Analyzer, SummaryOptions};
pub use record::{FlowRecord, FlowSink};
