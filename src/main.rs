//! The `wiretally` binary: parse the command line, run the command, turn the result into
//! an exit status and at most one line on stderr.

mod cli;
mod commands;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse().validate().unwrap_or_else(|e| e.exit());
    let result = match cli.command {
        Command::Read(args) => commands::read(args),
        Command::Live(args) => commands::live(args),
        Command::Interfaces => commands::interfaces(),
        Command::Table(args) => commands::table(args),
        Command::Lookup(args) => commands::lookup(args),
        Command::Merge(args) => commands::merge(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A closed stderr must not turn an error into a panic.
            // One line, whatever a file name or table cell holds.
            let message = wiretally::report::printable(&format!("{e:#}")).into_owned();
            let _ = writeln!(std::io::stderr().lock(), "wiretally: error: {message}");
            ExitCode::FAILURE
        }
    }
}
