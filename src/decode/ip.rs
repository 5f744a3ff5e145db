//! The IP layer: IPv4 and IPv6 headers sliced leniently (snaplen-cut headers still yield
//! what they hold), IPv6 extension chains walked over validated bytes, ports and TCP flags
//! read, and IP-in-IP tunnels unwrapped to the inner packet.

use etherparse::LaxIpSlice;

use super::numbers::ip_proto;
use super::packet::{AddrBytes, Decoded, Fragment, FragmentKey, IpSummary, Undecodable, widen};

const TCP_FLAGS_OFFSET: usize = 13;
/// IP-in-IP nesting unwrapped at most.
const MAX_TUNNEL_DEPTH: usize = 4;

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
pub(crate) fn decode_ip_any(data: &[u8], depth: usize) -> Decoded {
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
        tcp_seq: 0,
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
                summary.tcp_seq = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
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
