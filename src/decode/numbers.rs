//! The numbers the decoder owns: pcap link types, IP protocol numbers, EtherTypes and TCP
//! flag bits, each a named constant with the registry value (tcpdump.org link types,
//! IANA protocol numbers and EtherTypes, RFC 9293).

use std::fmt;

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
    /// Generic Routing Encapsulation.
    pub const GRE: u8 = 47;
    /// IPsec Encapsulating Security Payload.
    pub const ESP: u8 = 50;
    /// Authentication header.
    pub const AH: u8 = 51;
    /// IPv6 destination options.
    pub const IPV6_DEST_OPTIONS: u8 = 60;
    /// Extension headers with the generic (length + 1) * 8 layout: mobility, HIP, shim6
    /// and the two experimental numbers.
    pub const IPV6_GENERIC_EXTENSIONS: [u8; 5] = [135, 139, 140, 253, 254];
}

/// EtherType values the link peeler knows.
pub(crate) mod ether {
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
    /// PSH.
    pub const PSH: u8 = 0x08;
    /// ACK.
    pub const ACK: u8 = 0x10;
}

/// A link-layer header type as stored in capture files (tcpdump.org LINKTYPE_ values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LinkType(pub u32);

impl LinkType {
    /// BSD loopback: a 4-byte address family in the writer's byte order.
    pub const NULL: LinkType = LinkType(0);
    /// Ethernet II / 802.3.
    pub const ETHERNET: LinkType = LinkType(1);
    /// Raw IP as numbered on some BSDs (DLT_RAW = 12).
    pub const RAW_BSD: LinkType = LinkType(12);
    /// Raw IP as numbered on OpenBSD (DLT_RAW = 14).
    pub const RAW_OPENBSD: LinkType = LinkType(14);
    /// PPP.
    pub const PPP: LinkType = LinkType(9);
    /// Raw IP (LINKTYPE_RAW).
    pub const RAW: LinkType = LinkType(101);
    /// Cisco HDLC.
    pub const C_HDLC: LinkType = LinkType(104);
    /// IEEE 802.11.
    pub const IEEE802_11: LinkType = LinkType(105);
    /// Frame Relay.
    pub const FRELAY: LinkType = LinkType(107);
    /// OpenBSD loopback: the address family in network byte order.
    pub const LOOP: LinkType = LinkType(108);
    /// Linux cooked capture v1.
    pub const LINUX_SLL: LinkType = LinkType(113);
    /// 802.11 with a radiotap header.
    pub const IEEE802_11_RADIOTAP: LinkType = LinkType(127);
    /// Raw IPv4.
    pub const IPV4: LinkType = LinkType(228);
    /// Raw IPv6.
    pub const IPV6: LinkType = LinkType(229);
    /// Linux cooked capture v2.
    pub const LINUX_SLL2: LinkType = LinkType(276);
    /// PPP in HDLC-like framing (RFC 1662).
    pub const PPP_SERIAL: LinkType = LinkType(50);
    /// PPPoE session without the Ethernet header.
    pub const PPP_ETHER: LinkType = LinkType(51);
    /// 802.11 with a Prism monitor-mode header.
    pub const IEEE802_11_PRISM: LinkType = LinkType(119);
    /// 802.11 with an AVS monitor-mode header.
    pub const IEEE802_11_AVS: LinkType = LinkType(163);
    /// PPP as written by pppd (direction byte instead of the address).
    pub const PPP_PPPD: LinkType = LinkType(166);
    /// Per-Packet Information header, then another link type.
    pub const PPI: LinkType = LinkType(192);

    /// Every link type the decoder understands (frames of any other type are counted as
    /// undecodable with the type's name).
    pub const SUPPORTED: [LinkType; 21] = [
        LinkType::NULL,
        LinkType::ETHERNET,
        LinkType::RAW_BSD,
        LinkType::RAW_OPENBSD,
        LinkType::PPP,
        LinkType::RAW,
        LinkType::C_HDLC,
        LinkType::IEEE802_11,
        LinkType::FRELAY,
        LinkType::LOOP,
        LinkType::LINUX_SLL,
        LinkType::IEEE802_11_RADIOTAP,
        LinkType::IPV4,
        LinkType::IPV6,
        LinkType::LINUX_SLL2,
        LinkType::PPP_SERIAL,
        LinkType::PPP_ETHER,
        LinkType::IEEE802_11_PRISM,
        LinkType::IEEE802_11_AVS,
        LinkType::PPP_PPPD,
        LinkType::PPI,
    ];

    /// A short name for reports (`ETHERNET`, `LINUX_SLL`, ... or `LINKTYPE 147`).
    pub fn name(self) -> String {
        let known = match self {
            LinkType::NULL => "NULL",
            LinkType::ETHERNET => "ETHERNET",
            LinkType::PPP => "PPP",
            LinkType::RAW_BSD | LinkType::RAW_OPENBSD | LinkType::RAW => "RAW",
            LinkType::C_HDLC => "C_HDLC",
            LinkType::IEEE802_11 => "IEEE802_11",
            LinkType::FRELAY => "FRELAY",
            LinkType::LOOP => "LOOP",
            LinkType::LINUX_SLL => "LINUX_SLL",
            LinkType::IEEE802_11_RADIOTAP => "IEEE802_11_RADIOTAP",
            LinkType::IPV4 => "IPV4",
            LinkType::IPV6 => "IPV6",
            LinkType::LINUX_SLL2 => "LINUX_SLL2",
            LinkType::PPP_SERIAL => "PPP_HDLC",
            LinkType::PPP_ETHER => "PPP_ETHER",
            LinkType::IEEE802_11_PRISM => "IEEE802_11_PRISM",
            LinkType::IEEE802_11_AVS => "IEEE802_11_AVS",
            LinkType::PPP_PPPD => "PPP_PPPD",
            LinkType::PPI => "PPI",
            _ => return format!("LINKTYPE {}", self.0),
        };
        format!("{known} ({})", self.0)
    }
}

impl fmt::Display for LinkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// A port-carrying transport the table can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Transport {
    /// TCP (IP protocol 6).
    Tcp,
    /// UDP (IP protocol 17).
    Udp,
    /// SCTP (IP protocol 132).
    Sctp,
}

impl Transport {
    /// All transports, in display order.
    pub const ALL: [Transport; 3] = [Transport::Tcp, Transport::Udp, Transport::Sctp];

    /// Lower-case name as used in `445/tcp` and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Udp => "udp",
            Transport::Sctp => "sctp",
        }
    }

    /// The IP protocol number that carries this transport.
    pub fn ip_proto(self) -> u8 {
        match self {
            Transport::Tcp => ip_proto::TCP,
            Transport::Udp => ip_proto::UDP,
            Transport::Sctp => ip_proto::SCTP,
        }
    }

    /// The transport an IP protocol number carries, if it carries ports.
    pub fn from_ip_proto(proto: u8) -> Option<Transport> {
        match proto {
            ip_proto::TCP => Some(Transport::Tcp),
            ip_proto::UDP => Some(Transport::Udp),
            ip_proto::SCTP => Some(Transport::Sctp),
            _ => None,
        }
    }

    /// Parses `tcp`, `udp` or `sctp` (any case).
    pub fn parse(text: &str) -> Option<Transport> {
        match text.to_ascii_lowercase().as_str() {
            "tcp" => Some(Transport::Tcp),
            "udp" => Some(Transport::Udp),
            "sctp" => Some(Transport::Sctp),
            _ => None,
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
