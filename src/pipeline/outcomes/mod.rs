//! The reading thread's view of what servers answered: for the flows that carry
//! Kerberos, SMB, LDAP, DNS or DCE/RPC (by port or by their first payload), each
//! direction is reassembled message by message (TCP, within a bounded window; a gap ends
//! it, a message longer than the window is skipped) or taken datagram by datagram (UDP),
//! handed to the outcome parsers of [`crate::inspect::outcome`], and the answers kept per
//! flow until the flow ends.
//!
//! Nothing is allocated for flows that carry none of these protocols, and at most
//! [`MAX_TRACKED`] flows and [`MAX_BUFFERING`] reassembly buffers are held at once. A
//! message cut by the snaplen or by the cap gives no answer, never a wrong one.

mod answer;
mod dcerpc;
mod dns;
mod kerberos;
mod ldap;
mod smb;

use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::decode::{IpSummary, ip_proto, tcp_flags};
use crate::flow::FlowKey;
use crate::inspect::fingerprint::Fingerprint;
use crate::inspect::outcome::answers::FlowAnswers;
use crate::inspect::outcome::stream::{DEFAULT_CAP, Frame, Framing, StreamBuf, frame_len, frames};
use crate::inspect::rpc::interfaces::InterfaceTable;
use crate::inspect::rpc::operations::OperationTable;

use answer::Names;
use dcerpc::RpcState;
use kerberos::KerberosState;
use ldap::LdapState;
use smb::SmbState;

/// Flows tracked at once; further ones are not inspected (and counted).
pub const MAX_TRACKED: usize = 65_536;
/// TCP flows with reassembly buffers at once (each at most two times [`DEFAULT_CAP`]).
pub const MAX_BUFFERING: usize = 4096;

/// The protocol a tracked flow is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum App {
    Kerberos,
    Smb,
    Ldap,
    Dns,
    Dcerpc,
}

impl App {
    /// The protocol of a flow between `ports` whose payload looks like `fp` (None: by
    /// port alone).
    #[inline]
    fn of(proto: u8, ports: (u16, u16), fp: Option<Fingerprint>) -> Option<App> {
        let either = |p: u16| ports.0 == p || ports.1 == p;
        let tcp = proto == ip_proto::TCP;
        if either(88) {
            return Some(App::Kerberos);
        }
        if either(53) {
            return Some(App::Dns);
        }
        if tcp && (either(445) || either(139)) {
            return Some(App::Smb);
        }
        if either(389) || (tcp && either(3268)) {
            return Some(App::Ldap);
        }
        if tcp && either(135) {
            return Some(App::Dcerpc);
        }
        match fp? {
            Fingerprint::Kerberos => Some(App::Kerberos),
            Fingerprint::Smb2 | Fingerprint::Smb1 if tcp => Some(App::Smb),
            Fingerprint::Ldap if tcp => Some(App::Ldap),
            Fingerprint::DceRpc if tcp => Some(App::Dcerpc),
            _ => None,
        }
    }

    /// Whether `payload` starts like a message of this protocol (the first bytes only:
    /// the parsers decide the rest).
    fn starts(self, payload: &[u8], tcp: bool, ports: (u16, u16)) -> bool {
        let at = |i: usize| payload.get(i).copied();
        let krb_tag = |b: Option<u8>| b.is_some_and(|b| (0x6a..=0x7e).contains(&b));
        match self {
            App::Kerberos if tcp => {
                frame_len(payload, Framing::Kerberos).is_some() && krb_tag(at(4))
            }
            App::Kerberos => krb_tag(at(0)),
            App::Smb => {
                let smb = matches!(payload.get(4..8), Some([0xfc..=0xff, b'S', b'M', b'B']));
                let session =
                    self.framing(ports) == Framing::NetBios && matches!(at(0), Some(0x81..=0x85));
                (at(0) == Some(0) && smb) || session
            }
            App::Ldap => at(0) == Some(0x30),
            App::Dns if tcp => frame_len(payload, Framing::Dns).is_some(),
            // Over UDP only an answer is worth a flow's memory (the question is in it).
            App::Dns => payload.len() >= 12 && payload[2] & 0x80 != 0,
            App::Dcerpc => at(0) == Some(5) && at(1).is_some_and(|minor| minor <= 1),
        }
    }

    /// How its messages follow each other on a TCP stream between `ports`.
    fn framing(self, ports: (u16, u16)) -> Framing {
        match self {
            App::Kerberos => Framing::Kerberos,
            App::Smb if ports.0 == 139 || ports.1 == 139 => Framing::NetBios,
            App::Smb => Framing::DirectTcp,
            App::Ldap => Framing::Ber,
            App::Dns => Framing::Dns,
            App::Dcerpc => Framing::DceRpc,
        }
    }
}

/// What a flow's protocol remembers between messages.
#[derive(Debug)]
enum Memory {
    Kerberos(KerberosState),
    Smb(Box<SmbState>),
    Ldap(LdapState),
    Dns,
    Dcerpc(Box<RpcState>),
}

impl Memory {
    fn of(app: App) -> Memory {
        match app {
            App::Kerberos => Memory::Kerberos(KerberosState::default()),
            App::Smb => Memory::Smb(Box::default()),
            App::Ldap => Memory::Ldap(LdapState::default()),
            App::Dns => Memory::Dns,
            App::Dcerpc => Memory::Dcerpc(Box::default()),
        }
    }

    /// Reads one frame of the flow's protocol.
    fn read(&mut self, answers: &mut FlowAnswers, names: &Names, frame: Frame<'_>) {
        match (self, frame) {
            (Memory::Smb(state), frame) => smb::read_frame(state, answers, names, frame),
            (Memory::Kerberos(state), Frame::Message(m)) => kerberos::read(state, answers, m),
            (Memory::Ldap(state), Frame::Message(m)) => ldap::read(state, answers, m),
            (Memory::Dns, Frame::Message(m)) => dns::read(answers, m),
            (Memory::Dcerpc(state), Frame::Message(m)) => dcerpc::read(state, answers, names, m),
            _ => {}
        }
    }
}

/// One direction of a tracked TCP flow.
#[derive(Debug)]
struct Side {
    buf: StreamBuf,
    /// Bytes of `buf` already parsed (always at a message boundary).
    parsed: usize,
}

/// What is kept per tracked flow.
#[derive(Debug)]
struct Tracked {
    framing: Framing,
    /// Packet time of the flow's last payload the tracker saw.
    last_ts: i64,
    /// Whether any answer was read on it.
    read_any: bool,
    /// Reassembly of each endpoint's stream (TCP), dropped once it can give no more.
    sides: [Option<Box<Side>>; 2],
    /// Whether each side has ended for good (a gap, the cap, bytes of another protocol).
    ended: [bool; 2],
    /// Answers read from the packet being inspected, handed on to the flow table.
    answers: FlowAnswers,
    memory: Memory,
    /// Picked by its payload, not its port.
    by_payload: bool,
}

/// The reading thread's outcome state.
#[derive(Debug)]
pub struct OutcomeTracker {
    names: Names,
    flows: FxHashMap<FlowKey, Box<Tracked>>,
    buffering: usize,
    /// Flows not inspected because [`MAX_TRACKED`] flows were held.
    pub untracked: u64,
    /// TCP flows not reassembled because [`MAX_BUFFERING`] buffers were held.
    pub unbuffered: u64,
    /// Tracked TCP flows picked by their payload rather than their port.
    by_payload: usize,
    /// A flow whose named pipe a bind just named, with the interface (index).
    named: Option<(FlowKey, u16)>,
    /// Tracked flows per [`slot`] of their key: most packets on these ports belong to
    /// no tracked flow, and this says so without a look-up in `flows`.
    held: Box<[u8]>,
}

/// Slots of [`OutcomeTracker::held`]: one byte each, 32 KiB, so that the check stays in
/// the first-level cache. (A slot that reaches 255 stays there: its flows are always
/// looked up.)
const SLOTS: usize = 1 << 15;

/// A cheap hash of a flow key into [`SLOTS`]: its ports and the last four bytes of each
/// address.
#[inline]
fn slot(key: &FlowKey) -> usize {
    let tail = |a: &[u8; 16]| u32::from_le_bytes([a[12], a[13], a[14], a[15]]);
    let ports = u32::from(key.port[0]) << 16 | u32::from(key.port[1]);
    let mixed = (tail(&key.addr[0]) ^ tail(&key.addr[1]).rotate_left(11) ^ ports.rotate_left(5))
        .wrapping_mul(0x9e37_79b9);
    (mixed >> 17) as usize
}

/// Packet time after which a quiet flow is forgotten by the tracker (its flow may
/// still be open in the flow table; later answers on it then start afresh).
const IDLE_NS: i64 = 120 * 1_000_000_000;

impl Tracked {
    /// The answers read from the packet just inspected.
    fn take_answers(&mut self) -> Option<FlowAnswers> {
        if self.answers.is_empty() {
            return None;
        }
        self.read_any = true;
        Some(std::mem::take(&mut self.answers))
    }

    fn new(app: App, ports: (u16, u16), ts: i64, by_payload: bool) -> Tracked {
        Tracked {
            framing: app.framing(ports),
            last_ts: ts,
            read_any: false,
            sides: [None, None],
            ended: [false; 2],
            answers: FlowAnswers::default(),
            memory: Memory::of(app),
            by_payload,
        }
    }

    /// Parses what side `side` has delivered in order since the last call.
    fn drain(&mut self, side: usize, names: &Names) {
        let Tracked {
            framing,
            sides,
            ended,
            answers,
            memory,
            ..
        } = self;
        let Some(s) = sides[side].as_mut() else {
            return;
        };
        let rest = s.buf.bytes().get(s.parsed..).unwrap_or(&[]);
        let mut it = frames(rest, *framing);
        let mut stop = false;
        let mut skip = 0;
        loop {
            let before = it.remaining();
            match it.next() {
                None => break,
                Some(Frame::Incomplete) => {
                    // A message longer than the buffer can hold (a file's data): skip
                    // it and go on with the next.
                    let at = rest.len() - before;
                    if let Some(len) = frame_len(&rest[at..], *framing) {
                        if len > DEFAULT_CAP {
                            skip = len;
                        }
                    }
                    break;
                }
                Some(Frame::Invalid) => {
                    stop = true;
                    break;
                }
                Some(frame) => memory.read(answers, names, frame),
            }
            s.parsed += before - it.remaining();
        }
        // Keep only the bytes not yet parsed, so a long connection is read message by
        // message within the cap.
        s.buf.advance(s.parsed + skip);
        s.parsed = 0;
        // Nothing more can come in order: a gap, the cap, or another protocol.
        if stop || !s.buf.is_open() {
            ended[side] = true;
            sides[side] = None;
        }
    }
}

impl OutcomeTracker {
    /// An empty tracker naming RPC interfaces from `interfaces`.
    pub fn new(interfaces: Arc<InterfaceTable>) -> OutcomeTracker {
        OutcomeTracker {
            names: Names {
                interfaces,
                operations: Arc::new(OperationTable::builtin()),
            },
            flows: FxHashMap::default(),
            buffering: 0,
            untracked: 0,
            unbuffered: 0,
            by_payload: 0,
            named: None,
            held: vec![0; SLOTS].into_boxed_slice(),
        }
    }

    /// Whether a packet of IP protocol `proto` between `ports` whose payload looks like
    /// `fp` may belong to a flow worth reading: cheap, and checked before the flow key is
    /// made. (Flows picked by their payload on other ports make every packet a candidate
    /// while any is tracked.)
    #[inline]
    pub fn wants(&self, proto: u8, ports: Option<(u16, u16)>, fp: Option<Fingerprint>) -> bool {
        match ports {
            Some(ports) => {
                (self.by_payload > 0 && proto == ip_proto::TCP)
                    || App::of(proto, ports, fp).is_some()
            }
            None => false,
        }
    }

    /// Lets the tracker see a TCP or UDP packet with application payload `payload`
    /// (`cut`: the snaplen cut the frame) that looks like `fp`.
    pub fn inspect(
        &mut self,
        ts: i64,
        ip: &IpSummary,
        payload: &[u8],
        cut: bool,
        fp: Option<Fingerprint>,
    ) -> Option<FlowAnswers> {
        let ports = ip.ports?;
        let (key, sender) = FlowKey::from_packet(ip);
        let key = &key;
        let tcp = ip.proto == ip_proto::TCP;
        let at = slot(key);
        if self.held[at] != 0
            && self
                .flows
                .get(key)
                .is_some_and(|t| ts.saturating_sub(t.last_ts) > IDLE_NS)
        {
            // A flow quiet for long is over for the tracker: start afresh.
            self.forget(key);
        }
        if self.held[at] == 0 || !self.flows.contains_key(key) {
            if payload.is_empty() {
                return None;
            }
            let app = App::of(ip.proto, ports, fp)?;
            // Only a packet that starts like a message of the protocol starts tracking:
            // other payload on these ports costs no memory and no later work.
            if !app.starts(payload, tcp, ports) {
                return None;
            }
            if self.flows.len() >= MAX_TRACKED {
                self.sweep(ts);
            }
            if self.flows.len() >= MAX_TRACKED {
                self.untracked += 1;
                return None;
            }
            // A TCP flow picked by its payload: its later segments need not look like
            // anything, so every TCP segment is a candidate while one is tracked. (A
            // datagram picked by its payload is picked again by the next one's.)
            let by_payload = tcp && App::of(ip.proto, ports, None).is_none();
            self.by_payload += usize::from(by_payload);
            self.flows
                .insert(*key, Box::new(Tracked::new(app, ports, ts, by_payload)));
            self.held[at] = self.held[at].saturating_add(1);
        }
        let t = self.flows.get_mut(key)?;
        t.last_ts = ts;
        if !tcp {
            if cut || payload.is_empty() {
                return None;
            }
            if t.framing == Framing::Ber {
                // CLDAP: a datagram may hold several LDAPMessages (an entry and the
                // search's end).
                for frame in frames(payload, Framing::Ber) {
                    match frame {
                        Frame::Message(_) => t.memory.read(&mut t.answers, &self.names, frame),
                        _ => break,
                    }
                }
            } else {
                t.memory
                    .read(&mut t.answers, &self.names, Frame::Message(payload));
            }
            return t.take_answers();
        }
        if t.ended[sender] || payload.is_empty() {
            return None;
        }
        if t.sides[sender].is_none() {
            if self.buffering >= MAX_BUFFERING {
                self.unbuffered += 1;
                t.ended[sender] = true;
                return None;
            }
            self.buffering += 1;
            t.sides[sender] = Some(Box::new(Side {
                buf: StreamBuf::new(DEFAULT_CAP),
                parsed: 0,
            }));
        }
        if let Some(side) = t.sides[sender].as_mut() {
            let wire = payload.len() + usize::from(cut);
            if cut {
                side.buf.push_cut(ip.tcp_seq, payload, wire);
            } else {
                side.buf.push(ip.tcp_seq, payload);
            }
        }
        t.drain(sender, &self.names);
        if let Memory::Smb(smb) = &mut t.memory {
            if let Some(index) = smb.named.take() {
                self.named = Some((*key, index));
            }
        }
        let answers = t.take_answers();
        if t.sides[sender].is_none() {
            // The side ended: its buffer is gone.
            self.buffering = self.buffering.saturating_sub(1);
            // Both sides over: nothing more to read on it.
            if t.ended[1 - sender] {
                self.forget(key);
            }
        }
        answers
    }

    /// The flow whose named pipe the last inspected packet's bind named, and the
    /// interface (index into the interface table): the bind says which interface a pipe
    /// that serves several carries.
    pub fn take_named(&mut self) -> Option<(FlowKey, u16)> {
        self.named.take()
    }

    /// Lets the tracker see a TCP packet without payload: a SYN starts a new connection
    /// on its ports, so what was read of an earlier one is forgotten.
    #[inline]
    pub fn see_flags(&mut self, ip: &IpSummary) {
        if ip.tcp_flags & (tcp_flags::SYN | tcp_flags::ACK) != tcp_flags::SYN {
            return;
        }
        let (key, _) = FlowKey::from_packet(ip);
        if self.held[slot(&key)] != 0 {
            self.forget(&key);
        }
    }

    /// Forgets the flows quiet for longer than [`IDLE_NS`] at packet time `now`.
    fn sweep(&mut self, now: i64) {
        let idle: Vec<FlowKey> = self
            .flows
            .iter()
            .filter(|(_, t)| now.saturating_sub(t.last_ts) > IDLE_NS)
            .map(|(k, _)| *k)
            .collect();
        for key in idle {
            self.forget(&key);
        }
    }

    /// Counts a flow of `key` out of its slot.
    fn release(&mut self, key: &FlowKey) {
        let at = slot(key);
        if self.held[at] != u8::MAX {
            self.held[at] = self.held[at].saturating_sub(1);
        }
    }

    /// Drops the flow of `key` without reporting it.
    fn forget(&mut self, key: &FlowKey) {
        if let Some(t) = self.flows.remove(key) {
            self.release(key);
            self.by_payload -= usize::from(t.by_payload);
            let held = t.sides.iter().filter(|s| s.is_some()).count();
            self.buffering = self.buffering.saturating_sub(held);
        }
    }
}
