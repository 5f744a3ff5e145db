//! The reading thread's view of DCE/RPC: what the endpoint mapper answered (server, port
//! -> interface), reassembled from its responses; binds and named pipes seen on any TCP
//! flow; and which flows were already told their interface. Runs in packet order, so the
//! names it gives do not depend on threads.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::decode::{AddrBytes, IpSummary, ip_proto, tcp_flags, widen};
use crate::flow::FlowKey;
use crate::inspect::rpc::epm::tcp_towers;
use crate::inspect::rpc::id::{RpcId, Via};
use crate::inspect::rpc::interfaces::InterfaceTable;
use crate::inspect::rpc::pdu::{self, Header, PFC_FIRST_FRAG, PFC_LAST_FRAG, ptype};
use crate::inspect::rpc::smb::create_names;

/// The endpoint mapper's port.
pub const EPM_PORT: u16 = 135;
/// Ports SMB named pipes are opened on.
const SMB_PORTS: [u16; 2] = [445, 139];
/// Bytes held per endpoint-mapper stream waiting for the rest of a PDU or call (an
/// `ept_map` answer is a few hundred bytes; a lookup of many towers a few kilobytes).
const MAX_STREAM_BYTES: usize = 16 * 1024;
/// Endpoint-mapper streams held at once (with the above, at most about 8 MB).
const MAX_STREAMS: usize = 256;
/// A flow is told its interface again after this much packet time, in case it ended
/// (idle, evicted) and came back as a new flow on the same ports.
const REANNOUNCE_NS: i64 = 1_000_000_000;
/// Learned (server, port) endpoints held at once.
const MAX_ENDPOINTS: usize = 65_536;
/// Flows remembered as told their interface.
const MAX_ANNOUNCED: usize = 65_536;
/// How long an endpoint-mapper answer names its port, in packet time: a server that
/// restarts hands out new dynamic ports, so a day-old answer no longer says much.
const ENDPOINT_TTL_NS: i64 = 24 * 3600 * 1_000_000_000;

/// What the endpoint mapper said listens on one server's port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    /// The interface (index into the interface table).
    pub interface: u16,
    /// When the answer was captured.
    pub learned_ts: i64,
    /// The endpoint mapper that answered.
    pub mapper: AddrBytes,
}

/// An endpoint-mapper answer stream being reassembled (server -> client on 135/tcp).
#[derive(Debug, Default)]
struct Stream {
    /// Bytes of PDUs not yet complete.
    pending: Vec<u8>,
    /// Stub of the call whose fragments are arriving.
    stub: Vec<u8>,
}

/// The reading thread's DCE/RPC state.
#[derive(Debug)]
pub struct RpcTracker {
    interfaces: Arc<InterfaceTable>,
    endpoints: FxHashMap<(bool, AddrBytes, u16), Endpoint>,
    streams: FxHashMap<FlowKey, Stream>,
    announced: FxHashMap<FlowKey, (RpcId, i64)>,
}

impl RpcTracker {
    /// A tracker naming interfaces from `interfaces`.
    pub fn new(interfaces: Arc<InterfaceTable>) -> RpcTracker {
        RpcTracker {
            interfaces,
            endpoints: FxHashMap::default(),
            streams: FxHashMap::default(),
            announced: FxHashMap::default(),
        }
    }

    /// The interface table.
    pub fn interfaces(&self) -> &InterfaceTable {
        &self.interfaces
    }

    /// The interface table, shared.
    pub fn shared_interfaces(&self) -> Arc<InterfaceTable> {
        Arc::clone(&self.interfaces)
    }

    /// What the endpoint mapper answered for `server` and TCP `port`, if anything.
    pub fn endpoint(&self, v6: bool, server: &AddrBytes, port: u16) -> Option<&Endpoint> {
        self.endpoints.get(&(v6, *server, port))
    }

    /// Whether a TCP packet with these ports, flags and payload could name an interface
    /// (a cheap test before the flow key is computed for [`RpcTracker::inspect`]): the
    /// mapper's answers, DCE/RPC PDUs, SMB requests, and once the mapper has answered,
    /// connection attempts (a SYN) that may go to a port it named.
    #[inline]
    pub fn wants(&self, ports: (u16, u16), tcp_flags: u8, payload: &[u8]) -> bool {
        match payload.first() {
            Some(5) => true,
            Some(_) if ports.0 == EPM_PORT => true,
            Some(0) => SMB_PORTS.contains(&ports.1),
            Some(_) => false,
            None => tcp_flags & tcp_flags::SYN != 0 && !self.endpoints.is_empty(),
        }
    }

    /// Looks at one TCP packet of flow `key` (its payload as captured; `cut` when the
    /// frame was truncated by the snaplen) and returns the interface the flow should now
    /// be told about, if any: new for the flow, or better than what it was told.
    pub fn inspect(
        &mut self,
        ts: i64,
        ip: &IpSummary,
        key: &FlowKey,
        payload: &[u8],
        cut: bool,
    ) -> Option<RpcId> {
        if ip.proto != ip_proto::TCP {
            return None;
        }
        let (sport, dport) = ip.ports?;
        let mut found = None;
        if !payload.is_empty() {
            if sport == EPM_PORT {
                self.feed_mapper(ts, ip, key, payload, cut);
            }
            if payload[0] == 5 {
                found = self.bound_interface(payload);
            }
            if found.is_none() && payload[0] == 0 && (SMB_PORTS.contains(&dport)) {
                found = create_names(payload)
                    .iter()
                    .find_map(|name| self.interfaces.by_pipe(name))
                    .map(|i| self.id(i, Via::NamedPipe));
            }
        }
        if found.is_none() && payload.first() == Some(&5) {
            // More RPC on ports already named: the same association, perhaps in a flow
            // that ended (idle, evicted) and came back without a SYN.
            found = self.announced.get(key).map(|(id, _)| *id);
        }
        if found.is_none() && !self.endpoints.is_empty() {
            found = [(ip.dst, dport), (ip.src, sport)]
                .iter()
                .find_map(|(addr, port)| {
                    let e = self.endpoints.get(&(ip.v6, *addr, *port))?;
                    let age = ts.saturating_sub(e.learned_ts);
                    (0..ENDPOINT_TTL_NS)
                        .contains(&age)
                        .then(|| self.id(e.interface, Via::EndpointMapper))
                });
        }
        let found = found?;
        // Tell the flow once, and again when it may be a new flow on the same ports: a
        // SYN, or a while later (the flow may have ended and come back).
        let syn = ip.tcp_flags & (tcp_flags::SYN | tcp_flags::ACK) == tcp_flags::SYN;
        match self.announced.get(key) {
            Some((told, at))
                if !syn && !found.better_than(*told) && ts.saturating_sub(*at) < REANNOUNCE_NS =>
            {
                None
            }
            _ => {
                if self.announced.len() >= MAX_ANNOUNCED {
                    self.announced.clear();
                }
                self.announced.insert(*key, (found, ts));
                Some(found)
            }
        }
    }

    fn id(&self, index: u16, via: Via) -> RpcId {
        let plumbing = self.interfaces.get(index).is_some_and(|i| i.is_plumbing());
        RpcId::new(index, via, plumbing)
    }

    /// The interface a bind or alter_context at the start of `payload` asks for: the
    /// first known one that is not DCOM plumbing, else the first known one.
    fn bound_interface(&self, payload: &[u8]) -> Option<RpcId> {
        let h = pdu::header(payload)?;
        if h.ptype != ptype::BIND && h.ptype != ptype::ALTER_CONTEXT {
            return None;
        }
        let known: Vec<u16> = pdu::bind_contexts(payload, &h)
            .iter()
            .filter_map(|c| self.interfaces.find(&c.uuid, c.major))
            .collect();
        let best = known
            .iter()
            .copied()
            .find(|i| self.interfaces.get(*i).is_some_and(|x| !x.is_plumbing()))
            .or_else(|| known.first().copied())?;
        Some(self.id(best, Via::Bind))
    }

    /// Adds an endpoint-mapper server's payload to its stream and learns from every
    /// complete response call.
    fn feed_mapper(&mut self, ts: i64, ip: &IpSummary, key: &FlowKey, payload: &[u8], cut: bool) {
        if cut {
            // A hole follows: what was captured of this PDU is all there will be. Whole
            // towers in it still count; the stream starts over at the next segment.
            self.streams.remove(key);
            if let Some(h) = pdu::header(payload) {
                if h.ptype == ptype::RESPONSE && h.flags & PFC_FIRST_FRAG != 0 {
                    let stub = pdu::response_stub(payload, &h).to_vec();
                    self.learn(ts, ip, &stub);
                }
            }
            return;
        }
        if !self.streams.contains_key(key) {
            if pdu::header(payload).is_none() {
                return;
            }
            if self.streams.len() >= MAX_STREAMS {
                self.streams.clear();
            }
        }
        let mut stream = self.streams.remove(key).unwrap_or_default();
        stream.pending.extend_from_slice(payload);
        let mut calls = Vec::new();
        // Walk the complete PDUs, then drop them from the buffer at once.
        let mut at = 0;
        loop {
            let rest = &stream.pending[at..];
            let Some(h) = pdu::header(rest) else {
                // Not at a PDU boundary (a lost segment, or not RPC after all): drop it.
                if rest.len() >= pdu::HEADER_LEN {
                    at = stream.pending.len();
                    stream.stub.clear();
                }
                break;
            };
            let len = usize::from(h.frag_len);
            if rest.len() < len {
                break;
            }
            if let Some(stub) = next_stub(&mut stream.stub, &rest[..len], &h) {
                calls.push(stub);
            }
            at += len;
        }
        stream.pending.drain(..at);
        if stream.pending.len() + stream.stub.len() <= MAX_STREAM_BYTES {
            stream.pending.shrink_to(MAX_STREAM_BYTES);
            stream.stub.shrink_to(MAX_STREAM_BYTES);
            self.streams.insert(*key, stream);
        }
        for stub in calls {
            self.learn(ts, ip, &stub);
        }
    }

    /// Learns the towers in an endpoint-mapper answer from `ip.src`.
    fn learn(&mut self, ts: i64, ip: &IpSummary, stub: &[u8]) {
        for tower in tcp_towers(stub) {
            let Some(interface) = self
                .interfaces
                .find(&tower.interface.uuid, tower.interface.major)
            else {
                continue;
            };
            // The tower's address, or the mapper's own when it leaves it out.
            let (v6, server) = if tower.ip == [0; 4] {
                (ip.v6, ip.src)
            } else {
                (false, widen(tower.ip))
            };
            if self.endpoints.len() >= MAX_ENDPOINTS {
                self.endpoints.clear();
            }
            self.endpoints.insert(
                (v6, server, tower.port),
                Endpoint {
                    interface,
                    learned_ts: ts,
                    mapper: ip.src,
                },
            );
        }
    }
}

/// Adds one response PDU's stub to the call being assembled; returns the whole stub when
/// this was its last fragment.
fn next_stub(stub: &mut Vec<u8>, pdu_bytes: &[u8], h: &Header) -> Option<Vec<u8>> {
    if h.ptype != ptype::RESPONSE {
        return None;
    }
    if h.flags & PFC_FIRST_FRAG != 0 {
        stub.clear();
    }
    stub.extend_from_slice(pdu::response_stub(pdu_bytes, h));
    if h.flags & PFC_LAST_FRAG != 0 {
        Some(std::mem::take(stub))
    } else {
        if stub.len() > MAX_STREAM_BYTES {
            stub.clear();
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::LinkType;
    use crate::decode::{Decoded, decode};
    use wiretally_synth::frames::{Host, Link, Trace};
    use wiretally_synth::rpc_traffic::{context, epm_lookup};

    /// Runs frames through a tracker; returns it and what it announced per frame.
    fn track(
        frames: &[wiretally_synth::Frame],
        snaplen: usize,
    ) -> (RpcTracker, Vec<Option<RpcId>>) {
        let mut tracker = RpcTracker::new(Arc::new(InterfaceTable::builtin()));
        let mut said = Vec::new();
        for f in frames {
            let data = &f.data[..f.data.len().min(snaplen)];
            let Decoded::Ip(ip) = decode(LinkType::ETHERNET, data) else {
                continue;
            };
            let (key, _) = FlowKey::from_packet(&ip);
            let cut = data.len() < f.data.len();
            said.push(tracker.inspect(f.ts_ns, &ip, &key, ip.payload(data), cut));
        }
        (tracker, said)
    }

    fn addr(text: &str) -> AddrBytes {
        let ip: std::net::Ipv4Addr = text.parse().unwrap();
        widen(ip.octets())
    }

    #[test]
    fn endpoint_mapper_answers_are_learned_across_fragments_and_segments() {
        let drs = context("e3514235-4b06-11d1-ab04-00c04fc2dcd2", 4);
        let nrpc = context("12345678-1234-abcd-ef00-01234567cffb", 1);
        let towers = [(drs, 49667, [10, 0, 0, 9]), (nrpc, 49668, [0, 0, 0, 0])];
        let (client, mapper) = (Host::parse("10.0.0.5"), Host::parse("10.0.0.10"));
        for le in [true, false] {
            for (fragment, segment) in [(4000, 1460), (60, 70), (17, 5), (1, 1)] {
                let mut t = Trace::new(Link::Ethernet);
                epm_lookup(
                    &mut t, 0, &client, &mapper, 50000, le, &towers, fragment, segment,
                );
                let (tracker, _) = track(&t.into_frames(), usize::MAX);
                let what = format!("le {le}, fragment {fragment}, segment {segment}");
                let drs_at = tracker
                    .endpoint(false, &addr("10.0.0.9"), 49667)
                    .expect(&what);
                assert_eq!(
                    tracker.interfaces().get(drs_at.interface).unwrap().name,
                    "drsuapi"
                );
                // 0.0.0.0 in the tower: the mapper's own address.
                let nrpc_at = tracker
                    .endpoint(false, &addr("10.0.0.10"), 49668)
                    .expect(&what);
                assert_eq!(
                    tracker.interfaces().get(nrpc_at.interface).unwrap().name,
                    "netlogon"
                );
                assert_eq!(nrpc_at.mapper, addr("10.0.0.10"));
            }
        }
    }

    #[test]
    fn an_answer_names_later_connections_for_a_day() {
        use crate::decode::tcp_flags;
        use wiretally_synth::frames::tcp_ip;
        let drs = context("e3514235-4b06-11d1-ab04-00c04fc2dcd2", 4);
        let (client, mapper) = (Host::parse("10.0.0.5"), Host::parse("10.0.0.10"));
        let mut t = Trace::new(Link::Ethernet);
        let end = epm_lookup(
            &mut t,
            0,
            &client,
            &mapper,
            50000,
            true,
            &[(drs, 49667, [0; 4])],
            4000,
            1460,
        );
        let (mut tracker, _) = track(&t.into_frames(), usize::MAX);
        let syn = tcp_ip(
            client.ip,
            mapper.ip,
            50001,
            49667,
            tcp_flags::SYN,
            1,
            0,
            &[],
        );
        let Decoded::Ip(ip) = decode(LinkType::RAW, &syn) else {
            panic!("a SYN")
        };
        let (key, _) = FlowKey::from_packet(&ip);
        let hour = 3_600_000_000_000;
        let named = |tracker: &mut RpcTracker, ts| tracker.inspect(ts, &ip, &key, &[], false);
        assert!(named(&mut tracker, end + hour).is_some());
        assert!(
            named(&mut tracker, end + 25 * hour).is_none(),
            "a day later the answer is stale"
        );
        // Before the answer was captured, it names nothing.
        assert!(named(&mut tracker, -1).is_none());
    }
}
