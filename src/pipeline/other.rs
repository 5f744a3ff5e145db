//! Frames counted outside the flows, by kind and reason ([`OtherKind`]), and the words
//! the report gives each.

use crate::decode::{NonIpKind, Undecodable};
use crate::summary::OtherClass;

/// Why a frame is counted outside the flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum OtherKind {
    NonIp(NonIpKind),
    Icmp,
    Icmpv6,
    Undecodable(Undecodable),
    FragmentUnmatched,
    OutsideFocus,
}

impl OtherKind {
    pub(crate) fn class(self) -> OtherClass {
        match self {
            OtherKind::NonIp(_) => OtherClass::NonIp,
            OtherKind::Icmp => OtherClass::Icmp,
            OtherKind::Icmpv6 => OtherClass::Icmpv6,
            OtherKind::Undecodable(_) => OtherClass::Undecodable,
            OtherKind::FragmentUnmatched => OtherClass::FragmentUnmatched,
            OtherKind::OutsideFocus => OtherClass::OutsideFocus,
        }
    }

    pub(crate) fn reason(self) -> String {
        match self {
            OtherKind::NonIp(k) => k.describe(),
            OtherKind::Icmp => "ICMP (IP protocol 1)".into(),
            OtherKind::Icmpv6 => "ICMPv6 (IP protocol 58)".into(),
            OtherKind::Undecodable(u) => u.describe(),
            OtherKind::FragmentUnmatched => {
                "IP fragment whose first fragment was not captured".into()
            }
            OtherKind::OutsideFocus => {
                "flows outside the focus (--host, --service, --failed)".into()
            }
        }
    }
}
