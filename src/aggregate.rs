//! Per-service aggregation: classified flows folded into service, range-port and unknown
//! counters, then turned into the report's lines. Used at the end of a run and for live
//! snapshots alike.

use rustc_hash::FxHashMap;

use crate::classify::{Classification, classify, transport_of};
use crate::conn::{ConnCounters, ConnState, FailedPairs};
use crate::decode::{self, AddrBytes};
use crate::fingerprint::Fingerprint;
use crate::flow::{FlowKey, FlowState};
use crate::payload_summary::{MismatchLine, PayloadAcc, looks_like, mismatch};
use crate::summary::{Counters, FailedLine, HostLine, PortLine, ServiceLine, UnknownLine};
use crate::table::{EntryScope, ServiceTable, Specificity};
use crate::timing::{PacketSizes, ServiceTiming};

/// Counters for every service entry, range port and unknown (transport, server port).
#[derive(Clone)]
pub struct Aggregates<'t> {
    table: &'t ServiceTable,
    per_entry: Vec<Counters>,
    /// Connection outcomes and failing pairs per entry.
    entry_conn: Vec<(ConnCounters, FailedPairs)>,
    /// Timing histograms per entry, made on its first flow.
    entry_timing: Vec<Option<Box<ServiceTiming>>>,
    range_ports: FxHashMap<(u16, u16), Counters>,
    /// What the payloads of each range-only port looked like.
    range_payloads: FxHashMap<(u16, u16), PayloadAcc>,
    /// Flows whose payload contradicts their well-known port, per (IP protocol, port,
    /// what was seen): entry, counters and one example flow.
    mismatches: FxHashMap<(u8, u16, Fingerprint), MismatchAcc>,
    unknown: FxHashMap<(u8, u16), UnknownAcc>,
    flows: u64,
}

impl<'t> Aggregates<'t> {
    /// Empty counters for the entries of `table`.
    pub fn new(table: &'t ServiceTable) -> Aggregates<'t> {
        Aggregates {
            table,
            per_entry: vec![Counters::default(); table.entries().len()],
            entry_conn: vec![Default::default(); table.entries().len()],
            entry_timing: vec![None; table.entries().len()],
            range_ports: FxHashMap::default(),
            range_payloads: FxHashMap::default(),
            mismatches: FxHashMap::default(),
            unknown: FxHashMap::default(),
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
        self.add_classified(key, state, &c, server_name);
        c
    }

    /// Which side serves and which entry names a flow.
    pub fn classify(&self, key: &FlowKey, state: &FlowState) -> Classification {
        classify(key, state, self.table.lookup())
    }

    /// Counts a flow already classified by [`Aggregates::classify`].
    pub fn add_classified(
        &mut self,
        key: &FlowKey,
        state: &FlowState,
        c: &Classification,
        server_name: Option<&str>,
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
        let conn_state = ConnState::of(key, state, server);
        let syns = state.syns();
        let count_conn = |(counters, pairs): &mut (ConnCounters, FailedPairs)| {
            counters.add(conn_state, syns);
            if conn_state.failed() {
                pairs.add(key, server, conn_state, syns);
            }
        };
        match c.entry {
            Some(e) => {
                self.per_entry[usize::from(e)].merge(&flow);
                count_conn(&mut self.entry_conn[usize::from(e)]);
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
                count_conn(&mut acc.conn);
                acc.payloads.add(seen, server_name);
                acc.add_host(true, key.v6, key.addr[server], &flow);
                acc.add_host(false, key.v6, key.addr[client], &flow);
            }
        }
    }

    /// The service lines (entries with traffic, by bytes), unknown lines (by bytes), with
    /// at most `top_hosts` hosts per unknown line, and the failed-connection lines (most
    /// likely blocked first) with at most `top_hosts` failing pairs each.
    /// Packet-size percentiles come from `sizes` (recorded by the flow table).
    pub fn into_lines(self, top_hosts: usize, sizes: Option<&PacketSizes>) -> Lines {
        let mut failed = Vec::new();
        let entries = self.table.entries();
        let mut services: Vec<ServiceLine> = entries
            .iter()
            .enumerate()
            .filter(|(i, _)| self.per_entry[*i].flows > 0)
            .map(|(i, e)| {
                let (port, port_range, ip_proto, match_kind) = match e.scope {
                    EntryScope::Port(_, p) => (Some(p), None, None, "exact"),
                    EntryScope::Range(_, lo, hi) => (None, Some([lo, hi]), None, "range"),
                    EntryScope::IpProto(n) => (None, None, Some(n), "ip_proto"),
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
                    lines.sort_by(|a, b| {
                        (b.counters.bytes, a.port).cmp(&(a.counters.bytes, b.port))
                    });
                    lines
                });
                let line = ServiceLine {
                    label: e.label.clone(),
                    transport: e.scope.transport_name().to_string(),
                    port,
                    port_range,
                    ip_proto,
                    match_kind: match_kind.to_string(),
                    system_services: e.system_services.clone(),
                    counters: self.per_entry[i],
                    ports,
                    connections: self.entry_conn[i].0.clone(),
                    timing: self.entry_timing[i]
                        .as_ref()
                        .map(|t| t.report(sizes.and_then(|s| s.of(i)))),
                };
                if line.connections.failed() > 0 {
                    failed.push(FailedLine::new(
                        Some(line.label.clone()),
                        &line.transport,
                        line.port,
                        line.port_range,
                        line.ip_proto,
                        &line.connections,
                        self.entry_conn[i].1.top(top_hosts, line.ip_proto.is_none()),
                    ));
                }
                line
            })
            .collect();
        services.sort_by(|a, b| {
            b.counters
                .bytes
                .cmp(&a.counters.bytes)
                .then(a.label.cmp(&b.label))
        });

        let mut unknown: Vec<UnknownLine> = self
            .unknown
            .into_iter()
            .map(|((proto, port), acc)| {
                let transport = transport_of(proto);
                let (connections, pairs) = acc.conn;
                let (looks_like, server_names) = acc.payloads.lines(top_hosts);
                let line = UnknownLine {
                    transport: transport.map_or("ip", |t| t.as_str()).to_string(),
                    port: transport.map(|_| port),
                    ip_proto: transport.is_none().then_some(proto),
                    name: transport.is_none().then(|| decode::ip_proto_name(proto)),
                    counters: acc.counters,
                    top_servers: top(acc.servers, top_hosts),
                    top_clients: top(acc.clients, top_hosts),
                    port_name_hint: None,
                    looks_like,
                    server_names,
                    connections,
                };
                if line.connections.failed() > 0 {
                    failed.push(FailedLine::new(
                        None,
                        &line.transport,
                        line.port,
                        None,
                        line.ip_proto,
                        &line.connections,
                        pairs.top(top_hosts, line.port.is_some()),
                    ));
                }
                line
            })
            .collect();
        unknown.sort_by(|a, b| {
            b.counters
                .bytes
                .cmp(&a.counters.bytes)
                .then(a.transport.cmp(&b.transport))
                .then(a.port.cmp(&b.port))
                .then(a.ip_proto.cmp(&b.ip_proto))
        });
        FailedLine::sort_most_likely_blocked_first(&mut failed);
        let mut mismatches: Vec<MismatchLine> = self
            .mismatches
            .into_iter()
            .map(
                |((proto, port, seen), (entry, counters, example))| MismatchLine {
                    service: entry.map(|e| entries[usize::from(e)].label.clone()),
                    transport: transport_of(proto).map_or("ip", |t| t.as_str()).to_string(),
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
        mismatches.sort_by(|a, b| {
            b.counters
                .flows
                .cmp(&a.counters.flows)
                .then(a.port.cmp(&b.port))
                .then(a.seen.cmp(&b.seen))
        });
        Lines {
            services,
            unknown,
            failed,
            mismatches,
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
}

#[derive(Default, Clone)]
struct UnknownAcc {
    counters: Counters,
    payloads: PayloadAcc,
    conn: (ConnCounters, FailedPairs),
    servers: FxHashMap<(bool, AddrBytes), Counters>,
    clients: FxHashMap<(bool, AddrBytes), Counters>,
}

/// Distinct hosts kept per unknown line and side before the lightest are dropped, so a
/// scan or flood of random addresses cannot grow memory without bound.
const MAX_HOSTS: usize = 1024;
/// Hosts kept after pruning (the heaviest by bytes).
const HOSTS_AFTER_PRUNE: usize = 256;

impl UnknownAcc {
    /// Adds one flow to the counters of its server or client host. Exact while a line
    /// has at most [`MAX_HOSTS`] distinct hosts on a side; past that the lightest are
    /// dropped, so the top hosts are the heavy hitters (a dropped host seen again
    /// restarts from zero).
    fn add_host(&mut self, server: bool, v6: bool, addr: AddrBytes, flow: &Counters) {
        let map = if server {
            &mut self.servers
        } else {
            &mut self.clients
        };
        map.entry((v6, addr)).or_default().merge(flow);
        if map.len() > MAX_HOSTS {
            let mut hosts: Vec<_> = map.drain().collect();
            hosts.select_nth_unstable_by(HOSTS_AFTER_PRUNE, |a, b| {
                b.1.bytes.cmp(&a.1.bytes).then(a.0.cmp(&b.0))
            });
            hosts.truncate(HOSTS_AFTER_PRUNE);
            map.extend(hosts);
        }
    }
}

fn top(hosts: FxHashMap<(bool, AddrBytes), Counters>, n: usize) -> Vec<HostLine> {
    let mut all: Vec<_> = hosts.into_iter().collect();
    all.sort_by(|a, b| b.1.bytes.cmp(&a.1.bytes).then(a.0.cmp(&b.0)));
    all.truncate(n);
    all.into_iter()
        .map(|((v6, addr), counters)| HostLine {
            addr: decode::addr_to_string(v6, &addr),
            counters,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_lists_stay_bounded_and_keep_the_heavy_hitters() {
        let mut acc = UnknownAcc::default();
        let mut flow = Counters::default();
        flow.add_flow(1, 100, 0, 0);
        let mut heavy = Counters::default();
        heavy.add_flow(1, 1_000_000, 0, 0);
        acc.add_host(true, false, [9; 16], &heavy);
        for i in 0..10_000u32 {
            let mut addr = [0u8; 16];
            addr[..4].copy_from_slice(&i.to_be_bytes());
            acc.add_host(true, false, addr, &flow);
        }
        assert!(acc.servers.len() <= MAX_HOSTS);
        let top = top(acc.servers, 1);
        assert_eq!(top[0].counters.bytes, 1_000_000);
    }
}
