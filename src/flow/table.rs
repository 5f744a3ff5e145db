//! Bidirectional flows: a canonical key for both directions of a conversation, the
//! per-flow state the classifier needs, and the table that holds them.
//!
//! A flow is (IP pair, IP protocol, port pair) for TCP, UDP and SCTP and (IP pair, IP
//! protocol) for other IP protocols. The key orders its two endpoints so that both
//! directions of a conversation map to one key; counters are kept per endpoint ("sent by
//! endpoint 0/1") and turned into client/server directions only when the flow is
//! classified, because which side is the server may only become clear later (a SYN seen
//! after the capture started mid-flow).

use std::collections::{HashMap, VecDeque};

/// The flow table's hasher: fast, and keyed with a per-process random seed, so traffic
/// crafted to collide cannot degrade a live sensor's table.
type KeyedState = foldhash::fast::RandomState;

use crate::flow::map::{FlowMap, Slot};
use crate::flow::observer::{PacketObserver, SLOT_UNSET};
use crate::flow::state::{FlowKey, FlowState, NO_ENDPOINT, pack_icmp};

use crate::decode::icmp::IcmpReason;

use crate::decode::{Fragment, FragmentKey, IpSummary, tcp_flags};

use crate::flow::expiry::{Expiry, ExpiryCounts, FlowEnd};

use crate::inspect::outcome::answers::FlowAnswers;
use crate::inspect::rpc::RpcId;

/// A flow that left the table (before the end of the run, or at it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetiredFlow {
    /// Its key.
    pub key: FlowKey,
    /// Everything it counted.
    pub state: FlowState,
    /// Why it ended.
    pub end: FlowEnd,
    /// The TLS server name (SNI) its client asked for, if one was captured.
    pub server_name: Option<Box<str>>,
    /// What its server answered, as the outcome parsers read it.
    pub answers: Option<Box<FlowAnswers>>,
}

/// Fragment series remembered at most; past this the memory is cleared (later fragments of
/// forgotten series are then counted as unmatched, never lost).
const MAX_FRAGMENT_SERIES: usize = 65_536;

/// Packets held back and applied together, so the table lookups of a batch overlap their
/// cache misses instead of waiting for each in turn (see [`FlowTable::flush`]).
const BATCH: usize = 32;

/// A packet that is not a fragment, with its flow key: what a flow update needs, and
/// what waits in the table's batch.
#[derive(Debug, Clone, Copy)]
pub struct KeyedPacket {
    key: FlowKey,
    sender: u8,
    fp: u8,
    flags: u8,
    bytes: u32,
    ts: i64,
}

impl KeyedPacket {
    /// The update for an unfragmented packet (None for fragments, which need the whole
    /// summary) of `bytes` on the wire whose payload has fingerprint code `fp`.
    #[inline]
    pub fn of(p: &IpSummary, ts: i64, bytes: u32, fp: u8) -> Option<KeyedPacket> {
        (p.fragment == Fragment::None).then(|| KeyedPacket::keyed(p, ts, bytes, fp))
    }

    #[inline]
    fn keyed(p: &IpSummary, ts: i64, bytes: u32, fp: u8) -> KeyedPacket {
        let (key, sender) = FlowKey::from_packet(p);
        KeyedPacket {
            key,
            sender: sender as u8,
            fp,
            flags: p.tcp_flags,
            bytes,
            ts,
        }
    }
}

/// All flows of a run, plus the fragment series that map later fragments to them.
///
/// Packets are applied in batches: a big table lives in main memory, and one lookup is
/// mostly waiting for it. [`FlowTable::flush`] first looks up every key of the batch (the
/// lookups are independent, so the processor overlaps their memory accesses), then
/// applies the packets in order against now-cached entries. Order within a flow is kept,
/// so results are those of one-by-one processing.
#[derive(Debug)]
pub struct FlowTable {
    flows: FlowMap,
    fragments: HashMap<FragmentKey, (FlowKey, u8), KeyedState>,
    pending: Vec<KeyedPacket>,
    /// Later fragments whose first fragment was not seen: (packets, bytes).
    unmatched: (u64, u64),
    /// When flows end early.
    expiry: Expiry,
    /// Flows ended and not yet taken by [`FlowTable::take_retired`].
    retired: Vec<RetiredFlow>,
    /// What expiry did.
    counts: ExpiryCounts,
    /// Flows that closed, with the packet time to check them from, oldest first.
    closed: VecDeque<(i64, FlowKey)>,
    /// Packet time of the next idle sweep (`i64::MIN` before the first packet).
    next_sweep: i64,
    /// Packets since the last idle sweep.
    since_sweep: u64,
    /// ICMP errors quoting a packet of no flow in the table.
    icmp_unmatched: u64,
    /// TLS server names of the flows held (few flows have one).
    server_names: HashMap<FlowKey, Box<str>, KeyedState>,
    /// What the servers of the flows held answered (few flows have answers).
    answers: HashMap<FlowKey, Box<FlowAnswers>, KeyedState>,
    /// Every packet's size per service entry, when asked for.
    sizes: Option<Box<dyn PacketObserver>>,
}

impl Default for FlowTable {
    fn default() -> FlowTable {
        FlowTable::with_expiry(Expiry::never())
    }
}

impl FlowTable {
    /// An empty table whose flows last until the end of the run.
    pub fn new() -> FlowTable {
        FlowTable::default()
    }

    /// An empty table whose flows end by the given expiry settings.
    pub fn with_expiry(expiry: Expiry) -> FlowTable {
        FlowTable {
            flows: FlowMap::default(),
            fragments: HashMap::default(),
            pending: Vec::with_capacity(BATCH),
            unmatched: (0, 0),
            expiry,
            retired: Vec::new(),
            counts: ExpiryCounts::default(),
            closed: VecDeque::new(),
            next_sweep: i64::MIN,
            since_sweep: 0,
            icmp_unmatched: 0,
            server_names: HashMap::default(),
            answers: HashMap::default(),
            sizes: None,
        }
    }

    /// Also shows every packet to `observer` (e.g. the packet-size histograms).
    pub fn with_observer(mut self, observer: Box<dyn PacketObserver>) -> FlowTable {
        self.sizes = Some(observer);
        self
    }

    /// The observer, with every held-back packet applied.
    pub fn observer(&mut self) -> Option<&dyn PacketObserver> {
        self.flush();
        self.sizes.as_deref()
    }

    /// Retires what has ended by packet time `ts`: closed flows past their grace period,
    /// and (when a sweep is due) idle flows. Sweeps of the whole table also wait until
    /// the packets since the last one number an eighth of the table, so their cost stays
    /// below one table visit per eight packets however sparse the capture.
    #[inline]
    fn maybe_sweep(&mut self, ts: i64) {
        if let (Some(&(since, _)), Some(grace)) = (self.closed.front(), self.expiry.closed_grace_ns)
        {
            if ts.saturating_sub(since) > grace {
                self.flush();
                self.retire_closed(ts, grace);
            }
        }
        self.since_sweep += 1;
        if ts >= self.next_sweep {
            if let Some(interval) = self.expiry.idle_sweep_interval_ns() {
                if self.since_sweep.saturating_mul(8) >= self.flows.len() as u64 {
                    self.flush();
                    self.sweep(ts, interval);
                }
            }
        }
    }

    /// Retires the closed flows quiet for longer than `grace` at packet time `now`.
    fn retire_closed(&mut self, now: i64, grace: i64) {
        let mut ended = Vec::new();
        while let Some(&(since, key)) = self.closed.front() {
            if now.saturating_sub(since) <= grace {
                break;
            }
            self.closed.pop_front();
            // The entry may be stale: the flow ended otherwise, or a new one took the key.
            let Some(state) = self.flows.get(&key) else {
                continue;
            };
            match self.expiry.ended(state, now) {
                Some(end) => {
                    if let Some(state) = self.flows.remove(&key) {
                        ended.push(RetiredFlow {
                            key,
                            state,
                            end,
                            server_name: None,
                            answers: None,
                        });
                    }
                }
                // Packets came after the close (the last ACKs): look again later.
                None if state.is_closed() => self.closed.push_back((state.last_ts, key)),
                None => {}
            }
        }
        self.retire_all(ended);
    }

    /// Retires every flow that has ended by packet time `now`.
    fn sweep(&mut self, now: i64, interval: i64) {
        self.next_sweep = now.saturating_add(interval);
        self.since_sweep = 0;
        let expiry = self.expiry;
        let mut ended = Vec::new();
        self.flows
            .retain(|key, state| match expiry.ended(state, now) {
                Some(end) => {
                    ended.push(RetiredFlow {
                        key: *key,
                        state: *state,
                        end,
                        server_name: None,
                        answers: None,
                    });
                    false
                }
                None => true,
            });
        self.retire_all(ended);
    }

    /// Evicts the oldest-idle sixteenth of the table (at least one flow), so a full table
    /// makes room for a while instead of evicting on every new flow.
    fn evict(&mut self) {
        let count = (self.flows.len() / 16).max(1);
        let mut by_age: Vec<(i64, FlowKey)> = self
            .flows
            .iter()
            .map(|(key, state)| (state.last_ts, *key))
            .collect();
        if count < by_age.len() {
            by_age.select_nth_unstable(count - 1);
            by_age.truncate(count);
        }
        let ended = by_age
            .into_iter()
            .filter_map(|(_, key)| {
                self.flows.remove(&key).map(|state| RetiredFlow {
                    key,
                    state,
                    end: FlowEnd::Evicted,
                    server_name: None,
                    answers: None,
                })
            })
            .collect();
        self.retire_all(ended);
    }

    /// Counts and queues ended flows in a stable order (the table's own order is random),
    /// each with its server name.
    fn retire_all(&mut self, mut ended: Vec<RetiredFlow>) {
        ended.sort_unstable_by_key(|r| (r.state.first_ts, r.key));
        for r in &mut ended {
            self.counts.count(r.end);
            if !self.server_names.is_empty() {
                r.server_name = self.server_names.remove(&r.key);
            }
            if !self.answers.is_empty() {
                r.answers = self.answers.remove(&r.key);
            }
        }
        self.retired.append(&mut ended);
    }

    /// Takes the flows that ended since the last call, in the order they ended. Held-back
    /// packets are not applied first: the table flushes only at points the packet stream
    /// decides, so a run gives the same flows however often this is called (one thread
    /// or two). [`Self::flush`] first at the end of a run.
    pub fn take_retired(&mut self) -> Vec<RetiredFlow> {
        std::mem::take(&mut self.retired)
    }

    /// Whether flows ended since the last [`FlowTable::take_retired`].
    pub fn has_retired(&self) -> bool {
        !self.retired.is_empty()
    }

    /// What expiry did so far (after applying the held-back packets).
    pub fn expiry_counts(&mut self) -> ExpiryCounts {
        self.flush();
        self.counts
    }

    /// The expiry settings.
    pub fn expiry(&self) -> Expiry {
        self.expiry
    }

    /// Counts a packet that carries its own flow identity (not a later fragment).
    #[inline]
    pub fn add_packet(&mut self, p: &IpSummary, ts: i64, bytes: u32) {
        self.add_packet_with_payload(p, ts, bytes, 0);
    }

    /// Counts a packet whose payload has fingerprint code `fp` (see
    /// [`crate::inspect::fingerprint::Fingerprint::code`]; 0 when it carries none).
    #[inline]
    pub fn add_packet_with_payload(&mut self, p: &IpSummary, ts: i64, bytes: u32, fp: u8) {
        self.maybe_sweep(ts);
        let packet = KeyedPacket::keyed(p, ts, bytes, fp);
        if let Fragment::First(series) = p.fragment {
            // Later fragments look this series up: apply it now, in order.
            self.flush();
            self.apply(packet);
            if self.fragments.len() >= MAX_FRAGMENT_SERIES {
                self.fragments.clear();
            }
            self.fragments.insert(series, (packet.key, packet.sender));
            return;
        }
        self.push_pending(packet);
    }

    /// Counts a packet that is not a fragment, already keyed (the reading thread computes
    /// the key, so only the few bytes the table needs cross to a worker thread).
    #[inline]
    pub fn add_keyed(&mut self, packet: KeyedPacket) {
        self.maybe_sweep(packet.ts);
        self.push_pending(packet);
    }

    #[inline]
    fn push_pending(&mut self, p: KeyedPacket) {
        self.pending.push(p);
        if self.pending.len() >= BATCH {
            self.flush();
        }
    }

    /// Applies one packet now (hashing its key here).
    #[inline]
    fn apply(&mut self, packet: KeyedPacket) {
        let hash = self.flows.hash(&packet.key);
        self.apply_hashed(packet, hash);
    }

    /// Applies one packet whose key hashes to `hash`.
    #[inline]
    fn apply_hashed(&mut self, packet: KeyedPacket, hash: u64) {
        let KeyedPacket {
            key,
            sender,
            fp,
            flags,
            bytes,
            ts,
        } = packet;
        let sender = usize::from(sender);
        if let Some(cap) = self.expiry.max_flows {
            if self.flows.len() >= cap && !self.flows.contains_hashed(hash, &key) {
                self.evict();
            }
        }
        match self.flows.slot_hashed(hash, key) {
            Slot::Held(state) => {
                // A pure SYN on a closed flow is a new connection reusing the ports.
                let reused = self.expiry.closed_grace_ns.is_some()
                    && flags & (tcp_flags::SYN | tcp_flags::ACK) == tcp_flags::SYN
                    && state.is_closed();
                let ended = if reused {
                    Some(FlowEnd::Closed)
                } else {
                    self.expiry.ended(state, ts)
                };
                if let Some(end) = ended {
                    // The gap rule: this packet starts a new flow on the same key.
                    let old = std::mem::replace(state, FlowState::new(ts, sender));
                    self.counts.count(end);
                    let server_name = if self.server_names.is_empty() {
                        None
                    } else {
                        self.server_names.remove(&key)
                    };
                    let answers = if self.answers.is_empty() {
                        None
                    } else {
                        self.answers.remove(&key)
                    };
                    self.retired.push(RetiredFlow {
                        key,
                        state: old,
                        end,
                        server_name,
                        answers,
                    });
                }
                let had_server = state.syn_receiver != NO_ENDPOINT;
                if state.add(sender, ts, bytes, flags, fp) && self.expiry.closed_grace_ns.is_some()
                {
                    self.closed.push_back((ts, key));
                }
                if let Some(sizes) = &mut self.sizes {
                    // A new flow, or a SYN that just named the server: (re)classify.
                    if state.size_entry == SLOT_UNSET
                        || (!had_server && state.syn_receiver != NO_ENDPOINT)
                    {
                        state.size_entry = sizes.slot_of(&key, state);
                    }
                    sizes.record(state.size_entry, bytes);
                }
            }
            Slot::Free(slot) => {
                let state = slot.insert(key, FlowState::new(ts, sender));
                let closed = state.add(sender, ts, bytes, flags, fp);
                if let Some(sizes) = &mut self.sizes {
                    state.size_entry = sizes.slot_of(&key, state);
                    sizes.record(state.size_entry, bytes);
                }
                if closed && self.expiry.closed_grace_ns.is_some() {
                    self.closed.push_back((ts, key));
                }
                let held = self.flows.len() as u64;
                if held > self.counts.peak_flows {
                    self.counts.peak_flows = held;
                }
            }
        }
    }

    /// Applies the held-back packets: a first pass touches every key's entry (independent
    /// lookups whose cache misses overlap), a second pass updates them in packet order.
    /// Each key is hashed once, for both passes.
    pub fn flush(&mut self) {
        let mut hashes = [0u64; BATCH];
        let mut found = 0usize;
        for (p, hash) in self.pending.iter().zip(hashes.iter_mut()) {
            *hash = self.flows.hash(&p.key);
            found += usize::from(self.flows.contains_hashed(*hash, &p.key));
        }
        std::hint::black_box(found);
        let pending = std::mem::take(&mut self.pending);
        for (i, p) in pending.iter().enumerate() {
            // The batch never holds more than BATCH packets (push_pending flushes there).
            match hashes.get(i) {
                Some(&hash) => self.apply_hashed(*p, hash),
                None => self.apply(*p),
            }
        }
        self.pending = pending;
        self.pending.clear();
    }

    /// Counts a later fragment against the flow of its first fragment; one whose first
    /// fragment was not seen is counted in [`FlowTable::unmatched_fragments`].
    #[inline]
    pub fn add_later_fragment(&mut self, series: &FragmentKey, ts: i64, bytes: u32) {
        self.maybe_sweep(ts);
        let Some(&(key, sender)) = self.fragments.get(series) else {
            self.unmatched.0 += 1;
            self.unmatched.1 += u64::from(bytes);
            return;
        };
        self.flush();
        // The flow may have ended (evicted) since its first fragment: then this starts
        // a new one, like any packet arriving after its flow ended.
        self.apply(KeyedPacket {
            key,
            sender,
            fp: 0,
            flags: 0,
            bytes,
            ts,
        });
    }

    /// Tells a held flow which DCE/RPC interface it carries (kept when better than what
    /// it knew; see [`RpcId::better_than`]).
    pub fn set_rpc(&mut self, key: &FlowKey, id: RpcId) {
        self.set_rpc_from(key, id, None);
    }

    /// Tells flow `key` which DCE/RPC interface it carries, learned from a bind that
    /// endpoint `bind_sender` sent (when it was a bind): that endpoint is the client.
    pub fn set_rpc_from(&mut self, key: &FlowKey, id: RpcId, bind_sender: Option<usize>) {
        self.flush();
        if let Some(state) = self.flows.get_mut(key) {
            if let Some(sender) = bind_sender {
                state.note_bind_from(sender);
            }
            if id.better_than(state.rpc()) {
                state.rpc = id.to_bits();
            }
        }
    }

    /// Notes the TLS server name a packet of a held flow asked for (the first one wins).
    pub fn add_server_name(&mut self, packet: &IpSummary, name: Box<str>) {
        self.flush();
        let (key, _) = FlowKey::from_packet(packet);
        if self.flows.contains_key(&key) {
            self.server_names.entry(key).or_insert(name);
        }
    }

    /// Adds what the outcome parsers read in `packet` to its flow's answers.
    pub fn add_answers(&mut self, packet: &IpSummary, more: FlowAnswers) {
        self.flush();
        let (key, _) = FlowKey::from_packet(packet);
        if self.flows.contains_key(&key) {
            self.answers.entry(key).or_default().merge(more);
        }
    }

    /// What the server of a held flow answered so far.
    pub fn answers(&self, key: &FlowKey) -> Option<&FlowAnswers> {
        self.answers.get(key).map(|a| &**a)
    }

    /// The TLS server name of a held flow.
    pub fn server_name(&self, key: &FlowKey) -> Option<&str> {
        self.server_names.get(key).map(|n| &**n)
    }

    /// Notes an ICMP error quoting `quoted` on the flow it belongs to; the first error a
    /// flow gets is kept. An error about no flow in the table is only counted.
    pub fn add_icmp_error(&mut self, quoted: &IpSummary, reason: IcmpReason) {
        self.flush();
        let (key, _) = FlowKey::from_packet(quoted);
        match self.flows.get_mut(&key) {
            Some(state) => {
                if state.icmp == 0 {
                    state.icmp = pack_icmp(reason);
                }
            }
            None => self.icmp_unmatched += 1,
        }
    }

    /// ICMP errors that quoted a packet of no flow in the table.
    pub fn icmp_unmatched(&self) -> u64 {
        self.icmp_unmatched
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

    /// Takes all flows out, in no particular order, as flows ended by the capture's end.
    pub fn drain(&mut self) -> impl Iterator<Item = RetiredFlow> + '_ {
        self.flush();
        self.fragments.clear();
        let names = &mut self.server_names;
        let answers = &mut self.answers;
        self.flows.drain().map(move |(key, state)| RetiredFlow {
            key,
            state,
            end: FlowEnd::CaptureEnd,
            server_name: names.remove(&key),
            answers: answers.remove(&key),
        })
    }

    /// Takes all flows out, sorted by first packet time (then key) for stable output.
    pub fn drain_sorted(&mut self) -> Vec<RetiredFlow> {
        let mut all: Vec<RetiredFlow> = self.drain().collect();
        all.sort_unstable_by_key(|r| (r.state.first_ts, r.key));
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::state::unpack_icmp;

    fn pkt(src: u8, dst: u8, sport: u16, dport: u16, flags: u8) -> IpSummary {
        IpSummary::test_v4([src, 0, 0, 0], [dst, 0, 0, 0], 6, (sport, dport), flags)
    }

    /// A first UDP fragment 10 -> 20 of series `id`, and the series.
    fn first_fragment(id: u32) -> (IpSummary, FragmentKey) {
        let mut first = pkt(10, 20, 5000, 53, 0);
        first.proto = 17;
        let series = FragmentKey {
            v6: false,
            src: first.src,
            dst: first.dst,
            proto: 17,
            id,
        };
        first.fragment = Fragment::First(series);
        (first, series)
    }

    #[test]
    fn icmp_reasons_pack_into_two_bytes() {
        assert_eq!(unpack_icmp(0), None);
        for v6 in [false, true] {
            for icmp_type in [1, 3, 4, 11, 12] {
                for code in 0..=255 {
                    let r = IcmpReason {
                        v6,
                        icmp_type,
                        code,
                    };
                    assert_eq!(unpack_icmp(pack_icmp(r)), Some(r));
                }
            }
        }
    }

    #[test]
    fn key_and_state_stay_small() {
        // 38 + 72 bytes a flow: the README's memory figures depend on it.
        assert_eq!(std::mem::size_of::<FlowKey>(), 38);
        assert_eq!(std::mem::size_of::<FlowState>(), 72);
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
        let (first, series) = first_fragment(7);
        t.add_packet(&first, 1, 1514);
        t.add_later_fragment(&series, 2, 600);
        let other = FragmentKey { id: 8, ..series };
        t.add_later_fragment(&other, 3, 600);
        assert_eq!(t.unmatched_fragments(), (1, 600));
        let (_, state) = t.iter().next().unwrap();
        assert_eq!(state.packets.iter().sum::<u64>(), 2);
        assert_eq!(state.bytes.iter().sum::<u64>(), 2114);
    }

    #[test]
    fn fragment_floods_stay_bounded() {
        // A flood of tiny fragments: first fragments of ever new series, and later
        // fragments whose first never came. The series memory stays at its cap and
        // nothing else grows; every fragment is still counted.
        let mut t = FlowTable::new();
        let floods = 3 * MAX_FRAGMENT_SERIES as u32;
        for id in 0..floods {
            let (first, series) = first_fragment(id);
            t.add_packet(&first, i64::from(id), 28);
            t.add_later_fragment(&FragmentKey { id: !id, ..series }, i64::from(id), 28);
            assert!(t.fragments.len() <= MAX_FRAGMENT_SERIES);
        }
        assert_eq!(t.len(), 1, "one flow: all first fragments share a 5-tuple");
        assert_eq!(
            t.unmatched_fragments(),
            (u64::from(floods), 28 * u64::from(floods))
        );
        let (_, state) = t.iter().next().unwrap();
        assert_eq!(state.packets.iter().sum::<u64>(), u64::from(floods));
    }

    const SEC: i64 = 1_000_000_000;

    fn expiring(idle: i64, grace: i64, cap: Option<usize>) -> FlowTable {
        FlowTable::with_expiry(Expiry {
            idle_timeout_ns: Some(idle),
            closed_grace_ns: Some(grace),
            max_flows: cap,
        })
    }

    /// Every flow that ended plus every flow still held: (flows, packets, bytes).
    fn everything(t: &mut FlowTable) -> (usize, u64, u64) {
        let mut all: Vec<FlowState> = t.take_retired().into_iter().map(|r| r.state).collect();
        all.extend(t.iter().map(|(_, s)| *s));
        let packets = all.iter().map(|s| s.packets[0] + s.packets[1]).sum();
        let bytes = all.iter().map(|s| s.bytes[0] + s.bytes[1]).sum();
        (all.len(), packets, bytes)
    }

    #[test]
    fn a_gap_longer_than_the_idle_timeout_starts_a_new_flow() {
        let mut t = expiring(60 * SEC, 5 * SEC, None);
        t.add_packet(&pkt(10, 20, 5000, 53, 0), 0, 100);
        t.add_packet(&pkt(20, 10, 53, 5000, 0), 60 * SEC, 100);
        t.add_packet(&pkt(10, 20, 5000, 53, 0), 121 * SEC, 100);
        t.flush();
        let retired = t.take_retired();
        assert_eq!(retired.len(), 1);
        assert_eq!(retired[0].end, FlowEnd::Idle);
        assert_eq!(retired[0].state.packets, [1, 1]);
        assert_eq!(t.len(), 1);
        assert_eq!(t.expiry_counts().expired_idle, 1);
    }

    #[test]
    fn closed_flows_end_after_the_grace_period_only() {
        let mut t = expiring(300 * SEC, 5 * SEC, None);
        let (fin, ack) = (tcp_flags::FIN | tcp_flags::ACK, tcp_flags::ACK);
        t.add_packet(&pkt(10, 20, 5000, 445, fin), 0, 60);
        t.add_packet(&pkt(20, 10, 445, 5000, fin), SEC, 60);
        // The last ACK inside the grace period still belongs to the flow.
        t.add_packet(&pkt(10, 20, 5000, 445, ack), 2 * SEC, 60);
        // Port reuse after the grace period is a new flow.
        t.add_packet(&pkt(10, 20, 5000, 445, tcp_flags::SYN), 8 * SEC, 60);
        t.flush();
        let retired = t.take_retired();
        assert_eq!(retired.len(), 1);
        assert_eq!(retired[0].end, FlowEnd::Closed);
        assert_eq!(retired[0].state.packets, [2, 1]);
        // One FIN alone does not close a flow.
        let mut t = expiring(300 * SEC, 5 * SEC, None);
        t.add_packet(&pkt(10, 20, 5000, 445, fin), 0, 60);
        t.add_packet(&pkt(10, 20, 5000, 445, ack), 10 * SEC, 60);
        t.flush();
        assert!(t.take_retired().is_empty());
        // A RST does.
        let mut t = expiring(300 * SEC, 5 * SEC, None);
        t.add_packet(&pkt(10, 20, 5000, 445, tcp_flags::SYN), 0, 60);
        t.add_packet(&pkt(20, 10, 445, 5000, tcp_flags::RST), SEC / 1000, 60);
        t.add_packet(&pkt(10, 20, 5000, 445, tcp_flags::SYN), 10 * SEC, 60);
        t.flush();
        assert_eq!(t.take_retired()[0].end, FlowEnd::Closed);
    }

    #[test]
    fn handshake_times_survive_timestamps_going_backwards() {
        let mut t = FlowTable::new();
        let ms = 1_000_000;
        t.add_packet(&pkt(10, 20, 5000, 445, tcp_flags::SYN), 100 * ms, 60);
        // A packet stamped earlier than the SYN (merged or reordered capture).
        t.add_packet(&pkt(10, 20, 5000, 445, tcp_flags::ACK), 40 * ms, 60);
        t.add_packet(
            &pkt(20, 10, 445, 5000, tcp_flags::SYN | tcp_flags::ACK),
            130 * ms,
            60,
        );
        let (_, state) = t.iter().next().unwrap();
        assert_eq!(state.handshake_us().0, Some(30_000));
    }

    #[test]
    fn a_syn_on_a_closed_flow_is_a_new_connection() {
        let mut t = expiring(300 * SEC, 5 * SEC, None);
        let (syn, fin) = (tcp_flags::SYN, tcp_flags::FIN | tcp_flags::ACK);
        t.add_packet(&pkt(10, 20, 5000, 445, syn), 0, 60);
        t.add_packet(
            &pkt(20, 10, 445, 5000, tcp_flags::RST | tcp_flags::ACK),
            1000,
            60,
        );
        // Retried at once on the same ports: a second attempt, not a retransmission.
        t.add_packet(&pkt(10, 20, 5000, 445, syn), 2000, 60);
        t.add_packet(&pkt(10, 20, 5000, 445, fin), 3000, 60);
        t.add_packet(&pkt(20, 10, 445, 5000, fin), 4000, 60);
        t.add_packet(&pkt(10, 20, 5000, 445, syn), 5000, 60);
        t.flush();
        let retired = t.take_retired();
        assert_eq!(retired.len(), 2);
        assert!(
            retired
                .iter()
                .all(|r| r.end == FlowEnd::Closed && r.state.syns() == 1)
        );
        let packets: u64 = retired
            .iter()
            .map(|r| r.state.packets[0] + r.state.packets[1])
            .sum();
        assert_eq!(packets, 5);
        assert_eq!(everything(&mut t), (1, 1, 60));
        // With close retirement off, the ports stay one flow.
        let mut t = FlowTable::with_expiry(Expiry::never());
        t.add_packet(&pkt(10, 20, 5000, 445, syn), 0, 60);
        t.add_packet(&pkt(20, 10, 445, 5000, tcp_flags::RST), 1000, 60);
        t.add_packet(&pkt(10, 20, 5000, 445, syn), 2000, 60);
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn sweeps_free_ended_flows_without_changing_what_is_counted() {
        let mut t = expiring(10 * SEC, SEC, None);
        for i in 0..200u16 {
            t.add_packet(&pkt(10, 20, 1000 + i, 53, 0), i64::from(i) * SEC, 80);
        }
        t.flush();
        // Only the flows of the last ten seconds or so are still held.
        // Flows quiet for more than ten seconds are gone, within a sweep interval (5 s).
        assert!(t.len() <= 16, "{} flows held", t.len());
        assert!(t.expiry_counts().peak_flows <= 16);
        assert_eq!(everything(&mut t), (200, 200, 16_000));
    }

    #[test]
    fn closed_flows_leave_memory_without_waiting_for_the_idle_timeout() {
        let mut t = expiring(3600 * SEC, SEC, None);
        let (fin, ack) = (tcp_flags::FIN | tcp_flags::ACK, tcp_flags::ACK);
        // 2000 short connections, one every 100 ms: SYN, FIN, FIN, last ACK.
        for i in 0..2000u16 {
            let ts = i64::from(i) * SEC / 10;
            let port = 10_000 + i;
            t.add_packet(&pkt(10, 20, port, 445, tcp_flags::SYN), ts, 60);
            t.add_packet(&pkt(10, 20, port, 445, fin), ts + 1000, 60);
            t.add_packet(&pkt(20, 10, 445, port, fin), ts + 2000, 60);
            t.add_packet(&pkt(10, 20, port, 445, ack), ts + 3000, 60);
        }
        t.flush();
        // At most about two grace periods' worth of connections is held (a flow with
        // packets after its close is looked at again one grace period later), not 2000.
        assert!(
            t.expiry_counts().peak_flows <= 25,
            "{:?}",
            t.expiry_counts()
        );
        assert!(t.expiry_counts().retired_closed >= 1980);
        assert_eq!(everything(&mut t), (2000, 8000, 480_000));
    }

    #[test]
    fn the_cap_evicts_the_oldest_idle_flows_and_loses_no_count() {
        let mut t = expiring(3600 * SEC, 5 * SEC, Some(64));
        // Flow 0 stays busy; flows 1.. are each seen once.
        for i in 0..1000u16 {
            t.add_packet(&pkt(10, 20, 1, 53, 0), i64::from(i) * 2, 80);
            t.add_packet(&pkt(10, 20, 1000 + i, 53, 0), i64::from(i) * 2 + 1, 80);
        }
        t.flush();
        assert!(t.len() <= 64);
        let evicted = t.expiry_counts().evicted;
        assert!(evicted >= 1000 - 64, "{evicted} evicted");
        assert_eq!(t.expiry_counts().peak_flows, 64);
        // The busy flow was never the oldest, so it was never evicted.
        assert!(
            t.take_retired()
                .iter()
                .all(|r| r.key.port != [1, 53] && r.end == FlowEnd::Evicted)
        );
        let busy = t.iter().find(|(k, _)| k.port == [1, 53]).unwrap().1;
        assert_eq!(busy.packets[0], 1000);
    }

    #[test]
    fn retired_flows_come_out_in_a_stable_order() {
        let run = || {
            let mut t = expiring(SEC, SEC, Some(8));
            for i in 0..100u16 {
                t.add_packet(
                    &pkt(10, 20, 1000 + i % 37, 53, 0),
                    i64::from(i) * SEC / 4,
                    80,
                );
            }
            t.flush();
            t.take_retired()
        };
        assert_eq!(run(), run());
    }

    #[test]
    fn a_later_fragment_of_an_evicted_flow_starts_it_again() {
        let mut t = expiring(3600 * SEC, 5 * SEC, Some(1));
        let (first, series) = first_fragment(9);
        t.add_packet(&first, 1, 1514);
        t.add_packet(&pkt(30, 40, 1, 2, 0), 2, 60);
        t.add_later_fragment(&series, 3, 600);
        assert_eq!(t.unmatched_fragments(), (0, 0));
        assert_eq!(everything(&mut t), (3, 3, 2174));
    }
}
