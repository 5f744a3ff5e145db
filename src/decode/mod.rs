//! Frame decoding: link type + captured bytes -> a small summary of what the flow tracker
//! needs (addresses, IP protocol, ports, TCP flags, fragment identity), or the reason the
//! frame is not a flow packet. Pure: no I/O, no allocation.
//!
//! Link layers are peeled here (Ethernet, 802.1Q/QinQ, MPLS, PPPoE, Linux SLL/SLL2,
//! BSD null/loopback, raw IP); IP headers and IPv6 extension chains are sliced with
//! etherparse's lax slicer, so snaplen-truncated frames still yield the headers they hold.
//! IP-in-IP tunnels (4in4, 6in4, 4in6, 6in6) are unwrapped to the inner packet; GRE is not
//! (it is a service of its own in the table).

pub mod icmp;
mod wireless;

use etherparse::{LaxIpSlice, SingleVlanSlice};
pub use wireless::WlanKind;

use crate::capture::LinkType;

/// IP protocol numbers the decoder treats specially.
pub mod ip_proto {
    /// ICMP.
    pub const ICMP: u8 = 1;
    /// IGMP.
    pub const IGMP: u8 = 2;
    /// IPv4 encapsulated in IP.
    pub const IPV4_IN_IP: u8 = 4;
    /// TCP.
    pub const TCP: u8 = 6;
    /// UDP.
    pub const UDP: u8 = 17;
    /// IPv6 encapsulated in IP.
    pub const IPV6_IN_IP: u8 = 41;
    /// ICMPv6.
    pub const ICMPV6: u8 = 58;
    /// SCTP.
    pub const SCTP: u8 = 132;
    /// IPv6 hop-by-hop options.
    pub const IPV6_HOP_BY_HOP: u8 = 0;
    /// IPv6 routing header.
    pub const IPV6_ROUTE: u8 = 43;
    /// IPv6 fragment header.
    pub const IPV6_FRAG: u8 = 44;
    /// Authentication header.
    pub const AH: u8 = 51;
    /// IPv6 destination options.
    pub const IPV6_DEST_OPTIONS: u8 = 60;
    /// Extension headers with the generic (length + 1) * 8 layout: mobility, HIP, shim6
    /// and the two experimental numbers.
    pub const IPV6_GENERIC_EXTENSIONS: [u8; 5] = [135, 139, 140, 253, 254];
}

/// EtherType values the link peeler knows.
mod ether {
    pub const IPV4: u16 = 0x0800;
    pub const VLAN: u16 = 0x8100;
    pub const IPV6: u16 = 0x86dd;
    pub const MPLS_UNICAST: u16 = 0x8847;
    pub const MPLS_MULTICAST: u16 = 0x8848;
    pub const PPPOE_SESSION: u16 = 0x8864;
    pub const PROVIDER_BRIDGING: u16 = 0x88a8;
    pub const VLAN_DOUBLE_OLD: u16 = 0x9100;
    /// Values below this are 802.3 length fields, not EtherTypes.
    pub const MIN_ETHERTYPE: u16 = 0x0600;
}

/// TCP flag bits (byte 13 of the TCP header).
pub mod tcp_flags {
    /// FIN.
    pub const FIN: u8 = 0x01;
    /// SYN.
    pub const SYN: u8 = 0x02;
    /// RST.
    pub const RST: u8 = 0x04;
    /// ACK.
    pub const ACK: u8 = 0x10;
}

const ETHERNET_HEADER_LEN: usize = 14;
const SLL_HEADER_LEN: usize = 16;
const SLL2_HEADER_LEN: usize = 20;
const NULL_HEADER_LEN: usize = 4;
const CISCO_HDLC_HEADER_LEN: usize = 4;
const MPLS_LABEL_LEN: usize = 4;
const PPPOE_HEADER_LEN: usize = 6;
const PPP_PROTO_IPV4: u16 = 0x0021;
const PPP_PROTO_IPV6: u16 = 0x0057;
const TCP_FLAGS_OFFSET: usize = 13;
const MAX_TUNNEL_DEPTH: usize = 4;
/// Most link-layer headers (VLAN tags, MPLS label stacks, PPPoE, LLC/SNAP, Ethernet inside
/// MPLS) followed in one frame; a frame nesting more is undecodable, too deep.
const MAX_LINK_DEPTH: usize = 16;
/// ARPHRD types in SLL headers whose payload is not an EtherType-tagged frame.
const ARPHRD_NETLINK: u16 = 824;
/// SLL protocol values that mean "802.3 / 802.2 LLC frame" rather than an EtherType.
const SLL_PROTO_802_3: u16 = 0x0001;
const SLL_PROTO_802_2: u16 = 0x0004;
/// BSD address families for IPv4 and (on various systems) IPv6 in null/loopback headers.
const AF_INET: u32 = 2;
const AF_INET6_VALUES: [u32; 3] = [24, 28, 30];

/// An IP address as 16 bytes; IPv4 addresses sit in the first four with the rest zero.
pub type AddrBytes = [u8; 16];

/// Identity of a fragment series: the header that fragments (source, destination,
/// protocol, identification). For a fragmented IP-in-IP packet it is the outer header's,
/// while the flow is the inner packet's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FragmentKey {
    /// IPv6 (true) or IPv4.
    pub v6: bool,
    /// Source address of the fragmenting header.
    pub src: AddrBytes,
    /// Destination address of the fragmenting header.
    pub dst: AddrBytes,
    /// Protocol the fragments carry (IPv4 protocol field, IPv6 fragment next header).
    pub proto: u8,
    /// IP identification (IPv6: the fragment header's identification).
    pub id: u32,
}

/// How an IP packet relates to fragmentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fragment {
    /// Not fragmented.
    None,
    /// The first fragment (offset 0, more to come): it carries the ports.
    First(FragmentKey),
    /// A later fragment: no ports, belongs to the flow of the first.
    Later(FragmentKey),
}

/// What the flow tracker needs of an IP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpSummary {
    /// IPv6 (true) or IPv4.
    pub v6: bool,
    /// Source address.
    pub src: AddrBytes,
    /// Destination address.
    pub dst: AddrBytes,
    /// IP protocol of the payload (after extension headers).
    pub proto: u8,
    /// Source and destination ports for TCP/UDP/SCTP, when present in the captured bytes.
    pub ports: Option<(u16, u16)>,
    /// TCP flags, when the captured bytes hold them (0 otherwise).
    pub tcp_flags: u8,
    /// Fragment identity.
    pub fragment: Fragment,
    /// Where the transport payload starts in the frame (after the TCP or UDP header; the
    /// whole message for ICMP and other protocols); see [`IpSummary::payload`].
    pub payload_at: usize,
    /// Captured bytes of the transport payload (0 when none were captured).
    pub payload_len: u32,
}

impl IpSummary {
    /// A test packet: IPv4 `src` -> `dst` of `proto` with ports and TCP flags.
    #[cfg(test)]
    pub(crate) fn test_v4(
        src: [u8; 4],
        dst: [u8; 4],
        proto: u8,
        ports: (u16, u16),
        flags: u8,
    ) -> IpSummary {
        IpSummary {
            v6: false,
            src: widen(src),
            dst: widen(dst),
            proto,
            ports: Some(ports),
            tcp_flags: flags,
            fragment: Fragment::None,
            payload_at: 0,
            payload_len: 0,
        }
    }

    /// The captured transport payload, from the frame this summary was decoded from.
    pub fn payload<'a>(&self, frame: &'a [u8]) -> &'a [u8] {
        let at = self.payload_at;
        frame
            .get(at..at.saturating_add(self.payload_len as usize))
            .unwrap_or(&[])
    }
}

/// Why a frame is not IP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NonIpKind {
    /// An EtherType other than IP (ARP, LLDP, ...).
    EtherType(u16),
    /// An 802.3 frame with an LLC header (STP, CDP, NetBIOS over LLC, ...).
    Llc,
    /// A Linux netlink message in an SLL capture.
    Netlink,
    /// A BSD null/loopback frame of another address family.
    AddressFamily(u32),
    /// A PPP frame carrying another protocol (LCP, IPCP, ...).
    PppProtocol(u16),
    /// An 802.11 frame without readable IP (management, control, encrypted, ...).
    Wlan(WlanKind),
    /// A Frame Relay frame with another network layer protocol ID.
    FrameRelay(u8),
}

impl NonIpKind {
    /// A readable reason, e.g. `ARP (EtherType 0x0806)`.
    pub fn describe(self) -> String {
        match self {
            NonIpKind::EtherType(t) => match ether_type_name(t) {
                Some(name) => format!("{name} (EtherType 0x{t:04x})"),
                None => format!("EtherType 0x{t:04x}"),
            },
            NonIpKind::Llc => "802.3 LLC frame (STP, CDP, ...)".to_string(),
            NonIpKind::Netlink => "Linux netlink message".to_string(),
            NonIpKind::AddressFamily(af) => format!("loopback address family {af}"),
            NonIpKind::PppProtocol(p) => format!("PPP protocol 0x{p:04x}"),
            NonIpKind::Wlan(kind) => kind.describe().to_string(),
            NonIpKind::FrameRelay(nlpid) => format!("Frame Relay NLPID 0x{nlpid:02x}"),
        }
    }
}

fn ether_type_name(t: u16) -> Option<&'static str> {
    Some(match t {
        0x0806 => "ARP",
        0x8035 => "RARP",
        0x809b => "AppleTalk",
        0x80f3 => "AARP",
        0x8137 => "IPX",
        0x8808 => "Ethernet flow control",
        0x8809 => "LACP",
        0x8863 => "PPPoE discovery",
        0x8864 => "PPPoE session",
        0x886f => "Microsoft NLB heartbeat",
        0x888e => "802.1X EAPOL",
        0x8892 => "PROFINET",
        0x88cc => "LLDP",
        0x88e5 => "MACsec",
        0x88f7 => "PTP",
        0x8906 => "FCoE",
        0x8914 => "FIP",
        0x9000 => "Ethernet loopback",
        0x893a => "IEEE 1905",
        0x88e1 => "HomePlug",
        0x8899 => "Realtek",
        0x22f0 => "AVTP",
        _ => return None,
    })
}

/// Why a frame could not be decoded into a flow packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Undecodable {
    /// The link type is not supported.
    UnsupportedLinkType(LinkType),
    /// The frame is shorter than its link header.
    TruncatedLinkHeader,
    /// The IP header is cut off or shorter than its minimum.
    TruncatedIpHeader,
    /// The IP header is invalid (bad version, bad header length).
    MalformedIpHeader,
    /// The frame says IP but holds another version number.
    BadIpVersion,
    /// The transport header is too short to hold its ports.
    TruncatedTransport(u8),
    /// Too many nested link or tunnel headers.
    TooDeep,
    /// The record holds no captured bytes at all.
    EmptyFrame,
}

impl Undecodable {
    /// A readable reason.
    pub fn describe(self) -> String {
        match self {
            Undecodable::UnsupportedLinkType(lt) => format!("unsupported link type {lt}"),
            Undecodable::TruncatedLinkHeader => "frame shorter than its link-layer header".into(),
            Undecodable::TruncatedIpHeader => "IP header cut off (snaplen or damaged frame)".into(),
            Undecodable::MalformedIpHeader => "malformed IP header".into(),
            Undecodable::BadIpVersion => "IP version is neither 4 nor 6".into(),
            Undecodable::TruncatedTransport(p) => {
                format!("{} header cut off before its ports", ip_proto_name(p))
            }
            Undecodable::TooDeep => "too many nested headers".into(),
            Undecodable::EmptyFrame => "empty record (no captured bytes)".into(),
        }
    }
}

/// The outcome of decoding one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoded {
    /// An IP packet.
    Ip(IpSummary),
    /// Not IP.
    NonIp(NonIpKind),
    /// Not decodable.
    Undecodable(Undecodable),
}

/// A short name for an IP protocol number (`TCP`, `OSPF`, `IP protocol 253`).
pub fn ip_proto_name(p: u8) -> String {
    let name = match p {
        0 => "HOPOPT",
        1 => "ICMP",
        2 => "IGMP",
        4 => "IPv4-in-IP",
        6 => "TCP",
        8 => "EGP",
        9 => "IGP",
        17 => "UDP",
        41 => "IPv6-in-IP",
        46 => "RSVP",
        47 => "GRE",
        50 => "ESP",
        51 => "AH",
        58 => "ICMPv6",
        59 => "IPv6-NoNxt",
        88 => "EIGRP",
        89 => "OSPF",
        103 => "PIM",
        112 => "VRRP",
        115 => "L2TP",
        132 => "SCTP",
        136 => "UDPLite",
        _ => return format!("IP protocol {p}"),
    };
    name.to_string()
}

/// Decodes one frame.
pub fn decode(link_type: LinkType, data: &[u8]) -> Decoded {
    if data.is_empty() {
        return Decoded::Undecodable(Undecodable::EmptyFrame);
    }
    let mut decoded = decode_link(link_type, data);
    if let Decoded::Ip(ip) = &mut decoded {
        // The IP decoder records the payload's address; make it an offset into this
        // frame (or nothing, should a decoder ever work on a copy of the bytes).
        let base = data.as_ptr() as usize;
        match ip.payload_at.checked_sub(base) {
            Some(offset) if offset + ip.payload_len as usize <= data.len() => {
                ip.payload_at = offset;
            }
            _ => (ip.payload_at, ip.payload_len) = (0, 0),
        }
    }
    decoded
}

fn decode_link(link_type: LinkType, data: &[u8]) -> Decoded {
    match link_type {
        LinkType::ETHERNET => decode_ethernet(data, 0),
        LinkType::LINUX_SLL => decode_sll(data, SLL_HEADER_LEN, 14, 2),
        LinkType::LINUX_SLL2 => decode_sll(data, SLL2_HEADER_LEN, 0, 8),
        LinkType::RAW | LinkType::RAW_BSD | LinkType::RAW_OPENBSD => decode_ip_any(data, 0),
        LinkType::IPV4 | LinkType::IPV6 => decode_ip_any(data, 0),
        LinkType::NULL | LinkType::LOOP => decode_null(data, link_type == LinkType::LOOP),
        LinkType::PPP | LinkType::PPP_SERIAL => decode_ppp(data),
        LinkType::PPP_PPPD => match data.get(2..) {
            // Direction byte and control byte, then the protocol field.
            Some(rest) if data.len() >= 4 => decode_ppp_protocol(rest),
            _ => Decoded::Undecodable(Undecodable::TruncatedLinkHeader),
        },
        LinkType::PPP_ETHER => decode_ether_type(ether::PPPOE_SESSION, data, 0),
        LinkType::C_HDLC => decode_cisco_hdlc(data),
        LinkType::FRELAY => decode_frame_relay(data),
        LinkType::IEEE802_11 => wireless::decode_80211(data),
        LinkType::IEEE802_11_RADIOTAP => wireless::decode_radiotap(data),
        LinkType::IEEE802_11_PRISM => wireless::decode_prism_or_avs(data, false),
        LinkType::IEEE802_11_AVS => wireless::decode_prism_or_avs(data, true),
        LinkType::PPI => wireless::decode_ppi(data),
        other => Decoded::Undecodable(Undecodable::UnsupportedLinkType(other)),
    }
}

/// An Ethernet II header, `depth` link headers into the frame.
fn decode_ethernet(data: &[u8], depth: usize) -> Decoded {
    if data.len() < ETHERNET_HEADER_LEN {
        return Decoded::Undecodable(Undecodable::TruncatedLinkHeader);
    }
    let Ok(eth) = etherparse::Ethernet2Slice::from_slice_without_fcs(data) else {
        return Decoded::Undecodable(Undecodable::TruncatedLinkHeader);
    };
    decode_ether_type(eth.ether_type().0, eth.payload_slice(), depth)
}

/// Follows EtherTypes through VLAN tags, MPLS labels, PPPoE and LLC/SNAP to IP. `depth`
/// counts the link headers already followed in this frame (including those of an outer
/// Ethernet inside MPLS or an LLC/SNAP header), so nesting is bounded by
/// [`MAX_LINK_DEPTH`] however the headers recurse.
fn decode_ether_type(mut ether_type: u16, mut payload: &[u8], depth: usize) -> Decoded {
    for depth in depth..MAX_LINK_DEPTH {
        match ether_type {
            ether::IPV4 | ether::IPV6 => return decode_ip_any(payload, 0),
            ether::VLAN | ether::PROVIDER_BRIDGING | ether::VLAN_DOUBLE_OLD => {
                let Ok(vlan) = SingleVlanSlice::from_slice(payload) else {
                    return Decoded::Undecodable(Undecodable::TruncatedLinkHeader);
                };
                ether_type = vlan.ether_type().0;
                payload = vlan.payload_slice();
            }
            ether::MPLS_UNICAST | ether::MPLS_MULTICAST => {
                // Labels until the bottom-of-stack bit, then guess IP from the version nibble.
                loop {
                    if payload.len() < MPLS_LABEL_LEN {
                        return Decoded::Undecodable(Undecodable::TruncatedLinkHeader);
                    }
                    let bottom = payload[2] & 0x01 != 0;
                    payload = &payload[MPLS_LABEL_LEN..];
                    if bottom {
                        break;
                    }
                }
                return match payload.first().map(|b| b >> 4) {
                    Some(4 | 6) => decode_ip_any(payload, 0),
                    // Ethernet over MPLS (pseudowire with control word 0x0000).
                    Some(0) if payload.len() >= 4 + ETHERNET_HEADER_LEN => {
                        decode_ethernet(&payload[4..], depth + 1)
                    }
                    _ => Decoded::NonIp(NonIpKind::EtherType(ether_type)),
                };
            }
            ether::PPPOE_SESSION => {
                if payload.len() < PPPOE_HEADER_LEN + 2 {
                    return Decoded::Undecodable(Undecodable::TruncatedLinkHeader);
                }
                let ppp_proto = u16::from_be_bytes([payload[6], payload[7]]);
                let inner = &payload[PPPOE_HEADER_LEN + 2..];
                return match ppp_proto {
                    PPP_PROTO_IPV4 | PPP_PROTO_IPV6 => decode_ip_any(inner, 0),
                    _ => Decoded::NonIp(NonIpKind::EtherType(ether::PPPOE_SESSION)),
                };
            }
            t if t < ether::MIN_ETHERTYPE => return decode_llc(payload, depth + 1),
            t => return Decoded::NonIp(NonIpKind::EtherType(t)),
        }
    }
    Decoded::Undecodable(Undecodable::TooDeep)
}

/// Linux cooked captures: the protocol field is an EtherType except for a few ARPHRD
/// types and the 802.3/802.2 markers.
fn decode_sll(data: &[u8], header_len: usize, proto_at: usize, hatype_at: usize) -> Decoded {
    if data.len() < header_len {
        return Decoded::Undecodable(Undecodable::TruncatedLinkHeader);
    }
    let proto = u16::from_be_bytes([data[proto_at], data[proto_at + 1]]);
    let hatype = u16::from_be_bytes([data[hatype_at], data[hatype_at + 1]]);
    if hatype == ARPHRD_NETLINK {
        return Decoded::NonIp(NonIpKind::Netlink);
    }
    match proto {
        SLL_PROTO_802_2 => decode_llc(&data[header_len..], 0),
        SLL_PROTO_802_3 => Decoded::NonIp(NonIpKind::Llc),
        _ => decode_ether_type(proto, &data[header_len..], 0),
    }
}

/// PPP in HDLC-like framing: optional address/control bytes 0xff 0x03, then a one- or
/// two-byte protocol field.
fn decode_ppp(data: &[u8]) -> Decoded {
    // Some writers label Cisco HDLC frames as PPP (libpcap's PPP_HDLC handling does the
    // same check): address 0x0f (unicast) or 0x8f (broadcast), control 0x00.
    if matches!(data, [0x0f | 0x8f, 0x00, ..]) {
        return decode_cisco_hdlc(data);
    }
    decode_ppp_protocol(data.strip_prefix(&[0xff, 0x03][..]).unwrap_or(data))
}

/// A PPP protocol field (one byte when compressed: odd first byte) and what follows.
fn decode_ppp_protocol(body: &[u8]) -> Decoded {
    let (proto, rest) = match body {
        [p, rest @ ..] if p & 1 == 1 => (u16::from(*p), rest),
        [a, b, rest @ ..] => (u16::from_be_bytes([*a, *b]), rest),
        _ => return Decoded::Undecodable(Undecodable::TruncatedLinkHeader),
    };
    match proto {
        PPP_PROTO_IPV4 | PPP_PROTO_IPV6 => decode_ip_any(rest, 0),
        other => Decoded::NonIp(NonIpKind::PppProtocol(other)),
    }
}

/// An 802.2 LLC header, `depth` link headers into the frame: SNAP with an EtherType
/// (RFC 1042, or 802.1H bridge tunnel) leads on to that protocol; anything else (STP, CDP,
/// NetBIOS over LLC) is non-IP.
pub(crate) fn decode_llc(data: &[u8], depth: usize) -> Decoded {
    match data {
        [0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00 | 0xf8, t1, t2, rest @ ..] => {
            decode_ether_type(u16::from_be_bytes([*t1, *t2]), rest, depth)
        }
        _ => Decoded::NonIp(NonIpKind::Llc),
    }
}

/// Frame Relay (RFC 2427): a 2-byte Q.922 address, UI control 0x03, optional pad, then an
/// NLPID (0xcc IPv4, 0x8e IPv6, 0x80 SNAP).
fn decode_frame_relay(data: &[u8]) -> Decoded {
    let rest = match data {
        [_, _, 0x03, 0x00, rest @ ..] => rest,
        [_, _, 0x03, rest @ ..] => rest,
        _ => return Decoded::Undecodable(Undecodable::TruncatedLinkHeader),
    };
    match rest {
        [0xcc | 0x8e, ip @ ..] => decode_ip_any(ip, 0),
        [0x80, _, _, _, t1, t2, inner @ ..] => {
            decode_ether_type(u16::from_be_bytes([*t1, *t2]), inner, 0)
        }
        [nlpid, ..] => Decoded::NonIp(NonIpKind::FrameRelay(*nlpid)),
        [] => Decoded::Undecodable(Undecodable::TruncatedLinkHeader),
    }
}

/// Cisco HDLC: address, control, then an EtherType.
fn decode_cisco_hdlc(data: &[u8]) -> Decoded {
    if data.len() < CISCO_HDLC_HEADER_LEN {
        return Decoded::Undecodable(Undecodable::TruncatedLinkHeader);
    }
    decode_ether_type(
        u16::from_be_bytes([data[2], data[3]]),
        &data[CISCO_HDLC_HEADER_LEN..],
        0,
    )
}

/// BSD null (host byte order family) and OpenBSD loop (network byte order).
fn decode_null(data: &[u8], network_order: bool) -> Decoded {
    let Some(head) = data.get(..NULL_HEADER_LEN) else {
        return Decoded::Undecodable(Undecodable::TruncatedLinkHeader);
    };
    let family = loopback_family([head[0], head[1], head[2], head[3]], network_order);
    if family == AF_INET || AF_INET6_VALUES.contains(&family) {
        decode_ip_any(&data[NULL_HEADER_LEN..], 0)
    } else {
        Decoded::NonIp(NonIpKind::AddressFamily(family))
    }
}

/// The address family of a BSD null (`network_order` false: the writer's byte order) or
/// OpenBSD loop (network byte order) header. The writer's byte order is not recorded: a
/// family number is small, so it reads right one way.
pub fn loopback_family(head: [u8; 4], network_order: bool) -> u32 {
    if network_order {
        return u32::from_be_bytes(head);
    }
    let le = u32::from_le_bytes(head);
    if le <= 0xffff {
        le
    } else {
        u32::from_be_bytes(head)
    }
}

/// Whether a loopback family number means IPv6 (24, 28 or 30 on the BSDs and macOS).
pub fn is_loopback_ipv6(family: u32) -> bool {
    AF_INET6_VALUES.contains(&family)
}

/// Walks the IPv6 extension headers etherparse validated (`bytes`, starting with header
/// type `first`) for a fragment header and an authentication header.
///
/// This is a bounds-checked walk of our own: etherparse 0.21's extension iterator reads
/// past the end of its slice when a lax parse stopped at a bad or cut extension header
/// (found by the `decode_frame` fuzz target).
fn walk_ipv6_extensions(
    first: u8,
    mut bytes: &[u8],
    src: AddrBytes,
    dst: AddrBytes,
) -> (Fragment, bool) {
    let mut fragment = Fragment::None;
    let mut ah = false;
    let mut next = first;
    while bytes.len() >= 8 {
        let len = match next {
            ip_proto::IPV6_HOP_BY_HOP | ip_proto::IPV6_ROUTE | ip_proto::IPV6_DEST_OPTIONS => {
                (usize::from(bytes[1]) + 1) * 8
            }
            n if ip_proto::IPV6_GENERIC_EXTENSIONS.contains(&n) => (usize::from(bytes[1]) + 1) * 8,
            ip_proto::IPV6_FRAG => {
                let offset = u16::from_be_bytes([bytes[2], bytes[3]]) >> 3;
                let more = bytes[3] & 0x01 != 0;
                let key = FragmentKey {
                    v6: true,
                    src,
                    dst,
                    proto: bytes[0],
                    id: u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]),
                };
                if offset != 0 {
                    fragment = Fragment::Later(key);
                } else if more {
                    fragment = Fragment::First(key);
                }
                8
            }
            ip_proto::AH => {
                ah = true;
                (usize::from(bytes[1]) + 2) * 4
            }
            _ => break,
        };
        next = bytes[0];
        bytes = bytes.get(len..).unwrap_or(&[]);
    }
    (fragment, ah)
}

/// Slices an IPv4 or IPv6 packet (chosen by the version nibble) down to its transport.
fn decode_ip_any(data: &[u8], depth: usize) -> Decoded {
    let Some(first) = data.first() else {
        return Decoded::Undecodable(Undecodable::TruncatedIpHeader);
    };
    if !matches!(first >> 4, 4 | 6) {
        return Decoded::Undecodable(Undecodable::BadIpVersion);
    }
    let (ip, ext_error) = match LaxIpSlice::from_slice(data) {
        Ok(sliced) => sliced,
        Err(etherparse::err::ip::LaxHeaderSliceError::Len(_)) => {
            return Decoded::Undecodable(Undecodable::TruncatedIpHeader);
        }
        Err(etherparse::err::ip::LaxHeaderSliceError::Content(_)) => {
            return Decoded::Undecodable(Undecodable::MalformedIpHeader);
        }
    };
    let payload = ip.payload();
    let mut proto = payload.ip_number.0;
    let (v6, src, dst, fragment, authenticated) = match &ip {
        LaxIpSlice::Ipv4(v4) => {
            let h = v4.header();
            let total_len = usize::from(h.total_len());
            // A total length shorter than the header is bogus; 0 is left to segmentation
            // offload, where the NIC fills it in after the capture point.
            if total_len != 0 && total_len < usize::from(h.ihl()) * 4 {
                return Decoded::Undecodable(Undecodable::MalformedIpHeader);
            }
            let (src, dst) = (widen(h.source()), widen(h.destination()));
            let offset = h.fragments_offset().value();
            let fragment = if offset == 0 && !h.more_fragments() {
                Fragment::None
            } else {
                let key = FragmentKey {
                    v6: false,
                    src,
                    dst,
                    proto: h.protocol().0,
                    id: u32::from(h.identification()),
                };
                if offset != 0 {
                    Fragment::Later(key)
                } else {
                    Fragment::First(key)
                }
            };
            let ah = v4.extensions().auth.is_some();
            (false, src, dst, fragment, ah)
        }
        LaxIpSlice::Ipv6(v6) => {
            let h = v6.header();
            let exts = v6.extensions();
            let (fragment, ah) = match exts.first_header() {
                Some(first) => {
                    walk_ipv6_extensions(first.0, exts.slice(), h.source(), h.destination())
                }
                None => (Fragment::None, false),
            };
            (true, h.source(), h.destination(), fragment, ah)
        }
    };
    // An extension header that runs past the captured bytes or is invalid: the payload
    // behind it cannot be trusted (etherparse would report the extension's own number as
    // the protocol). A later fragment is exempt: its "extension" is the middle of a
    // payload and its series alone places it.
    if let Some((error, _)) = ext_error {
        if !matches!(fragment, Fragment::Later(_)) {
            return Decoded::Undecodable(match error {
                etherparse::err::ipv6_exts::HeaderSliceError::Len(_) => {
                    Undecodable::TruncatedIpHeader
                }
                etherparse::err::ipv6_exts::HeaderSliceError::Content(_) => {
                    Undecodable::MalformedIpHeader
                }
            });
        }
    }
    // AH authenticates but does not hide its payload; the table matches AH itself
    // (IP protocol 51), so the flow is the AH flow, as with ESP.
    if authenticated {
        proto = ip_proto::AH;
    }
    let bytes = payload.payload;
    let mut summary = IpSummary {
        v6,
        src,
        dst,
        proto,
        ports: None,
        tcp_flags: 0,
        fragment,
        // The address for now; `decode` turns it into an offset into the frame.
        payload_at: bytes.as_ptr() as usize,
        payload_len: bytes.len() as u32,
    };
    if matches!(fragment, Fragment::Later(_)) {
        return Decoded::Ip(summary);
    }
    match proto {
        ip_proto::TCP | ip_proto::UDP | ip_proto::SCTP => {
            if bytes.len() < 4 {
                return Decoded::Undecodable(Undecodable::TruncatedTransport(proto));
            }
            summary.ports = Some((
                u16::from_be_bytes([bytes[0], bytes[1]]),
                u16::from_be_bytes([bytes[2], bytes[3]]),
            ));
            if proto == ip_proto::TCP && bytes.len() > TCP_FLAGS_OFFSET {
                summary.tcp_flags = bytes[TCP_FLAGS_OFFSET];
            }
            // The application payload: after the TCP header (its data offset) or the
            // 8-byte UDP header; none while the header itself is cut off.
            let header = match proto {
                ip_proto::TCP => bytes
                    .get(12)
                    .map_or(usize::MAX, |b| usize::from(b >> 4) * 4),
                ip_proto::UDP => 8,
                _ => 12,
            };
            let rest = bytes.get(header..).unwrap_or(&[]);
            summary.payload_at = rest.as_ptr() as usize;
            summary.payload_len = rest.len() as u32;
        }
        ip_proto::IPV4_IN_IP | ip_proto::IPV6_IN_IP if depth < MAX_TUNNEL_DEPTH => {
            if let Decoded::Ip(mut inner) = decode_ip_any(bytes, depth + 1) {
                // The first fragment of a fragmented tunnel packet: the flow is the inner
                // one, the series is the outer header's, so later fragments find it.
                if inner.fragment == Fragment::None {
                    inner.fragment = fragment;
                }
                return Decoded::Ip(inner);
            }
        }
        _ => {}
    }
    Decoded::Ip(summary)
}

/// An IPv4 address in the 16-byte form flows use (the first four bytes).
pub fn widen(v4: [u8; 4]) -> AddrBytes {
    let mut out = [0u8; 16];
    out[..4].copy_from_slice(&v4);
    out
}

/// Formats an address for output.
pub fn addr_to_string(v6: bool, addr: &AddrBytes) -> String {
    if v6 {
        std::net::Ipv6Addr::from(*addr).to_string()
    } else {
        std::net::Ipv4Addr::new(addr[0], addr[1], addr[2], addr[3]).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use etherparse::PacketBuilder;

    fn tcp_frame(flags_syn: bool) -> Vec<u8> {
        let mut b = PacketBuilder::ethernet2([1; 6], [2; 6])
            .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
            .tcp(50000, 445, 1, 1000);
        if flags_syn {
            b = b.syn();
        }
        let mut out = Vec::new();
        b.write(&mut out, &[0u8; 10]).unwrap();
        out
    }

    #[test]
    fn ethernet_ipv4_tcp() {
        let Decoded::Ip(s) = decode(LinkType::ETHERNET, &tcp_frame(true)) else {
            panic!()
        };
        assert!(!s.v6);
        assert_eq!(&s.src[..4], &[10, 0, 0, 1]);
        assert_eq!(s.proto, ip_proto::TCP);
        assert_eq!(s.ports, Some((50000, 445)));
        assert_eq!(s.tcp_flags & tcp_flags::SYN, tcp_flags::SYN);
        assert_eq!(s.fragment, Fragment::None);
    }

    #[test]
    fn snaplen_truncated_still_yields_ports() {
        let frame = tcp_frame(true);
        // Ethernet + IPv4 + 4 bytes of TCP.
        let Decoded::Ip(s) = decode(LinkType::ETHERNET, &frame[..14 + 20 + 4]) else {
            panic!()
        };
        assert_eq!(s.ports, Some((50000, 445)));
        assert_eq!(s.tcp_flags, 0);
        assert_eq!(
            decode(LinkType::ETHERNET, &frame[..14 + 20 + 2]),
            Decoded::Undecodable(Undecodable::TruncatedTransport(6))
        );
        assert_eq!(
            decode(LinkType::ETHERNET, &frame[..14 + 10]),
            Decoded::Undecodable(Undecodable::TruncatedIpHeader)
        );
        assert_eq!(
            decode(LinkType::ETHERNET, &frame[..10]),
            Decoded::Undecodable(Undecodable::TruncatedLinkHeader)
        );
    }

    #[test]
    fn vlan_qinq_and_mpls_are_peeled() {
        let inner = tcp_frame(false);
        let ip = &inner[14..];
        let mut qinq = inner[..12].to_vec();
        qinq.extend([0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0x00, 0xc8, 0x08, 0x00]);
        qinq.extend(ip);
        assert!(
            matches!(decode(LinkType::ETHERNET, &qinq), Decoded::Ip(s) if s.ports == Some((50000, 445)))
        );
        let mut mpls = inner[..12].to_vec();
        mpls.extend([0x88, 0x47, 0x00, 0x01, 0x00, 0x40, 0x00, 0x02, 0x01, 0x40]);
        mpls.extend(ip);
        assert!(
            matches!(decode(LinkType::ETHERNET, &mpls), Decoded::Ip(s) if s.ports == Some((50000, 445)))
        );
    }

    #[test]
    fn nested_link_headers_are_bounded() {
        // Ethernet with an 802.3 length field, then LLC/SNAP headers whose EtherType is
        // again a length (another LLC header follows), `levels` deep, then IPv4.
        let nested = |levels: usize| {
            let inner = tcp_frame(true);
            let mut frame = inner[..12].to_vec();
            frame.extend([0x01, 0x00]);
            for _ in 1..levels {
                frame.extend([0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00]);
            }
            frame.extend([0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00]);
            frame.extend(&inner[14..]);
            frame
        };
        assert!(matches!(
            decode(LinkType::ETHERNET, &nested(3)),
            Decoded::Ip(s) if s.ports == Some((50000, 445))
        ));
        assert_eq!(
            decode(LinkType::ETHERNET, &nested(MAX_LINK_DEPTH + 4)),
            Decoded::Undecodable(Undecodable::TooDeep)
        );
        // A record of the largest size accepted, all headers: a bounded decode on a small
        // stack, not one call per header.
        let deep = nested(262_144 / 8);
        let decoded = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || decode(LinkType::ETHERNET, &deep))
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(decoded, Decoded::Undecodable(Undecodable::TooDeep));
    }

    #[test]
    fn non_ip_frames() {
        let mut arp = vec![0xff; 12];
        arp.extend([0x08, 0x06]);
        arp.extend([0; 28]);
        assert_eq!(
            decode(LinkType::ETHERNET, &arp),
            Decoded::NonIp(NonIpKind::EtherType(0x0806))
        );
        let mut llc = vec![0x01; 12];
        llc.extend([0x00, 0x26]);
        llc.extend([0x42; 38]);
        assert_eq!(
            decode(LinkType::ETHERNET, &llc),
            Decoded::NonIp(NonIpKind::Llc)
        );
        assert!(NonIpKind::EtherType(0x88cc).describe().starts_with("LLDP"));
    }

    #[test]
    fn cooked_null_and_raw_links() {
        let frame = tcp_frame(false);
        let ip = &frame[14..];
        let mut sll = vec![0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00];
        sll.extend(ip);
        assert!(matches!(decode(LinkType::LINUX_SLL, &sll), Decoded::Ip(_)));
        let mut sll2 = vec![
            0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0,
        ];
        sll2.extend(ip);
        assert!(matches!(
            decode(LinkType::LINUX_SLL2, &sll2),
            Decoded::Ip(_)
        ));
        let mut null = 2u32.to_le_bytes().to_vec();
        null.extend(ip);
        assert!(matches!(decode(LinkType::NULL, &null), Decoded::Ip(_)));
        let mut null_be = 2u32.to_be_bytes().to_vec();
        null_be.extend(ip);
        assert!(matches!(decode(LinkType::NULL, &null_be), Decoded::Ip(_)));
        assert!(matches!(decode(LinkType::LOOP, &null_be), Decoded::Ip(_)));
        assert!(matches!(decode(LinkType::RAW, ip), Decoded::Ip(_)));
        assert!(matches!(decode(LinkType::IPV4, ip), Decoded::Ip(_)));
        let mut ppp = vec![0xff, 0x03, 0x00, 0x21];
        ppp.extend(ip);
        assert!(matches!(decode(LinkType::PPP, &ppp), Decoded::Ip(_)));
        assert_eq!(
            decode(LinkType::PPP, &[0xff, 0x03, 0xc0, 0x21, 1]),
            Decoded::NonIp(NonIpKind::PppProtocol(0xc021))
        );
        let mut hdlc = vec![0x0f, 0x00, 0x08, 0x00];
        hdlc.extend(ip);
        assert!(matches!(decode(LinkType::C_HDLC, &hdlc), Decoded::Ip(_)));
        let mut fr = vec![0x18, 0x41, 0x03, 0xcc];
        fr.extend(ip);
        assert!(matches!(decode(LinkType::FRELAY, &fr), Decoded::Ip(_)));
        let mut pppd = vec![0x00, 0x03, 0x00, 0x21];
        pppd.extend(ip);
        assert!(matches!(decode(LinkType::PPP_PPPD, &pppd), Decoded::Ip(_)));
        let mut pppoe = vec![0x11, 0x00, 0x12, 0x34, 0x00, 0x00, 0x00, 0x21];
        pppoe.extend(ip);
        assert!(matches!(
            decode(LinkType::PPP_ETHER, &pppoe),
            Decoded::Ip(_)
        ));
        // 802.3 frame with LLC/SNAP carrying IPv4.
        let mut snap = vec![0x01; 12];
        snap.extend(((ip.len() + 8) as u16).to_be_bytes());
        snap.extend([0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00]);
        snap.extend(ip);
        assert!(matches!(decode(LinkType::ETHERNET, &snap), Decoded::Ip(_)));
        assert_eq!(
            decode(LinkType(147), ip),
            Decoded::Undecodable(Undecodable::UnsupportedLinkType(LinkType(147)))
        );
    }

    #[test]
    fn ipv4_fragments() {
        let frame = tcp_frame(false);
        let mut first = frame.clone();
        first[14 + 6] = 0x20; // MF
        first[14 + 4..14 + 6].copy_from_slice(&[0x12, 0x34]);
        let Decoded::Ip(s) = decode(LinkType::ETHERNET, &first) else {
            panic!()
        };
        assert!(matches!(s.fragment, Fragment::First(k) if k.id == 0x1234 && k.proto == 6));
        assert_eq!(s.ports, Some((50000, 445)));
        let mut later = first.clone();
        later[14 + 6] = 0x00;
        later[14 + 7] = 0x03; // offset 3 * 8
        let Decoded::Ip(s) = decode(LinkType::ETHERNET, &later) else {
            panic!()
        };
        assert!(matches!(s.fragment, Fragment::Later(k) if k.id == 0x1234));
        assert_eq!(s.ports, None);
    }

    #[test]
    fn ipv6_extension_headers_are_walked() {
        let mut out = Vec::new();
        PacketBuilder::ipv6([1; 16], [2; 16], 64)
            .udp(5353, 53)
            .write(&mut out, &[0; 8])
            .unwrap();
        // Insert a hop-by-hop header (8 bytes) before UDP.
        let mut with_ext = out[..40].to_vec();
        with_ext[6] = 0; // next header: hop-by-hop
        let payload_len = u16::from_be_bytes([out[4], out[5]]) + 8;
        with_ext[4..6].copy_from_slice(&payload_len.to_be_bytes());
        with_ext.extend([17, 0, 1, 4, 0, 0, 0, 0]);
        with_ext.extend(&out[40..]);
        let Decoded::Ip(s) = decode(LinkType::RAW, &with_ext) else {
            panic!()
        };
        assert!(s.v6);
        assert_eq!(s.proto, ip_proto::UDP);
        assert_eq!(s.ports, Some((5353, 53)));
    }

    #[test]
    fn ip_in_ip_is_unwrapped() {
        let frame = tcp_frame(false);
        let inner = &frame[14..];
        let mut outer = Vec::new();
        PacketBuilder::ipv4([192, 0, 2, 1], [192, 0, 2, 2], 64)
            .write(&mut outer, etherparse::IpNumber(4), inner)
            .unwrap();
        let Decoded::Ip(s) = decode(LinkType::RAW, &outer) else {
            panic!()
        };
        assert_eq!(&s.src[..4], &[10, 0, 0, 1]);
        assert_eq!(s.ports, Some((50000, 445)));
    }

    #[test]
    fn garbage_never_panics() {
        for len in 0..64 {
            let data: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            for lt in [0, 1, 12, 101, 108, 113, 228, 229, 276, 999] {
                let _ = decode(LinkType(lt), &data);
            }
        }
    }

    fn ipv4_with(proto: u8, total_len: u16, payload: &[u8]) -> Vec<u8> {
        let mut h = vec![
            0x45, 0, 0, 0, 0, 1, 0, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ];
        h[2..4].copy_from_slice(&total_len.to_be_bytes());
        h.extend(payload);
        h
    }

    #[test]
    fn ah_is_its_own_protocol() {
        // AH (24 bytes: next header ICMP, length field 4) then an ICMP echo.
        let mut ah = vec![1, 4, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1];
        ah.extend([0u8; 12]);
        ah.extend([8, 0, 0, 0, 0, 1, 0, 1]);
        let packet = ipv4_with(51, 20 + ah.len() as u16, &ah);
        let Decoded::Ip(s) = decode(LinkType::RAW, &packet) else {
            panic!()
        };
        assert_eq!((s.proto, s.ports), (51, None));
    }

    #[test]
    fn bad_lengths_are_malformed_or_truncated() {
        let udp = [0x13, 0x88, 0x00, 0x35, 0, 8, 0, 0];
        assert_eq!(
            decode(LinkType::RAW, &ipv4_with(17, 10, &udp)),
            Decoded::Undecodable(Undecodable::MalformedIpHeader)
        );
        // Total length 0 (segmentation offload) still decodes.
        assert!(matches!(
            decode(LinkType::RAW, &ipv4_with(17, 0, &udp)),
            Decoded::Ip(_)
        ));
        // IPv6 hop-by-hop header claiming 768 bytes with 8 present.
        let mut v6 = vec![0x60, 0, 0, 0, 0, 16, 0, 64];
        v6.extend([1; 16]);
        v6.extend([2; 16]);
        v6.extend([17, 95, 0, 0, 0, 0, 0, 0]);
        v6.extend(udp);
        assert_eq!(
            decode(LinkType::RAW, &v6),
            Decoded::Undecodable(Undecodable::TruncatedIpHeader)
        );
    }

    #[test]
    fn cisco_hdlc_labelled_as_ppp() {
        let frame = tcp_frame(false);
        let mut hdlc = vec![0x0f, 0x00, 0x08, 0x00];
        hdlc.extend(&frame[14..]);
        assert!(
            matches!(decode(LinkType::PPP, &hdlc), Decoded::Ip(s) if s.ports == Some((50000, 445)))
        );
    }

    #[test]
    fn fragmented_tunnel_keys_the_outer_series_to_the_inner_flow() {
        let frame = tcp_frame(false);
        let inner = &frame[14..];
        let mut first = ipv4_with(4, 20 + 24, &inner[..24]);
        first[6] = 0x20; // MF
        first[4..6].copy_from_slice(&[0x77, 0x77]);
        let Decoded::Ip(s) = decode(LinkType::RAW, &first) else {
            panic!()
        };
        assert_eq!(s.ports, Some((50000, 445)));
        let Fragment::First(series) = s.fragment else {
            panic!("{:?}", s.fragment)
        };
        assert_eq!(
            (series.proto, series.id, &series.src[..4]),
            (4, 0x7777, &[10, 0, 0, 1][..])
        );
        let mut later = ipv4_with(4, 20 + 8, &inner[24..32]);
        later[4..6].copy_from_slice(&[0x77, 0x77]);
        later[7] = 3; // offset 24 bytes
        let Decoded::Ip(l) = decode(LinkType::RAW, &later) else {
            panic!()
        };
        assert_eq!(l.fragment, Fragment::Later(series));
    }

    #[test]
    fn later_fragment_of_ah_is_a_fragment_not_damage() {
        // IPv4, protocol AH, offset 16 bytes: the payload is the middle of an AH packet.
        let mut later = ipv4_with(51, 20 + 8, &[0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4]);
        later[7] = 2;
        assert!(
            matches!(decode(LinkType::RAW, &later), Decoded::Ip(s) if matches!(s.fragment, Fragment::Later(k) if k.proto == 51))
        );
    }
}
