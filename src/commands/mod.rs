//! The commands: glue between the checked command line, the capture sources, the core and
//! the report writers. Errors get their context here, at the binary's edge.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use wiretally::capture::privileges::Dropped;
use wiretally::capture::{
    FileReader, LiveCapture, LiveError, LiveOptions, LiveRead, PacketFilter, PacketSource,
    PcapWriter,
};
use wiretally::flow::expiry::LIVE_DEFAULT_MAX_FLOWS;
use wiretally::pipeline::{Analyzer, SummaryOptions};
use wiretally::report::live::LiveView;
use wiretally::report::{self, FlowWriter, Format};
use wiretally::table::{EntryScope, MatchKind, ServiceTable};

use crate::cli::{
    LiveArgs, LookupArgs, LookupQuery, MergeArgs, ReadArgs, TableArgs, TableOption, parse_lookup,
};

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

/// Writes a value as pretty JSON to stdout.
fn emit_json<T: Serialize>(value: &T) -> Result<()> {
    emit(|out| {
        serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::other)?;
        writeln!(out)
    })
}

/// Creates the `--flows` file up front, so an unwritable path fails before any capture.
fn open_flow_writer(path: Option<&std::path::Path>) -> Result<Option<FlowWriter>> {
    path.map(|p| {
        FlowWriter::create(p).with_context(|| format!("cannot write flows file {}", p.display()))
    })
    .transpose()
}

/// Ends the run: classifies what is left and builds the summary; a flows file that
/// failed at any point of the run fails it here, naming the file.
fn finish_run(
    analyzer: Analyzer<'_>,
    options: &SummaryOptions,
    flows_path: Option<&std::path::Path>,
) -> Result<wiretally::summary::Summary> {
    analyzer.finish(options).with_context(|| {
        let path = flows_path.map_or_else(String::new, |p| p.display().to_string());
        format!("cannot write flows file {path}")
    })
}

/// Writes one warning line to stderr; a closed stderr is ignored, never a panic.
pub fn warn(message: &str) {
    let message = report::printable(message);
    let _ = writeln!(io::stderr().lock(), "wiretally: warning: {message}");
}

/// `wiretally read`.
pub fn read(args: ReadArgs) -> Result<()> {
    let table = load_table(&args.report.table)?;
    let mut filter = args
        .report
        .filter
        .as_deref()
        .map(PacketFilter::new)
        .transpose()?;
    let mut files = args.files.clone();
    for dir in &args.dirs {
        let found = captures_in(dir)?;
        if found.is_empty() {
            anyhow::bail!(
                "no capture files (.pcap, .pcapng, .cap, also .gz) under {}",
                dir.display()
            );
        }
        files.extend(found);
    }
    // Check every file first, so a missing one fails the run before anything is counted;
    // then read them one at a time (one open file, one buffer). The check looks at the
    // metadata only: a FIFO (`<(zcat a.pcap.gz)`) can be read once, by the run itself.
    let mut total_size = Some(0u64);
    for path in &files {
        let size = FileReader::input_size(path)?;
        total_size = total_size.zip(size).map(|(a, b)| a + b);
    }
    let flow_writer = open_flow_writer(args.report.flows.as_deref())?;
    let expiry = args.report.expiry(None);
    let focus = args.report.focus(&table).map_err(anyhow::Error::msg)?;

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    let threads = args.threads.unwrap_or(cores).max(1) as usize;
    let progress = progress_bar(&args, total_size);
    if !args.dirs.is_empty() && !args.join_rotated {
        let run = Independent {
            table: &table,
            expiry,
            focus,
            filter: args.report.filter.as_deref(),
            top: args.report.top as usize,
            progress: &progress,
        };
        let mut summary =
            run.read_all(&files, threads, flow_writer, args.report.flows.as_deref())?;
        progress.finish_and_clear();
        wiretally::summary::hints::annotate(
            &mut summary,
            &wiretally::summary::hints::PortNames::system(),
        );
        let writer = report::writer_for(args.report.format, args.report.top as usize);
        return emit(|out| writer.write(&summary, out));
    }
    // Files stream in order through one analyzer; with a second core its flow table runs
    // on a worker thread, so reading and decoding overlap with the flow updates.
    let mut analyzer = if threads > 1 {
        Analyzer::threaded(&table, expiry)
    } else {
        Analyzer::new(&table, expiry)
    };
    analyzer.set_focus(focus);
    if let Some(writer) = flow_writer {
        analyzer.set_flow_sink(Box::new(writer));
    }
    for path in &files {
        let mut reader = FileReader::open(path)?;
        count_file(&mut reader, filter.as_mut(), &mut analyzer, &progress)?;
    }
    progress.finish_and_clear();
    for note in filter.iter().flat_map(PacketFilter::unapplied) {
        warn(&note);
        analyzer.warn(note);
    }

    let options = SummaryOptions {
        top_hosts: args.report.top as usize,
        sources: files.clone(),
        filter: args.report.filter.clone(),
    };
    let mut summary = finish_run(analyzer, &options, args.report.flows.as_deref())?;
    wiretally::summary::hints::annotate(
        &mut summary,
        &wiretally::summary::hints::PortNames::system(),
    );
    let writer = report::writer_for(args.report.format, args.report.top as usize);
    emit(|out| writer.write(&summary, out))
}

/// Capture files under `dir` (recursively, not following links to directories), in
/// natural order (`t.pcap2` before `t.pcap10`): names ending in .pcap, .pcapng or .cap,
/// or those followed by a number (tcpdump -C writes t.pcap, t.pcap1, t.pcap2, ...), each
/// optionally followed by .gz.
fn captures_in(dir: &std::path::Path) -> Result<Vec<String>> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        let entries = std::fs::read_dir(&d)
            .with_context(|| format!("cannot read directory {}", d.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot read directory {}", d.display()))?;
            let path = entry.path();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                pending.push(path);
                continue;
            }
            let name = path.to_string_lossy().to_ascii_lowercase();
            let name = name.strip_suffix(".gz").unwrap_or(&name);
            let name = name.trim_end_matches(|c: char| c.is_ascii_digit());
            if [".pcap", ".pcapng", ".cap"]
                .iter()
                .any(|ext| name.ends_with(ext))
                && path.is_file()
            {
                found.push(path.to_string_lossy().into_owned());
            }
        }
    }
    found.sort_by_cached_key(|p| natural_key(p));
    Ok(found)
}

/// A sort key that orders runs of digits by their value.
fn natural_key(text: &str) -> Vec<(String, Option<u128>)> {
    let mut key = Vec::new();
    let mut chars = text.chars().peekable();
    while chars.peek().is_some() {
        let word: String = std::iter::from_fn(|| chars.next_if(|c| !c.is_ascii_digit())).collect();
        let digits: String = std::iter::from_fn(|| chars.next_if(char::is_ascii_digit)).collect();
        // No number sorts first (trace.pcap before trace.pcap1); huge ones last.
        let number = (!digits.is_empty()).then(|| digits.parse().unwrap_or(u128::MAX));
        key.push((word, number));
    }
    key
}

/// A flow sink several analyzers share, one after another (`-R` with `--flows`): only the
/// last finish closes the file.
struct SharedSink(Arc<std::sync::Mutex<Option<FlowWriter>>>);

impl wiretally::pipeline::FlowSink for SharedSink {
    fn write(&mut self, record: &wiretally::pipeline::FlowRecord) -> io::Result<()> {
        match self
            .0
            .lock()
            .map_err(|_| io::Error::other("flow writer poisoned"))?
            .as_mut()
        {
            Some(w) => w.write(record),
            None => Ok(()),
        }
    }

    fn finish(self: Box<Self>) -> io::Result<()> {
        Ok(())
    }
}

/// `read -R DIR`: every file its own capture, read in parallel, then merged in file order.
struct Independent<'a> {
    table: &'a ServiceTable,
    expiry: wiretally::flow::expiry::Expiry,
    focus: wiretally::pipeline::focus::Focus,
    filter: Option<&'a str>,
    top: usize,
    progress: &'a ProgressBar,
}

impl Independent<'_> {
    /// One file's summary.
    fn read_one(
        &self,
        path: &str,
        sink: Option<SharedSink>,
    ) -> Result<wiretally::summary::Summary> {
        let mut filter = self.filter.map(PacketFilter::new).transpose()?;
        let mut analyzer = Analyzer::new(self.table, self.expiry);
        analyzer.set_focus(self.focus.clone());
        if let Some(sink) = sink {
            analyzer.set_flow_sink(Box::new(sink));
        }
        let mut reader = FileReader::open(path)?;
        count_file(&mut reader, filter.as_mut(), &mut analyzer, self.progress)?;
        for note in filter.iter().flat_map(PacketFilter::unapplied) {
            self.progress.suspend(|| warn(&note));
            analyzer.warn(note);
        }
        let options = SummaryOptions {
            top_hosts: self.top,
            sources: vec![path.to_string()],
            filter: self.filter.map(str::to_string),
        };
        Ok(analyzer.finish(&options)?)
    }

    /// All files on `threads` threads (one, in order, when flow records are written, so
    /// they come out in file order), merged.
    fn read_all(
        &self,
        files: &[String],
        threads: usize,
        flows: Option<FlowWriter>,
        flows_path: Option<&std::path::Path>,
    ) -> Result<wiretally::summary::Summary> {
        let shared = flows.map(|w| Arc::new(std::sync::Mutex::new(Some(w))));
        let workers = if shared.is_some() {
            1
        } else {
            threads.min(files.len()).max(1)
        };
        let next = std::sync::atomic::AtomicUsize::new(0);
        let (done, finished) = std::sync::mpsc::channel();
        // Results are merged in file order as soon as they are contiguous, so only the
        // merge so far and the few files read out of order are held.
        let mut merger = wiretally::summary::merge::Merger::new();
        let mut waiting = std::collections::BTreeMap::new();
        let mut first_error = None;
        std::thread::scope(|scope| {
            for _ in 0..workers {
                let done = done.clone();
                let (next, shared) = (&next, &shared);
                scope.spawn(move || {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(path) = files.get(i) else { break };
                        let sink = shared.as_ref().map(|s| SharedSink(Arc::clone(s)));
                        let result = self.read_one(path, sink);
                        if result.is_err() {
                            // Stop taking files; the first error in file order is reported.
                            next.store(files.len(), Ordering::Relaxed);
                        }
                        if done.send((i, result)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(done);
            let mut turn = 0;
            for (i, result) in finished {
                waiting.insert(i, result);
                while first_error.is_none() {
                    let Some(result) = waiting.remove(&turn) else {
                        break;
                    };
                    turn += 1;
                    match result.and_then(|s| merger.push(s).map_err(anyhow::Error::from)) {
                        Ok(()) => {}
                        Err(e) => {
                            first_error = Some(e);
                            next.store(files.len(), Ordering::Relaxed);
                        }
                    }
                }
            }
        });
        if let Some(e) = first_error {
            return Err(e);
        }
        if let Some(writer) = shared.and_then(|s| s.lock().ok().and_then(|mut w| w.take())) {
            writer.finish().with_context(|| {
                format!(
                    "cannot write flows file {}",
                    flows_path.map_or_else(String::new, |p| p.display().to_string())
                )
            })?;
        }
        Ok(merger.finish()?)
    }
}

/// Feeds one file to the analyzer. A file cut off or damaged part way is a warning (what
/// came before is counted); any other read error ends the run.
fn count_file(
    reader: &mut FileReader,
    mut filter: Option<&mut PacketFilter>,
    analyzer: &mut Analyzer<'_>,
    progress: &ProgressBar,
) -> Result<()> {
    let mut countdown = PROGRESS_EVERY;
    let mut reported = 0u64;
    let mut report = |position: u64| {
        progress.inc(position.saturating_sub(reported));
        reported = reported.max(position);
    };
    loop {
        countdown -= 1;
        if countdown == 0 {
            countdown = PROGRESS_EVERY;
            report(reader.position());
        }
        match reader.next_packet() {
            Ok(Some(packet)) => {
                if filter.as_mut().is_none_or(|f| f.matches(&packet)) {
                    analyzer.process(&packet);
                } else {
                    analyzer.count_filtered_out();
                }
            }
            Ok(None) => {
                report(reader.position());
                return Ok(());
            }
            Err(e) if e.is_partial() => {
                report(reader.position());
                let message = format!("{e}; everything before it was counted");
                progress.suspend(|| warn(&message));
                analyzer.warn(message);
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Packets between progress updates: keeps the bar off the per-packet path.
const PROGRESS_EVERY: u32 = 16_384;

/// A byte-based progress bar over all files, drawn on stderr only when it is a terminal
/// (indicatif hides it otherwise) and not switched off.
fn progress_bar(args: &ReadArgs, total: Option<u64>) -> ProgressBar {
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

/// One line on stderr about the run (not a warning); a closed stderr is ignored.
fn note(message: &str) {
    let message = report::printable(message);
    let _ = writeln!(io::stderr().lock(), "wiretally: {message}");
}

/// `wiretally live`.
pub fn live(args: LiveArgs) -> Result<()> {
    let table = load_table(&args.report.table)?;
    let focus = args.report.focus(&table).map_err(anyhow::Error::msg)?;
    let flow_writer = open_flow_writer(args.report.flows.as_deref())?;
    let options = LiveOptions {
        interface: args.interface.clone(),
        promisc: !args.no_promisc,
        snaplen: args.snaplen,
        buffer_size: args.buffer_size,
        filter: args.report.filter.clone(),
    };
    // Every output is opened before the capture starts, so a bad path fails at once and
    // the files stay writable after privileges are dropped.
    // (Opened without truncating: an existing file is only emptied once the capture has
    // opened, so a mistyped interface does not destroy yesterday's capture.)
    let pcap_file = match &args.write {
        Some(path) => Some(
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)
                .with_context(|| format!("cannot write capture file {}", path.display()))?,
        ),
        None => None,
    };
    let mut capture = LiveCapture::open(&options)?;
    if let (Some(file), Some(path)) = (&pcap_file, &args.write) {
        file.set_len(0)
            .with_context(|| format!("cannot write capture file {}", path.display()))?;
    }
    let dropped = if args.no_drop {
        Dropped::NotRoot
    } else {
        wiretally::capture::privileges::drop_root(&args.user)?
    };
    let mut pcap_out = match (pcap_file, &args.write) {
        (Some(file), Some(path)) => Some(
            PcapWriter::new(file, capture.link_type(), args.snaplen)
                .with_context(|| format!("cannot write capture file {}", path.display()))?,
        ),
        _ => None,
    };
    let stop = Arc::new(AtomicBool::new(false));
    let handler_stop = Arc::clone(&stop);
    if let Err(e) = ctrlc::set_handler(move || handler_stop.store(true, Ordering::SeqCst)) {
        warn(&format!(
            "cannot catch Ctrl-C ({e}); stop with --duration or -c"
        ));
    }
    let running_as = match &dropped {
        Dropped::To { name, .. } => format!(", running as {name}"),
        Dropped::NotRoot if args.no_drop && nix::unistd::Uid::effective().is_root() => {
            ", running as root (--no-drop)".to_string()
        }
        Dropped::NotRoot => String::new(),
    };
    note(&format!(
        "capturing on {} ({}, snaplen {}{}{running_as}); Ctrl-C or SIGTERM ends with the full report",
        args.interface,
        capture.link_type(),
        args.snaplen,
        if args.no_promisc { "" } else { ", promiscuous" }
    ));

    let summary_options = SummaryOptions {
        top_hosts: args.report.top as usize,
        sources: vec![args.interface.clone()],
        filter: args.report.filter.clone(),
    };
    let terminal = args.report.format == Format::Text && io::stdout().is_terminal();
    // Snapshots go to a terminal (redrawn) or, with --format json, as NDJSON lines; a
    // text or CSV report into a pipe gets no snapshots, so the output stays one format.
    let snapshots = terminal || args.report.format == Format::Json;
    let mut view = LiveView::new(&args.interface, terminal, args.report.top as usize);
    // Live rates are far below one core's capacity, and the view needs the flows at hand.
    let mut analyzer = Analyzer::new(&table, args.report.expiry(Some(LIVE_DEFAULT_MAX_FLOWS)));
    analyzer.set_focus(focus);
    if let Some(writer) = flow_writer {
        analyzer.set_flow_sink(Box::new(writer));
    }
    let start = Instant::now();
    let mut last_view = start;
    let mut packets = 0u64;
    let mut output_open = true;
    loop {
        if stop.load(Ordering::SeqCst)
            || args.duration.is_some_and(|d| start.elapsed() >= d)
            || args.count.is_some_and(|c| packets >= c)
        {
            break;
        }
        match capture.read_next() {
            Ok(LiveRead::Packet(packet)) => {
                analyzer.process(&packet);
                packets += 1;
                if let (Some(out), Some(path)) = (&mut pcap_out, &args.write) {
                    if let Err(e) = out.write(&packet) {
                        // Keep capturing and reporting; only the file stops.
                        let message =
                            format!("cannot write {}: {e}; the file ends here", path.display());
                        warn(&message);
                        analyzer.warn(message);
                        pcap_out = None;
                    }
                }
            }
            Ok(LiveRead::Idle) => {}
            Err(e @ LiveError::Stopped { .. }) => {
                let message = format!("{e}; the report covers what was captured until then");
                warn(&message);
                analyzer.warn(message);
                break;
            }
            Err(e) => return Err(e.into()),
        }
        let since = last_view.elapsed();
        if snapshots && output_open && since >= args.interval {
            last_view = Instant::now();
            let snapshot = analyzer.snapshot(&summary_options);
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64());
            let stdout = io::stdout();
            let mut out = stdout.lock();
            match view.render(&snapshot, since.as_secs_f64(), now, &mut out) {
                Ok(()) => {}
                // Nobody reads the output any more (`| head`): end the run quietly, still
                // finishing the -w and --flows files.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                    output_open = false;
                    break;
                }
                Err(e) => return Err(e).context("cannot write to standard output"),
            }
        }
    }
    if let (Some(out), Some(path)) = (pcap_out, &args.write) {
        if let Err(e) = out.finish() {
            let message = format!("cannot write {}: {e}", path.display());
            warn(&message);
            analyzer.warn(message);
        }
    }
    let stats = capture.stats();

    let mut summary = finish_run(analyzer, &summary_options, args.report.flows.as_deref())?;
    summary.capture_stats = stats;
    wiretally::summary::hints::annotate(
        &mut summary,
        &wiretally::summary::hints::PortNames::system(),
    );
    if !output_open {
        return Ok(());
    }
    match args.report.format {
        // One line, so the whole output stays NDJSON after the snapshots.
        Format::Json => emit(|out| {
            serde_json::to_writer(&mut *out, &summary).map_err(io::Error::other)?;
            writeln!(out)
        }),
        format => {
            let writer = report::writer_for(format, args.report.top as usize);
            emit(|out| {
                if terminal {
                    writeln!(out)?;
                }
                writer.write(&summary, out)
            })
        }
    }
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
                "{:<width$}  [{}] {}",
                d.name,
                flags.join(","),
                addrs.join(" ")
            )?;
            if let Some(desc) = &d.desc {
                writeln!(out, "{:<width$}  {}", "", report::printable(desc))?;
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
            warn(&format!(
                "table {} line {}: {}",
                table.source_name(),
                w.line,
                w.message
            ));
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
        Format::Json => emit_json(&views),
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
    for q in &queries {
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
        views.push(LookupView {
            query,
            match_kind: kind,
            entry: entry.map(entry_view),
            notes,
        });
    }
    match args.format {
        Format::Json => emit_json(&views),
        Format::Csv => emit(|out| {
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
            for v in &views {
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
        }),
        Format::Text => emit(|out| {
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

/// Reads one JSON summary: a whole `read --format json` document, or the last line of a
/// `live --format json` stream.
fn read_summary(path: &std::path::Path) -> Result<wiretally::summary::Summary> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text)
        .or_else(|whole| {
            let last = text
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            serde_json::from_str(last).map_err(|_| whole)
        })
        .map_err(|e| anyhow::anyhow!("{}: not a wiretally JSON summary ({e})", path.display()))
}

/// `wiretally merge`.
pub fn merge(args: MergeArgs) -> Result<()> {
    let parts = args
        .files
        .iter()
        .map(|p| read_summary(p))
        .collect::<Result<Vec<_>>>()?;
    let merged = wiretally::summary::merge::merge(&parts)?;
    let top = merged.top.max(1);
    let writer = report::writer_for(args.format, top);
    emit(|out| writer.write(&merged, out))
}
