//! Dense lookup arrays: one `[u16; 65536]` per transport and one `[u16; 256]` for IP
//! protocols. A lookup is one array index: no hashing, no string work.
//!
//! Encoding of a slot: `0` is no match; otherwise the low 15 bits hold `entry + 1` and the
//! top bit says the match came from a range.

use crate::decode::Transport;

const RANGE_BIT: u16 = 0x8000;
const INDEX_MASK: u16 = 0x7fff;
/// The most entries a slot can index.
pub(super) const MAX_ENTRIES: usize = INDEX_MASK as usize - 1;

/// How specific a port's table match is. Ordered: `None < Range < Exact`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Specificity {
    /// The port is in no row.
    None,
    /// The port is covered by range rows only.
    Range,
    /// The port is named by a row.
    Exact,
}

/// Alias kept for readability at call sites that talk about the kind of a match.
pub type MatchKind = Specificity;

/// The result of a port lookup: an entry index (if any) and how specific the match is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortMatch(u16);

impl PortMatch {
    /// The service entry index, if the port matched.
    #[inline]
    pub fn entry(self) -> Option<u16> {
        (self.0 != 0).then(|| (self.0 & INDEX_MASK) - 1)
    }

    /// How specific the match is.
    #[inline]
    pub fn kind(self) -> Specificity {
        if self.0 == 0 {
            Specificity::None
        } else if self.0 & RANGE_BIT != 0 {
            Specificity::Range
        } else {
            Specificity::Exact
        }
    }
}

/// The arrays for all transports and IP protocols.
#[derive(Clone)]
pub struct Lookup {
    ports: Box<[[u16; 65536]; 3]>,
    ip: [u16; 256],
}

impl std::fmt::Debug for Lookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lookup").finish_non_exhaustive()
    }
}

impl Lookup {
    /// The match for a (transport, port).
    #[inline]
    pub fn port(&self, transport: Transport, port: u16) -> PortMatch {
        PortMatch(self.ports[transport as usize][usize::from(port)])
    }

    /// The entry for an IP protocol number, if the table has one.
    #[inline]
    pub fn ip_proto(&self, proto: u8) -> Option<u16> {
        let slot = self.ip[usize::from(proto)];
        (slot != 0).then(|| slot - 1)
    }
}

/// Fills the arrays while the table is folded into entries.
pub(super) struct LookupBuilder {
    ports: Box<[[u16; 65536]; 3]>,
    ip: [u16; 256],
    overflow: bool,
}

impl LookupBuilder {
    pub(super) fn new() -> LookupBuilder {
        let ports: Box<[[u16; 65536]; 3]> = vec![[0u16; 65536]; 3]
            .into_boxed_slice()
            .try_into()
            .expect("three arrays");
        LookupBuilder {
            ports,
            ip: [0; 256],
            overflow: false,
        }
    }

    fn slot(&mut self, index: usize) -> u16 {
        if index >= MAX_ENTRIES {
            self.overflow = true;
            return 0;
        }
        index as u16 + 1
    }

    /// An exact row: always wins over ranges.
    pub(super) fn set_exact(&mut self, t: Transport, port: u16, index: usize) {
        let slot = self.slot(index);
        self.ports[t as usize][usize::from(port)] = slot;
    }

    /// A range span: fills only ports no exact row named.
    pub(super) fn set_range(&mut self, t: Transport, lo: u16, hi: u16, index: usize) {
        let slot = self.slot(index) | RANGE_BIT;
        for port in lo..=hi {
            let cell = &mut self.ports[t as usize][usize::from(port)];
            if *cell == 0 || *cell & RANGE_BIT != 0 {
                *cell = slot;
            }
        }
    }

    /// An IP-protocol row.
    pub(super) fn set_ip(&mut self, proto: u8, index: usize) {
        let slot = self.slot(index);
        self.ip[usize::from(proto)] = slot;
    }

    /// The arrays, or the supported maximum if there were too many entries.
    pub(super) fn finish(self) -> Result<Lookup, usize> {
        if self.overflow {
            return Err(MAX_ENTRIES);
        }
        Ok(Lookup {
            ports: self.ports,
            ip: self.ip,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_round_trips() {
        let mut b = LookupBuilder::new();
        b.set_range(Transport::Tcp, 100, 200, 7);
        b.set_exact(Transport::Tcp, 150, 3);
        b.set_range(Transport::Tcp, 140, 160, 9); // must not overwrite the exact 150
        b.set_ip(47, 0);
        let l = b.finish().unwrap();
        assert_eq!(l.port(Transport::Tcp, 99).kind(), Specificity::None);
        assert_eq!(l.port(Transport::Tcp, 100).entry(), Some(7));
        assert_eq!(l.port(Transport::Tcp, 100).kind(), Specificity::Range);
        assert_eq!(l.port(Transport::Tcp, 145).entry(), Some(9));
        assert_eq!(l.port(Transport::Tcp, 150).entry(), Some(3));
        assert_eq!(l.port(Transport::Tcp, 150).kind(), Specificity::Exact);
        assert_eq!(l.port(Transport::Udp, 150).entry(), None);
        assert_eq!(l.ip_proto(47), Some(0));
        assert_eq!(l.ip_proto(50), None);
        assert!(Specificity::Exact > Specificity::Range && Specificity::Range > Specificity::None);
    }

    #[test]
    fn too_many_entries_is_refused() {
        let mut b = LookupBuilder::new();
        b.set_exact(Transport::Udp, 1, MAX_ENTRIES);
        assert!(b.finish().is_err());
    }
}
