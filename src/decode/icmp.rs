//! ICMP and ICMPv6 errors that quote a packet: destination unreachable and time exceeded.
//! The quoted IP header and the first transport bytes name the flow the error is about
//! (RFC 792 and RFC 4443 require at least the IP header plus 8 bytes), so a rejected or
//! filtered connection can be told apart from one that was simply never answered.

use super::ip::decode_ip_any;
use super::packet::{Decoded, IpSummary};

/// Why a router or host refused a packet, from an ICMP error's type and code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IcmpReason {
    /// ICMPv6 (true) or ICMP.
    pub v6: bool,
    /// ICMP type (3 or 11 for ICMP, 1 or 3 for ICMPv6).
    pub icmp_type: u8,
    /// ICMP code.
    pub code: u8,
}

impl IcmpReason {
    /// A short stable name for reports and JSON keys, e.g. `port_unreachable`,
    /// `admin_prohibited`.
    pub fn name(self) -> &'static str {
        match (self.v6, self.icmp_type, self.code) {
            (false, 3, 0) | (false, 3, 6) | (false, 3, 11) => "net_unreachable",
            (false, 3, 1) | (false, 3, 7) | (false, 3, 12) => "host_unreachable",
            (false, 3, 2) => "protocol_unreachable",
            (false, 3, 3) | (true, 1, 4) => "port_unreachable",
            (false, 3, 4) => "fragmentation_needed",
            (false, 3, 9) | (false, 3, 10) | (false, 3, 13) | (true, 1, 1) => "admin_prohibited",
            (true, 1, 0) => "no_route",
            (true, 1, 3) => "address_unreachable",
            (true, 1, 5) | (true, 1, 6) => "policy_reject",
            (false, 11, 0) | (true, 3, 0) => "ttl_exceeded",
            (false, 11, 1) | (true, 3, 1) => "reassembly_time_exceeded",
            (_, 11, _) | (true, 3, _) => "time_exceeded",
            _ => "unreachable",
        }
    }

    /// Whether the reason points at a firewall or policy rather than routing or a host.
    pub fn is_policy(self) -> bool {
        matches!(self.name(), "admin_prohibited" | "policy_reject")
    }
}

/// The packet an ICMP or ICMPv6 error quotes, and the reason, when `message` (the ICMP
/// message, from its type byte on) is a destination-unreachable or time-exceeded error
/// quoting an IP packet of the matching version.
pub fn quoted_flow(v6: bool, message: &[u8]) -> Option<(IpSummary, IcmpReason)> {
    let (&icmp_type, &code) = (message.first()?, message.get(1)?);
    let is_error = if v6 {
        matches!(icmp_type, 1 | 3)
    } else {
        matches!(icmp_type, 3 | 11)
    };
    if !is_error {
        return None;
    }
    let quoted = message.get(8..)?;
    let Decoded::Ip(inner) = decode_ip_any(quoted, 1) else {
        return None;
    };
    // An error quoting an ICMP packet, or a packet of the other IP version, names no flow.
    if inner.v6 != v6 || matches!(inner.proto, 1 | 58) {
        return None;
    }
    Some((
        inner,
        IcmpReason {
            v6,
            icmp_type,
            code,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use etherparse::PacketBuilder;

    fn quoted_udp() -> Vec<u8> {
        let mut ip = Vec::new();
        PacketBuilder::ipv4([10, 0, 0, 5], [10, 0, 0, 9], 64)
            .udp(50000, 53)
            .write(&mut ip, b"query")
            .unwrap();
        ip
    }

    #[test]
    fn port_unreachable_names_the_quoted_flow() {
        let mut message = vec![3, 3, 0, 0, 0, 0, 0, 0];
        message.extend(&quoted_udp()[..28]);
        let (inner, reason) = quoted_flow(false, &message).unwrap();
        assert_eq!(inner.ports, Some((50000, 53)));
        assert_eq!(inner.src[..4], [10, 0, 0, 5]);
        assert_eq!(reason.name(), "port_unreachable");
        assert!(!reason.is_policy());
    }

    #[test]
    fn reasons_have_names() {
        let r = |v6, t, c| {
            IcmpReason {
                v6,
                icmp_type: t,
                code: c,
            }
            .name()
        };
        assert_eq!(r(false, 3, 13), "admin_prohibited");
        assert_eq!(r(false, 3, 10), "admin_prohibited");
        assert_eq!(r(false, 3, 1), "host_unreachable");
        assert_eq!(r(false, 3, 0), "net_unreachable");
        assert_eq!(r(false, 11, 0), "ttl_exceeded");
        assert_eq!(r(true, 1, 1), "admin_prohibited");
        assert_eq!(r(true, 1, 4), "port_unreachable");
        assert_eq!(r(true, 1, 3), "address_unreachable");
        assert_eq!(r(true, 3, 0), "ttl_exceeded");
    }

    #[test]
    fn other_messages_and_garbage_name_no_flow() {
        // Echo request, a quote cut before the ports, garbage, the wrong IP version.
        assert!(quoted_flow(false, &[8, 0, 0, 0, 0, 0, 0, 0]).is_none());
        let mut short = vec![3, 1, 0, 0, 0, 0, 0, 0];
        short.extend(&quoted_udp()[..10]);
        assert!(quoted_flow(false, &short).is_none());
        assert!(quoted_flow(false, &[3, 3, 0, 0, 0, 0, 0, 0, 0xff, 0x13]).is_none());
        let mut wrong = vec![1, 4, 0, 0, 0, 0, 0, 0];
        wrong.extend(quoted_udp());
        assert!(quoted_flow(true, &wrong).is_none());
        for len in 0..40 {
            let mut m = vec![3, 3, 0, 0, 0, 0, 0, 0];
            m.extend(&quoted_udp()[..len.min(33)]);
            let _ = quoted_flow(false, &m);
        }
    }
}
