//! Packet sources: capture files (classic pcap and pcapng), and an in-memory source
//! for tests. Everything that touches files lives here; the core only sees
//! [`RawPacket`]s.

pub mod privileges;

mod bpf;
mod file;
mod filter;
mod live;
mod memory;
mod pcap_out;

use std::fmt;

pub use bpf::{Instruction, Program};
pub use file::{CaptureFormat, FileReader};
pub use filter::{FilterError, PacketFilter};
pub use live::{LiveCapture, LiveError, LiveOptions, LiveRead};
pub use memory::MemorySource;
pub use pcap_out::PcapWriter;

/// A link-layer header type as stored in capture files (tcpdump.org LINKTYPE_ values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LinkType(pub u32);

impl LinkType {
    /// BSD loopback: a 4-byte address family in the writer's byte order.
    pub const NULL: LinkType = LinkType(0);
    /// Ethernet II / 802.3.
    pub const ETHERNET: LinkType = LinkType(1);
    /// Raw IP as numbered on some BSDs (DLT_RAW = 12).
    pub const RAW_BSD: LinkType = LinkType(12);
    /// Raw IP as numbered on OpenBSD (DLT_RAW = 14).
    pub const RAW_OPENBSD: LinkType = LinkType(14);
    /// PPP.
    pub const PPP: LinkType = LinkType(9);
    /// Raw IP (LINKTYPE_RAW).
    pub const RAW: LinkType = LinkType(101);
    /// Cisco HDLC.
    pub const C_HDLC: LinkType = LinkType(104);
    /// IEEE 802.11.
    pub const IEEE802_11: LinkType = LinkType(105);
    /// Frame Relay.
    pub const FRELAY: LinkType = LinkType(107);
    /// OpenBSD loopback: the address family in network byte order.
    pub const LOOP: LinkType = LinkType(108);
    /// Linux cooked capture v1.
    pub const LINUX_SLL: LinkType = LinkType(113);
    /// 802.11 with a radiotap header.
    pub const IEEE802_11_RADIOTAP: LinkType = LinkType(127);
    /// Raw IPv4.
    pub const IPV4: LinkType = LinkType(228);
    /// Raw IPv6.
    pub const IPV6: LinkType = LinkType(229);
    /// Linux cooked capture v2.
    pub const LINUX_SLL2: LinkType = LinkType(276);
    /// PPP in HDLC-like framing (RFC 1662).
    pub const PPP_SERIAL: LinkType = LinkType(50);
    /// PPPoE session without the Ethernet header.
    pub const PPP_ETHER: LinkType = LinkType(51);
    /// 802.11 with a Prism monitor-mode header.
    pub const IEEE802_11_PRISM: LinkType = LinkType(119);
    /// 802.11 with an AVS monitor-mode header.
    pub const IEEE802_11_AVS: LinkType = LinkType(163);
    /// PPP as written by pppd (direction byte instead of the address).
    pub const PPP_PPPD: LinkType = LinkType(166);
    /// Per-Packet Information header, then another link type.
    pub const PPI: LinkType = LinkType(192);

    /// Every link type the decoder understands (frames of any other type are counted as
    /// undecodable with the type's name).
    pub const SUPPORTED: [LinkType; 21] = [
        LinkType::NULL,
        LinkType::ETHERNET,
        LinkType::RAW_BSD,
        LinkType::RAW_OPENBSD,
        LinkType::PPP,
        LinkType::RAW,
        LinkType::C_HDLC,
        LinkType::IEEE802_11,
        LinkType::FRELAY,
        LinkType::LOOP,
        LinkType::LINUX_SLL,
        LinkType::IEEE802_11_RADIOTAP,
        LinkType::IPV4,
        LinkType::IPV6,
        LinkType::LINUX_SLL2,
        LinkType::PPP_SERIAL,
        LinkType::PPP_ETHER,
        LinkType::IEEE802_11_PRISM,
        LinkType::IEEE802_11_AVS,
        LinkType::PPP_PPPD,
        LinkType::PPI,
    ];

    /// A short name for reports (`ETHERNET`, `LINUX_SLL`, ... or `LINKTYPE 147`).
    pub fn name(self) -> String {
        let known = match self {
            LinkType::NULL => "NULL",
            LinkType::ETHERNET => "ETHERNET",
            LinkType::PPP => "PPP",
            LinkType::RAW_BSD | LinkType::RAW_OPENBSD | LinkType::RAW => "RAW",
            LinkType::C_HDLC => "C_HDLC",
            LinkType::IEEE802_11 => "IEEE802_11",
            LinkType::FRELAY => "FRELAY",
            LinkType::LOOP => "LOOP",
            LinkType::LINUX_SLL => "LINUX_SLL",
            LinkType::IEEE802_11_RADIOTAP => "IEEE802_11_RADIOTAP",
            LinkType::IPV4 => "IPV4",
            LinkType::IPV6 => "IPV6",
            LinkType::LINUX_SLL2 => "LINUX_SLL2",
            LinkType::PPP_SERIAL => "PPP_HDLC",
            LinkType::PPP_ETHER => "PPP_ETHER",
            LinkType::IEEE802_11_PRISM => "IEEE802_11_PRISM",
            LinkType::IEEE802_11_AVS => "IEEE802_11_AVS",
            LinkType::PPP_PPPD => "PPP_PPPD",
            LinkType::PPI => "PPI",
            _ => return format!("LINKTYPE {}", self.0),
        };
        format!("{known} ({})", self.0)
    }
}

impl fmt::Display for LinkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

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
