//! `--flows FILE.parquet`: flow records as Apache Parquet, for DuckDB, Spark, Trino or
//! ClickHouse. The columns are the record fields with their proper types: timestamps as
//! UTC microsecond timestamps, counters as unsigned integers, addresses and names as
//! strings, system services as a list. Rows are buffered in batches of
//! [`BATCH_ROWS`] and written in Snappy-compressed row groups of [`ROW_GROUP_ROWS`], so
//! memory stays bounded however many flows a capture has.

use std::fs::File;
use std::io;
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, ListBuilder, StringBuilder, TimestampMicrosecondBuilder,
    UInt8Builder, UInt16Builder, UInt64Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::pipeline::FlowRecord;

/// Rows buffered before they are handed to the Parquet writer.
pub const BATCH_ROWS: usize = 8192;
/// Rows per row group (about 10 MB of column data at the record's width).
pub const ROW_GROUP_ROWS: usize = 128 * 1024;

/// The columns, in order.
fn schema() -> SchemaRef {
    let text = |name: &str, nullable: bool| Field::new(name, DataType::Utf8, nullable);
    let ts = |name: &str| {
        Field::new(
            name,
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        )
    };
    let count = |name: &str| Field::new(name, DataType::UInt64, false);
    Arc::new(Schema::new(vec![
        text("transport", false),
        Field::new("ip_proto", DataType::UInt8, false),
        text("client", false),
        Field::new("client_port", DataType::UInt16, true),
        text("server", false),
        Field::new("server_port", DataType::UInt16, true),
        text("service", true),
        Field::new(
            "system_services",
            DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true))),
            false,
        ),
        text("match", false),
        text("server_rule", false),
        ts("first_ts"),
        ts("last_ts"),
        count("packets_c2s"),
        count("bytes_c2s"),
        count("packets_s2c"),
        count("bytes_s2c"),
        text("ended_by", false),
        text("conn_state", false),
        Field::new("syn_retransmissions", DataType::UInt8, false),
        text("icmp", true),
        Field::new("syn_ack_ms", DataType::Float64, true),
        Field::new("ack_ms", DataType::Float64, true),
        text("client_payload", true),
        text("server_payload", true),
        text("server_name", true),
        text("rpc_interface", true),
        text("rpc_identified_by", true),
        text("outcome", true),
        text("outcome_class", true),
        count("answers"),
        text("account", true),
        text("smb_dialect", true),
        Field::new("smb_signing_required", DataType::Boolean, true),
        Field::new("smb_encrypted", DataType::Boolean, true),
    ]))
}

/// Column builders for one batch.
struct Columns {
    transport: StringBuilder,
    ip_proto: UInt8Builder,
    client: StringBuilder,
    client_port: UInt16Builder,
    server: StringBuilder,
    server_port: UInt16Builder,
    service: StringBuilder,
    system_services: ListBuilder<StringBuilder>,
    match_kind: StringBuilder,
    server_rule: StringBuilder,
    first_ts: TimestampMicrosecondBuilder,
    last_ts: TimestampMicrosecondBuilder,
    packets_c2s: UInt64Builder,
    bytes_c2s: UInt64Builder,
    packets_s2c: UInt64Builder,
    bytes_s2c: UInt64Builder,
    ended_by: StringBuilder,
    conn_state: StringBuilder,
    syn_retransmissions: UInt8Builder,
    icmp: StringBuilder,
    syn_ack_ms: Float64Builder,
    ack_ms: Float64Builder,
    client_payload: StringBuilder,
    server_payload: StringBuilder,
    server_name: StringBuilder,
    rpc_interface: StringBuilder,
    rpc_identified_by: StringBuilder,
    outcome: StringBuilder,
    outcome_class: StringBuilder,
    answers: UInt64Builder,
    account: StringBuilder,
    smb_dialect: StringBuilder,
    smb_signing_required: BooleanBuilder,
    smb_encrypted: BooleanBuilder,
}

/// Seconds since the epoch (with fraction) as whole microseconds.
fn micros(secs: f64) -> i64 {
    (secs * 1e6).round() as i64
}

impl Columns {
    fn new() -> Columns {
        let ts = || TimestampMicrosecondBuilder::new().with_timezone("UTC");
        Columns {
            transport: StringBuilder::new(),
            ip_proto: UInt8Builder::new(),
            client: StringBuilder::new(),
            client_port: UInt16Builder::new(),
            server: StringBuilder::new(),
            server_port: UInt16Builder::new(),
            service: StringBuilder::new(),
            system_services: ListBuilder::new(StringBuilder::new()),
            match_kind: StringBuilder::new(),
            server_rule: StringBuilder::new(),
            first_ts: ts(),
            last_ts: ts(),
            packets_c2s: UInt64Builder::new(),
            bytes_c2s: UInt64Builder::new(),
            packets_s2c: UInt64Builder::new(),
            bytes_s2c: UInt64Builder::new(),
            ended_by: StringBuilder::new(),
            conn_state: StringBuilder::new(),
            syn_retransmissions: UInt8Builder::new(),
            icmp: StringBuilder::new(),
            syn_ack_ms: Float64Builder::new(),
            ack_ms: Float64Builder::new(),
            client_payload: StringBuilder::new(),
            server_payload: StringBuilder::new(),
            server_name: StringBuilder::new(),
            rpc_interface: StringBuilder::new(),
            rpc_identified_by: StringBuilder::new(),
            outcome: StringBuilder::new(),
            outcome_class: StringBuilder::new(),
            answers: UInt64Builder::new(),
            account: StringBuilder::new(),
            smb_dialect: StringBuilder::new(),
            smb_signing_required: BooleanBuilder::new(),
            smb_encrypted: BooleanBuilder::new(),
        }
    }

    fn push(&mut self, r: &FlowRecord) {
        self.transport.append_value(r.transport);
        self.ip_proto.append_value(r.ip_proto);
        self.client.append_value(&r.client);
        self.client_port.append_option(r.client_port);
        self.server.append_value(&r.server);
        self.server_port.append_option(r.server_port);
        self.service.append_option(r.service.as_deref());
        for s in &r.system_services {
            self.system_services.values().append_value(s);
        }
        self.system_services.append(true);
        self.match_kind.append_value(r.match_kind);
        self.server_rule.append_value(r.server_rule);
        self.first_ts.append_value(micros(r.first_ts));
        self.last_ts.append_value(micros(r.last_ts));
        self.packets_c2s.append_value(r.packets_c2s);
        self.bytes_c2s.append_value(r.bytes_c2s);
        self.packets_s2c.append_value(r.packets_s2c);
        self.bytes_s2c.append_value(r.bytes_s2c);
        self.ended_by.append_value(r.ended_by);
        self.conn_state.append_value(r.conn_state);
        self.syn_retransmissions.append_value(r.syn_retransmissions);
        self.icmp.append_option(r.icmp);
        self.syn_ack_ms.append_option(r.syn_ack_ms);
        self.ack_ms.append_option(r.ack_ms);
        self.client_payload.append_option(r.client_payload);
        self.server_payload.append_option(r.server_payload);
        self.server_name.append_option(r.server_name.as_deref());
        self.rpc_interface.append_option(r.rpc_interface.as_deref());
        self.rpc_identified_by.append_option(r.rpc_identified_by);
        self.outcome.append_option(r.outcome.as_deref());
        self.outcome_class.append_option(r.outcome_class);
        self.answers.append_value(r.answers);
        self.account.append_option(r.account.as_deref());
        self.smb_dialect.append_option(r.smb_dialect.as_deref());
        self.smb_signing_required
            .append_option(r.smb_signing_required);
        self.smb_encrypted.append_option(r.smb_encrypted);
    }

    /// The batch so far, leaving the builders empty.
    fn finish(&mut self, schema: &SchemaRef) -> io::Result<RecordBatch> {
        let arrays: Vec<ArrayRef> = vec![
            Arc::new(self.transport.finish()),
            Arc::new(self.ip_proto.finish()),
            Arc::new(self.client.finish()),
            Arc::new(self.client_port.finish()),
            Arc::new(self.server.finish()),
            Arc::new(self.server_port.finish()),
            Arc::new(self.service.finish()),
            Arc::new(self.system_services.finish()),
            Arc::new(self.match_kind.finish()),
            Arc::new(self.server_rule.finish()),
            Arc::new(self.first_ts.finish()),
            Arc::new(self.last_ts.finish()),
            Arc::new(self.packets_c2s.finish()),
            Arc::new(self.bytes_c2s.finish()),
            Arc::new(self.packets_s2c.finish()),
            Arc::new(self.bytes_s2c.finish()),
            Arc::new(self.ended_by.finish()),
            Arc::new(self.conn_state.finish()),
            Arc::new(self.syn_retransmissions.finish()),
            Arc::new(self.icmp.finish()),
            Arc::new(self.syn_ack_ms.finish()),
            Arc::new(self.ack_ms.finish()),
            Arc::new(self.client_payload.finish()),
            Arc::new(self.server_payload.finish()),
            Arc::new(self.server_name.finish()),
            Arc::new(self.rpc_interface.finish()),
            Arc::new(self.rpc_identified_by.finish()),
            Arc::new(self.outcome.finish()),
            Arc::new(self.outcome_class.finish()),
            Arc::new(self.answers.finish()),
            Arc::new(self.account.finish()),
            Arc::new(self.smb_dialect.finish()),
            Arc::new(self.smb_signing_required.finish()),
            Arc::new(self.smb_encrypted.finish()),
        ];
        RecordBatch::try_new(Arc::clone(schema), arrays).map_err(io::Error::other)
    }
}

/// A Parquet flows file being written.
pub struct ParquetFlows {
    schema: SchemaRef,
    /// Taken when the file is closed (by `finish`, or on drop after a failed run).
    writer: Option<ArrowWriter<File>>,
    columns: Columns,
    rows: usize,
}

impl ParquetFlows {
    /// Starts a Parquet file on `file` (created before the capture starts).
    pub fn new(file: File) -> io::Result<ParquetFlows> {
        let schema = schema();
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_created_by(format!("wiretally {}", env!("CARGO_PKG_VERSION")))
            .build();
        let writer = ArrowWriter::try_new(file, Arc::clone(&schema), Some(props))
            .map_err(io::Error::other)?;
        Ok(ParquetFlows {
            schema,
            writer: Some(writer),
            columns: Columns::new(),
            rows: 0,
        })
    }

    /// Adds one record (written out with its batch).
    pub fn write(&mut self, record: &FlowRecord) -> io::Result<()> {
        self.columns.push(record);
        self.rows += 1;
        if self.rows == BATCH_ROWS {
            self.flush_batch()?;
        }
        Ok(())
    }

    fn flush_batch(&mut self) -> io::Result<()> {
        if self.rows > 0 {
            let batch = self.columns.finish(&self.schema)?;
            if let Some(writer) = &mut self.writer {
                writer.write(&batch).map_err(io::Error::other)?;
            }
            self.rows = 0;
        }
        Ok(())
    }

    /// Writes the last batch and the file footer.
    pub fn finish(mut self) -> io::Result<()> {
        self.close()
    }

    fn close(&mut self) -> io::Result<()> {
        self.flush_batch()?;
        if let Some(writer) = self.writer.take() {
            writer.close().map_err(io::Error::other)?;
        }
        Ok(())
    }
}

impl Drop for ParquetFlows {
    /// A run that stops with an error still leaves a readable file of the records so far
    /// (errors here have nowhere to go: the run is already reporting one).
    fn drop(&mut self) {
        let _ = self.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::file::reader::{FileReader, SerializedFileReader};

    fn record(i: u64) -> FlowRecord {
        FlowRecord {
            transport: "tcp",
            ip_proto: 6,
            client: format!("10.0.{}.{}", i / 256 % 256, i % 256),
            client_port: Some(50000),
            server: "10.1.0.10".into(),
            server_port: Some(445),
            service: (i % 2 == 0).then(|| "SMB".to_string()),
            system_services: vec!["Server".into(), "Print Spooler".into()],
            match_kind: "exact",
            server_rule: "syn",
            first_ts: 1_767_603_600.25 + i as f64,
            last_ts: 1_767_603_601.5 + i as f64,
            packets_c2s: i,
            bytes_c2s: 60 * i,
            packets_s2c: 1,
            bytes_s2c: 60,
            ended_by: "closed",
            conn_state: "established",
            syn_retransmissions: 0,
            icmp: None,
            syn_ack_ms: Some(0.5),
            ack_ms: None,
            client_payload: Some("smb2"),
            server_payload: None,
            server_name: None,
            rpc_interface: None,
            rpc_identified_by: None,
            outcome: None,
            outcome_class: None,
            answers: 0,
            account: None,
            smb_dialect: None,
            smb_signing_required: None,
            smb_encrypted: None,
        }
    }

    #[test]
    fn rows_go_out_in_bounded_row_groups() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("flows.parquet");
        let mut w = ParquetFlows::new(File::create(&path).unwrap()).unwrap();
        let rows = 2 * ROW_GROUP_ROWS as u64 + 1000;
        for i in 0..rows {
            w.write(&record(i)).unwrap();
        }
        // Rows go out in batches: what waits in the builders is less than one.
        assert_eq!(w.rows as u64, rows % BATCH_ROWS as u64);
        w.finish().unwrap();
        let reader = SerializedFileReader::new(File::open(&path).unwrap()).unwrap();
        let meta = reader.metadata();
        assert_eq!(meta.file_metadata().num_rows() as u64, rows);
        assert_eq!(meta.num_row_groups(), 3);
        assert_eq!(meta.row_group(0).num_rows() as usize, ROW_GROUP_ROWS);
        let columns: Vec<&str> = meta
            .file_metadata()
            .schema_descr()
            .columns()
            .iter()
            .map(|c| c.name())
            .collect();
        assert_eq!(columns.len(), 34, "{columns:?}");
        assert_eq!(micros(1_767_603_600.25), 1_767_603_600_250_000);
    }

    #[test]
    fn a_writer_dropped_without_finish_still_leaves_a_readable_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cut.parquet");
        let mut w = ParquetFlows::new(File::create(&path).unwrap()).unwrap();
        for i in 0..10_000 {
            w.write(&record(i)).unwrap();
        }
        drop(w);
        let reader = SerializedFileReader::new(File::open(&path).unwrap()).unwrap();
        assert_eq!(reader.metadata().file_metadata().num_rows(), 10_000);
    }
}
