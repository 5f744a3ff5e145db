//! End-to-end tests: run the built `wiretally` binary on the generated fixtures and check
//! exact numbers from its JSON (read back into the library's own types), its other
//! formats, and its errors.

use std::io::{Read, Write};
use std::process::{Output, Stdio};

use wiretally::summary::{ServiceLine, Summary};

use crate::common::{
    bin, fixture, fixture_bytes, ndjson, parse_summary, read_json, run, stderr, tempdir,
};

fn service<'a>(s: &'a Summary, transport: &str, port: u16) -> &'a ServiceLine {
    s.services
        .iter()
        .find(|l| l.transport == transport && l.port == Some(port))
        .unwrap_or_else(|| panic!("no service {port}/{transport} in {:?}", s.services))
}

fn other_packets(s: &Summary, kind: &str) -> u64 {
    s.other
        .iter()
        .filter(|o| o.kind == kind)
        .map(|o| o.packets)
        .sum()
}

/// The small mix: DNS (2 packets) and an SMB session (client sends SYN, ACK, request,
/// FIN, ACK; server sends SYN/ACK, response, FIN).
fn assert_small_mix(s: &Summary, copies: u64) {
    assert_eq!(s.totals.packets, 10 * copies);
    assert_eq!(s.totals.flows, 2 * copies);
    let smb = service(s, "tcp", 445);
    assert_eq!(smb.label, "SMB");
    assert_eq!(smb.match_kind, "exact");
    assert_eq!(
        (
            smb.counters.flows,
            smb.counters.packets_c2s,
            smb.counters.packets_s2c
        ),
        (copies, 5 * copies, 3 * copies)
    );
    let dns = service(s, "udp", 53);
    assert_eq!(
        (
            dns.counters.flows,
            dns.counters.packets_c2s,
            dns.counters.packets_s2c
        ),
        (copies, copies, copies)
    );
}

#[test]
fn every_supported_link_type_decodes_the_small_mix() {
    for name in [
        "link-sll.pcap",
        "link-sll2.pcap",
        "link-raw.pcap",
        "link-ipv4.pcap",
        "link-null.pcap",
        "link-loop.pcap",
        "link-80211-radiotap.pcap",
        "link-ppi.pcap",
        "link-frame-relay.pcap",
        "pcap-ns-bigendian.pcap",
    ] {
        let s = read_json(&[&fixture(name)]);
        assert_small_mix(&s, 1);
        assert!(s.other.is_empty(), "{name}: {:?}", s.other);
    }
}

#[test]
fn link_overhead_is_counted_in_bytes() {
    // Same IP packets; each frame adds its link header to the on-the-wire length.
    let raw = read_json(&[&fixture("link-raw.pcap")]).totals.bytes;
    assert_eq!(
        read_json(&[&fixture("link-null.pcap")]).totals.bytes,
        raw + 10 * 4
    );
    assert_eq!(
        read_json(&[&fixture("link-sll.pcap")]).totals.bytes,
        raw + 10 * 16
    );
    assert_eq!(
        read_json(&[&fixture("link-sll2.pcap")]).totals.bytes,
        raw + 10 * 20
    );
    assert_eq!(
        read_json(&[&fixture("pcap-ns-bigendian.pcap")])
            .totals
            .bytes,
        raw + 10 * 14
    );
}

#[test]
fn unsupported_link_type_is_named_and_counted() {
    let s = read_json(&[&fixture("link-unsupported.pcap")]);
    assert_eq!(s.totals.flows, 0);
    assert_eq!(s.other.len(), 1);
    assert_eq!(s.other[0].kind, "undecodable");
    assert_eq!(s.other[0].packets, 10);
    assert!(
        s.other[0].reason.contains("LINKTYPE 147"),
        "{}",
        s.other[0].reason
    );
}

#[test]
fn vlan_qinq_mpls_pppoe_are_peeled() {
    let s = read_json(&[&fixture("encap-vlan-qinq-mpls-pppoe.pcap")]);
    assert_small_mix(&s, 4);
}

#[test]
fn nanosecond_timestamps_survive() {
    let s = read_json(&[&fixture("pcap-ns-bigendian.pcap")]);
    let first = s.totals.first_ts.unwrap();
    assert!((first - 1_767_603_600.0).abs() < 1e-6, "{first}");
    // JSON seconds are f64 (sub-microsecond digits do not survive), so check the
    // nanoseconds where they are kept: the reader behind `read`.
    use wiretally::capture::{FileReader, PacketSource};
    let mut reader = FileReader::open(&fixture("pcap-ns-bigendian.pcap")).unwrap();
    let p = reader.next_packet().unwrap().unwrap();
    assert_eq!(p.ts_ns, 1_767_603_600_000_000_123);
}

#[test]
fn pcapng_with_two_link_types() {
    let s = read_json(&[&fixture("two-interfaces.pcapng")]);
    assert_small_mix(&s, 2);
}

#[test]
fn fragments_join_their_flow() {
    let s = read_json(&[&fixture("fragments.pcap")]);
    assert_eq!(s.totals.packets, 10);
    assert_eq!(other_packets(&s, "icmp"), 2);
    assert_eq!(s.totals.flows, 2);
    let krb = service(&s, "udp", 88);
    assert_eq!((krb.counters.packets_c2s, krb.counters.packets_s2c), (1, 3));
    let dns = service(&s, "udp", 53);
    assert_eq!((dns.counters.packets_c2s, dns.counters.packets_s2c), (1, 2));
    assert_eq!(other_packets(&s, "fragment_unmatched"), 1);
}

fn flow_records(args: &[&str]) -> Vec<serde_json::Value> {
    let dir = tempdir();
    let path = dir.path().join("flows.ndjson");
    let mut full = vec![
        "read",
        "--format",
        "json",
        "--flows",
        path.to_str().unwrap(),
    ];
    full.extend(args);
    let out = run(&full);
    assert!(out.status.success(), "{}", stderr(&out));
    ndjson(&path)
}

#[test]
fn midflow_capture_takes_the_server_from_the_table() {
    let s = read_json(&[&fixture("midflow.pcap")]);
    let rdp = service(&s, "tcp", 3389);
    assert_eq!(rdp.counters.flows, 1);
    let flows = flow_records(&[&fixture("midflow.pcap")]);
    assert_eq!(flows.len(), 1);
    assert_eq!(flows[0]["server_port"], 3389);
    assert_eq!(flows[0]["client_port"], 50000);
    assert_eq!(flows[0]["server_rule"], "table");
}

#[test]
fn both_ports_known_lower_port_then_first_destination() {
    let flows = flow_records(&[&fixture("both-ports-known.pcap")]);
    let by_rule: Vec<(u64, &str, &str)> = flows
        .iter()
        .map(|f| {
            (
                f["server_port"].as_u64().unwrap(),
                f["server_rule"].as_str().unwrap(),
                f["server"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        by_rule.contains(&(137, "lower_port", "10.40.0.2")),
        "{by_rule:?}"
    );
    assert!(
        by_rule.contains(&(139, "lower_port", "10.40.0.2")),
        "{by_rule:?}"
    );
    assert!(
        by_rule.contains(&(500, "first_destination", "10.40.0.2")),
        "{by_rule:?}"
    );
}

#[test]
fn snaplen_truncated_frames_count_orig_len() {
    let s = read_json(&[&fixture("snaplen96.pcap")]);
    assert_eq!(s.totals.packets, 31);
    assert_eq!(s.totals.flows, 3);
    assert!(s.other.is_empty(), "{:?}", s.other);
    let smb = service(&s, "tcp", 445);
    assert!(
        smb.counters.bytes > 20_000,
        "orig_len, not the 96 captured bytes"
    );

    let tiny = read_json(&[&fixture("snaplen36.pcap")]);
    assert_eq!(tiny.totals.flows, 0);
    assert_eq!(other_packets(&tiny, "undecodable"), 10);
    assert!(
        tiny.other
            .iter()
            .any(|o| o.reason == "TCP header cut off before its ports")
    );
}

#[test]
fn cut_off_file_warns_with_offset_and_keeps_counts() {
    let out = run(&["read", "--format", "json", &fixture("cutoff.pcap")]);
    assert!(out.status.success());
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("warning") && err.contains("byte offset 1295"),
        "{err}"
    );
    let s = parse_summary(&out.stdout);
    assert_eq!(s.totals.packets, 9);
    assert_eq!(s.line_sums(), (9, s.totals.bytes));
    assert!(s.warnings[0].contains("1295"));
}

#[test]
fn non_ip_and_other_ip_protocols() {
    let s = read_json(&[&fixture("non-ip.pcap")]);
    assert_eq!(s.totals.packets, 13);
    let reason = |r: &str| {
        s.other
            .iter()
            .find(|o| o.reason.starts_with(r))
            .map(|o| o.packets)
    };
    assert_eq!(reason("ARP"), Some(3));
    assert_eq!(reason("LLDP"), Some(2));
    assert_eq!(reason("802.3 LLC"), Some(2));
    assert_eq!(other_packets(&s, "icmp"), 2);
    assert_eq!(other_packets(&s, "icmpv6"), 1);
    let ospf = s.unknown.iter().find(|u| u.ip_proto == Some(89)).unwrap();
    assert_eq!((ospf.transport.as_str(), ospf.counters.packets), ("ip", 2));
    assert_eq!(ospf.name.as_deref(), Some("OSPF"));
    assert!(s.unknown.iter().any(|u| u.ip_proto == Some(2)));
}

#[test]
fn ip_in_ip_unwrapped_gre_not() {
    let s = read_json(&[&fixture("tunnels.pcap")]);
    assert_eq!(service(&s, "tcp", 445).counters.packets, 8);
    assert_eq!(service(&s, "udp", 53).counters.packets, 4);
    let krb = service(&s, "udp", 88);
    assert_eq!((krb.counters.flows, krb.counters.packets_s2c), (1, 2));
    assert!(s.other.is_empty(), "{:?}", s.other);
    let gre = s.services.iter().find(|l| l.ip_proto == Some(47)).unwrap();
    assert_eq!(
        (gre.counters.packets, gre.match_kind.as_str()),
        (4, "ip_proto")
    );
}

#[test]
fn demo_capture_exact_numbers() {
    let s = read_json(&[&fixture("demo.pcap")]);
    assert_eq!((s.totals.packets, s.totals.flows), (4405, 479));
    assert_eq!(s.totals.bytes, 3_675_297);
    let smb = service(&s, "tcp", 445);
    assert_eq!(smb.counters.flows, 56);
    let dynamic = s
        .services
        .iter()
        .find(|l| l.port_range == Some([49152, 65535]))
        .expect("RPC dynamic range entry");
    assert_eq!(dynamic.match_kind, "range");
    assert_eq!(dynamic.label, "RPC / Randomly allocated high TCP ports");
    let ports = dynamic.ports.as_ref().unwrap();
    assert_eq!((ports[0].port, ports[0].counters.flows), (49667, 24));
    assert_eq!((ports[1].port, ports[1].counters.flows), (49668, 4));
    let low = s
        .services
        .iter()
        .find(|l| l.port_range == Some([1024, 49151]))
        .unwrap();
    let low_ports: Vec<u16> = low.ports.as_ref().unwrap().iter().map(|p| p.port).collect();
    assert_eq!(low_ports, [8443, 27017]);
    let ssh = s.unknown.iter().find(|u| u.port == Some(22)).unwrap();
    assert_eq!((ssh.transport.as_str(), ssh.counters.flows), ("tcp", 4));
    assert_eq!(ssh.top_servers[0].addr, "10.10.0.50");
    assert!(s.services.iter().any(|l| l.ip_proto == Some(50)));
    assert_eq!(other_packets(&s, "icmp"), 48);
    assert_eq!(other_packets(&s, "non_ip"), 34);
}

#[test]
fn several_files_are_summarised_together() {
    // Same hosts and ports on two link types. With expiry off they are one flow each.
    let (raw, sll) = (fixture("link-raw.pcap"), fixture("link-sll.pcap"));
    let s = read_json(&["--idle-timeout", "off", "--close-grace", "off", &raw, &sll]);
    assert_eq!((s.totals.packets, s.totals.flows), (20, 2));
    let smb = service(&s, "tcp", 445);
    assert_eq!((smb.counters.flows, smb.counters.packets_c2s), (1, 10));
    assert_eq!(s.sources.len(), 2);
    // By default the DNS exchange still joins, but the SMB session closed by FIN in the
    // first file and opened again by a SYN in the second is a new connection on the same
    // ports: two flows, the same packets.
    let s = read_json(&[&raw, &sll]);
    assert_eq!((s.totals.packets, s.totals.flows), (20, 3));
    let smb = service(&s, "tcp", 445);
    assert_eq!((smb.counters.flows, smb.counters.packets_c2s), (2, 10));
    assert_eq!(smb.connections.closed, 2);
}

#[test]
fn reads_standard_input() {
    let mut child = bin()
        .args(["read", "--format", "json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let bytes = fixture_bytes("two-interfaces.pcapng");
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let s = parse_summary(&out.stdout);
    assert_small_mix(&s, 2);
}

/// Runs `wiretally ARGS`, killed after `limit` (a FIFO read twice blocks forever).
fn run_with_deadline(args: &[&str], limit: std::time::Duration) -> Option<Output> {
    let mut child = bin()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Drain both pipes while waiting, so a large report cannot block the child.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let (stdout, stderr) = (stdout.join().unwrap(), stderr.join().unwrap());
    status.map(|status| Output {
        status,
        stdout,
        stderr,
    })
}

#[test]
fn reads_a_fifo_once_from_its_start() {
    // Like `wiretally read <(zcat demo.pcap.gz)`: the path is a pipe that can be read
    // only once. demo.pcap is larger than a pipe's buffer, so the writer is still
    // writing while wiretally reads.
    let dir = tempdir();
    let fifo = dir.path().join("capture.fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let bytes = fixture_bytes("demo.pcap");
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            // Blocks until wiretally opens the FIFO; a reader that goes away early ends
            // the write with an error, which the assertions below report.
            if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&fifo) {
                let _ = f.write_all(&bytes);
            }
        })
    };
    let path = fifo.to_str().unwrap();
    let out = run_with_deadline(
        &["read", "--no-progress", "--format", "json", path],
        std::time::Duration::from_secs(30),
    );
    if out.is_none() {
        // Unblock the writer if it still waits for a reader (a non-blocking open of the
        // read end returns at once).
        use std::os::unix::fs::OpenOptionsExt;
        let _ = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits())
            .open(&fifo);
    }
    writer.join().unwrap();
    let out = out.expect("wiretally read FIFO did not finish: it opened the FIFO twice");
    assert!(out.status.success(), "{}", stderr(&out));
    let from_fifo = parse_summary(&out.stdout);
    let from_file = read_json(&["--no-progress", &fixture("demo.pcap")]);
    assert_eq!(from_fifo.totals, from_file.totals);
    assert_eq!(from_fifo.services, from_file.services);
}

#[test]
fn bpf_filter_applies_per_link_type() {
    let s = read_json(&["-f", "tcp", &fixture("two-interfaces.pcapng")]);
    assert_eq!(s.totals.packets, 16);
    assert_eq!(s.totals.packets_read, 20);
    assert_eq!(s.totals.packets_filtered_out, 4);
    assert_eq!(s.filter.as_deref(), Some("tcp"));
    let dns_only = read_json(&["-f", "udp port 53", &fixture("demo.pcap")]);
    assert_eq!(dns_only.services.len(), 1);
    assert_eq!(dns_only.services[0].label, "DNS");
}

#[test]
fn flows_file_ndjson_and_csv_add_up() {
    let s = read_json(&[&fixture("demo.pcap")]);
    let flows = flow_records(&[&fixture("demo.pcap")]);
    assert_eq!(flows.len() as u64, s.totals.flows);
    let sum = |f: &str| flows.iter().map(|r| r[f].as_u64().unwrap()).sum::<u64>();
    let flow_packets = sum("packets_c2s") + sum("packets_s2c");
    let line_packets: u64 = s.services.iter().map(|l| l.counters.packets).sum::<u64>()
        + s.unknown.iter().map(|l| l.counters.packets).sum::<u64>();
    assert_eq!(flow_packets, line_packets);
    for key in [
        "transport",
        "ip_proto",
        "client",
        "client_port",
        "server",
        "server_port",
        "service",
        "first_ts",
        "last_ts",
    ] {
        assert!(flows[0].get(key).is_some(), "missing {key}");
    }

    let dir = tempdir();
    let path = dir.path().join("flows.csv");
    let out = run(&[
        "read",
        "--flows",
        path.to_str().unwrap(),
        &fixture("demo.pcap"),
    ]);
    assert!(out.status.success());
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let headers = reader.headers().unwrap().clone();
    assert!(headers.iter().any(|h| h == "server_port"));
    assert_eq!(reader.records().count() as u64, s.totals.flows);
}

/// A custom table whose first SMB service name holds "; ", the separator of the joined
/// text form.
const SEMICOLON_TABLE: &str = "port,protocol,application_protocol,service\n\
445,tcp,SMB,\"Server; Workstation\"\n\
445,tcp,SMB,Print Spooler\n\
53,udp,DNS,DNS Server\n";

#[cfg(feature = "parquet")]
#[test]
fn system_services_stay_whole_in_parquet_and_joined_in_ndjson_and_csv() {
    use arrow_array::{Array, ListArray, StringArray, UInt16Array};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    let dir = tempdir();
    let table = dir.path().join("semicolons.csv");
    std::fs::write(&table, SEMICOLON_TABLE).unwrap();
    let table = table.to_str().unwrap();
    let services_by_port = |flows: &str| -> Vec<(u16, Vec<String>)> {
        let path = dir.path().join(flows);
        let out = run(&[
            "read",
            "--table",
            table,
            "--flows",
            path.to_str().unwrap(),
            &fixture("link-raw.pcap"),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let file = std::fs::File::open(&path).unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap();
        let mut rows = Vec::new();
        for batch in reader {
            let batch = batch.unwrap();
            let ports = batch.column_by_name("server_port").unwrap();
            let ports = ports.as_any().downcast_ref::<UInt16Array>().unwrap();
            let lists = batch.column_by_name("system_services").unwrap();
            let lists = lists.as_any().downcast_ref::<ListArray>().unwrap();
            for i in 0..batch.num_rows() {
                let items = lists.value(i);
                let items = items.as_any().downcast_ref::<StringArray>().unwrap();
                let items = (0..items.len()).map(|j| items.value(j).to_string());
                rows.push((ports.value(i), items.collect()));
            }
        }
        rows.sort();
        rows
    };
    assert_eq!(
        services_by_port("flows.parquet"),
        vec![
            (53, vec!["DNS Server".to_string()]),
            (
                445,
                vec![
                    "Server; Workstation".to_string(),
                    "Print Spooler".to_string()
                ]
            ),
        ]
    );
    // NDJSON and CSV keep the joined text they always had.
    let records = flow_records(&["--table", table, &fixture("link-raw.pcap")]);
    let smb = records.iter().find(|r| r["server_port"] == 445).unwrap();
    assert_eq!(smb["system_services"], "Server; Workstation; Print Spooler");
    let csv_path = dir.path().join("flows.csv");
    let out = run(&[
        "read",
        "--table",
        table,
        "--flows",
        csv_path.to_str().unwrap(),
        &fixture("link-raw.pcap"),
    ]);
    assert!(out.status.success());
    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    let column = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "system_services")
        .unwrap();
    let mut joined: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[column].to_string())
        .collect();
    joined.sort();
    assert_eq!(joined, ["DNS Server", "Server; Workstation; Print Spooler"]);
}

#[test]
fn csv_report_rows_add_up() {
    let out = run(&["read", "--format", "csv", &fixture("demo.pcap")]);
    assert!(out.status.success());
    let mut reader = csv::Reader::from_reader(&out.stdout[..]);
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (p, b) = (col("packets"), col("bytes"));
    let mut packets = 0u64;
    let mut bytes = 0u64;
    for row in reader.records() {
        let row = row.unwrap();
        packets += row[p].parse::<u64>().unwrap();
        bytes += row[b].parse::<u64>().unwrap();
    }
    assert_eq!((packets, bytes), (4405, 3_675_297));
}

#[test]
fn text_report_has_its_sections() {
    let out = run(&["read", &fixture("demo.pcap")]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "4,405 packets",
        "SERVICES by bytes",
        "SMB",
        "445/tcp",
        "49152-65535/tcp (range)",
        "UNKNOWN TRAFFIC",
        "22/tcp",
        "RANGE-ONLY PORTS",
        "8443/tcp",
        "OTHER FRAMES",
        "ARP (EtherType 0x0806)",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
}

#[test]
fn closed_pipe_is_quiet() {
    let mut child = bin()
        .args(["read", &fixture("demo.pcap"), &fixture("demo.pcap")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{:?}", out.status);
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
}

fn assert_error(args: &[&str], code: i32, needles: &[&str]) {
    let out = run(args);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
    let err = stderr(&out);
    if code == 1 {
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "one line expected: {err}"
        );
    }
    for n in needles {
        assert!(err.contains(n), "{args:?}: {n:?} not in {err}");
    }
    assert!(!err.contains("panicked"));
}

#[test]
fn bad_input_errors() {
    assert_error(
        &["read", "/nonexistent/x.pcap"],
        1,
        &["/nonexistent/x.pcap", "No such file"],
    );
    assert_error(
        &["read", &fixture("README.md")],
        1,
        &["README.md", "not a pcap or pcapng"],
    );
    assert_error(
        &["read", "-f", "tcp port eleventy", &fixture("demo.pcap")],
        1,
        &["eleventy", "does not compile"],
    );
    assert_error(&["read", &fixture("")], 1, &["is a directory"]);
    let dir = tempdir();
    let empty = dir.path().join("empty.pcap");
    std::fs::write(&empty, b"").unwrap();
    assert_error(
        &["read", empty.to_str().unwrap()],
        1,
        &["empty.pcap", "too short"],
    );
    assert_error(&["read"], 2, &["FILE"]);
    assert_error(&["read", "-", "-"], 2, &["standard input"]);
    assert_error(
        &["read", "--top", "0", &fixture("demo.pcap")],
        2,
        &["--top"],
    );
    assert_error(
        &["read", "--format", "xml", &fixture("demo.pcap")],
        2,
        &["xml"],
    );
    assert_error(
        &[
            "read",
            "--flows",
            "/nonexistent/dir/flows.ndjson",
            &fixture("demo.pcap"),
        ],
        1,
        &["flows file", "/nonexistent/dir/flows.ndjson"],
    );
}

#[test]
fn table_files_good_and_bad() {
    let dir = tempdir();
    let good = dir.path().join("custom.csv");
    std::fs::write(
        &good,
        "port,protocol,application_protocol,service\n8443,tcp,Admin portal,Portal\n2703,UPD,Chat,Agent\n",
    )
    .unwrap();
    let out = run(&["table", "--check", "--table", good.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("line 3") && stderr(&out).contains("UPD"));
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 rows, 2 service entries"));

    // A custom table changes classification: 8443/tcp is now exact.
    let s = read_json(&["--table", good.to_str().unwrap(), &fixture("demo.pcap")]);
    assert_eq!(service(&s, "tcp", 8443).label, "Admin portal");

    let bad = dir.path().join("bad.md");
    std::fs::write(
        &bad,
        "| Port | Protocol | Application protocol | System service name |\n|---|---|---|---|\n| 53 | UDP | DNS | DNS Server |\n| 99999 | TCP | X | Y |\n",
    )
    .unwrap();
    assert_error(
        &["table", "--check", "--table", bad.to_str().unwrap()],
        1,
        &["bad.md", "line 4", "99999"],
    );
    assert_error(
        &[
            "read",
            "--table",
            bad.to_str().unwrap(),
            &fixture("demo.pcap"),
        ],
        1,
        &["bad.md", "line 4"],
    );
}

#[test]
fn lookup_answers_for_the_issue_examples() {
    let out = run(&[
        "lookup",
        "--format",
        "json",
        "445/tcp",
        "50000/tcp",
        "2703/udp",
        "esp",
        "9/udp",
        "1/udp",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["entry"]["label"], "SMB");
    assert_eq!(v[1]["match"], "range");
    assert_eq!(v[1]["entry"]["port"], "49152-65535/tcp");
    assert_eq!(v[2]["entry"]["label"], "SMS Remote Chat");
    assert!(v[2]["notes"][0].as_str().unwrap().contains("UPD"));
    assert_eq!(v[3]["entry"]["label"], "IPsec ESP (IP protocol 50)");
    assert_eq!(v[4]["entry"]["label"], "Discard");
    assert_eq!(v[5]["match"], "none");
    assert_error(&["lookup", "445/xyz"], 2, &["445/xyz"]);
}

#[test]
fn table_command_prints_entries() {
    let out = run(&["table", "--format", "json"]);
    assert!(out.status.success());
    let v: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.len(), 110);
    assert!(v.iter().any(|e| e["port"] == "ip/47"));
}

#[test]
fn interfaces_lists_loopback() {
    let out = run(&["interfaces"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines()
            .any(|l| l.starts_with("lo ") && l.contains("loopback")),
        "{text}"
    );
}

#[test]
fn length_filters_see_the_wire_length() {
    // tshark -Y 'frame.len >= 1000' finds 14 frames in this snaplen-96 capture.
    let s = read_json(&["-f", "greater 1000", &fixture("snaplen96.pcap")]);
    assert_eq!((s.totals.packets, s.totals.packets_read), (14, 31));
}

#[test]
fn filter_that_cannot_apply_to_a_link_type_warns_and_counts() {
    let out = run(&[
        "read",
        "--format",
        "json",
        "-f",
        "tcp",
        &fixture("demo.pcap"),
        &fixture("link-unsupported.pcap"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot be applied to link type LINKTYPE 147"));
    let s = parse_summary(&out.stdout);
    assert_eq!(other_packets(&s, "undecodable"), 10);
    assert!(
        s.warnings
            .iter()
            .any(|w| w.contains("10 frames were counted unfiltered"))
    );
}

#[test]
fn closed_stderr_is_quiet_too() {
    // Warnings go to a closed stderr and the report to a closed stdout: no panic.
    let mut child = bin()
        .args([
            "read",
            &fixture("cutoff.pcap"),
            &fixture("demo.pcap"),
            &fixture("cutoff.pcap"),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
}

/// Expiry settings the thread tests run under: the defaults, settings tight enough to
/// end and evict many flows of the fixtures, and expiry off.
const EXPIRY_SETTINGS: [&[&str]; 3] = [
    &[],
    &[
        "--idle-timeout",
        "1s",
        "--close-grace",
        "100ms",
        "--max-flows",
        "20",
    ],
    &["--idle-timeout", "off", "--close-grace", "off"],
];

/// Runs `read --format json --flows F OPTIONS FILES` with one thread and with two and
/// returns (stdout, flows file) of each.
fn by_threads(options: &[&str], files: &[String]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let dir = tempdir();
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        let flows = dir.path().join(format!("flows-{threads}.ndjson"));
        let mut args = vec!["read", "--format", "json", "--threads", threads, "--flows"];
        args.push(flows.to_str().unwrap());
        args.extend(options);
        args.extend(files.iter().map(String::as_str));
        let out = run(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        outputs.push((out.stdout, std::fs::read(&flows).unwrap()));
    }
    outputs
}

#[test]
fn one_thread_and_two_threads_agree() {
    for name in [
        "demo.pcap",
        "fragments.pcap",
        "two-interfaces.pcapng",
        "tunnels.pcap",
        "conn-states.pcap",
        "rpc-dynamic.pcap",
    ] {
        for expiry in EXPIRY_SETTINGS {
            let outputs = by_threads(expiry, &[fixture(name)]);
            assert_eq!(outputs[0], outputs[1], "{name} {expiry:?}");
        }
    }
}

#[test]
fn several_files_with_one_and_two_threads_agree() {
    // link-raw and link-sll hold the same flows: they must join across the files.
    let files = [
        "link-raw.pcap",
        "demo.pcap",
        "link-sll.pcap",
        "fragments.pcap",
        "cutoff.pcap",
        "tunnels.pcap",
    ];
    let paths: Vec<String> = files.iter().map(|f| fixture(f)).collect();
    // The files stream in order through the two-thread pipeline: it must equal one
    // thread under every expiry setting.
    for expiry in EXPIRY_SETTINGS {
        let outputs = by_threads(expiry, &paths);
        assert_eq!(outputs[0], outputs[1], "{expiry:?}");
        let s = parse_summary(&outputs[0].0);
        assert_eq!(s.line_sums(), (s.totals.packets, s.totals.bytes));
    }
}

/// Runs `read --format json --flows F` on a fixture: the summary and the flow records.
fn summary_and_records(name: &str) -> (Summary, Vec<serde_json::Value>) {
    let dir = tempdir();
    let flows = dir.path().join("flows.ndjson");
    let out = run(&[
        "read",
        "--format",
        "json",
        "--flows",
        flows.to_str().unwrap(),
        &fixture(name),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let s = parse_summary(&out.stdout);
    (s, ndjson(&flows))
}

#[test]
fn every_connection_state_and_icmp_reason() {
    let (s, records) = summary_and_records("conn-states.pcap");
    let state = |transport: &str, port: u64| {
        let r = records
            .iter()
            .find(|r| {
                r["transport"] == transport
                    && r["server_port"] == port
                    && r["client"] != "2001:db8:50::10"
            })
            .unwrap_or_else(|| panic!("{port}/{transport} missing"));
        (
            r["conn_state"].as_str().unwrap().to_string(),
            r["icmp"].as_str().map(str::to_string),
            r["syn_retransmissions"].as_u64().unwrap(),
        )
    };
    let st = |s: &str, icmp: Option<&str>, retrans: u64| {
        (s.to_string(), icmp.map(str::to_string), retrans)
    };
    assert_eq!(state("tcp", 445), st("closed", None, 0));
    assert_eq!(state("tcp", 3389), st("refused_after_connect", None, 0));
    assert_eq!(state("tcp", 5985), st("reset_by_client", None, 0));
    assert_eq!(state("tcp", 139), st("rejected", None, 0));
    assert_eq!(state("tcp", 88), st("unanswered", None, 2));
    assert_eq!(state("tcp", 443), st("handshake_incomplete", None, 0));
    assert_eq!(
        state("tcp", 135),
        st("unreachable", Some("admin_prohibited"), 0)
    );
    assert_eq!(
        state("udp", 161),
        st("unreachable", Some("port_unreachable"), 0)
    );
    assert_eq!(
        state("udp", 123),
        st("unreachable", Some("host_unreachable"), 0)
    );
    assert_eq!(
        state("tcp", 389),
        st("unreachable", Some("ttl_exceeded"), 0)
    );
    assert_eq!(state("udp", 53), st("answered", None, 0));
    assert_eq!(state("udp", 514), st("unanswered", None, 0));
    assert_eq!(state("udp", 137), st("broadcast", None, 0));
    let v6 = records
        .iter()
        .find(|r| r["client"] == "2001:db8:50::10")
        .unwrap();
    assert_eq!(v6["conn_state"], "unreachable");
    assert_eq!(v6["icmp"], "admin_prohibited");
    // Handshake times at the capture point: 1 ms each way in the generator.
    let closed = records
        .iter()
        .find(|r| r["server_port"] == 445 && r["transport"] == "tcp")
        .unwrap();
    assert_eq!(
        (closed["syn_ack_ms"].as_f64(), closed["ack_ms"].as_f64()),
        (Some(1.0), Some(1.0))
    );
    // The ICMP error about a packet never captured is counted, not attached to anything.
    assert_eq!(s.icmp_errors_unmatched, 1);
    // Per-line counters: the unreachable reasons and the broadcast that is no attempt.
    let netbios = service(&s, "udp", 137);
    assert_eq!(
        (netbios.connections.attempts, netbios.connections.broadcast),
        (0, 1)
    );
    let udp_reasons: u64 = s
        .failed
        .iter()
        .flat_map(|f| f.connections.unreachable.values())
        .sum();
    assert_eq!(udp_reasons, 5);
    let smb = service(&s, "tcp", 445);
    assert_eq!(smb.connections.unreachable["admin_prohibited"], 1);
    assert_eq!(smb.connections.closed, 1);
    assert_eq!(s.line_sums(), (s.totals.packets, s.totals.bytes));
}

#[test]
fn focus_options_narrow_the_report_and_keep_the_sums() {
    let dc = fixture("blocked-dc.pcap");
    let failed = read_json(&["--failed", &dc]);
    assert_eq!(failed.totals.flows, 10);
    assert_eq!(failed.focus.as_deref(), Some("--failed"));
    assert_eq!(failed.failed.len(), 4);
    assert!(
        failed
            .services
            .iter()
            .all(|l| l.connections.established == 0)
    );
    let kerberos = read_json(&["--service", "Kerberos", &dc]);
    assert_eq!(kerberos.totals.flows, 6);
    assert!(kerberos.services.iter().all(|l| l.label == "Kerberos"));
    let rpc = read_json(&["--service", "49668/tcp", "--host", "10.60.1.50", &dc]);
    assert_eq!(rpc.totals.flows, 2);
    let elsewhere = read_json(&["--host", "192.168.0.0/16", &dc]);
    assert_eq!(elsewhere.totals.flows, 0);
    for s in [&failed, &kerberos, &rpc, &elsewhere] {
        // read_json() checks that the lines, outside_focus included, add up to the totals.
        assert_eq!(s.totals.packets, 62);
    }
    let out = run(&["read", "--service", "no such service", &dc]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no entry of the table is named 'no such service'"));
    let out = run(&["read", "--host", "10.0.0.0/40", &dc]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("prefix length must be 0-32"));
}

#[test]
fn unknown_ports_get_the_system_services_name_as_a_hint() {
    let s = read_json(&[&fixture("demo.pcap")]);
    let ssh = s
        .unknown
        .iter()
        .find(|u| u.port == Some(22) && u.transport == "tcp")
        .expect("22/tcp is unknown in the demo");
    let services = std::fs::read_to_string("/etc/services").unwrap_or_default();
    let known = wiretally::summary::hints::PortNames::parse(&services)
        .name(6, 22)
        .map(str::to_string);
    // Whatever the machine's /etc/services says (nothing when it has none).
    assert_eq!(ssh.port_name_hint, known);
    if known.is_none() {
        println!("note: no /etc/services entry for 22/tcp here; hint checked as absent");
    }
}

#[test]
fn blocked_domain_controller_names_exactly_the_blocked_ports() {
    let s = read_json(&[&fixture("blocked-dc.pcap")]);
    /// (service, transport, port, range, attempts, unanswered, rejected)
    type Row<'a> = (
        Option<&'a str>,
        &'a str,
        Option<u16>,
        Option<[u16; 2]>,
        u64,
        u64,
        u64,
    );
    let failed: Vec<Row<'_>> = s
        .failed
        .iter()
        .map(|f| {
            (
                f.service.as_deref(),
                f.transport.as_str(),
                f.port,
                f.port_range,
                f.connections.attempts,
                f.connections.unanswered,
                f.connections.rejected,
            )
        })
        .collect();
    assert_eq!(
        failed,
        [
            (Some("Kerberos"), "tcp", Some(88), None, 3, 3, 0),
            (
                Some("RPC / Randomly allocated high TCP ports"),
                "tcp",
                None,
                Some([49152, 65535]),
                2,
                2,
                0
            ),
            (Some("SMB"), "tcp", Some(445), None, 2, 0, 2),
            (Some("Kerberos"), "udp", Some(88), None, 3, 3, 0),
        ]
    );
    // Each failure names the pair, with the SYN retransmissions seen.
    let rpc = &s.failed[1].top_pairs[0];
    assert_eq!(
        (rpc.client.as_str(), rpc.server.as_str(), rpc.server_port),
        ("10.60.1.50", "10.60.0.10", Some(49668))
    );
    assert_eq!((rpc.failed, rpc.syn_retransmissions), (2, 4));
    // What worked is counted as established.
    let established = |transport: &str, port: u16| {
        let l = service(&s, transport, port);
        (l.connections.attempts, l.connections.established)
    };
    assert_eq!(established("udp", 53), (3, 3));
    assert_eq!(established("tcp", 389), (2, 2));
    assert_eq!(established("tcp", 135), (2, 2));
    let text = String::from_utf8(run(&["read", &fixture("blocked-dc.pcap")]).stdout).unwrap();
    assert!(
        text.contains("FAILED CONNECTIONS (most likely blocked first)"),
        "{text}"
    );
    assert!(text.contains("10.60.1.50 -> 10.60.0.10:49668: 2 unanswered, 4 SYN retransmissions"));
    assert!(text.contains("10.60.1.50 -> 10.60.0.10:445: 2 rejected"));
}

#[test]
fn payload_fingerprints_sni_and_mismatches() {
    let (s, records) = summary_and_records("fingerprints.pcap");
    // What each flow's first payloads looked like, in the order the fixture sends them.
    let seen: Vec<(String, u64, String)> = records
        .iter()
        .map(|r| {
            let side = |f: &str| r[f].as_str().unwrap_or("-").to_string();
            // The client's when recognised, else the server's, else whatever was seen.
            let (client, server) = (side("client_payload"), side("server_payload"));
            let looks = match (client.as_str(), server.as_str()) {
                ("unrecognized" | "-", "-") => client,
                ("unrecognized" | "-", _) => server,
                _ => client,
            };
            (
                r["transport"].as_str().unwrap().to_string(),
                r["server_port"].as_u64().unwrap(),
                looks,
            )
        })
        .collect();
    let expect = [
        ("tcp", 443, "tls"),
        ("tcp", 8443, "tls"),
        ("tcp", 80, "http"),
        ("tcp", 8080, "http2"),
        ("tcp", 22, "ssh"),
        ("tcp", 445, "smb2/3"),
        ("tcp", 389, "ldap"),
        ("tcp", 3389, "rdp"),
        ("tcp", 135, "dcerpc"),
        ("tcp", 25, "smtp"),
        ("tcp", 110, "pop3"),
        ("tcp", 143, "imap"),
        ("tcp", 21, "ftp"),
        ("tcp", 700, "unrecognized"),
        ("tcp", 443, "ssh"),
        ("tcp", 3389, "http"),
        ("udp", 53, "dns"),
        ("udp", 88, "kerberos"),
        ("udp", 123, "ntp"),
        ("udp", 443, "quic"),
        ("udp", 40001, "unrecognized"),
        ("udp", 53, "unrecognized"),
    ];
    let mut seen_sorted = seen.clone();
    seen_sorted.sort();
    let mut expect_sorted: Vec<(String, u64, String)> = expect
        .iter()
        .map(|(t, p, l)| (t.to_string(), *p, l.to_string()))
        .collect();
    expect_sorted.sort();
    assert_eq!(seen_sorted, expect_sorted);
    // The SNI of each ClientHello, on its flow and on the range-only port's line.
    let names: Vec<&str> = records
        .iter()
        .filter_map(|r| r["server_name"].as_str())
        .collect();
    assert_eq!(names, ["www.example.net", "portal.example.com"]);
    let rpc = s
        .services
        .iter()
        .find(|l| l.port_range == Some([1024, 49151]))
        .unwrap();
    let p8443 = rpc
        .ports
        .as_ref()
        .unwrap()
        .iter()
        .find(|p| p.port == 8443)
        .unwrap();
    assert_eq!(p8443.looks_like[0].protocol, "tls");
    assert_eq!(p8443.server_names[0].name, "portal.example.com");
    let quic = s.unknown.iter().find(|u| u.port == Some(443)).unwrap();
    assert_eq!(quic.looks_like[0].protocol, "quic");
    // Exactly the three planted mismatches.
    let mut mismatches: Vec<(String, u16, String)> = s
        .mismatches
        .iter()
        .map(|m| (m.transport.to_string(), m.port, m.seen.clone()))
        .collect();
    mismatches.sort();
    assert_eq!(
        mismatches,
        [
            ("tcp".to_string(), 443, "ssh".to_string()),
            ("tcp".to_string(), 3389, "http".to_string()),
            ("udp".to_string(), 53, "unrecognized".to_string()),
        ]
    );
    let text = String::from_utf8(run(&["read", &fixture("fingerprints.pcap")]).stdout).unwrap();
    assert!(
        text.contains("tls (1 of 1 flows), SNI portal.example.com"),
        "{text}"
    );
    assert!(text.contains("PORT/PAYLOAD MISMATCHES"));
    // The demo's well-behaved traffic raises no mismatch.
    assert!(read_json(&[&fixture("demo.pcap")]).mismatches.is_empty());
}

#[test]
fn help_names_every_format_accepted() {
    let help = |args: &[&str]| {
        let out = run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    for command in ["table", "lookup"] {
        let text = help(&[command, "--help"]);
        let format = text
            .split("--format <FORMAT>")
            .nth(1)
            .unwrap_or_else(|| panic!("{command}: no --format in\n{text}"));
        let format = &format[..format.find("\n  -").unwrap_or(format.len())];
        assert!(!format.contains("text or json"), "{command}: {format}");
        for name in ["text", "json", "csv"] {
            assert!(format.contains(name), "{command}: {name} missing: {format}");
        }
        // And csv is accepted there.
        let query: &[&str] = if command == "lookup" {
            &["445/tcp"]
        } else {
            &[]
        };
        let mut args = vec![command, "--format", "csv"];
        args.extend(query);
        assert!(run(&args).status.success(), "{args:?}");
    }
    for command in ["read", "live"] {
        let text = help(&[command, "--help"]);
        let flows = text.split("--flows <FILE>").nth(1).unwrap();
        let flows = &flows[..flows.find("\n  -").unwrap_or(flows.len())];
        assert!(
            flows.contains("Parquet") && flows.contains(".parquet"),
            "{flows}"
        );
    }
}

/// Runs wiretally with `args`, reads one byte of its output and closes the pipe; it must
/// end with status 0 and say nothing. Every output used here is larger than a pipe's
/// buffer (64 KiB), so writing it must meet the closed pipe.
fn assert_ends_quietly_into_a_closed_pipe(args: &[String], first_byte: u8) {
    let mut child = bin()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 1];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The read end is dropped here, before wiretally has written everything.
    let out = child.wait_with_output().unwrap();
    assert_eq!(first, [first_byte], "{args:?}");
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    assert!(out.stderr.is_empty(), "{args:?}: {}", stderr(&out));
}

#[test]
fn json_and_csv_into_a_closed_pipe_end_quietly() {
    // `read --format json | head -1`: serde_json's write errors keep their BrokenPipe kind.
    let mut read: Vec<String> = ["read", "--format", "json", "--top", "1000"]
        .map(String::from)
        .to_vec();
    read.extend(
        [
            "demo.pcap",
            "fingerprints.pcap",
            "conn-states.pcap",
            "rpc-dynamic.pcap",
        ]
        .map(fixture),
    );
    assert_ends_quietly_into_a_closed_pipe(&read, b'{');
    // `lookup --format csv ... | head -1`: the csv crate's errors wrap the BrokenPipe.
    let mut lookup: Vec<String> = ["lookup", "--format", "csv"].map(String::from).to_vec();
    lookup.extend((1..=3000).map(|p| format!("{p}/tcp")));
    assert_ends_quietly_into_a_closed_pipe(&lookup, b'q');
}
