//! Per-service aggregation: classified flows folded into service, range-port and unknown
//! counters, then turned into the report's lines. Used at the end of a run and for live
//! snapshots alike.
//!
//! May import: decode, table, flow, inspect, classify and summary (the lines it builds).
//! Not capture sources, writers or the pipeline.

pub mod outcomes;
pub mod pairs;
pub mod payload;
pub mod tally;
pub mod timing;

use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::summary::payload::MismatchLine;

use crate::aggregate::payload::PayloadAcc;

use crate::aggregate::outcomes::OutcomeAcc;
use crate::aggregate::pairs::PairFailures;
use crate::aggregate::tally::BoundedTally;
use crate::aggregate::timing::{PacketSizes, ServiceTiming};
use crate::classify::conn::ConnState;
use crate::classify::mismatch::{looks_like, mismatch};
use crate::classify::{Classification, classify};
use crate::decode::{self, AddrBytes};
use crate::flow::{FlowKey, FlowState};
use crate::inspect::fingerprint::Fingerprint;
use crate::inspect::outcome::answers::FlowAnswers;
use crate::inspect::rpc::InterfaceTable;
use crate::summary::UnknownLine;
use crate::summary::conn::{ConnCounters, FailedPair};
use crate::summary::diagnosis::rpc_diagnosis_text;
use crate::summary::{Counters, FailedLine, HostLine, PortLine, ServerLine, ServiceLine};
use crate::summary::{IdentifiedBy, RpcLineInfo, RpcUse, order};
use crate::summary::{LineMatch, LineTransport};
use crate::table::{EntryScope, ServiceTable, Specificity};

/// Counters for every service entry, range port and unknown (transport, server port).
#[derive(Clone)]
pub struct Aggregates<'t> {
    table: &'t ServiceTable,
    per_entry: Vec<Counters>,
    /// Connection outcomes per entry.
    entry_conn: Vec<ConnCounters>,
    /// Timing histograms per entry, made on its first flow.
    entry_timing: Vec<Option<Box<ServiceTiming>>>,
    range_ports: FxHashMap<(u16, u16), Counters>,
    /// What the payloads of each range-only port looked like.
    range_payloads: FxHashMap<(u16, u16), PayloadAcc>,
    /// Flows whose payload contradicts their well-known port, per (IP protocol, port,
    /// what was seen): entry, counters and one example flow.
    mismatches: FxHashMap<(u8, u16, Fingerprint), MismatchAcc>,
    unknown: FxHashMap<(u8, u16), UnknownAcc>,
    /// Server and client hosts of unknown lines, one bound for all of them.
    hosts: BoundedTally<HostKey, Counters>,
    /// Failing client -> server pairs of every line, one bound for all of them.
    pairs: BoundedTally<PairKey, PairFailures>,
    /// Server and client of every flow of a service line, one bound for all of them.
    service_hosts: BoundedTally<ServiceHostKey, Counters>,
    /// What the servers of each line answered.
    outcomes: OutcomeAcc<LineRef>,
    /// The DCE/RPC interfaces flows can carry.
    interfaces: Arc<InterfaceTable>,
    /// Flows on dynamic ports named by their RPC interface, per (interface, port).
    rpc_lines: FxHashMap<(u16, u16), RpcAcc>,
    /// Flows of a table entry's own port that carried an RPC interface, per (entry,
    /// interface).
    entry_rpc: FxHashMap<(u16, u16), (u64, IdentifiedBy)>,
    /// Whether an RPC line was refused because [`MAX_RPC_LINES`] were full.
    rpc_lines_full: bool,
    flows: u64,
}

/// One RPC interface line's counters.
#[derive(Default, Clone)]
struct RpcAcc {
    counters: Counters,
    conn: ConnCounters,
    via: IdentifiedBy,
    /// Timing histograms (about 80 KB), for the first [`MAX_TIMED_RPC_LINES`] lines.
    timing: Option<Box<ServiceTiming>>,
}

/// Distinct (interface, port) RPC lines kept; flows of further ones are counted under
/// their range entry or unknown port, and the report says so.
pub const MAX_RPC_LINES: usize = 4096;

/// RPC lines that get timing histograms (the rest report none).
pub const MAX_TIMED_RPC_LINES: usize = 64;

/// A report line that can list failing pairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum LineRef {
    /// A table entry, by index.
    Entry(u16),
    /// An unknown (IP protocol, server port).
    Unknown(u8, u16),
    /// An RPC interface on a dynamic (port).
    Rpc(u16, u16),
}

/// An unknown line's host: (IP protocol, port, server side?, IPv6?, address).
type HostKey = (u8, u16, bool, bool, AddrBytes);

/// A failing pair: (line, IPv6?, client, server, server port).
type PairKey = (LineRef, bool, AddrBytes, AddrBytes, u16);

/// A service line's server and client: (line, IPv6?, server, client).
type ServiceHostKey = (LineRef, bool, AddrBytes, AddrBytes);

/// Distinct (unknown line, host) entries kept over the whole run before the lightest
/// half is dropped: exact for ordinary captures, about 25 MB at most in a scan.
pub const MAX_HOST_ENTRIES: usize = 1 << 18;

/// Distinct failing (line, client, server, port) pairs kept over the whole run.
pub const MAX_PAIR_ENTRIES: usize = 1 << 16;

/// Distinct (service line, server, client) entries kept over the whole run before the
/// lightest half is dropped: exact for ordinary captures, about 8 MB at most.
pub const MAX_SERVICE_HOST_ENTRIES: usize = 1 << 16;

impl crate::aggregate::tally::Tallied for Counters {
    fn weight(&self) -> u64 {
        self.bytes
    }
}

impl<'t> Aggregates<'t> {
    /// Empty counters for the entries of `table`.
    pub fn new(table: &'t ServiceTable, interfaces: Arc<InterfaceTable>) -> Aggregates<'t> {
        Aggregates {
            table,
            per_entry: vec![Counters::default(); table.entries().len()],
            entry_conn: vec![Default::default(); table.entries().len()],
            entry_timing: vec![None; table.entries().len()],
            range_ports: FxHashMap::default(),
            range_payloads: FxHashMap::default(),
            mismatches: FxHashMap::default(),
            unknown: FxHashMap::default(),
            hosts: BoundedTally::new(MAX_HOST_ENTRIES),
            pairs: BoundedTally::new(MAX_PAIR_ENTRIES),
            service_hosts: BoundedTally::new(MAX_SERVICE_HOST_ENTRIES),
            outcomes: OutcomeAcc::default(),
            interfaces,
            rpc_lines: FxHashMap::default(),
            entry_rpc: FxHashMap::default(),
            rpc_lines_full: false,
            flows: 0,
        }
    }

    /// Flows folded in so far.
    pub fn flows(&self) -> u64 {
        self.flows
    }

    /// Classifies one flow (which asked for TLS server name `server_name`, if any) and
    /// counts it; returns the classification.
    pub fn add(
        &mut self,
        key: &FlowKey,
        state: &FlowState,
        server_name: Option<&str>,
    ) -> Classification {
        let c = self.classify(key, state);
        self.add_classified(key, state, &c, server_name, None);
        c
    }

    /// Which side serves and which entry names a flow.
    pub fn classify(&self, key: &FlowKey, state: &FlowState) -> Classification {
        classify(key, state, self.table.lookup())
    }

    /// Counts a flow already classified by [`Aggregates::classify`], with what its
    /// server answered (if the outcome parsers read anything on it).
    pub fn add_classified(
        &mut self,
        key: &FlowKey,
        state: &FlowState,
        c: &Classification,
        server_name: Option<&str>,
        answers: Option<&FlowAnswers>,
    ) {
        self.flows += 1;
        let server = c.server;
        let client = 1 - server;
        let mut flow = Counters::default();
        flow.add_flow(
            state.packets[client],
            state.bytes[client],
            state.packets[server],
            state.bytes[server],
        );
        let server_port = key.port[server];
        let seen = looks_like(state, server);
        if key.has_ports() {
            if let Some(odd) = mismatch(key.proto, server_port, seen) {
                let slot = self
                    .mismatches
                    .entry((key.proto, server_port, odd))
                    .or_insert_with(|| {
                        let example = format!(
                            "{} -> {}:{server_port}",
                            decode::addr_to_string(key.v6, &key.addr[client]),
                            decode::addr_to_string(key.v6, &key.addr[server])
                        );
                        (c.entry, Counters::default(), example)
                    });
                slot.1.merge(&flow);
            }
        }
        let conn_state = ConnState::of(key, state, server)
            .with_answers(answers.is_some_and(FlowAnswers::dns_error));
        let syns = state.syns();
        // A flow that carried a known RPC interface on a dynamic port (a range entry's,
        // or one no entry names) is counted under its interface.
        let rpc = state.rpc();
        let rpc_line = rpc_line(key, state, c).filter(|i| {
            let known = self.rpc_lines.contains_key(&(*i, server_port));
            self.rpc_lines_full |= !known && self.rpc_lines.len() >= MAX_RPC_LINES;
            known || self.rpc_lines.len() < MAX_RPC_LINES
        });
        let line = match (rpc_line, c.entry) {
            (Some(i), _) => LineRef::Rpc(i, server_port),
            (None, Some(e)) => LineRef::Entry(e),
            (None, None) => {
                LineRef::Unknown(key.proto, if key.has_ports() { server_port } else { 0 })
            }
        };
        if let Some(answers) = answers {
            let (client_addr, server_addr) = (&key.addr[client], &key.addr[server]);
            self.outcomes
                .add(line, key.v6, client_addr, server_addr, answers);
        }
        if !matches!(line, LineRef::Unknown(..)) {
            let hosts = (line, key.v6, key.addr[server], key.addr[client]);
            self.service_hosts.update(hosts, |h| h.merge(&flow));
        }
        if conn_state.failed() {
            let pair = (
                line,
                key.v6,
                key.addr[client],
                key.addr[server],
                server_port,
            );
            self.pairs.update(pair, |p| p.add(conn_state, syns));
        }
        if let (Some(i), Some(via)) = (rpc_line, rpc.via()) {
            let lines = self.rpc_lines.len();
            let acc = self
                .rpc_lines
                .entry((i, server_port))
                .or_insert_with(|| RpcAcc {
                    timing: (lines < MAX_TIMED_RPC_LINES).then(Box::default),
                    ..RpcAcc::default()
                });
            acc.counters.merge(&flow);
            acc.conn.add(conn_state, syns);
            acc.via.add(via);
            if let Some(timing) = &mut acc.timing {
                timing.add(state);
            }
            return;
        }
        if let (Some(e), Some(i), Some(via)) = (c.entry, rpc.interface(), rpc.via()) {
            let slot = self.entry_rpc.entry((e, i)).or_default();
            slot.0 += 1;
            slot.1.add(via);
        }
        match c.entry {
            Some(e) => {
                self.per_entry[usize::from(e)].merge(&flow);
                self.entry_conn[usize::from(e)].add(conn_state, syns);
                self.entry_timing[usize::from(e)]
                    .get_or_insert_with(Box::default)
                    .add(state);
                if c.specificity == Specificity::Range {
                    self.range_ports
                        .entry((e, server_port))
                        .or_default()
                        .merge(&flow);
                    self.range_payloads
                        .entry((e, server_port))
                        .or_default()
                        .add(seen, server_name);
                }
            }
            None => {
                let port = if key.has_ports() { server_port } else { 0 };
                let acc = self.unknown.entry((key.proto, port)).or_default();
                acc.counters.merge(&flow);
                acc.conn.add(conn_state, syns);
                acc.payloads.add(seen, server_name);
                for (is_server, side) in [(true, server), (false, client)] {
                    let host = (key.proto, port, is_server, key.v6, key.addr[side]);
                    self.hosts.update(host, |h| h.merge(&flow));
                }
            }
        }
    }

    /// The service lines (entries with traffic, by bytes), unknown lines (by bytes), with
    /// at most `top_hosts` hosts per unknown line, and the failed-connection lines (most
    /// likely blocked first) with at most `top_hosts` failing pairs each.
    /// Packet-size percentiles come from `sizes` (recorded by the flow table).
    pub fn into_lines(self, top_hosts: usize, sizes: Option<&PacketSizes>) -> Lines {
        let mut failed = Vec::new();
        let approximate = Approximate {
            hosts: self.hosts.pruned(),
            service_hosts: self.service_hosts.pruned(),
            pairs: self.pairs.pruned(),
            rpc_lines: self.rpc_lines_full,
            outcomes: false,
        };
        let mut host_lists = self.hosts.top_by(top_hosts, |k| (k.0, k.1, k.2));
        let mut pair_lists = self.pairs.top_by(top_hosts, |k| k.0);
        let mut outcomes = self.outcomes;
        let mut server_lists = servers_by_line(self.service_hosts, top_hosts, &mut outcomes);
        let mut servers_of =
            |line: LineRef| -> Vec<ServerLine> { server_lists.remove(&line).unwrap_or_default() };
        let mut pairs_of = |line: LineRef, ports: bool| -> Vec<FailedPair> {
            pair_lists
                .remove(&line)
                .unwrap_or_default()
                .into_iter()
                .map(|((_, v6, client, server, port), p)| {
                    p.line(v6, &client, &server, ports.then_some(port))
                })
                .collect()
        };
        let entries = self.table.entries();
        let mut services: Vec<ServiceLine> = entries
            .iter()
            .enumerate()
            .filter(|(i, _)| self.per_entry[*i].flows > 0)
            .map(|(i, e)| {
                let (port, port_range, ip_proto, match_kind) = match e.scope {
                    EntryScope::Port(_, p) => (Some(p), None, None, LineMatch::Exact),
                    EntryScope::Range(_, lo, hi) => (None, Some([lo, hi]), None, LineMatch::Range),
                    EntryScope::IpProto(n) => (None, None, Some(n), LineMatch::IpProto),
                };
                let ports = e.is_range().then(|| {
                    let mut lines: Vec<PortLine> = self
                        .range_ports
                        .iter()
                        .filter(|((entry, _), _)| usize::from(*entry) == i)
                        .map(|((entry, port), counters)| {
                            let (looks_like, server_names) = self
                                .range_payloads
                                .get(&(*entry, *port))
                                .map(|p| p.lines(top_hosts))
                                .unwrap_or_default();
                            PortLine {
                                port: *port,
                                counters: *counters,
                                looks_like,
                                server_names,
                            }
                        })
                        .collect();
                    lines.sort_by(order::ports);
                    lines
                });
                let line = ServiceLine {
                    label: e.label.clone(),
                    transport: e
                        .scope
                        .transport()
                        .map_or(LineTransport::Ip, LineTransport::from),
                    port,
                    port_range,
                    ip_proto,
                    match_kind,
                    system_services: e.system_services.clone(),
                    counters: self.per_entry[i],
                    ports,
                    connections: self.entry_conn[i].clone(),
                    timing: self.entry_timing[i]
                        .as_ref()
                        .map(|t| t.report(sizes.and_then(|s| s.of(i)))),
                    rpc: None,
                    rpc_interfaces: rpc_uses(&self.entry_rpc, &self.interfaces, i as u16),
                    top_servers: servers_of(LineRef::Entry(i as u16)),
                    outcomes: outcomes.lines_of(LineRef::Entry(i as u16), top_hosts),
                };
                if line.connections.failed() > 0 {
                    failed.push(FailedLine::new(
                        Some(line.label.clone()),
                        line.transport,
                        line.port,
                        line.port_range,
                        line.ip_proto,
                        &line.connections,
                        pairs_of(LineRef::Entry(i as u16), line.ip_proto.is_none()),
                    ));
                }
                line
            })
            .collect();
        for ((i, port), acc) in &self.rpc_lines {
            let Some(iface) = self.interfaces.get(*i) else {
                continue;
            };
            let line = ServiceLine {
                label: iface.label(),
                transport: LineTransport::Tcp,
                port: Some(*port),
                port_range: None,
                ip_proto: None,
                match_kind: LineMatch::Rpc,
                system_services: iface.system_service.iter().cloned().collect(),
                counters: acc.counters,
                ports: None,
                connections: acc.conn.clone(),
                timing: acc.timing.as_ref().map(|t| t.report(None)),
                rpc: Some(RpcLineInfo {
                    interface: iface.name.clone(),
                    spec: iface.spec.clone(),
                    uuid: iface.uuid_text(),
                    version: format!("{}.{}", iface.major, iface.minor),
                    identified_by: acc.via,
                }),
                rpc_interfaces: Vec::new(),
                top_servers: servers_of(LineRef::Rpc(*i, *port)),
                outcomes: outcomes.lines_of(LineRef::Rpc(*i, *port), top_hosts),
            };
            if line.connections.failed() > 0 {
                let mut failed_line = FailedLine::new(
                    Some(line.label.clone()),
                    LineTransport::Tcp,
                    Some(*port),
                    None,
                    None,
                    &line.connections,
                    pairs_of(LineRef::Rpc(*i, *port), true),
                );
                failed_line.diagnosis = rpc_diagnosis(iface, *port, &acc.conn, &acc.via);
                failed.push(failed_line);
            }
            services.push(line);
        }
        services.sort_by(order::services);

        let mut unknown: Vec<UnknownLine> = self
            .unknown
            .into_iter()
            .map(|((proto, port), acc)| {
                let transport = crate::decode::Transport::from_ip_proto(proto);
                let connections = acc.conn;
                let (looks_like, server_names) = acc.payloads.lines(top_hosts);
                let mut hosts = |server: bool| -> Vec<HostLine> {
                    host_lists
                        .remove(&(proto, port, server))
                        .unwrap_or_default()
                        .into_iter()
                        .map(|((_, _, _, v6, addr), counters)| HostLine {
                            addr: decode::addr_to_string(v6, &addr),
                            counters,
                        })
                        .collect()
                };
                let line = UnknownLine {
                    transport: transport.map_or(LineTransport::Ip, LineTransport::from),
                    port: transport.map(|_| port),
                    ip_proto: transport.is_none().then_some(proto),
                    name: transport.is_none().then(|| decode::ip_proto_name(proto)),
                    counters: acc.counters,
                    top_servers: hosts(true),
                    top_clients: hosts(false),
                    port_name_hint: None,
                    looks_like,
                    server_names,
                    connections,
                    outcomes: outcomes.lines_of(LineRef::Unknown(proto, port), top_hosts),
                };
                if line.connections.failed() > 0 {
                    failed.push(FailedLine::new(
                        None,
                        line.transport,
                        line.port,
                        None,
                        line.ip_proto,
                        &line.connections,
                        pairs_of(LineRef::Unknown(proto, port), line.port.is_some()),
                    ));
                }
                line
            })
            .collect();
        unknown.sort_by(order::unknown);
        FailedLine::sort_most_likely_blocked_first(&mut failed);
        let mut mismatches: Vec<MismatchLine> = self
            .mismatches
            .into_iter()
            .map(
                |((proto, port, seen), (entry, counters, example))| MismatchLine {
                    service: entry.map(|e| entries[usize::from(e)].label.clone()),
                    transport: LineTransport::of_ip_proto(proto),
                    port,
                    expected: Fingerprint::expected(proto, port)
                        .unwrap_or_default()
                        .iter()
                        .map(|f| f.name().to_string())
                        .collect(),
                    seen: seen.name().to_string(),
                    counters,
                    example,
                },
            )
            .collect();
        mismatches.sort_by(order::mismatches);
        let approximate = Approximate {
            outcomes: outcomes.pruned || outcomes.dropped > 0,
            ..approximate
        };
        Lines {
            services,
            unknown,
            failed,
            mismatches,
            approximate,
            password_spray: outcomes.spray_candidates(),
            answers_dropped: outcomes.dropped,
        }
    }
}

/// One mismatch group: the port's entry, the flows' counters and one example flow.
type MismatchAcc = (Option<u16>, Counters, String);

/// The report's lines, as built by [`Aggregates::into_lines`].
pub struct Lines {
    /// Service entries with traffic.
    pub services: Vec<ServiceLine>,
    /// Traffic no entry names.
    pub unknown: Vec<UnknownLine>,
    /// Lines with failed connection attempts.
    pub failed: Vec<FailedLine>,
    /// Well-known ports whose payload says otherwise.
    pub mismatches: Vec<MismatchLine>,
    /// Which top lists lost entries to the memory bound.
    pub approximate: Approximate,
    /// Clients that failed to log on as many distinct accounts.
    pub password_spray: Vec<crate::summary::outcome::SprayLine>,
    /// Server answers not counted (past their bounds).
    pub answers_dropped: u64,
}

/// Which top lists are approximate because their tally reached its bound.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Approximate {
    /// The top server and client lists of unknown lines.
    pub hosts: bool,
    /// The top servers (and their clients) of service lines.
    pub service_hosts: bool,
    /// The failing pairs of failed-connection lines.
    pub pairs: bool,
    /// RPC interface lines (some flows stayed under their range entry).
    pub rpc_lines: bool,
    /// The outcome lists (names dropped past a list's bound, or answers past theirs).
    pub outcomes: bool,
}

#[derive(Default, Clone)]
struct UnknownAcc {
    counters: Counters,
    payloads: PayloadAcc,
    conn: ConnCounters,
}

/// The top servers of every service line, heaviest first (ties by address), each with its
/// top clients; at most `top` of either.
fn servers_by_line(
    tally: BoundedTally<ServiceHostKey, Counters>,
    top: usize,
    outcomes: &mut OutcomeAcc<LineRef>,
) -> FxHashMap<LineRef, Vec<ServerLine>> {
    type Host = (bool, AddrBytes);
    type Clients = Vec<(Host, Counters)>;
    let mut per_server: FxHashMap<(LineRef, bool, AddrBytes), (Counters, Clients)> =
        FxHashMap::default();
    for ((line, v6, server, client), counters) in tally.into_entries() {
        let slot = per_server.entry((line, v6, server)).or_default();
        slot.0.merge(&counters);
        slot.1.push(((v6, client), counters));
    }
    let mut per_line: FxHashMap<LineRef, Vec<(Host, Counters, Clients)>> = FxHashMap::default();
    for ((line, v6, server), (counters, clients)) in per_server {
        per_line
            .entry(line)
            .or_default()
            .push(((v6, server), counters, clients));
    }
    let heaviest = |a: &Counters, b: &Counters| b.bytes.cmp(&a.bytes).then(b.flows.cmp(&a.flows));
    per_line
        .into_iter()
        .map(|(line, mut servers)| {
            servers.sort_by(|a, b| heaviest(&a.1, &b.1).then(a.0.cmp(&b.0)));
            servers.truncate(top);
            let lines = servers
                .into_iter()
                .map(|((v6, addr), counters, mut clients)| {
                    let distinct = clients.len() as u64;
                    clients.sort_by(|a, b| heaviest(&a.1, &b.1).then(a.0.cmp(&b.0)));
                    clients.truncate(top);
                    ServerLine {
                        addr: decode::addr_to_string(v6, &addr),
                        smb: outcomes.smb_of(line, v6, &addr),
                        counters,
                        clients: distinct,
                        top_clients: clients
                            .into_iter()
                            .map(|((v6, addr), counters)| HostLine {
                                addr: decode::addr_to_string(v6, &addr),
                                counters,
                            })
                            .collect(),
                    }
                })
                .collect();
            (line, lines)
        })
        .collect()
}

/// The RPC interfaces named on the flows of entry `entry`, most flows first.
fn rpc_uses(
    entry_rpc: &FxHashMap<(u16, u16), (u64, IdentifiedBy)>,
    interfaces: &InterfaceTable,
    entry: u16,
) -> Vec<RpcUse> {
    let mut uses: Vec<RpcUse> = entry_rpc
        .iter()
        .filter(|((e, _), _)| *e == entry)
        .filter_map(|((_, i), (flows, via))| {
            let iface = interfaces.get(*i)?;
            Some(RpcUse {
                label: iface.label(),
                interface: iface.name.clone(),
                flows: *flows,
                identified_by: *via,
            })
        })
        .collect();
    uses.sort_by(order::rpc_uses);
    uses
}

/// The classic firewall-blocks-dynamic-RPC case in plain words: the endpoint mapper told
/// clients the port, and the connections to it were not answered.
fn rpc_diagnosis(
    iface: &crate::inspect::rpc::RpcInterface,
    port: u16,
    conn: &ConnCounters,
    via: &IdentifiedBy,
) -> Option<String> {
    rpc_diagnosis_text(&iface.spec, &iface.name, port, conn, via.endpoint_mapper)
}

/// The RPC interface a flow is counted under: a TCP flow on a dynamic port (one a range
/// entry covers, or none names) that carried a known interface.
pub fn rpc_line(key: &FlowKey, state: &FlowState, c: &Classification) -> Option<u16> {
    let dynamic = key.proto == decode::ip_proto::TCP
        && key.has_ports()
        && (c.entry.is_none() || c.specificity == Specificity::Range);
    state.rpc().interface().filter(|_| dynamic)
}
