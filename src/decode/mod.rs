//! Frame decoding: link type + captured bytes -> a small summary of what the flow tracker
//! needs (addresses, IP protocol, ports, TCP flags, fragment identity), or the reason the
//! frame is not a flow packet. Pure: no I/O, no allocation.
//!
//! Link layers are peeled here (Ethernet, 802.1Q/QinQ, MPLS, PPPoE, Linux SLL/SLL2,
//! BSD null/loopback, raw IP); IP headers and IPv6 extension chains are sliced with
//! etherparse's lax slicer, so snaplen-truncated frames still yield the headers they hold.
//! IP-in-IP tunnels (4in4, 6in4, 4in6, 6in6) are unwrapped to the inner packet; GRE is not
//! (it is a service of its own in the table).
//!
//! Files: [`numbers`] (the registries' values), [`packet`] (what decoding yields),
//! [`link`] (link layers and encapsulations), `wireless` (802.11 and its capture headers),
//! `ip` (IP headers, extension chains, tunnels), [`icmp`] (the packets ICMP errors quote),
//! [`names`]. May import nothing else of the crate.

pub mod icmp;
mod ip;
pub mod link;
pub mod names;
pub mod numbers;
pub mod packet;
mod wireless;

pub use link::{decode, is_loopback_ipv6, loopback_family};
pub use names::ip_proto_name;
pub use numbers::{LinkType, Transport, ip_proto, tcp_flags};
pub use packet::*;
