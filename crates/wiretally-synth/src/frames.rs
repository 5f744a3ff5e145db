//! Frame builders: IP packets (through etherparse's packet builder) wrapped in any of the
//! link layers wiretally decodes, and whole conversations (TCP sessions with handshake and
//! teardown, unanswered and rejected connection attempts, UDP exchanges, fragments).

use std::net::IpAddr;

use etherparse::{
    IpFragOffset, IpHeaders, IpNumber, Ipv4Header, Ipv6FragmentHeader, Ipv6Header, PacketBuilder,
    TcpHeader,
};

use super::Frame;
use crate::numbers::tcp_flags;

/// A host: its address and (for Ethernet links) its MAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Host {
    /// IP address.
    pub ip: IpAddr,
    /// MAC address.
    pub mac: [u8; 6],
}

impl Host {
    /// A host with a MAC derived from its address.
    pub fn new(ip: IpAddr) -> Host {
        let octets = match ip {
            IpAddr::V4(a) => a.octets().to_vec(),
            IpAddr::V6(a) => a.octets()[12..].to_vec(),
        };
        Host {
            ip,
            mac: [0x00, 0x15, octets[0], octets[1], octets[2], octets[3]],
        }
    }

    /// A host from an address literal (panics on a bad literal: generator input is fixed).
    pub fn parse(text: &str) -> Host {
        Host::new(text.parse().expect("valid address literal"))
    }
}

/// How frames are framed on the link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Ethernet II.
    Ethernet,
    /// Ethernet with one 802.1Q tag.
    Vlan(u16),
    /// Ethernet with an 802.1ad outer and an 802.1Q inner tag.
    QinQ(u16, u16),
    /// Ethernet with one MPLS label.
    Mpls(u32),
    /// Ethernet with a PPPoE session header.
    Pppoe(u16),
    /// No link header.
    Raw,
    /// Linux cooked capture v1.
    Sll,
    /// Linux cooked capture v2.
    Sll2,
    /// BSD loopback, little-endian family.
    Null,
    /// OpenBSD loopback, big-endian family.
    Loop,
    /// Radiotap, then an 802.11 QoS data frame with LLC/SNAP.
    Radiotap,
    /// PPI, then an 802.11 data frame with LLC/SNAP.
    Ppi,
    /// Frame Relay with the IPv4/IPv6 NLPID.
    FrameRelay,
}

/// An 802.11 data frame header (to the AP) with LLC/SNAP for `ether_type`.
fn wlan_data_header(out: &mut Vec<u8>, qos: bool, src: [u8; 6], dst: [u8; 6], ether_type: u16) {
    let fc: u16 = (2 << 2) | (if qos { 0x8 << 4 } else { 0 }) | 0x0100;
    out.extend(fc.to_le_bytes());
    out.extend([0, 0]); // duration
    out.extend([0x00, 0x15, 0xaa, 0xbb, 0xcc, 0x01]); // BSSID
    out.extend(src);
    out.extend(dst);
    out.extend([0x10, 0x00]); // sequence control
    if qos {
        out.extend([0x00, 0x00]);
    }
    out.extend([0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00]);
    out.extend(ether_type.to_be_bytes());
}

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;

fn ether_type_of(ip: &[u8]) -> u16 {
    if ip.first().is_some_and(|b| b >> 4 == 6) {
        ETHERTYPE_IPV6
    } else {
        ETHERTYPE_IPV4
    }
}

/// Wraps an IP packet in a link layer.
pub fn wrap(link: Link, src_mac: [u8; 6], dst_mac: [u8; 6], ip: &[u8]) -> Vec<u8> {
    let et = ether_type_of(ip);
    let v6 = et == ETHERTYPE_IPV6;
    let mut out = Vec::with_capacity(ip.len() + 24);
    let eth = |out: &mut Vec<u8>, ether_type: u16| {
        out.extend(dst_mac);
        out.extend(src_mac);
        out.extend(ether_type.to_be_bytes());
    };
    match link {
        Link::Ethernet => eth(&mut out, et),
        Link::Vlan(id) => {
            eth(&mut out, 0x8100);
            out.extend((id & 0x0fff).to_be_bytes());
            out.extend(et.to_be_bytes());
        }
        Link::QinQ(outer, inner) => {
            eth(&mut out, 0x88a8);
            out.extend((outer & 0x0fff).to_be_bytes());
            out.extend(0x8100u16.to_be_bytes());
            out.extend((inner & 0x0fff).to_be_bytes());
            out.extend(et.to_be_bytes());
        }
        Link::Mpls(label) => {
            eth(&mut out, 0x8847);
            let entry = (label << 12) | (1 << 8) | 64;
            out.extend(entry.to_be_bytes());
        }
        Link::Pppoe(session) => {
            eth(&mut out, 0x8864);
            out.extend([0x11, 0x00]);
            out.extend(session.to_be_bytes());
            out.extend(((ip.len() + 2) as u16).to_be_bytes());
            out.extend(if v6 { [0x00, 0x57] } else { [0x00, 0x21] });
        }
        Link::Raw => {}
        Link::Sll => {
            out.extend(0u16.to_be_bytes()); // packet to us
            out.extend(1u16.to_be_bytes()); // ARPHRD_ETHER
            out.extend(6u16.to_be_bytes());
            out.extend(src_mac);
            out.extend([0, 0]);
            out.extend(et.to_be_bytes());
        }
        Link::Sll2 => {
            out.extend(et.to_be_bytes());
            out.extend([0, 0]);
            out.extend(2u32.to_be_bytes()); // interface index
            out.extend(1u16.to_be_bytes());
            out.push(0);
            out.push(6);
            out.extend(src_mac);
            out.extend([0, 0]);
        }
        Link::Null => out.extend(if v6 { 30u32 } else { 2u32 }.to_le_bytes()),
        Link::Radiotap => {
            out.extend([0, 0, 8, 0, 0, 0, 0, 0]);
            wlan_data_header(&mut out, true, src_mac, dst_mac, et);
        }
        Link::Ppi => {
            out.extend([0, 0, 8, 0, 105, 0, 0, 0]);
            wlan_data_header(&mut out, false, src_mac, dst_mac, et);
        }
        Link::FrameRelay => out.extend([0x18, 0x41, 0x03, if v6 { 0x8e } else { 0xcc }]),
        Link::Loop => out.extend(if v6 { 24u32 } else { 2u32 }.to_be_bytes()),
    }
    out.extend(ip);
    out
}

fn ip_headers(src: IpAddr, dst: IpAddr, proto: u8) -> IpHeaders {
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => IpHeaders::Ipv4(
            Ipv4Header::new(0, 64, IpNumber(proto), s.octets(), d.octets()).expect("valid header"),
            Default::default(),
        ),
        (IpAddr::V6(s), IpAddr::V6(d)) => IpHeaders::Ipv6(
            Ipv6Header {
                traffic_class: 0,
                flow_label: Default::default(),
                payload_length: 0,
                next_header: IpNumber(proto),
                hop_limit: 64,
                source: s.octets(),
                destination: d.octets(),
            },
            Default::default(),
        ),
        _ => panic!("generator mixes IPv4 and IPv6 in one packet"),
    }
}

/// A TCP segment as an IP packet.
#[allow(clippy::too_many_arguments)]
pub fn tcp_ip(
    src: IpAddr,
    dst: IpAddr,
    sport: u16,
    dport: u16,
    flags: u8,
    seq: u32,
    ack: u32,
    payload: &[u8],
) -> Vec<u8> {
    let mut tcp = TcpHeader::new(sport, dport, seq, 64240);
    tcp.syn = flags & tcp_flags::SYN != 0;
    tcp.fin = flags & tcp_flags::FIN != 0;
    tcp.rst = flags & tcp_flags::RST != 0;
    tcp.psh = !payload.is_empty();
    if flags & tcp_flags::ACK != 0 {
        tcp.ack = true;
        tcp.acknowledgment_number = ack;
    }
    let mut out = Vec::new();
    PacketBuilder::ip(ip_headers(src, dst, 6))
        .tcp_header(tcp)
        .write(&mut out, payload)
        .expect("writing to a Vec");
    out
}

/// A UDP datagram as an IP packet.
pub fn udp_ip(src: IpAddr, dst: IpAddr, sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    PacketBuilder::ip(ip_headers(src, dst, 17))
        .udp(sport, dport)
        .write(&mut out, payload)
        .expect("writing to a Vec");
    out
}

/// An ICMP (or ICMPv6, by the addresses' version) error of `icmp_type`/`code` from
/// `router` to `to`, quoting the IP header and first 8 payload bytes of `quoted` (what
/// RFC 792 requires; many routers quote more).
pub fn icmp_error_ip(
    router: IpAddr,
    to: IpAddr,
    icmp_type: u8,
    code: u8,
    quoted: &[u8],
) -> Vec<u8> {
    let header_len = match quoted.first() {
        Some(b) if b >> 4 == 4 => usize::from(b & 0x0f) * 4,
        _ => 40,
    };
    let quote = &quoted[..quoted.len().min(header_len + 8)];
    let mut message = vec![icmp_type, code, 0, 0, 0, 0, 0, 0];
    message.extend_from_slice(quote);
    let v6 = router.is_ipv6();
    if !v6 {
        let sum = internet_checksum(&message);
        message[2..4].copy_from_slice(&sum.to_be_bytes());
    }
    proto_ip(router, to, if v6 { 58 } else { 1 }, &message)
}

/// The one's-complement sum of RFC 1071 (the ICMPv6 pseudo-header is not included: the
/// fixtures' ICMPv6 errors carry checksum 0, which no counter looks at).
fn internet_checksum(bytes: &[u8]) -> u16 {
    let mut sum: u32 = bytes
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// A TLS 1.2 record carrying a ClientHello that asks for server `name` (SNI).
pub fn tls_client_hello(name: &str) -> Vec<u8> {
    let mut sni = vec![0, 0];
    let list_len = (name.len() + 3) as u16;
    let ext_len = list_len + 2;
    sni.extend(ext_len.to_be_bytes());
    sni.extend(list_len.to_be_bytes());
    sni.push(0);
    sni.extend((name.len() as u16).to_be_bytes());
    sni.extend(name.as_bytes());
    let mut body = vec![3, 3];
    body.extend([7u8; 32]);
    body.push(0); // session id
    body.extend([0, 2, 0x13, 0x01]); // one cipher suite
    body.extend([1, 0]); // null compression
    body.extend((sni.len() as u16).to_be_bytes());
    body.extend(sni);
    let mut hs = vec![1];
    hs.extend(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend(body);
    let mut record = vec![22, 3, 1];
    record.extend((hs.len() as u16).to_be_bytes());
    record.extend(hs);
    record
}

/// An IP packet of any protocol with an opaque payload (GRE, ESP, OSPF, SCTP, ...).
pub fn proto_ip(src: IpAddr, dst: IpAddr, proto: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    PacketBuilder::ip(ip_headers(src, dst, proto))
        .write(&mut out, IpNumber(proto), payload)
        .expect("writing to a Vec");
    out
}

/// An ICMP or ICMPv6 echo request.
pub fn echo_request_ip(src: IpAddr, dst: IpAddr, id: u16, seq: u16) -> Vec<u8> {
    let mut out = Vec::new();
    let builder = PacketBuilder::ip(ip_headers(src, dst, if src.is_ipv6() { 58 } else { 1 }));
    if src.is_ipv6() {
        builder
            .icmpv6_echo_request(id, seq)
            .write(&mut out, &[0x61; 32])
    } else {
        builder
            .icmpv4_echo_request(id, seq)
            .write(&mut out, &[0x61; 32])
    }
    .expect("writing to a Vec");
    out
}

/// Splits a transport segment (header + payload) into IPv4 fragments of at most
/// `chunk` payload bytes (a multiple of 8).
pub fn ipv4_fragments(
    src: [u8; 4],
    dst: [u8; 4],
    proto: u8,
    id: u16,
    segment: &[u8],
    chunk: usize,
) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut offset = 0;
    while offset < segment.len() {
        let end = (offset + chunk).min(segment.len());
        let mut h = Ipv4Header::new((end - offset) as u16, 64, IpNumber(proto), src, dst)
            .expect("valid header");
        h.identification = id;
        h.more_fragments = end < segment.len();
        h.fragment_offset = IpFragOffset::try_new((offset / 8) as u16).expect("offset fits");
        h.header_checksum = h.calc_header_checksum();
        let mut pkt = Vec::new();
        h.write(&mut pkt).expect("writing to a Vec");
        pkt.extend(&segment[offset..end]);
        out.push(pkt);
        offset = end;
    }
    out
}

/// Splits a transport segment into IPv6 fragments (fragment extension header).
pub fn ipv6_fragments(
    src: [u8; 16],
    dst: [u8; 16],
    proto: u8,
    id: u32,
    segment: &[u8],
    chunk: usize,
) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut offset = 0;
    while offset < segment.len() {
        let end = (offset + chunk).min(segment.len());
        let frag = Ipv6FragmentHeader::new(
            IpNumber(proto),
            IpFragOffset::try_new((offset / 8) as u16).expect("offset fits"),
            end < segment.len(),
            id,
        );
        let h = Ipv6Header {
            traffic_class: 0,
            flow_label: Default::default(),
            payload_length: (8 + end - offset) as u16,
            next_header: IpNumber(44),
            hop_limit: 64,
            source: src,
            destination: dst,
        };
        let mut pkt = Vec::new();
        h.write(&mut pkt).expect("writing to a Vec");
        frag.write(&mut pkt).expect("writing to a Vec");
        pkt.extend(&segment[offset..end]);
        out.push(pkt);
        offset = end;
    }
    out
}

/// A UDP segment (header + payload) without the IP layer, for fragmenting.
pub fn udp_segment(src: IpAddr, dst: IpAddr, sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let packet = udp_ip(src, dst, sport, dport, payload);
    let header_len = if src.is_ipv6() { 40 } else { 20 };
    packet[header_len..].to_vec()
}

/// Application-looking payload bytes for a server port, so fixtures carry recognisable
/// protocol openings (SMB2 behind NetBIOS, TLS records, DCE/RPC, TPKT, HTTP, DNS ...).
pub fn payload(server_port: u16, to_server: bool, len: usize, seed: u64) -> Vec<u8> {
    let prefix: &[u8] = match (server_port, to_server) {
        (445 | 139, _) => &[0x00, 0x00, 0x00, 0x40, 0xfe, b'S', b'M', b'B', 0x40, 0x00],
        (443 | 636 | 3269 | 5986 | 993 | 995, true) => &[
            0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03,
        ],
        (443 | 636 | 3269 | 5986 | 993 | 995, false) => &[
            0x16, 0x03, 0x03, 0x00, 0x5a, 0x02, 0x00, 0x00, 0x56, 0x03, 0x03,
        ],
        (135 | 49152..=65535, _) => &[0x05, 0x00, 0x0b, 0x03, 0x10, 0x00, 0x00, 0x00],
        (3389, _) => &[0x03, 0x00, 0x00, 0x2b, 0x26, 0xe0, 0x00, 0x00],
        (5985 | 80, true) => b"POST /wsman HTTP/1.1\r\nHost: dc01\r\n",
        (5985 | 80, false) => b"HTTP/1.1 200 OK\r\nServer: Microsoft-HTTPAPI/2.0\r\n",
        (22, _) => b"SSH-2.0-OpenSSH_9.6\r\n",
        (389 | 3268, _) => &[0x30, 0x84, 0x00, 0x00, 0x00, 0x50, 0x02, 0x01, 0x01],
        (88, _) => &[0x6a, 0x82, 0x01, 0x20, 0x30, 0x82, 0x01, 0x1c],
        // A query (or its answer) for dc01.corp.local, type A.
        (53, true) => &[
            0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 4, b'd', b'c', b'0', b'1', 4, b'c',
            b'o', b'r', b'p', 5, b'l', b'o', b'c', b'a', b'l', 0, 0, 1, 0, 1,
        ],
        (53, false) => &[
            0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 4, b'd', b'c', b'0', b'1', 4, b'c',
            b'o', b'r', b'p', 5, b'l', b'o', b'c', b'a', b'l', 0, 0, 1, 0, 1,
        ],
        _ => &[],
    };
    let mut out = Vec::with_capacity(len);
    out.extend(prefix.iter().take(len));
    let mut x = seed | 1;
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.push((x >> 24) as u8);
    }
    out
}

/// One request and its answer in a TCP session: the client's segments, then the server's.
pub type Exchange = (Vec<Vec<u8>>, Vec<Vec<u8>>);

/// A growing list of frames with conversation helpers. Frames are sorted by time when
/// taken out, so conversations can be added in any order.
#[derive(Debug, Clone)]
pub struct Trace {
    /// The link layer every frame gets unless a helper says otherwise.
    pub link: Link,
    frames: Vec<Frame>,
}

/// Nanoseconds in a millisecond, for readable offsets.
pub const MS: i64 = 1_000_000;

impl Trace {
    /// An empty trace on a link.
    pub fn new(link: Link) -> Trace {
        Trace {
            link,
            frames: Vec::new(),
        }
    }

    /// Adds an IP packet between two hosts on this trace's link.
    pub fn push_ip(&mut self, ts_ns: i64, from: &Host, to: &Host, ip: &[u8]) {
        self.push_ip_on(self.link, ts_ns, from, to, ip);
    }

    /// Adds an IP packet on a given link.
    pub fn push_ip_on(&mut self, link: Link, ts_ns: i64, from: &Host, to: &Host, ip: &[u8]) {
        self.frames.push(Frame {
            ts_ns,
            data: wrap(link, from.mac, to.mac, ip),
        });
    }

    /// Adds IP packets (e.g. a fragment series) `gap_ns` apart, starting at `start`.
    pub fn push_ip_series(
        &mut self,
        start: i64,
        gap_ns: i64,
        from: &Host,
        to: &Host,
        packets: &[Vec<u8>],
    ) {
        for (i, ip) in packets.iter().enumerate() {
            self.push_ip(start + i as i64 * gap_ns, from, to, ip);
        }
    }

    /// Adds a ready-made frame.
    pub fn push_frame(&mut self, ts_ns: i64, data: Vec<u8>) {
        self.frames.push(Frame { ts_ns, data });
    }

    /// A full TCP session: handshake, `exchanges` of (request bytes, response bytes) split
    /// into segments of at most 1460 bytes, then FIN/ACK teardown. `rtt_ns` spaces replies.
    /// Returns the time of the last frame.
    #[allow(clippy::too_many_arguments)]
    pub fn tcp_session(
        &mut self,
        start: i64,
        client: &Host,
        server: &Host,
        cport: u16,
        sport: u16,
        exchanges: &[(usize, usize)],
        rtt_ns: i64,
    ) -> i64 {
        let exchanges: Vec<Exchange> = exchanges
            .iter()
            .enumerate()
            .map(|(i, &(req, resp))| {
                let seed = u64::from(cport) << 16 | i as u64;
                let chunks = |data: Vec<u8>| data.chunks(1460).map(<[u8]>::to_vec).collect();
                (
                    chunks(payload(sport, true, req, seed)),
                    chunks(payload(sport, false, resp, seed ^ 0xffff)),
                )
            })
            .collect();
        self.tcp_session_segments(start, client, server, cport, sport, &exchanges, rtt_ns)
    }

    /// A TCP connection like [`Trace::tcp_session`], whose exchanges carry exactly these
    /// segments (client segments, then server segments; an empty server side gets a bare
    /// ACK). Returns the time of the last packet.
    #[allow(clippy::too_many_arguments)]
    pub fn tcp_session_segments(
        &mut self,
        start: i64,
        client: &Host,
        server: &Host,
        cport: u16,
        sport: u16,
        exchanges: &[Exchange],
        rtt_ns: i64,
    ) -> i64 {
        const SYN_ACK: u8 = tcp_flags::SYN | tcp_flags::ACK;
        const FIN_ACK: u8 = tcp_flags::FIN | tcp_flags::ACK;
        let link = self.link;
        // One segment, from the client (`to_server`) or from the server.
        let mut segment = |t: i64, to_server: bool, flags: u8, seq: u32, ack: u32, data: &[u8]| {
            let ip = if to_server {
                tcp_ip(client.ip, server.ip, cport, sport, flags, seq, ack, data)
            } else {
                tcp_ip(server.ip, client.ip, sport, cport, flags, seq, ack, data)
            };
            let (from, to) = if to_server {
                (client, server)
            } else {
                (server, client)
            };
            self.push_ip_on(link, t, from, to, &ip);
        };
        let mut t = start;
        let (mut cseq, mut sseq) = (1000u32, 5000u32);
        segment(t, true, tcp_flags::SYN, cseq, 0, &[]);
        t += rtt_ns / 2;
        segment(t, false, SYN_ACK, sseq, cseq + 1, &[]);
        t += rtt_ns / 2;
        cseq += 1;
        sseq += 1;
        segment(t, true, tcp_flags::ACK, cseq, sseq, &[]);
        for (requests, responses) in exchanges {
            for chunk in requests {
                t += MS / 10;
                segment(t, true, tcp_flags::ACK, cseq, sseq, chunk);
                cseq = cseq.wrapping_add(chunk.len() as u32);
            }
            t += rtt_ns;
            for chunk in responses {
                segment(t, false, tcp_flags::ACK, sseq, cseq, chunk);
                sseq = sseq.wrapping_add(chunk.len() as u32);
                t += MS / 20;
            }
            if responses.is_empty() {
                segment(t, false, tcp_flags::ACK, sseq, cseq, &[]);
            }
        }
        t += 5 * MS;
        segment(t, true, FIN_ACK, cseq, sseq, &[]);
        t += rtt_ns / 2;
        segment(t, false, FIN_ACK, sseq, cseq + 1, &[]);
        t += rtt_ns / 2;
        segment(t, true, tcp_flags::ACK, cseq + 1, sseq + 1, &[]);
        t
    }

    /// A connection attempt nobody answers: the SYN and `retries` retransmissions
    /// (1 s, then doubling, as Windows does).
    pub fn tcp_unanswered(
        &mut self,
        start: i64,
        client: &Host,
        server: &Host,
        cport: u16,
        sport: u16,
        retries: u32,
    ) -> i64 {
        let mut t = start;
        let mut gap = 1_000 * MS;
        for _ in 0..=retries {
            self.push_ip(
                t,
                client,
                server,
                &tcp_ip(
                    client.ip,
                    server.ip,
                    cport,
                    sport,
                    tcp_flags::SYN,
                    7000,
                    0,
                    &[],
                ),
            );
            t += gap;
            gap *= 2;
        }
        t - gap / 2
    }

    /// A connection attempt answered with RST/ACK (port closed).
    pub fn tcp_rejected(
        &mut self,
        start: i64,
        client: &Host,
        server: &Host,
        cport: u16,
        sport: u16,
        rtt_ns: i64,
    ) -> i64 {
        self.push_ip(
            start,
            client,
            server,
            &tcp_ip(
                client.ip,
                server.ip,
                cport,
                sport,
                tcp_flags::SYN,
                9000,
                0,
                &[],
            ),
        );
        let t = start + rtt_ns;
        self.push_ip(
            t,
            server,
            client,
            &tcp_ip(
                server.ip,
                client.ip,
                sport,
                cport,
                tcp_flags::RST | tcp_flags::ACK,
                0,
                9001,
                &[],
            ),
        );
        t
    }

    /// One TCP segment between two hosts.
    #[allow(clippy::too_many_arguments)]
    pub fn tcp_segment(
        &mut self,
        t: i64,
        from: &Host,
        to: &Host,
        sport: u16,
        dport: u16,
        flags: u8,
        data: &[u8],
    ) {
        let ip = tcp_ip(from.ip, to.ip, sport, dport, flags, 100, 200, data);
        self.push_ip(t, from, to, &ip);
    }

    /// A packet from `client` to `server` answered by an ICMP error from `router`
    /// quoting it. Returns the time of the error.
    #[allow(clippy::too_many_arguments)]
    pub fn refused_by_icmp(
        &mut self,
        start: i64,
        client: &Host,
        server: &Host,
        router: &Host,
        packet: &[u8],
        (icmp_type, code): (u8, u8),
        rtt_ns: i64,
    ) -> i64 {
        self.push_ip(start, client, server, packet);
        let error = icmp_error_ip(router.ip, client.ip, icmp_type, code, packet);
        self.push_ip(start + rtt_ns, router, client, &error);
        start + rtt_ns
    }

    /// A UDP request and (if `resp` is some) its answer.
    #[allow(clippy::too_many_arguments)]
    pub fn udp_exchange(
        &mut self,
        start: i64,
        client: &Host,
        server: &Host,
        cport: u16,
        sport: u16,
        req: usize,
        resp: Option<usize>,
        rtt_ns: i64,
    ) -> i64 {
        let seed = u64::from(cport) << 16 | u64::from(sport);
        self.push_ip(
            start,
            client,
            server,
            &udp_ip(
                client.ip,
                server.ip,
                cport,
                sport,
                &payload(sport, true, req, seed),
            ),
        );
        match resp {
            Some(n) => {
                let t = start + rtt_ns;
                self.push_ip(
                    t,
                    server,
                    client,
                    &udp_ip(
                        server.ip,
                        client.ip,
                        sport,
                        cport,
                        &payload(sport, false, n, seed ^ 1),
                    ),
                );
                t
            }
            None => start,
        }
    }

    /// Number of frames so far.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// Whether no frames were added.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// The frames in time order (stable for equal times).
    pub fn into_frames(mut self) -> Vec<Frame> {
        self.frames.sort_by_key(|f| f.ts_ns);
        self.frames
    }
}

/// An ARP request frame.
pub fn arp_request(from: &Host, target: [u8; 4]) -> Vec<u8> {
    let mut out = vec![0xff; 6];
    out.extend(from.mac);
    out.extend([0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01]);
    out.extend(from.mac);
    match from.ip {
        IpAddr::V4(a) => out.extend(a.octets()),
        IpAddr::V6(_) => out.extend([0; 4]),
    }
    out.extend([0; 6]);
    out.extend(target);
    out.resize(60, 0);
    out
}

/// An LLDP frame (EtherType 0x88cc) with a minimal TLV set.
pub fn lldp(from: &Host) -> Vec<u8> {
    let mut out = vec![0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e];
    out.extend(from.mac);
    out.extend([0x88, 0xcc]);
    out.extend([0x02, 0x07, 0x04]);
    out.extend(from.mac);
    out.extend([
        0x04, 0x03, 0x05, b'g', b'1', 0x06, 0x02, 0x00, 0x78, 0x00, 0x00,
    ]);
    out.resize(60, 0);
    out
}

/// An 802.3 spanning-tree BPDU (LLC).
pub fn stp_bpdu(from: &Host) -> Vec<u8> {
    let mut out = vec![0x01, 0x80, 0xc2, 0x00, 0x00, 0x00];
    out.extend(from.mac);
    out.extend(38u16.to_be_bytes());
    out.extend([0x42, 0x42, 0x03, 0x00, 0x00, 0x00, 0x00]);
    out.resize(60, 0);
    out
}
