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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned tables for people.
    Text,
    /// One JSON document (see the README for the schema).
    Json,
    /// One CSV row per service, unknown and other line.
    Csv,
}

impl Format {
    /// Every format, with its name on the command line and what it is.
    pub const ALL: [(Format, &'static str, &'static str); 3] = [
        (Format::Text, "text", "Aligned tables for people"),
        (
            Format::Json,
            "json",
            "One JSON document (see the README for the schema)",
        ),
        (
            Format::Csv,
            "csv",
            "One CSV row per service, unknown and other line",
        ),
    ];

    /// The format named `name` (as [`Format::ALL`] spells it).
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|(f, _, _)| *f)
    }
}
