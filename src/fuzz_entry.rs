//! Entry points for fuzzing: each takes arbitrary bytes, drives one input path of the
//! library the way the binary does, and panics only when an invariant breaks.
//!
//! The cargo-fuzz targets in `fuzz/` and the property tests in `tests/integration/fuzz_mirror.rs` call
//! these same functions, so what the fuzzer explores is what CI checks on every run.

use std::io::Cursor;
use std::sync::OnceLock;

use crate::capture::{FileReader, LinkType, PacketSource, RawPacket};
use crate::decode::{self, Decoded};
use crate::flow::expiry::Expiry;
use crate::pipeline::{Analyzer, SummaryOptions};
use crate::summary::Summary;
use crate::table::{ServiceTable, Transport};

/// Expiry settings tight enough that flows end, close and get evicted on small inputs.
fn tight_expiry() -> Expiry {
    Expiry {
        idle_timeout_ns: Some(2_000_000_000),
        closed_grace_ns: Some(100_000_000),
        max_flows: Some(8),
    }
}

/// The built-in table, parsed once per process rather than once per input.
fn builtin_table() -> &'static ServiceTable {
    static TABLE: OnceLock<ServiceTable> = OnceLock::new();
    TABLE.get_or_init(ServiceTable::builtin)
}

fn options() -> SummaryOptions {
    SummaryOptions {
        top_hosts: 3,
        sources: vec!["fuzz".to_string()],
        filter: None,
    }
}

/// Checks what every summary must satisfy: the lines add up to the totals.
pub fn assert_reconciles(summary: &Summary, packets: u64) {
    assert_eq!(summary.totals.packets, packets, "every packet is counted");
    assert_eq!(
        summary.line_sums(),
        (summary.totals.packets, summary.totals.bytes),
        "lines add up to the totals"
    );
}

/// Decodes one frame under the link type chosen by `selector` (an index into
/// [`LinkType::SUPPORTED`], or an unsupported type past its end; with its high bit set
/// the frame counts as cut by the snaplen), then runs the same frame through the whole
/// analyzer twice (as two packets of one flow) and checks the summary.
pub fn decode_frame(selector: u8, data: &[u8]) {
    let supported = &LinkType::SUPPORTED;
    let link_type = supported
        .get(selector as usize % (supported.len() + 1))
        .copied()
        .unwrap_or(LinkType(147));
    if let Decoded::Ip(ip) = decode::decode(link_type, data) {
        // The payload the decoder points at lies inside the frame.
        let payload = ip.payload(data);
        assert!(payload.len() <= data.len());
    }
    let mut analyzer = Analyzer::new(builtin_table(), tight_expiry());
    // The high bit of the selector says the frame was cut by the snaplen.
    let orig_len = data.len() as u32 + u32::from(selector >> 7) * 100;
    for ts_ns in [0, 1_000] {
        analyzer.process(&RawPacket {
            ts_ns,
            orig_len,
            link_type,
            data,
        });
    }
    let summary = analyzer.finish(&options()).expect("no sink to fail");
    assert_reconciles(&summary, 2);
}

/// Reads `bytes` as a capture file (pcap or pcapng, any byte order) and summarises every
/// packet it yields before the end or the first damage, as `wiretally read` does.
/// Returns the number of packets read.
pub fn read_capture(bytes: &[u8]) -> u64 {
    let Ok(mut reader) = FileReader::new("fuzz", Box::new(Cursor::new(bytes.to_vec()))) else {
        return 0;
    };
    let mut analyzer = Analyzer::new(builtin_table(), tight_expiry());
    let mut packets = 0u64;
    loop {
        match reader.next_packet() {
            Ok(Some(packet)) => {
                // A record never claims more captured bytes than the file holds.
                assert!(packet.data.len() <= bytes.len());
                analyzer.process(&packet);
                packets += 1;
            }
            Ok(None) => break,
            Err(e) => {
                assert!(
                    e.is_partial(),
                    "after the header, only damage or a cut: {e}"
                );
                break;
            }
        }
        assert!(reader.position() <= bytes.len() as u64);
    }
    let summary = analyzer.finish(&options()).expect("no sink to fail");
    assert_reconciles(&summary, packets);
    packets
}

/// Loads `bytes` as a port table, both as markdown and as CSV; a table that loads answers
/// every port of both transports with an entry it has.
pub fn load_table(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    for table in [
        ServiceTable::from_markdown("fuzz", text),
        ServiceTable::from_csv("fuzz", text),
    ]
    .into_iter()
    .flatten()
    {
        let entries = table.entries().len();
        for transport in [Transport::Tcp, Transport::Udp] {
            for port in 0..=u16::MAX {
                if let Some(index) = table.lookup().port(transport, port).entry() {
                    assert!((index as usize) < entries);
                }
            }
        }
    }
}
