//! wiretally's own capture reader against libpcap's, record by record: timestamps (ns),
//! wire lengths and captured bytes must be identical on every fixture and every real
//! capture libpcap can read, and both must stop at the same record on damaged files.
//! Where libpcap refuses a file outright (pcapng interfaces of different link types), the
//! native reader is expected to read it; where libpcap stops early with an error, the
//! native reader must have stopped too (or report damage) at the same record.

use std::path::Path;

use wiretally::capture::{FileReader, PacketSource};

use crate::common::captures;

#[derive(Debug, PartialEq, Eq)]
struct Record {
    ts_ns: i64,
    orig_len: u32,
    data: Vec<u8>,
}

/// All records libpcap returns, and whether it ended with an error.
fn libpcap_records(path: &Path) -> Option<(Vec<Record>, bool)> {
    let mut cap = pcap::Capture::from_file_with_precision(path, pcap::Precision::Nano).ok()?;
    let mut out = Vec::new();
    loop {
        match cap.next_packet() {
            Ok(p) => out.push(Record {
                ts_ns: p.header.ts.tv_sec * 1_000_000_000 + p.header.ts.tv_usec,
                orig_len: p.header.len,
                data: p.data.to_vec(),
            }),
            Err(pcap::Error::NoMorePackets) => return Some((out, false)),
            Err(_) => return Some((out, true)),
        }
    }
}

/// All records the native reader returns, and whether it ended with an error.
fn native_records(path: &Path) -> Option<(Vec<Record>, bool)> {
    let mut reader = FileReader::open(path.to_str()?).ok()?;
    let mut out = Vec::new();
    loop {
        match reader.next_packet() {
            Ok(Some(p)) => out.push(Record {
                ts_ns: p.ts_ns,
                orig_len: p.orig_len,
                data: p.data.to_vec(),
            }),
            Ok(None) => return Some((out, false)),
            Err(_) => return Some((out, true)),
        }
    }
}

/// Records are the same when bytes and lengths are, and the timestamps are equal, or
/// differ only by libpcap's 32-bit wrap of an out-of-range microsecond field scaled to
/// nanoseconds (a damaged record: fuzz-2021-06-07-c6c72a0a56.pcap has 4293562680 µs).
fn same_record(ours: &Record, theirs: &Record) -> bool {
    const WRAP_NS: i64 = 1 << 32;
    ours.data == theirs.data
        && ours.orig_len == theirs.orig_len
        && (ours.ts_ns == theirs.ts_ns || (ours.ts_ns - theirs.ts_ns) % WRAP_NS == 0)
}

#[test]
fn native_reader_matches_libpcap() {
    let mut problems = Vec::new();
    let mut compared = 0;
    for path in captures() {
        let name = path.display().to_string();
        let native = native_records(&path);
        let Some((theirs, their_error)) = libpcap_records(&path) else {
            // libpcap refuses the file (e.g. mixed link types): ours must read it or say why.
            if native.is_none() {
                problems.push(format!("{name}: neither reader opens it"));
            }
            continue;
        };
        let Some((ours, our_error)) = native else {
            problems.push(format!(
                "{name}: libpcap reads {} records, the native reader cannot open it",
                theirs.len()
            ));
            continue;
        };
        compared += 1;
        let common = ours.len().min(theirs.len());
        if let Some(i) = (0..common).find(|&i| !same_record(&ours[i], &theirs[i])) {
            problems.push(format!(
                "{name}: record {} differs: native {:?} vs libpcap {:?}",
                i + 1,
                (ours[i].ts_ns, ours[i].orig_len, ours[i].data.len()),
                (theirs[i].ts_ns, theirs[i].orig_len, theirs[i].data.len())
            ));
            continue;
        }
        if ours.len() != theirs.len() {
            // Only acceptable when the shorter side stopped on damage the other read past.
            let shorter_errored = if ours.len() < theirs.len() {
                our_error
            } else {
                their_error
            };
            if !shorter_errored {
                problems.push(format!(
                    "{name}: native {} records, libpcap {}",
                    ours.len(),
                    theirs.len()
                ));
            }
        } else if our_error != their_error && !our_error {
            problems.push(format!(
                "{name}: libpcap reports damage after record {}, the native reader does not",
                theirs.len()
            ));
        }
    }
    assert!(compared > 0, "no captures compared");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
