//! CSV: one row per service, unknown and other line, exact numbers, so the rows add up to
//! the capture's totals.

use std::io::{self, Write};

use super::printable::printable;
use super::writer::ReportWriter;
use crate::summary::conn::ConnCounters;
use crate::summary::{Counters, Summary};

/// Writes the summary as CSV.
pub struct CsvWriter;

const HEADER: [&str; 25] = [
    "section",
    "label",
    "transport",
    "port",
    "port_lo",
    "port_hi",
    "ip_proto",
    "match",
    "flows",
    "packets",
    "bytes",
    "packets_c2s",
    "bytes_c2s",
    "packets_s2c",
    "bytes_s2c",
    "system_services",
    "kind",
    "attempts",
    "established",
    "failed",
    "unanswered",
    "rejected",
    "unreachable",
    "refused_after_connect",
    "answered_with_error",
];

/// The connection columns of a service or unknown line.
fn conn_fields(c: &ConnCounters) -> [String; 8] {
    [
        c.attempts,
        c.established,
        c.failed(),
        c.unanswered,
        c.rejected,
        c.unreachable.values().sum(),
        c.refused_after_connect,
        c.answered_with_error,
    ]
    .map(|n| n.to_string())
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn counter_fields(c: &Counters) -> [String; 7] {
    [
        c.flows,
        c.packets,
        c.bytes,
        c.packets_c2s,
        c.bytes_c2s,
        c.packets_s2c,
        c.bytes_s2c,
    ]
    .map(|n| n.to_string())
}

/// Writes one row with every cell escaped (see [`printable`]): labels from tables, and
/// every string of a summary that `merge` read.
fn write_row<W: Write>(w: &mut csv::Writer<W>, row: &[String]) -> csv::Result<()> {
    w.write_record(row.iter().map(|cell| printable(cell).into_owned()))
}

impl ReportWriter for CsvWriter {
    fn write(&self, summary: &Summary, out: &mut dyn Write) -> io::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(HEADER)?;
        for s in &summary.services {
            let mut row = vec![
                "service".to_string(),
                s.label.clone(),
                s.transport.to_string(),
                opt(s.port),
                opt(s.port_range.map(|r| r[0])),
                opt(s.port_range.map(|r| r[1])),
                opt(s.ip_proto),
                s.match_kind.to_string(),
            ];
            row.extend(counter_fields(&s.counters));
            row.push(s.system_services.join("; "));
            row.push(String::new());
            row.extend(conn_fields(&s.connections));
            write_row(&mut w, &row)?;
        }
        for u in &summary.unknown {
            let mut row = vec![
                "unknown".to_string(),
                u.name.clone().unwrap_or_default(),
                u.transport.to_string(),
                opt(u.port),
                String::new(),
                String::new(),
                opt(u.ip_proto),
                "none".to_string(),
            ];
            row.extend(counter_fields(&u.counters));
            row.push(String::new());
            row.push(String::new());
            row.extend(conn_fields(&u.connections));
            write_row(&mut w, &row)?;
        }
        for o in &summary.other {
            let mut row = vec!["other".to_string(), o.reason.clone()];
            row.extend(std::iter::repeat_n(String::new(), 6));
            row.extend([String::new(), o.packets.to_string(), o.bytes.to_string()]);
            row.extend(std::iter::repeat_n(String::new(), 5));
            row.push(o.kind.to_string());
            row.extend(std::iter::repeat_n(String::new(), 8));
            write_row(&mut w, &row)?;
        }
        w.flush()
    }
}
