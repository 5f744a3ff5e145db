//! Packet sources: capture files (classic pcap and pcapng), and an in-memory source
//! for tests. Everything that touches files lives here; the core only sees
//! [`RawPacket`]s.
//! Also: directory discovery, BPF filters, live capture with the privilege drop, and the
//! pcap writer of `live -w`.
//!
//! May import: decode (link types, loopback families) and summary (live capture stats).

pub mod privileges;

mod bpf;
pub mod discover;
mod file;
mod filter;
mod live;
mod memory;
mod pcap_out;
mod source;

pub use bpf::{Instruction, Program};
pub use file::{CaptureFormat, FileReader};
pub use filter::{FilterError, PacketFilter};
pub use live::{LiveCapture, LiveError, LiveOptions, LiveRead};
pub use memory::MemorySource;
pub use pcap_out::PcapWriter;
pub use source::{CaptureError, PacketSource, RawPacket};

/// Link types are the decoder's numbers; capture sources name them by this path too.
pub use crate::decode::numbers::LinkType;
