//! Timing and size percentiles per service entry, kept in HDR histograms: the TCP
//! handshake as seen at the capture point (SYN -> SYN/ACK is the path to the server and
//! back, SYN/ACK -> ACK the path to the client and back), flow duration, and the mean
//! packet size of each flow weighted by its packets.

use hdrhistogram::Histogram;
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
    /// Mean packet size of each flow, weighted by its packets (bytes on the wire).
    pub mean_packet_bytes: Option<Percentiles>,
}

/// The histograms of one service entry.
#[derive(Debug, Clone)]
pub struct ServiceTiming {
    syn_ack_us: Histogram<u64>,
    ack_us: Histogram<u64>,
    duration_us: Histogram<u64>,
    packet_bytes: Histogram<u64>,
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
            packet_bytes: histogram(),
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
        let packets = state.packets[0] + state.packets[1];
        if let Some(mean) = (state.bytes[0] + state.bytes[1]).checked_div(packets) {
            self.packet_bytes.saturating_record_n(mean, packets);
        }
    }

    /// Percentiles of every measure that has values.
    pub fn report(&self) -> TimingReport {
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
        TimingReport {
            syn_ack_ms: percentiles(&self.syn_ack_us, 1e3),
            ack_ms: percentiles(&self.ack_us, 1e3),
            duration_s: percentiles(&self.duration_us, 1e6),
            mean_packet_bytes: percentiles(&self.packet_bytes, 1.0),
        }
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
        let r = timing.report();
        let close = |a: f64, b: f64| (a - b).abs() <= b * 0.01;
        assert!(close(r.syn_ack_ms.unwrap().p50, 20.0), "{r:?}");
        assert!(close(r.ack_ms.unwrap().max, 3.0), "{r:?}");
        let d = r.duration_s.unwrap();
        assert!((d.max - 1.023).abs() < 0.02, "{d:?}");
        let size = r.mean_packet_bytes.unwrap();
        assert_eq!(size.count, 4);
        assert!((size.p50 - 420.0).abs() < 5.0, "{size:?}");
    }
}
