//! `wiretally read`: capture files (or a directory of them) through the pipeline into one
//! report, with a progress bar on a terminal.

use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use wiretally::capture::discover::captures_in;
use wiretally::capture::{FileReader, PacketFilter};
use wiretally::pipeline::parallel::{DirectoryRun, RunError};
use wiretally::pipeline::pump::{Progress, pump};
use wiretally::pipeline::{Analyzer, FlowSink, SummaryOptions};
use wiretally::report;

use super::output::{annotate_port_names, emit, finish_run, open_flow_writer, warn};
use crate::cli::{Checked, ReadArgs};

/// `wiretally read`.
pub fn read(args: ReadArgs, checked: Checked) -> Result<()> {
    let Checked {
        table,
        focus,
        mut filter,
    } = checked;
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
    // then read them one at a time (one open file, one buffer). Regular files are opened
    // and their headers read; a FIFO (`<(zcat a.pcap.gz)`) is only looked at, since it
    // can be read once, by the run itself.
    let mut total_size = Some(0u64);
    for path in &files {
        let size = FileReader::check(path)?;
        total_size = total_size.zip(size).map(|(a, b)| a + b);
    }
    let flow_writer = open_flow_writer(args.report.flows.as_deref())?;
    let expiry = args.report.expiry(None);

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    let threads = args.threads.unwrap_or(cores).max(1) as usize;
    let progress = progress_bar(&args, total_size);
    if !args.dirs.is_empty() && !args.join_rotated {
        let run = DirectoryRun {
            table: &table,
            expiry,
            focus,
            filter: args.report.filter.as_deref(),
            top: args.report.top as usize,
            progress: &progress,
        };
        let sink = flow_writer.map(|w| Box::new(w) as Box<dyn FlowSink>);
        let mut summary = run.read_all(&files, threads, sink).map_err(|e| match e {
            RunError::Flows(e) => anyhow::Error::new(e).context(flows_file_error(&args)),
            e => e.into(),
        })?;
        progress.0.finish_and_clear();
        annotate_port_names(&mut summary);
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
        pump(&mut reader, filter.as_mut(), &mut analyzer, &progress)?;
    }
    progress.0.finish_and_clear();
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
    annotate_port_names(&mut summary);
    let writer = report::writer_for(args.report.format, args.report.top as usize);
    emit(|out| writer.write(&summary, out))
}

/// The context of a flows-file error: its name.
fn flows_file_error(args: &ReadArgs) -> String {
    let path = args
        .report
        .flows
        .as_deref()
        .map_or_else(String::new, |p| p.display().to_string());
    format!("cannot write flows file {path}")
}

/// The progress bar, shown to the library's pump and directory runner.
struct Bar(ProgressBar);

impl Progress for Bar {
    fn advance(&self, bytes: u64) {
        self.0.inc(bytes);
    }

    fn warn(&self, message: &str) {
        self.0.suspend(|| warn(message));
    }
}

/// A byte-based progress bar over all files, drawn on stderr only when it is a terminal
/// (indicatif hides it otherwise) and not switched off.
fn progress_bar(args: &ReadArgs, total: Option<u64>) -> Bar {
    if args.no_progress && !args.progress {
        return Bar(ProgressBar::hidden());
    }
    let Some(total) = total else {
        return Bar(ProgressBar::hidden());
    };
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} {bar:40} {decimal_bytes}/{decimal_total_bytes} {decimal_bytes_per_sec} eta {eta}",
    ) {
        bar.set_style(style);
    }
    Bar(bar)
}
