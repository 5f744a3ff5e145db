//! Dynamic RPC named by interface, through the binary: the endpoint mapper's answers, binds,
//! named pipes, the blocked-dynamic-RPC diagnosis, snaplen-cut PDUs, answers in an
//! earlier file of the run, and binds checked against tshark's DCE/RPC dissector.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use wiretally::inspect::rpc::InterfaceTable;
use wiretally::summary::{IdentifiedBy, ServiceLine, Summary};
use wiretally_synth::frames::{Host, Link, MS, Trace};
use wiretally_synth::rpc_traffic::{bound_session, context, epm_lookup, unknown_interface};
use wiretally_synth::writer::{PcapOptions, write_pcap};

use crate::common::{self, bin, fixture, ndjson, read_json, tempdir};

fn rpc_lines(s: &Summary) -> Vec<(String, u16, u64, IdentifiedBy)> {
    let mut lines: Vec<_> = s
        .services
        .iter()
        .filter_map(|l| {
            let rpc = l.rpc.as_ref()?;
            assert_eq!(l.match_kind, "rpc");
            Some((
                rpc.interface.clone(),
                l.port?,
                l.counters.flows,
                rpc.identified_by,
            ))
        })
        .collect();
    lines.sort();
    lines
}

fn by(endpoint_mapper: u64, bind: u64, named_pipe: u64) -> IdentifiedBy {
    IdentifiedBy {
        endpoint_mapper,
        bind,
        named_pipe,
    }
}

fn line<'a>(s: &'a Summary, label_start: &str, port: Option<u16>) -> &'a ServiceLine {
    s.services
        .iter()
        .find(|l| l.label.starts_with(label_start) && (port.is_none() || l.port == port))
        .unwrap_or_else(|| panic!("no line {label_start} {port:?}"))
}

#[test]
fn dynamic_rpc_flows_are_named_by_interface() {
    let s = read_json(&[&fixture("rpc-dynamic.pcap")]);
    assert_eq!(
        rpc_lines(&s),
        vec![
            ("IWbemServices".to_string(), 49669, 1, by(0, 1, 0)),
            ("drsuapi".to_string(), 49667, 1, by(0, 1, 0)),
            ("drsuapi".to_string(), 49670, 2, by(2, 0, 0)),
            ("netlogon".to_string(), 49668, 1, by(1, 0, 0)),
        ]
    );
    let drs = line(&s, "RPC: MS-DRSR drsuapi", Some(49667));
    assert_eq!(drs.label, "RPC: MS-DRSR drsuapi (AD replication)");
    assert_eq!(drs.system_services, vec!["Local Security Authority"]);
    let rpc = drs.rpc.as_ref().unwrap();
    assert_eq!(
        (rpc.uuid.as_str(), rpc.version.as_str()),
        ("e3514235-4b06-11d1-ab04-00c04fc2dcd2", "4.0")
    );
    // The flow nothing names stays under the range entry, alone.
    let range = line(&s, "RPC / Randomly allocated high TCP ports", None);
    let ports: Vec<u16> = range
        .ports
        .as_ref()
        .unwrap()
        .iter()
        .map(|p| p.port)
        .collect();
    assert_eq!((range.counters.flows, ports), (1, vec![49700]));
    // Interfaces on the services' own ports are listed under them.
    let uses = |l: &ServiceLine| -> Vec<(String, u64, IdentifiedBy)> {
        l.rpc_interfaces
            .iter()
            .map(|u| (u.interface.clone(), u.flows, u.identified_by))
            .collect()
    };
    assert_eq!(
        uses(line(&s, "RPC / WMI", Some(135))),
        vec![
            ("epm".to_string(), 2, by(0, 2, 0)),
            ("ISystemActivator".to_string(), 1, by(0, 1, 0))
        ]
    );
    assert_eq!(
        uses(line(&s, "SMB", Some(445))),
        vec![("srvsvc".to_string(), 1, by(0, 0, 1))]
    );
}

#[test]
fn blocked_dynamic_rpc_is_diagnosed_in_plain_words() {
    let s = read_json(&[&fixture("rpc-dynamic.pcap")]);
    assert_eq!(s.failed.len(), 1, "{:?}", s.failed);
    let f = &s.failed[0];
    assert_eq!(
        f.service.as_deref(),
        Some("RPC: MS-DRSR drsuapi (AD replication)")
    );
    assert_eq!(
        (f.port, f.failed, f.connections.unanswered),
        (Some(49670), 2, 2)
    );
    assert_eq!(
        f.diagnosis.as_deref(),
        Some(
            "endpoint mapper answered with port 49670 for MS-DRSR drsuapi; all 2 connections to 49670 were never answered: a firewall between client and server probably blocks 49670/tcp (dynamic RPC)"
        )
    );
    // The text report says it under the line.
    let out = bin()
        .args(["read", &fixture("rpc-dynamic.pcap")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("    => endpoint mapper answered with port 49670 for MS-DRSR drsuapi;"),
        "{text}"
    );
}

#[test]
fn flow_records_carry_the_interface() {
    let dir = tempdir();
    let flows = dir.path().join("flows.ndjson");
    read_json(&[
        "--flows",
        flows.to_str().unwrap(),
        &fixture("rpc-dynamic.pcap"),
    ]);
    let mut named: Vec<(u64, String, String, String)> = ndjson(&flows)
        .into_iter()
        .filter(|r| !r["rpc_interface"].is_null())
        .map(|r| {
            (
                r["server_port"].as_u64().unwrap(),
                r["rpc_interface"].as_str().unwrap().to_string(),
                r["rpc_identified_by"].as_str().unwrap().to_string(),
                r["match"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    named.sort();
    let row = |p: u64, i: &str, v: &str, m: &str| (p, i.to_string(), v.to_string(), m.to_string());
    assert_eq!(
        named,
        vec![
            row(135, "ISystemActivator", "bind", "exact"),
            row(135, "epm", "bind", "exact"),
            row(135, "epm", "bind", "exact"),
            row(445, "srvsvc", "named_pipe", "exact"),
            row(49667, "drsuapi", "bind", "rpc"),
            row(49668, "netlogon", "endpoint_mapper", "rpc"),
            row(49669, "IWbemServices", "bind", "rpc"),
            row(49670, "drsuapi", "endpoint_mapper", "rpc"),
            row(49670, "drsuapi", "endpoint_mapper", "rpc"),
        ]
    );
}

#[test]
fn pdus_cut_by_the_snaplen_name_nothing() {
    let full = read_json(&[&fixture("rpc-dynamic.pcap")]);
    let cut = read_json(&[&fixture("rpc-snaplen100.pcap")]);
    assert_eq!(
        (cut.totals.packets, cut.totals.bytes),
        (full.totals.packets, full.totals.bytes)
    );
    assert!(rpc_lines(&cut).is_empty(), "{:?}", rpc_lines(&cut));
    assert!(cut.services.iter().all(|l| l.rpc_interfaces.is_empty()));
    let range = line(&cut, "RPC / Randomly allocated high TCP ports", None);
    assert_eq!(range.counters.flows, 6);
}

/// Writes frames to a pcap file in `dir`; returns its path.
fn write_frames(dir: &Path, name: &str, frames: &[wiretally_synth::Frame]) -> String {
    let path = dir.join(name);
    let mut bytes = Vec::new();
    let options = PcapOptions::new(wiretally_synth::numbers::LinkType::ETHERNET);
    write_pcap(&mut bytes, options, frames).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

/// Writes a trace's frames to a pcap file in `dir`.
fn write(dir: &Path, name: &str, t: Trace) -> String {
    write_frames(dir, name, &t.into_frames())
}

#[test]
fn an_answer_in_an_earlier_file_names_a_later_flow() {
    let dir = tempdir();
    let (client, dc) = (Host::parse("10.80.1.5"), Host::parse("10.80.0.1"));
    let start = wiretally_synth::scenarios::DEMO_START_NS;
    let nrpc = context("12345678-1234-abcd-ef00-01234567cffb", 1);
    let mut first = Trace::new(Link::Ethernet);
    let end = epm_lookup(
        &mut first,
        start,
        &client,
        &dc,
        50000,
        true,
        &[(nrpc, 49990, [0; 4])],
        4000,
        1460,
    );
    let mut second = Trace::new(Link::Ethernet);
    bound_session(
        &mut second,
        end + 60 * MS,
        &client,
        &dc,
        (50001, 49990),
        &[unknown_interface()],
    );
    let a = write(dir.path(), "a.pcap", first);
    let b = write(dir.path(), "b.pcap", second);
    for threads in ["1", "2"] {
        let s = read_json(&["--threads", threads, &a, &b]);
        assert_eq!(
            rpc_lines(&s),
            vec![("netlogon".to_string(), 49990, 1, by(1, 0, 0))],
            "threads {threads}"
        );
        // Alone, the second file cannot know.
        assert!(rpc_lines(&read_json(&["--threads", threads, &b])).is_empty());
    }
}

#[test]
fn binds_agree_with_tshark() {
    if !common::available("tshark", "--version") {
        return common::skip("binds against tshark: tshark is not installed (CI installs it)");
    }
    let interfaces = InterfaceTable::builtin();
    // Each capture and the binds it holds at least: the fixture always, the real capture
    // of ../shared when it is beside the clone.
    let mut files = vec![(fixture("rpc-dynamic.pcap"), 5)];
    if let Some(kerberos) = common::shared_capture("ndpi/kerberos.pcap") {
        files.push((kerberos.display().to_string(), 2));
    }
    for (file, binds) in files {
        let mut checked = 0;
        // tshark: per conversation, the interface UUIDs bound (bind or alter_context).
        let out = Command::new("tshark")
            .args([
                "-r",
                &file,
                "-Y",
                "dcerpc.cn_bind_to_uuid",
                "-T",
                "fields",
                "-E",
                "separator=|",
            ])
            .args([
                "-e",
                "ip.src",
                "-e",
                "tcp.srcport",
                "-e",
                "ip.dst",
                "-e",
                "tcp.dstport",
                "-e",
                "dcerpc.cn_bind_to_uuid",
            ])
            .output()
            .unwrap();
        let mut bound: BTreeSet<(String, String)> = BTreeSet::new();
        for l in String::from_utf8_lossy(&out.stdout).lines() {
            let f: Vec<&str> = l.split('|').collect();
            let conversation = format!("{}:{} -> {}:{}", f[0], f[1], f[2], f[3]);
            for uuid in f[4].split(',') {
                bound.insert((conversation.clone(), uuid.to_ascii_lowercase()));
            }
        }
        let dir = tempdir();
        let flows = dir.path().join("flows.ndjson");
        read_json(&["--flows", flows.to_str().unwrap(), &file]);
        let mut named_by_bind = BTreeSet::new();
        for r in ndjson(&flows) {
            let conversation = format!(
                "{}:{} -> {}:{}",
                r["client"].as_str().unwrap(),
                r["client_port"],
                r["server"].as_str().unwrap(),
                r["server_port"]
            );
            if r["rpc_identified_by"] != "bind" {
                continue;
            }
            let name = r["rpc_interface"].as_str().unwrap();
            let iface = interfaces
                .interfaces()
                .iter()
                .find(|i| i.name == name)
                .unwrap();
            assert!(
                bound.contains(&(conversation.clone(), iface.uuid_text())),
                "{file}: {conversation} named {name}, which tshark did not see bound"
            );
            named_by_bind.insert(conversation);
            checked += 1;
        }
        // And the other way: every conversation where tshark saw a known interface bound
        // is one wiretally named by its bind.
        for (conversation, uuid) in &bound {
            let known = wiretally::inspect::rpc::interfaces::parse_uuid(uuid)
                .is_some_and(|u| interfaces.interfaces().iter().any(|i| i.uuid == u));
            if known {
                assert!(
                    named_by_bind.contains(conversation),
                    "{file}: {conversation} bound {uuid}, not named"
                );
            }
        }
        assert!(checked >= binds, "{file}: {checked} binds checked");
    }
}

#[test]
fn flows_seen_midstream_or_split_by_expiry_keep_their_interface() {
    let dir = tempdir();
    let (client, dc) = (Host::parse("10.90.1.5"), Host::parse("10.90.0.1"));
    let start = wiretally_synth::scenarios::DEMO_START_NS;
    let drsuapi = context("e3514235-4b06-11d1-ab04-00c04fc2dcd2", 4);
    // A capture that starts after the handshake: the bind is the first packet seen.
    let mut t = Trace::new(Link::Ethernet);
    bound_session(&mut t, start, &client, &dc, (50000, 49667), &[drsuapi]);
    let frames: Vec<_> = t.into_frames().into_iter().skip(3).collect();
    let midstream = write_frames(dir.path(), "midstream.pcap", &frames);
    let s = read_json(&[&midstream]);
    assert_eq!(
        rpc_lines(&s),
        vec![("drsuapi".to_string(), 49667, 1, by(0, 1, 0))]
    );

    // The same association, quiet for 10 s after its bind: with a 2 s idle timeout the
    // rest is a second flow, which carries no bind of its own but is still drsuapi.
    let mut t = Trace::new(Link::Ethernet);
    bound_session(&mut t, start, &client, &dc, (50001, 49667), &[drsuapi]);
    let mut frames = t.into_frames();
    for f in frames.iter_mut().skip(5) {
        f.ts_ns += 10_000 * MS;
    }
    let split = write_frames(dir.path(), "split.pcap", &frames);
    for threads in ["1", "2"] {
        let s = read_json(&["--threads", threads, "--idle-timeout", "2s", &split]);
        assert_eq!(s.totals.flows, 2, "threads {threads}");
        assert_eq!(
            rpc_lines(&s),
            vec![("drsuapi".to_string(), 49667, 2, by(0, 2, 0))],
            "threads {threads}"
        );
    }
}

#[test]
fn rpc_lines_are_bounded_and_the_rest_stays_counted() {
    // 4,100 connections, each binding drsuapi on its own port: 4,096 RPC lines, the last
    // four counted under the range entry, and a warning.
    let dir = tempdir();
    let (client, dc) = (Host::parse("10.91.1.5"), Host::parse("10.91.0.1"));
    let start = wiretally_synth::scenarios::DEMO_START_NS;
    let drsuapi = context("e3514235-4b06-11d1-ab04-00c04fc2dcd2", 4);
    let mut t = Trace::new(Link::Ethernet);
    for i in 0..4100u16 {
        bound_session(
            &mut t,
            start + i64::from(i) * 20 * MS,
            &client,
            &dc,
            (20000 + i, 50000 + i),
            &[drsuapi],
        );
    }
    let path = write(dir.path(), "many.pcap", t);
    let s = read_json(&[&path]);
    let lines = rpc_lines(&s);
    assert_eq!(lines.len(), wiretally::aggregate::MAX_RPC_LINES);
    let named: u64 = lines.iter().map(|l| l.2).sum();
    // The rest are under their table entries (the range, or an exact port in it).
    let others: u64 = s
        .services
        .iter()
        .filter(|l| l.rpc.is_none())
        .map(|l| l.counters.flows)
        .sum();
    assert_eq!((named, others, s.totals.flows), (4096, 4, 4100));
    assert!(
        s.warnings
            .iter()
            .any(|w| w.contains("distinct (RPC interface, port) lines")),
        "{:?}",
        s.warnings
    );
    // Timing histograms only on the first lines.
    let timed = s
        .services
        .iter()
        .filter(|l| l.rpc.is_some() && l.timing.is_some())
        .count();
    assert_eq!(timed, wiretally::aggregate::MAX_TIMED_RPC_LINES);
}
