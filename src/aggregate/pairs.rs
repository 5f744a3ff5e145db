//! Failures per client/server pair, the value of the bounded tally behind each line's
//! FAILED list.

use crate::classify::conn::ConnState;
use crate::decode::{AddrBytes, addr_to_string};
use crate::summary::conn::FailedPair;

/// One client -> server pair's failed attempts: failed, of which unanswered, rejected,
/// unreachable and refused after connect, and the SYN retransmissions among them. Kept in the run's bounded tally
/// of failing pairs ([`crate::aggregate::tally::BoundedTally`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PairFailures([u64; 7]);

impl PairFailures {
    /// Counts one failed flow that ended in `state` after `syns` SYNs.
    pub fn add(&mut self, state: ConnState, syns: u8) {
        self.0[0] += 1;
        match state {
            ConnState::Unanswered => self.0[1] += 1,
            ConnState::Rejected => self.0[2] += 1,
            ConnState::RefusedAfterConnect => self.0[5] += 1,
            ConnState::AnsweredWithError => self.0[6] += 1,
            _ => self.0[3] += 1,
        }
        self.0[4] += u64::from(syns.saturating_sub(1));
    }

    /// The report line of this pair.
    pub fn line(
        &self,
        v6: bool,
        client: &AddrBytes,
        server: &AddrBytes,
        port: Option<u16>,
    ) -> FailedPair {
        let c = self.0;
        FailedPair {
            client: addr_to_string(v6, client),
            server: addr_to_string(v6, server),
            server_port: port,
            failed: c[0],
            unanswered: c[1],
            rejected: c[2],
            unreachable: c[3],
            syn_retransmissions: c[4],
            refused_after_connect: c[5],
            answered_with_error: c[6],
        }
    }
}

impl crate::aggregate::tally::Tallied for PairFailures {
    fn weight(&self) -> u64 {
        self.0[0]
    }
}
