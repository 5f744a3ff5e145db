//! The `table` and `lookup` views: the service entries of a port table, and what given
//! ports or protocols map to, in text, CSV or JSON.

use std::io::{self, Write};

use serde::Serialize;

use super::printable::printable;
use super::writer::Format;
use crate::summary::LineMatch;
use crate::table::query::LookupQuery;
use crate::table::{EntryScope, MatchKind, ServiceEntry, ServiceTable};

/// One service entry as the views show it.
#[derive(Debug, Serialize)]
pub struct EntryView<'a> {
    /// `445/tcp`, `49152-65535/tcp` or `ip/50`.
    pub port: String,
    /// `tcp`, `udp`, `sctp` or `ip`.
    pub transport: &'static str,
    /// How the entry matches: `exact`, `range` or `ip_proto`.
    #[serde(rename = "match")]
    pub match_kind: &'static str,
    /// The entry's application protocols.
    pub label: &'a str,
    /// The Windows system services behind it.
    pub system_services: &'a [String],
    /// The lines of the table file it was folded from.
    pub table_lines: &'a [usize],
}

impl<'a> EntryView<'a> {
    /// The view of one entry.
    pub fn of(e: &'a ServiceEntry) -> EntryView<'a> {
        let matched = match e.scope {
            EntryScope::Port(..) => LineMatch::Exact,
            EntryScope::Range(..) => LineMatch::Range,
            EntryScope::IpProto(_) => LineMatch::IpProto,
        };
        EntryView {
            port: e.scope.port_text(),
            transport: e.scope.transport_name(),
            match_kind: matched.as_str(),
            label: &e.label,
            system_services: &e.system_services,
            table_lines: &e.lines,
        }
    }
}

/// The answer to one lookup.
#[derive(Debug, Serialize)]
pub struct LookupView<'a> {
    /// The query as parsed: `445/tcp` or `ip/50`.
    pub query: String,
    /// `exact`, `range`, `ip_proto`, or `none` when no entry names it.
    #[serde(rename = "match")]
    pub match_kind: &'static str,
    /// The entry that names it.
    pub entry: Option<EntryView<'a>>,
    /// The table's warnings about that entry's lines.
    pub notes: Vec<String>,
}

/// What `table` names each of `queries` by.
pub fn lookups<'t>(table: &'t ServiceTable, queries: &[LookupQuery]) -> Vec<LookupView<'t>> {
    queries
        .iter()
        .map(|q| {
            let (query, entry, kind) = match *q {
                LookupQuery::Port(t, p) => {
                    let m = table.lookup().port(t, p);
                    let kind = match m.kind() {
                        MatchKind::Exact => LineMatch::Exact.as_str(),
                        MatchKind::Range => LineMatch::Range.as_str(),
                        MatchKind::None => "none",
                    };
                    (format!("{p}/{t}"), m.entry(), kind)
                }
                LookupQuery::IpProto(n) => {
                    let e = table.lookup().ip_proto(n);
                    let kind = e.map_or("none", |_| LineMatch::IpProto.as_str());
                    (format!("ip/{n}"), e, kind)
                }
            };
            let entry = entry.map(|i| table.entry(i));
            let notes = entry
                .map(|e| {
                    table
                        .warnings()
                        .iter()
                        .filter(|w| e.lines.contains(&w.line))
                        .map(|w| format!("table line {}: {}", w.line, w.message))
                        .collect()
                })
                .unwrap_or_default();
            LookupView {
                query,
                match_kind: kind,
                entry: entry.map(EntryView::of),
                notes,
            }
        })
        .collect()
}

/// Pretty JSON and a newline.
fn write_json<T: Serialize>(value: &T, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::from)?;
    writeln!(out)
}

/// Writes the entries of `table`.
pub fn write_table(table: &ServiceTable, format: Format, out: &mut dyn Write) -> io::Result<()> {
    let views: Vec<EntryView<'_>> = table.entries().iter().map(EntryView::of).collect();
    match format {
        Format::Json => write_json(&views, out),
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(["port", "match", "label", "system_services"])?;
            for v in &views {
                w.write_record([
                    v.port.as_str(),
                    v.match_kind,
                    v.label,
                    &v.system_services.join("; "),
                ])?;
            }
            w.flush()
        }
        Format::Text => {
            writeln!(
                out,
                "# {} ({} entries)",
                printable(table.source_name()),
                views.len()
            )?;
            let width = views.iter().map(|v| v.port.len()).max().unwrap_or(4);
            for v in &views {
                writeln!(
                    out,
                    "{:<width$}  {:<8}  {}  [{}]",
                    v.port,
                    v.match_kind,
                    printable(v.label),
                    printable(&v.system_services.join(", "))
                )?;
            }
            Ok(())
        }
    }
}

/// The one line `table --check` prints for a table that loaded.
pub fn check_line(table: &ServiceTable) -> String {
    format!(
        "table OK: {}: {} rows, {} service entries, {} warning(s)",
        printable(table.source_name()),
        table.rows().len(),
        table.entries().len(),
        table.warnings().len()
    )
}

/// Writes lookup answers.
pub fn write_lookups(
    views: &[LookupView<'_>],
    format: Format,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Json => write_json(&views, out),
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record([
                "query",
                "match",
                "entry_port",
                "label",
                "system_services",
                "table_lines",
                "notes",
            ])?;
            for v in views {
                let (port, label, services, lines) = match &v.entry {
                    Some(e) => (
                        e.port.clone(),
                        e.label.to_string(),
                        e.system_services.join("; "),
                        e.table_lines
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(" "),
                    ),
                    None => Default::default(),
                };
                w.write_record([
                    &v.query,
                    v.match_kind,
                    &port,
                    &label,
                    &services,
                    &lines,
                    &v.notes.join("; "),
                ])?;
            }
            w.flush()
        }
        Format::Text => {
            for v in views {
                match &v.entry {
                    None => writeln!(out, "{}: no table entry (unknown traffic)", v.query)?,
                    Some(e) => {
                        let why = if v.match_kind == LineMatch::Exact.as_str() {
                            "exact port".to_string()
                        } else if v.match_kind == LineMatch::Range.as_str() {
                            format!(
                                "range match: only the table range(s) covering {} name it",
                                e.port
                            )
                        } else {
                            "IP protocol number".to_string()
                        };
                        writeln!(out, "{}: {} ({why})", v.query, printable(e.label))?;
                        writeln!(
                            out,
                            "    system services: {}",
                            printable(&e.system_services.join(", "))
                        )?;
                        let lines: Vec<String> =
                            e.table_lines.iter().map(ToString::to_string).collect();
                        writeln!(out, "    table lines: {}", lines.join(", "))?;
                    }
                }
                for n in &v.notes {
                    writeln!(out, "    note: {}", printable(n))?;
                }
            }
            Ok(())
        }
    }
}
