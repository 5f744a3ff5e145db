//! Capture writers for generated traffic: classic pcap (µs or ns, either byte order,
//! any link type and snaplen) and pcapng (several interfaces of different link types).

use std::io::{self, Write};

use super::Frame;
use crate::numbers::LinkType;

/// Classic pcap layout options.
#[derive(Debug, Clone, Copy)]
pub struct PcapOptions {
    /// Link type in the file header.
    pub link_type: LinkType,
    /// Frames are cut to this many bytes (orig_len keeps the full length).
    pub snaplen: u32,
    /// Nanosecond timestamps (magic a1b23c4d).
    pub nanos: bool,
    /// Write big-endian.
    pub big_endian: bool,
}

impl PcapOptions {
    /// Microsecond little-endian pcap with a 64 KiB snaplen.
    pub fn new(link_type: LinkType) -> PcapOptions {
        PcapOptions {
            link_type,
            snaplen: 65535,
            nanos: false,
            big_endian: false,
        }
    }
}

fn u32b(v: u32, big: bool) -> [u8; 4] {
    if big {
        v.to_be_bytes()
    } else {
        v.to_le_bytes()
    }
}

fn u16b(v: u16, big: bool) -> [u8; 2] {
    if big {
        v.to_be_bytes()
    } else {
        v.to_le_bytes()
    }
}

/// Writes a classic pcap file.
pub fn write_pcap(out: &mut impl Write, opts: PcapOptions, frames: &[Frame]) -> io::Result<()> {
    write_pcap_header(out, opts)?;
    for f in frames {
        write_pcap_record(out, opts, f)?;
    }
    Ok(())
}

/// Writes the file header of a classic pcap file (for writers that stream records).
pub fn write_pcap_header(out: &mut impl Write, opts: PcapOptions) -> io::Result<()> {
    let big = opts.big_endian;
    let magic = if opts.nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
    out.write_all(&u32b(magic, big))?;
    out.write_all(&u16b(2, big))?;
    out.write_all(&u16b(4, big))?;
    out.write_all(&u32b(0, big))?;
    out.write_all(&u32b(0, big))?;
    out.write_all(&u32b(opts.snaplen, big))?;
    out.write_all(&u32b(opts.link_type.0, big))
}

/// Writes one record of a classic pcap file, cut to the snaplen.
pub fn write_pcap_record(out: &mut impl Write, opts: PcapOptions, f: &Frame) -> io::Result<()> {
    let big = opts.big_endian;
    let caplen = f.data.len().min(opts.snaplen as usize);
    let secs = f.ts_ns.div_euclid(1_000_000_000) as u32;
    let sub = f.ts_ns.rem_euclid(1_000_000_000) as u32;
    let frac = if opts.nanos { sub } else { sub / 1000 };
    out.write_all(&u32b(secs, big))?;
    out.write_all(&u32b(frac, big))?;
    out.write_all(&u32b(caplen as u32, big))?;
    out.write_all(&u32b(f.data.len() as u32, big))?;
    out.write_all(&f.data[..caplen])
}

fn pcapng_block(out: &mut impl Write, block_type: u32, body: &[u8]) -> io::Result<()> {
    let padded = (body.len() + 3) & !3;
    let total = (12 + padded) as u32;
    out.write_all(&block_type.to_le_bytes())?;
    out.write_all(&total.to_le_bytes())?;
    out.write_all(body)?;
    out.write_all(&[0u8; 3][..padded - body.len()])?;
    out.write_all(&total.to_le_bytes())
}

/// Writes a little-endian pcapng file with one interface per entry of `interfaces`
/// (microsecond resolution); each frame names its interface index.
pub fn write_pcapng(
    out: &mut impl Write,
    interfaces: &[LinkType],
    frames: &[(u32, Frame)],
) -> io::Result<()> {
    let mut shb = 0x1a2b_3c4du32.to_le_bytes().to_vec();
    shb.extend(1u16.to_le_bytes());
    shb.extend(0u16.to_le_bytes());
    shb.extend((-1i64).to_le_bytes());
    pcapng_block(out, 0x0a0d_0d0a, &shb)?;
    for lt in interfaces {
        let mut idb = (lt.0 as u16).to_le_bytes().to_vec();
        idb.extend(0u16.to_le_bytes());
        idb.extend(0u32.to_le_bytes());
        pcapng_block(out, 1, &idb)?;
    }
    for (iface, f) in frames {
        let micros = (f.ts_ns / 1000) as u64;
        let mut epb = iface.to_le_bytes().to_vec();
        epb.extend(((micros >> 32) as u32).to_le_bytes());
        epb.extend((micros as u32).to_le_bytes());
        epb.extend((f.data.len() as u32).to_le_bytes());
        epb.extend((f.data.len() as u32).to_le_bytes());
        epb.extend(&f.data);
        pcapng_block(out, 6, &epb)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiretally::capture::{FileReader, PacketSource};

    #[test]
    fn written_pcap_reads_back() {
        let frames = vec![
            Frame {
                ts_ns: 1_500_000_123,
                data: vec![1; 100],
            },
            Frame {
                ts_ns: 2_000_000_000,
                data: vec![2; 40],
            },
        ];
        for (nanos, big) in [(false, false), (true, true)] {
            let mut opts = PcapOptions::new(LinkType::ETHERNET);
            opts.snaplen = 60;
            opts.nanos = nanos;
            opts.big_endian = big;
            let mut bytes = Vec::new();
            write_pcap(&mut bytes, opts, &frames).unwrap();
            let mut r = FileReader::new("mem", Box::new(io::Cursor::new(bytes))).unwrap();
            let p = r.next_packet().unwrap().unwrap();
            assert_eq!((p.data.len(), p.orig_len), (60, 100));
            assert_eq!(p.ts_ns, if nanos { 1_500_000_123 } else { 1_500_000_000 });
            assert_eq!(r.next_packet().unwrap().unwrap().data.len(), 40);
            assert!(r.next_packet().unwrap().is_none());
        }
    }
}
