//! Which side of a flow is the server, and which service entry the flow belongs to.
//!
//! # The server-side rule (spec, "Flows and classification")
//!
//! 1. TCP: the receiver of the first SYN without ACK, when the capture saw one.
//! 2. Otherwise the side whose port has the more specific table match
//!    (exact beats range beats none);
//! 3. then the side with the lower port number;
//! 4. then the destination of the first packet seen.
//!
//! Flows of IP protocols without ports take rule 4 and are classified by protocol number.
//! The service is the entry for (transport, server port), the IP-protocol entry, or none
//! (unknown traffic, kept with its transport and server port).
//!
//! Also here: connection outcomes per flow ([`conn`]) and port/payload mismatches
//! ([`mismatch`]). May import: decode, table, flow and inspect.

pub mod conn;
pub mod mismatch;

use crate::flow::{FlowKey, FlowState};
use crate::table::{Lookup, Specificity, Transport};

/// Which rule decided the server side (reported in per-flow records).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerRule {
    /// Receiver of the first SYN.
    Syn,
    /// The endpoint that sent a DCE/RPC bind is the client.
    Bind,
    /// More specific table match.
    TableMatch,
    /// Lower port number.
    LowerPort,
    /// Destination of the first packet.
    FirstDestination,
}

impl ServerRule {
    /// Short name for output.
    pub fn as_str(self) -> &'static str {
        match self {
            ServerRule::Syn => "syn",
            ServerRule::Bind => "bind",
            ServerRule::TableMatch => "table",
            ServerRule::LowerPort => "lower_port",
            ServerRule::FirstDestination => "first_destination",
        }
    }
}

/// A flow's server side and service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classification {
    /// Endpoint index (0 or 1 of the [`FlowKey`]) of the server.
    pub server: usize,
    /// The service entry, or `None` for unknown traffic.
    pub entry: Option<u16>,
    /// How specific the match is (`Exact` for IP-protocol entries).
    pub specificity: Specificity,
    /// The rule that picked the server.
    pub rule: ServerRule,
}

/// Classifies one flow.
pub fn classify(key: &FlowKey, state: &FlowState, lookup: &Lookup) -> Classification {
    let Some(transport) = Transport::from_ip_proto(key.proto) else {
        let entry = lookup.ip_proto(key.proto);
        return Classification {
            server: state.first_destination(),
            entry,
            specificity: if entry.is_some() {
                Specificity::Exact
            } else {
                Specificity::None
            },
            rule: ServerRule::FirstDestination,
        };
    };
    let matches = [
        lookup.port(transport, key.port[0]),
        lookup.port(transport, key.port[1]),
    ];
    let (server, rule) = if let (Transport::Tcp, Some(s)) = (transport, state.syn_receiver()) {
        (s, ServerRule::Syn)
    } else if let Some(client) = state.bind_sender() {
        (1 - client, ServerRule::Bind)
    } else if matches[0].kind() != matches[1].kind() {
        (
            usize::from(matches[1].kind() > matches[0].kind()),
            ServerRule::TableMatch,
        )
    } else if key.port[0] != key.port[1] {
        (
            usize::from(key.port[1] < key.port[0]),
            ServerRule::LowerPort,
        )
    } else {
        (state.first_destination(), ServerRule::FirstDestination)
    };
    Classification {
        server,
        entry: matches[server].entry(),
        specificity: matches[server].kind(),
        rule,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{Fragment, IpSummary, tcp_flags};
    use crate::flow::FlowTable;
    use crate::table::ServiceTable;

    fn flow(packets: &[(u8, u8, u16, u16, u8)], proto: u8) -> (FlowKey, FlowState) {
        let mut t = FlowTable::new();
        for (i, &(src, dst, sport, dport, flags)) in packets.iter().enumerate() {
            let mut s = [0u8; 16];
            s[0] = src;
            let mut d = [0u8; 16];
            d[0] = dst;
            let p = IpSummary {
                v6: false,
                src: s,
                dst: d,
                proto,
                ports: Transport::from_ip_proto(proto).map(|_| (sport, dport)),
                tcp_flags: flags,
                tcp_seq: 0,
                fragment: Fragment::None,
                payload_at: 0,
                payload_len: 0,
            };
            t.add_packet(&p, i as i64, 100);
        }
        let (k, s) = t.iter().next().unwrap();
        (*k, *s)
    }

    fn server_port(
        packets: &[(u8, u8, u16, u16, u8)],
        proto: u8,
    ) -> (u16, ServerRule, Option<String>) {
        let table = ServiceTable::builtin();
        let (key, state) = flow(packets, proto);
        let c = classify(&key, &state, table.lookup());
        (
            key.port[c.server],
            c.rule,
            c.entry.map(|e| table.entry(e).label.clone()),
        )
    }

    #[test]
    fn rule1_syn_receiver_is_server_even_on_unknown_port() {
        // Client on 445 (odd, but the SYN says who listens) to 8443.
        let (port, rule, _) = server_port(&[(1, 2, 445, 8443, tcp_flags::SYN)], 6);
        assert_eq!((port, rule), (8443, ServerRule::Syn));
    }

    #[test]
    fn a_bind_names_the_client_ahead_of_the_port_rules() {
        // Mid-flow, no SYN: 49668 <-> 50000 would go to the lower port (49668), but the
        // endpoint on 49668 sent the bind, so it is the client.
        let table = ServiceTable::builtin();
        let (key, mut state) = flow(&[(1, 2, 49668, 50000, tcp_flags::ACK)], 6);
        let before = classify(&key, &state, table.lookup());
        assert_eq!(key.port[before.server], 49668);
        let sender = usize::from(key.port[1] == 49668);
        state.note_bind_from(sender);
        let c = classify(&key, &state, table.lookup());
        assert_eq!((key.port[c.server], c.rule), (50000, ServerRule::Bind));
        // A SYN still says more than a bind.
        let (key, mut state) = flow(&[(1, 2, 49668, 50000, tcp_flags::SYN)], 6);
        state.note_bind_from(usize::from(key.port[1] == 50000));
        let c = classify(&key, &state, table.lookup());
        assert_eq!((key.port[c.server], c.rule), (50000, ServerRule::Syn));
    }

    #[test]
    fn rule2_exact_beats_range_beats_none() {
        // Mid-flow TCP 3389 <-> 50000: no SYN; 3389 exact beats 50000 range.
        let (port, rule, label) = server_port(&[(1, 2, 50000, 3389, tcp_flags::ACK)], 6);
        assert_eq!(
            (port, rule, label.as_deref()),
            (3389, ServerRule::TableMatch, Some("RDS"))
        );
        // Server-to-client packet first: still 3389.
        let (port, _, _) = server_port(&[(2, 1, 3389, 50000, tcp_flags::ACK)], 6);
        assert_eq!(port, 3389);
        // 8080 (range) vs 1000 (none): range wins over the lower port.
        let (port, rule, _) = server_port(&[(1, 2, 1000, 8080, tcp_flags::ACK)], 6);
        assert_eq!((port, rule), (8080, ServerRule::TableMatch));
    }

    #[test]
    fn both_ports_in_table_lower_port_wins() {
        // 137/udp and 138/udp both exact: lower port.
        let (port, rule, label) = server_port(&[(1, 2, 138, 137, 0)], 17);
        assert_eq!(
            (port, rule, label.as_deref()),
            (137, ServerRule::LowerPort, Some("NetBIOS Name Resolution"))
        );
    }

    #[test]
    fn rule3_lower_port_when_equally_specific() {
        let (port, rule, label) = server_port(&[(1, 2, 40001, 40000, 0)], 17);
        assert_eq!((port, rule, label), (40000, ServerRule::LowerPort, None));
    }

    #[test]
    fn rule4_first_destination_when_ports_equal() {
        let (_, rule, _) = server_port(&[(1, 2, 500, 500, 0)], 17);
        assert_eq!(rule, ServerRule::FirstDestination);
        let table = ServiceTable::builtin();
        let (key, state) = flow(&[(9, 3, 500, 500, 0), (3, 9, 500, 500, 0)], 17);
        let c = classify(&key, &state, table.lookup());
        assert_eq!(key.addr[c.server][0], 3);
        let (key, state) = flow(&[(3, 9, 500, 500, 0), (9, 3, 500, 500, 0)], 17);
        let c = classify(&key, &state, table.lookup());
        assert_eq!(key.addr[c.server][0], 9);
    }

    #[test]
    fn ip_protocol_flows_use_the_protocol_entry() {
        let table = ServiceTable::builtin();
        let (key, state) = flow(&[(1, 2, 0, 0, 0)], 47);
        let c = classify(&key, &state, table.lookup());
        assert_eq!(table.entry(c.entry.unwrap()).label, "GRE (IP protocol 47)");
        let (key, state) = flow(&[(1, 2, 0, 0, 0)], 89);
        assert_eq!(classify(&key, &state, table.lookup()).entry, None);
    }

    #[test]
    fn udp_has_no_syn_rule() {
        let (port, rule, _) = server_port(&[(1, 2, 53, 40000, tcp_flags::SYN)], 17);
        assert_eq!((port, rule), (53, ServerRule::TableMatch));
    }
}
