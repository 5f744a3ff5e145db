//! `wiretally-gen`: writes the project's deterministic test captures.
//!
//! `wiretally-gen fixtures [DIR]` regenerates `fixtures/` (default `fixtures`).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("fixtures") => {
            let dir = PathBuf::from(args.get(1).map_or("fixtures", String::as_str));
            wiretally::synth::scenarios::write_all(&dir)
                .map(|()| eprintln!("wrote fixtures to {}", dir.display()))
        }
        _ => {
            eprintln!("usage: wiretally-gen fixtures [DIR]");
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
