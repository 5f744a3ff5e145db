//! Endpoint-mapper towers (\[C706\] appendix L, [MS-RPCE] 2.2.1.2): the protocol towers an
//! `ept_map` response returns, each naming an interface and where it listens. The tower
//! octets are always little-endian, whatever the PDU's data representation, so towers are
//! found by their own structure inside the response stub rather than by walking NDR.

use super::pdu::{Context, ndr_uuid};

/// A tower naming an interface reachable over TCP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpTower {
    /// The interface.
    pub interface: Context,
    /// Its TCP port.
    pub port: u16,
    /// The IPv4 address in the tower (0.0.0.0 when the server leaves it out).
    pub ip: [u8; 4],
}

/// Floor protocol identifiers.
const UUID_FLOOR: u8 = 0x0d;
const NCACN: u8 = 0x0b;
const TCP: u8 = 0x07;
const IP: u8 = 0x09;

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

/// Parses a tower at the start of `b`: floor count, then each floor's left side
/// (protocol id and data) and right side. Returns the TCP/IP tower and its length.
fn tower_at(b: &[u8]) -> Option<(TcpTower, usize)> {
    let floors = le16(b, 0)?;
    if !(4..=6).contains(&floors) {
        return None;
    }
    let mut at = 2;
    let mut interface = None;
    let (mut port, mut ip, mut connection_oriented) = (None, [0u8; 4], false);
    for floor in 0..floors {
        let lhs_len = usize::from(le16(b, at)?);
        let lhs = b.get(at + 2..at + 2 + lhs_len)?;
        at += 2 + lhs_len;
        let rhs_len = usize::from(le16(b, at)?);
        let rhs = b.get(at + 2..at + 2 + rhs_len)?;
        at += 2 + rhs_len;
        match (floor, lhs.first().copied()?) {
            (0, UUID_FLOOR) if lhs_len == 19 && rhs_len == 2 => {
                let uuid = ndr_uuid(lhs, 1, true)?;
                interface = Some(Context {
                    uuid,
                    major: u16::from_le_bytes([lhs[17], lhs[18]]),
                    minor: le16(rhs, 0)?,
                });
            }
            (0, _) => return None,
            (1, UUID_FLOOR) => {}
            (1, _) => return None,
            (_, NCACN) => connection_oriented = true,
            (_, TCP) if rhs_len == 2 => port = Some(u16::from_be_bytes([rhs[0], rhs[1]])),
            (_, IP) if rhs_len == 4 => ip.copy_from_slice(rhs),
            _ => {}
        }
    }
    let tower = TcpTower {
        interface: interface?,
        port: port.filter(|p| *p != 0 && connection_oriented)?,
        ip,
    };
    Some((tower, at))
}

/// Every TCP/IP tower inside an `ept_map` response stub (or any byte run holding towers).
pub fn tcp_towers(stub: &[u8]) -> Vec<TcpTower> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 2 < stub.len() {
        match tower_at(&stub[at..]) {
            Some((tower, len)) => {
                out.push(tower);
                at += len;
            }
            None => at += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::rpc::interfaces::parse_uuid;
    use wiretally_synth::dcerpc::{self as write, ept_map_stub};

    #[test]
    fn towers_of_an_ept_map_response_in_both_byte_orders() {
        let drs = Context {
            uuid: parse_uuid("e3514235-4b06-11d1-ab04-00c04fc2dcd2").unwrap(),
            major: 4,
            minor: 0,
        };
        let nrpc = Context {
            uuid: parse_uuid("12345678-1234-abcd-ef00-01234567cffb").unwrap(),
            major: 1,
            minor: 0,
        };
        let towers = [(drs, 49667, [10, 1, 0, 10]), (nrpc, 49668, [0, 0, 0, 0])];
        for le in [true, false] {
            let written: Vec<_> = towers
                .iter()
                .map(|(c, p, ip)| {
                    let c = write::Context {
                        uuid: c.uuid,
                        major: c.major,
                        minor: c.minor,
                    };
                    (c, *p, *ip)
                })
                .collect();
            let stub = ept_map_stub(le, &written);
            let found = tcp_towers(&stub);
            let expect: Vec<TcpTower> = towers
                .iter()
                .map(|(c, p, ip)| TcpTower {
                    interface: *c,
                    port: *p,
                    ip: *ip,
                })
                .collect();
            assert_eq!(found, expect, "le {le}");
            // Cut anywhere: whole towers only.
            for cut in 0..stub.len() {
                let got = tcp_towers(&stub[..cut]);
                assert!(expect.starts_with(&got), "cut {cut}: {got:?}");
            }
        }
    }

    #[test]
    fn noise_yields_no_towers() {
        let mut rng = wiretally_synth::Rng::new(5);
        let mut found = 0;
        for _ in 0..2000 {
            let bytes: Vec<u8> = (0..200).map(|_| rng.next_u64() as u8).collect();
            found += tcp_towers(&bytes).len();
        }
        assert_eq!(found, 0);
    }
}
