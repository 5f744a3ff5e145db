//! One flow: its canonical bidirectional key ([`FlowKey`]) and the compact state kept
//! per flow ([`FlowState`]: counters per endpoint, TCP handshake and closing bits,
//! handshake timing, the ICMP error it drew, the payload codes and RPC interface that
//! inspection found).

use crate::decode::icmp::IcmpReason;
use crate::decode::{AddrBytes, IpSummary, tcp_flags};
use crate::inspect::fingerprint::Fingerprint;
use crate::inspect::rpc::RpcId;

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
        crate::decode::Transport::from_ip_proto(self.proto).is_some()
    }
}

/// The slot of a flow its [`PacketObserver`](crate::flow::observer::PacketObserver) has
/// not placed yet.
pub const SLOT_UNSET: u16 = u16::MAX;

/// Marker for "no endpoint" in the compact per-flow fields.
pub(crate) const NO_ENDPOINT: u8 = 2;

/// TCP state bits: FIN and RST sent by endpoint 0 and 1, the SYN/ACK of the handshake,
/// and the ACK that completed it.
const FIN_FROM_0: u8 = 1;

const FIN_FROM_1: u8 = 2;

const RST_FROM_0: u8 = 4;

const RST_FROM_1: u8 = 8;

const SYN_ACK_SEEN: u8 = 16;

const HANDSHAKE_DONE: u8 = 32;

/// DCE/RPC bits beside the TCP ones: which endpoint sent the flow's first bind (the
/// client of the association).
const BIND_FROM_0: u8 = 64;

const BIND_FROM_1: u8 = 128;

/// Microseconds from `from` to `to` (ns), saturating at the ends of u32.
fn micros_between(from: i64, to: i64) -> u32 {
    u32::try_from(to.saturating_sub(from).max(0) / 1000).unwrap_or(u32::MAX)
}

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
    pub(crate) syn_receiver: u8,
    /// Endpoint that was the destination of the first packet.
    first_destination: u8,
    /// TCP state bits seen so far (FIN/RST per side, handshake progress).
    tcp: u8,
    /// Pure SYNs the client sent (saturating): more than one means retransmissions.
    syns: u8,
    /// Last pure SYN before the SYN/ACK, in µs after `first_ts`.
    syn_at_us: u32,
    /// SYN -> SYN/ACK as seen at the capture point, µs.
    syn_ack_us: u32,
    /// SYN/ACK -> ACK as seen at the capture point, µs.
    ack_us: u32,
    /// The first ICMP error that quoted a packet of this flow.
    /// (Packed by [`pack_icmp`] into two bytes, so the state stays 72 bytes.)
    pub(crate) icmp: u16,
    /// Fingerprint code of the first payload each endpoint sent (0: none yet).
    payload_fp: [u8; 2],
    /// The service entry its packet sizes are recorded under (see
    /// the [`PacketObserver`](crate::flow::observer::PacketObserver)).
    pub(crate) size_entry: u16,
    /// The DCE/RPC interface the flow carries (packed [`RpcId`]; 0 when none is known).
    pub(crate) rpc: u16,
}

/// An ICMP error reason in two bytes: 0 for none, else a marker bit, the IPv6 bit, the
/// ICMP type (errors are below 64) and the code.
pub(crate) fn pack_icmp(r: IcmpReason) -> u16 {
    0x8000 | u16::from(r.v6) << 14 | u16::from(r.icmp_type & 0x3f) << 8 | u16::from(r.code)
}

pub(crate) fn unpack_icmp(bits: u16) -> Option<IcmpReason> {
    (bits & 0x8000 != 0).then_some(IcmpReason {
        v6: bits & 0x4000 != 0,
        icmp_type: (bits >> 8) as u8 & 0x3f,
        code: bits as u8,
    })
}

impl FlowState {
    pub(crate) fn new(ts: i64, sender: usize) -> FlowState {
        FlowState {
            first_ts: ts,
            last_ts: ts,
            packets: [0; 2],
            bytes: [0; 2],
            syn_receiver: NO_ENDPOINT,
            first_destination: 1 - sender as u8,
            tcp: 0,
            syns: 0,
            syn_at_us: 0,
            syn_ack_us: 0,
            ack_us: 0,
            icmp: 0,
            payload_fp: [0; 2],
            size_entry: SLOT_UNSET,
            rpc: 0,
        }
    }

    /// Counts a packet whose payload has fingerprint code `fp` (0: no payload); returns
    /// true when it closed the flow.
    #[inline]
    pub(crate) fn add(&mut self, sender: usize, ts: i64, bytes: u32, flags: u8, fp: u8) -> bool {
        if self.payload_fp[sender] == 0 {
            self.payload_fp[sender] = fp;
        }
        self.packets[sender] += 1;
        self.bytes[sender] += u64::from(bytes);
        // Timestamps can go backwards in merged or damaged files: keep the span, and keep
        // the SYN's time (stored relative to the first packet) where it was.
        if ts < self.first_ts {
            let moved = micros_between(ts, self.first_ts);
            self.syn_at_us = self.syn_at_us.saturating_add(moved);
            self.first_ts = ts;
        }
        self.last_ts = self.last_ts.max(ts);
        flags != 0 && self.track_tcp(sender, ts, flags)
    }

    /// Follows the handshake and the close; returns true when this packet closed the flow.
    fn track_tcp(&mut self, sender: usize, ts: i64, flags: u8) -> bool {
        let (syn, ack) = (flags & tcp_flags::SYN != 0, flags & tcp_flags::ACK != 0);
        let from_server =
            self.syn_receiver != NO_ENDPOINT && sender == usize::from(self.syn_receiver);
        if syn && !ack {
            if self.syn_receiver == NO_ENDPOINT {
                self.syn_receiver = 1 - sender as u8;
            }
            if sender != usize::from(self.syn_receiver) {
                self.syns = self.syns.saturating_add(1);
                if self.tcp & SYN_ACK_SEEN == 0 {
                    self.syn_at_us = micros_between(self.first_ts, ts);
                }
            }
        } else if syn && ack {
            if self.tcp & SYN_ACK_SEEN == 0 && (from_server || self.syn_receiver == NO_ENDPOINT) {
                self.tcp |= SYN_ACK_SEEN;
                if from_server {
                    let syn_ts = self.first_ts + i64::from(self.syn_at_us) * 1000;
                    self.syn_ack_us = micros_between(syn_ts, ts);
                }
            }
        } else if ack
            && flags & tcp_flags::RST == 0
            && self.tcp & (SYN_ACK_SEEN | HANDSHAKE_DONE) == SYN_ACK_SEEN
            && self.syn_receiver != NO_ENDPOINT
            && !from_server
        {
            self.tcp |= HANDSHAKE_DONE;
            let syn_ack_ts =
                self.first_ts + (i64::from(self.syn_at_us) + i64::from(self.syn_ack_us)) * 1000;
            self.ack_us = micros_between(syn_ack_ts, ts);
        }
        if flags & (tcp_flags::FIN | tcp_flags::RST) != 0 {
            let was_closed = self.is_closed();
            self.tcp |= closing_bits(sender, flags);
            return !was_closed && self.is_closed();
        }
        false
    }

    /// Whether the flow was closed: a FIN from both sides, or a RST.
    pub fn is_closed(&self) -> bool {
        self.tcp & (RST_FROM_0 | RST_FROM_1) != 0
            || self.tcp & (FIN_FROM_0 | FIN_FROM_1) == FIN_FROM_0 | FIN_FROM_1
    }

    /// Whether endpoint `side` sent a RST.
    pub fn rst_from(&self, side: usize) -> bool {
        self.tcp & if side == 0 { RST_FROM_0 } else { RST_FROM_1 } != 0
    }

    /// Whether endpoint `side` sent a FIN.
    pub fn fin_from(&self, side: usize) -> bool {
        self.tcp & if side == 0 { FIN_FROM_0 } else { FIN_FROM_1 } != 0
    }

    /// Whether a SYN/ACK was seen (from the SYN's receiver, or with no SYN captured).
    pub fn syn_ack_seen(&self) -> bool {
        self.tcp & SYN_ACK_SEEN != 0
    }

    /// Whether the three-way handshake completed in the capture.
    pub fn handshake_done(&self) -> bool {
        self.tcp & HANDSHAKE_DONE != 0
    }

    /// Pure SYNs the client sent (1 + retransmissions; saturates at 255).
    pub fn syns(&self) -> u8 {
        self.syns
    }

    /// SYN -> SYN/ACK and SYN/ACK -> ACK in µs, when the capture saw them.
    pub fn handshake_us(&self) -> (Option<u32>, Option<u32>) {
        let syn_ack =
            (self.syn_ack_seen() && self.syn_receiver != NO_ENDPOINT).then_some(self.syn_ack_us);
        (syn_ack, self.handshake_done().then_some(self.ack_us))
    }

    /// The DCE/RPC interface the flow carries, and how it was found.
    pub fn rpc(&self) -> RpcId {
        RpcId::from_bits(self.rpc)
    }

    /// Notes that endpoint `sender` sent a DCE/RPC bind (the first one counts).
    pub(crate) fn note_bind_from(&mut self, sender: usize) {
        if self.tcp & (BIND_FROM_0 | BIND_FROM_1) == 0 {
            self.tcp |= if sender == 0 {
                BIND_FROM_0
            } else {
                BIND_FROM_1
            };
        }
    }

    /// The endpoint that sent the flow's first DCE/RPC bind: the client.
    pub fn bind_sender(&self) -> Option<usize> {
        if self.tcp & BIND_FROM_0 != 0 {
            Some(0)
        } else if self.tcp & BIND_FROM_1 != 0 {
            Some(1)
        } else {
            None
        }
    }

    /// The first ICMP error quoting a packet of this flow.
    pub fn icmp(&self) -> Option<IcmpReason> {
        unpack_icmp(self.icmp)
    }

    /// What the first payload endpoint `side` sent looks like (None: it sent none).
    pub fn payload_fingerprint(&self, side: usize) -> Option<Fingerprint> {
        Fingerprint::from_code(self.payload_fp[side])
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

/// The closing bits a TCP packet from `sender` with `flags` sets.
pub(crate) fn closing_bits(sender: usize, flags: u8) -> u8 {
    let mut bits = 0;
    if flags & tcp_flags::FIN != 0 {
        bits |= if sender == 0 { FIN_FROM_0 } else { FIN_FROM_1 };
    }
    if flags & tcp_flags::RST != 0 {
        bits |= if sender == 0 { RST_FROM_0 } else { RST_FROM_1 };
    }
    bits
}
