//! Bidirectional flows: a canonical key for both directions of a conversation, the
//! per-flow state the classifier needs, and the table that holds them.
//!
//! A flow is (IP pair, IP protocol, port pair) for TCP, UDP and SCTP and (IP pair, IP
//! protocol) for other IP protocols. The key orders its two endpoints so that both
//! directions of a conversation map to one key; counters are kept per endpoint ("sent by
//! endpoint 0/1") and turned into client/server directions only when the flow is
//! classified, because which side is the server may only become clear later (a SYN seen
//! after the capture started mid-flow).

use std::collections::HashMap;

/// The flow table's hasher: fast, and keyed with a per-process random seed, so traffic
/// crafted to collide cannot degrade a live sensor's table.
type KeyedState = foldhash::fast::RandomState;

use crate::decode::{AddrBytes, Fragment, FragmentKey, IpSummary, tcp_flags};

/// The canonical key of a bidirectional flow: endpoint 0 is the lower (address, port).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlowKey {
    /// Address of endpoint 0.
    pub addr: [AddrBytes; 2],
    /// Ports of endpoints 0 and 1 (0 for protocols without ports).
    pub port: [u16; 2],
    /// IP protocol.
    pub proto: u8,
    /// IPv6 addresses.
    pub v6: bool,
}

impl FlowKey {
    /// The key of a packet and the endpoint (0 or 1) that sent it.
    #[inline]
    pub fn from_packet(p: &IpSummary) -> (FlowKey, usize) {
        let (sport, dport) = p.ports.unwrap_or((0, 0));
        let forward = (p.src, sport) <= (p.dst, dport);
        let key = if forward {
            FlowKey {
                addr: [p.src, p.dst],
                port: [sport, dport],
                proto: p.proto,
                v6: p.v6,
            }
        } else {
            FlowKey {
                addr: [p.dst, p.src],
                port: [dport, sport],
                proto: p.proto,
                v6: p.v6,
            }
        };
        (key, usize::from(!forward))
    }

    /// Whether the protocol carries ports.
    pub fn has_ports(&self) -> bool {
        matches!(self.proto, 6 | 17 | 132)
    }
}

/// Marker for "no endpoint" in the compact per-flow fields.
const NO_ENDPOINT: u8 = 2;

/// Everything kept per flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowState {
    /// First packet time, ns since the epoch.
    pub first_ts: i64,
    /// Last packet time, ns since the epoch.
    pub last_ts: i64,
    /// Packets sent by endpoint 0 and 1.
    pub packets: [u64; 2],
    /// Bytes (on-the-wire frame lengths) sent by endpoint 0 and 1.
    pub bytes: [u64; 2],
    /// Endpoint that received the first SYN without ACK, or [`NO_ENDPOINT`].
    syn_receiver: u8,
    /// Endpoint that was the destination of the first packet.
    first_destination: u8,
}

impl FlowState {
    fn new(ts: i64, sender: usize) -> FlowState {
        FlowState {
            first_ts: ts,
            last_ts: ts,
            packets: [0; 2],
            bytes: [0; 2],
            syn_receiver: NO_ENDPOINT,
            first_destination: 1 - sender as u8,
        }
    }

    /// Folds in the same flow as seen in a later file of the run: what a single pass over
    /// both files would have counted (the earlier file's first SYN and first packet win).
    fn absorb_later(&mut self, later: &FlowState) {
        for i in 0..2 {
            self.packets[i] += later.packets[i];
            self.bytes[i] += later.bytes[i];
        }
        self.first_ts = self.first_ts.min(later.first_ts);
        self.last_ts = self.last_ts.max(later.last_ts);
        if self.syn_receiver == NO_ENDPOINT {
            self.syn_receiver = later.syn_receiver;
        }
    }

    #[inline]
    fn add(&mut self, sender: usize, ts: i64, bytes: u32, flags: u8) {
        self.packets[sender] += 1;
        self.bytes[sender] += u64::from(bytes);
        // Timestamps can go backwards in merged or damaged files: keep the span.
        self.first_ts = self.first_ts.min(ts);
        self.last_ts = self.last_ts.max(ts);
        if self.syn_receiver == NO_ENDPOINT
            && flags & (tcp_flags::SYN | tcp_flags::ACK) == tcp_flags::SYN
        {
            self.syn_receiver = 1 - sender as u8;
        }
    }

    /// The endpoint that received the first pure SYN, if the capture saw one.
    pub fn syn_receiver(&self) -> Option<usize> {
        (self.syn_receiver != NO_ENDPOINT).then_some(usize::from(self.syn_receiver))
    }

    /// The endpoint the first packet was sent to.
    pub fn first_destination(&self) -> usize {
        usize::from(self.first_destination)
    }
}

/// Fragment series remembered at most; past this the memory is cleared (later fragments of
/// forgotten series are then counted as unmatched, never lost).
const MAX_FRAGMENT_SERIES: usize = 65_536;

/// Packets held back and applied together, so the table lookups of a batch overlap their
/// cache misses instead of waiting for each in turn (see [`FlowTable::flush`]).
const BATCH: usize = 32;

/// A packet waiting in the batch.
#[derive(Debug, Clone, Copy)]
struct Pending {
    key: FlowKey,
    sender: u8,
    flags: u8,
    bytes: u32,
    ts: i64,
}

/// All flows of a run, plus the fragment series that map later fragments to them.
///
/// Packets are applied in batches: a big table lives in main memory, and one lookup is
/// mostly waiting for it. [`FlowTable::flush`] first looks up every key of the batch (the
/// lookups are independent, so the processor overlaps their memory accesses), then
/// applies the packets in order against now-cached entries. Order within a flow is kept,
/// so results are those of one-by-one processing.
#[derive(Debug, Default)]
pub struct FlowTable {
    flows: HashMap<FlowKey, FlowState, KeyedState>,
    fragments: HashMap<FragmentKey, (FlowKey, u8), KeyedState>,
    pending: Vec<Pending>,
    /// Later fragments whose first fragment was not seen: (packets, bytes).
    unmatched: (u64, u64),
    /// The first of those, kept so a merge with an earlier file's table can still place
    /// them (bounded: past the cap they are only counted).
    unmatched_kept: Vec<(FragmentKey, i64, u32)>,
}

/// Unmatched later fragments remembered per table for merging.
const MAX_UNMATCHED_KEPT: usize = MAX_FRAGMENT_SERIES;

impl FlowTable {
    /// An empty table.
    pub fn new() -> FlowTable {
        FlowTable {
            pending: Vec::with_capacity(BATCH),
            ..FlowTable::default()
        }
    }

    /// Counts a packet that carries its own flow identity (not a later fragment).
    #[inline]
    pub fn add_packet(&mut self, p: &IpSummary, ts: i64, bytes: u32) {
        let (key, sender) = FlowKey::from_packet(p);
        if let Fragment::First(series) = p.fragment {
            // Later fragments look this series up: apply it now, in order.
            self.flush();
            self.apply(key, sender, ts, bytes, p.tcp_flags);
            if self.fragments.len() >= MAX_FRAGMENT_SERIES {
                self.fragments.clear();
            }
            self.fragments.insert(series, (key, sender as u8));
            return;
        }
        self.pending.push(Pending {
            key,
            sender: sender as u8,
            flags: p.tcp_flags,
            bytes,
            ts,
        });
        if self.pending.len() >= BATCH {
            self.flush();
        }
    }

    #[inline]
    fn apply(&mut self, key: FlowKey, sender: usize, ts: i64, bytes: u32, flags: u8) {
        self.flows
            .entry(key)
            .or_insert_with(|| FlowState::new(ts, sender))
            .add(sender, ts, bytes, flags);
    }

    /// Applies the held-back packets: a first pass touches every key's entry (independent
    /// lookups whose cache misses overlap), a second pass updates them in packet order.
    pub fn flush(&mut self) {
        let mut found = 0usize;
        for p in &self.pending {
            found += usize::from(self.flows.contains_key(&p.key));
        }
        std::hint::black_box(found);
        let pending = std::mem::take(&mut self.pending);
        for p in &pending {
            self.apply(p.key, usize::from(p.sender), p.ts, p.bytes, p.flags);
        }
        self.pending = pending;
        self.pending.clear();
    }

    /// Counts a later fragment against the flow of its first fragment; one whose first
    /// fragment was not seen is counted in [`FlowTable::unmatched_fragments`].
    #[inline]
    pub fn add_later_fragment(&mut self, series: &FragmentKey, ts: i64, bytes: u32) {
        let Some(&(key, sender)) = self.fragments.get(series) else {
            self.unmatched.0 += 1;
            self.unmatched.1 += u64::from(bytes);
            if self.unmatched_kept.len() < MAX_UNMATCHED_KEPT {
                self.unmatched_kept.push((*series, ts, bytes));
            }
            return;
        };
        self.flush();
        let state = self
            .flows
            .get_mut(&key)
            .expect("fragment series point at live flows");
        state.add(usize::from(sender), ts, bytes, 0);
    }

    /// Merges the table of the next file of the run (read in parallel) into this one, with
    /// the result a single pass over both files gives: flows continuing across the files
    /// join, and later fragments of the next file whose first fragment is in this one
    /// find it (up to the number of unmatched fragments kept).
    pub fn absorb_later(&mut self, mut later: FlowTable) {
        self.flush();
        later.flush();
        for (key, state) in later.flows.drain() {
            match self.flows.get_mut(&key) {
                Some(earlier) => earlier.absorb_later(&state),
                None => {
                    self.flows.insert(key, state);
                }
            }
        }
        let kept = std::mem::take(&mut later.unmatched_kept);
        let mut placed = (0u64, 0u64);
        for (series, ts, bytes) in &kept {
            if let Some(&(key, sender)) = self.fragments.get(series) {
                if let Some(state) = self.flows.get_mut(&key) {
                    state.add(usize::from(sender), *ts, *bytes, 0);
                    placed.0 += 1;
                    placed.1 += u64::from(*bytes);
                }
            }
        }
        self.unmatched.0 += later.unmatched.0 - placed.0;
        self.unmatched.1 += later.unmatched.1 - placed.1;
        self.fragments.extend(later.fragments.drain());
    }

    /// Later fragments that matched no first fragment: (packets, bytes).
    pub fn unmatched_fragments(&self) -> (u64, u64) {
        self.unmatched
    }

    /// Number of flows.
    pub fn len(&mut self) -> usize {
        self.flush();
        self.flows.len()
    }

    /// Whether there are no flows.
    pub fn is_empty(&mut self) -> bool {
        self.len() == 0
    }

    /// All flows, in no particular order.
    pub fn iter(&mut self) -> impl Iterator<Item = (&FlowKey, &FlowState)> {
        self.flush();
        self.flows.iter()
    }

    /// Takes all flows out, in no particular order.
    pub fn drain(&mut self) -> impl Iterator<Item = (FlowKey, FlowState)> + '_ {
        self.flush();
        self.fragments.clear();
        self.flows.drain()
    }

    /// Takes all flows out, sorted by first packet time (then key) for stable output.
    pub fn drain_sorted(&mut self) -> Vec<(FlowKey, FlowState)> {
        self.flush();
        self.fragments.clear();
        let mut all: Vec<(FlowKey, FlowState)> = self.flows.drain().collect();
        all.sort_unstable_by_key(|(key, state)| (state.first_ts, *key));
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkt(src: u8, dst: u8, sport: u16, dport: u16, flags: u8) -> IpSummary {
        let mut s = [0u8; 16];
        s[0] = src;
        let mut d = [0u8; 16];
        d[0] = dst;
        IpSummary {
            v6: false,
            src: s,
            dst: d,
            proto: 6,
            ports: Some((sport, dport)),
            tcp_flags: flags,
            fragment: Fragment::None,
        }
    }

    #[test]
    fn both_directions_share_a_key() {
        let (a, sa) = FlowKey::from_packet(&pkt(10, 20, 50000, 445, 0));
        let (b, sb) = FlowKey::from_packet(&pkt(20, 10, 445, 50000, 0));
        assert_eq!(a, b);
        assert_ne!(sa, sb);
    }

    #[test]
    fn per_endpoint_counts_and_syn_receiver() {
        let mut t = FlowTable::new();
        t.add_packet(&pkt(10, 20, 50000, 445, tcp_flags::SYN), 1, 60);
        t.add_packet(
            &pkt(20, 10, 445, 50000, tcp_flags::SYN | tcp_flags::ACK),
            2,
            62,
        );
        t.add_packet(&pkt(10, 20, 50000, 445, tcp_flags::ACK), 3, 54);
        assert_eq!(t.len(), 1);
        let (key, state) = t.iter().next().unwrap();
        let server = state.syn_receiver().unwrap();
        assert_eq!(key.port[server], 445);
        assert_eq!(state.packets[1 - server], 2);
        assert_eq!(state.bytes[1 - server], 114);
        assert_eq!(state.packets[server], 1);
        assert_eq!((state.first_ts, state.last_ts), (1, 3));
    }

    #[test]
    fn syn_ack_alone_names_no_server() {
        let mut t = FlowTable::new();
        t.add_packet(
            &pkt(20, 10, 445, 50000, tcp_flags::SYN | tcp_flags::ACK),
            1,
            60,
        );
        let (_, state) = t.iter().next().unwrap();
        assert_eq!(state.syn_receiver(), None);
    }

    #[test]
    fn later_fragments_join_the_first() {
        let mut t = FlowTable::new();
        let mut first = pkt(10, 20, 5000, 53, 0);
        first.proto = 17;
        let series = FragmentKey {
            v6: false,
            src: first.src,
            dst: first.dst,
            proto: 17,
            id: 7,
        };
        first.fragment = Fragment::First(series);
        t.add_packet(&first, 1, 1514);
        t.add_later_fragment(&series, 2, 600);
        let other = FragmentKey { id: 8, ..series };
        t.add_later_fragment(&other, 3, 600);
        assert_eq!(t.unmatched_fragments(), (1, 600));
        let (_, state) = t.iter().next().unwrap();
        assert_eq!(state.packets.iter().sum::<u64>(), 2);
        assert_eq!(state.bytes.iter().sum::<u64>(), 2114);
    }
}
