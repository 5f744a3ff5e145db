//! `wiretally-gen`: writes the project's deterministic test captures.
//!
//! * `wiretally-gen fixtures [DIR]` regenerates `fixtures/` (default `fixtures`).
//! * `wiretally-gen bulk --packets N [--flows F] [--snaplen S] [--seed X] OUT` writes a large
//!   Windows-mix capture for throughput measurements.

use std::io::BufWriter;
use std::path::PathBuf;
use std::process::ExitCode;

use wiretally::synth::bulk::{BulkOptions, write_bulk};

const USAGE: &str = "usage: wiretally-gen fixtures [DIR]\n       wiretally-gen bulk --packets N [--flows F] [--snaplen S] [--seed X] OUT";

fn bulk(args: &[String]) -> Result<(), String> {
    let mut opts = BulkOptions {
        packets: 1_000_000,
        flows: 2_000,
        snaplen: 65535,
        seed: 1,
    };
    let mut out = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .and_then(|v| v.parse::<u64>().ok())
                .ok_or_else(|| format!("{name} needs a number"))
        };
        match arg.as_str() {
            "--packets" => opts.packets = value("--packets")?,
            "--flows" => {
                opts.flows = u32::try_from(value("--flows")?).map_err(|e| e.to_string())?
            }
            "--snaplen" => {
                opts.snaplen = u32::try_from(value("--snaplen")?).map_err(|e| e.to_string())?
            }
            "--seed" => opts.seed = value("--seed")?,
            other if out.is_none() && !other.starts_with("--") => out = Some(PathBuf::from(other)),
            other => return Err(format!("unexpected argument '{other}'")),
        }
    }
    let path = out.ok_or("missing output file")?;
    let file = std::fs::File::create(&path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    write_bulk(&mut BufWriter::with_capacity(1 << 20, file), opts)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("fixtures") => {
            let dir = PathBuf::from(args.get(1).map_or("fixtures", String::as_str));
            wiretally::synth::scenarios::write_all(&dir).map_err(|e| e.to_string())
        }
        Some("bulk") => bulk(&args[1..]),
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
