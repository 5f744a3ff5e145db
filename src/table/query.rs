//! What a person asks the table about, as typed on the command line (`lookup 445/tcp`,
//! `--service 88/udp`, `esp`): a port of a transport, or an IP protocol.

use crate::decode::{Transport, ip_proto};

/// What `lookup` was asked about, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupQuery {
    /// A port of a transport.
    Port(Transport, u16),
    /// An IP protocol number.
    IpProto(u8),
}

/// Parses `445/tcp`, `tcp/445`, `gre`, `esp`, `ah`, `ip/47` or `47/ip`.
pub fn parse_lookup(text: &str) -> Result<LookupQuery, String> {
    let lower = text.trim().to_ascii_lowercase();
    match lower.as_str() {
        "gre" => return Ok(LookupQuery::IpProto(ip_proto::GRE)),
        "esp" => return Ok(LookupQuery::IpProto(ip_proto::ESP)),
        "ah" => return Ok(LookupQuery::IpProto(ip_proto::AH)),
        _ => {}
    }
    let Some((a, b)) = lower.split_once('/') else {
        return Err(format!(
            "'{text}': expected PORT/PROTO such as 445/tcp, or gre, esp, ah, ip/47"
        ));
    };
    let (num, proto) = if a.chars().all(|c| c.is_ascii_digit()) {
        (a, b)
    } else {
        (b, a)
    };
    if proto == "ip" {
        return num
            .parse::<u8>()
            .map(LookupQuery::IpProto)
            .map_err(|_| format!("'{text}': IP protocol must be 0-255"));
    }
    let transport = Transport::parse(proto)
        .ok_or_else(|| format!("'{text}': unknown protocol '{proto}' (tcp, udp, sctp or ip)"))?;
    let port = num
        .parse::<u16>()
        .map_err(|_| format!("'{text}': port must be 0-65535"))?;
    Ok(LookupQuery::Port(transport, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_queries() {
        assert_eq!(
            parse_lookup("445/tcp"),
            Ok(LookupQuery::Port(Transport::Tcp, 445))
        );
        assert_eq!(
            parse_lookup("UDP/2703"),
            Ok(LookupQuery::Port(Transport::Udp, 2703))
        );
        assert_eq!(parse_lookup("esp"), Ok(LookupQuery::IpProto(50)));
        assert_eq!(parse_lookup("ip/47"), Ok(LookupQuery::IpProto(47)));
        assert!(parse_lookup("70000/tcp").is_err());
        assert!(parse_lookup("445/xyz").is_err());
        assert!(parse_lookup("445").is_err());
    }
}
