//! A streaming reader for classic pcap (microsecond, nanosecond and the Kuznetsov
//! "modified" variant, either byte order) and pcapng (any number of sections and
//! interfaces, each interface with its own link type and timestamp resolution).
//!
//! Why not libpcap's reader: libpcap refuses pcapng files whose interfaces have different
//! link types and cannot say at which byte offset a file is damaged; both matter for a
//! tool whose job is to count everything it was given. libpcap still compiles the BPF
//! filters (see `filter.rs`) and does all live capture.
//!
//! Records are returned as slices into one reusable buffer: no allocation per packet.

use std::cell::Cell;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::rc::Rc;

use super::source::{CaptureError, PacketSource, RawPacket};
use crate::decode::LinkType;

const PCAP_MAGIC_USEC: u32 = 0xa1b2_c3d4;
const PCAP_MAGIC_NSEC: u32 = 0xa1b2_3c4d;
const PCAP_MAGIC_MODIFIED: u32 = 0xa1b2_cd34;
const PCAPNG_SHB: u32 = 0x0a0d_0d0a;
const PCAPNG_BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

const PCAP_FILE_HEADER_LEN: usize = 24;
const PCAP_RECORD_HEADER_LEN: usize = 16;
const PCAP_MODIFIED_RECORD_HEADER_LEN: usize = 24;

const BLOCK_IDB: u32 = 1;
const BLOCK_PB: u32 = 2;
const BLOCK_SPB: u32 = 3;
const BLOCK_EPB: u32 = 6;
const OPT_END: u16 = 0;
const OPT_IF_TSRESOL: u16 = 9;
const OPT_IF_TSOFFSET: u16 = 14;

/// Largest record accepted when the file header does not promise more (as libpcap and
/// Wireshark do for most link types).
const DEFAULT_MAX_RECORD: u32 = 262_144;
/// Hard cap on any record or block, whatever the header says.
const ABSOLUTE_MAX_RECORD: u32 = 16 * 1024 * 1024;
const READ_CHUNK: usize = 1 << 20;

/// The container format of a capture file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureFormat {
    /// Classic libpcap format.
    Pcap {
        /// Timestamps in nanoseconds rather than microseconds.
        nanos: bool,
        /// The Kuznetsov variant with 24-byte record headers.
        modified: bool,
    },
    /// pcapng.
    PcapNg,
}

#[derive(Debug, Clone, Copy)]
struct Interface {
    link_type: LinkType,
    snaplen: u32,
    /// Timestamp units per second, as a resolution: `Decimal(v)` is 10^-v, `Binary(v)` 2^-v.
    resolution: Resolution,
    offset_secs: i64,
}

#[derive(Debug, Clone, Copy)]
enum Resolution {
    Decimal(u8),
    Binary(u8),
}

impl Resolution {
    fn to_nanos(self, units: u64) -> i64 {
        let ns: u128 = match self {
            Resolution::Decimal(v) if v <= 9 => u128::from(units) * 10u128.pow(u32::from(9 - v)),
            Resolution::Decimal(v) => u128::from(units) / 10u128.pow(u32::from(v.min(38) - 9)),
            Resolution::Binary(v) => (u128::from(units) * 1_000_000_000) >> v.min(127),
        };
        i64::try_from(ns).unwrap_or(i64::MAX)
    }
}

/// Where a record's bytes sit in the buffer, and its header fields.
#[derive(Debug, Clone, Copy)]
struct RecordSpan {
    start: usize,
    len: usize,
    ts_ns: i64,
    orig_len: u32,
    link_type: LinkType,
}

#[derive(Debug)]
enum State {
    Pcap {
        big_endian: bool,
        nanos: bool,
        modified: bool,
        link_type: LinkType,
        max_record: u32,
    },
    PcapNg {
        big_endian: bool,
        interfaces: Vec<Interface>,
    },
}

/// Reads a capture file record by record.
pub struct FileReader {
    name: String,
    input: Box<dyn Read>,
    buf: Vec<u8>,
    /// Start of unread data in `buf`.
    pos: usize,
    /// End of valid data in `buf`.
    end: usize,
    /// File offset of `buf[0]`.
    buf_offset: u64,
    eof: bool,
    state: State,
    format: CaptureFormat,
    size: Option<u64>,
    /// The input is a gzip stream being decompressed.
    compressed: bool,
    /// Bytes read from the file itself, before decompression (set for gzip input, whose
    /// decompressed offsets do not measure progress through the file).
    file_bytes: Option<Rc<Cell<u64>>>,
}

/// Counts the bytes that pass through a reader.
struct Counted<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

impl FileReader {
    /// Opens a file, or standard input when `path` is `-`, once: a FIFO or a process
    /// substitution (`<(zcat a.pcap.gz)`) is read from its start. A gzip-compressed
    /// capture is decompressed as it is read (byte offsets in messages are then offsets
    /// into the decompressed capture).
    pub fn open(path: &str) -> Result<FileReader, CaptureError> {
        let io_err = |source| CaptureError::Io {
            path: path.to_string(),
            source,
        };
        let mut size = None;
        let raw: Box<dyn Read> = if path == "-" {
            Box::new(io::stdin().lock())
        } else {
            let file = File::open(Path::new(path)).map_err(io_err)?;
            // fstat of the open file: no second open, nothing read.
            let meta = file.metadata().map_err(io_err)?;
            size = size_of(path, &meta)?;
            Box::new(file)
        };
        let file_bytes = Rc::new(Cell::new(0));
        // Look at the first two bytes for the gzip magic, then hand them back in front.
        let mut raw = Counted {
            inner: raw,
            count: Rc::clone(&file_bytes),
        };
        let mut head = [0u8; 2];
        let mut have = 0;
        while have < 2 {
            match raw.read(&mut head[have..]) {
                Ok(0) => break,
                Ok(k) => have += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_err(e)),
            }
        }
        let rejoined = io::Cursor::new(head[..have].to_vec()).chain(raw);
        let compressed = have == 2 && head == GZIP_MAGIC;
        let input: Box<dyn Read> = if compressed {
            Box::new(flate2::read::MultiGzDecoder::new(rejoined))
        } else {
            Box::new(rejoined)
        };
        let mut reader = FileReader::with_input(path, input, compressed)?;
        reader.size = size;
        // Progress through a compressed file counts the compressed bytes read.
        reader.file_bytes = compressed.then_some(file_bytes);
        Ok(reader)
    }

    /// The size of the capture file at `path` from its metadata alone (the file is
    /// neither opened nor read, so a FIFO is left for the one read that follows): `None`
    /// for standard input (`-`), FIFOs and devices. A missing or unreadable path or a
    /// directory is an error.
    pub fn input_size(path: &str) -> Result<Option<u64>, CaptureError> {
        if path == "-" {
            return Ok(None);
        }
        let meta = std::fs::metadata(path).map_err(|source| CaptureError::Io {
            path: path.to_string(),
            source,
        })?;
        size_of(path, &meta)
    }

    /// Checks an input before a run reads anything: a regular file is opened and its
    /// header read (so a file that is not a capture fails first, whatever comes before it
    /// on the command line); standard input, FIFOs and devices are only looked at, since
    /// they can be read once. Returns the size, as [`FileReader::input_size`].
    pub fn check(path: &str) -> Result<Option<u64>, CaptureError> {
        let size = FileReader::input_size(path)?;
        if size.is_some() {
            FileReader::open(path)?;
        }
        Ok(size)
    }

    /// Reads the file header from any byte stream.
    pub fn new(name: &str, input: Box<dyn Read>) -> Result<FileReader, CaptureError> {
        FileReader::with_input(name, input, false)
    }

    /// Reads the file header; `compressed` when `input` decompresses a gzip stream (whose
    /// read errors then mean damage at the current offset, not an unreadable file).
    fn with_input(
        name: &str,
        input: Box<dyn Read>,
        compressed: bool,
    ) -> Result<FileReader, CaptureError> {
        let mut reader = FileReader {
            compressed,
            name: name.to_string(),
            input,
            buf: vec![0; READ_CHUNK],
            pos: 0,
            end: 0,
            buf_offset: 0,
            eof: false,
            state: State::PcapNg {
                big_endian: false,
                interfaces: Vec::new(),
            },
            format: CaptureFormat::PcapNg,
            size: None,
            file_bytes: None,
        };
        reader.read_file_header()?;
        Ok(reader)
    }

    /// The container format found in the header.
    pub fn format(&self) -> CaptureFormat {
        self.format
    }

    fn io_err(&self, source: io::Error) -> CaptureError {
        CaptureError::Io {
            path: self.name.clone(),
            source,
        }
    }

    /// Bytes of the file consumed so far (for progress reporting against [`Self::size`];
    /// for a compressed file, the compressed bytes read).
    pub fn position(&self) -> u64 {
        match &self.file_bytes {
            Some(read) => read.get(),
            None => self.offset(),
        }
    }

    /// The file's size when it is a regular file (not stdin, a FIFO or a device).
    pub fn size(&self) -> Option<u64> {
        self.size
    }

    fn offset(&self) -> u64 {
        self.buf_offset + self.pos as u64
    }

    fn available(&self) -> usize {
        self.end - self.pos
    }

    /// Makes at least `n` bytes available from `pos`, unless the input ends first.
    /// Returns how many are available.
    fn fill(&mut self, n: usize) -> Result<usize, CaptureError> {
        if self.available() >= n || self.eof {
            return Ok(self.available());
        }
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.buf_offset += self.pos as u64;
            self.end -= self.pos;
            self.pos = 0;
        }
        if self.buf.len() < n {
            self.buf.resize(n.next_power_of_two(), 0);
        }
        while self.end < n {
            match self.input.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(k) => self.end += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // A cut or corrupt gzip stream: what was decompressed before is good.
                Err(e) if self.compressed && self.buf_offset + self.end as u64 > 0 => {
                    let at = self.offset();
                    return Err(self.damaged(at, format!("gzip data: {e}")));
                }
                Err(e) => return Err(self.io_err(e)),
            }
        }
        Ok(self.available())
    }

    fn read_file_header(&mut self) -> Result<(), CaptureError> {
        let have = self.fill(PCAP_FILE_HEADER_LEN)?;
        let head = &self.buf[..have.min(8)];
        if have >= 2 && head[..2] == GZIP_MAGIC {
            // `open` decompresses gzip itself: gzip here was compressed twice, or handed
            // to `new`, which reads uncompressed streams only.
            let why = if self.compressed {
                "gzip inside gzip: compressed twice"
            } else {
                "gzip-compressed: FileReader::open decompresses it, FileReader::new does not"
            };
            return Err(CaptureError::NotACapture {
                path: format!("{} ({why})", self.name),
                magic: head.to_vec(),
            });
        }
        if have < 4 {
            return Err(if have == 0 {
                CaptureError::TooShort {
                    path: self.name.clone(),
                    len: 0,
                }
            } else {
                CaptureError::NotACapture {
                    path: self.name.clone(),
                    magic: head.to_vec(),
                }
            });
        }
        let magic_le = u32::from_le_bytes(self.buf[..4].try_into().expect("4 bytes"));
        let magic_be = magic_le.swap_bytes();
        let (magic, big_endian) = match (magic_le, magic_be) {
            (PCAPNG_SHB, _) => return self.start_pcapng(),
            (m, _) if matches!(m, PCAP_MAGIC_USEC | PCAP_MAGIC_NSEC | PCAP_MAGIC_MODIFIED) => {
                (m, false)
            }
            (_, m) if matches!(m, PCAP_MAGIC_USEC | PCAP_MAGIC_NSEC | PCAP_MAGIC_MODIFIED) => {
                (m, true)
            }
            _ => {
                return Err(CaptureError::NotACapture {
                    path: self.name.clone(),
                    magic: head.to_vec(),
                });
            }
        };
        if have < PCAP_FILE_HEADER_LEN {
            return Err(CaptureError::TooShort {
                path: self.name.clone(),
                len: have,
            });
        }
        let h = &self.buf[..PCAP_FILE_HEADER_LEN];
        let snaplen = read_u32(h, 16, big_endian);
        let link_type = LinkType(read_u32(h, 20, big_endian) & 0xffff);
        let nanos = magic == PCAP_MAGIC_NSEC;
        let modified = magic == PCAP_MAGIC_MODIFIED;
        self.pos = PCAP_FILE_HEADER_LEN;
        self.format = CaptureFormat::Pcap { nanos, modified };
        self.state = State::Pcap {
            big_endian,
            nanos,
            modified,
            link_type,
            max_record: snaplen.clamp(DEFAULT_MAX_RECORD, ABSOLUTE_MAX_RECORD),
        };
        Ok(())
    }

    fn start_pcapng(&mut self) -> Result<(), CaptureError> {
        self.format = CaptureFormat::PcapNg;
        self.state = State::PcapNg {
            big_endian: false,
            interfaces: Vec::new(),
        };
        // The section header is read like any block; check that it is one now so a file
        // that merely starts with the magic is refused up front.
        let have = self.fill(12)?;
        if have < 12 {
            return Err(CaptureError::TooShort {
                path: self.name.clone(),
                len: have,
            });
        }
        let bom = u32::from_le_bytes(self.buf[8..12].try_into().expect("4 bytes"));
        if bom != PCAPNG_BYTE_ORDER_MAGIC && bom.swap_bytes() != PCAPNG_BYTE_ORDER_MAGIC {
            return Err(CaptureError::NotACapture {
                path: self.name.clone(),
                magic: self.buf[..12].to_vec(),
            });
        }
        Ok(())
    }

    fn damaged(&self, offset: u64, reason: String) -> CaptureError {
        CaptureError::Damaged {
            path: self.name.clone(),
            offset,
            reason,
        }
    }

    fn truncated(&self, offset: u64, needed: usize, have: usize) -> CaptureError {
        CaptureError::Truncated {
            path: self.name.clone(),
            offset,
            missing: (needed - have) as u64,
        }
    }

    fn next_pcap(&mut self) -> Result<Option<RecordSpan>, CaptureError> {
        let State::Pcap {
            big_endian,
            nanos,
            modified,
            link_type,
            max_record,
        } = self.state
        else {
            unreachable!("called for pcap only")
        };
        let header_len = if modified {
            PCAP_MODIFIED_RECORD_HEADER_LEN
        } else {
            PCAP_RECORD_HEADER_LEN
        };
        let start = self.offset();
        let have = self.fill(header_len)?;
        if have == 0 {
            return Ok(None);
        }
        if have < header_len {
            return Err(self.truncated(start, header_len, have));
        }
        let h = &self.buf[self.pos..self.pos + header_len];
        let secs = read_u32(h, 0, big_endian);
        let frac = read_u32(h, 4, big_endian);
        let caplen = read_u32(h, 8, big_endian);
        let orig_len = read_u32(h, 12, big_endian);
        if caplen > max_record {
            return Err(self.damaged(
                start,
                format!("record claims {caplen} captured bytes (at most {max_record} expected)"),
            ));
        }
        let total = header_len + caplen as usize;
        let have = self.fill(total)?;
        if have < total {
            return Err(self.truncated(start, total, have));
        }
        let ts_ns = i64::from(secs) * 1_000_000_000
            + if nanos {
                i64::from(frac)
            } else {
                i64::from(frac) * 1000
            };
        let data_start = self.pos + header_len;
        self.pos += total;
        Ok(Some(RecordSpan {
            start: data_start,
            len: caplen as usize,
            ts_ns,
            orig_len,
            link_type,
        }))
    }

    fn next_pcapng(&mut self) -> Result<Option<RecordSpan>, CaptureError> {
        loop {
            let start = self.offset();
            let have = self.fill(12)?;
            if have == 0 {
                return Ok(None);
            }
            if have < 8 {
                return Err(self.truncated(start, 8, have));
            }
            let State::PcapNg { big_endian, .. } = self.state else {
                unreachable!("called for pcapng only")
            };
            let raw_type =
                u32::from_le_bytes(self.buf[self.pos..self.pos + 4].try_into().expect("4"));
            let mut big_endian = big_endian;
            if raw_type == PCAPNG_SHB {
                if have < 12 {
                    return Err(self.truncated(start, 12, have));
                }
                let bom = u32::from_le_bytes(
                    self.buf[self.pos + 8..self.pos + 12].try_into().expect("4"),
                );
                big_endian = if bom == PCAPNG_BYTE_ORDER_MAGIC {
                    false
                } else if bom.swap_bytes() == PCAPNG_BYTE_ORDER_MAGIC {
                    true
                } else {
                    return Err(
                        self.damaged(start, "section header with a bad byte-order magic".into())
                    );
                };
            }
            let block = &self.buf[self.pos..self.pos + 8];
            let block_type = read_u32(block, 0, big_endian);
            let total_len = read_u32(block, 4, big_endian);
            if total_len < 12 || total_len % 4 != 0 {
                return Err(self.damaged(
                    start,
                    format!("block length {total_len} is not a multiple of 4 of at least 12"),
                ));
            }
            if total_len > ABSOLUTE_MAX_RECORD {
                return Err(self.damaged(
                    start,
                    format!("block length {total_len} exceeds {ABSOLUTE_MAX_RECORD}"),
                ));
            }
            let total = total_len as usize;
            let have = self.fill(total)?;
            if have < total {
                return Err(self.truncated(start, total, have));
            }
            let body_start = self.pos + 8;
            let body_end = self.pos + total - 4;
            let trailer = read_u32(&self.buf[body_end..body_end + 4], 0, big_endian);
            if trailer != total_len {
                return Err(self.damaged(
                    start,
                    format!("block length {total_len} does not match its trailing copy {trailer}"),
                ));
            }
            self.pos += total;
            let body = &self.buf[body_start..body_end];
            match block_type {
                PCAPNG_SHB => {
                    self.state = State::PcapNg {
                        big_endian,
                        interfaces: Vec::new(),
                    };
                }
                BLOCK_IDB => {
                    if body.len() < 8 {
                        return Err(
                            self.damaged(start, "interface description block too short".into())
                        );
                    }
                    let iface = parse_idb(body, big_endian);
                    if let State::PcapNg { interfaces, .. } = &mut self.state {
                        interfaces.push(iface);
                    }
                }
                BLOCK_EPB | BLOCK_PB | BLOCK_SPB => {
                    let State::PcapNg { interfaces, .. } = &self.state else {
                        unreachable!()
                    };
                    let fixed = match block_type {
                        BLOCK_EPB | BLOCK_PB => 20,
                        _ => 4,
                    };
                    if body.len() < fixed {
                        return Err(
                            self.damaged(start, "packet block too short for its header".into())
                        );
                    }
                    let (iface_id, ts_units, caplen, orig_len) = match block_type {
                        BLOCK_EPB => {
                            let ts = (u64::from(read_u32(body, 4, big_endian)) << 32)
                                | u64::from(read_u32(body, 8, big_endian));
                            (
                                read_u32(body, 0, big_endian),
                                ts,
                                read_u32(body, 12, big_endian),
                                read_u32(body, 16, big_endian),
                            )
                        }
                        BLOCK_PB => {
                            let id = if big_endian {
                                u16::from_be_bytes([body[0], body[1]])
                            } else {
                                u16::from_le_bytes([body[0], body[1]])
                            };
                            let ts = (u64::from(read_u32(body, 4, big_endian)) << 32)
                                | u64::from(read_u32(body, 8, big_endian));
                            (
                                u32::from(id),
                                ts,
                                read_u32(body, 12, big_endian),
                                read_u32(body, 16, big_endian),
                            )
                        }
                        _ => {
                            let orig = read_u32(body, 0, big_endian);
                            let room = (body.len() - 4) as u32;
                            let snap = interfaces.first().map_or(u32::MAX, |i| {
                                if i.snaplen == 0 { u32::MAX } else { i.snaplen }
                            });
                            (0, 0, orig.min(room).min(snap), orig)
                        }
                    };
                    let Some(iface) = interfaces.get(iface_id as usize).copied() else {
                        return Err(self.damaged(
                            start,
                            format!("packet refers to interface {iface_id}, but the section describes {}", interfaces.len()),
                        ));
                    };
                    if caplen as usize > body.len() - fixed {
                        return Err(self.damaged(
                            start,
                            format!(
                                "packet claims {caplen} captured bytes but its block holds {}",
                                body.len() - fixed
                            ),
                        ));
                    }
                    let ts_ns = if block_type == BLOCK_SPB {
                        0
                    } else {
                        iface
                            .resolution
                            .to_nanos(ts_units)
                            .saturating_add(iface.offset_secs.saturating_mul(1_000_000_000))
                    };
                    return Ok(Some(RecordSpan {
                        start: body_start + fixed,
                        len: caplen as usize,
                        ts_ns,
                        orig_len,
                        link_type: iface.link_type,
                    }));
                }
                _ => {} // name resolution, statistics, custom and unknown blocks
            }
        }
    }
}

/// The size of a regular file from its metadata; a directory is an error.
fn size_of(path: &str, meta: &std::fs::Metadata) -> Result<Option<u64>, CaptureError> {
    if meta.is_dir() {
        return Err(CaptureError::Io {
            path: path.to_string(),
            source: io::Error::other("is a directory"),
        });
    }
    Ok(meta.is_file().then_some(meta.len()))
}

fn parse_idb(body: &[u8], big_endian: bool) -> Interface {
    let link = if big_endian {
        u16::from_be_bytes([body[0], body[1]])
    } else {
        u16::from_le_bytes([body[0], body[1]])
    };
    let mut iface = Interface {
        link_type: LinkType(u32::from(link)),
        snaplen: read_u32(body, 4, big_endian),
        resolution: Resolution::Decimal(6),
        offset_secs: 0,
    };
    let mut opts = &body[8..];
    while opts.len() >= 4 {
        let read16 = |b: &[u8]| {
            if big_endian {
                u16::from_be_bytes([b[0], b[1]])
            } else {
                u16::from_le_bytes([b[0], b[1]])
            }
        };
        let code = read16(&opts[0..2]);
        let len = usize::from(read16(&opts[2..4]));
        if code == OPT_END {
            break;
        }
        let padded = (len + 3) & !3;
        if opts.len() < 4 + len {
            break;
        }
        let value = &opts[4..4 + len];
        match code {
            OPT_IF_TSRESOL if len >= 1 => {
                let v = value[0];
                iface.resolution = if v & 0x80 == 0 {
                    Resolution::Decimal(v)
                } else {
                    Resolution::Binary(v & 0x7f)
                };
            }
            OPT_IF_TSOFFSET if len >= 8 => {
                let raw: [u8; 8] = value[..8].try_into().expect("8 bytes");
                iface.offset_secs = if big_endian {
                    i64::from_be_bytes(raw)
                } else {
                    i64::from_le_bytes(raw)
                };
            }
            _ => {}
        }
        opts = &opts[(4 + padded).min(opts.len())..];
    }
    iface
}

#[inline]
fn read_u32(bytes: &[u8], at: usize, big_endian: bool) -> u32 {
    let raw: [u8; 4] = bytes[at..at + 4].try_into().expect("caller checked length");
    if big_endian {
        u32::from_be_bytes(raw)
    } else {
        u32::from_le_bytes(raw)
    }
}

impl PacketSource for FileReader {
    fn next_packet(&mut self) -> Result<Option<RawPacket<'_>>, CaptureError> {
        let next = match self.state {
            State::Pcap { .. } => self.next_pcap()?,
            State::PcapNg { .. } => self.next_pcapng()?,
        };
        Ok(next.map(|r| RawPacket {
            ts_ns: r.ts_ns,
            orig_len: r.orig_len,
            link_type: r.link_type,
            data: &self.buf[r.start..r.start + r.len],
        }))
    }

    fn name(&self) -> &str {
        &self.name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pcap_header(magic: u32, big: bool, link: u32) -> Vec<u8> {
        let w = |v: u32| {
            if big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let w16 = |v: u16| {
            if big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let mut out = Vec::new();
        out.extend(w(magic));
        out.extend(w16(2));
        out.extend(w16(4));
        out.extend(w(0));
        out.extend(w(0));
        out.extend(w(65535));
        out.extend(w(link));
        out
    }

    fn pcap_record(big: bool, secs: u32, frac: u32, data: &[u8], orig: u32) -> Vec<u8> {
        let w = |v: u32| {
            if big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let mut out = Vec::new();
        out.extend(w(secs));
        out.extend(w(frac));
        out.extend(w(data.len() as u32));
        out.extend(w(orig));
        out.extend(data);
        out
    }

    fn reader(bytes: Vec<u8>) -> Result<FileReader, CaptureError> {
        FileReader::new("mem", Box::new(io::Cursor::new(bytes)))
    }

    #[test]
    fn classic_pcap_all_byte_orders_and_resolutions() {
        for big in [false, true] {
            for (magic, scale) in [(PCAP_MAGIC_USEC, 1000), (PCAP_MAGIC_NSEC, 1)] {
                let mut file = pcap_header(magic, big, 1);
                file.extend(pcap_record(big, 10, 5, &[1, 2, 3], 60));
                file.extend(pcap_record(big, 11, 0, &[4; 70], 70));
                let mut r = reader(file).unwrap();
                let p = r.next_packet().unwrap().unwrap();
                assert_eq!(p.ts_ns, 10_000_000_000 + 5 * scale);
                assert_eq!(p.data, &[1, 2, 3]);
                assert_eq!(p.orig_len, 60);
                assert_eq!(p.link_type, LinkType::ETHERNET);
                assert_eq!(r.next_packet().unwrap().unwrap().data.len(), 70);
                assert!(r.next_packet().unwrap().is_none());
            }
        }
    }

    #[test]
    fn progress_through_a_gzip_file_counts_its_compressed_bytes() {
        use std::io::Write;
        let mut file = pcap_header(PCAP_MAGIC_USEC, false, 1);
        for i in 0..200 {
            file.extend(pcap_record(false, i, 0, &[i as u8; 300], 300));
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.pcap.gz");
        let mut gz = flate2::write::GzEncoder::new(
            File::create(&path).unwrap(),
            flate2::Compression::default(),
        );
        gz.write_all(&file).unwrap();
        gz.finish().unwrap();
        let on_disk = std::fs::metadata(&path).unwrap().len();
        let path = path.to_str().unwrap();
        assert_eq!(FileReader::input_size(path).unwrap(), Some(on_disk));
        let mut r = FileReader::open(path).unwrap();
        assert_eq!(r.size(), Some(on_disk));
        let mut records = 0;
        while r.next_packet().unwrap().is_some() {
            records += 1;
            assert!(r.position() <= on_disk);
        }
        assert_eq!((records, r.position()), (200, on_disk));
        assert!(FileReader::input_size(dir.path().to_str().unwrap()).is_err());
        assert_eq!(FileReader::input_size("-").unwrap(), None);
    }

    #[test]
    fn cut_record_reports_offset() {
        let mut file = pcap_header(PCAP_MAGIC_USEC, false, 1);
        file.extend(pcap_record(false, 1, 0, &[0; 10], 10));
        let cut_at = file.len();
        file.extend(pcap_record(false, 2, 0, &[0; 10], 10));
        file.truncate(file.len() - 3);
        let mut r = reader(file).unwrap();
        assert!(r.next_packet().unwrap().is_some());
        match r.next_packet() {
            Err(CaptureError::Truncated {
                offset, missing, ..
            }) => {
                assert_eq!(offset, cut_at as u64);
                assert_eq!(missing, 3);
            }
            other => panic!("expected truncation, got {other:?}"),
        }
    }

    #[test]
    fn bad_magic_and_short_files() {
        assert!(matches!(
            reader(b"hello world, not a capture".to_vec()),
            Err(CaptureError::NotACapture { .. })
        ));
        assert!(matches!(
            reader(Vec::new()),
            Err(CaptureError::TooShort { .. })
        ));
        let header = pcap_header(PCAP_MAGIC_USEC, false, 1);
        assert!(matches!(
            reader(header[..10].to_vec()),
            Err(CaptureError::TooShort { .. })
        ));
        assert!(matches!(
            reader(vec![0x1f, 0x8b, 8, 0]),
            Err(CaptureError::NotACapture { .. })
        ));
    }

    #[test]
    fn oversized_record_is_damage_not_allocation() {
        let mut file = pcap_header(PCAP_MAGIC_USEC, false, 1);
        let mut rec = pcap_record(false, 1, 0, &[], 0);
        rec[8..12].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
        file.extend(rec);
        let mut r = reader(file).unwrap();
        assert!(matches!(
            r.next_packet(),
            Err(CaptureError::Damaged { offset: 24, .. })
        ));
    }

    fn block(t: u32, body: &[u8]) -> Vec<u8> {
        let len = (12 + body.len()) as u32;
        let mut out = t.to_le_bytes().to_vec();
        out.extend(len.to_le_bytes());
        out.extend(body);
        out.extend(len.to_le_bytes());
        out
    }

    fn shb() -> Vec<u8> {
        let mut body = PCAPNG_BYTE_ORDER_MAGIC.to_le_bytes().to_vec();
        body.extend(1u16.to_le_bytes());
        body.extend(0u16.to_le_bytes());
        body.extend((-1i64).to_le_bytes());
        block(PCAPNG_SHB, &body)
    }

    fn idb(link: u16, tsresol: Option<u8>) -> Vec<u8> {
        let mut body = link.to_le_bytes().to_vec();
        body.extend(0u16.to_le_bytes());
        body.extend(0u32.to_le_bytes());
        if let Some(r) = tsresol {
            body.extend(OPT_IF_TSRESOL.to_le_bytes());
            body.extend(1u16.to_le_bytes());
            body.extend([r, 0, 0, 0]);
            body.extend([0u8; 4]);
        }
        block(BLOCK_IDB, &body)
    }

    fn epb(iface: u32, ts: u64, data: &[u8], orig: u32) -> Vec<u8> {
        let mut body = iface.to_le_bytes().to_vec();
        body.extend(((ts >> 32) as u32).to_le_bytes());
        body.extend((ts as u32).to_le_bytes());
        body.extend((data.len() as u32).to_le_bytes());
        body.extend(orig.to_le_bytes());
        body.extend(data);
        while body.len() % 4 != 0 {
            body.push(0);
        }
        block(BLOCK_EPB, &body)
    }

    #[test]
    fn pcapng_interfaces_with_different_link_types_and_resolutions() {
        let mut file = shb();
        file.extend(idb(1, None));
        file.extend(idb(113, Some(9)));
        file.extend(block(0x0000_0bad, &[0; 8])); // custom block is skipped
        file.extend(epb(0, 2_000_000, &[1, 2, 3], 100));
        file.extend(epb(1, 3_000_000_000, &[9; 5], 5));
        let mut r = reader(file).unwrap();
        assert_eq!(r.format(), CaptureFormat::PcapNg);
        let p = r.next_packet().unwrap().unwrap();
        assert_eq!(
            (p.link_type, p.ts_ns, p.orig_len, p.data),
            (LinkType::ETHERNET, 2_000_000_000, 100, &[1u8, 2, 3][..])
        );
        let p = r.next_packet().unwrap().unwrap();
        assert_eq!(
            (p.link_type, p.ts_ns, p.data.len()),
            (LinkType::LINUX_SLL, 3_000_000_000, 5)
        );
        assert!(r.next_packet().unwrap().is_none());
    }

    #[test]
    fn pcapng_damage_is_reported() {
        let mut file = shb();
        file.extend(idb(1, None));
        let at = file.len() as u64;
        file.extend(epb(4, 0, &[1], 1));
        let mut r = reader(file).unwrap();
        assert!(
            matches!(r.next_packet(), Err(CaptureError::Damaged { offset, .. }) if offset == at)
        );

        let mut file = shb();
        file.extend(idb(1, None));
        let mut bad = epb(0, 0, &[1, 2, 3, 4], 4);
        bad[4] = 13; // length not a multiple of 4
        file.extend(bad);
        let mut r = reader(file).unwrap();
        assert!(matches!(r.next_packet(), Err(CaptureError::Damaged { .. })));
    }

    #[test]
    fn binary_timestamp_resolution() {
        assert_eq!(Resolution::Binary(1).to_nanos(3), 1_500_000_000);
        assert_eq!(Resolution::Decimal(3).to_nanos(7), 7_000_000);
        assert_eq!(Resolution::Decimal(12).to_nanos(7_000), 7);
    }

    #[test]
    fn big_endian_pcapng_with_tsoffset_and_simple_packets() {
        let be_block = |t: u32, body: &[u8]| {
            let len = (12 + body.len()) as u32;
            let mut out = t.to_be_bytes().to_vec();
            out.extend(len.to_be_bytes());
            out.extend(body);
            out.extend(len.to_be_bytes());
            out
        };
        let mut shb = PCAPNG_BYTE_ORDER_MAGIC.to_be_bytes().to_vec();
        shb.extend(1u16.to_be_bytes());
        shb.extend(0u16.to_be_bytes());
        shb.extend((-1i64).to_be_bytes());
        let mut file = be_block(PCAPNG_SHB, &shb);
        let mut idb = 101u16.to_be_bytes().to_vec();
        idb.extend(0u16.to_be_bytes());
        idb.extend(64u32.to_be_bytes());
        idb.extend(OPT_IF_TSOFFSET.to_be_bytes());
        idb.extend(8u16.to_be_bytes());
        idb.extend(100i64.to_be_bytes());
        idb.extend([0u8; 4]);
        file.extend(be_block(BLOCK_IDB, &idb));
        let mut epb = 0u32.to_be_bytes().to_vec();
        epb.extend(0u32.to_be_bytes());
        epb.extend(1_000_000u32.to_be_bytes());
        epb.extend(4u32.to_be_bytes());
        epb.extend(4u32.to_be_bytes());
        epb.extend([0x45, 0, 0, 4]);
        file.extend(be_block(BLOCK_EPB, &epb));
        // Simple packet block: orig_len 200, snaplen 64 limits the captured part.
        let mut spb = 200u32.to_be_bytes().to_vec();
        spb.extend([7u8; 64]);
        file.extend(be_block(BLOCK_SPB, &spb));
        let mut r = reader(file).unwrap();
        let p = r.next_packet().unwrap().unwrap();
        assert_eq!(
            (p.link_type, p.ts_ns, p.data.len()),
            (LinkType::RAW, 101_000_000_000, 4)
        );
        let p = r.next_packet().unwrap().unwrap();
        assert_eq!((p.orig_len, p.data.len()), (200, 64));
        assert!(r.next_packet().unwrap().is_none());
    }
}
