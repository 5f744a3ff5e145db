//! The commands: glue between the checked command line, the capture sources, the core and
//! the report writers. Errors get their context here, at the binary's edge.

use std::io::{self, BufWriter, Write};

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use wiretally::analyze::{Analyzer, SummaryOptions};
use wiretally::capture::{FileReader, PacketFilter, PacketSource};
use wiretally::report::{self, FlowWriter, Format};
use wiretally::table::{EntryScope, MatchKind, ServiceTable};

use crate::cli::{LookupArgs, LookupQuery, ReadArgs, TableArgs, TableOption, parse_lookup};

/// Loads `--table FILE` or the built-in table.
fn load_table(option: &TableOption) -> Result<ServiceTable> {
    match &option.table {
        Some(path) => Ok(ServiceTable::from_file(path)?),
        None => Ok(ServiceTable::builtin()),
    }
}

/// Writes to stdout; a closed pipe (`| head`) ends the run quietly.
fn emit(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<()> {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to standard output"),
    }
}

/// `wiretally read`.
pub fn read(args: ReadArgs) -> Result<()> {
    let table = load_table(&args.table)?;
    let mut filter = args.filter.as_deref().map(PacketFilter::new).transpose()?;
    if args.files.iter().filter(|f| *f == "-").count() > 1 {
        bail!("standard input ('-') can be read only once");
    }
    // Open everything first: a missing file fails the run before anything is counted.
    let mut readers = Vec::with_capacity(args.files.len());
    for path in &args.files {
        readers.push(FileReader::open(path)?);
    }
    let mut flow_writer = match &args.flows {
        Some(path) => Some(
            FlowWriter::create(path)
                .with_context(|| format!("cannot write flows file {}", path.display()))?,
        ),
        None => None,
    };

    let mut analyzer = Analyzer::new(&table);
    let progress = progress_bar(&args, &readers);
    let mut done_before = 0u64;
    for reader in &mut readers {
        let mut countdown = PROGRESS_EVERY;
        loop {
            countdown -= 1;
            if countdown == 0 {
                countdown = PROGRESS_EVERY;
                progress.set_position(done_before + reader.position());
            }
            match reader.next_packet() {
                Ok(Some(packet)) => {
                    let pass = match &mut filter {
                        Some(f) => f.matches(&packet)?,
                        None => true,
                    };
                    if pass {
                        analyzer.process(&packet);
                    } else {
                        analyzer.count_filtered_out();
                    }
                }
                Ok(None) => break,
                Err(e) if e.is_partial() => {
                    let message = format!("{e}; everything before it was counted");
                    progress.suspend(|| eprintln!("wiretally: warning: {message}"));
                    analyzer.warn(message);
                    break;
                }
                Err(e) => return Err(e.into()),
            }
        }
        done_before += reader.position();
    }
    progress.finish_and_clear();

    let options = SummaryOptions {
        top_hosts: args.top.max(1),
        sources: args.files.clone(),
        filter: args.filter.clone(),
    };
    let summary = analyzer.finish(&options, |record| match &mut flow_writer {
        Some(w) => w.write(record),
        None => Ok(()),
    });
    let summary = match (&args.flows, summary) {
        (_, Ok(s)) => s,
        (Some(path), Err(e)) => {
            return Err(e).with_context(|| format!("cannot write flows file {}", path.display()));
        }
        (None, Err(e)) => return Err(e.into()),
    };
    if let (Some(w), Some(path)) = (flow_writer, &args.flows) {
        w.finish()
            .with_context(|| format!("cannot write flows file {}", path.display()))?;
    }
    let writer = report::writer_for(args.format, args.top.max(1));
    emit(|out| writer.write(&summary, out))
}

/// Packets between progress updates: keeps the bar off the per-packet path.
const PROGRESS_EVERY: u32 = 16_384;

/// A byte-based progress bar over all files, drawn on stderr only when it is a terminal
/// (indicatif hides it otherwise) and not switched off.
fn progress_bar(args: &ReadArgs, readers: &[FileReader]) -> ProgressBar {
    let total: Option<u64> = readers.iter().map(FileReader::size).sum();
    if args.no_progress && !args.progress {
        return ProgressBar::hidden();
    }
    let Some(total) = total else {
        return ProgressBar::hidden();
    };
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} {bar:40} {decimal_bytes}/{decimal_total_bytes} {decimal_bytes_per_sec} eta {eta}",
    ) {
        bar.set_style(style);
    }
    bar
}

/// `wiretally interfaces`.
pub fn interfaces() -> Result<()> {
    let devices = pcap::Device::list().context("cannot list capture interfaces")?;
    let width = devices.iter().map(|d| d.name.len()).max().unwrap_or(0);
    emit(|out| {
        for d in &devices {
            let mut flags = Vec::new();
            flags.push(if d.flags.is_up() { "up" } else { "down" });
            if d.flags.is_running() {
                flags.push("running");
            }
            if d.flags.is_loopback() {
                flags.push("loopback");
            }
            let addrs: Vec<String> = d.addresses.iter().map(|a| a.addr.to_string()).collect();
            writeln!(
                out,
                "{:<16} [{}] {}",
                d.name,
                flags.join(","),
                addrs.join(" ")
            )?;
            if let Some(desc) = &d.desc {
                writeln!(out, "{:<16} {}", "", report::printable(desc))?;
            }
        }
        Ok(())
    })
}

#[derive(Serialize)]
struct EntryView<'a> {
    port: String,
    transport: &'static str,
    #[serde(rename = "match")]
    match_kind: &'static str,
    label: &'a str,
    system_services: &'a [String],
    table_lines: &'a [usize],
}

fn entry_view(e: &wiretally::table::ServiceEntry) -> EntryView<'_> {
    EntryView {
        port: e.scope.port_text(),
        transport: e.scope.transport_name(),
        match_kind: match e.scope {
            EntryScope::Port(..) => "exact",
            EntryScope::Range(..) => "range",
            EntryScope::IpProto(_) => "ip_proto",
        },
        label: &e.label,
        system_services: &e.system_services,
        table_lines: &e.lines,
    }
}

/// `wiretally table`.
pub fn table(args: TableArgs) -> Result<()> {
    let table = load_table(&args.table)?;
    if args.check {
        for w in table.warnings() {
            eprintln!(
                "wiretally: warning: table {} line {}: {}",
                table.source_name(),
                w.line,
                w.message
            );
        }
        return emit(|out| {
            writeln!(
                out,
                "table OK: {}: {} rows, {} service entries, {} warning(s)",
                report::printable(table.source_name()),
                table.rows().len(),
                table.entries().len(),
                table.warnings().len()
            )
        });
    }
    let views: Vec<EntryView<'_>> = table.entries().iter().map(entry_view).collect();
    match args.format {
        Format::Json => emit(|out| {
            serde_json::to_writer_pretty(&mut *out, &views).map_err(io::Error::other)?;
            writeln!(out)
        }),
        Format::Csv => emit(|out| {
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
        }),
        Format::Text => emit(|out| {
            writeln!(
                out,
                "# {} ({} entries)",
                report::printable(table.source_name()),
                views.len()
            )?;
            let width = views.iter().map(|v| v.port.len()).max().unwrap_or(4);
            for v in &views {
                writeln!(
                    out,
                    "{:<width$}  {:<8}  {}  [{}]",
                    v.port,
                    v.match_kind,
                    report::printable(v.label),
                    report::printable(&v.system_services.join(", "))
                )?;
            }
            Ok(())
        }),
    }
}

#[derive(Serialize)]
struct LookupView<'a> {
    query: String,
    #[serde(rename = "match")]
    match_kind: &'static str,
    entry: Option<EntryView<'a>>,
    notes: Vec<String>,
}

/// `wiretally lookup`.
pub fn lookup(args: LookupArgs) -> Result<()> {
    let table = load_table(&args.table)?;
    let queries: Vec<LookupQuery> = args
        .queries
        .iter()
        .map(|q| parse_lookup(q).map_err(anyhow::Error::msg))
        .collect::<Result<_>>()?;
    let mut views = Vec::new();
    for (text, q) in args.queries.iter().zip(&queries) {
        let (query, entry, kind) = match *q {
            LookupQuery::Port(t, p) => {
                let m = table.lookup().port(t, p);
                let kind = match m.kind() {
                    MatchKind::Exact => "exact",
                    MatchKind::Range => "range",
                    MatchKind::None => "none",
                };
                (format!("{p}/{t}"), m.entry(), kind)
            }
            LookupQuery::IpProto(n) => {
                let e = table.lookup().ip_proto(n);
                (
                    format!("ip/{n}"),
                    e,
                    if e.is_some() { "ip_proto" } else { "none" },
                )
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
        let _ = text;
        views.push(LookupView {
            query,
            match_kind: kind,
            entry: entry.map(entry_view),
            notes,
        });
    }
    match args.format {
        Format::Json => emit(|out| {
            serde_json::to_writer_pretty(&mut *out, &views).map_err(io::Error::other)?;
            writeln!(out)
        }),
        _ => emit(|out| {
            for v in &views {
                match &v.entry {
                    None => writeln!(out, "{}: no table entry (unknown traffic)", v.query)?,
                    Some(e) => {
                        let why = match v.match_kind {
                            "exact" => "exact port".to_string(),
                            "range" => format!(
                                "range match: only the table range(s) covering {} name it",
                                e.port
                            ),
                            _ => "IP protocol number".to_string(),
                        };
                        writeln!(out, "{}: {} ({why})", v.query, report::printable(e.label))?;
                        writeln!(
                            out,
                            "    system services: {}",
                            report::printable(&e.system_services.join(", "))
                        )?;
                        let lines: Vec<String> =
                            e.table_lines.iter().map(ToString::to_string).collect();
                        writeln!(out, "    table lines: {}", lines.join(", "))?;
                    }
                }
                for n in &v.notes {
                    writeln!(out, "    note: {}", report::printable(n))?;
                }
            }
            Ok(())
        }),
    }
}
