//! Helpers shared by the integration tests that sweep every capture.

use std::path::PathBuf;

/// Every fixture and every capture of `../shared/captures/ndpi` (when present), sorted:
/// all files but the READMEs.
pub fn captures() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [root.join("fixtures"), root.join("../shared/captures/ndpi")] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            eprintln!("note: {} not found; skipped", dir.display());
            continue;
        };
        files.extend(
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && p.extension().is_none_or(|e| e != "md")),
        );
    }
    files.sort();
    files
}
