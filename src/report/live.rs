//! The live view: every interval, the per-service table with current rates next to the
//! totals, redrawn in place on a terminal (top-style), or one NDJSON snapshot line when
//! the output is a pipe or JSON was asked for.

use std::io::{self, Write};

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::printable::printable;
use super::units;
use crate::summary::kinds::port_text;
use crate::summary::{Counters, Summary};

/// Renders snapshots and remembers the previous one to compute rates.
pub struct LiveView {
    interface: String,
    terminal: bool,
    top: usize,
    previous: FxHashMap<String, (u64, u64)>,
    previous_totals: (u64, u64),
}

/// One row of a snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct RateRow {
    /// Service label, or the protocol name for unknown IP-protocol traffic.
    pub label: String,
    /// `service` or `unknown`.
    pub kind: &'static str,
    /// `tcp`, `udp`, `sctp` or `ip`.
    pub transport: String,
    /// `445/tcp`, `49152-65535/tcp`, `ip/50`.
    pub port: String,
    /// Totals since the start.
    #[serde(flatten)]
    pub counters: Counters,
    /// Packets per second over the last interval.
    pub pps: f64,
    /// Bits per second over the last interval.
    pub bps: f64,
}

/// One snapshot line (NDJSON).
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    /// Always `snapshot`, so readers can tell these lines from the final summary.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Wall-clock time, seconds since the epoch.
    pub ts: f64,
    /// Seconds since the previous snapshot.
    pub interval_s: f64,
    /// The interface.
    pub interface: String,
    /// Packets since the start.
    pub packets: u64,
    /// Bytes since the start.
    pub bytes: u64,
    /// Flows so far.
    pub flows: u64,
    /// Packets per second over the interval.
    pub pps: f64,
    /// Bits per second over the interval.
    pub bps: f64,
    /// Services and unknown ports, by current rate.
    pub rows: Vec<RateRow>,
}

impl LiveView {
    /// A view for an interface; `terminal` chooses redraw-in-place over NDJSON.
    pub fn new(interface: &str, terminal: bool, top: usize) -> LiveView {
        LiveView {
            interface: interface.to_string(),
            terminal,
            top,
            previous: FxHashMap::default(),
            previous_totals: (0, 0),
        }
    }

    /// Builds the snapshot of `summary`, `interval_s` after the previous one.
    pub fn snapshot(&mut self, summary: &Summary, interval_s: f64, now: f64) -> Snapshot {
        let per_sec = |delta: u64| {
            if interval_s > 0.0 {
                delta as f64 / interval_s
            } else {
                0.0
            }
        };
        let mut rows = Vec::new();
        for s in &summary.services {
            let port = match (port_text(s.port, s.port_range, s.transport), s.ip_proto) {
                (Some(text), _) => text,
                (None, Some(n)) => format!("ip/{n}"),
                (None, None) => String::new(),
            };
            rows.push(("service", s.label.clone(), s.transport, port, s.counters));
        }
        for u in &summary.unknown {
            let port = match (u.port, u.ip_proto) {
                (Some(p), _) => format!("{p}/{}", u.transport),
                (_, Some(n)) => format!("ip/{n}"),
                _ => String::new(),
            };
            let label = u.name.clone().unwrap_or_else(|| "unknown".into());
            rows.push(("unknown", label, u.transport, port, u.counters));
        }
        let mut current = FxHashMap::default();
        let mut out: Vec<RateRow> = rows
            .into_iter()
            .map(|(kind, label, transport, port, counters)| {
                let key = format!("{kind} {label} {port}");
                let (p0, b0) = self.previous.get(&key).copied().unwrap_or((0, 0));
                current.insert(key, (counters.packets, counters.bytes));
                RateRow {
                    label,
                    kind,
                    transport: transport.to_string(),
                    port,
                    pps: per_sec(counters.packets.saturating_sub(p0)),
                    bps: per_sec(counters.bytes.saturating_sub(b0)) * 8.0,
                    counters,
                }
            })
            .collect();
        out.sort_by(|a, b| {
            b.bps
                .total_cmp(&a.bps)
                .then(b.counters.bytes.cmp(&a.counters.bytes))
                .then(a.port.cmp(&b.port))
        });
        self.previous = current;
        let totals = (summary.totals.packets, summary.totals.bytes);
        let snapshot = Snapshot {
            kind: "snapshot",
            ts: now,
            interval_s,
            interface: self.interface.clone(),
            packets: totals.0,
            bytes: totals.1,
            flows: summary.totals.flows,
            pps: per_sec(totals.0.saturating_sub(self.previous_totals.0)),
            bps: per_sec(totals.1.saturating_sub(self.previous_totals.1)) * 8.0,
            rows: out,
        };
        self.previous_totals = totals;
        snapshot
    }

    /// Writes one snapshot: redrawn screen on a terminal, one JSON line otherwise.
    pub fn render(
        &mut self,
        summary: &Summary,
        interval_s: f64,
        now: f64,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let snap = self.snapshot(summary, interval_s, now);
        if !self.terminal {
            serde_json::to_writer(&mut *out, &snap).map_err(io::Error::from)?;
            writeln!(out)?;
            return out.flush();
        }
        // Home the cursor and clear the screen, then draw.
        write!(out, "\x1b[H\x1b[2J")?;
        writeln!(
            out,
            "wiretally live on {}: {} packets, {}, {} flows   now {} pkt/s, {}   (Ctrl-C ends with the full report)",
            printable(&snap.interface),
            units::count(snap.packets),
            units::bytes(snap.bytes),
            units::count(snap.flows),
            units::count(snap.pps.round() as u64),
            bits(snap.bps)
        )?;
        writeln!(out)?;
        writeln!(
            out,
            "  {:<40} {:<18} {:>9} {:>12} {:>10} {:>10} {:>7}",
            "SERVICE", "PORT", "PKT/S", "BIT/S", "PACKETS", "BYTES", "FLOWS"
        )?;
        for row in snap.rows.iter().take(self.top) {
            let label = if row.kind == "unknown" {
                format!("? {}", row.label)
            } else {
                row.label.clone()
            };
            let label: String = printable(&label).chars().take(40).collect();
            writeln!(
                out,
                "  {:<40} {:<18} {:>9} {:>12} {:>10} {:>10} {:>7}",
                label,
                row.port,
                units::count(row.pps.round() as u64),
                bits(row.bps),
                units::count(row.counters.packets),
                units::bytes(row.counters.bytes),
                units::count(row.counters.flows)
            )?;
        }
        out.flush()
    }
}

/// Bits per second in decimal units.
fn bits(bps: f64) -> String {
    const UNITS: [&str; 5] = ["bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s"];
    let mut v = bps;
    let mut i = 0;
    while v >= 1000.0 && i + 1 < UNITS.len() {
        v /= 1000.0;
        i += 1;
    }
    if i == 0 {
        format!("{v:.0} {}", UNITS[0])
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::{ServiceLine, Totals};

    fn summary(packets: u64, bytes: u64) -> Summary {
        let mut counters = Counters::default();
        counters.add_flow(packets, bytes, 0, 0);
        Summary {
            schema_version: crate::summary::SCHEMA_VERSION,
            sources: vec!["lo".into()],
            table: "t".into(),
            filter: None,
            totals: Totals {
                packets,
                bytes,
                flows: 1,
                ..Totals::default()
            },
            services: vec![ServiceLine {
                label: "SMB".into(),
                transport: crate::summary::LineTransport::Tcp,
                port: Some(445),
                port_range: None,
                ip_proto: None,
                match_kind: crate::summary::LineMatch::Exact,
                system_services: vec![],
                counters,
                ports: None,
                connections: Default::default(),
                timing: None,
                rpc: None,
                rpc_interfaces: vec![],
                top_servers: vec![],
                outcomes: vec![],
            }],
            unknown: vec![],
            password_spray: vec![],
            other: vec![],
            warnings: vec![],
            capture_stats: None,
            flow_table: Default::default(),
            top: 5,
            approximate: vec![],
            failed: vec![],
            mismatches: vec![],
            icmp_errors_unmatched: 0,
            focus: None,
        }
    }

    #[test]
    fn rates_come_from_the_difference_between_snapshots() {
        let mut view = LiveView::new("lo", false, 10);
        let first = view.snapshot(&summary(10, 1000), 2.0, 0.0);
        assert_eq!(first.rows[0].pps, 5.0);
        let second = view.snapshot(&summary(30, 3000), 2.0, 2.0);
        assert_eq!(second.rows[0].pps, 10.0);
        assert_eq!(second.rows[0].bps, 8000.0);
        assert_eq!(second.pps, 10.0);
        let mut line = Vec::new();
        view.render(&summary(30, 3000), 2.0, 4.0, &mut line)
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(v["type"], "snapshot");
        assert_eq!(v["rows"][0]["pps"], 0.0);
        assert_eq!(bits(1_500_000.0), "1.5 Mbit/s");
    }
}
