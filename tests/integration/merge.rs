//! `wiretally merge`: summaries of separate runs combine into the summary of one run over
//! all their captures, and the grouping of merges does not matter.

use std::path::Path;

use wiretally::summary::Summary;

use crate::common::{bin, fixture, parse_summary, read_json, stderr, stdout_of, tempdir};

/// Expiry off, so where a flow ends does not depend on which other captures a run reads.
const NO_EXPIRY: [&str; 4] = ["--idle-timeout", "off", "--close-grace", "off"];

/// `read --format json` with expiry off over `files` (checked to reconcile).
fn summary_of(files: &[&str]) -> Summary {
    let mut args = vec!["--no-progress"];
    args.extend(NO_EXPIRY);
    args.extend(files);
    read_json(&args)
}

fn write_json(dir: &Path, name: &str, s: &Summary) -> String {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(s).unwrap()).unwrap();
    path.display().to_string()
}

fn merged(files: &[&str]) -> Summary {
    let mut args = vec!["merge", "--format", "json"];
    args.extend(files);
    parse_summary(&stdout_of(&args))
}

/// What only a merge cannot know exactly (and says so): the flow-table peak.
fn comparable(mut s: Summary) -> Summary {
    s.flow_table.counts.peak_flows = 0;
    s.approximate.clear();
    s
}

const CAPTURES: [&str; 3] = ["conn-states.pcap", "rpc-dynamic.pcap", "fingerprints.pcap"];

#[test]
fn merging_is_associative_and_equals_one_run_over_all_captures() {
    let dir = tempdir();
    let parts: Vec<String> = CAPTURES
        .iter()
        .map(|c| {
            write_json(
                dir.path(),
                &format!("{c}.json"),
                &summary_of(&[&fixture(c)]),
            )
        })
        .collect();
    let (a, b, c) = (&parts[0], &parts[1], &parts[2]);
    let ab = write_json(dir.path(), "ab.json", &merged(&[a, b]));
    let bc = write_json(dir.path(), "bc.json", &merged(&[b, c]));
    let left = merged(&[&ab, c]);
    let right = merged(&[a, &bc]);
    let flat = merged(&[a, b, c]);
    assert_eq!(left, right, "(a+b)+c == a+(b+c)");
    assert_eq!(left, flat);
    // The merge says what it approximates.
    assert!(
        flat.approximate.iter().any(|n| n.contains("peak_flows")),
        "{:?}",
        flat.approximate
    );

    let files: Vec<String> = CAPTURES.iter().map(|c| fixture(c)).collect();
    let one_run = summary_of(&files.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(flat.sources, one_run.sources);
    assert_eq!(comparable(flat.clone()), comparable(one_run.clone()));
    // Timing percentiles come from merged histograms: the same as one run's.
    let timed = |s: &Summary| s.services.iter().filter(|l| l.timing.is_some()).count();
    assert!(timed(&flat) > 5);
    assert_eq!(flat.totals, one_run.totals);
}

#[test]
fn merge_reads_text_and_csv_out_and_refuses_what_does_not_fit() {
    let dir = tempdir();
    let a = write_json(
        dir.path(),
        "a.json",
        &summary_of(&[&fixture("conn-states.pcap")]),
    );
    let b = write_json(
        dir.path(),
        "b.json",
        &summary_of(&[&fixture("blocked-dc.pcap")]),
    );
    let text = String::from_utf8(stdout_of(&["merge", &a, &b])).unwrap();
    assert!(
        text.contains("APPROXIMATE (a merge of summaries; everything else is exact)"),
        "{text}"
    );
    assert!(text.contains("FAILED CONNECTIONS"));
    let csv = String::from_utf8(stdout_of(&["merge", "--format", "csv", &a, &b])).unwrap();
    assert!(csv.starts_with("section,label,"));

    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"not\": \"a summary\"}").unwrap();
    let out = bin()
        .args(["merge", &a, bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!(
            "wiretally: error: {}: not a wiretally JSON summary (",
            bad.display()
        )),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);

    let mut other_table = summary_of(&[&fixture("conn-states.pcap")]);
    other_table.table = "custom.csv".into();
    let t = write_json(dir.path(), "t.json", &other_table);
    let out = bin().args(["merge", &a, &t]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "wiretally: error: summaries made with different tables ('built-in Windows service port table' and 'custom.csv') cannot be merged\n"
    );
}

#[test]
fn summaries_no_run_could_write_are_refused_not_added() {
    let dir = tempdir();
    let good = summary_of(&[&fixture("conn-states.pcap")]);
    let a = write_json(dir.path(), "a.json", &good);
    let refuse = |s: &Summary, needle: &str| {
        let path = write_json(dir.path(), "bad.json", s);
        let out = bin().args(["merge", &a, &path]).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains(needle), "{needle}: {err}");
        assert_eq!(err.lines().count(), 1);
    };
    // Counters beyond any total, and totals that cannot be added.
    let mut huge = good.clone();
    huge.services[0].counters.packets = u64::MAX;
    refuse(&huge, "exceeds the totals");
    let mut huge = good.clone();
    huge.totals.packets = u64::MAX;
    refuse(&huge, "totals too large to add");
    // Histograms that do not add up to their counts.
    let mut hist = good.clone();
    let timed = hist
        .services
        .iter_mut()
        .find(|l| l.timing.is_some())
        .unwrap();
    timed
        .timing
        .as_mut()
        .unwrap()
        .histograms
        .duration_us
        .push([5, u64::MAX]);
    refuse(&hist, "exceeds the totals");
    // An older schema (no histograms, no top), and a different filter.
    let mut old = good.clone();
    old.schema_version = 1;
    let expected = format!(
        "schema versions 1 and {}",
        wiretally::summary::SCHEMA_VERSION
    );
    refuse(&old, &expected);
    let mut filtered = good.clone();
    filtered.filter = Some("tcp".into());
    refuse(&filtered, "different filters (none and tcp)");
}

#[test]
fn cut_lists_are_flagged_by_each_part_s_own_top() {
    let dir = tempdir();
    let summary_file = |top: &str| -> String {
        let mut args = vec!["read", "--format", "json", "--no-progress", "--top", top];
        args.extend(NO_EXPIRY);
        let path = dir.path().join(format!("top{top}.json"));
        let demo = fixture("demo.pcap");
        args.push(&demo);
        std::fs::write(&path, stdout_of(&args)).unwrap();
        path.display().to_string()
    };
    let (one, twenty) = (summary_file("1"), summary_file("20"));
    let s = merged(&[&one, &twenty]);
    assert!(
        s.approximate.iter().any(|n| n.contains("top_pairs")),
        "{:?}",
        s.approximate
    );
    assert!(
        s.approximate.iter().any(|n| n.contains("top_servers")),
        "{:?}",
        s.approximate
    );
    assert_eq!(s.top, 20);
}

#[test]
fn strings_from_summaries_cannot_drive_the_terminal() {
    // A crafted summary: protocol names, addresses, kinds, interface names, UUIDs and
    // failing pairs that carry a clear-screen sequence. The text (and CSV) output of a
    // merge escapes every one of them.
    let dir = tempdir();
    let mut evil = summary_of(&[
        &fixture("fingerprints.pcap"),
        &fixture("rpc-dynamic.pcap"),
        &fixture("blocked-dc.pcap"),
        &fixture("non-ip.pcap"),
    ]);
    let tag = |text: &mut String, what: &str| text.push_str(&format!("\u{1b}[2J{what}"));
    let unknown = &mut evil.unknown[0];
    tag(&mut unknown.looks_like[0].protocol, "protocol");
    tag(&mut unknown.top_servers[0].addr, "address");
    tag(&mut evil.services[0].label, "label");
    let rpc_line = evil.services.iter_mut().find(|l| l.rpc.is_some()).unwrap();
    let rpc = rpc_line.rpc.as_mut().unwrap();
    tag(&mut rpc.uuid, "uuid");
    tag(&mut rpc.version, "version");
    let uses = evil
        .services
        .iter_mut()
        .find(|l| !l.rpc_interfaces.is_empty())
        .unwrap();
    tag(&mut uses.rpc_interfaces[0].interface, "interface");
    let pair = &mut evil.failed[0].top_pairs[0];
    tag(&mut pair.client, "client");
    tag(&mut pair.server, "server");
    let mismatch = &mut evil.mismatches[0];
    tag(&mut mismatch.seen, "seen");
    tag(&mut mismatch.example, "example");
    let a = write_json(dir.path(), "a.json", &evil);
    let b = write_json(
        dir.path(),
        "b.json",
        &summary_of(&[&fixture("conn-states.pcap")]),
    );
    let text = String::from_utf8(stdout_of(&["merge", &a, &b])).unwrap();
    assert!(!text.contains('\u{1b}'), "{text}");
    for what in [
        "protocol",
        "address",
        "label",
        "uuid",
        "version",
        "interface",
        "client",
        "server",
        "seen",
        "example",
    ] {
        assert!(
            text.contains(&format!("\\u{{1b}}[2J{what}")),
            "{what} not shown escaped:\n{text}"
        );
    }
    let csv = String::from_utf8(stdout_of(&["merge", "--format", "csv", &a, &b])).unwrap();
    assert!(!csv.contains('\u{1b}'), "{csv}");
    assert!(csv.contains("\\u{1b}[2Jlabel"), "{csv}");
    // Kinds and transports are enums of the schema: a summary naming anything else is
    // refused with a one-line error, before anything reaches the terminal.
    let good = summary_of(&[&fixture("non-ip.pcap"), &fixture("conn-states.pcap")]);
    for (field, edit) in [
        (
            "other kind",
            &(|v: &mut serde_json::Value| v["other"][0]["kind"] = "\u{1b}[2J".into())
                as &dyn Fn(&mut serde_json::Value),
        ),
        ("transport", &|v: &mut serde_json::Value| {
            v["services"][0]["transport"] = "\u{1b}[2Jtcp".into()
        }),
        ("match", &|v: &mut serde_json::Value| {
            v["services"][0]["match"] = "sometimes".into()
        }),
    ] {
        let mut value = serde_json::to_value(&good).unwrap();
        edit(&mut value);
        let path = dir.path().join("crafted.json");
        std::fs::write(&path, serde_json::to_vec(&value).unwrap()).unwrap();
        let out = bin()
            .args(["merge", path.to_str().unwrap(), &b])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{field}");
        assert!(out.stdout.is_empty(), "{field}");
        let err = stderr(&out);
        assert!(!err.contains('\u{1b}'), "{field}: {err}");
        assert!(err.contains("unknown variant"), "{field}: {err}");
        assert_eq!(err.lines().count(), 1, "{field}: {err}");
    }
}
