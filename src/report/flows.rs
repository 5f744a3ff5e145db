//! `--flows FILE`: one record per flow, NDJSON or (for names ending in `.csv`) CSV.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use crate::analyze::{FlowRecord, FlowSink};

/// Record format of a flows file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowFormat {
    /// One JSON object per line.
    Ndjson,
    /// CSV with a header row.
    Csv,
}

impl FlowFormat {
    /// CSV when the path ends in `.csv`, NDJSON otherwise.
    pub fn for_path(path: &Path) -> FlowFormat {
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        {
            FlowFormat::Csv
        } else {
            FlowFormat::Ndjson
        }
    }
}

/// Writes flow records to a file created up front (so an unwritable path fails before
/// any capture is read).
pub struct FlowWriter {
    format: FlowFormat,
    ndjson: Option<BufWriter<File>>,
    csv: Option<csv::Writer<BufWriter<File>>>,
}

impl FlowWriter {
    /// Creates the file.
    pub fn create(path: &Path) -> io::Result<FlowWriter> {
        let file = BufWriter::new(File::create(path)?);
        let format = FlowFormat::for_path(path);
        Ok(match format {
            FlowFormat::Ndjson => FlowWriter {
                format,
                ndjson: Some(file),
                csv: None,
            },
            FlowFormat::Csv => FlowWriter {
                format,
                ndjson: None,
                csv: Some(csv::Writer::from_writer(file)),
            },
        })
    }

    /// The record format.
    pub fn format(&self) -> FlowFormat {
        self.format
    }

    /// Writes one record.
    pub fn write(&mut self, record: &FlowRecord) -> io::Result<()> {
        if let Some(out) = &mut self.ndjson {
            serde_json::to_writer(&mut *out, record).map_err(io::Error::other)?;
            out.write_all(b"\n")?;
        }
        if let Some(out) = &mut self.csv {
            out.serialize(record)?;
        }
        Ok(())
    }

    /// Flushes the file.
    pub fn finish(mut self) -> io::Result<()> {
        if let Some(out) = &mut self.ndjson {
            out.flush()?;
        }
        if let Some(out) = &mut self.csv {
            out.flush()?;
        }
        Ok(())
    }
}

impl FlowSink for FlowWriter {
    fn write(&mut self, record: &FlowRecord) -> io::Result<()> {
        FlowWriter::write(self, record)
    }

    fn finish(self: Box<Self>) -> io::Result<()> {
        FlowWriter::finish(*self)
    }
}
