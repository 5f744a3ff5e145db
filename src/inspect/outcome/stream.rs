//! One direction of a TCP connection, reassembled in order up to a cap ([`StreamBuf`]),
//! and the framings that cut the bytes into whole messages ([`frames`]): a 4-byte
//! big-endian record mark (Kerberos, [RFC 4120] 7.2.2), a 2-byte length (DNS, [RFC 1035]
//! 4.2.2), the NetBIOS session service header (SMB on 139/tcp, [RFC 1002] 4.3) and its
//! direct-TCP form (445/tcp, [MS-SMB2] 2.1), BER definite lengths (LDAP, [RFC 4511] 5.1),
//! and the DCE/RPC fragment length (\[C706\] 12.6.3.1).
//!
//! The buffer keeps the bytes from the first sequence number it sees (or the one it is
//! told starts the stream). Retransmitted bytes are ignored; a few segments that arrive
//! ahead of the next expected byte are held until the hole fills. A hole that cannot fill
//! (more segments ahead than it holds, a segment cut by the snaplen, the end of the data)
//! ends in-order delivery: [`StreamBuf::gap`] says so, and nothing beyond it is ever
//! delivered, so a parser reports nothing rather than a wrong thing. Memory is allocated
//! when the first payload arrives, and never beyond the cap (plus the held segments,
//! bounded by the cap too).

use super::ber;
use super::code::{Code, Entry, Outcome, Protocol, Severity, Space};

/// The cap of a direction's buffer when the caller has no reason to pick another.
pub const DEFAULT_CAP: usize = 16 * 1024;

/// Segments held ahead of the next expected byte before the hole counts as a gap.
const MAX_PENDING: usize = 4;

/// One direction of a TCP connection, in order, bounded.
#[derive(Debug, Clone)]
pub struct StreamBuf {
    cap: usize,
    start: Option<u32>,
    data: Vec<u8>,
    /// Segments ahead of `data`, as (offset from `start`, bytes), sorted by offset.
    pending: Vec<(usize, Vec<u8>)>,
    pending_bytes: usize,
    gap: bool,
    capped: bool,
}

impl StreamBuf {
    /// An empty buffer keeping at most `cap` bytes. Allocates nothing.
    pub fn new(cap: usize) -> StreamBuf {
        StreamBuf {
            cap,
            start: None,
            data: Vec::new(),
            pending: Vec::new(),
            pending_bytes: 0,
            gap: false,
            capped: false,
        }
    }

    /// Tells the buffer where the stream starts (the SYN's sequence number plus one),
    /// so that a first data segment that arrives out of order is held, not taken as the
    /// start. Ignored once the start is known.
    pub fn set_start(&mut self, seq: u32) {
        self.start.get_or_insert(seq);
    }

    /// The sequence number of the first byte, once known.
    pub fn start(&self) -> Option<u32> {
        self.start
    }

    /// The in-order bytes from the start (at most the cap).
    pub fn bytes(&self) -> &[u8] {
        &self.data
    }

    /// Whether in-order delivery has ended at a hole that will not fill: nothing past
    /// [`bytes`](Self::bytes) will ever be delivered.
    pub fn gap(&self) -> bool {
        self.gap
    }

    /// Whether bytes beyond the cap arrived (and were dropped).
    pub fn capped(&self) -> bool {
        self.capped
    }

    /// Whether more bytes could still arrive in order (no gap, cap not reached).
    pub fn is_open(&self) -> bool {
        !self.gap && self.data.len() < self.cap
    }

    /// The sequence number of the next byte expected in order.
    pub fn next_seq(&self) -> Option<u32> {
        self.start.map(|s| s.wrapping_add(self.data.len() as u32))
    }

    /// Adds one segment's payload.
    pub fn push(&mut self, seq: u32, payload: &[u8]) {
        if payload.is_empty() || self.gap {
            return;
        }
        let start = *self.start.get_or_insert(seq);
        let mut payload = payload;
        let mut offset = seq.wrapping_sub(start);
        if offset > i32::MAX as u32 {
            // Starts before the first byte (an old retransmission): keep only what runs
            // past the start, if anything.
            let before = start.wrapping_sub(seq) as usize;
            match payload.get(before..) {
                Some(rest) if !rest.is_empty() => payload = rest,
                _ => return,
            }
            offset = 0;
        }
        let offset = offset as usize;
        if offset > self.data.len() {
            self.hold(offset, payload);
        } else {
            // Overlaps what is there (a retransmission) or continues it.
            let fresh = payload.get(self.data.len() - offset..).unwrap_or(&[]);
            self.append(fresh);
            self.drain_pending();
        }
    }

    /// Adds a segment cut by the snaplen: the `captured` bytes of a payload that was
    /// `wire_len` bytes long. What was captured is delivered; a cut ends delivery there.
    pub fn push_cut(&mut self, seq: u32, captured: &[u8], wire_len: usize) {
        self.push(seq, captured);
        if captured.len() < wire_len && !self.gap {
            let end = seq.wrapping_add(captured.len() as u32);
            // Only a cut at the in-order edge ends delivery; a cut segment that was held
            // ahead leaves a hole that ends it when the data ends.
            if self.next_seq() == Some(end) {
                self.mark_gap();
            }
        }
    }

    /// Ends in-order delivery: the data ended (or the caller knows bytes are missing).
    /// Held segments are dropped; [`gap`](Self::gap) is set when any were held.
    pub fn finish(&mut self) {
        if !self.pending.is_empty() {
            self.mark_gap();
        }
    }

    /// Forgets the first `n` bytes of the stream (which may run past the bytes held, to
    /// skip a message too long to keep): the stream now starts `n` bytes later, bytes
    /// before that are ignored as retransmissions, and the room they took is free again.
    /// Lets a reader walk a long connection message by message within the cap.
    pub fn advance(&mut self, n: usize) {
        let Some(start) = self.start else {
            return;
        };
        if n == 0 {
            return;
        }
        self.start = Some(start.wrapping_add(n as u32));
        let held = n.min(self.data.len());
        self.data.drain(..held);
        let pending = std::mem::take(&mut self.pending);
        self.pending_bytes = 0;
        for (offset, bytes) in pending {
            if offset + bytes.len() <= n {
                continue;
            }
            let (offset, bytes) = if offset >= n {
                (offset - n, bytes)
            } else {
                (0, bytes[n - offset..].to_vec())
            };
            self.pending_bytes += bytes.len();
            self.pending.push((offset, bytes));
        }
        self.capped = false;
        self.drain_pending();
    }

    /// Marks a gap now: nothing more is delivered.
    pub fn mark_gap(&mut self) {
        self.gap = true;
        self.pending = Vec::new();
        self.pending_bytes = 0;
    }

    fn append(&mut self, bytes: &[u8]) {
        let room = self.cap.saturating_sub(self.data.len());
        if bytes.len() > room {
            self.capped = true;
        }
        let take = bytes.len().min(room);
        if take > 0 {
            if self.data.capacity() == 0 {
                // The first payload: room for it and a little more, never the whole cap
                // for a connection that sends a few bytes.
                self.data.reserve(take.max(512).min(self.cap));
            }
            self.data.extend_from_slice(&bytes[..take]);
        }
    }

    fn hold(&mut self, offset: usize, payload: &[u8]) {
        if offset >= self.cap {
            self.capped = true;
            return;
        }
        let keep = payload.len().min(self.cap - offset);
        if keep < payload.len() {
            self.capped = true;
        }
        if self
            .pending
            .iter()
            .any(|(o, b)| *o == offset && b.len() >= keep)
        {
            return; // a retransmission of a held segment
        }
        if self.pending.len() >= MAX_PENDING || self.pending_bytes + keep > self.cap {
            self.mark_gap();
            return;
        }
        let at = self.pending.partition_point(|(o, _)| *o < offset);
        self.pending.insert(at, (offset, payload[..keep].to_vec()));
        self.pending_bytes += keep;
    }

    fn drain_pending(&mut self) {
        while let Some((offset, _)) = self.pending.first() {
            if *offset > self.data.len() {
                break;
            }
            let (offset, bytes) = self.pending.remove(0);
            self.pending_bytes -= bytes.len();
            let fresh = bytes.get(self.data.len() - offset..).unwrap_or(&[]);
            self.append(fresh);
        }
    }
}

/// How messages follow each other on a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// A 4-byte big-endian record mark before each message, whose high bit is reserved
    /// (Kerberos over TCP). Messages are yielded without the mark.
    Kerberos,
    /// A 2-byte big-endian length before each message (DNS over TCP). Messages are
    /// yielded without the length.
    Dns,
    /// The NetBIOS session service (139/tcp): a type byte, a flags byte whose low bit
    /// extends the 16-bit length to 17 bits. Session messages are yielded without the
    /// header; other session packets as [`Frame::Session`].
    NetBios,
    /// Direct TCP transport of SMB (445/tcp): a zero byte, then a 24-bit length.
    DirectTcp,
    /// BER elements with definite lengths, each a universal SEQUENCE (LDAPMessage).
    /// Messages are yielded whole, tag and length included.
    Ber,
    /// Connection-oriented DCE/RPC PDUs, each as long as its fragment length. Yielded
    /// whole, header included.
    DceRpc,
}

/// A NetBIOS session service packet other than a session message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionPacket {
    /// 0x81: the client asks for a session with a called name.
    Request,
    /// 0x82: the server accepts the session.
    Positive,
    /// 0x83: the server refuses the session, with this error code (0x80..0x83, 0x8F).
    Negative(u8),
    /// 0x84: the server points the client elsewhere.
    Retarget,
    /// 0x85: a keep-alive.
    KeepAlive,
}

impl SessionPacket {
    /// The outcome of a session response: accepted, or refused with its reason.
    pub fn outcome(&self) -> Option<Outcome> {
        let code = match *self {
            SessionPacket::Negative(e) => i64::from(e),
            SessionPacket::Positive => {
                return Some(Outcome::new(
                    Protocol::NetBios,
                    Code::new(Space::NetBiosSession, 0, NEGATIVE_RESPONSE),
                    None,
                ));
            }
            _ => return None,
        };
        Some(Outcome::new(
            Protocol::NetBios,
            Code::new(Space::NetBiosSession, code, NEGATIVE_RESPONSE),
            None,
        ))
    }
}

/// The error codes of a NEGATIVE SESSION RESPONSE ([RFC 1002] 4.3.4), with 0 standing
/// for a positive response.
pub const NEGATIVE_RESPONSE: &[Entry] = &[
    Entry::new(0, "POSITIVE_SESSION_RESPONSE", None, Severity::Success),
    Entry::new(
        0x80,
        "Not listening on called name",
        Some("the server does not accept sessions for the name the client called"),
        Severity::Error,
    ),
    Entry::new(
        0x81,
        "Not listening for calling name",
        Some("the server does not accept sessions from the client's name"),
        Severity::Error,
    ),
    Entry::new(
        0x82,
        "Called name not present",
        Some("the name the client called is not registered on the server"),
        Severity::Error,
    ),
    Entry::new(
        0x83,
        "Called name present, but insufficient resources",
        Some("the server is out of sessions or memory"),
        Severity::Error,
    ),
    Entry::new(0x8f, "Unspecified error", None, Severity::Error),
];

/// One unit of a framed stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A whole message.
    Message(&'a [u8]),
    /// A NetBIOS session packet that is not a message.
    Session(SessionPacket),
    /// The bytes end inside a message (cut by the cap, the snaplen, a gap, or not all
    /// arrived yet): no outcome may be read from it. Nothing follows.
    Incomplete,
    /// The bytes are not of this framing (a stream picked up mid-message, or another
    /// protocol). Nothing follows.
    Invalid,
}

/// The whole length (header included) of the frame that starts `bytes`, once its header
/// is there and valid: how far to skip a message too long to keep.
pub fn frame_len(bytes: &[u8], framing: Framing) -> Option<usize> {
    let be = |at: usize, n: usize| -> Option<usize> {
        let b = bytes.get(at..at + n)?;
        Some(b.iter().fold(0usize, |acc, &x| acc << 8 | usize::from(x)))
    };
    match framing {
        Framing::Kerberos => {
            let mark = be(0, 4)?;
            (mark & 0x8000_0000 == 0 && mark != 0).then_some(4 + mark)
        }
        Framing::Dns => be(0, 2).filter(|&len| len >= 12).map(|len| 2 + len),
        Framing::DirectTcp => (bytes.first() == Some(&0))
            .then(|| be(1, 3))
            .flatten()
            .map(|l| 4 + l),
        Framing::NetBios => {
            let h = bytes.get(..4)?;
            (h[1] & 0xfe == 0).then(|| 4 + ((usize::from(h[1] & 1) << 16) | be(2, 2).unwrap_or(0)))
        }
        Framing::Ber => ber::header(bytes).ok().map(|h| h.total_len()),
        Framing::DceRpc => {
            let h = bytes.get(..10)?;
            if h[0] != 5 || h[1] > 1 {
                return None;
            }
            let len = if h[4] & 0x10 != 0 {
                u16::from_le_bytes([h[8], h[9]])
            } else {
                u16::from_be_bytes([h[8], h[9]])
            };
            (len >= 16).then_some(usize::from(len))
        }
    }
}

/// The frames of `bytes` (a stream's in-order bytes from a message boundary).
pub fn frames(bytes: &[u8], framing: Framing) -> Frames<'_> {
    Frames {
        rest: bytes,
        framing,
        done: false,
    }
}

/// Iterator over the frames of a stream; ends after the last whole frame, or after an
/// [`Frame::Incomplete`] or [`Frame::Invalid`].
#[derive(Debug, Clone)]
pub struct Frames<'a> {
    rest: &'a [u8],
    framing: Framing,
    done: bool,
}

/// A message of `len` bytes after a `header`-byte prefix, as a frame and the rest.
fn take(rest: &[u8], header: usize, len: usize) -> (Frame<'_>, &[u8]) {
    match header
        .checked_add(len)
        .and_then(|end| Some((rest.get(header..end)?, end)))
    {
        Some((msg, end)) => (Frame::Message(msg), &rest[end..]),
        None => (Frame::Incomplete, &[]),
    }
}

impl<'a> Iterator for Frames<'a> {
    type Item = Frame<'a>;

    fn next(&mut self) -> Option<Frame<'a>> {
        if self.done || self.rest.is_empty() {
            return None;
        }
        let r = self.rest;
        let (frame, rest) = match self.framing {
            Framing::Kerberos => match r.get(..4) {
                None => (Frame::Incomplete, &[][..]),
                Some(mark) => {
                    let mark = u32::from_be_bytes([mark[0], mark[1], mark[2], mark[3]]);
                    if mark & 0x8000_0000 != 0 || mark == 0 {
                        (Frame::Invalid, &[][..])
                    } else {
                        take(r, 4, mark as usize)
                    }
                }
            },
            Framing::Dns => match r.get(..2) {
                None => (Frame::Incomplete, &[][..]),
                Some(l) => match usize::from(u16::from_be_bytes([l[0], l[1]])) {
                    len if len < 12 => (Frame::Invalid, &[][..]),
                    len => take(r, 2, len),
                },
            },
            Framing::NetBios | Framing::DirectTcp => self.nbss(r),
            Framing::Ber => match ber::header(r) {
                Err(ber::BerError::Truncated) => (Frame::Incomplete, &[][..]),
                Err(_) => (Frame::Invalid, &[][..]),
                Ok(h) if !(h.constructed && h.class == ber::Class::Universal && h.tag == 16) => {
                    (Frame::Invalid, &[][..])
                }
                Ok(h) => take(r, 0, h.total_len()),
            },
            Framing::DceRpc => match r.get(..10) {
                None => (Frame::Incomplete, &[][..]),
                Some(h) if h[0] != 5 || h[1] > 1 || h[4] & 0xe0 != 0 => (Frame::Invalid, &[][..]),
                Some(h) => {
                    let len = if h[4] & 0x10 != 0 {
                        u16::from_le_bytes([h[8], h[9]])
                    } else {
                        u16::from_be_bytes([h[8], h[9]])
                    };
                    if len < 16 {
                        (Frame::Invalid, &[][..])
                    } else {
                        take(r, 0, usize::from(len))
                    }
                }
            },
        };
        if matches!(frame, Frame::Incomplete | Frame::Invalid) {
            self.done = true;
        }
        self.rest = rest;
        Some(frame)
    }
}

impl Frames<'_> {
    /// Bytes not yet yielded: after a whole frame, the caller has consumed the input's
    /// length minus this.
    pub fn remaining(&self) -> usize {
        self.rest.len()
    }

    fn nbss<'b>(&self, r: &'b [u8]) -> (Frame<'b>, &'b [u8]) {
        let Some(h) = r.get(..4) else {
            return (Frame::Incomplete, &[]);
        };
        let direct = self.framing == Framing::DirectTcp;
        let len = if direct {
            usize::from(h[1]) << 16 | usize::from(h[2]) << 8 | usize::from(h[3])
        } else {
            if h[1] & 0xfe != 0 {
                return (Frame::Invalid, &[]);
            }
            usize::from(h[1] & 1) << 16 | usize::from(h[2]) << 8 | usize::from(h[3])
        };
        let session = match (h[0], direct) {
            (0x00, _) => return take(r, 4, len),
            (_, true) => return (Frame::Invalid, &[]),
            (0x81, _) => SessionPacket::Request,
            (0x82, _) => SessionPacket::Positive,
            (0x83, _) => match r.get(4) {
                Some(&code) if len == 1 => SessionPacket::Negative(code),
                Some(_) => return (Frame::Invalid, &[]),
                None => return (Frame::Incomplete, &[]),
            },
            (0x84, _) => SessionPacket::Retarget,
            (0x85, _) => SessionPacket::KeepAlive,
            _ => return (Frame::Invalid, &[]),
        };
        match take(r, 4, len) {
            (Frame::Message(_), rest) => (Frame::Session(session), rest),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::outcome::samples;

    fn feed(buf: &mut StreamBuf, segments: &[(u32, &[u8])]) {
        for (seq, p) in segments {
            buf.push(*seq, p);
        }
    }

    #[test]
    fn advance_walks_a_long_stream_within_the_cap() {
        let mut buf = StreamBuf::new(64);
        // Ten 40-byte messages, more than the cap holds, read one at a time.
        for i in 0..10u32 {
            buf.push(1000 + 40 * i, &[i as u8; 40]);
            assert_eq!(buf.bytes(), &[i as u8; 40][..], "message {i}");
            buf.advance(40);
            assert!(buf.is_open());
        }
        // Skipping a message longer than the cap: its bytes are ignored, the next kept.
        buf.push(1400, &[0xaa; 30]);
        buf.advance(100);
        buf.push(1430, &[0xaa; 60]);
        buf.push(1490, &[0xaa; 10]);
        assert!(buf.bytes().is_empty());
        buf.push(1500, b"next");
        assert_eq!(buf.bytes(), b"next");
        // A segment held ahead of a hole moves with the start.
        let mut buf = StreamBuf::new(64);
        buf.push(0, b"abcd");
        buf.push(8, b"ijkl");
        buf.advance(4);
        buf.push(4, b"efgh");
        assert_eq!(buf.bytes(), b"efghijkl");
    }

    #[test]
    fn frame_lengths_of_each_framing() {
        assert_eq!(frame_len(&[0, 0, 0, 5, 1], Framing::Kerberos), Some(9));
        assert_eq!(frame_len(&[0x80, 0, 0, 5], Framing::Kerberos), None);
        assert_eq!(frame_len(&[0, 20, 1], Framing::Dns), Some(22));
        assert_eq!(
            frame_len(&[0, 1, 0, 0], Framing::DirectTcp),
            Some(4 + 65536)
        );
        assert_eq!(frame_len(&[0, 1, 0, 0], Framing::NetBios), Some(4 + 65536));
        assert_eq!(
            frame_len(&[0x30, 0x82, 0x01, 0x00], Framing::Ber),
            Some(260)
        );
        let mut rpc = [0u8; 10];
        rpc[0] = 5;
        rpc[4] = 0x10;
        rpc[8] = 0xb8;
        rpc[9] = 0x10;
        assert_eq!(frame_len(&rpc, Framing::DceRpc), Some(0x10b8));
        assert_eq!(frame_len(&[0, 0], Framing::Kerberos), None);
    }

    #[test]
    fn in_order_retransmitted_and_out_of_order_bytes() {
        let mut b = StreamBuf::new(64);
        assert_eq!(b.bytes().len(), 0);
        assert_eq!(
            b.data.capacity(),
            0,
            "nothing allocated before the first payload"
        );
        feed(
            &mut b,
            &[
                (100, b"abc"),
                (103, b"def"),
                (100, b"abc"),
                (101, b"bcdefg"),
            ],
        );
        assert_eq!(b.bytes(), b"abcdefg");
        // Ahead of the next byte: held, then delivered when the hole fills.
        feed(&mut b, &[(110, b"klm"), (112, b"mno"), (107, b"hij")]);
        assert_eq!(b.bytes(), b"abcdefghijklmno");
        assert!(!b.gap() && !b.capped());
        // Old bytes from before the start are ignored; a segment straddling it is cut.
        feed(&mut b, &[(90, b"0123456789"), (98, b"zzabcdefghijklmnopq")]);
        assert_eq!(b.bytes(), b"abcdefghijklmnopq");
    }

    #[test]
    fn sequence_numbers_wrap() {
        let mut b = StreamBuf::new(64);
        let start = u32::MAX - 2;
        feed(&mut b, &[(start, b"abc"), (1, b"ef"), (0, b"d")]);
        assert_eq!(b.bytes(), b"abcdef");
        assert_eq!(b.next_seq(), Some(3));
    }

    #[test]
    fn gaps_end_delivery_and_the_cap_bounds_memory() {
        let mut b = StreamBuf::new(64);
        b.push(0, b"ab");
        for i in 0..=MAX_PENDING as u32 {
            b.push(10 + 3 * i, b"xy");
        }
        assert!(b.gap(), "more held segments than allowed is a gap");
        b.push(2, b"cdefghijklmnopqrstuvwxyz");
        assert_eq!(b.bytes(), b"ab", "nothing past a gap");

        let mut b = StreamBuf::new(8);
        b.push(0, b"0123456789");
        assert_eq!(
            (b.bytes(), b.capped(), b.is_open()),
            (&b"01234567"[..], true, false)
        );
        b.push(20, b"far ahead");
        assert!(b.pending.is_empty());

        // A segment cut by the snaplen ends delivery at the cut.
        let mut b = StreamBuf::new(64);
        b.push_cut(0, b"abc", 10);
        b.push(10, b"more");
        assert_eq!((b.bytes(), b.gap()), (&b"abc"[..], true));

        // A hole left at the end of the data is a gap.
        let mut b = StreamBuf::new(64);
        b.set_start(0);
        b.push(5, b"late");
        b.finish();
        assert!(b.gap() && b.bytes().is_empty());
    }

    #[test]
    fn a_real_kerberos_connection_with_spurious_retransmissions() {
        // kerberos-login.pcap: one TGS exchange over TCP, each message sent twice.
        let mut client = StreamBuf::new(DEFAULT_CAP);
        let mut server = StreamBuf::new(DEFAULT_CAP);
        let segments = samples::tcp_stream(samples::KRB5_TCP_STREAM);
        assert_eq!(segments.len(), 4);
        for (from_client, seq, payload) in &segments {
            let buf = if *from_client {
                &mut client
            } else {
                &mut server
            };
            buf.push(*seq, payload);
        }
        for (buf, len) in [(&client, 1555), (&server, 1554)] {
            assert_eq!(buf.bytes().len(), len, "retransmissions add nothing");
            let f: Vec<Frame> = frames(buf.bytes(), Framing::Kerberos).collect();
            assert!(matches!(f[..], [Frame::Message(m)] if m.len() == len - 4));
        }
    }

    #[test]
    fn framings_yield_whole_messages_only() {
        let krb = [0, 0, 0, 3, 1, 2, 3, 0, 0, 0, 5, 9];
        let f: Vec<Frame> = frames(&krb, Framing::Kerberos).collect();
        assert_eq!(f, vec![Frame::Message(&[1, 2, 3]), Frame::Incomplete]);
        assert_eq!(
            frames(&[0x80, 0, 0, 1, 0], Framing::Kerberos).next(),
            Some(Frame::Invalid)
        );
        let mut dns = vec![0, 12];
        dns.extend([7u8; 12]);
        dns.extend([0, 3]);
        let f: Vec<Frame> = frames(&dns, Framing::Dns).collect();
        assert_eq!(f, vec![Frame::Message(&[7; 12]), Frame::Invalid]);

        // NetBIOS on 139: a 17-bit length, session packets, a negative response.
        let mut nb = vec![0x00, 0x01, 0x00, 0x00];
        nb.extend(vec![0xaa; 0x10000]);
        nb.extend([0x85, 0, 0, 0, 0x83, 0, 0, 1, 0x82]);
        let f: Vec<Frame> = frames(&nb, Framing::NetBios).collect();
        assert!(matches!(f[0], Frame::Message(m) if m.len() == 0x10000));
        assert_eq!(
            f[1..],
            [
                Frame::Session(SessionPacket::KeepAlive),
                Frame::Session(SessionPacket::Negative(0x82))
            ]
        );
        let o = SessionPacket::Negative(0x82).outcome().unwrap();
        assert_eq!(o.code.name(), Some("Called name not present"));
        assert_eq!(o.code.value_text(), "0x82");
        // Direct TCP on 445: 24 bits of length, and only session messages.
        let direct = [0x00, 0x01, 0x00, 0x00];
        assert_eq!(
            frames(&direct, Framing::DirectTcp).next(),
            Some(Frame::Incomplete)
        );
        assert_eq!(
            frames(&[0x85, 0, 0, 0], Framing::DirectTcp).next(),
            Some(Frame::Invalid)
        );
        assert_eq!(
            frames(&direct, Framing::NetBios).next(),
            Some(Frame::Incomplete)
        );
        assert_eq!(
            frames(&[0, 2, 0, 0], Framing::NetBios).next(),
            Some(Frame::Invalid)
        );

        // BER: definite-length SEQUENCEs.
        let ldap = [0x30, 0x03, 0x02, 0x01, 0x01, 0x30, 0x80, 0x30, 0x05];
        let f: Vec<Frame> = frames(&ldap, Framing::Ber).collect();
        assert_eq!(f, vec![Frame::Message(&ldap[..5]), Frame::Invalid]);
        assert_eq!(
            frames(&[0x30, 0x84, 0, 1], Framing::Ber).next(),
            Some(Frame::Incomplete)
        );

        // DCE/RPC fragment lengths in either byte order.
        let mut le = vec![5, 0, 11, 3, 0x10, 0, 0, 0, 20, 0];
        le.extend([0; 10]);
        let mut be = vec![5, 0, 11, 3, 0x00, 0, 0, 0, 0, 16];
        be.extend([0; 6]);
        le.extend(&be);
        let f: Vec<Frame> = frames(&le, Framing::DceRpc).collect();
        assert_eq!(f.len(), 2);
        assert!(f.iter().all(|m| matches!(m, Frame::Message(_))));
    }

    #[test]
    fn random_segments_never_break_the_bounds() {
        let mut rng = wiretally_synth::Rng::new(7);
        for _ in 0..500 {
            let mut b = StreamBuf::new(256);
            for _ in 0..40 {
                let seq = (rng.next_u64() % 600) as u32;
                let len = (rng.next_u64() % 90) as usize;
                let payload: Vec<u8> = (0..len).map(|i| (seq as usize + i) as u8).collect();
                b.push(seq, &payload);
                assert!(b.bytes().len() <= 256 && b.pending_bytes <= 256);
                assert!(b.pending.len() <= MAX_PENDING);
            }
            // Whatever was delivered is the stream's true content from its start.
            let start = b.start().unwrap_or(0) as usize;
            for (i, &byte) in b.bytes().iter().enumerate() {
                assert_eq!(byte, (start + i) as u8);
            }
        }
    }
}
