//! Timing and size percentiles per service entry, kept in HDR histograms: the TCP
//! handshake as seen at the capture point (SYN -> SYN/ACK is the path to the server and
//! back, SYN/ACK -> ACK the path to the client and back), flow duration, and the size of
//! every packet.

use std::sync::Arc;

use hdrhistogram::Histogram;

use crate::classify::classify;
use crate::flow::FlowKey;
use crate::summary::timing::{TimingReport, histogram, report_of};
use crate::table::Lookup;

use crate::flow::{FlowState, PacketObserver};

/// The histograms of one service entry.
#[derive(Debug, Clone)]
pub struct ServiceTiming {
    syn_ack_us: Histogram<u64>,
    ack_us: Histogram<u64>,
    duration_us: Histogram<u64>,
}

impl Default for ServiceTiming {
    fn default() -> ServiceTiming {
        ServiceTiming {
            syn_ack_us: histogram(),
            ack_us: histogram(),
            duration_us: histogram(),
        }
    }
}

impl ServiceTiming {
    /// Records one flow.
    pub fn add(&mut self, state: &FlowState) {
        let (syn_ack, ack) = state.handshake_us();
        if let Some(us) = syn_ack {
            self.syn_ack_us.saturating_record(u64::from(us));
        }
        if let Some(us) = ack {
            self.ack_us.saturating_record(u64::from(us));
        }
        let duration = state.last_ts.saturating_sub(state.first_ts).max(0) / 1000;
        self.duration_us.saturating_record(duration as u64);
    }

    /// Percentiles of every measure that has values, with the packet sizes of
    /// `packets` (recorded by the flow table as packets arrive).
    pub fn report(&self, packets: Option<&Histogram<u64>>) -> TimingReport {
        report_of(&self.syn_ack_us, &self.ack_us, &self.duration_us, packets)
    }
}

/// Marks a flow no entry names.
pub const ENTRY_NONE: u16 = u16::MAX - 1;

/// The size of every packet, per service entry. The flow table records each packet under
/// its flow's entry as it arrives: the flow is classified when it starts, and again when
/// its SYN shows up (the one thing that can move a flow's server side), so the sizes land
/// where the report counts the flow.
#[derive(Clone)]
pub struct PacketSizes {
    lookup: Arc<Lookup>,
    per_entry: Vec<Option<Box<Histogram<u64>>>>,
}

impl std::fmt::Debug for PacketSizes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PacketSizes")
            .field("entries", &self.per_entry.len())
            .finish()
    }
}

impl PacketSizes {
    /// Empty histograms for `entries` entries classified with `lookup`.
    pub fn new(lookup: Arc<Lookup>, entries: usize) -> PacketSizes {
        PacketSizes {
            lookup,
            per_entry: vec![None; entries],
        }
    }

    /// The histogram of entry `entry`, if it saw packets.
    pub fn of(&self, entry: usize) -> Option<&Histogram<u64>> {
        self.per_entry.get(entry)?.as_deref()
    }
}

/// The slots are service entries: a flow is placed by classifying it.
impl PacketObserver for PacketSizes {
    /// The entry a flow belongs to now ([`ENTRY_NONE`] when none names it).
    fn slot_of(&mut self, key: &FlowKey, state: &FlowState) -> u16 {
        classify(key, state, &self.lookup)
            .entry
            .unwrap_or(ENTRY_NONE)
    }

    /// Records one packet of a flow of entry `slot`.
    #[inline]
    fn record(&mut self, slot: u16, bytes: u32) {
        if let Some(hist) = self.per_entry.get_mut(usize::from(slot)) {
            hist.get_or_insert_with(|| Box::new(histogram()))
                .saturating_record(u64::from(bytes));
        }
    }

    fn clone_box(&self) -> Box<dyn PacketObserver> {
        Box::new(self.clone())
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{IpSummary, tcp_flags};
    use crate::flow::FlowTable;

    #[test]
    fn handshake_times_and_durations() {
        let mut table = FlowTable::new();
        let mut timing = ServiceTiming::default();
        let pkt = |from_client: bool, flags: u8| {
            let (c, srv) = ([10, 0, 0, 1], [20, 0, 0, 1]);
            if from_client {
                IpSummary::test_v4(c, srv, 6, (50000, 445), flags)
            } else {
                IpSummary::test_v4(srv, c, 6, (445, 50000), flags)
            }
        };
        let ms = 1_000_000;
        table.add_packet(&pkt(true, tcp_flags::SYN), 0, 60);
        // A retransmitted SYN: the handshake time runs from the last one.
        table.add_packet(&pkt(true, tcp_flags::SYN), 1000 * ms, 60);
        table.add_packet(&pkt(false, tcp_flags::SYN | tcp_flags::ACK), 1020 * ms, 60);
        table.add_packet(&pkt(true, tcp_flags::ACK), 1023 * ms, 1500);
        let (_, state) = table.iter().next().unwrap();
        timing.add(state);
        let mut sizes = histogram();
        for size in [60, 60, 60, 1500] {
            sizes.record(size).unwrap();
        }
        let r = timing.report(Some(&sizes));
        let close = |a: f64, b: f64| (a - b).abs() <= b * 0.01;
        assert!(close(r.syn_ack_ms.unwrap().p50, 20.0), "{r:?}");
        assert!(close(r.ack_ms.unwrap().max, 3.0), "{r:?}");
        let d = r.duration_s.unwrap();
        assert!((d.max - 1.023).abs() < 0.02, "{d:?}");
        let size = r.packet_bytes.unwrap();
        assert_eq!(size.count, 4);
        assert!(close(size.p50, 60.0) && close(size.max, 1500.0), "{size:?}");
    }
}
