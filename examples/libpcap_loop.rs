//! The bare libpcap read loop: `pcap::Capture::next_packet` over a file, counting packets
//! and bytes and nothing else. The reference point for wiretally's throughput.

use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: libpcap_loop FILE");
        return ExitCode::from(2);
    };
    let mut capture = match pcap::Capture::from_file(&path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("libpcap_loop: {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let start = Instant::now();
    let (mut packets, mut bytes) = (0u64, 0u64);
    loop {
        match capture.next_packet() {
            Ok(p) => {
                packets += 1;
                bytes += u64::from(p.header.len);
            }
            Err(pcap::Error::NoMorePackets) => break,
            Err(e) => {
                eprintln!("libpcap_loop: {path}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{packets} packets, {bytes} bytes, {secs:.3} s, {:.2} Mpps",
        packets as f64 / secs / 1e6
    );
    ExitCode::SUCCESS
}
