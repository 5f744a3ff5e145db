//! The timing part of the report model: percentiles of the TCP handshake, flow duration
//! and packet size per line, with the HDR histogram buckets behind them so that merged
//! summaries stay exact.

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// Largest value recorded, in µs (one hour); larger values are recorded as this.
pub(crate) const HIGHEST_US: u64 = 3_600_000_000;

/// Significant decimal digits kept (values within 1%).
pub(crate) const SIGFIG: u8 = 2;

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
pub(crate) fn export(h: &Histogram<u64>) -> Vec<[u64; 2]> {
    h.iter_recorded()
        .map(|v| [v.value_iterated_to(), v.count_at_value()])
        .collect()
}

/// A histogram holding the buckets of several exports.
pub(crate) fn import(parts: &[&[[u64; 2]]]) -> Histogram<u64> {
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
pub(crate) fn report_of(
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

pub(crate) fn histogram() -> Histogram<u64> {
    Histogram::new_with_max(HIGHEST_US, SIGFIG).expect("fixed, valid histogram bounds")
}

/// p50/p90/p99/max of a histogram, divided by `scale`.
pub(crate) fn percentiles(h: &Histogram<u64>, scale: f64) -> Option<Percentiles> {
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
