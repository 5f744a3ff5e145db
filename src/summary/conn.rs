//! The connection part of the report model: how the attempts of a line ended
//! ([`ConnCounters`]), and the client/server pairs that failed most ([`FailedPair`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::classify::conn::ConnState;

/// Connection outcomes of one service line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnCounters {
    /// Flows the client started inside the capture (TCP with a SYN; every UDP or other
    /// flow with a client packet).
    pub attempts: u64,
    /// Attempts that got through: TCP handshake completed (whatever came after), or an
    /// answer for UDP and other protocols.
    pub established: u64,
    /// Attempts nothing answered.
    pub unanswered: u64,
    /// TCP attempts answered by a RST.
    pub rejected: u64,
    /// Attempts refused by an ICMP error, per reason (e.g. `admin_prohibited`).
    pub unreachable: BTreeMap<String, u64>,
    /// TCP SYNs sent again for attempts (retransmissions).
    pub syn_retransmissions: u64,
    /// TCP: established, then reset by the client.
    pub reset_by_client: u64,
    /// TCP: established, then reset by the server.
    pub reset_by_server: u64,
    /// TCP: handshake completed, then reset by the server before it sent any payload (a
    /// failure: the service refused the client). Not counted as established.
    #[serde(default)]
    pub refused_after_connect: u64,
    /// Answered with an error (DNS NXDOMAIN, SERVFAIL, REFUSED, ...): a failure, not
    /// counted as established.
    #[serde(default)]
    pub answered_with_error: u64,
    /// TCP: established and closed by FIN from both sides.
    pub closed: u64,
    /// TCP: SYN/ACK without the final ACK, or server packets without a SYN/ACK.
    pub handshake_incomplete: u64,
    /// TCP flows that started before the capture (no SYN seen), and flows with server
    /// packets only: not attempts.
    pub midstream: u64,
    /// Datagrams to multicast or broadcast addresses: not attempts.
    pub broadcast: u64,
}

impl ConnCounters {
    /// Counts one flow in `state` that sent `syns` SYNs.
    pub fn add(&mut self, state: ConnState, syns: u8) {
        match state {
            ConnState::Midstream | ConnState::ServerOnly => {
                self.midstream += 1;
                return;
            }
            ConnState::Broadcast => {
                self.broadcast += 1;
                return;
            }
            _ => self.attempts += 1,
        }
        self.syn_retransmissions += u64::from(syns.saturating_sub(1));
        match state {
            ConnState::Established | ConnState::Answered => self.established += 1,
            ConnState::Closed => {
                self.established += 1;
                self.closed += 1;
            }
            ConnState::ResetByClient => {
                self.established += 1;
                self.reset_by_client += 1;
            }
            ConnState::ResetByServer => {
                self.established += 1;
                self.reset_by_server += 1;
            }
            ConnState::Rejected => self.rejected += 1,
            ConnState::RefusedAfterConnect => self.refused_after_connect += 1,
            ConnState::AnsweredWithError => self.answered_with_error += 1,
            ConnState::Unanswered => self.unanswered += 1,
            ConnState::Unreachable(reason) => {
                *self
                    .unreachable
                    .entry(reason.name().to_string())
                    .or_default() += 1;
            }
            ConnState::HandshakeIncomplete | ConnState::NoHandshake => {
                self.handshake_incomplete += 1;
            }
            ConnState::Midstream | ConnState::ServerOnly | ConnState::Broadcast => {}
        }
    }

    /// Failed attempts: unanswered, rejected, unreachable, refused after connect and
    /// answered with an error.
    pub fn failed(&self) -> u64 {
        self.unanswered
            + self.rejected
            + self.refused_after_connect
            + self.answered_with_error
            + self.unreachable.values().sum::<u64>()
    }

    /// Adds another line's counters.
    pub fn merge(&mut self, other: &ConnCounters) {
        // Saturating: a run never comes near, and a hand-edited summary cannot wrap.
        let add = |a: &mut u64, b: u64| *a = a.saturating_add(b);
        add(&mut self.attempts, other.attempts);
        add(&mut self.established, other.established);
        add(&mut self.unanswered, other.unanswered);
        add(&mut self.rejected, other.rejected);
        for (reason, n) in &other.unreachable {
            add(self.unreachable.entry(reason.clone()).or_default(), *n);
        }
        add(&mut self.syn_retransmissions, other.syn_retransmissions);
        add(&mut self.reset_by_client, other.reset_by_client);
        add(&mut self.reset_by_server, other.reset_by_server);
        add(&mut self.refused_after_connect, other.refused_after_connect);
        add(&mut self.answered_with_error, other.answered_with_error);
        add(&mut self.closed, other.closed);
        add(&mut self.handshake_incomplete, other.handshake_incomplete);
        add(&mut self.midstream, other.midstream);
        add(&mut self.broadcast, other.broadcast);
    }
}

/// One client -> server pair's failed attempts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedPair {
    /// Client address.
    pub client: String,
    /// Server address.
    pub server: String,
    /// Server port (absent for protocols without ports).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub server_port: Option<u16>,
    /// Failed attempts.
    pub failed: u64,
    /// Of which unanswered.
    pub unanswered: u64,
    /// Of which rejected by RST.
    pub rejected: u64,
    /// Of which refused by ICMP errors.
    pub unreachable: u64,
    /// Of which reset by the server right after the handshake, before any payload.
    #[serde(default)]
    pub refused_after_connect: u64,
    /// Of which answered with an error.
    #[serde(default)]
    pub answered_with_error: u64,
    /// SYN retransmissions of the failed attempts.
    pub syn_retransmissions: u64,
}
