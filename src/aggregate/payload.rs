//! What the payloads of a group of flows look like: per unknown port and per range-only
//! port, how many flows carried each protocol (by their first payload bytes) and which
//! TLS server names they asked for; and flows on a well-known port whose payload says
//! something else (possible tunnels or misconfiguration).

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use crate::inspect::fingerprint::Fingerprint;
use crate::summary::payload::{NameCount, ProtocolCount};

/// Server names kept per group before the rarest are dropped.
const MAX_NAMES: usize = 256;

/// Names kept after pruning (the most frequent).
const NAMES_AFTER_PRUNE: usize = 64;

/// Flows per protocol and per TLS server name of one group.
#[derive(Debug, Clone, Default)]
pub struct PayloadAcc {
    protocols: BTreeMap<&'static str, u64>,
    names: FxHashMap<Box<str>, u64>,
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

#[cfg(test)]
mod tests {
    use super::*;

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
