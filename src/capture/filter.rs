//! BPF filters for capture files: libpcap (through the `pcap` crate) compiles the
//! expression once per link type, so a pcapng whose interfaces differ in link type filters
//! each correctly; the compiled program runs in [`super::bpf`], which sees the wire length.

use super::bpf::Program;
use super::source::RawPacket;
use crate::decode::LinkType;

/// A filter expression that does not compile.
#[derive(Debug, thiserror::Error)]
#[error("filter '{expression}' does not compile for link type {link_type}: {message}")]
pub struct FilterError {
    /// The expression as given.
    pub expression: String,
    /// The link type it was compiled for.
    pub link_type: LinkType,
    /// libpcap's message.
    pub message: String,
}

/// One link type's compiled program, or why there is none.
struct Compiled {
    link_type: LinkType,
    program: Result<Program, String>,
    /// Frames let through unfiltered because the program could not be built.
    unfiltered: u64,
}

/// A BPF expression with one compiled program per link type seen so far.
pub struct PacketFilter {
    expression: String,
    compiled: Vec<Compiled>,
    last: usize,
    /// Reused copy of a loopback frame whose family field is rewritten.
    scratch: Vec<u8>,
}

/// libpcap's DLT_ code for a file's LINKTYPE_ value, where the two differ.
fn dlt_for(link_type: LinkType) -> u32 {
    match link_type.0 {
        100 => 11, // ATM RFC 1483
        101 => 12, // raw IP (DLT_RAW on Linux)
        102 => 15, // SLIP BSD/OS
        103 => 16, // PPP BSD/OS
        106 => 19, // ATM CLIP
        other => other,
    }
}

/// Address families as this host's libpcap expects them in null/loop headers: libpcap
/// compiles `ip`/`ip6` on those link types against its platform's own `AF_INET` and
/// `AF_INET6` (IPv6 is 10 on Linux, 24, 28 or 30 on the BSDs and macOS), so the values
/// come from the C library of the platform this is built for, not a hard-coded number.
const HOST_AF_INET: u32 = nix::libc::AF_INET as u32;
const HOST_AF_INET6: u32 = nix::libc::AF_INET6 as u32;

/// Rewrites a null (host byte order) or loop (network byte order) header's family to
/// the values libpcap compiled the filter for.
fn normalise_loopback_family(frame: &mut [u8], network_order: bool) {
    let Some(head) = frame.get_mut(..4) else {
        return;
    };
    let family =
        crate::decode::loopback_family([head[0], head[1], head[2], head[3]], network_order);
    let host = if family == HOST_AF_INET {
        HOST_AF_INET
    } else if family == HOST_AF_INET6 || crate::decode::is_loopback_ipv6(family) {
        HOST_AF_INET6
    } else {
        return;
    };
    let bytes = if network_order {
        host.to_be_bytes()
    } else {
        host.to_ne_bytes()
    };
    head.copy_from_slice(&bytes);
}

impl PacketFilter {
    /// Checks the expression by compiling it for Ethernet, the most common link type,
    /// so a typo is reported before any file is read.
    pub fn new(expression: &str) -> Result<PacketFilter, FilterError> {
        let mut filter = PacketFilter {
            expression: expression.to_string(),
            compiled: Vec::new(),
            last: 0,
            scratch: Vec::new(),
        };
        let index = filter.index_for(LinkType::ETHERNET);
        if let Err(message) = &filter.compiled[index].program {
            return Err(FilterError {
                expression: expression.to_string(),
                link_type: LinkType::ETHERNET,
                message: message.clone(),
            });
        }
        Ok(filter)
    }

    /// The expression as given.
    pub fn expression(&self) -> &str {
        &self.expression
    }

    fn compile(&self, link_type: LinkType) -> Result<Program, String> {
        let link =
            i32::try_from(dlt_for(link_type)).map_err(|_| "link type out of range".to_string())?;
        let dead = pcap::Capture::dead(pcap::Linktype(link)).map_err(|e| e.to_string())?;
        let program = dead
            .compile(&self.expression, true)
            .map_err(|e| e.to_string())?;
        Program::from_pcap(&program).ok_or_else(|| "unreadable compiled program".to_string())
    }

    #[inline]
    fn index_for(&mut self, link_type: LinkType) -> usize {
        if self
            .compiled
            .get(self.last)
            .is_some_and(|c| c.link_type == link_type)
        {
            return self.last;
        }
        let index = match self.compiled.iter().position(|c| c.link_type == link_type) {
            Some(i) => i,
            None => {
                let program = self.compile(link_type);
                self.compiled.push(Compiled {
                    link_type,
                    program,
                    unfiltered: 0,
                });
                self.compiled.len() - 1
            }
        };
        self.last = index;
        index
    }

    /// Whether the packet passes. Frames of a link type the expression cannot be compiled
    /// for pass unfiltered (so they are still counted) and are reported by [`Self::unapplied`].
    pub fn matches(&mut self, packet: &RawPacket<'_>) -> bool {
        let index = self.index_for(packet.link_type);
        let compiled = &mut self.compiled[index];
        match &compiled.program {
            Ok(program) if matches!(packet.link_type, LinkType::NULL | LinkType::LOOP) => {
                // libpcap compiles loopback checks against this host's address family
                // values; files carry the writer's (BSD IPv6 is 24, 28 or 30, possibly in
                // the other byte order). Present the frame as this host would have written it.
                self.scratch.clear();
                self.scratch.extend_from_slice(packet.data);
                normalise_loopback_family(&mut self.scratch, packet.link_type == LinkType::LOOP);
                program.matches(&self.scratch, packet.orig_len)
            }
            Ok(program) => program.matches(packet.data, packet.orig_len),
            Err(_) => {
                compiled.unfiltered += 1;
                true
            }
        }
    }

    /// One line per link type the filter could not be applied to, with the frame count.
    pub fn unapplied(&self) -> Vec<String> {
        self.compiled
            .iter()
            .filter(|c| c.unfiltered > 0)
            .filter_map(|c| {
                c.program.as_ref().err().map(|why| {
                    format!(
                        "filter '{}' cannot be applied to link type {} ({why}); its {} frames were counted unfiltered",
                        self.expression, c.link_type, c.unfiltered
                    )
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_expression_is_refused() {
        let err = PacketFilter::new("tcp port eleventy")
            .err()
            .expect("must fail");
        assert!(err.to_string().contains("eleventy"));
    }

    #[test]
    fn filters_ethernet_frames() {
        let mut f = PacketFilter::new("arp").unwrap();
        let mut frame = vec![0xff; 12];
        frame.extend([0x08, 0x06]);
        frame.extend([0; 28]);
        let p = RawPacket {
            ts_ns: 0,
            orig_len: 42,
            link_type: LinkType::ETHERNET,
            data: &frame,
        };
        assert!(f.matches(&p));
        frame[12..14].copy_from_slice(&[0x08, 0x00]);
        let p = RawPacket {
            ts_ns: 0,
            orig_len: 42,
            link_type: LinkType::ETHERNET,
            data: &frame,
        };
        assert!(!f.matches(&p));
    }

    #[test]
    fn raw_and_loopback_frames_are_filtered() {
        let mut ip = Vec::new();
        etherparse::PacketBuilder::ipv6([1; 16], [2; 16], 64)
            .tcp(50000, 445, 1, 100)
            .write(&mut ip, &[])
            .unwrap();
        let mut f = PacketFilter::new("tcp port 445").unwrap();
        let raw = RawPacket {
            ts_ns: 0,
            orig_len: ip.len() as u32,
            link_type: LinkType::RAW,
            data: &ip,
        };
        assert!(f.matches(&raw));
        // BSD null header with AF_INET6 = 30 (macOS), little-endian.
        let mut null = 30u32.to_le_bytes().to_vec();
        null.extend(&ip);
        let p = RawPacket {
            ts_ns: 0,
            orig_len: null.len() as u32,
            link_type: LinkType::NULL,
            data: &null,
        };
        assert!(f.matches(&p));
        // OpenBSD loop header, network order AF_INET6 = 24.
        let mut lo = 24u32.to_be_bytes().to_vec();
        lo.extend(&ip);
        let p = RawPacket {
            ts_ns: 0,
            orig_len: lo.len() as u32,
            link_type: LinkType::LOOP,
            data: &lo,
        };
        assert!(f.matches(&p));
        // A null header written on this host, with its own AF_INET6 in its byte order.
        let mut here = (nix::libc::AF_INET6 as u32).to_ne_bytes().to_vec();
        here.extend(&ip);
        let p = RawPacket {
            ts_ns: 0,
            orig_len: here.len() as u32,
            link_type: LinkType::NULL,
            data: &here,
        };
        assert!(f.matches(&p));
        let mut udp_only = PacketFilter::new("udp").unwrap();
        assert!(!udp_only.matches(&p));
        assert!(f.unapplied().is_empty() && udp_only.unapplied().is_empty());
    }

    #[test]
    fn link_type_without_a_program_passes_and_is_reported() {
        let mut f = PacketFilter::new("tcp port 80").unwrap();
        let p = RawPacket {
            ts_ns: 0,
            orig_len: 4,
            link_type: LinkType(147),
            data: &[0, 1, 2, 3],
        };
        assert!(f.matches(&p));
        assert!(f.matches(&p));
        let notes = f.unapplied();
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("LINKTYPE 147") && notes[0].contains("2 frames"));
    }
}
