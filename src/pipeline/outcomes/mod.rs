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

use crate::aggregate::outcomes::FlowAnswers;
use crate::decode::{IpSummary, ip_proto};
use crate::flow::FlowKey;
use crate::inspect::fingerprint::Fingerprint;
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
    /// Packet time the tracker first saw the flow.
    first_ts: i64,
    /// Reassembly of each endpoint's stream (TCP), dropped once it can give no more.
    sides: [Option<Box<Side>>; 2],
    /// Whether each side has ended for good (a gap, the cap, bytes of another protocol).
    ended: [bool; 2],
    answers: FlowAnswers,
    memory: Memory,
    /// Picked by its payload, not its port.
    by_payload: bool,
}

/// The reading thread's outcome state.
#[derive(Debug)]
pub struct OutcomeTracker {
    names: Names,
    flows: FxHashMap<FlowKey, Tracked>,
    buffering: usize,
    /// Flows not inspected because [`MAX_TRACKED`] flows were held.
    pub untracked: u64,
    /// TCP flows not reassembled because [`MAX_BUFFERING`] buffers were held.
    pub unbuffered: u64,
    /// Tracked flows picked by their payload rather than their port.
    by_payload: usize,
}

impl Tracked {
    fn new(app: App, ports: (u16, u16), ts: i64, by_payload: bool) -> Tracked {
        Tracked {
            framing: app.framing(ports),
            first_ts: ts,
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
        }
    }

    /// Whether a packet of IP protocol `proto` between `ports` whose payload looks like
    /// `fp` may belong to a flow worth reading: cheap, and checked before the flow key is
    /// made. (Flows picked by their payload on other ports make every packet a candidate
    /// while any is tracked.)
    #[inline]
    pub fn wants(&self, proto: u8, ports: Option<(u16, u16)>, fp: Option<Fingerprint>) -> bool {
        match ports {
            Some(ports) => self.by_payload > 0 || App::of(proto, ports, fp).is_some(),
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
    ) {
        let Some(ports) = ip.ports else { return };
        let (key, sender) = FlowKey::from_packet(ip);
        let key = &key;
        let tcp = ip.proto == ip_proto::TCP;
        if !self.flows.contains_key(key) {
            if payload.is_empty() {
                return;
            }
            let Some(app) = App::of(ip.proto, ports, fp) else {
                return;
            };
            if self.flows.len() >= MAX_TRACKED {
                self.untracked += 1;
                return;
            }
            let by_port = App::of(ip.proto, ports, None).is_some();
            self.by_payload += usize::from(!by_port);
            self.flows
                .insert(*key, Tracked::new(app, ports, ts, !by_port));
        }
        let Some(t) = self.flows.get_mut(key) else {
            return;
        };
        if !tcp {
            if cut || payload.is_empty() {
                return;
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
            return;
        }
        if t.ended[sender] {
            return;
        }
        if payload.is_empty() {
            return;
        }
        if t.sides[sender].is_none() {
            if self.buffering >= MAX_BUFFERING {
                self.unbuffered += 1;
                t.ended[sender] = true;
                return;
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
        if t.sides[sender].is_none() {
            // The side ended: its buffer is gone.
            self.buffering = self.buffering.saturating_sub(1);
        }
    }

    /// Takes what the parsers read on the flow of `key` that ended at `last_ts` (ns);
    /// None when nothing was read, or the tracked flow is a later one on the same ports
    /// (it started after this one ended).
    pub fn take(&mut self, key: &FlowKey, last_ts: i64) -> Option<FlowAnswers> {
        let t = self.flows.get(key)?;
        if t.first_ts > last_ts {
            return None;
        }
        let t = self.flows.remove(key)?;
        self.by_payload -= usize::from(t.by_payload);
        let held = t.sides.iter().filter(|s| s.is_some()).count();
        self.buffering = self.buffering.saturating_sub(held);
        (!t.answers.is_empty()).then_some(t.answers)
    }

    /// What the parsers read on the flow of `key` so far, without taking it (for live
    /// snapshots of open flows).
    pub fn peek(&self, key: &FlowKey) -> Option<&FlowAnswers> {
        self.flows.get(key).map(|t| &t.answers)
    }
}
