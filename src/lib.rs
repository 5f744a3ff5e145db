//! wiretally: classify packet captures by Windows service port.
//!
//! The library is the pure core plus its edges:
//! [`table`] loads the port table and builds the dense lookup arrays,
//! [`capture`] reads frames from files (and an in-memory source for tests),
//! [`decode`] turns a frame into addresses, ports and flags,
//! [`flow`] keeps bidirectional flows, [`classify`] picks server side and service,
//! [`analyze`] runs the pipeline into a [`summary::Summary`], and [`report`] renders it.

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
