//! BPF filters for capture files: libpcap (through the `pcap` crate) compiles the
//! expression once per link type, so a pcapng whose interfaces differ in link type filters
//! each correctly; the compiled program runs in [`super::bpf`], which sees the wire length.

use super::bpf::Program;
use super::{LinkType, RawPacket};

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
}

impl PacketFilter {
    /// Checks the expression by compiling it for Ethernet, the most common link type,
    /// so a typo is reported before any file is read.
    pub fn new(expression: &str) -> Result<PacketFilter, FilterError> {
        let mut filter = PacketFilter {
            expression: expression.to_string(),
            compiled: Vec::new(),
            last: 0,
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
        let link = i32::try_from(link_type.0).map_err(|_| "link type out of range".to_string())?;
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
            Ok(program) => program.matches(packet.data, packet.orig_len),
            Err(_) => {
                compiled.unfiltered += 1;
                true
            }
        }
    }

    /// Adds the unfiltered-frame counts of another filter for the same expression (a
    /// parallel reader's), so [`Self::unapplied`] reports the run as a whole.
    pub fn absorb(&mut self, other: PacketFilter) {
        for c in other.compiled {
            let index = self.index_for(c.link_type);
            self.compiled[index].unfiltered += c.unfiltered;
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
