//! Packets and bytes per direction: the counters every report line carries.

use serde::{Deserialize, Serialize};

/// Flow, packet and byte counters in both directions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Flows.
    pub flows: u64,
    /// Packets, both directions.
    pub packets: u64,
    /// Bytes (on-the-wire frame lengths), both directions.
    pub bytes: u64,
    /// Packets client -> server.
    pub packets_c2s: u64,
    /// Bytes client -> server.
    pub bytes_c2s: u64,
    /// Packets server -> client.
    pub packets_s2c: u64,
    /// Bytes server -> client.
    pub bytes_s2c: u64,
}

impl Counters {
    /// Adds one flow's directional counts.
    pub fn add_flow(&mut self, packets_c2s: u64, bytes_c2s: u64, packets_s2c: u64, bytes_s2c: u64) {
        self.flows += 1;
        self.packets_c2s += packets_c2s;
        self.bytes_c2s += bytes_c2s;
        self.packets_s2c += packets_s2c;
        self.bytes_s2c += bytes_s2c;
        self.packets += packets_c2s + packets_s2c;
        self.bytes += bytes_c2s + bytes_s2c;
    }

    /// Adds another set of counters.
    pub fn merge(&mut self, other: &Counters) {
        // Saturating: a run never comes near, and a hand-edited summary cannot wrap.
        self.flows = self.flows.saturating_add(other.flows);
        self.packets = self.packets.saturating_add(other.packets);
        self.bytes = self.bytes.saturating_add(other.bytes);
        self.packets_c2s = self.packets_c2s.saturating_add(other.packets_c2s);
        self.bytes_c2s = self.bytes_c2s.saturating_add(other.bytes_c2s);
        self.packets_s2c = self.packets_s2c.saturating_add(other.packets_s2c);
        self.bytes_s2c = self.bytes_s2c.saturating_add(other.bytes_s2c);
    }
}
