//! The payload part of the report model: which protocols the payloads of a line looked
//! like, the TLS server names seen, and the ports whose payload is not what the table says.

use serde::{Deserialize, Serialize};

use super::counters::Counters;
use super::kinds::LineTransport;

/// Flows of one protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtocolCount {
    /// `tls`, `http`, `ssh`, ..., or `unrecognized`.
    pub protocol: String,
    /// Flows whose payload looked like it.
    pub flows: u64,
}

/// Flows that asked for one TLS server name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameCount {
    /// The server name (SNI).
    pub name: String,
    /// Flows.
    pub flows: u64,
}

/// Flows on a well-known port whose payload contradicts it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MismatchLine {
    /// The table entry the port belongs to, if any.
    pub service: Option<String>,
    /// `tcp` or `udp`.
    pub transport: LineTransport,
    /// The server port.
    pub port: u16,
    /// What the port should carry.
    pub expected: Vec<String>,
    /// What the payload looked like instead (`unrecognized` only where the port's
    /// protocol is checked strictly: DNS).
    pub seen: String,
    /// Their traffic.
    #[serde(flatten)]
    pub counters: Counters,
    /// One of the flows, `client -> server:port`.
    pub example: String,
}
