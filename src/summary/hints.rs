//! Port-name hints for unknown traffic from the system's services database
//! (`/etc/services`): "22/tcp is `ssh` there". Only a hint: a port's registered name says
//! what usually runs there, not what this flow carried.

use std::collections::HashMap;

use crate::decode::Transport;
use crate::summary::Summary;

/// Names per (IP protocol, port) from a services file.
#[derive(Debug, Clone, Default)]
pub struct PortNames {
    names: HashMap<(u8, u16), String>,
}

impl PortNames {
    /// Parses services-file text (`name port/proto [aliases] [# comment]` per line);
    /// lines that do not parse are skipped, and the first name of a port wins.
    pub fn parse(text: &str) -> PortNames {
        let mut names = HashMap::new();
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("");
            let mut fields = line.split_whitespace();
            let (Some(name), Some(spec)) = (fields.next(), fields.next()) else {
                continue;
            };
            let Some((port, proto)) = spec.split_once('/') else {
                continue;
            };
            let Some(proto) = Transport::parse(proto).map(Transport::ip_proto) else {
                continue;
            };
            if let Ok(port) = port.parse::<u16>() {
                names
                    .entry((proto, port))
                    .or_insert_with(|| name.to_string());
            }
        }
        PortNames { names }
    }

    /// The name of a port of an IP protocol, if the file has one.
    pub fn name(&self, ip_proto: u8, port: u16) -> Option<&str> {
        self.names.get(&(ip_proto, port)).map(String::as_str)
    }
}

/// Fills in each unknown line's `port_name_hint` from `names`.
pub fn annotate(summary: &mut Summary, names: &PortNames) {
    for line in &mut summary.unknown {
        let Some(proto) = line.transport.port_transport().map(Transport::ip_proto) else {
            continue;
        };
        if let Some(port) = line.port {
            line.port_name_hint = names.name(proto, port).map(str::to_string);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_services_lines() {
        let names = PortNames::parse(
            "# comment\nssh\t\t22/tcp\t\t\t# SSH\nkerberos 88/udp kerberos5 krb5\nbogus\nx 99999/tcp\ny 7/ddp\nssh2 22/tcp\n",
        );
        assert_eq!(names.name(6, 22), Some("ssh"));
        assert_eq!(names.name(17, 88), Some("kerberos"));
        assert_eq!(names.name(6, 88), None);
        assert_eq!(names.name(17, 7), None);
    }
}
