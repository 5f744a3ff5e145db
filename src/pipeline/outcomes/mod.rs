//! The reading thread's view of what servers answered: for the flows that carry
//! Kerberos, SMB, LDAP, DNS or DCE/RPC (by port or by their first payload), the first
//! messages of each direction are reassembled (TCP, bounded per direction, gaps ended
//! at) or taken datagram by datagram (UDP), handed to the outcome parsers of
//! [`crate::inspect::outcome`], and their answers kept per flow until the flow ends.
//!
//! Nothing is allocated for flows that carry none of these protocols, and at most
//! [`MAX_TRACKED`] flows and [`MAX_BUFFERING`] reassembly buffers are held at once. A
//! message cut by the snaplen or by the cap gives no answer, never a wrong one.

use std::borrow::Cow;

use rustc_hash::FxHashMap;

use crate::aggregate::outcomes::{Answer, FlowAnswers};
use crate::decode::{IpSummary, ip_proto};
use crate::flow::FlowKey;
use crate::inspect::fingerprint::Fingerprint;
use crate::inspect::outcome::stream::{DEFAULT_CAP, Frame, Framing, StreamBuf, frames};
use crate::inspect::outcome::{Outcome, Severity, kerberos};
use crate::summary::outcome::{AppProtocol, OutcomeClass};

/// Flows tracked at once; further ones are not inspected (and counted).
pub const MAX_TRACKED: usize = 65_536;
/// TCP flows with reassembly buffers at once (each at most two times [`DEFAULT_CAP`]).
pub const MAX_BUFFERING: usize = 4096;

/// The protocol a tracked flow is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum App {
    Kerberos,
}

impl App {
    /// The protocol of a flow between `ports` whose first payload looks like `fp`.
    fn of(proto: u8, ports: (u16, u16), fp: Option<Fingerprint>) -> Option<App> {
        let either = |p: u16| ports.0 == p || ports.1 == p;
        let tcp = proto == ip_proto::TCP;
        if either(88) || either(464) || fp == Some(Fingerprint::Kerberos) {
            return Some(App::Kerberos);
        }
        let _ = tcp;
        None
    }

    fn framing(self) -> Framing {
        match self {
            App::Kerberos => Framing::Kerberos,
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
    app: App,
    /// Packet time the tracker first saw the flow, to tell it from a later flow on the
    /// same ports.
    first_ts: i64,
    /// Reassembly of each endpoint's stream (TCP), dropped once it can give no more.
    sides: [Option<Box<Side>>; 2],
    /// Whether each side has ended for good (a gap, the cap, bytes of another protocol).
    ended: [bool; 2],
    answers: FlowAnswers,
    /// What the last request asked, for the answer that follows it.
    request: Request,
    /// Picked by its payload, not its port.
    by_payload: bool,
}

/// The last request of a flow: its kind and whom it was for.
#[derive(Debug, Default)]
struct Request {
    operation: Option<&'static str>,
    account: Option<Box<str>>,
    about: Option<Box<str>>,
}

/// The reading thread's outcome state.
#[derive(Debug, Default)]
pub struct OutcomeTracker {
    flows: FxHashMap<FlowKey, Tracked>,
    buffering: usize,
    /// Flows not inspected because [`MAX_TRACKED`] flows were held.
    pub untracked: u64,
    /// TCP flows not reassembled because [`MAX_BUFFERING`] buffers were held.
    pub unbuffered: u64,
    /// Tracked flows picked by their payload rather than their port.
    by_payload: usize,
}

/// The report's class of a parser's severity.
fn class_of(severity: Severity) -> OutcomeClass {
    match severity {
        Severity::Success => OutcomeClass::Ok,
        Severity::Routine => OutcomeClass::Routine,
        Severity::Error => OutcomeClass::Error,
        Severity::AccessDenied => OutcomeClass::AccessDenied,
        Severity::LocatorFailure => OutcomeClass::DcLocatorFailure,
        Severity::ClockSkew => OutcomeClass::ClockSkew,
        Severity::LogonFailure => OutcomeClass::LogonFailure,
        Severity::AccountProblem => OutcomeClass::AccountRestricted,
    }
}

/// The answer of a parser's outcome, for `operation`, about `account` and `about`.
fn answer(
    protocol: AppProtocol,
    operation: &'static str,
    outcome: &Outcome,
    account: Option<Box<str>>,
    about: Option<Box<str>>,
) -> Answer {
    let code = &outcome.code;
    Answer {
        protocol,
        operation,
        code: code.value as u64,
        name: code
            .name()
            .map_or_else(|| Cow::Owned(code.value_text()), Cow::Borrowed),
        detail: outcome.detail.map(|d| Cow::Owned(d.to_string())),
        meaning: outcome.meaning(),
        class: class_of(outcome.severity),
        account,
        about,
    }
}

impl Tracked {
    fn new(app: App, ts: i64) -> Tracked {
        Tracked {
            app,
            first_ts: ts,
            sides: [None, None],
            ended: [false; 2],
            answers: FlowAnswers::default(),
            request: Request::default(),
            by_payload: false,
        }
    }

    /// Reads one whole message of the flow's protocol.
    fn message(&mut self, msg: &[u8]) {
        read_message(self.app, &mut self.answers, &mut self.request, msg);
    }

    /// Parses what side `side` has delivered in order since the last call.
    fn drain(&mut self, side: usize) {
        let framing = self.app.framing();
        let Tracked {
            app,
            sides,
            ended,
            answers,
            request,
            ..
        } = self;
        let Some(s) = sides[side].as_mut() else {
            return;
        };
        let rest = s.buf.bytes().get(s.parsed..).unwrap_or(&[]);
        let mut it = frames(rest, framing);
        let mut stop = false;
        loop {
            let before = it.remaining();
            match it.next() {
                None | Some(Frame::Incomplete) => break,
                Some(Frame::Invalid) => {
                    stop = true;
                    break;
                }
                Some(Frame::Message(m)) => read_message(*app, answers, request, m),
                Some(Frame::Session(_)) => {}
            }
            s.parsed += before - it.remaining();
        }
        // Nothing more can come in order: a gap, the cap, or another protocol.
        if stop || !s.buf.is_open() {
            ended[side] = true;
            sides[side] = None;
        }
    }
}

/// Reads one whole message of protocol `app` into `answers`, remembering requests in
/// `request` for the answers that follow them.
fn read_message(app: App, answers: &mut FlowAnswers, request: &mut Request, msg: &[u8]) {
    match app {
        App::Kerberos => read_kerberos(answers, request, msg),
    }
}

/// `name@REALM`, or the name alone.
fn principal(name: &Option<String>, realm: &Option<String>) -> Option<Box<str>> {
    match (name, realm) {
        (Some(n), Some(r)) => Some(format!("{n}@{r}").into_boxed_str()),
        (Some(n), None) => Some(n.clone().into_boxed_str()),
        _ => None,
    }
}

fn read_kerberos(answers: &mut FlowAnswers, request: &mut Request, msg: &[u8]) {
    let Some(m) = kerberos::parse(msg) else {
        return;
    };
    let Some(kind) = m.kind else { return };
    match kind {
        kerberos::Kind::AsReq | kerberos::Kind::TgsReq | kerberos::Kind::ApReq => {
            *request = Request {
                operation: Some(kind.as_str()),
                account: principal(&m.cname, &m.realm),
                about: m.sname.clone().map(String::into_boxed_str),
            };
        }
        _ => {
            let Some(outcome) = m.outcome() else { return };
            let operation = match kind {
                kerberos::Kind::AsRep => "AS-REQ",
                kerberos::Kind::TgsRep => "TGS-REQ",
                kerberos::Kind::ApRep => "AP-REQ",
                _ => request.operation.unwrap_or("KDC request"),
            };
            let realm = m.crealm.clone().or_else(|| m.realm.clone());
            let account = principal(&m.cname, &realm).or_else(|| request.account.clone());
            let about = m
                .sname
                .clone()
                .map(String::into_boxed_str)
                .or_else(|| request.about.clone());
            answers.push(answer(
                AppProtocol::Kerberos,
                operation,
                &outcome,
                account,
                about,
            ));
        }
    }
}

impl OutcomeTracker {
    /// An empty tracker.
    pub fn new() -> OutcomeTracker {
        OutcomeTracker::default()
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
            let mut t = Tracked::new(app, ts);
            t.by_payload = !by_port;
            self.flows.insert(*key, t);
        }
        let Some(t) = self.flows.get_mut(key) else {
            return;
        };
        if !tcp {
            if !cut && !payload.is_empty() {
                t.message(payload);
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
        t.drain(sender);
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
