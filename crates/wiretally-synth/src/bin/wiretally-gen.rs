//! `wiretally-gen`: writes the project's deterministic test captures.
//!
//! * `wiretally-gen fixtures [DIR]` regenerates `fixtures/` (default `fixtures`).
//! * `wiretally-gen bulk --packets N [--flows F] [--snaplen S] [--seed X] OUT` writes a large
//!   Windows-mix capture for throughput measurements.
//! * `wiretally-gen churn --flows N [--per-second R] OUT` writes N short, distinct TCP
//!   connections (four packets each, R new ones per second of packet time) for memory
//!   measurements with flow expiry.
//! * `wiretally-gen scatter --flows N [--seed X] OUT` writes N one-packet flows with
//!   random addresses and ports, for the `--max-flows` bound.
//! * `wiretally-gen --help` prints this usage (exit status 0); anything else unknown
//!   prints it on stderr with exit status 2.

use std::io::BufWriter;
use std::path::PathBuf;
use std::process::ExitCode;

use wiretally_synth::bulk::{BulkOptions, write_bulk};
use wiretally_synth::churn::{ChurnOptions, write_churn};
use wiretally_synth::scatter::{ScatterOptions, write_scatter};

const USAGE: &str = "usage: wiretally-gen fixtures [DIR]\n       wiretally-gen bulk --packets N [--flows F] [--snaplen S] [--seed X] OUT\n       wiretally-gen churn --flows N [--per-second R] OUT\n       wiretally-gen scatter --flows N [--seed X] OUT";

/// Parses `--name NUMBER` pairs and one output path.
fn numbered_options(
    args: &[String],
    names: &[&str],
) -> Result<(Vec<Option<u64>>, PathBuf), String> {
    let mut values = vec![None; names.len()];
    let mut out = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if let Some(slot) = names.iter().position(|n| n == arg) {
            let value = it
                .next()
                .and_then(|v| v.parse::<u64>().ok())
                .ok_or_else(|| format!("{arg} needs a number"))?;
            values[slot] = Some(value);
        } else if out.is_none() && !arg.starts_with("--") {
            out = Some(PathBuf::from(arg));
        } else {
            return Err(format!("unexpected argument '{arg}'"));
        }
    }
    Ok((values, out.ok_or("missing output file")?))
}

/// Creates `path` and streams `write` into it.
fn write_file(
    path: &PathBuf,
    write: impl FnOnce(&mut BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<(), String> {
    let file = std::fs::File::create(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    write(&mut out)
        .and_then(|()| std::io::Write::flush(&mut out))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn churn(args: &[String]) -> Result<(), String> {
    let (values, path) = numbered_options(args, &["--flows", "--per-second"])?;
    let opts = ChurnOptions {
        flows: values[0].unwrap_or(1_000_000),
        per_second: values[1].unwrap_or(10_000),
    };
    write_file(&path, |out| write_churn(out, opts))
}

fn scatter(args: &[String]) -> Result<(), String> {
    let (values, path) = numbered_options(args, &["--flows", "--seed"])?;
    let opts = ScatterOptions {
        flows: values[0].unwrap_or(10_000_000),
        seed: values[1].unwrap_or(1),
    };
    write_file(&path, |out| write_scatter(out, opts))
}

fn bulk(args: &[String]) -> Result<(), String> {
    let (values, path) = numbered_options(args, &["--packets", "--flows", "--snaplen", "--seed"])?;
    let narrow = |v: Option<u64>, default: u32| {
        v.map_or(Ok(default), |v| u32::try_from(v).map_err(|e| e.to_string()))
    };
    let opts = BulkOptions {
        packets: values[0].unwrap_or(1_000_000),
        flows: narrow(values[1], 2_000)?,
        snaplen: narrow(values[2], 65_535)?,
        seed: values[3].unwrap_or(1),
    };
    write_file(&path, |out| write_bulk(out, opts))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("fixtures") => {
            let dir = PathBuf::from(args.get(1).map_or("fixtures", String::as_str));
            wiretally_synth::scenarios::write_all(&dir).map_err(|e| e.to_string())
        }
        Some("bulk") => bulk(&args[1..]),
        Some("churn") => churn(&args[1..]),
        Some("scatter") => scatter(&args[1..]),
        Some("--help" | "-h" | "help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wiretally-gen: error: {e}");
            ExitCode::FAILURE
        }
    }
}
