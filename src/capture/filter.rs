//! BPF filters for capture files, compiled by libpcap (through the `pcap` crate) once per
//! link type, so a pcapng whose interfaces differ in link type filters each correctly.

use std::collections::HashMap;

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

/// A BPF expression with one compiled program per link type seen so far.
pub struct PacketFilter {
    expression: String,
    programs: HashMap<LinkType, pcap::BpfProgram>,
}

impl PacketFilter {
    /// Checks the expression by compiling it for Ethernet, the most common link type,
    /// so a typo is reported before any file is read.
    pub fn new(expression: &str) -> Result<PacketFilter, FilterError> {
        let mut filter = PacketFilter {
            expression: expression.to_string(),
            programs: HashMap::new(),
        };
        filter.program(LinkType::ETHERNET)?;
        Ok(filter)
    }

    /// The expression as given.
    pub fn expression(&self) -> &str {
        &self.expression
    }

    fn program(&mut self, link_type: LinkType) -> Result<&pcap::BpfProgram, FilterError> {
        if !self.programs.contains_key(&link_type) {
            let error = |message: String| FilterError {
                expression: self.expression.clone(),
                link_type,
                message,
            };
            let link =
                i32::try_from(link_type.0).map_err(|_| error("link type out of range".into()))?;
            let dead =
                pcap::Capture::dead(pcap::Linktype(link)).map_err(|e| error(e.to_string()))?;
            let program = dead
                .compile(&self.expression, true)
                .map_err(|e| error(e.to_string()))?;
            self.programs.insert(link_type, program);
        }
        Ok(&self.programs[&link_type])
    }

    /// Whether the packet passes. A link type the expression cannot be compiled for is an
    /// error (libpcap cannot filter it), reported once by the caller.
    pub fn matches(&mut self, packet: &RawPacket<'_>) -> Result<bool, FilterError> {
        Ok(self.program(packet.link_type)?.filter(packet.data))
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
        assert!(f.matches(&p).unwrap());
        frame[12..14].copy_from_slice(&[0x08, 0x00]);
        let p = RawPacket {
            ts_ns: 0,
            orig_len: 42,
            link_type: LinkType::ETHERNET,
            data: &frame,
        };
        assert!(!f.matches(&p).unwrap());
    }
}
