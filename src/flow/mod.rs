//! Connection tracking, and nothing else: the canonical bidirectional key, the per-flow
//! state, the table that holds flows, when they end (expiry), and the stage that runs the
//! table on a second thread. Classification and accumulation plug in from above, through
//! [`observer::PacketObserver`].
//!
//! May import: `decode` (packet summaries) and `inspect` (the payload codes a flow keeps).

pub mod expiry;
pub mod map;
pub mod observer;
pub mod stage;
pub mod state;
pub mod table;

pub use observer::PacketObserver;
pub use state::{FlowKey, FlowState};
pub use table::{FlowTable, KeyedPacket, RetiredFlow};
