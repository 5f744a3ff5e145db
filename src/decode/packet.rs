//! What decoding a frame yields: an [`IpSummary`] of a flow packet (addresses, protocol,
//! ports, flags, fragment identity), or why the frame is not one ([`NonIpKind`],
//! [`Undecodable`]).

use super::names::{ether_type_name, ip_proto_name};
use super::numbers::LinkType;

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
    /// TCP sequence number, when the captured bytes hold it (0 otherwise): where the
    /// payload goes in its stream, for the reassembly of application messages.
    pub tcp_seq: u32,
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
            tcp_seq: 0,
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

/// Why an 802.11 frame carries no IP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WlanKind {
    /// Management frame (beacon, probe, association, ...).
    Management,
    /// Control frame (ACK, RTS, CTS, block ack, ...).
    Control,
    /// Data frame without payload (null function, QoS null).
    NullData,
    /// Protected (encrypted) data: the payload cannot be read.
    Protected,
    /// Aggregated MSDU, not split here.
    Amsdu,
}

impl WlanKind {
    /// A readable reason.
    pub fn describe(self) -> &'static str {
        match self {
            WlanKind::Management => "802.11 management frame",
            WlanKind::Control => "802.11 control frame",
            WlanKind::NullData => "802.11 data frame without payload",
            WlanKind::Protected => "802.11 protected (encrypted) data",
            WlanKind::Amsdu => "802.11 aggregated MSDU",
        }
    }
}
