//! Live capture for real: `wiretally live` on `lo`, and on one end of a veth pair whose
//! other end sits in a network namespace the test creates. The test sends its own traffic
//! (only to loopback and to its namespace) and checks services, flows and packets.
//!
//! Needs root (CI runs as root); without it the tests say so and skip (a failure under CI,
//! see `common::skip`). The capture filter
//! keeps only packets whose number is certain (UDP datagrams and TCP SYNs), and `-c` ends
//! the capture after exactly those, so no test depends on timing.
//!
//! A binary of its own, not a module of `tests/integration/`: these tests need the
//! machine (root, network namespaces, veth pairs, `ip`), so they are run, and their
//! failures read, apart from the tests of the code; `cargo test --test integration`
//! passes on any machine while `cargo test --test live` is the one that needs root. They
//! share that binary's helpers (`tests/integration/common.rs`), not copies.

#[path = "integration/common.rs"]
mod common;

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{bin, is_root, parse_summary, skip, stderr, tempdir};
use wiretally::summary::Summary;

/// Only the test's own packets: datagrams from its sender port and SYNs to or from its
/// two TCP ports, between the given addresses.
fn filter(peer: &str) -> String {
    format!(
        "host {peer} and ((udp and port 60123) or (tcp[tcpflags] & tcp-syn != 0 and (port 445 or port 3389)))"
    )
}

/// Starts a capture and waits until it reports that it is capturing.
fn start_capture(interface: &str, peer: &str, count: u32) -> Child {
    start_capture_with(interface, peer, count, "1h")
}

fn start_capture_with(interface: &str, peer: &str, count: u32, interval: &str) -> Child {
    let count = count.to_string();
    let filter = filter(peer);
    spawn_live(&[
        "-i",
        interface,
        "-f",
        &filter,
        "-c",
        &count,
        "--format",
        "json",
        "--interval",
        interval,
        "--duration",
        "60s",
    ])
}

/// Starts `wiretally live ARGS` and waits until it reports that it is capturing.
fn spawn_live(args: &[&str]) -> Child {
    let mut child = bin()
        .arg("live")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wiretally runs");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(
        line.contains("capturing on"),
        "capture did not start: {line}"
    );
    child
}

/// Waits for the capture to end and returns its final summary (the last stdout line).
fn finish_capture(mut child: Child) -> Summary {
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}: {stdout}");
    let last = stdout.lines().last().expect("a final summary line");
    parse_summary(last.as_bytes())
}

fn send_udp(from: SocketAddr, to_ip: &str, ports: &[u16]) {
    let socket = UdpSocket::bind(from).expect("bind the UDP sender");
    for port in ports {
        socket
            .send_to(b"wiretally live test", (to_ip, *port))
            .expect("send");
    }
}

fn check(summary: &Summary, expect_tcp_packets: u64) {
    let service = |port: u16, transport: &str| {
        summary
            .services
            .iter()
            .find(|s| s.port == Some(port) && s.transport == transport)
            .unwrap_or_else(|| panic!("{port}/{transport} missing: {:?}", summary.services))
    };
    for port in [445, 3389] {
        let s = service(port, "tcp");
        assert_eq!(
            (s.counters.flows, s.counters.packets),
            (1, expect_tcp_packets),
            "{port}/tcp"
        );
        assert_eq!(s.counters.packets_c2s, 1, "the SYN goes client to server");
    }
    for port in [53, 123, 137] {
        let s = service(port, "udp");
        assert_eq!(
            (s.counters.flows, s.counters.packets_c2s),
            (1, 1),
            "{port}/udp"
        );
    }
    let unknown = summary
        .unknown
        .iter()
        .find(|u| u.port == Some(40999))
        .expect("40999/udp unknown");
    assert_eq!(
        (unknown.transport.as_str(), unknown.counters.packets),
        ("udp", 1)
    );
    assert_eq!(
        summary.line_sums(),
        (summary.totals.packets, summary.totals.bytes)
    );
    let stats = summary
        .capture_stats
        .expect("libpcap counters in the live report");
    assert!(stats.received >= summary.totals.packets);
}

#[test]
fn captures_on_loopback() {
    if !is_root() {
        return skip("live capture on lo: needs root (CI runs as root)");
    }
    let listeners: Vec<TcpListener> = [445, 3389]
        .iter()
        .map(|p| {
            TcpListener::bind(("127.0.0.1", *p))
                .unwrap_or_else(|e| panic!("bind 127.0.0.1:{p}: {e}"))
        })
        .collect();
    // Two TCP connections (SYN + SYN/ACK each) and four datagrams.
    let child = start_capture("lo", "127.0.0.1", 8);
    for p in [445, 3389] {
        let _ = TcpStream::connect_timeout(
            &SocketAddr::from(([127, 0, 0, 1], p)),
            Duration::from_secs(5),
        )
        .expect("connect");
    }
    send_udp(
        "127.0.0.1:60123".parse().unwrap(),
        "127.0.0.1",
        &[53, 123, 137, 40999],
    );
    let summary = finish_capture(child);
    drop(listeners);
    check(&summary, 2);
    assert_eq!(summary.totals.packets, 8);
}

/// A network namespace with a veth pair, removed when dropped.
struct Namespace {
    name: String,
    host_if: String,
    /// Host side address (10.213.TAG.1); the namespace side is 10.213.TAG.2.
    host_ip: String,
    peer_ip: String,
}

impl Namespace {
    /// A namespace and veth pair unique to this process and `tag` (tests run in parallel).
    fn create(tag: u8) -> Option<Namespace> {
        let id = std::process::id() % 100_000;
        let ns = Namespace {
            name: format!("wt-test-{id}-{tag}"),
            host_if: format!("wth{tag}{id}"),
            host_ip: format!("10.213.{tag}.1"),
            peer_ip: format!("10.213.{tag}.2"),
        };
        let peer = format!("wtn{tag}{id}");
        let steps: Vec<Vec<String>> = vec![
            vec!["netns".into(), "add".into(), ns.name.clone()],
            vec![
                "link".into(),
                "add".into(),
                ns.host_if.clone(),
                "type".into(),
                "veth".into(),
                "peer".into(),
                "name".into(),
                peer.clone(),
            ],
            vec![
                "link".into(),
                "set".into(),
                peer.clone(),
                "netns".into(),
                ns.name.clone(),
            ],
            vec![
                "addr".into(),
                "add".into(),
                format!("{}/30", ns.host_ip),
                "dev".into(),
                ns.host_if.clone(),
            ],
            vec!["link".into(), "set".into(), ns.host_if.clone(), "up".into()],
            vec![
                "-n".into(),
                ns.name.clone(),
                "addr".into(),
                "add".into(),
                format!("{}/30", ns.peer_ip),
                "dev".into(),
                peer.clone(),
            ],
            vec![
                "-n".into(),
                ns.name.clone(),
                "link".into(),
                "set".into(),
                peer,
                "up".into(),
            ],
            vec![
                "-n".into(),
                ns.name.clone(),
                "link".into(),
                "set".into(),
                "lo".into(),
                "up".into(),
            ],
        ];
        for step in steps {
            let ok = Command::new("ip")
                .args(&step)
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                skip(&format!("veth capture: `ip {}` failed", step.join(" ")));
                return None;
            }
        }
        Some(ns)
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        // The link may already be gone (a test removes it); say nothing then.
        for args in [["link", "del", &self.host_if], ["netns", "del", &self.name]] {
            let _ = Command::new("ip").args(args).stderr(Stdio::null()).status();
        }
    }
}

#[test]
fn captures_on_a_veth_into_a_namespace() {
    if !is_root() {
        return skip("veth capture: needs root (CI runs as root)");
    }
    if !common::available("ip", "-V") {
        return skip("veth capture: iproute2 (`ip`) is not installed");
    }
    let Some(ns) = Namespace::create(1) else {
        return;
    };
    // Nothing listens in the namespace: each TCP SYN is answered by a RST (not captured:
    // the filter keeps SYNs), each datagram by an ICMP error (not UDP, not captured).
    let child = start_capture(&ns.host_if, &ns.peer_ip, 6);
    for p in [445, 3389] {
        let peer: std::net::IpAddr = ns.peer_ip.parse().unwrap();
        let _ = TcpStream::connect_timeout(&SocketAddr::new(peer, p), Duration::from_secs(5));
    }
    send_udp(
        format!("{}:60123", ns.host_ip).parse().unwrap(),
        &ns.peer_ip,
        &[53, 123, 137, 40999],
    );
    let summary = finish_capture(child);
    check(&summary, 1);
    assert_eq!(summary.totals.packets, 6);
    assert_eq!(summary.sources, std::slice::from_ref(&ns.host_if));
}

#[test]
fn unknown_interface_lists_the_ones_that_exist() {
    let out = bin()
        .args(["live", "-i", "no-such-nic0", "-c", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("no capture interface named 'no-such-nic0'"),
        "{err}"
    );
    assert!(err.contains("lo"), "{err}");
}

#[test]
fn interface_removed_mid_capture_ends_with_the_report() {
    if !is_root() || !common::available("ip", "-V") {
        return skip("interface-down test: needs root and iproute2");
    }
    let Some(ns) = Namespace::create(2) else {
        return;
    };
    let child = start_capture(&ns.host_if, &ns.peer_ip, 1000);
    send_udp(
        format!("{}:60123", ns.host_ip).parse().unwrap(),
        &ns.peer_ip,
        &[53],
    );
    // Removing the host end takes the pair away under the running capture.
    assert!(
        Command::new("ip")
            .args(["link", "del", &ns.host_if])
            .status()
            .unwrap()
            .success()
    );
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{:?}", output.status);
    let last = String::from_utf8_lossy(&output.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    let summary = parse_summary(last.as_bytes());
    assert!(
        summary.warnings.iter().any(|w| w.contains("stopped")),
        "{:?}",
        summary.warnings
    );
    assert_eq!(
        summary.line_sums(),
        (summary.totals.packets, summary.totals.bytes)
    );
}

#[test]
fn json_output_is_snapshot_lines_then_one_summary() {
    if !is_root() {
        return skip("live snapshot test: needs root (CI runs as root)");
    }
    let mut child = start_capture_with("lo", "127.0.0.2", 2, "100ms");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    // The first snapshot arrives on its own after one interval; only then is traffic sent,
    // so at least one snapshot precedes the summary without any sleeping.
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let snap: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(snap["type"], "snapshot");
    assert_eq!(snap["interface"], "lo");
    send_udp(
        "127.0.0.2:60123".parse().unwrap(),
        "127.0.0.2",
        &[53, 40999],
    );
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(child.wait().unwrap().success());
    let lines: Vec<&str> = rest.lines().collect();
    let (last, snapshots) = lines.split_last().expect("a summary line");
    for line in snapshots {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["type"], "snapshot", "{line}");
    }
    let summary = parse_summary(last.as_bytes());
    assert_eq!(summary.totals.packets, 2);
}

#[test]
fn write_option_saves_what_was_counted() {
    if !is_root() {
        return skip("-w test: needs root (CI runs as root)");
    }
    let dir = tempdir();
    let path = dir.path().join("saved.pcap");
    let (child, _) = spawn_three_datagrams("127.0.0.3", &["-w", path.to_str().unwrap()]);
    send_udp(
        "127.0.0.3:60123".parse().unwrap(),
        "127.0.0.3",
        &[53, 123, 40999],
    );
    let live = finish_capture(child);
    let out = bin()
        .args(["read", "--format", "json", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let saved = parse_summary(&out.stdout);
    assert_eq!(
        (saved.totals.packets, saved.totals.bytes),
        (live.totals.packets, live.totals.bytes)
    );
    assert_eq!(saved.totals.packets, 3);
}

#[test]
fn many_flows_stay_within_the_cap_and_all_are_counted() {
    if !is_root() {
        return skip("live flow-cap test: needs root (CI runs as root)");
    }
    const FLOWS: u16 = 3000;
    let dir = tempdir();
    let records = dir.path().join("flows.ndjson");
    let count = FLOWS.to_string();
    let child = spawn_live(&[
        "-i",
        "lo",
        "-f",
        "udp and src port 60124 and host 127.0.0.1",
        "-c",
        &count,
        "--duration",
        "60s",
        "--format",
        "json",
        "--interval",
        "1h",
        "--max-flows",
        "100",
        "--flows",
        records.to_str().unwrap(),
    ]);
    // One datagram to each of FLOWS ports: FLOWS distinct flows.
    let ports: Vec<u16> = (41_000..41_000 + FLOWS).collect();
    send_udp("127.0.0.1:60124".parse().unwrap(), "127.0.0.1", &ports);
    let summary = finish_capture(child);
    assert_eq!(summary.totals.packets, u64::from(FLOWS));
    assert_eq!(summary.totals.flows, u64::from(FLOWS));
    assert_eq!(
        summary.line_sums(),
        (summary.totals.packets, summary.totals.bytes)
    );
    let table = summary.flow_table;
    assert_eq!(table.max_flows, Some(100));
    assert!(table.counts.peak_flows <= 100, "{table:?}");
    assert!(table.counts.evicted >= u64::from(FLOWS) - 100, "{table:?}");
    assert!(
        summary
            .warnings
            .iter()
            .any(|w| w.contains("--max-flows 100"))
    );
    // Every flow has one record, the evicted ones included.
    let text = std::fs::read_to_string(&records).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), usize::from(FLOWS));
    let evicted = lines
        .iter()
        .filter(|l| l.contains(r#""ended_by":"evicted""#))
        .count() as u64;
    assert_eq!(evicted, table.counts.evicted);
}

/// The real, effective, saved and filesystem ids of a running process, from /proc.
fn ids_of(pid: u32, field: &str) -> Vec<u32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with(field))
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"));
    line[field.len()..]
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect()
}

fn uid_of_user(name: &str) -> u32 {
    let out = Command::new("id").args(["-u", name]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

/// Starts a capture of three UDP datagrams to `peer` with extra options, and returns the
/// child and the line it printed on starting.
fn spawn_three_datagrams(peer: &str, extra: &[&str]) -> (Child, String) {
    let filter = filter(peer);
    let mut args = vec![
        "live",
        "-i",
        "lo",
        "-f",
        &filter,
        "-c",
        "3",
        "--format",
        "json",
        "--interval",
        "1h",
        "--duration",
        "60s",
    ];
    args.extend_from_slice(extra);
    let mut child = bin()
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("capturing on"), "did not start: {line}");
    (child, line)
}

#[test]
fn drops_root_before_reading_packets() {
    if !is_root() {
        return skip("privilege-drop test: needs root (CI runs as root)");
    }
    let nobody = uid_of_user("nobody");
    let (child, line) = spawn_three_datagrams("127.0.0.4", &[]);
    // The "capturing" line is printed after the drop and before the first read.
    assert!(line.contains("running as nobody"), "{line}");
    let pid = child.id();
    assert_eq!(
        ids_of(pid, "Uid:"),
        vec![nobody; 4],
        "real, effective, saved, fs uid"
    );
    let groups = ids_of(pid, "Groups:");
    assert!(!groups.contains(&0), "no root group left: {groups:?}");
    assert!(!ids_of(pid, "Gid:").contains(&0));
    // And it still captures and reports as the unprivileged user.
    send_udp(
        "127.0.0.4:60123".parse().unwrap(),
        "127.0.0.4",
        &[53, 123, 40999],
    );
    let summary = finish_capture(child);
    assert_eq!(summary.totals.packets, 3);
}

#[test]
fn no_drop_keeps_root_and_user_chooses_another() {
    if !is_root() {
        return skip("privilege-drop test: needs root (CI runs as root)");
    }
    let (child, line) = spawn_three_datagrams("127.0.0.5", &["--no-drop"]);
    assert!(line.contains("running as root (--no-drop)"), "{line}");
    assert_eq!(ids_of(child.id(), "Uid:"), vec![0; 4]);
    send_udp(
        "127.0.0.5:60123".parse().unwrap(),
        "127.0.0.5",
        &[53, 123, 40999],
    );
    assert_eq!(finish_capture(child).totals.packets, 3);

    // Another existing unprivileged user (Debian always has daemon).
    let daemon = uid_of_user("daemon");
    let (child, line) = spawn_three_datagrams("127.0.0.6", &["--user", "daemon"]);
    assert!(line.contains("running as daemon"), "{line}");
    assert_eq!(ids_of(child.id(), "Uid:"), vec![daemon; 4]);
    send_udp(
        "127.0.0.6:60123".parse().unwrap(),
        "127.0.0.6",
        &[53, 123, 40999],
    );
    assert_eq!(finish_capture(child).totals.packets, 3);
}

/// Runs `wiretally live ARGS` expecting it to refuse at once: exit 1 and exactly `message`.
fn assert_live_refuses(args: &[&str], message: &str) {
    let out = bin().arg("live").args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{args:?}");
    assert_eq!(stderr(&out), format!("{message}\n"));
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_user_and_unwritable_outputs_fail_before_capturing() {
    if !is_root() {
        return skip("bad user and outputs: needs root to reach the point of opening the capture");
    }
    assert_live_refuses(
        &["-i", "lo", "-c", "1", "--user", "no-such-user-here"],
        "wiretally: error: cannot drop root privileges: no user named 'no-such-user-here' (choose one with --user, or keep root with --no-drop)",
    );
    assert_live_refuses(
        &["-i", "lo", "-c", "1", "--user", "root"],
        "wiretally: error: cannot drop root privileges: user 'root' has uid 0 (choose another with --user, or say --no-drop)",
    );
    // The outputs are checked before the interface is even opened: a missing interface
    // is not what gets reported.
    assert_live_refuses(
        &["-i", "no-such-if0", "-w", "/nonexistent/dir/x.pcap"],
        "wiretally: error: cannot write capture file /nonexistent/dir/x.pcap: No such file or directory (os error 2)",
    );
    // An existing capture named by -w survives a run that could not start.
    let dir = tempdir();
    let kept = dir.path().join("yesterday.pcap");
    std::fs::write(&kept, b"yesterday's capture").unwrap();
    let out = bin()
        .args(["live", "-i", "no-such-if0", "-w", kept.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read(&kept).unwrap(), b"yesterday's capture");
    assert_live_refuses(
        &[
            "-i",
            "no-such-if0",
            "--flows",
            "/nonexistent/dir/flows.ndjson",
        ],
        "wiretally: error: cannot write flows file /nonexistent/dir/flows.ndjson: No such file or directory (os error 2)",
    );
}

#[test]
fn closed_stdout_ends_the_run_quietly() {
    if !is_root() {
        return skip("closed stdout: needs root (CI runs as root)");
    }
    // Like `wiretally live --format json | head -1`: the reader goes away after the first
    // snapshot, and the capture ends by itself, with status 0 and nothing on stderr but
    // the start line.
    let mut child = bin()
        .args([
            "live",
            "-i",
            "lo",
            "-f",
            "udp port 9",
            "--format",
            "json",
            "--interval",
            "100ms",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with('{'), "{first}");
    // The reader is dropped here, closing the pipe.
    let mut waited = 0;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(waited < 300, "still running 30 s after its stdout closed");
        std::thread::sleep(Duration::from_millis(100));
        waited += 1;
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "{status:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("wiretally: capturing on lo"), "{err}");
}
