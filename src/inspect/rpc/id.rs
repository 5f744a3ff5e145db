//! The interface a flow carries, packed small enough for every flow's state
//! ([`RpcId`]), and how it was learned ([`Via`]).

use super::interfaces;

/// How a flow's interface was found, weakest first: the endpoint mapper names what
/// listens on the port; a named pipe names it by convention; a bind names the interface
/// the flow itself asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Via {
    /// The endpoint mapper answered this server and port for the interface.
    EndpointMapper = 1,
    /// The flow opened the interface's named pipe over SMB.
    NamedPipe = 2,
    /// The flow's own bind or alter_context asked for the interface.
    Bind = 3,
}

impl Via {
    /// The name in reports and records.
    pub fn as_str(self) -> &'static str {
        match self {
            Via::EndpointMapper => "endpoint_mapper",
            Via::NamedPipe => "named_pipe",
            Via::Bind => "bind",
        }
    }
}

/// A flow's interface and how it was found, packed into two bytes of the flow state:
/// `(interface index + 1) << 3 | rank`, 0 for none. The rank orders identities: by how
/// they were found, and within that, an interface that is the flow's purpose before DCOM
/// plumbing (activation, object exporter, IRemUnknown) that merely leads to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RpcId(u16);

impl RpcId {
    /// No interface.
    pub const NONE: RpcId = RpcId(0);

    /// Interface `index` of the table, found `via`; `plumbing` for DCOM plumbing.
    pub fn new(index: u16, via: Via, plumbing: bool) -> RpcId {
        debug_assert!(index < interfaces::MAX_INTERFACES);
        RpcId(((index + 1) << 3) | (via as u16) << 1 | u16::from(!plumbing))
    }

    /// The interface index, if any.
    pub fn interface(self) -> Option<u16> {
        (self.0 >> 3).checked_sub(1)
    }

    /// How it was found, if there is an interface.
    pub fn via(self) -> Option<Via> {
        match (self.0 >> 1) & 3 {
            1 => Some(Via::EndpointMapper),
            2 => Some(Via::NamedPipe),
            3 => Some(Via::Bind),
            _ => None,
        }
    }

    /// Whether this identity should replace `other` on a flow: any beats none, a bind
    /// beats a pipe beats the endpoint mapper, a purposeful interface beats plumbing found
    /// the same way, and otherwise the first one stays.
    pub fn better_than(self, other: RpcId) -> bool {
        self.0 & 7 > other.0 & 7
    }

    /// The packed form (for the flow state).
    pub fn to_bits(self) -> u16 {
        self.0
    }

    /// From the packed form.
    pub fn from_bits(bits: u16) -> RpcId {
        RpcId(bits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_pack_and_rank() {
        let a = RpcId::new(0, Via::EndpointMapper, false);
        let b = RpcId::new(8000, Via::Bind, false);
        assert_eq!(
            (a.interface(), a.via()),
            (Some(0), Some(Via::EndpointMapper))
        );
        assert_eq!((b.interface(), b.via()), (Some(8000), Some(Via::Bind)));
        assert_eq!((RpcId::NONE.interface(), RpcId::NONE.via()), (None, None));
        assert!(a.better_than(RpcId::NONE) && b.better_than(a) && !a.better_than(b));
        assert!(!RpcId::new(3, Via::Bind, false).better_than(b));
        let plumbing = RpcId::new(3, Via::Bind, true);
        assert!(b.better_than(plumbing) && !plumbing.better_than(b) && plumbing.better_than(a));
    }
}
