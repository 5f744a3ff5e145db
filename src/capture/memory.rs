//! An in-memory packet source, so the core can be tested without files or libpcap.

use super::source::{CaptureError, PacketSource, RawPacket};
use crate::decode::LinkType;

/// Frames held in memory, handed out in order.
#[derive(Debug, Clone, Default)]
pub struct MemorySource {
    name: String,
    frames: Vec<(i64, u32, LinkType, Vec<u8>)>,
    next: usize,
}

impl MemorySource {
    /// An empty source with a name for reports.
    pub fn new(name: &str) -> MemorySource {
        MemorySource {
            name: name.to_string(),
            ..MemorySource::default()
        }
    }

    /// Adds a frame captured whole (`orig_len` = its length).
    pub fn push(&mut self, ts_ns: i64, link_type: LinkType, data: Vec<u8>) {
        let len = data.len() as u32;
        self.frames.push((ts_ns, len, link_type, data));
    }

    /// Adds a frame with an explicit on-the-wire length (for snaplen-truncated frames).
    pub fn push_truncated(
        &mut self,
        ts_ns: i64,
        link_type: LinkType,
        data: Vec<u8>,
        orig_len: u32,
    ) {
        self.frames.push((ts_ns, orig_len, link_type, data));
    }
}

impl PacketSource for MemorySource {
    fn next_packet(&mut self) -> Result<Option<RawPacket<'_>>, CaptureError> {
        let Some((ts_ns, orig_len, link_type, data)) = self.frames.get(self.next) else {
            return Ok(None);
        };
        self.next += 1;
        Ok(Some(RawPacket {
            ts_ns: *ts_ns,
            orig_len: *orig_len,
            link_type: *link_type,
            data,
        }))
    }

    fn name(&self) -> &str {
        &self.name
    }
}
