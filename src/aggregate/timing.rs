//! Timing and size percentiles per service entry, kept in HDR histograms: the TCP
//! handshake as seen at the capture point (SYN -> SYN/ACK is the path to the server and
//! back, SYN/ACK -> ACK the path to the client and back), flow duration, and the size of
//! every packet.

use std::sync::Arc;

use hdrhistogram::Histogram;

use crate::classify::classify;
use crate::flow::FlowKey;
use crate::table::Lookup;
use serde::{Deserialize, Serialize};

use crate::flow::FlowState;

/// Largest value recorded, in µs (one hour); larger values are recorded as this.
const HIGHEST_US: u64 = 3_600_000_000;
/// Significant decimal digits kept (values within 1%).
const SIGFIG: u8 = 2;

/// p50/p90/p99/max of one measure, in the unit its field name says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    /// Values recorded (flows, or packets for sizes).
    pub count: u64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest value.
    pub max: f64,
}

/// What the report shows of a service's timing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TimingReport {
    /// TCP SYN -> SYN/ACK at the capture point, ms.
    pub syn_ack_ms: Option<Percentiles>,
    /// TCP SYN/ACK -> ACK at the capture point, ms.
    pub ack_ms: Option<Percentiles>,
    /// Flow duration (first to last packet), s.
    pub duration_s: Option<Percentiles>,
    /// Packet size (bytes on the wire), over every packet of the service.
    pub packet_bytes: Option<Percentiles>,
    /// The histograms behind the percentiles, so that `wiretally merge` combines runs
    /// exactly.
    #[serde(default, skip_serializing_if = "TimingHistograms::is_empty")]
    pub histograms: TimingHistograms,
}

/// HDR histogram contents as `[value, count]` pairs, one per non-empty bucket (the value
/// is the bucket's highest equivalent value, so recording it again lands in the same
/// bucket: merging is exact).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimingHistograms {
    /// SYN -> SYN/ACK, µs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub syn_ack_us: Vec<[u64; 2]>,
    /// SYN/ACK -> ACK, µs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ack_us: Vec<[u64; 2]>,
    /// Flow duration, µs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub duration_us: Vec<[u64; 2]>,
    /// Packet sizes, bytes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packet_bytes: Vec<[u64; 2]>,
}

impl TimingHistograms {
    /// Whether no histogram has values.
    pub fn is_empty(&self) -> bool {
        self.syn_ack_us.is_empty()
            && self.ack_us.is_empty()
            && self.duration_us.is_empty()
            && self.packet_bytes.is_empty()
    }
}

/// The non-empty buckets of a histogram.
fn export(h: &Histogram<u64>) -> Vec<[u64; 2]> {
    h.iter_recorded()
        .map(|v| [v.value_iterated_to(), v.count_at_value()])
        .collect()
}

/// A histogram holding the buckets of several exports.
fn import(parts: &[&[[u64; 2]]]) -> Histogram<u64> {
    let mut h = histogram();
    for part in parts {
        for [value, count] in part.iter() {
            // Values beyond the range are clamped; counts were checked to add up (see
            // `histograms_match`), so the totals cannot overflow.
            let _ = h.record_n(*value.min(&HIGHEST_US), *count);
        }
    }
    h
}

impl TimingReport {
    /// Whether each histogram holds exactly as many values as its percentiles say (what
    /// a run writes; a hand-edited summary may not), without overflowing.
    pub fn histograms_match(&self) -> bool {
        let h = &self.histograms;
        [
            (&h.syn_ack_us, self.syn_ack_ms),
            (&h.ack_us, self.ack_ms),
            (&h.duration_us, self.duration_s),
            (&h.packet_bytes, self.packet_bytes),
        ]
        .iter()
        .all(|(buckets, p)| {
            let sum = buckets
                .iter()
                .try_fold(0u64, |acc, [_, n]| acc.checked_add(*n));
            sum == Some(p.map_or(0, |p| p.count))
        })
    }

    /// The report of two reports' histograms combined (exact when both carry them).
    pub fn merged(a: &TimingReport, b: &TimingReport) -> TimingReport {
        let (ha, hb) = (&a.histograms, &b.histograms);
        let syn_ack = import(&[&ha.syn_ack_us, &hb.syn_ack_us]);
        let ack = import(&[&ha.ack_us, &hb.ack_us]);
        let duration = import(&[&ha.duration_us, &hb.duration_us]);
        let packets = import(&[&ha.packet_bytes, &hb.packet_bytes]);
        report_of(&syn_ack, &ack, &duration, Some(&packets))
    }
}

/// The report of four histograms.
fn report_of(
    syn_ack: &Histogram<u64>,
    ack: &Histogram<u64>,
    duration: &Histogram<u64>,
    packets: Option<&Histogram<u64>>,
) -> TimingReport {
    TimingReport {
        syn_ack_ms: percentiles(syn_ack, 1e3),
        ack_ms: percentiles(ack, 1e3),
        duration_s: percentiles(duration, 1e6),
        packet_bytes: packets.and_then(|h| percentiles(h, 1.0)),
        histograms: TimingHistograms {
            syn_ack_us: export(syn_ack),
            ack_us: export(ack),
            duration_us: export(duration),
            packet_bytes: packets.map(export).unwrap_or_default(),
        },
    }
}

/// The histograms of one service entry.
#[derive(Debug, Clone)]
pub struct ServiceTiming {
    syn_ack_us: Histogram<u64>,
    ack_us: Histogram<u64>,
    duration_us: Histogram<u64>,
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_max(HIGHEST_US, SIGFIG).expect("fixed, valid histogram bounds")
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

/// p50/p90/p99/max of a histogram, divided by `scale`.
fn percentiles(h: &Histogram<u64>, scale: f64) -> Option<Percentiles> {
    // Each value stands for its bucket (within 1%): report the bucket's middle.
    let at = |q: f64| h.median_equivalent(h.value_at_quantile(q)) as f64 / scale;
    (!h.is_empty()).then(|| Percentiles {
        count: h.len(),
        p50: at(0.50),
        p90: at(0.90),
        p99: at(0.99),
        max: h.median_equivalent(h.max()) as f64 / scale,
    })
}

/// Marks a flow whose service entry is not known yet.
pub const ENTRY_UNSET: u16 = u16::MAX;
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

    /// The entry a flow belongs to now ([`ENTRY_NONE`] when none names it).
    pub fn entry_of(&self, key: &FlowKey, state: &FlowState) -> u16 {
        classify(key, state, &self.lookup)
            .entry
            .unwrap_or(ENTRY_NONE)
    }

    /// Records one packet of a flow of `entry`.
    #[inline]
    pub fn record(&mut self, entry: u16, bytes: u32) {
        if let Some(slot) = self.per_entry.get_mut(usize::from(entry)) {
            slot.get_or_insert_with(|| Box::new(histogram()))
                .saturating_record(u64::from(bytes));
        }
    }

    /// The histogram of entry `entry`, if it saw packets.
    pub fn of(&self, entry: usize) -> Option<&Histogram<u64>> {
        self.per_entry.get(entry)?.as_deref()
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
