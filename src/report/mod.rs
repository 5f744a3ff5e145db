//! Report writers: one format per file, all behind [`ReportWriter`]. Writers only render a
//! finished [`Summary`]; they never compute counts.

mod csv_format;
mod flows;
#[cfg(feature = "parquet")]
mod flows_parquet;
mod json;
pub mod live;
mod text;
pub mod units;

use std::io::{self, Write};

pub use csv_format::CsvWriter;
pub use flows::{FlowFormat, FlowWriter};
pub use json::JsonWriter;
pub use text::TextWriter;

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

/// The writer for a format; `top` bounds the rows per section in text output.
pub fn writer_for(format: Format, top: usize) -> Box<dyn ReportWriter> {
    match format {
        Format::Text => Box::new(TextWriter { top }),
        Format::Json => Box::new(JsonWriter),
        Format::Csv => Box::new(CsvWriter),
    }
}

/// Whether a character could change how a terminal shows what follows it: control
/// characters (escape sequences, carriage returns, backspaces) and the invisible
/// direction and width marks that can make text read differently from what it is.
fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// Escapes control characters and direction marks (as `\u{1b}`, `\n`, ...) so names
/// from tables, packets or file names cannot drive or disguise the terminal.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(is_unsafe_char) {
        text.chars()
            .map(|c| {
                if is_unsafe_char(c) {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}
