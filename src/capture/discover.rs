//! Finding the captures of a directory (`read -R DIR`): capture files under it, recursively
//! and without following links to directories, in natural order (`t.pcap2` before
//! `t.pcap10`), so rotated pieces come in the order they were written.

use std::path::{Path, PathBuf};

/// A directory that could not be listed.
#[derive(Debug, thiserror::Error)]
#[error("cannot read directory {}: {cause}", dir.display())]
pub struct DiscoverError {
    /// The directory.
    pub dir: PathBuf,
    /// Why (part of the message, not a separate cause, so it shows once).
    pub cause: std::io::Error,
}

/// Capture files under `dir`: names ending in .pcap, .pcapng or .cap, or those followed by
/// a number (tcpdump -C writes t.pcap, t.pcap1, t.pcap2, ...), each optionally followed by
/// .gz; sorted naturally.
pub fn captures_in(dir: &Path) -> Result<Vec<String>, DiscoverError> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        let failed = |cause| DiscoverError {
            dir: d.clone(),
            cause,
        };
        for entry in std::fs::read_dir(&d).map_err(failed)? {
            let entry = entry.map_err(failed)?;
            let path = entry.path();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                pending.push(path);
                continue;
            }
            if is_capture_name(&path.to_string_lossy()) && path.is_file() {
                found.push(path.to_string_lossy().into_owned());
            }
        }
    }
    found.sort_by_cached_key(|p| natural_key(p));
    Ok(found)
}

/// Whether a file name is one a capture tool writes (see [`captures_in`]).
fn is_capture_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let name = name.trim_end_matches(|c: char| c.is_ascii_digit());
    [".pcap", ".pcapng", ".cap"]
        .iter()
        .any(|ext| name.ends_with(ext))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotated_pieces_sort_in_the_order_they_were_written() {
        let mut names = vec!["t.pcap10", "t.pcap2", "t.pcap", "t.pcap1", "a.pcapng.gz"];
        names.sort_by_cached_key(|n| natural_key(n));
        assert_eq!(
            names,
            ["a.pcapng.gz", "t.pcap", "t.pcap1", "t.pcap2", "t.pcap10"]
        );
        for name in ["x.PCAP", "x.cap.gz", "x.pcapng3", "x.pcap12.gz"] {
            assert!(is_capture_name(name), "{name}");
        }
        for name in ["x.txt", "pcap", "x.pcap.bak", "x.gz"] {
            assert!(!is_capture_name(name), "{name}");
        }
    }

    #[test]
    fn an_unreadable_directory_is_named() {
        let err = captures_in(Path::new("/nonexistent/dir")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot read directory /nonexistent/dir: No such file or directory (os error 2)"
        );
    }
}
