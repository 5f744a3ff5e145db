//! The words of the report model as types: a line's transport, how its entry matched,
//! and the kind of a non-flow line. Each serialises to the string the JSON schema has
//! always used (`tcp`, `range`, `non_ip`, ...), and a summary naming anything else is
//! refused when it is read. Variants are declared in the alphabetical order of those
//! strings, so sorting by them orders lines as sorting the strings did.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::decode::Transport;

/// Display as the report's name, and comparison with it (`line.transport == "tcp"`), for
/// each kind below: both come from its `as_str`.
macro_rules! named_by_as_str {
    ($($kind:ty),+) => {$(
        impl PartialEq<&str> for $kind {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl fmt::Display for $kind {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )+};
}

named_by_as_str!(LineTransport, LineMatch, OtherClass);

/// The transport of a report line: a port-carrying one, or `ip` for lines of an IP
/// protocol without ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LineTransport {
    /// An IP protocol without ports (GRE, ESP, OSPF, ...).
    Ip,
    /// SCTP.
    Sctp,
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

impl LineTransport {
    /// The transport of flows of IP protocol `proto`.
    pub fn of_ip_proto(proto: u8) -> LineTransport {
        Transport::from_ip_proto(proto).map_or(LineTransport::Ip, LineTransport::from)
    }

    /// The port-carrying transport, if this is one.
    pub fn port_transport(self) -> Option<Transport> {
        match self {
            LineTransport::Tcp => Some(Transport::Tcp),
            LineTransport::Udp => Some(Transport::Udp),
            LineTransport::Sctp => Some(Transport::Sctp),
            LineTransport::Ip => None,
        }
    }

    /// The name as the report writes it.
    pub fn as_str(self) -> &'static str {
        self.port_transport().map_or("ip", Transport::as_str)
    }
}

impl From<Transport> for LineTransport {
    fn from(t: Transport) -> LineTransport {
        match t {
            Transport::Tcp => LineTransport::Tcp,
            Transport::Udp => LineTransport::Udp,
            Transport::Sctp => LineTransport::Sctp,
        }
    }
}

/// A line's port as the reports write it: `445/tcp` or `49152-65535/tcp`; none for
/// lines of an IP protocol (each writer names those its own way).
pub fn port_text(
    port: Option<u16>,
    range: Option<[u16; 2]>,
    transport: LineTransport,
) -> Option<String> {
    match (port, range) {
        (Some(p), _) => Some(format!("{p}/{transport}")),
        (None, Some([lo, hi])) => Some(format!("{lo}-{hi}/{transport}")),
        (None, None) => None,
    }
}

/// How a service line's entry matched its flows: how strong the evidence is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineMatch {
    /// The server port is an entry's own port.
    Exact,
    /// The flows are of an IP protocol the table names.
    IpProto,
    /// The server port falls in an entry's port range.
    Range,
    /// A dynamic RPC port, named by the interface its flows carried.
    Rpc,
}

impl LineMatch {
    /// The name as the report writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            LineMatch::Exact => "exact",
            LineMatch::IpProto => "ip_proto",
            LineMatch::Range => "range",
            LineMatch::Rpc => "rpc",
        }
    }
}

/// Why frames are counted outside the flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OtherClass {
    /// IP fragments whose first fragment was not captured.
    FragmentUnmatched,
    /// ICMP messages that are not errors about a flow.
    Icmp,
    /// ICMPv6 messages that are not errors about a flow.
    Icmpv6,
    /// Frames that carry no IP (ARP, LLDP, 802.11 management, ...).
    NonIp,
    /// Flows outside the focus (`--host`, `--service`, `--failed`).
    OutsideFocus,
    /// Frames that could not be decoded, with the reason.
    Undecodable,
}

impl OtherClass {
    /// The name as the report writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            OtherClass::FragmentUnmatched => "fragment_unmatched",
            OtherClass::Icmp => "icmp",
            OtherClass::Icmpv6 => "icmpv6",
            OtherClass::NonIp => "non_ip",
            OtherClass::OutsideFocus => "outside_focus",
            OtherClass::Undecodable => "undecodable",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_schema_strings_and_sort_as_they_do() {
        let transports = [
            LineTransport::Ip,
            LineTransport::Sctp,
            LineTransport::Tcp,
            LineTransport::Udp,
        ];
        for pair in transports.windows(2) {
            assert!(pair[0].as_str() < pair[1].as_str());
        }
        for t in transports {
            assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{t}\""));
        }
        let matches = [
            LineMatch::Exact,
            LineMatch::IpProto,
            LineMatch::Range,
            LineMatch::Rpc,
        ];
        for pair in matches.windows(2) {
            assert!(pair[0].as_str() < pair[1].as_str());
        }
        for m in matches {
            assert_eq!(serde_json::to_string(&m).unwrap(), format!("\"{m}\""));
        }
        let others = [
            OtherClass::FragmentUnmatched,
            OtherClass::Icmp,
            OtherClass::Icmpv6,
            OtherClass::NonIp,
            OtherClass::OutsideFocus,
            OtherClass::Undecodable,
        ];
        for pair in others.windows(2) {
            assert!(pair[0].as_str() < pair[1].as_str());
        }
        for o in others {
            assert_eq!(serde_json::to_string(&o).unwrap(), format!("\"{o}\""));
        }
        assert_eq!(LineTransport::of_ip_proto(47), LineTransport::Ip);
        assert_eq!(LineTransport::of_ip_proto(17), LineTransport::Udp);
        assert!(serde_json::from_str::<LineTransport>("\"\\u001b[2J\"").is_err());
    }
}
