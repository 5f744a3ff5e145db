//! Writing captured frames to a classic pcap file (`live -w`): nanosecond timestamps,
//! little-endian, the capture's link type and snaplen. Every write reports its I/O error,
//! so a full disk is noticed rather than leaving a silently cut file.

use std::fs::File;
use std::io::{self, BufWriter, Write};

use super::source::RawPacket;
use crate::decode::LinkType;

const PCAP_MAGIC_NSEC: u32 = 0xa1b2_3c4d;
const VERSION_MAJOR: u16 = 2;
const VERSION_MINOR: u16 = 4;

/// An open pcap file being written.
pub struct PcapWriter {
    out: BufWriter<File>,
}

impl PcapWriter {
    /// Writes the file header to `file` (opened, and so checked writable, before the
    /// capture started).
    pub fn new(file: File, link_type: LinkType, snaplen: u32) -> io::Result<PcapWriter> {
        let mut out = BufWriter::with_capacity(1 << 16, file);
        out.write_all(&PCAP_MAGIC_NSEC.to_le_bytes())?;
        out.write_all(&VERSION_MAJOR.to_le_bytes())?;
        out.write_all(&VERSION_MINOR.to_le_bytes())?;
        out.write_all(&0i32.to_le_bytes())?; // thiszone
        out.write_all(&0u32.to_le_bytes())?; // sigfigs
        out.write_all(&snaplen.to_le_bytes())?;
        out.write_all(&link_type.0.to_le_bytes())?;
        Ok(PcapWriter { out })
    }

    /// Appends one frame.
    pub fn write(&mut self, packet: &RawPacket<'_>) -> io::Result<()> {
        let secs = u32::try_from(packet.ts_ns.div_euclid(1_000_000_000)).unwrap_or(0);
        let nanos = packet.ts_ns.rem_euclid(1_000_000_000) as u32;
        self.out.write_all(&secs.to_le_bytes())?;
        self.out.write_all(&nanos.to_le_bytes())?;
        self.out
            .write_all(&(packet.data.len() as u32).to_le_bytes())?;
        self.out.write_all(&packet.orig_len.to_le_bytes())?;
        self.out.write_all(packet.data)
    }

    /// Flushes and closes the file.
    pub fn finish(mut self) -> io::Result<()> {
        self.out.flush()?;
        self.out.get_ref().sync_data()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{FileReader, PacketSource};

    #[test]
    fn written_frames_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.pcap");
        let mut w = PcapWriter::new(File::create(&path).unwrap(), LinkType::ETHERNET, 256).unwrap();
        let data = [7u8; 60];
        w.write(&RawPacket {
            ts_ns: 1_500_000_000_123,
            orig_len: 1514,
            link_type: LinkType::ETHERNET,
            data: &data,
        })
        .unwrap();
        w.finish().unwrap();
        let mut r = FileReader::open(path.to_str().unwrap()).unwrap();
        let p = r.next_packet().unwrap().unwrap();
        assert_eq!(
            (p.ts_ns, p.orig_len, p.data.len(), p.link_type),
            (1_500_000_000_123, 1514, 60, LinkType::ETHERNET)
        );
        assert!(r.next_packet().unwrap().is_none());
    }

    #[test]
    fn write_errors_are_reported() {
        let Ok(full) = File::options().write(true).open("/dev/full") else {
            return;
        };
        drop(full);
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let mut w = PcapWriter::new(full, LinkType::ETHERNET, 256).unwrap();
        let data = vec![0u8; 1 << 17];
        let p = RawPacket {
            ts_ns: 0,
            orig_len: data.len() as u32,
            link_type: LinkType::ETHERNET,
            data: &data,
        };
        assert!(w.write(&p).is_err() || w.finish().is_err());
    }
}
