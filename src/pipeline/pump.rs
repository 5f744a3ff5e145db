//! The file pump: every packet of a capture file through the filter into the analyzer,
//! with progress and the warning for a file cut off part way.

use crate::capture::{CaptureError, FileReader, PacketFilter, PacketSource};
use crate::pipeline::Analyzer;

/// Packets between progress updates: keeps progress off the per-packet path.
const PROGRESS_EVERY: u32 = 16_384;

/// What a run tells the person watching it: bytes read, and warnings as they happen (the
/// run also records them in the summary). Shared by the threads of a directory run.
pub trait Progress: Sync {
    /// `bytes` more of the input were read.
    fn advance(&self, bytes: u64);
    /// A warning, to show now.
    fn warn(&self, message: &str);
}

/// Feeds one file to the analyzer. A file cut off or damaged part way is a warning (what
/// came before is counted); any other read error ends the run.
pub fn pump(
    reader: &mut FileReader,
    mut filter: Option<&mut PacketFilter>,
    analyzer: &mut Analyzer<'_>,
    progress: &dyn Progress,
) -> Result<(), CaptureError> {
    let mut countdown = PROGRESS_EVERY;
    let mut reported = 0u64;
    let mut report = |position: u64| {
        progress.advance(position.saturating_sub(reported));
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
                progress.warn(&message);
                analyzer.warn(message);
                return Ok(());
            }
            Err(e) => return Err(e),
        }
    }
}
