//! Property-test mirrors of the cargo-fuzz targets in `fuzz/`: the same entry points
//! (`wiretally::fuzz_entry`), fed by proptest so that every CI run explores them too.
//! Inputs start from real fixture bytes and mutate them, which reaches far deeper than
//! uniform random bytes would.

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use wiretally::fuzz_entry;

use crate::common::fixture_bytes;

/// proptest's settings here: `cases` cases, and failures saved to (and replayed first
/// from) `fuzz_mirror.proptest-regressions` beside this file. proptest's default would
/// look in `tests/proptest-regressions/fuzz_mirror.txt` instead, as it walks up to the
/// first directory with a `main.rs` (`tests/integration/`).
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..ProptestConfig::default()
    }
}

/// Fixtures of every container flavour: classic pcap in both byte orders and resolutions,
/// pcapng with two interfaces, several link types, a cut-off file, and DCE/RPC (endpoint
/// mapper answers, binds, SMB pipes) for the RPC parsers.
const CAPTURES: [&str; 9] = [
    "conn-states.pcap",
    "pcap-ns-bigendian.pcap",
    "two-interfaces.pcapng",
    "link-80211-radiotap.pcap",
    "link-sll2.pcap",
    "tunnels.pcap",
    "fragments.pcap",
    "cutoff.pcap",
    "rpc-dynamic.pcap",
];

/// One change to a byte string: overwrite, cut, insert or duplicate a run.
#[derive(Debug, Clone)]
enum Mutation {
    Set(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    Repeat(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        6 => (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Mutation::Set(at, b)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        1 => (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        1 => (any::<usize>(), 1usize..64).prop_map(|(at, len)| Mutation::Repeat(at, len)),
    ]
}

fn apply(bytes: &mut Vec<u8>, mutations: &[Mutation]) {
    for m in mutations {
        if bytes.is_empty() {
            return;
        }
        let len = bytes.len();
        match m {
            Mutation::Set(at, b) => bytes[at % len] = *b,
            Mutation::Truncate(at) => bytes.truncate(at % len),
            Mutation::Insert(at, more) => {
                let at = at % len;
                bytes.splice(at..at, more.iter().copied());
            }
            Mutation::Repeat(at, run) => {
                let at = at % len;
                let end = (at + run).min(len);
                let copy = bytes[at..end].to_vec();
                bytes.splice(end..end, copy);
            }
        }
    }
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn decode_frame_random_bytes(selector: u8, data in proptest::collection::vec(any::<u8>(), 0..160)) {
        fuzz_entry::decode_frame(selector, &data);
    }

    #[test]
    fn decode_frame_mutated_real_frames(
        selector: u8,
        which in 0usize..CAPTURES.len(),
        record in 0usize..64,
        mutations in proptest::collection::vec(mutation(), 0..6),
    ) {
        // Frames of a real capture as the starting point, each under every link type.
        let bytes = fixture_bytes(CAPTURES[which]);
        let frames = frames_of(&bytes);
        prop_assume!(!frames.is_empty());
        let mut frame = frames[record % frames.len()].clone();
        apply(&mut frame, &mutations);
        fuzz_entry::decode_frame(selector, &frame);
    }

    #[test]
    fn read_capture_mutated_fixtures(
        which in 0usize..CAPTURES.len(),
        mutations in proptest::collection::vec(mutation(), 1..8),
    ) {
        let mut bytes = fixture_bytes(CAPTURES[which]);
        apply(&mut bytes, &mutations);
        fuzz_entry::read_capture(&bytes);
    }

    #[test]
    fn read_capture_random_after_a_valid_header(
        which in 0usize..CAPTURES.len(),
        tail in proptest::collection::vec(any::<u8>(), 0..400),
    ) {
        // A real file header (24 bytes of pcap, or the first block of pcapng), then noise.
        let bytes = fixture_bytes(CAPTURES[which]);
        let keep = if bytes.starts_with(&[0x0a, 0x0d, 0x0d, 0x0a]) {
            u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize
        } else {
            24
        };
        let mut input = bytes[..keep.min(bytes.len())].to_vec();
        input.extend_from_slice(&tail);
        fuzz_entry::read_capture(&input);
    }

    #[test]
    fn load_table_from_table_like_lines(
        header in 0usize..3,
        lines in proptest::collection::vec(table_line(), 0..12),
    ) {
        // With a markdown header, a CSV header, or none, so that row parsing is reached
        // and not only header rejection.
        let mut text = [
            "| Port | Protocol | Application protocol | System service name |\n|---|---|---|---|\n",
            "port,protocol,application_protocol,service\n",
            "",
        ][header]
            .to_string();
        text.push_str(&lines.join("\n"));
        fuzz_entry::load_table(text.as_bytes());
    }

    #[test]
    fn load_table_random_text(text in ".{0,300}") {
        fuzz_entry::load_table(text.as_bytes());
    }
}

/// Lines that look like port-table rows, in markdown or CSV, with cells that are often
/// almost right (ranges, lists, bad numbers, unknown protocols).
fn table_line() -> impl Strategy<Value = String> {
    let port = prop_oneof![
        (0u32..70_000).prop_map(|p| p.to_string()),
        (0u32..70_000, 0u32..70_000).prop_map(|(a, b)| format!("{a}-{b}")),
        (0u32..70_000, 0u32..70_000).prop_map(|(a, b)| format!("{a}, {b}")),
        Just("N/A".to_string()),
        Just(String::new()),
        "[0-9a-z -]{0,8}",
    ];
    let proto = prop_oneof![
        Just("TCP"),
        Just("UDP"),
        Just("TCP/UDP"),
        Just("TCP and UDP"),
        Just("UPD"),
        Just("GRE"),
        Just("ESP"),
        Just(""),
    ];
    let text = "[A-Za-z |,\"]{0,12}";
    (port, proto, text, text, any::<bool>()).prop_map(|(port, proto, app, svc, md)| {
        if md {
            format!("| {port} | {proto} | {app} | {svc} |")
        } else {
            format!("{port},{proto},{app},{svc}")
        }
    })
}

/// The frames of a capture, through the crate's own reader.
fn frames_of(bytes: &[u8]) -> Vec<Vec<u8>> {
    use wiretally::capture::{FileReader, PacketSource};
    let mut frames = Vec::new();
    let Ok(mut reader) = FileReader::new("fixture", Box::new(std::io::Cursor::new(bytes.to_vec())))
    else {
        return frames;
    };
    while let Ok(Some(p)) = reader.next_packet() {
        frames.push(p.data.to_vec());
    }
    frames
}

/// Every JSON number of a summary, as a path of keys and indices to it.
fn number_paths(v: &serde_json::Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        serde_json::Value::Number(_) => out.push(at.clone()),
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                at.push(i.to_string());
                number_paths(item, at, out);
                at.pop();
            }
        }
        serde_json::Value::Object(map) => {
            for (k, item) in map {
                at.push(k.clone());
                number_paths(item, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

fn number_at<'a>(v: &'a mut serde_json::Value, path: &[String]) -> &'a mut serde_json::Value {
    path.iter().fold(v, |v, key| match v {
        serde_json::Value::Array(items) => &mut items[key.parse::<usize>().unwrap()],
        other => &mut other[key.as_str()],
    })
}

/// A real summary of a fixture, as JSON.
fn fixture_summary(name: &str) -> serde_json::Value {
    use wiretally::capture::{FileReader, PacketSource};
    use wiretally::pipeline::{Analyzer, SummaryOptions};
    let table = wiretally::table::ServiceTable::builtin();
    let mut analyzer = Analyzer::new(&table, wiretally::flow::expiry::Expiry::default());
    let bytes = fixture_bytes(name);
    let mut reader = FileReader::new(name, Box::new(std::io::Cursor::new(bytes))).unwrap();
    while let Ok(Some(p)) = reader.next_packet() {
        analyzer.process(&p);
    }
    let options = SummaryOptions {
        top_hosts: 3,
        sources: vec![name.to_string()],
        filter: None,
    };
    serde_json::to_value(analyzer.finish(&options).unwrap()).unwrap()
}

proptest! {
    #![proptest_config(config(256))]

    /// Summaries with numbers changed anywhere (as a hand-edited or damaged file would
    /// have them) merge or are refused; they never panic or wrap around.
    #[test]
    fn merge_survives_edited_numbers(
        edits in proptest::collection::vec((any::<usize>(), prop_oneof![
            Just(u64::MAX), Just(u64::MAX / 2), Just(0u64), any::<u64>(), 0u64..10
        ]), 1..6),
    ) {
        let good = fixture_summary("conn-states.pcap");
        let mut edited = good.clone();
        let mut paths = Vec::new();
        number_paths(&edited, &mut Vec::new(), &mut paths);
        for (at, value) in &edits {
            let path = &paths[at % paths.len()];
            let slot = number_at(&mut edited, path);
            // Keep floats floats (timestamps, percentiles), so the document still parses.
            *slot = if slot.is_f64() { serde_json::json!(*value as f64) } else { serde_json::json!(value) };
        }
        let parse = |v: serde_json::Value| serde_json::from_value::<wiretally::summary::Summary>(v);
        if let (Ok(a), Ok(b)) = (parse(good), parse(edited)) {
            if let Ok(m) = wiretally::summary::merge::merge(&[a.clone(), b.clone(), a]) {
                // Whatever merged, adds up without wrapping.
                prop_assert!(m.totals.packets >= b.totals.packets);
            }
        }
    }
}

/// The real messages the outcome parsers' unit tests use (`tests/data/outcome/`, from the
/// nDPI captures), whose file names start with `prefix`, decoded from hex.
fn outcome_samples(prefixes: &[&str]) -> Vec<&'static [u8]> {
    static ALL: std::sync::OnceLock<Vec<(String, Vec<u8>)>> = std::sync::OnceLock::new();
    let all = ALL.get_or_init(|| {
        let dir = crate::common::root().join("tests/data/outcome");
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".hex"))
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|n| {
                let text = std::fs::read_to_string(dir.join(&n)).unwrap();
                let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
                let bytes = digits
                    .chunks_exact(2)
                    .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
                    .collect();
                (n, bytes)
            })
            .collect()
    });
    all.iter()
        .filter(|(n, _)| prefixes.iter().any(|p| n.starts_with(p)))
        .map(|(_, b)| b.as_slice())
        .collect()
}

/// The outcome entry points with the sample prefixes that seed each.
type OutcomeEntry = (fn(&[u8]), &'static [&'static str]);

const OUTCOME_ENTRIES: [OutcomeEntry; 5] = [
    (fuzz_entry::outcome_kerberos, &["krb5-"]),
    (fuzz_entry::outcome_smb, &["smb", "ntlmssp-"]),
    (fuzz_entry::outcome_ldap, &["ldap-"]),
    (fuzz_entry::outcome_dns, &["dns-"]),
    (fuzz_entry::outcome_dcerpc, &["dcerpc-"]),
];

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn outcome_parsers_on_mutated_real_messages(
        which in 0usize..OUTCOME_ENTRIES.len(),
        sample in 0usize..32,
        mutations in proptest::collection::vec(mutation(), 0..6),
    ) {
        let (entry, prefixes) = OUTCOME_ENTRIES[which];
        let samples = outcome_samples(prefixes);
        prop_assume!(!samples.is_empty());
        let mut bytes = samples[sample % samples.len()].to_vec();
        apply(&mut bytes, &mutations);
        entry(&bytes);
    }

    #[test]
    fn outcome_parsers_on_random_bytes(
        which in 0usize..OUTCOME_ENTRIES.len(),
        // A plausible first byte for each protocol now and then, so parsing starts.
        lead in prop_oneof![Just(vec![]), Just(vec![0x30]), Just(vec![0x7e]), Just(vec![0, 0, 0]),
            Just(vec![5, 0]), Just(vec![0xfe, b'S', b'M', b'B'])],
        tail in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let mut bytes = lead;
        bytes.extend(tail);
        OUTCOME_ENTRIES[which].0(&bytes);
    }

    #[test]
    fn outcome_stream_reassembles_any_segment_order(
        isn: u32,
        segments in proptest::collection::vec((0u8..8, 0u16..900, any::<u8>()), 0..40),
    ) {
        let mut script = isn.to_be_bytes().to_vec();
        for (ctl, offset, len) in segments {
            script.push(ctl);
            script.extend(offset.to_be_bytes());
            script.push(len);
        }
        fuzz_entry::outcome_stream(&script);
    }
}
