//! Distinct flows at random, for the bounded-memory check: every packet has a random
//! IPv4 source and destination, random ports and TCP or UDP, so every packet is a flow
//! of its own and nothing ever closes or goes idle within the capture. Only `--max-flows`
//! can keep the flow table small.

use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr};

use super::frames::{Link, tcp_ip, udp_ip, wrap};
use super::writer::{PcapOptions, write_pcap_header, write_pcap_record};
use super::{Frame, Rng};
use crate::numbers::LinkType;
use crate::numbers::tcp_flags;

/// Options for a scatter capture.
#[derive(Debug, Clone, Copy)]
pub struct ScatterOptions {
    /// Packets, each its own flow.
    pub flows: u64,
    /// Seed of the address and port choices.
    pub seed: u64,
}

/// Writes `opts.flows` one-packet flows, a microsecond apart (ten million span ten
/// seconds, well inside the default idle timeout).
pub fn write_scatter(out: &mut impl Write, opts: ScatterOptions) -> io::Result<()> {
    let pcap = PcapOptions::new(LinkType::ETHERNET);
    write_pcap_header(out, pcap)?;
    let mut rng = Rng::new(opts.seed);
    let start = super::scenarios::DEMO_START_NS;
    let (a_mac, b_mac) = ([0, 0x15, 0, 0, 0, 1], [0, 0x15, 0, 0, 0, 2]);
    for i in 0..opts.flows {
        let bits = rng.next_u64();
        let src = IpAddr::V4(Ipv4Addr::from(bits as u32));
        let dst = IpAddr::V4(Ipv4Addr::from((bits >> 32) as u32));
        let ports = rng.next_u64();
        let (sport, dport) = (ports as u16, (ports >> 16) as u16);
        let ip = if ports >> 32 & 1 == 0 {
            tcp_ip(src, dst, sport, dport, tcp_flags::SYN, 1, 0, &[])
        } else {
            udp_ip(src, dst, sport, dport, &[0; 8])
        };
        let frame = Frame {
            ts_ns: start + i as i64 * 1_000,
            data: wrap(Link::Ethernet, a_mac, b_mac, &ip),
        };
        write_pcap_record(out, pcap, &frame)?;
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
    fn every_packet_is_a_flow_and_the_cap_holds() {
        let mut bytes = Vec::new();
        write_scatter(
            &mut bytes,
            ScatterOptions {
                flows: 5000,
                seed: 3,
            },
        )
        .unwrap();
        let table = ServiceTable::builtin();
        let expiry = Expiry {
            max_flows: Some(256),
            ..Expiry::default()
        };
        let mut analyzer = Analyzer::new(&table, expiry);
        let mut reader = FileReader::new("scatter", Box::new(io::Cursor::new(bytes))).unwrap();
        while let Some(p) = reader.next_packet().unwrap() {
            analyzer.process(&p);
        }
        let s = analyzer
            .finish(&SummaryOptions {
                top_hosts: 3,
                sources: vec![],
                filter: None,
            })
            .unwrap();
        assert_eq!((s.totals.packets, s.totals.flows), (5000, 5000));
        let counts = s.flow_table.counts;
        assert!(counts.peak_flows <= 256, "{counts:?}");
        // Nothing goes idle or closes: all but the last table's worth were evicted.
        assert_eq!((counts.expired_idle, counts.retired_closed), (0, 0));
        assert!((5000 - 256..5000).contains(&counts.evicted), "{counts:?}");
    }
}
