//! Naming DCE/RPC traffic: which interface a TCP flow carries, learned from the endpoint
//! mapper's answers, from `bind` PDUs and from SMB named pipes. Most Windows services
//! beyond the fixed ports run on dynamic ports that only this can name. The operation
//! table names the calls (opnums) of the interfaces that matter most.
//!
//! The parsers are here; the tracker that applies them to flows is a pipeline stage
//! (`pipeline::rpc_tracker`).

pub mod epm;
pub mod id;
pub mod interfaces;
mod markdown;
pub mod operations;
pub mod pdu;
pub mod smb;

pub use id::{RpcId, Via};
pub use interfaces::{InterfaceTable, RpcInterface};
pub use operations::{Operation, OperationTable};
