//! Per-packet observers: what wants to see every packet of every flow as the table
//! applies it (today the packet-size histograms of each service entry) plugs in here, so
//! that the flow table stays connection tracking and knows nothing of classification.

use std::any::Any;
use std::fmt::Debug;

pub use crate::flow::state::SLOT_UNSET;
use crate::flow::state::{FlowKey, FlowState};

/// Sees each packet the flow table applies. The table asks for a flow's slot when the
/// flow starts and again when a SYN names its server (the one event that can move a flow
/// to another service), keeps the slot in the flow's state, and hands it back with every
/// packet.
pub trait PacketObserver: Debug + Send {
    /// The slot the packets of this flow go to from now on.
    fn slot_of(&mut self, key: &FlowKey, state: &FlowState) -> u16;
    /// One packet of `bytes` (on the wire) of a flow in `slot`.
    fn record(&mut self, slot: u16, bytes: u32);
    /// A copy, for a table started afresh with the same observer.
    fn clone_box(&self) -> Box<dyn PacketObserver>;
    /// The observer itself, for its owner to read it back at the end.
    fn as_any(&self) -> &dyn Any;
}
