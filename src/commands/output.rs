//! What every command shares at the binary's edge: writing to stdout (a closed pipe ends
//! the run quietly), opening and finishing the flows file, the `/etc/services` hints, and
//! the warning and note lines on stderr.

use std::io::{self, BufWriter, Write};

use anyhow::{Context, Result};
use wiretally::pipeline::Analyzer;
use wiretally::pipeline::SummaryOptions;
use wiretally::report::{self, FlowWriter};
use wiretally::summary::Summary;
use wiretally::summary::hints::{PortNames, annotate};

/// Writes to stdout; a closed pipe (`| head`) ends the run quietly.
pub fn emit(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<()> {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Err(e) if is_closed_pipe(&e) => Ok(()),
        other => other.context("cannot write to standard output"),
    }
}

/// Whether a write failed because the reader went away: directly, or inside the csv
/// crate's error (which turns into an `io::Error` of kind `Other`).
pub fn is_closed_pipe(e: &io::Error) -> bool {
    let inner_csv = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<csv::Error>());
    e.kind() == io::ErrorKind::BrokenPipe
        || inner_csv.is_some_and(|c| {
            matches!(c.kind(), csv::ErrorKind::Io(io) if io.kind() == io::ErrorKind::BrokenPipe)
        })
}

/// Fills in the unknown lines' port names from the system's services file
/// (`/etc/services`), when there is one.
pub fn annotate_port_names(summary: &mut Summary) {
    let names = std::fs::read_to_string("/etc/services")
        .map(|text| PortNames::parse(&text))
        .unwrap_or_default();
    annotate(summary, &names);
}

/// Creates the `--flows` file up front, so an unwritable path fails before any capture.
pub fn open_flow_writer(path: Option<&std::path::Path>) -> Result<Option<FlowWriter>> {
    path.map(|p| {
        FlowWriter::create(p).with_context(|| format!("cannot write flows file {}", p.display()))
    })
    .transpose()
}

/// Ends the run: classifies what is left and builds the summary; a flows file that
/// failed at any point of the run fails it here, naming the file.
pub fn finish_run(
    analyzer: Analyzer<'_>,
    options: &SummaryOptions,
    flows_path: Option<&std::path::Path>,
) -> Result<Summary> {
    analyzer.finish(options).with_context(|| {
        let path = flows_path.map_or_else(String::new, |p| p.display().to_string());
        format!("cannot write flows file {path}")
    })
}

/// Writes one warning line to stderr; a closed stderr is ignored, never a panic.
pub fn warn(message: &str) {
    let message = report::printable(message);
    let _ = writeln!(io::stderr().lock(), "wiretally: warning: {message}");
}

/// One line on stderr about the run (not a warning); a closed stderr is ignored.
pub fn note(message: &str) {
    let message = report::printable(message);
    let _ = writeln!(io::stderr().lock(), "wiretally: {message}");
}
