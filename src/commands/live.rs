//! `wiretally live` and `wiretally interfaces`: capture on an interface with a refreshing
//! view (or NDJSON snapshots), privileges dropped once the capture is open, then the full
//! report.

use std::io::{self, IsTerminal};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::{Context, Result};
use wiretally::capture::privileges::Dropped;
use wiretally::capture::{LiveCapture, LiveError, LiveOptions, LiveRead, PcapWriter};
use wiretally::flow::expiry::LIVE_DEFAULT_MAX_FLOWS;
use wiretally::pipeline::{Analyzer, SummaryOptions};
use wiretally::report::live::LiveView;
use wiretally::report::{self, Format};

use super::output::{annotate_port_names, emit, finish_run, note, open_flow_writer, warn};
use crate::cli::{Checked, LiveArgs};

/// `wiretally live`.
pub fn live(args: LiveArgs, checked: Checked) -> Result<()> {
    let Checked { table, focus, .. } = checked;
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
    annotate_port_names(&mut summary);
    if !output_open {
        return Ok(());
    }
    match args.report.format {
        // One line, so the whole output stays NDJSON after the snapshots.
        Format::Json => emit(|out| {
            serde_json::to_writer(&mut *out, &summary).map_err(io::Error::from)?;
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
