//! When a flow leaves the flow table before the end of the run: idle too long, closed by
//! FIN/RST and past a short grace period, or evicted because the table hit its cap.
//!
//! Expiry is decided by packet time, never by the wall clock, so a file gives the same
//! flows however fast it is read, and a live capture the same flows as its `-w` file.
//! The rule is a gap rule: a packet arriving more than the idle timeout after its flow's
//! last packet (or more than the grace period after a closed flow's last packet) starts a
//! new flow, and the old one is retired with everything it counted. Retiring closed flows
//! from a queue, and idle ones by periodic sweeps, only frees the memory of flows that
//! rule has already ended.

use serde::{Deserialize, Serialize};

use crate::flow::state::FlowState;

/// Default idle timeout (the inactivity timeout Zeek and most flow meters use for TCP).
pub const DEFAULT_IDLE_TIMEOUT_NS: i64 = 300 * NS_PER_SEC;
/// Default grace period after a flow closed (FIN from both sides, or a RST): long enough
/// for the last ACKs and retransmitted FINs, short enough to free a busy table quickly.
pub const DEFAULT_CLOSED_GRACE_NS: i64 = 5 * NS_PER_SEC;

/// Default `--max-flows` for live captures, which run without end: about 100 MB of flow
/// table at most. Reading files has no default cap (a file ends).
pub const LIVE_DEFAULT_MAX_FLOWS: usize = 1_000_000;

const NS_PER_SEC: i64 = 1_000_000_000;

/// Idle sweeps run at most this often (packet time), however short the timeout.
const MIN_SWEEP_INTERVAL_NS: i64 = NS_PER_SEC;

/// Why a flow record was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlowEnd {
    /// No packet for longer than the idle timeout.
    Idle,
    /// Closed (FIN both ways, or RST) and quiet for the grace period.
    Closed,
    /// Pushed out when the table reached `--max-flows`.
    Evicted,
    /// Still open when the capture ended.
    CaptureEnd,
}

impl FlowEnd {
    /// The name used in flow records (`ended_by`).
    pub fn as_str(self) -> &'static str {
        match self {
            FlowEnd::Idle => "idle_timeout",
            FlowEnd::Closed => "closed",
            FlowEnd::Evicted => "evicted",
            FlowEnd::CaptureEnd => "capture_end",
        }
    }
}

/// The expiry settings of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry {
    /// A flow quiet for longer than this ends (None: never).
    pub idle_timeout_ns: Option<i64>,
    /// A closed flow quiet for longer than this ends (None: closing does not end flows).
    pub closed_grace_ns: Option<i64>,
    /// At most this many flows are kept; the oldest idle ones are evicted (None: no cap).
    pub max_flows: Option<usize>,
}

impl Default for Expiry {
    fn default() -> Expiry {
        Expiry {
            idle_timeout_ns: Some(DEFAULT_IDLE_TIMEOUT_NS),
            closed_grace_ns: Some(DEFAULT_CLOSED_GRACE_NS),
            max_flows: None,
        }
    }
}

impl Expiry {
    /// Flows live until the end of the run, however long and however many.
    pub fn never() -> Expiry {
        Expiry {
            idle_timeout_ns: None,
            closed_grace_ns: None,
            max_flows: None,
        }
    }

    /// Whether any flow can end before the run does.
    pub fn is_active(&self) -> bool {
        self.idle_timeout_ns.is_some() || self.closed_grace_ns.is_some() || self.max_flows.is_some()
    }

    /// Packet time between sweeps of the whole table for idle flows: half the idle
    /// timeout, at least a second (None when there is no idle timeout). Closed flows are
    /// retired from a queue of their own, without sweeping.
    pub(crate) fn idle_sweep_interval_ns(&self) -> Option<i64> {
        self.idle_timeout_ns
            .map(|idle| (idle / 2).max(MIN_SWEEP_INTERVAL_NS))
    }

    /// Whether a flow has ended by packet time `now`, and why.
    #[inline]
    pub fn ended(&self, state: &FlowState, now: i64) -> Option<FlowEnd> {
        let quiet = now.saturating_sub(state.last_ts);
        if let Some(grace) = self.closed_grace_ns {
            if state.is_closed() && quiet > grace {
                return Some(FlowEnd::Closed);
            }
        }
        match self.idle_timeout_ns {
            Some(idle) if quiet > idle => Some(FlowEnd::Idle),
            _ => None,
        }
    }
}

/// What expiry did during a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpiryCounts {
    /// Flows ended by the idle timeout.
    pub expired_idle: u64,
    /// Flows ended after closing.
    pub retired_closed: u64,
    /// Flows evicted at the cap.
    pub evicted: u64,
    /// Most flows held at once.
    pub peak_flows: u64,
}

impl ExpiryCounts {
    /// Counts one ended flow.
    pub fn count(&mut self, end: FlowEnd) {
        match end {
            FlowEnd::Idle => self.expired_idle += 1,
            FlowEnd::Closed => self.retired_closed += 1,
            FlowEnd::Evicted => self.evicted += 1,
            FlowEnd::CaptureEnd => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_sweeps_follow_the_idle_timeout() {
        assert_eq!(
            Expiry::default().idle_sweep_interval_ns(),
            Some(DEFAULT_IDLE_TIMEOUT_NS / 2)
        );
        let tiny = Expiry {
            idle_timeout_ns: Some(10),
            ..Expiry::never()
        };
        assert_eq!(tiny.idle_sweep_interval_ns(), Some(MIN_SWEEP_INTERVAL_NS));
        assert_eq!(Expiry::never().idle_sweep_interval_ns(), None);
        assert!(!Expiry::never().is_active());
    }
}
