//! What every report format implements ([`ReportWriter`]) and the formats there are
//! ([`Format`]).

use std::io::{self, Write};

use crate::summary::Summary;

/// Renders a summary.
pub trait ReportWriter {
    /// Writes the whole report to `out`.
    fn write(&self, summary: &Summary, out: &mut dyn Write) -> io::Result<()>;
}

/// The output formats of `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned tables for people.
    Text,
    /// One JSON document (see the README for the schema).
    Json,
    /// One CSV row per service, unknown and other line.
    Csv,
}
