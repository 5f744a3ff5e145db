//! `wiretally merge`: JSON summaries of separate runs into one report.

use anyhow::{Context, Result};
use wiretally::report;
use wiretally::summary::Summary;

use super::output::emit;
use crate::cli::MergeArgs;

/// Reads one JSON summary: a whole `read --format json` document, or the last line of a
/// `live --format json` stream.
fn read_summary(path: &std::path::Path) -> Result<Summary> {
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
