//! `--flows FILE`: one record per flow, NDJSON, CSV (names ending in `.csv`) or Parquet
//! (names ending in `.parquet`).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use crate::pipeline::{FlowRecord, FlowSink};

/// Record format of a flows file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowFormat {
    /// One JSON object per line.
    Ndjson,
    /// CSV with a header row.
    Csv,
    /// Apache Parquet (with the `parquet` feature, on by default).
    Parquet,
}

impl FlowFormat {
    /// By the file name: `.csv` is CSV, `.parquet` (or `.pq`) Parquet, anything else NDJSON.
    pub fn for_path(path: &Path) -> FlowFormat {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            Some("csv") => FlowFormat::Csv,
            Some("parquet" | "pq") => FlowFormat::Parquet,
            _ => FlowFormat::Ndjson,
        }
    }
}

/// Where the records go.
enum Output {
    Ndjson(BufWriter<File>),
    Csv(Box<csv::Writer<BufWriter<File>>>),
    #[cfg(feature = "parquet")]
    Parquet(Box<super::flows_parquet::ParquetFlows>),
}

/// Writes flow records to a file created up front (so an unwritable path fails before
/// any capture is read).
pub struct FlowWriter {
    format: FlowFormat,
    out: Output,
}

impl FlowWriter {
    /// Creates the file.
    pub fn create(path: &Path) -> io::Result<FlowWriter> {
        let format = FlowFormat::for_path(path);
        #[cfg(not(feature = "parquet"))]
        if format == FlowFormat::Parquet {
            return Err(io::Error::other(
                "this wiretally was built without Parquet support (cargo feature `parquet`)",
            ));
        }
        let file = File::create(path)?;
        let out = match format {
            FlowFormat::Ndjson => Output::Ndjson(BufWriter::new(file)),
            FlowFormat::Csv => {
                Output::Csv(Box::new(csv::Writer::from_writer(BufWriter::new(file))))
            }
            #[cfg(feature = "parquet")]
            FlowFormat::Parquet => {
                Output::Parquet(Box::new(super::flows_parquet::ParquetFlows::new(file)?))
            }
            #[cfg(not(feature = "parquet"))]
            FlowFormat::Parquet => unreachable!("refused above"),
        };
        Ok(FlowWriter { format, out })
    }

    /// The record format.
    pub fn format(&self) -> FlowFormat {
        self.format
    }

    /// Writes one record.
    pub fn write(&mut self, record: &FlowRecord) -> io::Result<()> {
        match &mut self.out {
            Output::Ndjson(out) => {
                serde_json::to_writer(&mut *out, record).map_err(io::Error::from)?;
                out.write_all(b"\n")
            }
            Output::Csv(out) => out.serialize(record).map_err(io::Error::other),
            #[cfg(feature = "parquet")]
            Output::Parquet(out) => out.write(record),
        }
    }

    /// Flushes the file (for Parquet, writes its last row group and footer).
    pub fn finish(self) -> io::Result<()> {
        match self.out {
            Output::Ndjson(mut out) => out.flush(),
            Output::Csv(mut out) => out.flush(),
            #[cfg(feature = "parquet")]
            Output::Parquet(out) => out.finish(),
        }
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
