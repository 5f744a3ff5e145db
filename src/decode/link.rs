//! The link layers: Ethernet and its encapsulations (802.1Q/QinQ, MPLS, PPPoE, LLC/SNAP),
//! Linux SLL/SLL2, PPP, Frame Relay, Cisco HDLC, BSD null/loopback, raw IP, and the
//! 802.11 capture headers (through the `wireless` module), down to the IP packet.

use etherparse::SingleVlanSlice;

use super::ip::decode_ip_any;
use super::numbers::{LinkType, ether};
use super::packet::{Decoded, NonIpKind, Undecodable};
use super::wireless;

const ETHERNET_HEADER_LEN: usize = 14;
const SLL_HEADER_LEN: usize = 16;
const SLL2_HEADER_LEN: usize = 20;
const NULL_HEADER_LEN: usize = 4;
const CISCO_HDLC_HEADER_LEN: usize = 4;
const MPLS_LABEL_LEN: usize = 4;
const PPPOE_HEADER_LEN: usize = 6;
const PPP_PROTO_IPV4: u16 = 0x0021;
const PPP_PROTO_IPV6: u16 = 0x0057;
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
        LinkType::IEEE802_11 => {
            wireless::llc_of_80211(data).map_or_else(|d| d, |llc| decode_llc(llc, 0))
        }
        LinkType::IEEE802_11_RADIOTAP => {
            wireless::llc_of_radiotap(data).map_or_else(|d| d, |llc| decode_llc(llc, 0))
        }
        LinkType::IEEE802_11_PRISM => {
            wireless::llc_of_prism_or_avs(data, false).map_or_else(|d| d, |llc| decode_llc(llc, 0))
        }
        LinkType::IEEE802_11_AVS => {
            wireless::llc_of_prism_or_avs(data, true).map_or_else(|d| d, |llc| decode_llc(llc, 0))
        }
        LinkType::PPI => match wireless::ppi_inner(data) {
            Ok((inner, frame)) => decode(inner, frame),
            Err(answer) => answer,
        },
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::numbers::{ip_proto, tcp_flags};
    use crate::decode::packet::*;
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
