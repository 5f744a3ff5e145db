//! `wiretally merge`: many JSON summaries combined into one, as if one run had read all
//! their captures. Counters, connection outcomes and timing histograms add up exactly;
//! what each part kept only the top of (host lists, failing pairs, server names) and the
//! flow-table peak can only be approximated, and the merged summary says so in
//! `approximate`. Merging is associative: the order of grouping never changes the result.

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::summary::LineTransport;
use crate::summary::conn::{ConnCounters, FailedPair};
use crate::summary::outcome::{CountedName, OutcomeLine, SmbFacts, SprayLine};
use crate::summary::payload::{MismatchLine, NameCount, ProtocolCount};
use crate::summary::timing::TimingReport;
use crate::summary::{
    CaptureStats, Counters, FailedLine, FlowTableReport, HostLine, OtherLine, PortLine, RpcUse,
    SCHEMA_VERSION, ServerLine, ServiceLine, Summary, UnknownLine, order,
};

/// Why summaries cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// Nothing to merge.
    #[error("no summaries to merge")]
    Empty,
    /// Different schema versions.
    #[error("summaries of schema versions {0} and {1} cannot be merged")]
    Schema(u32, u32),
    /// Different port tables: their lines name different things.
    #[error("summaries made with different tables ('{0}' and '{1}') cannot be merged")]
    Table(String, String),
    /// Different filters or focus: the parts count different things.
    #[error("summaries with different {what} ({a} and {b}) cannot be merged")]
    Scope {
        /// `filters` or `focus`.
        what: &'static str,
        /// One side's.
        a: String,
        /// The other's.
        b: String,
    },
    /// A summary that no run could have written (hand-edited or damaged).
    #[error("summary of {source_name} is inconsistent: {reason}")]
    Invalid {
        /// Its first source.
        source_name: String,
        /// What does not add up.
        reason: String,
    },
}

/// Checks that a part could come from a run: every line within the totals, histograms
/// that add up to their counts. Parts that pass cannot overflow a merge whose totals fit.
fn validate(s: &Summary) -> Result<(), MergeError> {
    let bad = |reason: String| MergeError::Invalid {
        source_name: s.sources.first().cloned().unwrap_or_default(),
        reason,
    };
    if s.schema_version != SCHEMA_VERSION {
        return Err(MergeError::Schema(s.schema_version, SCHEMA_VERSION));
    }
    if s.top == 0 {
        return Err(bad("no top-list size".into()));
    }
    let t = &s.totals;
    let within = |c: &Counters| {
        c.flows <= t.flows
            && c.packets <= t.packets
            && c.bytes <= t.bytes
            && c.packets_c2s.max(c.packets_s2c) <= c.packets
            && c.bytes_c2s.max(c.bytes_s2c) <= c.bytes
    };
    let conn_within = |c: &ConnCounters| {
        let flows = [
            c.attempts,
            c.established,
            c.unanswered,
            c.rejected,
            c.reset_by_client,
            c.reset_by_server,
            c.refused_after_connect,
            c.answered_with_error,
            c.closed,
            c.handshake_incomplete,
            c.midstream,
            c.broadcast,
        ];
        flows
            .iter()
            .chain(c.unreachable.values())
            .all(|n| *n <= t.flows)
            && c.syn_retransmissions <= t.flows.saturating_mul(255)
    };
    let timing_ok = |r: &Option<TimingReport>| {
        r.as_ref().is_none_or(|r| {
            let counts = [r.syn_ack_ms, r.ack_ms, r.duration_s, r.packet_bytes];
            r.histograms_match() && counts.iter().flatten().all(|p| p.count <= t.packets)
        })
    };
    for l in &s.services {
        let ports_ok = l.ports.iter().flatten().all(|p| within(&p.counters));
        let uses_ok = l.rpc_interfaces.iter().all(|u| u.flows <= t.flows);
        let servers_ok = l.top_servers.iter().all(|h| {
            within(&h.counters)
                && h.clients <= t.flows
                && h.top_clients.iter().all(|c| within(&c.counters))
        });
        if !(within(&l.counters)
            && conn_within(&l.connections)
            && ports_ok
            && uses_ok
            && servers_ok
            && timing_ok(&l.timing))
        {
            return Err(bad(format!("line '{}' exceeds the totals", l.label)));
        }
    }
    for l in &s.unknown {
        let hosts_ok = l
            .top_servers
            .iter()
            .chain(&l.top_clients)
            .all(|h| within(&h.counters));
        if !(within(&l.counters) && conn_within(&l.connections) && hosts_ok) {
            return Err(bad(format!(
                "unknown line {}/{:?} exceeds the totals",
                l.transport, l.port
            )));
        }
    }
    for f in &s.failed {
        let pairs_ok = f
            .top_pairs
            .iter()
            .all(|p| p.failed <= t.flows && p.syn_retransmissions <= t.flows.saturating_mul(255));
        if !(f.failed <= t.flows && conn_within(&f.connections) && pairs_ok) {
            return Err(bad("a failed line exceeds the totals".into()));
        }
    }
    let others: Option<u64> = s
        .other
        .iter()
        .try_fold(0u64, |acc, o| acc.checked_add(o.packets));
    if others.is_none_or(|n| n > t.packets) || s.other.iter().any(|o| o.bytes > t.bytes) {
        return Err(bad("other lines exceed the totals".into()));
    }
    if s.mismatches.iter().any(|m| !within(&m.counters)) {
        return Err(bad("a mismatch line exceeds the totals".into()));
    }
    Ok(())
}

/// Notes on what a merge could only approximate.
const PEAK: &str = "flow_table.peak_flows is the largest peak of the parts, not the peak of one run over all captures";
const HOSTS: &str = "top_servers and top_clients of unknown lines are merged from each part's top list: a host outside a part's top may be missing or undercounted";
const SERVERS: &str = "top_servers of service lines (and their top_clients) are merged from each part's top list: a host outside a part's top may be missing or undercounted";
const PAIRS: &str = "top_pairs of failed lines are merged from each part's top list: a pair outside a part's top may be missing or undercounted";
const NAMES: &str = "server_names are merged from each part's top list";

/// Merges summaries one at a time, in order, holding only the merge so far (so a long
/// run of files needs the memory of one summary, not of all).
#[derive(Debug, Default)]
pub struct Merger {
    out: Option<Summary>,
    approximate: Vec<String>,
    parts: usize,
    sums: [u64; 4],
}

impl Merger {
    /// An empty merge.
    pub fn new() -> Merger {
        Merger::default()
    }

    /// Adds the next part, after checking that a run could have written it and that its
    /// totals still fit (then no line sum can overflow).
    pub fn push(&mut self, part: Summary) -> Result<(), MergeError> {
        validate(&part)?;
        let t = &part.totals;
        let invalid = |reason: &str| MergeError::Invalid {
            source_name: part.sources.first().cloned().unwrap_or_default(),
            reason: reason.to_string(),
        };
        let mut sums = self.sums;
        for (slot, add) in sums
            .iter_mut()
            .zip([t.packets, t.bytes, t.flows, t.packets_read])
        {
            *slot = slot
                .checked_add(add)
                .ok_or_else(|| invalid("totals too large to add"))?;
        }
        if sums[2] > u64::MAX / 256 {
            return Err(invalid("flow counts too large to add"));
        }
        self.sums = sums;
        // A part's list may have lost entries when it is as long as that part's --top.
        for (cut, text) in cut_lists(&part).iter().zip([HOSTS, PAIRS, NAMES, SERVERS]) {
            if *cut {
                self.approximate.push(text.to_string());
            }
        }
        self.approximate.extend(part.approximate.iter().cloned());
        self.parts += 1;
        // Lists are combined whole and cut to --top once, in `finish`, so the grouping of
        // the parts cannot change which entries survive.
        self.out = Some(match self.out.take() {
            None => part,
            Some(acc) => combine(acc, &part)?,
        });
        Ok(())
    }

    /// The merged summary.
    pub fn finish(self) -> Result<Summary, MergeError> {
        let mut out = self.out.ok_or(MergeError::Empty)?;
        let mut approximate = self.approximate;
        if self.parts > 1 {
            approximate.push(PEAK.to_string());
        } else {
            // One part: nothing was merged, nothing approximated beyond what it said.
            approximate.retain(|a| out.approximate.contains(a));
        }
        cut_to_top(&mut out);
        approximate.sort();
        approximate.dedup();
        out.approximate = approximate;
        Ok(out)
    }
}

/// Merges `parts` (in order) into one summary.
pub fn merge(parts: &[Summary]) -> Result<Summary, MergeError> {
    let mut merger = Merger::new();
    for p in parts {
        merger.push(p.clone())?;
    }
    merger.finish()
}

/// Cuts every top list of a merged summary to its `top`.
fn cut_to_top(s: &mut Summary) {
    let top = s.top;
    for u in &mut s.unknown {
        u.top_servers.truncate(top);
        u.top_clients.truncate(top);
        u.server_names.truncate(top);
    }
    for p in s
        .services
        .iter_mut()
        .flat_map(|l| l.ports.iter_mut().flatten())
    {
        p.server_names.truncate(top);
    }
    for f in &mut s.failed {
        f.top_pairs.truncate(top);
    }
    for l in &mut s.services {
        l.top_servers.truncate(top);
        for h in &mut l.top_servers {
            h.top_clients.truncate(top);
        }
    }
    let outcomes = s
        .services
        .iter_mut()
        .flat_map(|l| l.outcomes.iter_mut())
        .chain(s.unknown.iter_mut().flat_map(|l| l.outcomes.iter_mut()));
    for o in outcomes {
        o.top_clients.truncate(top);
        o.top_accounts.truncate(top);
        o.top_names.truncate(top);
    }
    s.password_spray.truncate(top);
}

/// Whether a summary has top lists as long as its own `top` (which may have been cut):
/// (hosts of unknown lines, failing pairs, server names, servers of service lines).
fn cut_lists(s: &Summary) -> [bool; 4] {
    let full = |n: usize| n >= s.top;
    let hosts = s
        .unknown
        .iter()
        .any(|u| full(u.top_servers.len()) || full(u.top_clients.len()));
    let pairs = s.failed.iter().any(|f| full(f.top_pairs.len()));
    let names = s.unknown.iter().any(|u| full(u.server_names.len()))
        || s.services
            .iter()
            .flat_map(|l| l.ports.iter().flatten())
            .any(|p| full(p.server_names.len()));
    let servers = s.services.iter().any(|l| {
        full(l.top_servers.len()) || l.top_servers.iter().any(|h| full(h.top_clients.len()))
    });
    [hosts, pairs, names, servers]
}

/// Combines two checked summaries (see [`merge`]), top lists uncut.
fn combine(mut out: Summary, b: &Summary) -> Result<Summary, MergeError> {
    if out.schema_version != b.schema_version {
        return Err(MergeError::Schema(out.schema_version, b.schema_version));
    }
    if out.table != b.table {
        return Err(MergeError::Table(out.table.clone(), b.table.clone()));
    }
    for (what, x, y) in [
        ("filters", &out.filter, &b.filter),
        ("focus", &out.focus, &b.focus),
    ] {
        if x != y {
            let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".into());
            return Err(MergeError::Scope {
                what,
                a: show(x),
                b: show(y),
            });
        }
    }
    out.sources.extend(b.sources.iter().cloned());
    out.top = out.top.max(b.top);
    let t = &mut out.totals;
    t.packets += b.totals.packets;
    t.bytes += b.totals.bytes;
    t.flows += b.totals.flows;
    t.packets_read += b.totals.packets_read;
    t.packets_filtered_out = t
        .packets_filtered_out
        .saturating_add(b.totals.packets_filtered_out);
    t.first_ts = min_opt(t.first_ts, b.totals.first_ts);
    t.last_ts = max_opt(t.last_ts, b.totals.last_ts);
    out.icmp_errors_unmatched = out
        .icmp_errors_unmatched
        .saturating_add(b.icmp_errors_unmatched);
    for w in &b.warnings {
        if !out.warnings.contains(w) {
            out.warnings.push(w.clone());
        }
    }
    out.capture_stats = match (out.capture_stats, b.capture_stats) {
        (Some(x), Some(y)) => Some(CaptureStats {
            received: x.received.saturating_add(y.received),
            dropped: x.dropped.saturating_add(y.dropped),
            if_dropped: x.if_dropped.saturating_add(y.if_dropped),
        }),
        (x, y) => x.or(y),
    };
    out.flow_table = merge_flow_table(&out.flow_table, &b.flow_table);

    out.services = merge_lines(
        &std::mem::take(&mut out.services),
        &b.services,
        service_key,
        merge_service,
    );
    out.services.sort_by(order::services);
    out.unknown = merge_lines(
        &std::mem::take(&mut out.unknown),
        &b.unknown,
        unknown_key,
        merge_unknown,
    );
    out.unknown.sort_by(order::unknown);
    out.other = merge_lines(
        &std::mem::take(&mut out.other),
        &b.other,
        |o| (o.kind, o.reason.clone()),
        |x, y| OtherLine {
            packets: x.packets.saturating_add(y.packets),
            bytes: x.bytes.saturating_add(y.bytes),
            ..x.clone()
        },
    );
    out.other.sort_by(|x, y| {
        y.bytes
            .cmp(&x.bytes)
            .then(x.kind.cmp(&y.kind))
            .then(x.reason.cmp(&y.reason))
    });
    out.failed = merge_lines(
        &std::mem::take(&mut out.failed),
        &b.failed,
        failed_key,
        merge_failed,
    );
    for f in &mut out.failed {
        // A failed line shows its whole line's outcomes, including the parts where the
        // line had no failures.
        let key = failed_key(f);
        let whole = match &f.service {
            Some(_) => out
                .services
                .iter()
                .find(|l| service_key(l) == key)
                .map(|l| &l.connections),
            None => out
                .unknown
                .iter()
                .find(|l| unknown_key(l) == key)
                .map(|l| &l.connections),
        };
        if let Some(c) = whole {
            f.connections = c.clone();
            f.failed = c.failed();
        }
        // Only RPC lines carry a diagnosis, and it depends on the merged counts.
        if f.diagnosis.is_some() {
            f.diagnosis = out
                .services
                .iter()
                .find(|s| Some(&s.label) == f.service.as_ref() && s.port == f.port)
                .and_then(|s| {
                    let rpc = s.rpc.as_ref()?;
                    crate::summary::diagnosis::rpc_diagnosis_text(
                        &rpc.spec,
                        &rpc.interface,
                        s.port?,
                        &s.connections,
                        rpc.identified_by.endpoint_mapper,
                    )
                });
        }
    }
    FailedLine::sort_most_likely_blocked_first(&mut out.failed);
    out.mismatches = merge_lines(
        &std::mem::take(&mut out.mismatches),
        &b.mismatches,
        mismatch_key,
        |x, y| {
            let mut m = x.clone();
            m.counters.merge(&y.counters);
            m
        },
    );
    out.mismatches.sort_by(order::mismatches);
    out.password_spray = merge_spray(&std::mem::take(&mut out.password_spray), &b.password_spray);
    Ok(out)
}

fn min_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

fn max_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

fn merge_flow_table(a: &FlowTableReport, b: &FlowTableReport) -> FlowTableReport {
    let same = |x: Option<f64>, y: Option<f64>| if x == y { x } else { None };
    let mut out = *a;
    out.idle_timeout_s = same(a.idle_timeout_s, b.idle_timeout_s);
    out.closed_grace_s = same(a.closed_grace_s, b.closed_grace_s);
    out.max_flows = if a.max_flows == b.max_flows {
        a.max_flows
    } else {
        None
    };
    out.counts.expired_idle = out
        .counts
        .expired_idle
        .saturating_add(b.counts.expired_idle);
    out.counts.retired_closed = out
        .counts
        .retired_closed
        .saturating_add(b.counts.retired_closed);
    out.counts.evicted = out.counts.evicted.saturating_add(b.counts.evicted);
    out.counts.peak_flows = a.counts.peak_flows.max(b.counts.peak_flows);
    out
}

/// Lines of both sides, merged where their keys agree (in the order first seen).
fn merge_lines<T: Clone, K: Ord>(
    a: &[T],
    b: &[T],
    key: impl Fn(&T) -> K,
    mut both: impl FnMut(&T, &T) -> T,
) -> Vec<T> {
    let mut out: BTreeMap<K, T> = BTreeMap::new();
    for line in a.iter().chain(b) {
        let k = key(line);
        let merged = match out.remove(&k) {
            Some(seen) => both(&seen, line),
            None => line.clone(),
        };
        out.insert(k, merged);
    }
    out.into_values().collect()
}

type LineKey = (
    String,
    LineTransport,
    Option<u16>,
    Option<[u16; 2]>,
    Option<u8>,
);

fn service_key(s: &ServiceLine) -> LineKey {
    (
        s.label.clone(),
        s.transport,
        s.port,
        s.port_range,
        s.ip_proto,
    )
}

fn unknown_key(u: &UnknownLine) -> LineKey {
    (String::new(), u.transport, u.port, None, u.ip_proto)
}

fn failed_key(f: &FailedLine) -> LineKey {
    (
        f.service.clone().unwrap_or_default(),
        f.transport,
        f.port,
        f.port_range,
        f.ip_proto,
    )
}

fn mismatch_key(m: &MismatchLine) -> (LineTransport, u16, String) {
    (m.transport, m.port, m.seen.clone())
}

fn merge_conn(a: &ConnCounters, b: &ConnCounters) -> ConnCounters {
    let mut c = a.clone();
    c.merge(b);
    c
}

fn merge_timing(a: &Option<TimingReport>, b: &Option<TimingReport>) -> Option<TimingReport> {
    match (a, b) {
        (Some(x), Some(y)) => Some(TimingReport::merged(x, y)),
        (x, y) => x.clone().or_else(|| y.clone()),
    }
}

fn merge_service(a: &ServiceLine, b: &ServiceLine) -> ServiceLine {
    let mut s = a.clone();
    s.counters.merge(&b.counters);
    s.connections = merge_conn(&a.connections, &b.connections);
    s.timing = merge_timing(&a.timing, &b.timing);
    s.ports = match (&a.ports, &b.ports) {
        (Some(x), Some(y)) => {
            let mut ports = merge_lines(x, y, |p| p.port, merge_port);
            ports.sort_by(order::ports);
            Some(ports)
        }
        (x, y) => x.clone().or_else(|| y.clone()),
    };
    if let (Some(x), Some(y)) = (&mut s.rpc, &b.rpc) {
        x.identified_by.merge(&y.identified_by);
    }
    let mut uses = merge_lines(
        &a.rpc_interfaces,
        &b.rpc_interfaces,
        |u| u.label.clone(),
        |x, y| {
            let mut u: RpcUse = x.clone();
            u.flows = u.flows.saturating_add(y.flows);
            u.identified_by.merge(&y.identified_by);
            u
        },
    );
    uses.sort_by(order::rpc_uses);
    s.rpc_interfaces = uses;
    s.top_servers = merge_servers(&a.top_servers, &b.top_servers);
    s.outcomes = merge_outcomes(&a.outcomes, &b.outcomes);
    s
}

/// Two lists of a line's servers as one, each server's clients merged.
fn merge_servers(a: &[ServerLine], b: &[ServerLine]) -> Vec<ServerLine> {
    let mut out = merge_lines(
        a,
        b,
        |h| h.addr.clone(),
        |x, y| {
            let mut counters: Counters = x.counters;
            counters.merge(&y.counters);
            let top_clients = merge_hosts(&x.top_clients, &y.top_clients);
            // Exact when both parts listed all their clients; a lower bound otherwise.
            let clients = x.clients.max(y.clients).max(top_clients.len() as u64);
            ServerLine {
                addr: x.addr.clone(),
                smb: merge_smb(&x.smb, &y.smb),
                counters,
                clients,
                top_clients,
            }
        },
    );
    out.sort_by(|x, y| {
        y.counters
            .bytes
            .cmp(&x.counters.bytes)
            .then(y.counters.flows.cmp(&x.counters.flows))
            .then(addr_order(&x.addr).cmp(&addr_order(&y.addr)))
    });
    out
}

fn merge_port(a: &PortLine, b: &PortLine) -> PortLine {
    let mut p = a.clone();
    p.counters.merge(&b.counters);
    p.looks_like = merge_protocols(&a.looks_like, &b.looks_like);
    p.server_names = merge_names(&a.server_names, &b.server_names);
    p
}

fn merge_protocols(a: &[ProtocolCount], b: &[ProtocolCount]) -> Vec<ProtocolCount> {
    let mut out = merge_lines(
        a,
        b,
        |p| p.protocol.clone(),
        |x, y| ProtocolCount {
            protocol: x.protocol.clone(),
            flows: x.flows.saturating_add(y.flows),
        },
    );
    out.sort_by(order::protocols);
    out
}

fn merge_names(a: &[NameCount], b: &[NameCount]) -> Vec<NameCount> {
    let mut out = merge_lines(
        a,
        b,
        |n| n.name.clone(),
        |x, y| NameCount {
            name: x.name.clone(),
            flows: x.flows.saturating_add(y.flows),
        },
    );
    out.sort_by(order::names);
    out
}

/// Two lists of counted names as one, most first (ties by name).
fn merge_counted(a: &[CountedName], b: &[CountedName]) -> Vec<CountedName> {
    let mut out = merge_lines(
        a,
        b,
        |n| n.name.clone(),
        |x, y| CountedName {
            name: x.name.clone(),
            count: x.count.saturating_add(y.count),
        },
    );
    out.sort_by(|x, y| y.count.cmp(&x.count).then(x.name.cmp(&y.name)));
    out
}

/// Two lines' outcome lists as one, worst first.
fn merge_outcomes(a: &[OutcomeLine], b: &[OutcomeLine]) -> Vec<OutcomeLine> {
    let mut out = merge_lines(
        a,
        b,
        |o| (o.protocol, o.operation.clone(), o.code, o.detail.clone()),
        |x, y| {
            let top_accounts = merge_counted(&x.top_accounts, &y.top_accounts);
            OutcomeLine {
                count: x.count.saturating_add(y.count),
                top_clients: merge_counted(&x.top_clients, &y.top_clients),
                // Exact when both parts listed all their accounts; a lower bound otherwise.
                accounts: x.accounts.max(y.accounts).max(top_accounts.len() as u64),
                top_accounts,
                top_names: merge_counted(&x.top_names, &y.top_names),
                ..x.clone()
            }
        },
    );
    out.sort_by(OutcomeLine::order);
    out
}

/// Two servers' SMB facts as one.
fn merge_smb(a: &Option<SmbFacts>, b: &Option<SmbFacts>) -> Option<SmbFacts> {
    match (a, b) {
        (Some(x), Some(y)) => Some(SmbFacts {
            negotiated: x.negotiated.saturating_add(y.negotiated),
            dialects: merge_counted(&x.dialects, &y.dialects),
            signing_required: x.signing_required.saturating_add(y.signing_required),
            encrypted: x.encrypted.saturating_add(y.encrypted),
        }),
        (x, y) => x.clone().or_else(|| y.clone()),
    }
}

/// Password-spray lines of two parts as one. A client's distinct accounts are summed,
/// an upper bound when the same account failed in both parts.
fn merge_spray(a: &[SprayLine], b: &[SprayLine]) -> Vec<SprayLine> {
    let mut out = merge_lines(
        a,
        b,
        |l| l.client.clone(),
        |x, y| SprayLine {
            client: x.client.clone(),
            accounts: x.accounts.saturating_add(y.accounts),
            failures: x.failures.saturating_add(y.failures),
        },
    );
    out.sort_by(|x, y| {
        y.accounts
            .cmp(&x.accounts)
            .then(y.failures.cmp(&x.failures))
            .then(addr_order(&x.client).cmp(&addr_order(&y.client)))
    });
    out
}

/// Orders addresses as a run does: IPv4 before IPv6, then by their bytes.
fn addr_order(text: &str) -> (bool, Vec<u8>) {
    match text.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => (false, v4.octets().to_vec()),
        Ok(IpAddr::V6(v6)) => (true, v6.octets().to_vec()),
        Err(_) => (true, text.as_bytes().to_vec()),
    }
}

fn merge_hosts(a: &[HostLine], b: &[HostLine]) -> Vec<HostLine> {
    let mut out = merge_lines(
        a,
        b,
        |h| h.addr.clone(),
        |x, y| {
            let mut counters: Counters = x.counters;
            counters.merge(&y.counters);
            HostLine {
                addr: x.addr.clone(),
                counters,
            }
        },
    );
    out.sort_by(|x, y| {
        y.counters
            .bytes
            .cmp(&x.counters.bytes)
            .then(addr_order(&x.addr).cmp(&addr_order(&y.addr)))
    });
    out
}

fn merge_unknown(a: &UnknownLine, b: &UnknownLine) -> UnknownLine {
    let mut u = a.clone();
    u.counters.merge(&b.counters);
    u.connections = merge_conn(&a.connections, &b.connections);
    u.top_servers = merge_hosts(&a.top_servers, &b.top_servers);
    u.top_clients = merge_hosts(&a.top_clients, &b.top_clients);
    u.looks_like = merge_protocols(&a.looks_like, &b.looks_like);
    u.server_names = merge_names(&a.server_names, &b.server_names);
    u.outcomes = merge_outcomes(&a.outcomes, &b.outcomes);
    u.port_name_hint = a
        .port_name_hint
        .clone()
        .or_else(|| b.port_name_hint.clone());
    u
}

fn merge_failed(a: &FailedLine, b: &FailedLine) -> FailedLine {
    let mut f = a.clone();
    f.failed = f.failed.saturating_add(b.failed);
    f.connections = merge_conn(&a.connections, &b.connections);
    let mut pairs = merge_lines(
        &a.top_pairs,
        &b.top_pairs,
        |p| (p.client.clone(), p.server.clone(), p.server_port),
        |x, y| FailedPair {
            failed: x.failed.saturating_add(y.failed),
            unanswered: x.unanswered.saturating_add(y.unanswered),
            rejected: x.rejected.saturating_add(y.rejected),
            unreachable: x.unreachable.saturating_add(y.unreachable),
            refused_after_connect: x
                .refused_after_connect
                .saturating_add(y.refused_after_connect),
            answered_with_error: x.answered_with_error.saturating_add(y.answered_with_error),
            syn_retransmissions: x.syn_retransmissions.saturating_add(y.syn_retransmissions),
            ..x.clone()
        },
    );
    pairs.sort_by(|x, y| {
        y.failed
            .cmp(&x.failed)
            .then(addr_order(&x.client).cmp(&addr_order(&y.client)))
            .then(addr_order(&x.server).cmp(&addr_order(&y.server)))
            .then(x.server_port.cmp(&y.server_port))
    });
    f.top_pairs = pairs;
    f.diagnosis = a.diagnosis.clone().or_else(|| b.diagnosis.clone());
    f
}
