//! The report model: what a run found, per service entry, per unknown (transport, server
//! port), and per non-flow reason. Every writer (text, JSON, CSV) renders this one value,
//! and the JSON form of it is the documented machine interface (`schema_version`).
//!
//! Also: the order of lines, merging summaries of several runs, the RPC diagnosis text and
//! the `/etc/services` hints. May import: decode, table, flow, inspect and classify (the
//! connection states the counters take); nothing that reads or writes.

pub mod conn;
pub mod counters;
pub mod diagnosis;
pub mod hints;
pub mod kinds;
pub mod merge;
pub mod outcome;
pub mod payload;
pub mod timing;

use serde::{Deserialize, Serialize};

pub use counters::Counters;
pub use kinds::{LineMatch, LineTransport, OtherClass};

use crate::flow::expiry::{Expiry, ExpiryCounts};
use crate::summary::conn::{ConnCounters, FailedPair};
use crate::summary::outcome::{OutcomeLine, SmbFacts, SprayLine};
use crate::summary::payload::{MismatchLine, NameCount, ProtocolCount};
use crate::summary::timing::TimingReport;

/// Version of the JSON document; bumped when a field changes meaning or goes away.
pub const SCHEMA_VERSION: u32 = 3;

/// Run-wide totals.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// Frames counted (after the filter, if any).
    pub packets: u64,
    /// Sum of their on-the-wire lengths.
    pub bytes: u64,
    /// Flows.
    pub flows: u64,
    /// Earliest frame time, seconds since the epoch.
    pub first_ts: Option<f64>,
    /// Latest frame time, seconds since the epoch.
    pub last_ts: Option<f64>,
    /// Frames read from the sources, before the filter.
    pub packets_read: u64,
    /// Frames the filter dropped.
    pub packets_filtered_out: u64,
}

/// Traffic of one server port under a range entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortLine {
    /// Server port.
    pub port: u16,
    /// Counters.
    #[serde(flatten)]
    pub counters: Counters,
    /// What the flows' first payloads looked like, by flows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub looks_like: Vec<ProtocolCount>,
    /// TLS server names the flows asked for (at most `--top`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub server_names: Vec<NameCount>,
}

/// Traffic of one host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostLine {
    /// Address.
    pub addr: String,
    /// Counters.
    #[serde(flatten)]
    pub counters: Counters,
}

/// One server of a service line, with the clients that used it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerLine {
    /// Address.
    pub addr: String,
    /// Counters of the line's flows with this server.
    #[serde(flatten)]
    pub counters: Counters,
    /// SMB servers: the dialects, signing and encryption of their sessions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smb: Option<SmbFacts>,
    /// Distinct clients of this server on this line (after `merge`, a lower bound when a
    /// part's client list was cut to its `--top`).
    #[serde(default)]
    pub clients: u64,
    /// The clients of this server on this line, heaviest first (at most `--top`).
    #[serde(default)]
    pub top_clients: Vec<HostLine>,
}

/// One service entry of the table with the traffic classified to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceLine {
    /// Joined application protocols.
    pub label: String,
    /// `tcp`, `udp`, `sctp` or `ip`.
    pub transport: LineTransport,
    /// Exact port, for port entries.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub port: Option<u16>,
    /// `[lo, hi]`, for range entries.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub port_range: Option<[u16; 2]>,
    /// IP protocol number, for IP-protocol entries.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ip_proto: Option<u8>,
    /// `exact`, `range` or `ip_proto`: how strong the evidence is.
    #[serde(rename = "match")]
    pub match_kind: LineMatch,
    /// Windows system services behind the entry.
    pub system_services: Vec<String>,
    /// Counters.
    #[serde(flatten)]
    pub counters: Counters,
    /// Range entries: every server port seen, by bytes.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ports: Option<Vec<PortLine>>,
    /// How the connections went (attempts, established, failures by kind).
    #[serde(default)]
    pub connections: ConnCounters,
    /// Handshake, duration and packet-size percentiles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing: Option<TimingReport>,
    /// For a line of a DCE/RPC interface on a dynamic port: which interface, and how its
    /// flows were identified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpc: Option<RpcLineInfo>,
    /// DCE/RPC interfaces named on this line's flows (binds, named pipes) that stay under
    /// the line because its port is the service's own (SMB, the endpoint mapper).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rpc_interfaces: Vec<RpcUse>,
    /// The servers that answered this line's flows, heaviest first (at most `--top`),
    /// each with its own top clients: which DC a client used, which server refused it.
    #[serde(default)]
    pub top_servers: Vec<ServerLine>,
    /// What the servers answered above TCP (Kerberos, SMB, LDAP, DNS, DCE/RPC), worst
    /// first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outcomes: Vec<OutcomeLine>,
}

/// The interface of an RPC line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RpcLineInfo {
    /// Short name (`drsuapi`).
    pub interface: String,
    /// Specification (`MS-DRSR`).
    pub spec: String,
    /// Interface UUID.
    pub uuid: String,
    /// Interface version, `major.minor`.
    pub version: String,
    /// Flows by how their interface was found.
    pub identified_by: IdentifiedBy,
}

/// Flows by how their interface was found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IdentifiedBy {
    /// By the endpoint mapper's answer for the server and port.
    pub endpoint_mapper: u64,
    /// By their own bind or alter_context.
    pub bind: u64,
    /// By the SMB named pipe they opened.
    pub named_pipe: u64,
}

impl IdentifiedBy {
    /// Counts one flow found `via`.
    pub fn add(&mut self, via: crate::inspect::rpc::Via) {
        match via {
            crate::inspect::rpc::Via::EndpointMapper => self.endpoint_mapper += 1,
            crate::inspect::rpc::Via::Bind => self.bind += 1,
            crate::inspect::rpc::Via::NamedPipe => self.named_pipe += 1,
        }
    }

    /// Adds another line's counts (saturating: a hand-edited summary cannot wrap).
    pub fn merge(&mut self, other: &IdentifiedBy) {
        self.endpoint_mapper = self.endpoint_mapper.saturating_add(other.endpoint_mapper);
        self.bind = self.bind.saturating_add(other.bind);
        self.named_pipe = self.named_pipe.saturating_add(other.named_pipe);
    }

    /// `endpoint mapper 3, bind 1` (the non-zero ones).
    pub fn describe(&self) -> String {
        [
            ("endpoint mapper", self.endpoint_mapper),
            ("bind", self.bind),
            ("named pipe", self.named_pipe),
        ]
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(what, n)| format!("{what} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
    }
}

/// Flows of a line that carried one DCE/RPC interface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RpcUse {
    /// The interface's report label (`RPC: MS-LSAT lsarpc (...)`).
    pub label: String,
    /// Short name.
    pub interface: String,
    /// Flows.
    pub flows: u64,
    /// How they were identified.
    pub identified_by: IdentifiedBy,
}

/// Traffic no table entry names, per (transport, server port) or IP protocol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnknownLine {
    /// `tcp`, `udp`, `sctp` or `ip`.
    pub transport: LineTransport,
    /// Server port, for port transports.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub port: Option<u16>,
    /// IP protocol number, for protocols without ports.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ip_proto: Option<u8>,
    /// Protocol name for IP-protocol lines (e.g. `OSPF`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<String>,
    /// Counters.
    #[serde(flatten)]
    pub counters: Counters,
    /// Servers by bytes (at most `--top`).
    pub top_servers: Vec<HostLine>,
    /// Clients by bytes (at most `--top`).
    pub top_clients: Vec<HostLine>,
    /// The port's name in the system's services database (`/etc/services`): a hint of
    /// what usually runs there, not evidence of what this traffic is.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub port_name_hint: Option<String>,
    /// What the flows' first payloads looked like, by flows.
    #[serde(default)]
    pub looks_like: Vec<ProtocolCount>,
    /// TLS server names the flows asked for (at most `--top`).
    #[serde(default)]
    pub server_names: Vec<NameCount>,
    /// How the connections went.
    #[serde(default)]
    pub connections: ConnCounters,
    /// What the servers answered above TCP, worst first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outcomes: Vec<OutcomeLine>,
}

/// A service line with failed connection attempts: the failed-connections report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedLine {
    /// The service entry's label, or null for traffic no entry names.
    pub service: Option<String>,
    /// `tcp`, `udp`, `sctp` or `ip`.
    pub transport: LineTransport,
    /// Exact port (entries and unknown lines).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub port: Option<u16>,
    /// `[lo, hi]` for range entries.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub port_range: Option<[u16; 2]>,
    /// IP protocol number, for protocols without ports.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ip_proto: Option<u8>,
    /// Failed attempts: unanswered + rejected + unreachable.
    pub failed: u64,
    /// The line's connection counters.
    #[serde(flatten)]
    pub connections: ConnCounters,
    /// The client -> server pairs with the most failures (at most `--top`).
    pub top_pairs: Vec<FailedPair>,
    /// What the failures mean, when wiretally can say (the blocked dynamic RPC case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<String>,
}

impl FailedLine {
    /// A failed line from a service or unknown line's fields.
    pub fn new(
        service: Option<String>,
        transport: LineTransport,
        port: Option<u16>,
        port_range: Option<[u16; 2]>,
        ip_proto: Option<u8>,
        connections: &ConnCounters,
        top_pairs: Vec<FailedPair>,
    ) -> FailedLine {
        FailedLine {
            service,
            transport,
            port,
            port_range,
            ip_proto,
            failed: connections.failed(),
            connections: connections.clone(),
            top_pairs,
            diagnosis: None,
        }
    }

    /// Whether no attempt got through: the signature of a port blocked outright.
    pub fn all_failed(&self) -> bool {
        self.connections.established == 0
    }

    /// Orders the lines so the most likely firewall problems come first: lines where
    /// nothing got through, TCP before other protocols (a SYN expects an answer; a
    /// datagram may be one-way by design), then by share of failed attempts, then by
    /// failures.
    pub fn sort_most_likely_blocked_first(lines: &mut [FailedLine]) {
        let share = |l: &FailedLine| l.failed as f64 / l.connections.attempts.max(1) as f64;
        let tcp = |l: &FailedLine| l.transport == LineTransport::Tcp;
        lines.sort_by(|a, b| {
            b.all_failed()
                .cmp(&a.all_failed())
                .then(tcp(b).cmp(&tcp(a)))
                .then(share(b).total_cmp(&share(a)))
                .then(b.failed.cmp(&a.failed))
                .then(a.transport.cmp(&b.transport))
                .then(a.port.cmp(&b.port))
                .then(a.port_range.cmp(&b.port_range))
                .then(a.service.cmp(&b.service))
        });
    }
}

/// Frames that are not flow packets, per kind and reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherLine {
    /// `non_ip`, `icmp`, `icmpv6`, `undecodable`, `fragment_unmatched` or
    /// `outside_focus`.
    pub kind: OtherClass,
    /// What exactly (e.g. `ARP (EtherType 0x0806)`).
    pub reason: String,
    /// Frames.
    pub packets: u64,
    /// Their on-the-wire bytes.
    pub bytes: u64,
}

/// A whole run's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// JSON schema version.
    pub schema_version: u32,
    /// Files read (or the interface).
    pub sources: Vec<String>,
    /// Where the port table came from.
    pub table: String,
    /// The BPF filter, if any.
    pub filter: Option<String>,
    /// The focus options (`--host`, `--service`, `--failed`), if any.
    #[serde(default)]
    pub focus: Option<String>,
    /// Totals.
    pub totals: Totals,
    /// Service entries with traffic, by bytes.
    pub services: Vec<ServiceLine>,
    /// Unknown traffic, by bytes.
    pub unknown: Vec<UnknownLine>,
    /// Non-flow frames, by bytes.
    pub other: Vec<OtherLine>,
    /// Service lines with failed connection attempts, most likely blocked first.
    #[serde(default)]
    pub failed: Vec<FailedLine>,
    /// Flows on well-known ports whose payload contradicts the port, by flows.
    #[serde(default)]
    pub mismatches: Vec<MismatchLine>,
    /// Clients that failed to log on as many distinct accounts (likely password sprays),
    /// most accounts first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub password_spray: Vec<SprayLine>,
    /// ICMP errors that quoted a packet of no flow seen (the original packet was not
    /// captured or filtered out).
    #[serde(default)]
    pub icmp_errors_unmatched: u64,
    /// Warnings (cut-off files, table notes).
    pub warnings: Vec<String>,
    /// libpcap's counters at the end of a live capture.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub capture_stats: Option<CaptureStats>,
    /// How flows ended early: the expiry settings and what they did.
    #[serde(default)]
    pub flow_table: FlowTableReport,
    /// Entries kept in each top list (hosts, pairs, server names): `--top`.
    #[serde(default)]
    pub top: usize,
    /// What a merged summary could only approximate (empty for one run).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approximate: Vec<String>,
}

/// The flow table's expiry settings and counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct FlowTableReport {
    /// Idle timeout in seconds (null: off).
    pub idle_timeout_s: Option<f64>,
    /// Grace period after close in seconds (null: off).
    pub closed_grace_s: Option<f64>,
    /// The `--max-flows` cap (null: none).
    pub max_flows: Option<u64>,
    /// What expiry did.
    #[serde(flatten)]
    pub counts: ExpiryCounts,
}

impl FlowTableReport {
    /// The report of a run with these settings and counts.
    pub fn new(expiry: &Expiry, counts: ExpiryCounts) -> FlowTableReport {
        FlowTableReport {
            idle_timeout_s: expiry.idle_timeout_ns.map(ns_to_secs),
            closed_grace_s: expiry.closed_grace_ns.map(ns_to_secs),
            max_flows: expiry.max_flows.map(|n| n as u64),
            counts,
        }
    }
}

/// libpcap's packet counters for a live capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptureStats {
    /// Packets the capture received.
    pub received: u64,
    /// Packets dropped because the capture buffer was full.
    pub dropped: u64,
    /// Packets dropped by the interface or its driver.
    pub if_dropped: u64,
}

impl Summary {
    /// Packets and bytes over all lines; equal to the totals on every run
    /// (the reconciliation invariant).
    pub fn line_sums(&self) -> (u64, u64) {
        let mut packets = 0;
        let mut bytes = 0;
        for s in &self.services {
            packets += s.counters.packets;
            bytes += s.counters.bytes;
        }
        for u in &self.unknown {
            packets += u.counters.packets;
            bytes += u.counters.bytes;
        }
        for o in &self.other {
            packets += o.packets;
            bytes += o.bytes;
        }
        (packets, bytes)
    }
}

/// Seconds since the epoch from nanoseconds.
pub fn ns_to_secs(ns: i64) -> f64 {
    ns as f64 / 1e9
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_add_and_merge() {
        let mut a = Counters::default();
        a.add_flow(2, 100, 1, 50);
        let mut b = Counters::default();
        b.add_flow(1, 10, 0, 0);
        b.add_flow(1, 10, 1, 10);
        a.merge(&b);
        assert_eq!(a.flows, 3);
        assert_eq!(a.packets, 6);
        assert_eq!(a.bytes, 180);
        assert_eq!(a.packets_c2s, 4);
        assert_eq!(a.bytes_s2c, 60);
    }
}

/// The orders of report lines, one per kind, shared by a run and a merge so that both
/// list the same lines the same way.
pub mod order {
    use std::cmp::Ordering;

    use super::{PortLine, RpcUse, ServiceLine, UnknownLine};
    use crate::summary::payload::{MismatchLine, NameCount, ProtocolCount};

    /// Services: most bytes first, then by label and port.
    pub fn services(a: &ServiceLine, b: &ServiceLine) -> Ordering {
        b.counters
            .bytes
            .cmp(&a.counters.bytes)
            .then(a.label.cmp(&b.label))
            .then(a.port.cmp(&b.port))
    }

    /// Unknown traffic: most bytes first, then by transport, port and IP protocol.
    pub fn unknown(a: &UnknownLine, b: &UnknownLine) -> Ordering {
        b.counters
            .bytes
            .cmp(&a.counters.bytes)
            .then(a.transport.cmp(&b.transport))
            .then(a.port.cmp(&b.port))
            .then(a.ip_proto.cmp(&b.ip_proto))
    }

    /// Server ports of a range entry: most bytes first, then by port.
    pub fn ports(a: &PortLine, b: &PortLine) -> Ordering {
        (b.counters.bytes, a.port).cmp(&(a.counters.bytes, b.port))
    }

    /// Port/payload mismatches: most flows first, then by port and what was seen.
    pub fn mismatches(a: &MismatchLine, b: &MismatchLine) -> Ordering {
        b.counters
            .flows
            .cmp(&a.counters.flows)
            .then(a.port.cmp(&b.port))
            .then(a.seen.cmp(&b.seen))
    }

    /// RPC interfaces of a line: most flows first, then by label.
    pub fn rpc_uses(a: &RpcUse, b: &RpcUse) -> Ordering {
        b.flows.cmp(&a.flows).then(a.label.cmp(&b.label))
    }

    /// Looks-like protocols: most flows first, then by name.
    pub fn protocols(a: &ProtocolCount, b: &ProtocolCount) -> Ordering {
        b.flows.cmp(&a.flows).then(a.protocol.cmp(&b.protocol))
    }

    /// Server names: most flows first, then by name.
    pub fn names(a: &NameCount, b: &NameCount) -> Ordering {
        b.flows.cmp(&a.flows).then(a.name.cmp(&b.name))
    }
}
