//! The JSON document: the [`Summary`] as it is, pretty-printed.

use std::io::{self, Write};

use super::writer::ReportWriter;
use crate::summary::Summary;

/// Writes the summary as one JSON document.
pub struct JsonWriter;

impl ReportWriter for JsonWriter {
    fn write(&self, summary: &Summary, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, summary).map_err(io::Error::from)?;
        out.write_all(b"\n")
    }
}
