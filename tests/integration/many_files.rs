//! `read -R DIR`: a directory of captures read in parallel, each file its own capture,
//! identical to one thread and to merging per-file summaries; `--join-rotated` reads the
//! pieces of a rotated capture as one.

use std::path::Path;

use crate::common::{
    fixture, fixture_bytes, parse_summary, read_json, run, stderr, stdout_of, tempdir,
};

/// A directory with fixtures, one of them in a subdirectory, and a file that is no capture.
fn capture_dir(dir: &Path) -> Vec<String> {
    std::fs::create_dir_all(dir.join("sensor-b")).unwrap();
    let mut placed = Vec::new();
    for (name, sub) in [
        ("conn-states.pcap", ""),
        ("rpc-dynamic.pcap", "sensor-b"),
        ("two-interfaces.pcapng", ""),
        ("fingerprints.pcap", "sensor-b"),
        ("cutoff.pcap", ""),
    ] {
        let to = dir.join(sub).join(name);
        std::fs::copy(fixture(name), &to).unwrap();
        placed.push(to.display().to_string());
    }
    std::fs::write(dir.join("notes.txt"), "not a capture").unwrap();
    placed.sort();
    placed
}

#[test]
fn a_directory_is_read_in_parallel_as_the_merge_of_its_files() {
    let tmp = tempdir();
    let dir = tmp.path().join("captures");
    let files = capture_dir(&dir);
    let d = dir.to_str().unwrap();
    let one = stdout_of(&[
        "read",
        "--format",
        "json",
        "--no-progress",
        "--threads",
        "1",
        "-R",
        d,
    ]);
    let two = stdout_of(&[
        "read",
        "--format",
        "json",
        "--no-progress",
        "--threads",
        "2",
        "-R",
        d,
    ]);
    assert_eq!(one, two, "one thread and two give the same bytes");
    let text1 = stdout_of(&["read", "--no-progress", "--threads", "1", "-R", d]);
    let text2 = stdout_of(&["read", "--no-progress", "--threads", "2", "-R", d]);
    assert_eq!(text1, text2);

    let s = parse_summary(&one);
    assert_eq!(s.sources, files, "sorted, recursive, captures only");
    assert_eq!(s.line_sums(), (s.totals.packets, s.totals.bytes));
    // The cut-off file's warning survives the merge.
    assert!(
        s.warnings
            .iter()
            .any(|w| w.contains("cutoff.pcap") && w.contains("byte offset 1295"))
    );

    // Equal to merging the summaries of one run per file.
    let mut parts = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let path = tmp.path().join(format!("{i}.json"));
        std::fs::write(
            &path,
            stdout_of(&["read", "--format", "json", "--no-progress", f]),
        )
        .unwrap();
        parts.push(path.display().to_string());
    }
    let mut args = vec!["merge", "--format", "json"];
    args.extend(parts.iter().map(String::as_str));
    assert_eq!(parse_summary(&stdout_of(&args)), s);
}

/// Splits a classic pcap into pieces of `records` records each, named as tcpdump -C names
/// them: trace.pcap, trace.pcap1, trace.pcap2, ...
fn rotate(bytes: &[u8], records: usize, dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let (header, mut at) = (&bytes[..24], 24);
    let mut piece = 0;
    while at < bytes.len() {
        let mut out = header.to_vec();
        for _ in 0..records {
            if at + 16 > bytes.len() {
                break;
            }
            let caplen = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap()) as usize;
            out.extend_from_slice(&bytes[at..at + 16 + caplen]);
            at += 16 + caplen;
        }
        let name = if piece == 0 {
            "trace.pcap".to_string()
        } else {
            format!("trace.pcap{piece}")
        };
        std::fs::write(dir.join(name), out).unwrap();
        piece += 1;
    }
}

#[test]
fn rotated_pieces_join_when_asked() {
    let tmp = tempdir();
    let dir = tmp.path().join("rotated");
    rotate(&fixture_bytes("demo.pcap"), 400, &dir);
    let d = dir.to_str().unwrap();
    let whole = read_json(&["--no-progress", &fixture("demo.pcap")]);
    let joined = read_json(&["--no-progress", "-R", d, "--join-rotated"]);
    let split = read_json(&["--no-progress", "-R", d]);
    // All twelve pieces, in the order tcpdump wrote them (trace.pcap2 before trace.pcap10).
    let names: Vec<String> = joined
        .sources
        .iter()
        .map(|p| {
            Path::new(p)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let expected: Vec<String> = std::iter::once("trace.pcap".to_string())
        .chain((1..12).map(|i| format!("trace.pcap{i}")))
        .collect();
    assert_eq!(names, expected);
    // Joined, the pieces are the capture: every line as in one read of the whole file.
    assert_eq!(joined.services, whole.services);
    assert_eq!(joined.unknown, whole.unknown);
    assert_eq!(joined.totals, whole.totals);
    // Apart, the same packets and bytes, but flows that crossed a cut count once per piece.
    assert_eq!(
        (split.totals.packets, split.totals.bytes),
        (whole.totals.packets, whole.totals.bytes)
    );
    assert!(
        split.totals.flows > whole.totals.flows,
        "{} vs {}",
        split.totals.flows,
        whole.totals.flows
    );
}

#[test]
fn flow_records_cover_every_flow_and_bad_directories_are_named() {
    let tmp = tempdir();
    let dir = tmp.path().join("captures");
    capture_dir(&dir);
    let flows = tmp.path().join("flows.ndjson");
    let s = read_json(&[
        "--no-progress",
        "-R",
        dir.to_str().unwrap(),
        "--flows",
        flows.to_str().unwrap(),
    ]);
    let records = std::fs::read_to_string(&flows).unwrap();
    assert_eq!(records.lines().count() as u64, s.totals.flows);

    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out = run(&["read", "-R", empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "wiretally: error: no capture files (.pcap, .pcapng, .cap, also .gz) under {}\n",
            empty.display()
        )
    );
    let out = run(&["read", "-R", "/nonexistent/dir"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("wiretally: error: cannot read directory /nonexistent/dir: "));
    let out = run(&["read", "--join-rotated", &fixture("demo.pcap")]);
    assert_eq!(out.status.code(), Some(2), "--join-rotated needs -R");
}

#[test]
fn gzip_captures_read_like_plain_ones() {
    use std::io::Write;
    let tmp = tempdir();
    let plain = fixture_bytes("demo.pcap");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&plain).unwrap();
    let gz = gz.finish().unwrap();
    let path = tmp.path().join("demo.pcap.gz");
    std::fs::write(&path, &gz).unwrap();
    let p = path.to_str().unwrap();
    let whole = read_json(&["--no-progress", &fixture("demo.pcap")]);
    let unzipped = read_json(&["--no-progress", p]);
    assert_eq!(
        (unzipped.totals, unzipped.services),
        (whole.totals.clone(), whole.services.clone())
    );
    // Found by -R, too.
    let by_dir = read_json(&["--no-progress", "-R", tmp.path().to_str().unwrap()]);
    assert_eq!(by_dir.totals, whole.totals);
    // A cut gzip file: what was decompressed is counted, the damage named with its offset.
    let cut = tmp.path().join("cut.pcap.gz");
    std::fs::write(&cut, &gz[..gz.len() / 2]).unwrap();
    let out = run(&[
        "read",
        "--format",
        "json",
        "--no-progress",
        cut.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("damaged capture at byte offset") && err.contains("gzip data"),
        "{err}"
    );
    let s = parse_summary(&out.stdout);
    assert!(s.totals.packets > 0 && s.totals.packets < whole.totals.packets);
    assert_eq!(s.line_sums(), (s.totals.packets, s.totals.bytes));
}
