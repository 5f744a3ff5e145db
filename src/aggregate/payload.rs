//! What the payloads of a group of flows look like: per unknown port and per range-only
//! port, how many flows carried each protocol (by their first payload bytes) and which
//! TLS server names they asked for; and flows on a well-known port whose payload says
//! something else (possible tunnels or misconfiguration).

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::flow::FlowState;
use crate::inspect::fingerprint::Fingerprint;
use crate::summary::Counters;

/// Server names kept per group before the rarest are dropped.
const MAX_NAMES: usize = 256;
/// Names kept after pruning (the most frequent).
const NAMES_AFTER_PRUNE: usize = 64;

/// What a flow looks like: the client's first payload when it is recognised, else the
/// server's, else `Unrecognized` when either sent a payload; None without payload.
pub fn looks_like(state: &FlowState, server: usize) -> Option<Fingerprint> {
    let client = state.payload_fingerprint(1 - server);
    let served = state.payload_fingerprint(server);
    let recognised = |f: Option<Fingerprint>| f.filter(|f| *f != Fingerprint::Unrecognized);
    recognised(client)
        .or(recognised(served))
        .or(client)
        .or(served)
}

/// Flows per protocol and per TLS server name of one group.
#[derive(Debug, Clone, Default)]
pub struct PayloadAcc {
    protocols: BTreeMap<&'static str, u64>,
    names: FxHashMap<Box<str>, u64>,
}

/// Flows of one protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtocolCount {
    /// `tls`, `http`, `ssh`, ..., or `unrecognized`.
    pub protocol: String,
    /// Flows whose payload looked like it.
    pub flows: u64,
}

/// Flows that asked for one TLS server name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameCount {
    /// The server name (SNI).
    pub name: String,
    /// Flows.
    pub flows: u64,
}

impl PayloadAcc {
    /// Counts a flow that looks like `seen` (if it carried payload) and asked for `name`.
    pub fn add(&mut self, seen: Option<Fingerprint>, name: Option<&str>) {
        if let Some(seen) = seen {
            *self.protocols.entry(seen.name()).or_default() += 1;
        }
        if let Some(name) = name {
            *self.names.entry(name.into()).or_default() += 1;
            if self.names.len() > MAX_NAMES {
                let mut all: Vec<_> = self.names.drain().collect();
                all.select_nth_unstable_by(NAMES_AFTER_PRUNE, |a, b| {
                    b.1.cmp(&a.1).then(a.0.cmp(&b.0))
                });
                all.truncate(NAMES_AFTER_PRUNE);
                self.names.extend(all);
            }
        }
    }

    /// Protocols by flows (most first), and the `top` most asked server names.
    pub fn lines(&self, top: usize) -> (Vec<ProtocolCount>, Vec<NameCount>) {
        let mut protocols: Vec<ProtocolCount> = self
            .protocols
            .iter()
            .map(|(p, n)| ProtocolCount {
                protocol: p.to_string(),
                flows: *n,
            })
            .collect();
        protocols.sort_by(crate::summary::order::protocols);
        let mut names: Vec<NameCount> = self
            .names
            .iter()
            .map(|(name, n)| NameCount {
                name: name.to_string(),
                flows: *n,
            })
            .collect();
        names.sort_by(crate::summary::order::names);
        names.truncate(top);
        (protocols, names)
    }
}

/// Flows on a well-known port whose payload contradicts it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MismatchLine {
    /// The table entry the port belongs to, if any.
    pub service: Option<String>,
    /// `tcp` or `udp`.
    pub transport: String,
    /// The server port.
    pub port: u16,
    /// What the port should carry.
    pub expected: Vec<String>,
    /// What the payload looked like instead (`unrecognized` only where the port's
    /// protocol is checked strictly: DNS).
    pub seen: String,
    /// Their traffic.
    #[serde(flatten)]
    pub counters: Counters,
    /// One of the flows, `client -> server:port`.
    pub example: String,
}

/// The mismatch of a flow on `port`, if its payload contradicts what the port carries.
pub fn mismatch(ip_proto: u8, port: u16, seen: Option<Fingerprint>) -> Option<Fingerprint> {
    let expected = Fingerprint::expected(ip_proto, port)?;
    let seen = seen?;
    let strict = expected == [Fingerprint::Dns];
    let contradicts = if seen == Fingerprint::Unrecognized {
        strict
    } else {
        !expected.contains(&seen)
    };
    contradicts.then_some(seen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mismatches() {
        use Fingerprint::*;
        assert_eq!(mismatch(6, 443, Some(Ssh)), Some(Ssh));
        assert_eq!(mismatch(6, 443, Some(Tls)), None);
        assert_eq!(mismatch(6, 443, Some(Unrecognized)), None);
        assert_eq!(mismatch(6, 3389, Some(Http)), Some(Http));
        assert_eq!(mismatch(17, 53, Some(Unrecognized)), Some(Unrecognized));
        assert_eq!(mismatch(17, 53, Some(Dns)), None);
        assert_eq!(mismatch(17, 53, None), None);
        assert_eq!(mismatch(6, 40000, Some(Ssh)), None);
    }

    #[test]
    fn names_stay_bounded() {
        let mut acc = PayloadAcc::default();
        for _ in 0..5 {
            acc.add(Some(Fingerprint::Tls), Some("popular.example"));
        }
        for i in 0..2000 {
            acc.add(Some(Fingerprint::Tls), Some(&format!("h{i}.example")));
        }
        assert!(acc.names.len() <= MAX_NAMES);
        let (protocols, names) = acc.lines(1);
        assert_eq!(protocols[0].flows, 2005);
        assert_eq!(names[0].name, "popular.example");
    }
}
