//! Large synthetic captures for throughput measurements: a Windows-mix of services over
//! many concurrent flows, streamed to a pcap file without holding it in memory.

use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr};

use super::frames::{Link, tcp_ip, udp_ip, wrap};
use super::writer::{PcapOptions, write_pcap_header, write_pcap_record};
use super::{Frame, Rng};
use crate::numbers::LinkType;
use crate::numbers::tcp_flags;

/// (server port, is TCP, weight, typical payload bytes) of the mix.
const MIX: &[(u16, bool, u32, u16)] = &[
    (445, true, 30, 1400),
    (443, true, 20, 1200),
    (88, true, 4, 900),
    (389, true, 5, 600),
    (135, true, 2, 150),
    (49667, true, 8, 700),
    (3389, true, 6, 1000),
    (5985, true, 3, 1200),
    (8443, true, 3, 1100),
    (22, true, 2, 300),
    (53, false, 8, 120),
    (123, false, 1, 48),
    (137, false, 1, 50),
    (5353, false, 1, 90),
    (3702, false, 1, 600),
];

/// Options for a bulk capture.
#[derive(Debug, Clone, Copy)]
pub struct BulkOptions {
    /// Frames to write.
    pub packets: u64,
    /// Concurrent flows the frames are spread over.
    pub flows: u32,
    /// Snaplen written to the file (records are cut to it; orig_len stays full).
    pub snaplen: u32,
    /// Seed.
    pub seed: u64,
}

struct BulkFlow {
    client: Ipv4Addr,
    server: Ipv4Addr,
    cport: u16,
    sport: u16,
    tcp: bool,
    payload: u16,
    sent: u32,
}

fn new_flow(rng: &mut Rng, index: u32, generation: u32) -> BulkFlow {
    let total: u32 = MIX.iter().map(|m| m.2).sum();
    let mut pick = rng.range(0, u64::from(total) - 1) as u32;
    let &(sport, tcp, _, payload) = MIX
        .iter()
        .find(|m| {
            if pick < m.2 {
                true
            } else {
                pick -= m.2;
                false
            }
        })
        .unwrap_or(&MIX[0]);
    let id = index.wrapping_mul(7).wrapping_add(generation);
    BulkFlow {
        client: Ipv4Addr::new(10, 20 + (id >> 16) as u8 % 200, (id >> 8) as u8, id as u8),
        server: Ipv4Addr::new(10, 1, (sport % 8) as u8, 10 + (index % 40) as u8),
        cport: rng.ephemeral_port(),
        sport,
        tcp,
        payload,
        sent: 0,
    }
}

/// Packets a flow sends before it is replaced: about 20 on a million-packet file (so ~50k
/// flows), about 25 on ten million (~400k flows), as in the throughput targets.
fn lifetime(total_packets: u64, rng: &mut Rng) -> u32 {
    let mean: u64 = if total_packets >= 5_000_000 { 37 } else { 28 };
    (mean / 2 + rng.next_u64() % (mean + 1)) as u32
}

/// Writes `opts.packets` frames: each step picks one of `opts.flows` concurrent flows at
/// random and sends its next packet (handshake first for TCP, then data both ways); a flow
/// that has sent its share is replaced by a new one, so the file holds several times more
/// flows than are concurrent.
pub fn write_bulk(out: &mut impl Write, opts: BulkOptions) -> io::Result<()> {
    let mut rng = Rng::new(opts.seed);
    let pcap = PcapOptions {
        link_type: LinkType::ETHERNET,
        snaplen: opts.snaplen,
        nanos: false,
        big_endian: false,
    };
    write_pcap_header(out, pcap)?;
    let flows = opts.flows.max(1);
    let mut active: Vec<BulkFlow> = (0..flows).map(|i| new_flow(&mut rng, i, 0)).collect();
    let mut generation = 1u32;
    let mut ts: i64 = 1_767_603_600_000_000_000;
    let payload_bytes = vec![0x5au8; 1460];
    for _ in 0..opts.packets {
        let i = rng.range(0, u64::from(flows) - 1) as usize;
        let f = &mut active[i];
        let (c, s) = (IpAddr::V4(f.client), IpAddr::V4(f.server));
        let to_server = f.sent % 3 != 1;
        let len = if f.sent < 3 && f.tcp {
            0
        } else {
            usize::from(f.payload / 2) + (rng.next_u64() % u64::from(f.payload)) as usize
        }
        .min(payload_bytes.len());
        let ip = if f.tcp {
            let flags = match f.sent {
                0 => tcp_flags::SYN,
                1 => tcp_flags::SYN | tcp_flags::ACK,
                _ => tcp_flags::ACK,
            };
            let (src, dst, sp, dp) = if f.sent == 1 || !to_server {
                (s, c, f.sport, f.cport)
            } else {
                (c, s, f.cport, f.sport)
            };
            tcp_ip(
                src,
                dst,
                sp,
                dp,
                flags,
                f.sent,
                f.sent,
                &payload_bytes[..len],
            )
        } else if to_server {
            udp_ip(c, s, f.cport, f.sport, &payload_bytes[..len])
        } else {
            udp_ip(s, c, f.sport, f.cport, &payload_bytes[..len])
        };
        let frame = Frame {
            ts_ns: ts,
            data: wrap(
                Link::Ethernet,
                [0, 0x15, 0, 0, 0, 1],
                [0, 0x15, 0, 0, 0, 2],
                &ip,
            ),
        };
        write_pcap_record(out, pcap, &frame)?;
        ts += 1000 + (rng.next_u64() % 20_000) as i64;
        f.sent += 1;
        if f.sent >= lifetime(opts.packets, &mut rng) {
            active[i] = new_flow(&mut rng, i as u32, generation);
            generation = generation.wrapping_add(1);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiretally::capture::{FileReader, PacketSource};

    #[test]
    fn bulk_capture_reads_back() {
        let mut bytes = Vec::new();
        let opts = BulkOptions {
            packets: 500,
            flows: 20,
            snaplen: 96,
            seed: 1,
        };
        write_bulk(&mut bytes, opts).unwrap();
        let mut r = FileReader::new("bulk", Box::new(io::Cursor::new(bytes))).unwrap();
        let mut n = 0;
        while let Some(p) = r.next_packet().unwrap() {
            assert!(p.data.len() <= 96);
            n += 1;
        }
        assert_eq!(n, 500);
    }
}
