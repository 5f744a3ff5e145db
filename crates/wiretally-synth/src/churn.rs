//! Flow churn for memory measurements: a long stream of short, distinct TCP connections
//! (SYN, SYN/ACK, FIN from the client, FIN from the server), each on its own client
//! address and port, so every connection is a new flow that closes. With expiry on, the
//! flow table should hold only the connections of the last grace period, however many
//! pass through.

use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr};

use super::Frame;
use super::frames::{Link, tcp_ip, wrap};
use super::writer::{PcapOptions, write_pcap_header, write_pcap_record};
use crate::numbers::LinkType;
use crate::numbers::tcp_flags;

/// Server ports the connections go to (Windows services from the table).
const PORTS: [u16; 6] = [445, 88, 389, 135, 3389, 49667];

/// Options for a churn capture.
#[derive(Debug, Clone, Copy)]
pub struct ChurnOptions {
    /// Connections (distinct flows) to write.
    pub flows: u64,
    /// New connections per second of packet time.
    pub per_second: u64,
}

/// The client of connection `i`: a distinct (address, port) for up to 2^32 connections.
fn client_of(i: u64) -> (Ipv4Addr, u16) {
    let host = (i / 16_384) as u32;
    let address = Ipv4Addr::from(0x0a40_0000u32.wrapping_add(host));
    (address, 49_152 + (i % 16_384) as u16)
}

/// Writes `opts.flows` connections of four packets each, 60-byte Ethernet frames.
pub fn write_churn(out: &mut impl Write, opts: ChurnOptions) -> io::Result<()> {
    let pcap = PcapOptions::new(LinkType::ETHERNET);
    write_pcap_header(out, pcap)?;
    let step = 1_000_000_000 / opts.per_second.max(1) as i64;
    let start = super::scenarios::DEMO_START_NS;
    let server = IpAddr::V4(Ipv4Addr::new(10, 1, 0, 10));
    let (client_mac, server_mac) = ([0, 0x15, 0, 0, 0, 1], [0, 0x15, 0, 0, 0, 2]);
    for i in 0..opts.flows {
        let (address, cport) = client_of(i);
        let client = IpAddr::V4(address);
        let sport = PORTS[(i % PORTS.len() as u64) as usize];
        let ts = start + i as i64 * step;
        let fin_ack = tcp_flags::FIN | tcp_flags::ACK;
        let packets = [
            (true, tcp_flags::SYN),
            (false, tcp_flags::SYN | tcp_flags::ACK),
            (true, fin_ack),
            (false, fin_ack),
        ];
        for (n, (to_server, flags)) in packets.into_iter().enumerate() {
            let (ip, src_mac, dst_mac) = if to_server {
                (
                    tcp_ip(client, server, cport, sport, flags, 1, 1, &[]),
                    client_mac,
                    server_mac,
                )
            } else {
                (
                    tcp_ip(server, client, sport, cport, flags, 1, 1, &[]),
                    server_mac,
                    client_mac,
                )
            };
            let frame = Frame {
                // The packets of one connection within its slot of packet time.
                ts_ns: ts + n as i64 * (step / 5).max(1),
                data: wrap(Link::Ethernet, src_mac, dst_mac, &ip),
            };
            write_pcap_record(out, pcap, &frame)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiretally::capture::{FileReader, PacketSource};
    use wiretally::flow::expiry::Expiry;
    use wiretally::pipeline::{Analyzer, SummaryOptions};
    use wiretally::table::ServiceTable;

    #[test]
    fn every_connection_is_a_closed_flow_of_its_own() {
        let mut bytes = Vec::new();
        let opts = ChurnOptions {
            flows: 20_000,
            per_second: 2000,
        };
        write_churn(&mut bytes, opts).unwrap();
        let table = ServiceTable::builtin();
        let options = SummaryOptions {
            top_hosts: 1,
            sources: vec![],
            filter: None,
        };
        let run = |expiry: Expiry| {
            let mut analyzer = Analyzer::new(&table, expiry);
            let mut reader =
                FileReader::new("churn", Box::new(io::Cursor::new(bytes.clone()))).unwrap();
            while let Some(p) = reader.next_packet().unwrap() {
                analyzer.process(&p);
            }
            analyzer.finish(&options).unwrap()
        };
        let one_second_grace = Expiry {
            closed_grace_ns: Some(1_000_000_000),
            ..Expiry::default()
        };
        let s = run(one_second_grace);
        assert_eq!((s.totals.flows, s.totals.packets), (20_000, 80_000));
        assert_eq!(
            s.services.iter().map(|l| l.counters.flows).sum::<u64>(),
            20_000
        );
        // At 2000 connections a second and one second of grace, about 2000 are held at
        // once (at most two grace periods' worth), not all 20,000.
        let counts = s.flow_table.counts;
        assert!(counts.peak_flows <= 4100, "{counts:?}");
        assert!(counts.retired_closed >= 20_000 - 4100, "{counts:?}");
        let kept = run(Expiry::never());
        assert_eq!(kept.flow_table.counts.peak_flows, 20_000);
        assert_eq!(kept.totals.flows, 20_000);
    }
}
