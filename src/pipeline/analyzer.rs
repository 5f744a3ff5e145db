//! The analyzer: frames in, a [`Summary`] out. Decodes each frame, feeds flows, keeps
//! the non-flow counters, and at the end classifies every flow and aggregates the lines.
//! No I/O: sources push frames in, writers render the result.

use std::io;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::aggregate::Aggregates;
use crate::aggregate::timing::PacketSizes;
use crate::capture::RawPacket;
use crate::decode::{self, Decoded, Fragment, IpSummary, icmp, ip_proto};
use crate::flow::PacketObserver;
use crate::flow::expiry::{Expiry, ExpiryCounts};
use crate::flow::stage::FlowStage;
use crate::flow::{FlowKey, FlowState, RetiredFlow};
use crate::inspect::fingerprint::{self, Fingerprint};
use crate::inspect::rpc::InterfaceTable;
use crate::pipeline::focus::Focus;
use crate::pipeline::other::OtherKind;
use crate::pipeline::outcomes::OutcomeTracker;
use crate::pipeline::record::{FlowSink, add_answers, c_fields, flow_record};
use crate::pipeline::rpc_tracker::RpcTracker;
use crate::summary::{FlowTableReport, OtherLine, SCHEMA_VERSION, Summary, Totals, ns_to_secs};
use crate::table::ServiceTable;

/// The packet sizes a flow table's observer recorded.
fn sizes_in(observer: Option<&dyn PacketObserver>) -> Option<PacketSizes> {
    observer?.as_any().downcast_ref::<PacketSizes>().cloned()
}

/// Packet-size histograms classified with `table`'s lookup.
fn sizes_for(table: &ServiceTable) -> PacketSizes {
    PacketSizes::new(table.shared_lookup(), table.entries().len())
}

/// Packets between collections of the flows the flow stage retired.
const COLLECT_EVERY: u32 = 1024;

/// Options that shape the summary.
#[derive(Debug, Clone)]
pub struct SummaryOptions {
    /// How many hosts to keep per unknown line.
    pub top_hosts: usize,
    /// Sources read.
    pub sources: Vec<String>,
    /// Filter expression.
    pub filter: Option<String>,
}

/// Consumes frames and produces the summary.
pub struct Analyzer<'t> {
    table: &'t ServiceTable,
    flows: FlowStage,
    expiry: Expiry,
    /// Flows that ended during the run, already classified and counted.
    ended: Aggregates<'t>,
    /// What expiry did (known once the flow stage has finished).
    expiry_counts: ExpiryCounts,
    sink: Option<Box<dyn FlowSink + 't>>,
    sink_error: Option<io::Error>,
    until_collect: u32,
    /// ICMP errors about no flow in the table (known once the flow stage finished).
    icmp_unmatched: u64,
    /// Which flows the report is about.
    focus: Focus,
    /// Packet sizes per entry (taken from the flow stage when it finished).
    packet_sizes: Option<PacketSizes>,
    other: FxHashMap<OtherKind, (u64, u64)>,
    packets: u64,
    bytes: u64,
    packets_read: u64,
    first_ts: i64,
    last_ts: i64,
    warnings: Vec<String>,
    /// DCE/RPC interfaces learned and named on the reading thread.
    rpc: RpcTracker,
    /// What servers answered, read on the reading thread.
    outcomes: OutcomeTracker,
}

impl<'t> Analyzer<'t> {
    /// A fresh analyzer classifying against `table`, ending flows by `expiry`; flow
    /// updates run on this thread.
    pub fn new(table: &'t ServiceTable, expiry: Expiry) -> Analyzer<'t> {
        Analyzer::with_stage(
            table,
            FlowStage::inline(expiry, Some(Box::new(sizes_for(table)))),
            expiry,
        )
    }

    /// A fresh analyzer whose flow updates run on a worker thread (same results, and
    /// faster on a machine with a second core).
    pub fn threaded(table: &'t ServiceTable, expiry: Expiry) -> Analyzer<'t> {
        Analyzer::with_stage(
            table,
            FlowStage::threaded(expiry, Some(Box::new(sizes_for(table)))),
            expiry,
        )
    }

    fn with_stage(table: &'t ServiceTable, flows: FlowStage, expiry: Expiry) -> Analyzer<'t> {
        let interfaces = Arc::new(InterfaceTable::builtin());
        Analyzer {
            table,
            flows,
            expiry,
            ended: Aggregates::new(table, Arc::clone(&interfaces)),
            rpc: RpcTracker::new(Arc::clone(&interfaces)),
            outcomes: OutcomeTracker::new(interfaces),
            expiry_counts: ExpiryCounts::default(),
            sink: None,
            sink_error: None,
            until_collect: COLLECT_EVERY,
            icmp_unmatched: 0,
            focus: Focus::default(),
            packet_sizes: None,
            other: FxHashMap::default(),
            packets: 0,
            bytes: 0,
            packets_read: 0,
            first_ts: i64::MAX,
            last_ts: i64::MIN,
            warnings: Vec::new(),
        }
    }

    /// Counts a frame the filter dropped (it is read but not summarised).
    pub fn count_filtered_out(&mut self) {
        self.packets_read += 1;
    }

    /// Sends every flow record to `sink`: flows that end during the run as they end,
    /// the rest at [`Self::finish`].
    ///
    /// Set it before any flow can have ended (panics otherwise: records would be lost).
    pub fn set_flow_sink(&mut self, sink: Box<dyn FlowSink + 't>) {
        assert!(
            self.ended.flows() == 0 && self.expiry_counts == ExpiryCounts::default(),
            "the flow sink is set before any flow ends"
        );
        self.sink = Some(sink);
    }

    /// Reports only the flows inside `focus`; the others are counted on one `other` line.
    pub fn set_focus(&mut self, focus: Focus) {
        self.focus = focus;
    }

    /// Adds a warning to the report (e.g. a cut-off file).
    pub fn warn(&mut self, message: String) {
        self.warnings.push(message);
    }

    /// Counts one frame.
    #[inline]
    pub fn process(&mut self, packet: &RawPacket<'_>) {
        self.packets_read += 1;
        self.packets += 1;
        let len = packet.orig_len;
        self.bytes += u64::from(len);
        self.first_ts = self.first_ts.min(packet.ts_ns);
        self.last_ts = self.last_ts.max(packet.ts_ns);
        match decode::decode(packet.link_type, packet.data) {
            Decoded::Ip(ip) => match (ip.proto, ip.fragment) {
                // ICMP is not tracked as flows, so neither are its fragments.
                (_, Fragment::Later(series)) if series.proto == ip_proto::ICMP => {
                    self.count_other(OtherKind::Icmp, len);
                }
                (_, Fragment::Later(series)) if series.proto == ip_proto::ICMPV6 => {
                    self.count_other(OtherKind::Icmpv6, len);
                }
                (_, Fragment::Later(series)) => {
                    self.flows.add_later_fragment(&series, packet.ts_ns, len);
                }
                (ip_proto::ICMP | ip_proto::ICMPV6, _) => {
                    let kind = if ip.proto == ip_proto::ICMP {
                        OtherKind::Icmp
                    } else {
                        OtherKind::Icmpv6
                    };
                    self.count_other(kind, len);
                    // An error quoting a flow's packet also marks that flow.
                    if let Some((quoted, reason)) =
                        icmp::quoted_flow(ip.v6, ip.payload(packet.data))
                    {
                        self.flows.add_icmp_error(&quoted, reason);
                    }
                }
                (ip_proto::TCP | ip_proto::UDP, _) if ip.payload_len > 0 => {
                    let payload = ip.payload(packet.data);
                    let fp = fingerprint::fingerprint(ip.proto, payload);
                    let code = fp.map_or(0, Fingerprint::code);
                    self.flows
                        .add_packet_with_payload(&ip, packet.ts_ns, len, code);
                    if ip.proto == ip_proto::TCP {
                        self.inspect_rpc(packet, &ip, payload);
                    }
                    if self.outcomes.wants(ip.proto, ip.ports, fp) {
                        let cut = packet.data.len() < packet.orig_len as usize;
                        if let Some(answers) =
                            self.outcomes.inspect(packet.ts_ns, &ip, payload, cut, fp)
                        {
                            self.flows.add_answers(&ip, answers);
                        }
                        if let Some((key, index)) = self.outcomes.take_named() {
                            let plumbing = self
                                .rpc
                                .interfaces()
                                .get(index)
                                .is_some_and(|i| i.is_plumbing());
                            let id = crate::inspect::rpc::RpcId::new(
                                index,
                                crate::inspect::rpc::Via::Bind,
                                plumbing,
                            );
                            self.flows.set_rpc(&key, id);
                        }
                    }
                    if fp == Some(Fingerprint::Tls) {
                        if let Some(name) = fingerprint::tls_server_name(payload) {
                            self.flows.add_server_name(&ip, name.into_boxed_str());
                        }
                    }
                }
                _ => {
                    self.flows.add_packet(&ip, packet.ts_ns, len);
                    if ip.proto == ip_proto::TCP {
                        self.inspect_rpc(packet, &ip, &[]);
                        self.outcomes.see_flags(&ip);
                    }
                }
            },
            Decoded::NonIp(kind) => self.count_other(OtherKind::NonIp(kind), len),
            Decoded::Undecodable(why) => self.count_other(OtherKind::Undecodable(why), len),
        }
        self.until_collect -= 1;
        if self.until_collect == 0 {
            self.until_collect = COLLECT_EVERY;
            if self.expiry.is_active() {
                let retired = self.flows.take_retired();
                self.count_ended(retired);
            }
        }
    }

    /// Lets the DCE/RPC tracker see a TCP packet (after the flow table has it), and tells
    /// the flow the interface it carries when the tracker names one.
    fn inspect_rpc(&mut self, packet: &RawPacket<'_>, ip: &IpSummary, payload: &[u8]) {
        let Some(ports) = ip.ports else { return };
        if !self.rpc.wants(ports, ip.tcp_flags, payload) || !matches!(ip.fragment, Fragment::None) {
            return;
        }
        let cut = packet.data.len() < packet.orig_len as usize;
        let (key, sender) = FlowKey::from_packet(ip);
        if let Some(id) = self.rpc.inspect(packet.ts_ns, ip, &key, payload, cut) {
            if id.via() == Some(crate::inspect::rpc::Via::Bind) {
                // Only a bind or alter_context names by bind: its sender is the client.
                self.flows.set_rpc_by_bind(&key, id, sender);
            } else {
                self.flows.set_rpc(&key, id);
            }
        }
    }

    /// Classifies and counts flows that ended, and hands their records to the sink.
    fn count_ended(&mut self, retired: Vec<RetiredFlow>) {
        for r in retired {
            let answers = r.answers.as_deref();
            let c = self.ended.classify(&r.key, &r.state);
            if !self.focus.matches(&r.key, &r.state, &c) {
                let slot = self.other.entry(OtherKind::OutsideFocus).or_default();
                slot.0 += r.state.packets[0] + r.state.packets[1];
                slot.1 += r.state.bytes[0] + r.state.bytes[1];
                continue;
            }
            self.ended
                .add_classified(&r.key, &r.state, &c, r.server_name.as_deref(), answers);
            if let Some(sink) = self.sink.as_mut() {
                let mut record =
                    flow_record(&r.key, &r.state, &c_fields(&c, self.table), c.server, r.end);
                record.server_name = r.server_name.as_deref().map(str::to_string);
                if let Some(answers) = answers {
                    add_answers(&mut record, answers);
                }
                let rpc = r.state.rpc();
                if let Some(iface) = rpc.interface().and_then(|i| self.rpc.interfaces().get(i)) {
                    record.rpc_interface = Some(iface.name.clone());
                    record.rpc_identified_by = rpc.via().map(crate::inspect::rpc::Via::as_str);
                    if crate::aggregate::rpc_line(&r.key, &r.state, &c).is_some() {
                        record.service = Some(iface.label());
                        record.system_services = iface.system_service.iter().cloned().collect();
                        record.match_kind = crate::summary::LineMatch::Rpc.as_str();
                    }
                }
                if let Err(e) = sink.write(&record) {
                    self.sink_error = Some(e);
                    self.sink = None;
                }
            }
        }
    }

    fn count_other(&mut self, kind: OtherKind, len: u32) {
        let slot = self.other.entry(kind).or_default();
        slot.0 += 1;
        slot.1 += u64::from(len);
    }

    /// Classifies all flows and builds the summary. With a flow sink, the flows still
    /// open are written to it in order of first packet, and the sink is finished; a
    /// write error of the sink (at any point of the run) is returned here.
    pub fn finish(mut self, options: &SummaryOptions) -> io::Result<Summary> {
        let (mut flow_table, retired) =
            std::mem::replace(&mut self.flows, FlowStage::inline(self.expiry, None)).into_table();
        self.count_ended(retired);
        self.expiry_counts = flow_table.expiry_counts();
        self.icmp_unmatched = flow_table.icmp_unmatched();
        self.packet_sizes = sizes_in(flow_table.observer());
        if let (evicted @ 1.., Some(cap)) = (self.expiry_counts.evicted, self.expiry.max_flows) {
            self.warnings.push(format!(
                "{evicted} flows were ended early to stay within --max-flows {cap}; their \
                 packets are counted, but a flow seen again after eviction counts twice"
            ));
        }
        let (unmatched_packets, unmatched_bytes) = flow_table.unmatched_fragments();
        if unmatched_packets > 0 {
            let slot = self.other.entry(OtherKind::FragmentUnmatched).or_default();
            slot.0 += unmatched_packets;
            slot.1 += unmatched_bytes;
        }
        // Flow records come in order of first packet; the aggregates need no order, so
        // without records the flows stream out of the table without a second copy.
        // In order of first packet: records come out stable, and the bounded top lists
        // (hosts, failing pairs, server names) do not depend on the table's hash order.
        let open = flow_table.drain_sorted();
        self.count_ended(open);
        if let Some(e) = self.sink_error.take() {
            return Err(e);
        }
        if let Some(sink) = self.sink.take() {
            sink.finish()?;
        }
        let aggregates = std::mem::replace(
            &mut self.ended,
            Aggregates::new(self.table, self.rpc.shared_interfaces()),
        );
        Ok(self.summary(aggregates, (0, 0), options))
    }

    /// The summary so far, without ending the run (the live view). Needs the inline flow
    /// stage; with a worker thread the open flows are not visible until [`Self::finish`].
    pub fn snapshot(&mut self, options: &SummaryOptions) -> Summary {
        let retired = self.flows.take_retired();
        self.count_ended(retired);
        let mut aggregates = self.ended.clone();
        let mut outside = (0u64, 0u64);
        if let FlowStage::Inline(table) = &mut self.flows {
            self.expiry_counts = table.expiry_counts();
            self.icmp_unmatched = table.icmp_unmatched();
            self.packet_sizes = sizes_in(table.observer());
            let open: Vec<(FlowKey, FlowState)> = table.iter().map(|(k, s)| (*k, *s)).collect();
            for (key, state) in &open {
                let c = aggregates.classify(key, state);
                if self.focus.matches(key, state, &c) {
                    let answers = table.answers(key);
                    aggregates.add_classified(key, state, &c, table.server_name(key), answers);
                } else {
                    outside.0 += state.packets[0] + state.packets[1];
                    outside.1 += state.bytes[0] + state.bytes[1];
                }
            }
        }
        self.summary(aggregates, outside, options)
    }

    /// The summary of `aggregates`; `open_outside` adds the packets and bytes of open
    /// flows outside the focus (snapshots) to those of ended ones.
    fn summary(
        &self,
        aggregates: Aggregates<'_>,
        open_outside: (u64, u64),
        options: &SummaryOptions,
    ) -> Summary {
        let flow_count = aggregates.flows();
        // Packet sizes cover every flow of a service, so a focus leaves them out.
        let sizes = self
            .packet_sizes
            .as_ref()
            .filter(|_| self.focus.is_everything());
        let lines = aggregates.into_lines(options.top_hosts, sizes);
        let mut counts = self.other.clone();
        if open_outside != (0, 0) {
            let slot = counts.entry(OtherKind::OutsideFocus).or_default();
            slot.0 += open_outside.0;
            slot.1 += open_outside.1;
        }
        let mut other: Vec<(OtherKind, (u64, u64))> = counts.into_iter().collect();
        other.sort_by(|a, b| b.1.1.cmp(&a.1.1).then(a.0.cmp(&b.0)));
        let other = other
            .into_iter()
            .map(|(kind, (packets, bytes))| OtherLine {
                kind: kind.class(),
                reason: kind.reason(),
                packets,
                bytes,
            })
            .collect();

        let mut warnings = self.warnings.clone();
        if lines.approximate.hosts {
            warnings.push(format!(
                "more than {} distinct hosts on unknown ports (a scan?): their top server and client lists keep the heaviest hosts, whose counts may be low",
                crate::aggregate::MAX_HOST_ENTRIES
            ));
        }
        if lines.approximate.service_hosts {
            warnings.push(format!(
                "more than {} distinct (service line, server, client) triples: the top servers and clients of service lines keep the heaviest, whose counts may be low",
                crate::aggregate::MAX_SERVICE_HOST_ENTRIES
            ));
        }
        if lines.approximate.rpc_lines {
            warnings.push(format!(
                "more than {} distinct (RPC interface, port) lines: flows of further ones are counted under their range entry or unknown port",
                crate::aggregate::MAX_RPC_LINES
            ));
        }
        if lines.approximate.pairs {
            warnings.push(format!(
                "more than {} distinct failing client -> server pairs (a scan?): the listed pairs are the most failing, whose counts may be low",
                crate::aggregate::MAX_PAIR_ENTRIES
            ));
        }
        let table = self.table;
        let seen_any = self.packets > 0;
        Summary {
            schema_version: SCHEMA_VERSION,
            sources: options.sources.clone(),
            table: table.source_name().to_string(),
            filter: options.filter.clone(),
            totals: Totals {
                packets: self.packets,
                bytes: self.bytes,
                flows: flow_count,
                first_ts: seen_any.then(|| ns_to_secs(self.first_ts)),
                last_ts: seen_any.then(|| ns_to_secs(self.last_ts)),
                packets_read: self.packets_read,
                packets_filtered_out: self.packets_read - self.packets,
            },
            services: lines.services,
            unknown: lines.unknown,
            other,
            failed: lines.failed,
            mismatches: lines.mismatches,
            password_spray: lines.password_spray,
            icmp_errors_unmatched: self.icmp_unmatched,
            focus: self.focus.description().map(str::to_string),
            warnings,
            capture_stats: None,
            flow_table: FlowTableReport::new(&self.expiry, self.expiry_counts),
            top: options.top_hosts,
            approximate: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{MemorySource, PacketSource};
    use crate::decode::LinkType;
    use crate::pipeline::FlowRecord;
    use etherparse::PacketBuilder;

    fn eth_tcp(
        src: [u8; 4],
        dst: [u8; 4],
        sport: u16,
        dport: u16,
        syn: bool,
        ack: bool,
    ) -> Vec<u8> {
        let mut b = PacketBuilder::ethernet2([1; 6], [2; 6])
            .ipv4(src, dst, 64)
            .tcp(sport, dport, 1, 1000);
        if syn {
            b = b.syn();
        }
        if ack {
            b = b.ack(1);
        }
        let mut out = Vec::new();
        b.write(&mut out, &[0; 6]).unwrap();
        out
    }

    /// Feeds every frame of `source` to the analyzer, as the commands do with a file.
    fn feed(a: &mut Analyzer<'_>, source: &mut dyn PacketSource) {
        while let Some(packet) = source.next_packet().unwrap() {
            a.process(&packet);
        }
    }

    /// Frames one millisecond apart, through an in-memory source.
    fn run(frames: &[(LinkType, Vec<u8>)]) -> (Summary, Vec<FlowRecord>) {
        let mut source = MemorySource::new("test");
        for (i, (lt, data)) in frames.iter().enumerate() {
            source.push(i as i64 * 1_000_000, *lt, data.clone());
        }
        run_source(&mut source)
    }

    fn run_source(source: &mut MemorySource) -> (Summary, Vec<FlowRecord>) {
        let table = ServiceTable::builtin();
        let mut a = Analyzer::new(&table, Expiry::default());
        let records = record_flows(&mut a);
        feed(&mut a, source);
        let opts = SummaryOptions {
            top_hosts: 5,
            sources: vec!["test".into()],
            filter: None,
        };
        let s = a.finish(&opts).unwrap();
        (s, records.try_iter().collect())
    }

    /// Processes generated Ethernet frames, through an in-memory source.
    fn feed_ethernet(a: &mut Analyzer<'_>, frames: &[wiretally_synth::Frame]) {
        let mut source = MemorySource::new("generated");
        for f in frames {
            source.push(f.ts_ns, LinkType::ETHERNET, f.data.clone());
        }
        feed(a, &mut source);
    }

    /// Collects every flow record `a` writes, in order.
    fn record_flows(a: &mut Analyzer<'_>) -> std::sync::mpsc::Receiver<FlowRecord> {
        let (tx, rx) = std::sync::mpsc::channel();
        a.set_flow_sink(Box::new(move |r: &FlowRecord| {
            tx.send(r.clone()).map_err(io::Error::other)
        }));
        rx
    }

    #[test]
    fn handshake_counts_per_direction() {
        let c = [10, 0, 0, 5];
        let s = [10, 0, 0, 1];
        let frames = vec![
            (LinkType::ETHERNET, eth_tcp(c, s, 50123, 445, true, false)),
            (LinkType::ETHERNET, eth_tcp(s, c, 445, 50123, true, true)),
            (LinkType::ETHERNET, eth_tcp(c, s, 50123, 445, false, true)),
        ];
        let (summary, records) = run(&frames);
        assert_eq!(summary.services.len(), 1);
        let smb = &summary.services[0];
        assert_eq!(smb.label, "SMB");
        assert_eq!(smb.port, Some(445));
        assert_eq!(smb.counters.flows, 1);
        assert_eq!(smb.counters.packets_c2s, 2);
        assert_eq!(smb.counters.packets_s2c, 1);
        assert_eq!(records[0].server, "10.0.0.1");
        assert_eq!(records[0].client_port, Some(50123));
        assert_eq!(records[0].server_rule, "syn");
        assert_eq!(
            summary.line_sums(),
            (summary.totals.packets, summary.totals.bytes)
        );
    }

    #[test]
    fn snaplen_cut_frames_count_their_wire_length() {
        let (c, s) = ([10, 0, 0, 5], [10, 0, 0, 1]);
        let syn = eth_tcp(c, s, 50123, 445, true, false);
        let mut source = MemorySource::new("cut");
        // The headers only, of a frame that was 1514 bytes on the wire.
        source.push_truncated(0, LinkType::ETHERNET, syn[..54].to_vec(), 1514);
        source.push(1_000_000, LinkType::ETHERNET, syn.clone());
        assert_eq!(source.name(), "cut");
        let (summary, records) = run_source(&mut source);
        let smb = &summary.services[0];
        assert_eq!(smb.label, "SMB");
        assert_eq!(
            (smb.counters.packets, smb.counters.bytes),
            (2, 1514 + syn.len() as u64)
        );
        assert_eq!(records[0].bytes_c2s, 1514 + syn.len() as u64);
        assert_eq!(
            summary.line_sums(),
            (summary.totals.packets, summary.totals.bytes)
        );
    }

    #[test]
    fn range_entries_break_down_by_port_and_unknown_keeps_server_port() {
        let a = [10, 0, 0, 5];
        let b = [10, 0, 0, 9];
        let frames = vec![
            (LinkType::ETHERNET, eth_tcp(a, b, 40000, 8080, true, false)),
            (LinkType::ETHERNET, eth_tcp(a, b, 40001, 8080, true, false)),
            (LinkType::ETHERNET, eth_tcp(a, b, 40002, 50000, true, false)),
            (LinkType::ETHERNET, eth_tcp(a, b, 999, 700, true, false)),
        ];
        let (summary, _) = run(&frames);
        let low = summary
            .services
            .iter()
            .find(|s| s.port_range == Some([1024, 49151]))
            .unwrap();
        assert_eq!(low.match_kind, crate::summary::LineMatch::Range);
        let ports = low.ports.as_ref().unwrap();
        assert_eq!(ports.len(), 1);
        assert_eq!((ports[0].port, ports[0].counters.flows), (8080, 2));
        let high = summary
            .services
            .iter()
            .find(|s| s.port_range == Some([49152, 65535]))
            .unwrap();
        assert_eq!(high.ports.as_ref().unwrap()[0].port, 50000);
        assert_eq!(summary.unknown.len(), 1);
        assert_eq!(summary.unknown[0].port, Some(700));
        assert_eq!(summary.unknown[0].top_servers[0].addr, "10.0.0.9");
        assert_eq!(
            summary.line_sums(),
            (summary.totals.packets, summary.totals.bytes)
        );
    }

    #[test]
    fn non_flow_frames_have_their_own_lines() {
        let mut arp = vec![0xff; 12];
        arp.extend([0x08, 0x06]);
        arp.extend([0; 28]);
        let mut icmp = Vec::new();
        PacketBuilder::ethernet2([1; 6], [2; 6])
            .ipv4([1, 1, 1, 1], [2, 2, 2, 2], 64)
            .icmpv4_echo_request(1, 1)
            .write(&mut icmp, &[0; 8])
            .unwrap();
        let frames = vec![
            (LinkType::ETHERNET, arp),
            (LinkType::ETHERNET, icmp),
            (LinkType(147), vec![0; 20]),
            (LinkType::ETHERNET, vec![0; 5]),
        ];
        let (summary, _) = run(&frames);
        let kinds: Vec<&str> = summary.other.iter().map(|o| o.kind.as_str()).collect();
        assert!(kinds.contains(&"non_ip") && kinds.contains(&"icmp"));
        assert_eq!(kinds.iter().filter(|k| **k == "undecodable").count(), 2);
        assert!(
            summary
                .other
                .iter()
                .any(|o| o.reason.contains("LINKTYPE 147"))
        );
        assert_eq!(summary.totals.flows, 0);
        assert_eq!(summary.line_sums(), (4, summary.totals.bytes));
    }

    #[test]
    fn reconciliation_holds_on_mutated_and_random_frames() {
        use wiretally_synth::Rng;
        use wiretally_synth::scenarios::demo;
        let table = ServiceTable::builtin();
        let mut analyzer = Analyzer::new(&table, Expiry::default());
        let mut rng = Rng::new(7);
        let link_types = [0, 1, 9, 12, 101, 104, 108, 113, 228, 229, 276, 147];
        for (i, frame) in demo().iter().enumerate().take(1500) {
            let mut data = frame.data.clone();
            // Flip a few bytes in the headers and cut some frames short.
            for _ in 0..rng.range(0, 4) {
                let at = rng.range(0, (data.len() - 1).min(80) as u64) as usize;
                data[at] = rng.next_u64() as u8;
            }
            if i % 3 == 0 {
                data.truncate(rng.range(0, data.len() as u64) as usize);
            }
            let lt = LinkType(link_types[i % link_types.len()]);
            analyzer.process(&RawPacket {
                ts_ns: i as i64,
                orig_len: frame.data.len() as u32,
                link_type: lt,
                data: &data,
            });
        }
        for i in 0..2000 {
            let len = rng.range(0, 120) as usize;
            let data: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
            let lt = LinkType(link_types[i % link_types.len()]);
            analyzer.process(&RawPacket {
                ts_ns: i as i64,
                orig_len: len as u32 + 10,
                link_type: lt,
                data: &data,
            });
        }
        let opts = SummaryOptions {
            top_hosts: 3,
            sources: vec![],
            filter: None,
        };
        let s = analyzer.finish(&opts).unwrap();
        assert_eq!(s.totals.packets, 3500);
        assert_eq!(s.line_sums(), (s.totals.packets, s.totals.bytes));
    }

    #[test]
    fn threaded_stage_gives_identical_results() {
        use wiretally_synth::scenarios::{all, demo};
        let table = ServiceTable::builtin();
        let opts = SummaryOptions {
            top_hosts: 5,
            sources: vec![],
            filter: None,
        };
        let mut inputs: Vec<Vec<wiretally_synth::Frame>> = vec![demo()];
        for f in all() {
            if let wiretally_synth::scenarios::Content::Pcap(_, frames) = f.content {
                inputs.push(frames);
            }
        }
        for frames in inputs {
            let run = |mut a: Analyzer<'_>| {
                let records = record_flows(&mut a);
                for f in &frames {
                    a.process(&RawPacket {
                        ts_ns: f.ts_ns,
                        orig_len: f.data.len() as u32,
                        link_type: LinkType::ETHERNET,
                        data: &f.data,
                    });
                }
                let s = a.finish(&opts).unwrap();
                (s, records.try_iter().collect::<Vec<_>>())
            };
            let tight = Expiry {
                idle_timeout_ns: Some(1_000_000_000),
                closed_grace_ns: Some(100_000_000),
                max_flows: Some(40),
            };
            for expiry in [Expiry::default(), Expiry::never(), tight] {
                assert_eq!(
                    run(Analyzer::new(&table, expiry)),
                    run(Analyzer::threaded(&table, expiry))
                );
            }
        }
    }

    #[test]
    fn flows_ended_early_are_counted_and_recorded_once() {
        use wiretally_synth::scenarios::demo;
        let table = ServiceTable::builtin();
        let tight = Expiry {
            idle_timeout_ns: Some(500_000_000),
            closed_grace_ns: Some(1),
            max_flows: Some(10),
        };
        let mut a = Analyzer::new(&table, tight);
        let records = record_flows(&mut a);
        let frames = demo();
        feed_ethernet(&mut a, &frames);
        let opts = SummaryOptions {
            top_hosts: 5,
            sources: vec![],
            filter: None,
        };
        let s = a.finish(&opts).unwrap();
        let records: Vec<FlowRecord> = records.try_iter().collect();
        assert_eq!(s.totals.packets, frames.len() as u64);
        assert_eq!(s.line_sums(), (s.totals.packets, s.totals.bytes));
        assert_eq!(records.len() as u64, s.totals.flows);
        let c = s.flow_table.counts;
        assert!(
            c.expired_idle > 0 && c.retired_closed > 0 && c.evicted > 0,
            "{c:?}"
        );
        assert!(c.peak_flows <= 10);
        let ended = records
            .iter()
            .filter(|r| r.ended_by != "capture_end")
            .count() as u64;
        assert_eq!(ended, c.expired_idle + c.retired_closed + c.evicted);
        assert!(s.warnings.iter().any(|w| w.contains("--max-flows 10")));
    }

    #[test]
    fn snapshot_matches_the_final_summary() {
        use wiretally_synth::scenarios::demo;
        let table = ServiceTable::builtin();
        let mut a = Analyzer::new(&table, Expiry::default());
        feed_ethernet(&mut a, &demo());
        let opts = SummaryOptions {
            top_hosts: 5,
            sources: vec![],
            filter: None,
        };
        let snap = a.snapshot(&opts);
        let last = a.finish(&opts).unwrap();
        assert_eq!(snap, last);
    }
}
