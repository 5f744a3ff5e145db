//! The `wiretally` binary: parse the command line, run the command, turn the result into
//! an exit status and at most one line on stderr.

mod cli;
mod commands;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use cli::{Cli, Config, Invalid};

fn main() -> ExitCode {
    let result = match Cli::parse().validate() {
        Err(Invalid::Usage(e)) => e.exit(),
        Err(Invalid::Failed(e)) => Err(e),
        Ok(Config::Read(args, checked)) => commands::read(args, checked),
        Ok(Config::Live(args, checked)) => commands::live(args, checked),
        Ok(Config::Interfaces) => commands::interfaces(),
        Ok(Config::Table(args, table)) => commands::table(args, table),
        Ok(Config::Lookup(args, table, queries)) => commands::lookup(args, table, queries),
        Ok(Config::Merge(args)) => commands::merge(args),
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
