//! Hostile and damaged captures, each built here byte by byte and read by the binary the
//! way a user would: files cut at every offset, lying headers and records, odd pcapng
//! blocks, lying IP headers, looping IPv6 extension chains, ICMP errors quoting garbage.
//! Every case must end in a summary whose lines add up to its totals, or in one clear line.

use std::net::IpAddr;
use std::process::Output;

use wiretally::capture::{FileReader, PacketSource};
use wiretally::summary::Summary;
use wiretally_synth::frames::{icmp_error_ip, proto_ip, udp_ip};

use crate::common::{assert_reconciles, bin, fixture_bytes, parse_summary, stderr, tempdir};

const RAW: u32 = 101;
const ETHERNET: u32 = 1;

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// A UDP datagram from 10.0.0.1 to 10.0.0.2 with the given ports, as a raw IP packet.
fn datagram(sport: u16, dport: u16) -> Vec<u8> {
    udp_ip(ip("10.0.0.1"), ip("10.0.0.2"), sport, dport, b"payload!")
}

/// A classic little-endian microsecond pcap header.
fn pcap_header(snaplen: u32, link: u32) -> Vec<u8> {
    let mut out = 0xa1b2_c3d4u32.to_le_bytes().to_vec();
    out.extend(2u16.to_le_bytes());
    out.extend(4u16.to_le_bytes());
    out.extend(0i32.to_le_bytes());
    out.extend(0u32.to_le_bytes());
    out.extend(snaplen.to_le_bytes());
    out.extend(link.to_le_bytes());
    out
}

/// One pcap record whose header may lie about the lengths.
fn pcap_record(secs: u32, caplen: u32, orig_len: u32, data: &[u8]) -> Vec<u8> {
    let mut out = secs.to_le_bytes().to_vec();
    out.extend(0u32.to_le_bytes());
    out.extend(caplen.to_le_bytes());
    out.extend(orig_len.to_le_bytes());
    out.extend_from_slice(data);
    out
}

/// An honest record.
fn record(secs: u32, data: &[u8]) -> Vec<u8> {
    pcap_record(secs, data.len() as u32, data.len() as u32, data)
}

/// A pcapng block with `total_length` written as given (honest when `None`).
fn block_claiming(block_type: u32, body: &[u8], total_length: Option<u32>) -> Vec<u8> {
    let mut body = body.to_vec();
    while body.len() % 4 != 0 {
        body.push(0);
    }
    let len = total_length.unwrap_or(12 + body.len() as u32);
    let mut out = block_type.to_le_bytes().to_vec();
    out.extend(len.to_le_bytes());
    out.extend(&body);
    out.extend(len.to_le_bytes());
    out
}

fn block(block_type: u32, body: &[u8]) -> Vec<u8> {
    block_claiming(block_type, body, None)
}

fn shb() -> Vec<u8> {
    let mut body = 0x1a2b_3c4du32.to_le_bytes().to_vec();
    body.extend(1u16.to_le_bytes());
    body.extend(0u16.to_le_bytes());
    body.extend((-1i64).to_le_bytes());
    block(0x0a0d_0d0a, &body)
}

fn idb(link: u16) -> Vec<u8> {
    let mut body = link.to_le_bytes().to_vec();
    body.extend(0u16.to_le_bytes());
    body.extend(0u32.to_le_bytes());
    block(1, &body)
}

fn epb(iface: u32, micros: u64, data: &[u8]) -> Vec<u8> {
    let mut body = iface.to_le_bytes().to_vec();
    body.extend(((micros >> 32) as u32).to_le_bytes());
    body.extend((micros as u32).to_le_bytes());
    body.extend((data.len() as u32).to_le_bytes());
    body.extend((data.len() as u32).to_le_bytes());
    body.extend_from_slice(data);
    block(6, &body)
}

/// Writes `bytes` to a file and runs `wiretally read --format json` on it.
fn read_bytes(bytes: &[u8], extra: &[&str]) -> (Output, String) {
    let dir = tempdir();
    let path = dir.path().join("hostile.pcap");
    std::fs::write(&path, bytes).unwrap();
    let out = bin()
        .args(["read", "--format", "json"])
        .args(extra)
        .arg(&path)
        .output()
        .unwrap();
    let name = path.display().to_string();
    (out, name)
}

/// Reads `bytes` expecting success; returns the summary (checked to reconcile) and stderr.
fn summarise(bytes: &[u8], extra: &[&str]) -> (Summary, String, String) {
    let (out, name) = read_bytes(bytes, extra);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let s = parse_summary(&out.stdout);
    assert_reconciles(&s);
    (s, err, name)
}

fn other_reason<'a>(s: &'a Summary, reason: &str) -> Option<&'a wiretally::summary::OtherLine> {
    s.other.iter().find(|o| o.reason == reason)
}

/// Offsets where records (pcap) or blocks (pcapng) end, walking the intact file.
fn boundaries(bytes: &[u8]) -> (usize, Vec<usize>) {
    let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
    if bytes.starts_with(&[0x0a, 0x0d, 0x0d, 0x0a]) {
        let mut ends = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            at += u32_at(at + 4);
            ends.push(at);
        }
        (ends[0], ends)
    } else {
        let mut ends = vec![24];
        let mut at = 24;
        while at < bytes.len() {
            at += 16 + u32_at(at + 8);
            ends.push(at);
        }
        (24, ends)
    }
}

/// Cuts a capture at every byte offset and reads each cut through the library: the file
/// header cut gives a refusal, any other cut gives exactly the packets whose records are
/// whole, and an error naming the offset where the incomplete record or block starts.
fn cut_everywhere(name: &str, packets_before: impl Fn(usize) -> u64) {
    let bytes = fixture_bytes(name);
    let (header_end, ends) = boundaries(&bytes);
    for cut in 0..bytes.len() {
        let reader = FileReader::new(name, Box::new(std::io::Cursor::new(bytes[..cut].to_vec())));
        let Ok(mut reader) = reader else {
            assert!(cut < header_end, "{name} refused at {cut}");
            continue;
        };
        let mut packets = 0;
        let error = loop {
            match reader.next_packet() {
                Ok(Some(_)) => packets += 1,
                Ok(None) => break None,
                Err(e) => break Some(e),
            }
        };
        assert_eq!(packets, packets_before(cut), "{name} cut at {cut}");
        let last_whole = ends
            .iter()
            .copied()
            .filter(|e| *e <= cut)
            .max()
            .unwrap_or(0);
        match error {
            None => assert!(ends.contains(&cut), "{name}: cut at {cut} went unnoticed"),
            Some(e) => {
                assert!(e.is_partial(), "{e}");
                let text = e.to_string();
                assert!(
                    text.contains(&format!("byte offset {last_whole} ")),
                    "{name} cut at {cut}: {text}"
                );
            }
        }
        // And the whole pipeline on the cut: every packet read is counted once.
        assert_eq!(
            wiretally::fuzz_entry::read_capture(&bytes[..cut]),
            packets_before(cut)
        );
    }
}

#[test]
fn pcap_cut_at_every_byte_offset() {
    let bytes = fixture_bytes("conn-states.pcap");
    let (_, ends) = boundaries(&bytes);
    cut_everywhere("conn-states.pcap", |cut| {
        ends.iter().filter(|e| **e <= cut).count().saturating_sub(1) as u64
    });
}

#[test]
fn pcapng_cut_at_every_byte_offset() {
    let bytes = fixture_bytes("two-interfaces.pcapng");
    // Packet blocks (type 6) that end at or before the cut.
    let mut packet_ends = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let kind = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
        at += u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        if kind == 6 {
            packet_ends.push(at);
        }
    }
    cut_everywhere("two-interfaces.pcapng", |cut| {
        packet_ends.iter().filter(|e| **e <= cut).count() as u64
    });
}

#[test]
fn cut_files_warn_with_the_offset_from_the_binary() {
    let bytes = fixture_bytes("conn-states.pcap");
    let (_, ends) = boundaries(&bytes);
    // A sample of cuts through the binary (every offset is covered by the library test).
    for cut in (25..bytes.len()).step_by(211) {
        let (s, err, name) = summarise(&bytes[..cut], &[]);
        let whole = ends.iter().filter(|e| **e <= cut).count() as u64 - 1;
        assert_eq!(s.totals.packets, whole);
        let start = ends.iter().copied().filter(|e| *e <= cut).max().unwrap();
        if start == cut {
            assert!(err.is_empty(), "{err}");
            continue;
        }
        // Inside the 16-byte record header, the header is what is still expected.
        let missing = if cut - start < 16 {
            16 - (cut - start)
        } else {
            ends.iter().find(|e| **e > cut).unwrap() - cut
        };
        let expected = format!(
            "{name}: capture cut off at byte offset {start} inside a record ({missing} more bytes expected); everything before it was counted"
        );
        assert_eq!(err, format!("wiretally: warning: {expected}\n"));
        assert_eq!(s.warnings, vec![expected]);
    }
}

#[test]
fn bad_magic_is_refused_in_one_line() {
    let mut bytes = pcap_header(65535, RAW);
    bytes[..4].copy_from_slice(b"GIF8");
    bytes.extend(record(1, &datagram(1000, 53)));
    let (out, name) = read_bytes(&bytes, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "wiretally: error: {name}: not a pcap or pcapng capture (unknown magic number [47, 49, 46, 38, 02, 00, 04, 00])\n"
        )
    );
}

/// Three datagrams to 53, 88 and 389/udp.
fn three_records() -> Vec<Vec<u8>> {
    [53, 88, 389]
        .iter()
        .map(|port| datagram(40000, *port))
        .collect()
}

#[test]
fn header_snaplen_zero_and_two_to_the_31() {
    for snaplen in [0, 1 << 31, u32::MAX] {
        let mut bytes = pcap_header(snaplen, RAW);
        for r in three_records() {
            bytes.extend(record(1, &r));
        }
        let (s, err, _) = summarise(&bytes, &[]);
        assert!(err.is_empty(), "snaplen {snaplen}: {err}");
        assert_eq!(s.totals.packets, 3);
        assert_eq!(s.services.len(), 3, "snaplen {snaplen}");
    }
}

#[test]
fn caplen_beyond_snaplen_or_orig_len_is_read_and_counts_the_wire_length() {
    let frames = three_records();
    let len = frames[0].len() as u32;
    // caplen above the header's snaplen: read as written (as libpcap and tshark do).
    let mut bytes = pcap_header(20, RAW);
    for r in &frames {
        bytes.extend(record(1, r));
    }
    let (s, _, _) = summarise(&bytes, &[]);
    assert_eq!((s.totals.packets, s.totals.bytes), (3, 3 * u64::from(len)));
    // caplen above orig_len: bytes are the wire length the record claims, as tshark's
    // frame.len (so a cross-check agrees), and the frame still classifies.
    let mut bytes = pcap_header(65535, RAW);
    for r in &frames {
        bytes.extend(pcap_record(1, len, 10, r));
    }
    let (s, _, _) = summarise(&bytes, &[]);
    assert_eq!((s.totals.packets, s.totals.bytes), (3, 30));
    assert_eq!(s.services.len(), 3);
}

#[test]
fn zero_length_records_are_counted_with_their_reason() {
    let mut bytes = pcap_header(65535, ETHERNET);
    bytes.extend(pcap_record(1, 0, 0, &[]));
    bytes.extend(pcap_record(2, 0, 60, &[]));
    let (s, _, _) = summarise(&bytes, &[]);
    assert_eq!((s.totals.packets, s.totals.bytes), (2, 60));
    let line = other_reason(&s, "empty record (no captured bytes)").expect("reason line");
    assert_eq!(line.packets, 2);
}

#[test]
fn timestamps_going_backwards_keep_one_flow() {
    // One conversation whose clock jumps back by hours, then forward again: the same
    // flow throughout (a negative gap is no idle gap), and the time range is min..max.
    let mut bytes = pcap_header(65535, RAW);
    for secs in [50_000u32, 40_000, 10, 50_001, 30_000] {
        bytes.extend(record(secs, &datagram(40000, 53)));
    }
    for expiry in [&[][..], &["--idle-timeout", "2s", "--close-grace", "100ms"]] {
        let (s, _, _) = summarise(&bytes, expiry);
        assert_eq!(s.totals.packets, 5);
        assert_eq!(s.totals.flows, 1, "{expiry:?}");
        assert_eq!(s.totals.first_ts, Some(10.0));
        assert_eq!(s.totals.last_ts, Some(50_001.0));
    }
}

#[test]
fn pcapng_unknown_blocks_are_skipped_and_oversized_ones_reported() {
    let frames = three_records();
    let mut bytes = shb();
    bytes.extend(idb(RAW as u16));
    bytes.extend(epb(0, 1, &frames[0]));
    bytes.extend(block(0x0bad_cafe, b"a block type nobody defined"));
    bytes.extend(block(0x8000_0001, &[0u8; 40])); // local-use block
    bytes.extend(epb(0, 2, &frames[1]));
    let (s, err, _) = summarise(&bytes, &[]);
    assert!(err.is_empty(), "{err}");
    assert_eq!(s.totals.packets, 2);

    // A block claiming nearly 4 GiB: reported as damage at its offset, nothing allocated,
    // everything before it counted.
    let at = bytes.len();
    bytes.extend(block_claiming(6, &[0u8; 32], Some(0xffff_fff0)));
    bytes.extend(epb(0, 3, &frames[2]));
    let (s, err, name) = summarise(&bytes, &[]);
    assert_eq!(s.totals.packets, 2);
    assert!(
        err.starts_with(&format!("wiretally: warning: {name}: "))
            && err.contains(&format!("byte offset {at}")),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);

    // A block length that is not a multiple of 4, or below the 12-byte minimum.
    for bad_len in [13u32, 8] {
        let mut broken = bytes[..at].to_vec();
        broken.extend(block_claiming(6, &[0u8; 32], Some(bad_len)));
        let (s, err, _) = summarise(&broken, &[]);
        assert_eq!(s.totals.packets, 2);
        assert!(
            err.contains(&format!("damaged capture at byte offset {at}")),
            "{err}"
        );
    }
}

#[test]
fn unsupported_link_type_in_the_middle_of_a_pcapng() {
    let frames = three_records();
    let mut bytes = shb();
    bytes.extend(idb(RAW as u16));
    bytes.extend(epb(0, 1, &frames[0]));
    bytes.extend(idb(147)); // LINKTYPE_USER0: nothing we decode
    bytes.extend(epb(1, 2, &[0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0]));
    bytes.extend(epb(0, 3, &frames[1]));
    // A packet naming an interface that was never described.
    bytes.extend(epb(7, 4, &frames[2]));
    let (s, err, _) = summarise(&bytes, &[]);
    assert_eq!(s.totals.packets, 3, "{err}");
    assert_eq!(s.services.len(), 2);
    let line = other_reason(&s, "unsupported link type LINKTYPE 147").expect("named");
    assert_eq!(line.packets, 1);
    assert!(err.contains("interface 7"), "{err}");
}

/// An IPv4 header whose fields can lie, followed by a UDP header to 53.
fn ipv4_lying(ihl: u8, total_len: u16, actual_payload: usize) -> Vec<u8> {
    let mut p = vec![
        0x40 | ihl,
        0,
        0,
        0,
        0,
        1,
        0,
        0,
        64,
        17,
        0,
        0,
        10,
        0,
        0,
        1,
        10,
        0,
        0,
        2,
    ];
    p[2..4].copy_from_slice(&total_len.to_be_bytes());
    let mut udp = vec![0x9c, 0x40, 0, 53, 0, 16, 0, 0];
    udp.resize(actual_payload, 0x41);
    p.extend(udp);
    p
}

#[test]
fn ip_headers_whose_lengths_lie() {
    let cases: [(&str, Vec<u8>, &str); 5] = [
        // Total length far beyond the frame: the frame is what was captured, the ports
        // are there, so the datagram still counts for DNS.
        ("total length 60000", ipv4_lying(5, 60000, 16), "service"),
        (
            "total length below the header",
            ipv4_lying(5, 12, 16),
            "malformed IP header",
        ),
        ("IHL 3", ipv4_lying(3, 36, 16), "malformed IP header"),
        (
            "IHL 15 in a 28-byte packet",
            ipv4_lying(15, 28, 8),
            "IP header cut off (snaplen or damaged frame)",
        ),
        (
            "IPv4 header cut at 10 bytes",
            ipv4_lying(5, 36, 16)[..10].to_vec(),
            "IP header cut off (snaplen or damaged frame)",
        ),
    ];
    for (what, packet, expect) in cases {
        let mut bytes = pcap_header(65535, RAW);
        bytes.extend(record(1, &packet));
        let (s, _, _) = summarise(&bytes, &[]);
        assert_eq!(s.totals.packets, 1, "{what}");
        if expect == "service" {
            assert_eq!(s.services.len(), 1, "{what}");
            assert_eq!(s.services[0].port, Some(53), "{what}");
        } else {
            assert!(other_reason(&s, expect).is_some(), "{what}: {:?}", s.other);
        }
    }
}

/// An IPv6 packet from `extensions` (each a next-header value and its bytes) then UDP to 53.
fn ipv6_with_extensions(first: u8, extensions: &[u8], claimed_payload: u16) -> Vec<u8> {
    let mut p = vec![0x60, 0, 0, 0];
    p.extend(claimed_payload.to_be_bytes());
    p.push(first);
    p.push(64);
    p.extend(
        [0x20, 0x01, 0x0d, 0xb8]
            .iter()
            .chain([0u8; 11].iter())
            .chain([1].iter()),
    );
    p.extend(
        [0x20, 0x01, 0x0d, 0xb8]
            .iter()
            .chain([0u8; 11].iter())
            .chain([2].iter()),
    );
    p.extend_from_slice(extensions);
    p
}

#[test]
fn ipv6_extension_chains_that_loop_or_run_past_the_frame() {
    const DEST_OPTS: u8 = 60;
    let udp = [0x9c, 0x40, 0, 53, 0, 8, 0, 0];
    // 300 destination-options headers, each pointing at the next: a chain that "loops"
    // through one type far longer than any real packet.
    let mut chain = Vec::new();
    for i in 0..300 {
        let next = if i == 299 { 17 } else { DEST_OPTS };
        chain.extend([next, 0, 1, 4, 0, 0, 0, 0]);
    }
    chain.extend(udp);
    // A hop-by-hop header claiming 2 KiB in a short frame.
    let past_end = [DEST_OPTS, 255, 0, 0, 0, 0, 0, 0, 17, 0, 1, 4];
    // A fragment header whose payload claims to be another fragment header, cut short.
    let cut_fragment = [44, 0, 0, 0, 0, 0, 0, 1, 17, 0];
    let packets = [
        ipv6_with_extensions(DEST_OPTS, &chain, chain.len() as u16),
        ipv6_with_extensions(0, &past_end, 2048),
        ipv6_with_extensions(44, &cut_fragment, 10),
    ];
    let mut bytes = pcap_header(65535, RAW);
    for p in &packets {
        bytes.extend(record(1, p));
    }
    let (s, _, _) = summarise(&bytes, &[]);
    assert_eq!(s.totals.packets, 3);
    // The long chain is valid and walked to its end: the datagram is DNS. The other two
    // stop where their bytes do, and are not taken for DNS on bytes they never reached.
    let dns: Vec<(Option<u16>, u64)> = s
        .services
        .iter()
        .map(|l| (l.port, l.counters.packets))
        .collect();
    assert_eq!(dns, vec![(Some(53), 1)]);
    let cut = other_reason(&s, "IP header cut off (snaplen or damaged frame)").expect("cut");
    assert_eq!(cut.packets, 2);
}

#[test]
fn icmp_errors_quoting_garbage() {
    let router = ip("10.9.9.9");
    let host = ip("10.0.0.1");
    let real = datagram(40000, 53);
    let quotes: Vec<Vec<u8>> = vec![
        vec![],                                    // nothing quoted
        vec![0x45, 0, 0],                          // a cut IPv4 header
        vec![0x4f; 40],                            // IHL 15 over 40 bytes
        vec![0x60; 48],                            // IPv6 inside an ICMPv4 error
        (0..64).map(|i| (i * 37) as u8).collect(), // noise
        real[..20].to_vec(),                       // header only, no ports
    ];
    let mut bytes = pcap_header(65535, RAW);
    bytes.extend(record(1, &real));
    for q in &quotes {
        // Destination unreachable (3/3), quoting the garbage.
        let mut message = vec![3, 3, 0, 0, 0, 0, 0, 0];
        message.extend(q);
        bytes.extend(record(2, &proto_ip(router, host, 1, &message)));
    }
    let dns_state = |s: &Summary| {
        let dns = s.services.iter().find(|l| l.port == Some(53)).unwrap();
        assert_eq!(dns.counters.packets, 1);
        dns.connections.clone()
    };
    let (s, _, _) = summarise(&bytes, &[]);
    assert_eq!(s.totals.packets, 1 + quotes.len() as u64);
    let icmp: u64 = s
        .other
        .iter()
        .filter(|o| o.kind == "icmp")
        .map(|o| o.packets)
        .sum();
    assert_eq!(icmp, quotes.len() as u64);
    // No garbage quote is taken for the DNS datagram: it stays merely unanswered.
    let conn = dns_state(&s);
    assert_eq!(
        (conn.unanswered, conn.unreachable.len()),
        (1, 0),
        "{conn:?}"
    );

    // A well-formed error for contrast does reach the flow it quotes.
    bytes.extend(record(3, &icmp_error_ip(router, host, 3, 13, &real)));
    let (s, _, _) = summarise(&bytes, &[]);
    let conn = dns_state(&s);
    assert_eq!(
        conn.unreachable.get("admin_prohibited"),
        Some(&1),
        "{conn:?}"
    );
}

#[test]
fn a_flood_of_distinct_flows_stays_within_the_cap_and_is_all_counted() {
    // Every packet its own flow, random addresses and ports: the flow table is held to
    // --max-flows, the per-line tallies to their bounds, and every flow is still counted.
    let mut bytes = Vec::new();
    wiretally_synth::scatter::write_scatter(
        &mut bytes,
        wiretally_synth::scatter::ScatterOptions {
            flows: 100_000,
            seed: 11,
        },
    )
    .unwrap();
    let (s, err, _) = summarise(&bytes, &["--max-flows", "1000"]);
    assert_eq!((s.totals.packets, s.totals.flows), (100_000, 100_000));
    let counts = s.flow_table.counts;
    assert!(counts.peak_flows <= 1000, "{counts:?}");
    assert!(counts.evicted >= 99_000, "{counts:?}");
    // More failing pairs than the pair tally holds: the report says its lists are
    // approximate.
    let pairs = "distinct failing client -> server pairs (a scan?)";
    assert!(
        s.warnings.iter().any(|w| w.contains(pairs)),
        "{:?}",
        s.warnings
    );
    assert!(err.is_empty(), "{err}");
    // Every flow is a lone SYN or datagram: a failed attempt, one sent to a group
    // address (no attempt at all), or one sent by the side the table calls the server
    // (midstream: its start was not seen).
    let outcomes: u64 = s
        .services
        .iter()
        .map(|l| &l.connections)
        .chain(s.unknown.iter().map(|l| &l.connections))
        .map(|c| c.failed() + c.broadcast + c.midstream)
        .sum();
    assert_eq!(outcomes, 100_000);
    // The failed-connections report covers every failure, though its pair lists are cut.
    let failed: u64 = s.failed.iter().map(|l| l.failed).sum();
    let failures: u64 = s
        .services
        .iter()
        .map(|l| l.connections.failed())
        .chain(s.unknown.iter().map(|l| l.connections.failed()))
        .sum();
    assert_eq!(failed, failures);
    assert!(failed > 50_000, "{failed}");
}
