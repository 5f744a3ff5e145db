//! Flow expiry end to end: flows that end early (idle, closed, evicted) are still counted
//! in full. On every fixture and every real capture in `../shared/captures/ndpi/`, a run
//! with tight expiry settings must give the same per-conversation packets and bytes, and
//! the same totals, as a run that keeps every flow to the end; the flow records must
//! account for every ended flow the report counts.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;
use wiretally::summary::Summary;

use crate::common::{bin, captures, ndjson, parse_summary, tempdir};

/// Per conversation (protocol, both endpoints in order): packets and bytes.
type Conversations = BTreeMap<String, (u64, u64)>;

/// Runs `read` with `options`; None when wiretally refuses the file (the same files are
/// refused with either setting, which is checked by the caller).
fn read_with_flows(path: &Path, options: &[&str], flows: &Path) -> Option<(Summary, Vec<Value>)> {
    let out = bin()
        .args(["read", "--format", "json", "--flows"])
        .arg(flows)
        .args(options)
        .arg(path)
        .output()
        .expect("binary runs");
    if !out.status.success() {
        return None;
    }
    Some((parse_summary(&out.stdout), ndjson(flows)))
}

fn conversations(records: &[Value]) -> Conversations {
    let mut all = Conversations::new();
    for r in records {
        let a = format!("{}:{}", r["client"], r["client_port"]);
        let b = format!("{}:{}", r["server"], r["server_port"]);
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let key = format!("{} {lo} {hi}", r["ip_proto"]);
        let slot = all.entry(key).or_default();
        let n = |f: &str| r[f].as_u64().unwrap();
        slot.0 += n("packets_c2s") + n("packets_s2c");
        slot.1 += n("bytes_c2s") + n("bytes_s2c");
    }
    all
}

#[test]
fn ended_flows_are_counted_in_full() {
    let dir = tempdir();
    let flows = dir.path().join("flows.ndjson");
    let tight = [
        "--idle-timeout",
        "2s",
        "--close-grace",
        "100ms",
        "--max-flows",
        "8",
    ];
    let off = ["--idle-timeout", "off", "--close-grace", "off"];
    let mut ended = (0u64, 0u64, 0u64);
    let files = captures();
    for path in &files {
        let kept = read_with_flows(path, &off, &flows);
        let expiring = read_with_flows(path, &tight, &flows);
        let (Some((kept, kept_records)), Some((expiring, records))) = (kept, expiring) else {
            assert!(
                read_with_flows(path, &off, &flows).is_none()
                    && read_with_flows(path, &tight, &flows).is_none(),
                "{}: refused with one setting only",
                path.display()
            );
            continue;
        };
        let name = path.display();
        assert_eq!(expiring.totals.packets, kept.totals.packets, "{name}");
        assert_eq!(expiring.totals.bytes, kept.totals.bytes, "{name}");
        assert_eq!(
            expiring.line_sums(),
            (expiring.totals.packets, expiring.totals.bytes),
            "{name}"
        );
        assert_eq!(
            conversations(&records),
            conversations(&kept_records),
            "{name}"
        );
        // Every flow the report counts has exactly one record, and the reasons add up.
        assert_eq!(records.len() as u64, expiring.totals.flows, "{name}");
        let by = |reason: &str| records.iter().filter(|r| r["ended_by"] == reason).count() as u64;
        let t = expiring.flow_table.counts;
        assert_eq!(by("idle_timeout"), t.expired_idle, "{name}");
        assert_eq!(by("closed"), t.retired_closed, "{name}");
        assert_eq!(by("evicted"), t.evicted, "{name}");
        assert!(t.peak_flows <= 8, "{name}: peak {}", t.peak_flows);
        ended.0 += t.expired_idle;
        ended.1 += t.retired_closed;
        ended.2 += t.evicted;
    }
    // The settings are tight enough that every kind of ending happened somewhere.
    assert!(ended.0 > 0 && ended.1 > 0 && ended.2 > 0, "{ended:?}");
    eprintln!(
        "{} captures: {} idle, {} closed, {} evicted flows counted in full",
        files.len(),
        ended.0,
        ended.1,
        ended.2
    );
}
