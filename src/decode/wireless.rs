//! 802.11 frames and the capture headers in front of them (radiotap, PPI, Prism, AVS),
//! down to the LLC/SNAP header that names the EtherType of the payload.

use super::{Decoded, NonIpKind, Undecodable, decode_llc};
use crate::capture::LinkType;

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

const FC_TYPE_MANAGEMENT: u16 = 0;
const FC_TYPE_CONTROL: u16 = 1;
const FC_TYPE_DATA: u16 = 2;
const FC_TO_DS: u16 = 0x0100;
const FC_FROM_DS: u16 = 0x0200;
const FC_PROTECTED: u16 = 0x4000;
const FC_ORDER: u16 = 0x8000;
const SUBTYPE_QOS: u16 = 0x8;
const SUBTYPE_NO_DATA: u16 = 0x4;
const HEADER_LEN: usize = 24;
const ADDR4_LEN: usize = 6;
const QOS_LEN: usize = 2;
const HT_CONTROL_LEN: usize = 4;
const QOS_AMSDU: u8 = 0x80;

/// An 802.11 frame (no capture header in front).
pub fn decode_80211(data: &[u8]) -> Decoded {
    if data.len() < 2 {
        return Decoded::Undecodable(Undecodable::TruncatedLinkHeader);
    }
    let fc = u16::from_le_bytes([data[0], data[1]]);
    let kind = (fc >> 2) & 0x3;
    let subtype = (fc >> 4) & 0xf;
    match kind {
        FC_TYPE_MANAGEMENT => return Decoded::NonIp(NonIpKind::Wlan(WlanKind::Management)),
        FC_TYPE_CONTROL => return Decoded::NonIp(NonIpKind::Wlan(WlanKind::Control)),
        FC_TYPE_DATA => {}
        _ => return Decoded::Undecodable(Undecodable::TruncatedLinkHeader),
    }
    if subtype & SUBTYPE_NO_DATA != 0 {
        return Decoded::NonIp(NonIpKind::Wlan(WlanKind::NullData));
    }
    if fc & FC_PROTECTED != 0 {
        return Decoded::NonIp(NonIpKind::Wlan(WlanKind::Protected));
    }
    let mut len = HEADER_LEN;
    if fc & FC_TO_DS != 0 && fc & FC_FROM_DS != 0 {
        len += ADDR4_LEN;
    }
    let qos = subtype & SUBTYPE_QOS != 0;
    if qos {
        len += QOS_LEN;
        if fc & FC_ORDER != 0 {
            len += HT_CONTROL_LEN;
        }
    }
    if data.len() < len {
        return Decoded::Undecodable(Undecodable::TruncatedLinkHeader);
    }
    if qos
        && data[len
            - QOS_LEN
            - if fc & FC_ORDER != 0 {
                HT_CONTROL_LEN
            } else {
                0
            }]
            & QOS_AMSDU
            != 0
    {
        return Decoded::NonIp(NonIpKind::Wlan(WlanKind::Amsdu));
    }
    decode_llc(&data[len..], 0)
}

/// Radiotap: a little-endian length at bytes 2-3 says where the 802.11 frame starts.
pub fn decode_radiotap(data: &[u8]) -> Decoded {
    if data.len() < 4 {
        return Decoded::Undecodable(Undecodable::TruncatedLinkHeader);
    }
    let len = usize::from(u16::from_le_bytes([data[2], data[3]]));
    match data.get(len..) {
        Some(frame) if len >= 8 => decode_80211(frame),
        _ => Decoded::Undecodable(Undecodable::TruncatedLinkHeader),
    }
}

/// PPI: a little-endian length at bytes 2-3 and the link type of what follows at 4-7.
pub fn decode_ppi(data: &[u8]) -> Decoded {
    if data.len() < 8 {
        return Decoded::Undecodable(Undecodable::TruncatedLinkHeader);
    }
    let len = usize::from(u16::from_le_bytes([data[2], data[3]]));
    let inner = LinkType(u32::from_le_bytes([data[4], data[5], data[6], data[7]]));
    match data.get(len..) {
        Some(frame) if len >= 8 && inner != LinkType::PPI => super::decode(inner, frame),
        _ => Decoded::Undecodable(Undecodable::TruncatedLinkHeader),
    }
}

/// Prism (little-endian message length at 4) and AVS (big-endian header length at 4).
pub fn decode_prism_or_avs(data: &[u8], big_endian: bool) -> Decoded {
    if data.len() < 8 {
        return Decoded::Undecodable(Undecodable::TruncatedLinkHeader);
    }
    let raw = [data[4], data[5], data[6], data[7]];
    let len = if big_endian {
        u32::from_be_bytes(raw)
    } else {
        u32::from_le_bytes(raw)
    } as usize;
    match data.get(len..) {
        Some(frame) if len >= 8 => decode_80211(frame),
        _ => Decoded::Undecodable(Undecodable::TruncatedLinkHeader),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;

    pub(crate) fn data_frame(qos: bool, protected: bool, ip: &[u8]) -> Vec<u8> {
        let subtype: u16 = if qos { 0x8 } else { 0 };
        let mut fc: u16 = (FC_TYPE_DATA << 2) | (subtype << 4) | FC_TO_DS;
        if protected {
            fc |= FC_PROTECTED;
        }
        let mut out = fc.to_le_bytes().to_vec();
        out.extend([0u8; 22]);
        if qos {
            out.extend([0, 0]);
        }
        out.extend([0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00]);
        out.extend(ip);
        out
    }

    fn ip_packet() -> Vec<u8> {
        let mut out = Vec::new();
        etherparse::PacketBuilder::ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
            .udp(5000, 53)
            .write(&mut out, &[0; 4])
            .unwrap();
        out
    }

    #[test]
    fn data_frames_reach_ip() {
        for qos in [false, true] {
            let frame = data_frame(qos, false, &ip_packet());
            assert!(
                matches!(decode(LinkType::IEEE802_11, &frame), Decoded::Ip(s) if s.ports == Some((5000, 53)))
            );
            let mut radiotap = vec![0, 0, 8, 0, 0, 0, 0, 0];
            radiotap.extend(&frame);
            assert!(matches!(
                decode(LinkType::IEEE802_11_RADIOTAP, &radiotap),
                Decoded::Ip(_)
            ));
            let mut ppi = vec![0, 0, 8, 0, 105, 0, 0, 0];
            ppi.extend(&frame);
            assert!(matches!(decode(LinkType::PPI, &ppi), Decoded::Ip(_)));
        }
    }

    #[test]
    fn frames_without_ip() {
        let frame = data_frame(true, true, &ip_packet());
        assert_eq!(
            decode(LinkType::IEEE802_11, &frame),
            Decoded::NonIp(NonIpKind::Wlan(WlanKind::Protected))
        );
        let beacon = [0x80, 0x00, 0, 0];
        assert_eq!(
            decode(LinkType::IEEE802_11, &beacon),
            Decoded::NonIp(NonIpKind::Wlan(WlanKind::Management))
        );
        let ack = [0xd4, 0x00, 0, 0];
        assert_eq!(
            decode(LinkType::IEEE802_11, &ack),
            Decoded::NonIp(NonIpKind::Wlan(WlanKind::Control))
        );
        assert!(matches!(
            decode(LinkType::IEEE802_11_RADIOTAP, &[0, 0, 200, 0, 1]),
            Decoded::Undecodable(_)
        ));
    }
}
