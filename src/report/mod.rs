//! Report writers: one format per file, all behind [`ReportWriter`]. Writers only render a
//! finished [`Summary`](crate::summary::Summary); they never compute counts.
//!
//! Also: the `table`/`lookup` views, the live view, flow-record files (NDJSON, CSV,
//! Parquet), units and the terminal-safety filter. May import: summary, table, classify and
//! pipeline (flow records); nothing below that reads captures.

mod csv_format;
mod flows;
#[cfg(feature = "parquet")]
mod flows_parquet;
mod json;
pub mod live;
mod printable;
pub mod table_view;
mod text;
pub mod units;
mod writer;

pub use csv_format::CsvWriter;
pub use flows::{FlowFormat, FlowWriter};
pub use json::JsonWriter;
pub use printable::printable;
pub use text::TextWriter;
pub use writer::{Format, ReportWriter};

/// The writer for a format; `top` bounds the rows per section in text output.
pub fn writer_for(format: Format, top: usize) -> Box<dyn ReportWriter> {
    match format {
        Format::Text => Box::new(TextWriter { top }),
        Format::Json => Box::new(JsonWriter),
        Format::Csv => Box::new(CsvWriter),
    }
}
