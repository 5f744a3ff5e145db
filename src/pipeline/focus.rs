//! Focus: report only the flows that matter for the question at hand: those involving a
//! host or network (`--host`), those of one service (`--service`), or only the failed
//! ones (`--failed`). Flows outside the focus are still counted, on one `other` line, so
//! the report's lines still add up to the totals.

use std::net::IpAddr;

use crate::classify::Classification;
use crate::classify::conn::ConnState;
use crate::decode::AddrBytes;
use crate::flow::{FlowKey, FlowState};
use crate::table::ServiceTable;

/// An address with a prefix length (a single host is a /32 or /128).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    v6: bool,
    addr: AddrBytes,
    prefix: u8,
}

impl std::fmt::Display for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let addr = crate::decode::addr_to_string(self.v6, &self.addr);
        let full = if self.v6 { 128 } else { 32 };
        if self.prefix == full {
            write!(f, "{addr}")
        } else {
            write!(f, "{addr}/{}", self.prefix)
        }
    }
}

impl Network {
    /// Parses `10.0.0.5`, `10.0.0.0/8`, `2001:db8::/32`.
    pub fn parse(text: &str) -> Result<Network, String> {
        let (addr, prefix) = match text.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text.trim(), None),
        };
        let ip: IpAddr = addr
            .parse()
            .map_err(|_| format!("'{text}' is not an IP address or CIDR network"))?;
        let (v6, bytes, max) = match ip {
            IpAddr::V4(a) => {
                let mut b = [0u8; 16];
                b[..4].copy_from_slice(&a.octets());
                (false, b, 32)
            }
            IpAddr::V6(a) => (true, a.octets(), 128),
        };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("'{text}': prefix length must be 0-{max}"))?,
        };
        Ok(Network {
            v6,
            addr: bytes,
            prefix,
        })
    }

    /// Whether `addr` (of the given IP version) is inside the network.
    pub fn contains(&self, v6: bool, addr: &AddrBytes) -> bool {
        if v6 != self.v6 {
            return false;
        }
        let full = usize::from(self.prefix / 8);
        let rest = self.prefix % 8;
        if addr[..full] != self.addr[..full] {
            return false;
        }
        rest == 0 || {
            let mask = 0xffu8 << (8 - rest);
            addr[full] & mask == self.addr[full] & mask
        }
    }
}

/// Which service `--service` means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceFocus {
    /// Entries whose label has this part (labels join protocols with " / ") or that
    /// name this Windows system service; compared without case.
    Name(String),
    /// Flows with this IP protocol and server port (e.g. 88/tcp, 49668/tcp).
    Port(u8, u16),
    /// Flows of this IP protocol (e.g. esp).
    IpProto(u8),
}

/// The focus of a run; the default matches every flow.
#[derive(Debug, Clone, Default)]
pub struct Focus {
    /// Flows with an endpoint in this network.
    pub host: Option<Network>,
    /// Flows of this service.
    pub service: Option<ServiceFocus>,
    /// Only failed attempts (unanswered, rejected, unreachable).
    pub failed_only: bool,
    /// Entries a `Name` focus matches, resolved against the table.
    entries: Vec<u16>,
    /// The options as given, for the report.
    description: Option<String>,
}

/// The table's name nearest to `wanted` (lower case), if one is near enough to be a typo:
/// an application protocol or system service name at most two edits away.
fn closest_name<'t>(table: &'t ServiceTable, wanted: &str) -> Option<&'t str> {
    table
        .entries()
        .iter()
        .flat_map(|e| {
            e.label
                .split(" / ")
                .chain(e.system_services.iter().map(String::as_str))
        })
        .map(|name| (strsim::levenshtein(&name.to_lowercase(), wanted), name))
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name)
}

impl Focus {
    /// A focus resolved against `table`; a service name no entry carries is an error.
    pub fn new(
        host: Option<Network>,
        service: Option<ServiceFocus>,
        failed_only: bool,
        description: Option<String>,
        table: &ServiceTable,
    ) -> Result<Focus, String> {
        let mut entries = Vec::new();
        if let Some(ServiceFocus::Name(name)) = &service {
            let wanted = name.trim().to_lowercase();
            for (i, e) in table.entries().iter().enumerate() {
                let named = e.label.split(" / ").any(|p| p.to_lowercase() == wanted)
                    || e.system_services.iter().any(|s| s.to_lowercase() == wanted);
                if named {
                    entries.push(i as u16);
                }
            }
            if entries.is_empty() {
                let hint = closest_name(table, &wanted)
                    .map_or_else(String::new, |n| format!("; did you mean '{n}'?"));
                return Err(format!(
                    "no entry of the table is named '{name}'{hint} (see `wiretally table`; or give a port like 88/tcp)"
                ));
            }
        }
        Ok(Focus {
            host,
            service,
            failed_only,
            entries,
            description,
        })
    }

    /// Whether the focus lets every flow through.
    pub fn is_everything(&self) -> bool {
        self.host.is_none() && self.service.is_none() && !self.failed_only
    }

    /// What the focus is, as given on the command line.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// Whether a classified flow is inside the focus.
    pub fn matches(&self, key: &FlowKey, state: &FlowState, c: &Classification) -> bool {
        if let Some(net) = &self.host {
            if !net.contains(key.v6, &key.addr[0]) && !net.contains(key.v6, &key.addr[1]) {
                return false;
            }
        }
        let service_matches = match &self.service {
            None => true,
            Some(ServiceFocus::Name(_)) => c.entry.is_some_and(|e| self.entries.contains(&e)),
            Some(ServiceFocus::Port(proto, port)) => {
                key.proto == *proto && key.has_ports() && key.port[c.server] == *port
            }
            Some(ServiceFocus::IpProto(proto)) => key.proto == *proto,
        };
        if !service_matches {
            return false;
        }
        !self.failed_only || ConnState::of(key, state, c.server).failed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(a: [u8; 4]) -> AddrBytes {
        let mut b = [0u8; 16];
        b[..4].copy_from_slice(&a);
        b
    }

    #[test]
    fn networks() {
        let net = Network::parse("10.60.0.0/16").unwrap();
        assert!(net.contains(false, &v4([10, 60, 1, 50])));
        assert!(!net.contains(false, &v4([10, 61, 0, 1])));
        assert!(!net.contains(true, &v4([10, 60, 1, 50])));
        let host = Network::parse("10.60.1.50").unwrap();
        assert!(host.contains(false, &v4([10, 60, 1, 50])));
        assert!(!host.contains(false, &v4([10, 60, 1, 51])));
        let odd = Network::parse("192.168.4.0/22").unwrap();
        assert!(odd.contains(false, &v4([192, 168, 7, 255])));
        assert!(!odd.contains(false, &v4([192, 168, 8, 0])));
        let v6 = Network::parse("2001:db8::/32").unwrap();
        let addr: std::net::Ipv6Addr = "2001:db8:50::10".parse().unwrap();
        assert!(v6.contains(true, &addr.octets()));
        assert!(Network::parse("10.0.0.0/33").is_err());
        assert!(Network::parse("dc01").is_err());
        assert!(
            Network::parse("0.0.0.0/0")
                .unwrap()
                .contains(false, &v4([1, 2, 3, 4]))
        );
    }

    #[test]
    fn service_names_resolve_against_the_table() {
        let table = ServiceTable::builtin();
        let kerberos = Focus::new(
            None,
            Some(ServiceFocus::Name("kerberos".into())),
            false,
            None,
            &table,
        )
        .unwrap();
        assert!(!kerberos.entries.is_empty());
        assert!(
            Focus::new(
                None,
                Some(ServiceFocus::Name("no such thing".into())),
                false,
                None,
                &table
            )
            .is_err()
        );
    }
}
