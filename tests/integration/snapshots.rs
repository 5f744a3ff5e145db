//! Snapshots of everything the binary prints, recorded before the restructure so that any
//! change of output shows up as a diff: every fixture in text, JSON and CSV, with its flow
//! records as NDJSON and CSV; the `table`, `lookup` and `merge` views in each format; and,
//! when `../shared/captures/ndpi` is present, one digest line per capture and format.
//!
//! Update deliberately with `INSTA_UPDATE=always cargo test --test integration snapshots`
//! (or `cargo insta review`), then read the diff before committing it.

use std::path::{Path, PathBuf};

use crate::common::{bin, root, stderr, tempdir};

/// Runs wiretally in the project root (every run starts there and names captures by
/// relative path, so the output does not depend on where the repository was cloned) and
/// returns its standard output, failing the test with stderr when it exits with an error.
fn stdout_in_root(args: &[&str]) -> String {
    let out = bin()
        .current_dir(root())
        .args(args)
        .output()
        .expect("wiretally runs");
    assert!(
        out.status.success(),
        "wiretally {args:?} failed: {}",
        stderr(&out)
    );
    String::from_utf8(out.stdout).expect("output is UTF-8")
}

/// Runs `read` with `--flows` into a temporary file and returns (stdout, flow records).
fn run_with_flows(args: &[&str], flows_name: &str) -> (String, String) {
    let dir = tempdir();
    let flows = dir.path().join(flows_name);
    let flows_arg = flows.display().to_string();
    let mut full = args.to_vec();
    full.extend(["--flows", flows_arg.as_str()]);
    let stdout = stdout_in_root(&full);
    let records = std::fs::read_to_string(&flows).expect("flow records written");
    (stdout, records)
}

/// insta settings: snapshots live in `tests/snapshots/` under the names given here, without
/// the test module's path, so moving this file does not rename them.
fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root().join("tests/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings
}

/// The fixtures, by file name, sorted.
fn fixtures() -> Vec<String> {
    crate::common::fixtures()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

const READ: [&str; 2] = ["read", "--no-progress"];

#[test]
fn every_fixture_in_every_format() {
    settings().bind(|| {
        for name in fixtures() {
            let path = format!("fixtures/{name}");
            let with = |extra: &[&'static str]| -> Vec<&str> {
                let mut args: Vec<&str> = READ.to_vec();
                args.extend(extra);
                args.push(path.as_str());
                args
            };
            let (text, flows_csv) = run_with_flows(&with(&["--format", "text"]), "flows.csv");
            let (json, flows_ndjson) = run_with_flows(&with(&["--format", "json"]), "flows.ndjson");
            let csv = stdout_in_root(&with(&["--format", "csv"]));
            insta::assert_snapshot!(format!("read-{name}-text"), text);
            insta::assert_snapshot!(format!("read-{name}-json"), json);
            insta::assert_snapshot!(format!("read-{name}-csv"), csv);
            insta::assert_snapshot!(format!("read-{name}-flows-ndjson"), flows_ndjson);
            insta::assert_snapshot!(format!("read-{name}-flows-csv"), flows_csv);
        }
    });
}

#[test]
fn focused_and_failed_reports() {
    settings().bind(|| {
        let cases: [(&str, &[&str]); 4] = [
            ("failed", &["--failed"]),
            ("host", &["--host", "10.10.0.11"]),
            ("service", &["--service", "Kerberos"]),
            ("filter", &["--filter", "tcp port 445"]),
        ];
        for (case, extra) in cases {
            for format in ["text", "json", "csv"] {
                let mut args = READ.to_vec();
                args.extend(extra);
                args.extend(["--format", format, "fixtures/demo.pcap"]);
                insta::assert_snapshot!(
                    format!("read-demo-{case}-{format}"),
                    stdout_in_root(&args)
                );
            }
        }
    });
}

#[test]
fn table_and_lookup_views() {
    settings().bind(|| {
        for format in ["text", "json", "csv"] {
            insta::assert_snapshot!(
                format!("table-{format}"),
                stdout_in_root(&["table", "--format", format])
            );
            insta::assert_snapshot!(
                format!("lookup-{format}"),
                stdout_in_root(&[
                    "lookup",
                    "--format",
                    format,
                    "445/tcp",
                    "135/tcp",
                    "50000/tcp",
                    "2703/udp",
                    "88/udp",
                    "1/tcp",
                    "esp",
                    "gre",
                    "ip/47",
                ])
            );
        }
        insta::assert_snapshot!("table-check", stdout_in_root(&["table", "--check"]));
    });
}

#[test]
fn merge_in_every_format() {
    settings().bind(|| {
        let dir = tempdir();
        let mut parts = Vec::new();
        for name in ["demo.pcap", "rpc-dynamic.pcap", "conn-states.pcap"] {
            let json = stdout_in_root(&[
                "read",
                "--no-progress",
                "--format",
                "json",
                &format!("fixtures/{name}"),
            ]);
            let path = dir.path().join(format!("{name}.json"));
            std::fs::write(&path, json).unwrap();
            parts.push(path.display().to_string());
        }
        for format in ["text", "json", "csv"] {
            let mut args = vec!["merge", "--format", format];
            args.extend(parts.iter().map(String::as_str));
            // The sources name the temporary files: keep only their file names.
            let out = stdout_in_root(&args).replace(&format!("{}/", dir.path().display()), "");
            insta::assert_snapshot!(format!("merge-{format}"), out);
        }
    });
}

/// FNV-1a, 64 bits: a stable digest of an output, enough to see that it changed.
fn digest(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The digest lines of one shared capture: text, JSON, CSV, flow NDJSON and flow CSV.
fn digests_of(path: &Path) -> String {
    let rel = format!(
        "../shared/captures/ndpi/{}",
        path.file_name().unwrap().to_string_lossy()
    );
    let args = |format: &'static str| vec!["read", "--no-progress", "--format", format];
    let mut text_args = args("text");
    text_args.push(&rel);
    let mut json_args = args("json");
    json_args.push(&rel);
    let mut csv_args = args("csv");
    csv_args.push(&rel);
    let (text, flows_csv) = run_with_flows(&text_args, "flows.csv");
    let (json, flows_ndjson) = run_with_flows(&json_args, "flows.ndjson");
    let csv = stdout_in_root(&csv_args);
    let name = path.file_name().unwrap().to_string_lossy();
    [
        ("text", text),
        ("json", json),
        ("csv", csv),
        ("flows-ndjson", flows_ndjson),
        ("flows-csv", flows_csv),
    ]
    .iter()
    .map(|(format, out)| {
        format!(
            "{name} {format} {} {:016x}\n",
            out.len(),
            digest(out.as_bytes())
        )
    })
    .collect()
}

#[test]
fn shared_captures_digests() {
    // The shared captures are optional, as for every test that reads them.
    let Some(dir) = crate::common::shared_capture("ndpi") else {
        return;
    };
    let entries = std::fs::read_dir(&dir).unwrap();
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    // Two workers: the captures are independent, and the lines are put back in file order.
    let halves: Vec<Vec<(usize, PathBuf)>> = (0..2)
        .map(|k| {
            files
                .iter()
                .cloned()
                .enumerate()
                .filter(|(i, _)| i % 2 == k)
                .collect()
        })
        .collect();
    let mut lines: Vec<(usize, String)> = std::thread::scope(|s| {
        let workers: Vec<_> = halves
            .into_iter()
            .map(|half| {
                s.spawn(move || {
                    half.into_iter()
                        .map(|(i, p)| (i, digests_of(&p)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    lines.sort();
    let all: String = lines.into_iter().map(|(_, l)| l).collect();
    settings().bind(|| insta::assert_snapshot!("shared-captures-digests", all));
}
