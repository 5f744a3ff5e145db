//! What every packet source gives: [`RawPacket`]s through [`PacketSource`], and the
//! [`CaptureError`] when it cannot.

use crate::decode::LinkType;

/// One captured frame, borrowed from the source's buffer until the next read.
#[derive(Debug, Clone, Copy)]
pub struct RawPacket<'a> {
    /// Capture time, nanoseconds since the Unix epoch.
    pub ts_ns: i64,
    /// Length of the frame on the wire (may exceed `data.len()` when truncated by snaplen).
    pub orig_len: u32,
    /// Link-layer header type of the frame.
    pub link_type: LinkType,
    /// The captured bytes.
    pub data: &'a [u8],
}

/// Why a capture could not be read. Errors that occur after the first packet come with
/// the byte offset of the damage so the caller can report everything read before it.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The file could not be opened or read.
    #[error("cannot read {path}")]
    Io {
        /// The file.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The file does not start like any capture format.
    #[error("{path}: not a pcap or pcapng capture (unknown magic number {magic:02x?})")]
    NotACapture {
        /// The file.
        path: String,
        /// The first bytes read.
        magic: Vec<u8>,
    },
    /// The file is empty or shorter than a capture header.
    #[error("{path}: file too short to be a capture ({len} bytes)")]
    TooShort {
        /// The file.
        path: String,
        /// Bytes it has.
        len: usize,
    },
    /// The file ends inside a record.
    #[error(
        "{path}: capture cut off at byte offset {offset} inside a record ({missing} more bytes expected)"
    )]
    Truncated {
        /// The file.
        path: String,
        /// Offset where the incomplete record starts.
        offset: u64,
        /// Bytes that the record still needed.
        missing: u64,
    },
    /// A record or block that cannot be valid.
    #[error("{path}: damaged capture at byte offset {offset}: {reason}")]
    Damaged {
        /// The file.
        path: String,
        /// Offset of the bad record or block.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
}

impl CaptureError {
    /// Whether the error ends a file part way through, after which what was read is still
    /// good (cut-off or damaged records), as opposed to a file that could not be read at all.
    pub fn is_partial(&self) -> bool {
        matches!(
            self,
            CaptureError::Truncated { .. } | CaptureError::Damaged { .. }
        )
    }
}

/// A source of frames. Implemented by capture files and the in-memory test source.
pub trait PacketSource {
    /// The next frame, `Ok(None)` at the end.
    fn next_packet(&mut self) -> Result<Option<RawPacket<'_>>, CaptureError>;

    /// A name for reports (the file path, `-` for stdin, ...).
    fn name(&self) -> &str;
}
