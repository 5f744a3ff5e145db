//! `read -R DIR` as a library call: every file its own capture, read in parallel, and the
//! summaries merged in file order as soon as they are contiguous, so only the merge so far
//! and the few files read out of order are held. The result is the same on one thread and
//! on many, and equal to merging per-file summaries.

use std::collections::BTreeMap;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::capture::{CaptureError, FileReader, FilterError, PacketFilter};
use crate::flow::expiry::Expiry;
use crate::pipeline::focus::Focus;
use crate::pipeline::pump::{Progress, pump};
use crate::pipeline::{Analyzer, FlowRecord, FlowSink, SummaryOptions};
use crate::summary::Summary;
use crate::summary::merge::{MergeError, Merger};
use crate::table::ServiceTable;

/// Why a directory run stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// A capture file could not be opened or read.
    #[error(transparent)]
    Capture(#[from] CaptureError),
    /// The filter does not compile for a file's link type.
    #[error(transparent)]
    Filter(#[from] FilterError),
    /// The per-file summaries do not merge.
    #[error(transparent)]
    Merge(#[from] MergeError),
    /// The flow records could not be written (the caller knows the file's name).
    #[error(transparent)]
    Flows(io::Error),
}

/// The settings of a directory run.
pub struct DirectoryRun<'a> {
    /// The port table.
    pub table: &'a ServiceTable,
    /// When flows end.
    pub expiry: Expiry,
    /// What the report covers.
    pub focus: Focus,
    /// The BPF filter, compiled for each file's link type.
    pub filter: Option<&'a str>,
    /// Hosts per line.
    pub top: usize,
    /// Where progress and warnings go.
    pub progress: &'a dyn Progress,
}

/// A flow sink the files' analyzers share, one after another: only the run closes it.
struct SharedSink(Arc<Mutex<Option<Box<dyn FlowSink>>>>);

impl FlowSink for SharedSink {
    fn write(&mut self, record: &FlowRecord) -> io::Result<()> {
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

impl DirectoryRun<'_> {
    /// One file's summary.
    fn read_one(&self, path: &str, sink: Option<SharedSink>) -> Result<Summary, RunError> {
        let mut filter = self.filter.map(PacketFilter::new).transpose()?;
        let mut analyzer = Analyzer::new(self.table, self.expiry);
        analyzer.set_focus(self.focus.clone());
        if let Some(sink) = sink {
            analyzer.set_flow_sink(Box::new(sink));
        }
        let mut reader = FileReader::open(path)?;
        pump(&mut reader, filter.as_mut(), &mut analyzer, self.progress)?;
        for note in filter.iter().flat_map(PacketFilter::unapplied) {
            self.progress.warn(&note);
            analyzer.warn(note);
        }
        let options = SummaryOptions {
            top_hosts: self.top,
            sources: vec![path.to_string()],
            filter: self.filter.map(str::to_string),
        };
        analyzer.finish(&options).map_err(RunError::Flows)
    }

    /// All `files` on `threads` threads, merged in file order. With `flows`, the files are
    /// read one after another on one thread, so the records come out in file order; the
    /// sink is finished at the end. The first error in file order stops the run (the sink
    /// is then dropped unfinished; the Parquet writer still closes its file on drop). No
    /// files at all is [`MergeError::Empty`] ("no summaries to merge"): callers check first.
    pub fn read_all(
        &self,
        files: &[String],
        threads: usize,
        flows: Option<Box<dyn FlowSink>>,
    ) -> Result<Summary, RunError> {
        let shared = flows.map(|w| Arc::new(Mutex::new(Some(w))));
        let workers = if shared.is_some() {
            1
        } else {
            threads.min(files.len()).max(1)
        };
        let next = AtomicUsize::new(0);
        let (done, finished) = std::sync::mpsc::channel();
        let mut merger = Merger::new();
        let mut waiting = BTreeMap::new();
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
                    if let Err(e) = result.and_then(|s| merger.push(s).map_err(RunError::from)) {
                        first_error = Some(e);
                        next.store(files.len(), Ordering::Relaxed);
                    }
                }
            }
        });
        if let Some(e) = first_error {
            return Err(e);
        }
        if let Some(writer) = shared.and_then(|s| s.lock().ok().and_then(|mut w| w.take())) {
            writer.finish().map_err(RunError::Flows)?;
        }
        Ok(merger.finish()?)
    }
}
