//! wiretally: classify packet captures by Windows service port.
//!
//! The library is the pure core plus its edges:
//! [`table`] loads the port table and builds the dense lookup arrays,
//! [`capture`] reads frames from files (and an in-memory source for tests),
//! [`decode`] turns a frame into addresses, ports and flags,
//! [`flow`] keeps bidirectional flows, [`classify`] picks server side and service,
//! [`analyze`] runs the pipeline into a [`summary::Summary`], and [`report`] renders it.

pub mod aggregate;
pub mod analyze;
pub mod capture;
pub mod classify;
pub mod conn;
pub mod decode;
pub mod expiry;
pub mod fingerprint;
pub mod flow;
pub mod flow_stage;
pub mod focus;
pub mod fuzz_entry;
pub mod hints;
pub mod merge;
pub mod payload_summary;
pub mod privileges;
pub mod report;
pub mod rpc;
pub mod summary;
pub mod table;
pub mod tally;
pub mod timing;
