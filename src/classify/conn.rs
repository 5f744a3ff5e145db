//! Connection state per flow, in the spirit of Zeek's `conn_state`: did the handshake
//! complete, was the SYN answered at all, rejected by a RST, refused by an ICMP error,
//! reset later, closed cleanly, or did the capture start in the middle. Counted per
//! service line, and the failures (unanswered, rejected, unreachable) feed the failed
//! connections report, the headline answer to "which ports are blocked here?".

use crate::decode::icmp::IcmpReason;
use crate::decode::{AddrBytes, ip_proto};
use crate::flow::{FlowKey, FlowState};

/// How a flow went, from the server's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnState {
    /// TCP: handshake completed, still open at the end (or half closed).
    Established,
    /// TCP: handshake completed, FIN from both sides.
    Closed,
    /// TCP: handshake completed, then the client sent a RST.
    ResetByClient,
    /// TCP: handshake completed, then the server sent a RST.
    ResetByServer,
    /// TCP: handshake completed, then the server reset the connection without sending a
    /// byte of payload: the service refused the client (SMB1 disabled, LDAPS without a
    /// certificate, a listener that takes connections only to drop them).
    RefusedAfterConnect,
    /// TCP: the SYN was answered by a RST (port closed, or a firewall rejecting).
    Rejected,
    /// Nothing came back: TCP SYNs without answer, UDP without reply.
    Unanswered,
    /// An ICMP error named the flow, and the server sent nothing.
    Unreachable(IcmpReason),
    /// TCP: SYN/ACK seen, but no ACK completed the handshake.
    HandshakeIncomplete,
    /// TCP: the server sent packets, but no SYN/ACK (odd; often a capture gap).
    NoHandshake,
    /// TCP: no SYN in the capture; the connection started before it.
    Midstream,
    /// UDP and other protocols: packets both ways.
    Answered,
    /// Answered, but the answer was an error (a DNS NXDOMAIN, SERVFAIL or REFUSED): the
    /// lookup failed though the server replied.
    AnsweredWithError,
    /// UDP and other protocols: packets from the server only.
    ServerOnly,
    /// UDP and other protocols sent to a multicast or broadcast address: answers, if
    /// any, come from other addresses, so no answer is expected in the flow.
    Broadcast,
}

/// Whether `addr` is multicast (224.0.0.0/4, ff00::/8), the limited broadcast, or ends
/// in .255 (the broadcast address of a /24, the common case; a heuristic).
fn is_group_address(v6: bool, addr: &AddrBytes) -> bool {
    if v6 {
        addr[0] == 0xff
    } else {
        addr[0] & 0xf0 == 0xe0 || addr[3] == 255
    }
}

impl ConnState {
    /// Derives the state of a flow whose server is endpoint `server`.
    pub fn of(key: &FlowKey, state: &FlowState, server: usize) -> ConnState {
        let client = 1 - server;
        let from_server = state.packets[server] > 0;
        let from_client = state.packets[client] > 0;
        if key.proto != ip_proto::TCP {
            if is_group_address(key.v6, &key.addr[server]) {
                return ConnState::Broadcast;
            }
            return match (from_client, from_server, state.icmp()) {
                (true, true, _) => ConnState::Answered,
                (_, false, Some(reason)) => ConnState::Unreachable(reason),
                (true, false, None) => ConnState::Unanswered,
                _ => ConnState::ServerOnly,
            };
        }
        if state.syn_receiver().is_none() {
            return ConnState::Midstream;
        }
        if state.handshake_done() {
            return if state.rst_from(server) && state.payload_fingerprint(server).is_none() {
                ConnState::RefusedAfterConnect
            } else if state.rst_from(server) {
                ConnState::ResetByServer
            } else if state.rst_from(client) {
                ConnState::ResetByClient
            } else if state.fin_from(0) && state.fin_from(1) {
                ConnState::Closed
            } else {
                ConnState::Established
            };
        }
        if state.syn_ack_seen() {
            ConnState::HandshakeIncomplete
        } else if state.rst_from(server) {
            ConnState::Rejected
        } else if let (false, Some(reason)) = (from_server, state.icmp()) {
            ConnState::Unreachable(reason)
        } else if !from_server {
            ConnState::Unanswered
        } else {
            ConnState::NoHandshake
        }
    }

    /// The name used in flow records.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnState::Established => "established",
            ConnState::Closed => "closed",
            ConnState::ResetByClient => "reset_by_client",
            ConnState::ResetByServer => "reset_by_server",
            ConnState::RefusedAfterConnect => "refused_after_connect",
            ConnState::Rejected => "rejected",
            ConnState::Unanswered => "unanswered",
            ConnState::Unreachable(_) => "unreachable",
            ConnState::HandshakeIncomplete => "handshake_incomplete",
            ConnState::NoHandshake => "no_handshake",
            ConnState::Midstream => "midstream",
            ConnState::Answered => "answered",
            ConnState::AnsweredWithError => "answered_with_error",
            ConnState::ServerOnly => "server_only",
            ConnState::Broadcast => "broadcast",
        }
    }

    /// Whether the connection attempt failed: unanswered, rejected, unreachable, or
    /// refused by the server right after the handshake.
    pub fn failed(self) -> bool {
        matches!(
            self,
            ConnState::Unanswered
                | ConnState::Rejected
                | ConnState::Unreachable(_)
                | ConnState::RefusedAfterConnect
                | ConnState::AnsweredWithError
        )
    }

    /// The state once the answers read on the flow are known: an answered lookup whose
    /// answer was an error (`dns_error`) failed.
    pub fn with_answers(self, dns_error: bool) -> ConnState {
        match self {
            ConnState::Answered | ConnState::Established | ConnState::Closed if dns_error => {
                ConnState::AnsweredWithError
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{IpSummary, tcp_flags};
    use crate::flow::FlowTable;
    use crate::summary::conn::ConnCounters;

    const SYN: u8 = tcp_flags::SYN;
    const SYN_ACK: u8 = tcp_flags::SYN | tcp_flags::ACK;
    const ACK: u8 = tcp_flags::ACK;
    const RST: u8 = tcp_flags::RST | tcp_flags::ACK;
    const FIN: u8 = tcp_flags::FIN | tcp_flags::ACK;
    const DATA: u8 = tcp_flags::PSH | tcp_flags::ACK;

    /// Runs packets (from client?, flags) of one TCP or UDP flow 10.0.0.5:50000 <->
    /// 10.0.0.9:445 and returns its state with the server side.
    fn state_of(proto: u8, packets: &[(bool, u8)], icmp: Option<IcmpReason>) -> ConnState {
        let mut table = FlowTable::new();
        let summary = |from_client: bool, flags: u8| {
            let (c, srv) = ([10, 0, 0, 5], [10, 0, 0, 9]);
            if from_client {
                IpSummary::test_v4(c, srv, proto, (50000, 445), flags)
            } else {
                IpSummary::test_v4(srv, c, proto, (445, 50000), flags)
            }
        };
        for (i, (from_client, flags)) in packets.iter().enumerate() {
            // A PSH packet carries payload (fingerprint code 1: unrecognized).
            let fp = u8::from(flags & tcp_flags::PSH != 0);
            let p = summary(*from_client, *flags);
            table.add_packet_with_payload(&p, i as i64 * 1_000_000, 60, fp);
        }
        if let Some(reason) = icmp {
            table.add_icmp_error(&summary(true, SYN), reason);
        }
        let (key, state) = table.iter().next().map(|(k, s)| (*k, *s)).unwrap();
        let server = usize::from(key.port[1] == 445);
        ConnState::of(&key, &state, server)
    }

    #[test]
    fn tcp_states() {
        let tcp = ip_proto::TCP;
        let handshake = [(true, SYN), (false, SYN_ACK), (true, ACK)];
        assert_eq!(state_of(tcp, &handshake, None), ConnState::Established);
        let mut closed = handshake.to_vec();
        closed.extend([(true, FIN), (false, FIN), (true, ACK)]);
        assert_eq!(state_of(tcp, &closed, None), ConnState::Closed);
        // The server resets before sending a byte: the service refused the client.
        let mut refused = handshake.to_vec();
        refused.extend([(true, DATA), (false, RST)]);
        assert_eq!(
            state_of(tcp, &refused, None),
            ConnState::RefusedAfterConnect
        );
        assert!(ConnState::RefusedAfterConnect.failed());
        // After it answered, a reset is an ordinary end.
        let mut reset = handshake.to_vec();
        reset.extend([(true, DATA), (false, DATA), (false, RST)]);
        assert_eq!(state_of(tcp, &reset, None), ConnState::ResetByServer);
        let mut reset = handshake.to_vec();
        reset.push((true, RST));
        assert_eq!(state_of(tcp, &reset, None), ConnState::ResetByClient);
        assert_eq!(
            state_of(tcp, &[(true, SYN), (false, RST)], None),
            ConnState::Rejected
        );
        assert_eq!(
            state_of(tcp, &[(true, SYN), (true, SYN), (true, SYN)], None),
            ConnState::Unanswered
        );
        assert_eq!(
            state_of(tcp, &[(true, SYN), (false, SYN_ACK)], None),
            ConnState::HandshakeIncomplete
        );
        // A client RST|ACK answering the SYN/ACK acknowledges nothing: no handshake.
        assert_eq!(
            state_of(tcp, &[(true, SYN), (false, SYN_ACK), (true, RST)], None),
            ConnState::HandshakeIncomplete
        );
        assert_eq!(
            state_of(tcp, &[(true, ACK), (false, ACK)], None),
            ConnState::Midstream
        );
        let prohibited = IcmpReason {
            v6: false,
            icmp_type: 3,
            code: 13,
        };
        assert_eq!(
            state_of(tcp, &[(true, SYN)], Some(prohibited)),
            ConnState::Unreachable(prohibited)
        );
        // An answer beats a late ICMP error.
        assert_eq!(
            state_of(tcp, &handshake, Some(prohibited)),
            ConnState::Established
        );
    }

    #[test]
    fn udp_states() {
        let udp = ip_proto::UDP;
        assert_eq!(
            state_of(udp, &[(true, 0), (false, 0)], None),
            ConnState::Answered
        );
        assert_eq!(state_of(udp, &[(true, 0)], None), ConnState::Unanswered);
        for (group, expect) in [
            ([10, 0, 1, 255], true),
            ([239, 255, 255, 250], true),
            ([10, 0, 1, 7], false),
        ] {
            let mut a = [0u8; 16];
            a[..4].copy_from_slice(&group);
            assert_eq!(is_group_address(false, &a), expect, "{group:?}");
        }
        let mut v6 = [0u8; 16];
        v6[0] = 0xff;
        assert!(is_group_address(true, &v6));
        let port = IcmpReason {
            v6: false,
            icmp_type: 3,
            code: 3,
        };
        assert_eq!(
            state_of(udp, &[(true, 0)], Some(port)),
            ConnState::Unreachable(port)
        );
    }

    #[test]
    fn counters_and_pairs() {
        let mut c = ConnCounters::default();
        c.add(ConnState::Unanswered, 3);
        c.add(ConnState::Rejected, 1);
        c.add(ConnState::Closed, 1);
        c.add(ConnState::Midstream, 0);
        let reason = IcmpReason {
            v6: false,
            icmp_type: 3,
            code: 13,
        };
        c.add(ConnState::Unreachable(reason), 1);
        assert_eq!((c.attempts, c.established, c.failed()), (4, 1, 3));
        assert_eq!(c.syn_retransmissions, 2);
        assert_eq!(c.unreachable["admin_prohibited"], 1);
        assert_eq!(c.midstream, 1);
    }
}
