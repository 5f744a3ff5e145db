//! The text report: a header, then aligned tables for services, unknown traffic,
//! range-only ports and non-flow frames, in human units. Every string is escaped with
//! [`printable`]: a summary read by `merge` is data from a file, not trusted text.

use std::io::{self, Write};

use super::printable::printable;
use super::units;
use super::writer::ReportWriter;
use crate::summary::kinds::port_text;
use crate::summary::outcome::{CountedName, OutcomeClass, OutcomeLine};
use crate::summary::payload::{NameCount, ProtocolCount};
use crate::summary::{Counters, FlowTableReport, LineTransport, PortLine, Summary};

/// Writes the human-readable report; `top` bounds rows per section.
pub struct TextWriter {
    /// Rows per section (and hosts per unknown line).
    pub top: usize,
}

const SERVICES_SHOWN_PER_ROW: usize = 3;
const LABEL_WIDTH_MAX: usize = 44;

#[derive(Clone, Copy)]
enum Align {
    Left,
    Right,
}

/// Lays out rows in columns padded to their widest cell.
struct Columns {
    aligns: Vec<Align>,
    rows: Vec<Vec<String>>,
}

impl Columns {
    fn new(header: &[(&str, Align)]) -> Columns {
        Columns {
            aligns: header.iter().map(|h| h.1).collect(),
            rows: vec![header.iter().map(|h| h.0.to_string()).collect()],
        }
    }

    /// Adds a row; every cell is escaped (see [`printable`]), since names, addresses and
    /// kinds may come from a summary file that `merge` read.
    fn push(&mut self, row: Vec<String>) {
        self.rows.push(
            row.into_iter()
                .map(|cell| match printable(&cell) {
                    std::borrow::Cow::Borrowed(_) => cell,
                    std::borrow::Cow::Owned(escaped) => escaped,
                })
                .collect(),
        );
    }

    fn write(&self, out: &mut dyn Write, indent: &str) -> io::Result<()> {
        let mut widths = vec![0; self.aligns.len()];
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        for row in &self.rows {
            let mut line = String::from(indent);
            for (i, cell) in row.iter().enumerate() {
                let pad = widths[i] - cell.chars().count();
                let last = i + 1 == row.len();
                match self.aligns[i] {
                    Align::Left if last => line.push_str(cell),
                    Align::Left => {
                        line.push_str(cell);
                        line.extend(std::iter::repeat_n(' ', pad));
                    }
                    Align::Right => {
                        line.extend(std::iter::repeat_n(' ', pad));
                        line.push_str(cell);
                    }
                }
                if !last {
                    line.push_str("  ");
                }
            }
            writeln!(out, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

fn shorten(text: &str, max: usize) -> String {
    let text = printable(text);
    if text.chars().count() <= max {
        return text.into_owned();
    }
    let mut cut: String = text.chars().take(max - 3).collect();
    cut.push_str("...");
    cut
}

fn services_text(services: &[String]) -> String {
    let shown: Vec<String> = services
        .iter()
        .take(SERVICES_SHOWN_PER_ROW)
        .map(|s| printable(s).into_owned())
        .collect();
    let more = services.len().saturating_sub(SERVICES_SHOWN_PER_ROW);
    if more > 0 {
        format!("{} +{more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

fn counter_cells(c: &Counters, total_bytes: u64) -> [String; 4] {
    [
        units::count(c.flows),
        units::count(c.packets),
        units::bytes(c.bytes),
        units::percent(c.bytes, total_bytes),
    ]
}

/// "tls (3 of 4 flows), SNI portal.example.com": the recognised protocols by flows (or
/// `unrecognized` when nothing was), and the server names asked for.
fn looks_like_text(protocols: &[ProtocolCount], names: &[NameCount]) -> String {
    let total: u64 = protocols.iter().map(|p| p.flows).sum();
    let recognised: Vec<String> = protocols
        .iter()
        .filter(|p| p.protocol != "unrecognized")
        .take(3)
        .map(|p| {
            format!(
                "{} ({} of {} flows)",
                p.protocol,
                units::count(p.flows),
                units::count(total)
            )
        })
        .collect();
    let mut text = if recognised.is_empty() {
        if total > 0 {
            "unrecognized".to_string()
        } else {
            "-".to_string()
        }
    } else {
        recognised.join(", ")
    };
    if !names.is_empty() {
        let shown: Vec<String> = names
            .iter()
            .take(2)
            .map(|n| printable(&n.name).into_owned())
            .collect();
        text.push_str(&format!(", SNI {}", shown.join(", ")));
    }
    text
}

/// `445/tcp`, `49152-65535/tcp` or `ip proto 50`.
fn line_port_text(
    port: Option<u16>,
    range: Option<[u16; 2]>,
    ip_proto: Option<u8>,
    transport: LineTransport,
) -> String {
    match (port_text(port, range, transport), ip_proto) {
        (Some(text), _) => text,
        (None, Some(n)) => format!("ip proto {n}"),
        (None, None) => transport.to_string(),
    }
}

/// A measurement with three significant digits at most: 0.123, 12.3, 1234.
fn short_number(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else if v >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// One line on how flows ended early, when any did or a cap is set.
fn flow_table_line(f: &FlowTableReport) -> Option<String> {
    let c = &f.counts;
    if c.expired_idle + c.retired_closed + c.evicted == 0 && f.max_flows.is_none() {
        return None;
    }
    let setting = |value: Option<f64>, name: &str| match value {
        Some(secs) => format!("{name} {}", units::duration(secs)),
        None => format!("{name} off"),
    };
    let cap = match f.max_flows {
        Some(cap) => format!("cap {}", units::count(cap)),
        None => "no cap".to_string(),
    };
    Some(format!(
        "flow table: peak {} flows; ended early: {} closed ({}), {} idle ({}), {} evicted ({cap})",
        units::count(c.peak_flows),
        units::count(c.retired_closed),
        setting(f.closed_grace_s, "grace"),
        units::count(c.expired_idle),
        setting(f.idle_timeout_s, "timeout"),
        units::count(c.evicted),
    ))
}

impl ReportWriter for TextWriter {
    fn write(&self, s: &Summary, out: &mut dyn Write) -> io::Result<()> {
        let t = &s.totals;
        let sources: Vec<String> = s
            .sources
            .iter()
            .map(|x| printable(x).into_owned())
            .collect();
        writeln!(out, "wiretally: {}", sources.join(", "))?;
        writeln!(
            out,
            "  {} packets, {}, {} flows",
            units::count(t.packets),
            units::bytes(t.bytes),
            units::count(t.flows)
        )?;
        if let (Some(first), Some(last)) = (t.first_ts, t.last_ts) {
            writeln!(
                out,
                "  {} .. {} ({})",
                units::utc(first),
                units::utc(last),
                units::duration(last - first)
            )?;
        }
        if let Some(filter) = &s.filter {
            writeln!(
                out,
                "  filter: {} ({} of {} frames passed)",
                printable(filter),
                units::count(t.packets),
                units::count(t.packets_read)
            )?;
        }
        if let Some(focus) = &s.focus {
            writeln!(
                out,
                "  focus: {} ({} flows shown; the rest on the outside_focus line)",
                printable(focus),
                units::count(t.flows)
            )?;
        }
        writeln!(out, "  table: {}", printable(&s.table))?;
        if let Some(line) = flow_table_line(&s.flow_table) {
            writeln!(out, "  {line}")?;
        }
        if let Some(stats) = &s.capture_stats {
            writeln!(
                out,
                "  capture: {} received, {} dropped (capture buffer full), {} dropped by the interface",
                units::count(stats.received),
                units::count(stats.dropped),
                units::count(stats.if_dropped)
            )?;
        }

        let total = t.bytes;
        self.write_failed(s, out)?;
        self.write_outcomes(s, out)?;
        if !s.services.is_empty() {
            writeln!(out, "\nSERVICES by bytes")?;
            let mut cols = Columns::new(&[
                ("SERVICE", Align::Left),
                ("PORT", Align::Left),
                ("FLOWS", Align::Right),
                ("PACKETS", Align::Right),
                ("BYTES", Align::Right),
                ("SHARE", Align::Right),
                ("SYSTEM SERVICES", Align::Left),
            ]);
            for line in s.services.iter().take(self.top) {
                let port = match (
                    port_text(line.port, line.port_range, line.transport),
                    line.ip_proto,
                ) {
                    (Some(text), _) if line.port_range.is_some() => format!("{text} (range)"),
                    (Some(text), _) => text,
                    (None, Some(n)) => format!("ip proto {n}"),
                    (None, None) => String::new(),
                };
                let mut row = vec![shorten(&line.label, LABEL_WIDTH_MAX), port];
                row.extend(counter_cells(&line.counters, total));
                row.push(services_text(&line.system_services));
                cols.push(row);
                if let Some(servers) = servers_text(&line.top_servers) {
                    cols.push(note_row(format!("  {servers}")));
                }
                if let Some(rpc) = &line.rpc {
                    cols.push(note_row(format!(
                        "  interface {} v{}, identified by {}",
                        rpc.uuid,
                        rpc.version,
                        rpc.identified_by.describe()
                    )));
                }
                if !line.rpc_interfaces.is_empty() {
                    let uses: Vec<String> = line
                        .rpc_interfaces
                        .iter()
                        .take(self.top)
                        .map(|u| {
                            format!(
                                "{} ({} flows: {})",
                                u.interface,
                                units::count(u.flows),
                                u.identified_by.describe()
                            )
                        })
                        .collect();
                    cols.push(note_row(format!("  RPC interfaces: {}", uses.join(", "))));
                }
                if let Some(ports) = &line.ports {
                    let top: Vec<String> = ports
                        .iter()
                        .take(self.top)
                        .map(|p| {
                            format!(
                                "{} ({} flows, {})",
                                p.port,
                                units::count(p.counters.flows),
                                units::bytes(p.counters.bytes)
                            )
                        })
                        .collect();
                    let more = ports.len().saturating_sub(self.top);
                    let suffix = if more > 0 {
                        format!(", +{more} more ports")
                    } else {
                        String::new()
                    };
                    cols.push(note_row(format!(
                        "  range match, top server ports: {}{suffix}",
                        top.join(", ")
                    )));
                }
            }
            write_columns_with_notes(&cols, out)?;
            if s.services.len() > self.top {
                writeln!(
                    out,
                    "  ... {} more services (use --top)",
                    s.services.len() - self.top
                )?;
            }
        }

        if !s.unknown.is_empty() {
            writeln!(out, "\nUNKNOWN TRAFFIC (no table entry) by server port")?;
            let mut cols = Columns::new(&[
                ("PORT", Align::Left),
                ("FLOWS", Align::Right),
                ("PACKETS", Align::Right),
                ("BYTES", Align::Right),
                ("SHARE", Align::Right),
                ("HINT (/etc/services)", Align::Left),
                ("LOOKS LIKE (first payload)", Align::Left),
                ("TOP SERVERS", Align::Left),
            ]);
            for line in s.unknown.iter().take(self.top) {
                let port = match (line.port, line.ip_proto) {
                    (Some(p), _) => format!("{p}/{}", line.transport),
                    (_, Some(n)) => {
                        format!("{} (ip proto {n})", line.name.as_deref().unwrap_or("?"))
                    }
                    _ => String::new(),
                };
                let hosts: Vec<String> = line
                    .top_servers
                    .iter()
                    .take(3)
                    .map(|h| format!("{} ({})", h.addr, units::bytes(h.counters.bytes)))
                    .collect();
                let mut row = vec![port];
                row.extend(counter_cells(&line.counters, total));
                row.push(
                    line.port_name_hint
                        .as_deref()
                        .map_or_else(|| "-".to_string(), |h| printable(h).into_owned()),
                );
                row.push(looks_like_text(&line.looks_like, &line.server_names));
                row.push(hosts.join(", "));
                cols.push(row);
            }
            cols.write(out, "  ")?;
            if s.unknown.len() > self.top {
                writeln!(
                    out,
                    "  ... {} more unknown ports (use --top)",
                    s.unknown.len() - self.top
                )?;
            }
        }

        self.write_timing(s, out)?;

        let range_ports: Vec<(&str, &str, &PortLine)> = s
            .services
            .iter()
            .filter_map(|l| l.ports.as_ref().map(|p| (l, p)))
            .flat_map(|(l, ports)| {
                ports
                    .iter()
                    .map(move |p| (l.label.as_str(), l.transport.as_str(), p))
            })
            .collect();
        if !range_ports.is_empty() {
            writeln!(
                out,
                "\nRANGE-ONLY PORTS (weak evidence: only a table range covers them)"
            )?;
            let mut sorted = range_ports;
            sorted.sort_by(|a, b| {
                b.2.counters
                    .bytes
                    .cmp(&a.2.counters.bytes)
                    .then(a.2.port.cmp(&b.2.port))
            });
            let mut cols = Columns::new(&[
                ("PORT", Align::Left),
                ("FLOWS", Align::Right),
                ("PACKETS", Align::Right),
                ("BYTES", Align::Right),
                ("SHARE", Align::Right),
                ("COUNTED UNDER", Align::Left),
                ("LOOKS LIKE (first payload)", Align::Left),
            ]);
            for (label, transport, p) in sorted.iter().take(self.top) {
                let mut row = vec![format!("{}/{transport}", p.port)];
                row.extend(counter_cells(&p.counters, total));
                row.push(shorten(label, LABEL_WIDTH_MAX));
                row.push(looks_like_text(&p.looks_like, &p.server_names));
                cols.push(row);
            }
            cols.write(out, "  ")?;
            if sorted.len() > self.top {
                writeln!(
                    out,
                    "  ... {} more range-only ports (use --top)",
                    sorted.len() - self.top
                )?;
            }
        }

        if !s.mismatches.is_empty() {
            writeln!(
                out,
                "\nPORT/PAYLOAD MISMATCHES (possible tunnels or misconfiguration)"
            )?;
            let mut cols = Columns::new(&[
                ("PORT", Align::Left),
                ("EXPECTED", Align::Left),
                ("SEEN", Align::Left),
                ("FLOWS", Align::Right),
                ("BYTES", Align::Right),
                ("EXAMPLE", Align::Left),
            ]);
            for m in s.mismatches.iter().take(self.top) {
                cols.push(vec![
                    format!("{}/{}", m.port, m.transport),
                    m.expected.join(" or "),
                    m.seen.clone(),
                    units::count(m.counters.flows),
                    units::bytes(m.counters.bytes),
                    m.example.clone(),
                ]);
            }
            cols.write(out, "  ")?;
        }

        if !s.other.is_empty() {
            writeln!(out, "\nOTHER FRAMES (not TCP/UDP/IP-protocol flows)")?;
            let mut cols = Columns::new(&[
                ("KIND", Align::Left),
                ("PACKETS", Align::Right),
                ("BYTES", Align::Right),
                ("SHARE", Align::Right),
                ("REASON", Align::Left),
            ]);
            for o in &s.other {
                cols.push(vec![
                    o.kind.to_string(),
                    units::count(o.packets),
                    units::bytes(o.bytes),
                    units::percent(o.bytes, total),
                    printable(&o.reason).into_owned(),
                ]);
            }
            cols.write(out, "  ")?;
        }

        if !s.warnings.is_empty() {
            writeln!(out, "\nWARNINGS")?;
            for w in &s.warnings {
                writeln!(out, "  {}", printable(w))?;
            }
        }
        if !s.approximate.is_empty() {
            writeln!(
                out,
                "\nAPPROXIMATE (a merge of summaries; everything else is exact)"
            )?;
            for a in &s.approximate {
                writeln!(out, "  {}", printable(a))?;
            }
        }
        Ok(())
    }
}

impl TextWriter {
    /// Handshake, duration and packet-size percentiles of the services shown above.
    fn write_timing(&self, s: &Summary, out: &mut dyn Write) -> io::Result<()> {
        let lines: Vec<_> = s
            .services
            .iter()
            .take(self.top)
            .filter_map(|l| l.timing.as_ref().map(|t| (l, t)))
            .collect();
        if lines.is_empty() {
            return Ok(());
        }
        writeln!(
            out,
            "\nTIMING by service (p50 / p90 / p99 / max; handshake as seen at the capture point)"
        )?;
        let mut cols = Columns::new(&[
            ("SERVICE", Align::Left),
            ("PORT", Align::Left),
            ("SYN->SYN/ACK ms", Align::Right),
            ("SYN/ACK->ACK ms", Align::Right),
            ("DURATION s", Align::Right),
            ("PACKET B", Align::Right),
        ]);
        let cell = |p: &Option<crate::summary::timing::Percentiles>| match p {
            Some(p) => format!(
                "{} / {} / {} / {}",
                short_number(p.p50),
                short_number(p.p90),
                short_number(p.p99),
                short_number(p.max)
            ),
            None => "-".to_string(),
        };
        for (line, t) in lines {
            let port = line_port_text(line.port, line.port_range, line.ip_proto, line.transport);
            cols.push(vec![
                shorten(&line.label, LABEL_WIDTH_MAX),
                port,
                cell(&t.syn_ack_ms),
                cell(&t.ack_ms),
                cell(&t.duration_s),
                cell(&t.packet_bytes),
            ]);
        }
        cols.write(out, "  ")
    }

    /// The answers section: per line with answers, the failures first (each with its
    /// count, code, plain meaning and the clients, accounts and names behind it), then
    /// one line for the routine steps and successes; likely password sprays on top.
    fn write_outcomes(&self, s: &Summary, out: &mut dyn Write) -> io::Result<()> {
        let mut lines: Vec<(String, &[OutcomeLine])> = s
            .services
            .iter()
            .filter(|l| !l.outcomes.is_empty())
            .map(|l| {
                let port = line_port_text(l.port, l.port_range, l.ip_proto, l.transport);
                (
                    format!("{} {port}", printable(&l.label)),
                    l.outcomes.as_slice(),
                )
            })
            .chain(
                s.unknown
                    .iter()
                    .filter(|l| !l.outcomes.is_empty())
                    .map(|l| {
                        let port = line_port_text(l.port, None, l.ip_proto, l.transport);
                        (format!("(no table entry) {port}"), l.outcomes.as_slice())
                    }),
            )
            .collect();
        if lines.is_empty() && s.password_spray.is_empty() {
            return Ok(());
        }
        // Lines whose worst answer is worst come first, then by failures.
        let rank = |o: &[OutcomeLine]| {
            let worst = o.iter().map(|x| x.class).min();
            let failures: u64 = o
                .iter()
                .filter(|x| x.class.is_failure())
                .map(|x| x.count)
                .sum();
            (worst, std::cmp::Reverse(failures))
        };
        lines.sort_by(|a, b| rank(a.1).cmp(&rank(b.1)).then(a.0.cmp(&b.0)));
        writeln!(out, "\nWHAT THE SERVERS ANSWERED (errors first)")?;
        for spray in s.password_spray.iter().take(self.top) {
            writeln!(
                out,
                "  LIKELY PASSWORD SPRAY: {} failed to log on as {} ({})",
                printable(&spray.client),
                counted(spray.accounts, "account", "distinct accounts"),
                counted(spray.failures, "failure", "failures"),
            )?;
        }
        for (title, outcomes) in lines.iter().take(self.top) {
            let count_of = |pick: &dyn Fn(OutcomeClass) -> bool| -> u64 {
                outcomes
                    .iter()
                    .filter(|o| pick(o.class))
                    .map(|o| o.count)
                    .sum()
            };
            let failures = count_of(&|c| c.is_failure());
            let routine = count_of(&|c| c == OutcomeClass::Routine);
            let ok = count_of(&|c| c == OutcomeClass::Ok);
            writeln!(
                out,
                "  {title}: {}, {} routine, {} ok",
                counted(failures, "error", "errors"),
                units::count(routine),
                units::count(ok)
            )?;
            for o in outcomes
                .iter()
                .filter(|o| o.class.is_failure())
                .take(self.top)
            {
                let mut text = format!(
                    "    {:>6}  {} ({}) to {}",
                    units::count(o.count),
                    printable(&o.name),
                    o.code_text(),
                    printable(&o.operation)
                );
                if let Some(detail) = &o.detail {
                    text.push_str(&format!(" [{}]", printable(detail)));
                }
                if let Some(meaning) = &o.meaning {
                    text.push_str(&format!(": {}", printable(meaning)));
                }
                writeln!(out, "{text}")?;
                let who = [
                    ("clients", &o.top_clients),
                    ("accounts", &o.top_accounts),
                    ("names", &o.top_names),
                ]
                .iter()
                .filter(|(_, list)| !list.is_empty())
                .map(|(what, list)| format!("{what} {}", names_text(list, 3)))
                .collect::<Vec<_>>();
                if !who.is_empty() {
                    writeln!(out, "            {}", who.join("; "))?;
                }
            }
            let quiet: Vec<String> = outcomes
                .iter()
                .filter(|o| !o.class.is_failure())
                .take(6)
                .map(|o| {
                    if o.class == OutcomeClass::Ok {
                        format!("{} {} ok", units::count(o.count), printable(&o.operation))
                    } else {
                        format!(
                            "{} {} to {}",
                            units::count(o.count),
                            printable(&o.name),
                            printable(&o.operation)
                        )
                    }
                })
                .collect();
            if !quiet.is_empty() {
                writeln!(out, "            also: {}", quiet.join(", "))?;
            }
        }
        if lines.len() > self.top {
            writeln!(
                out,
                "  ... {} more lines with answers (use --top)",
                lines.len() - self.top
            )?;
        }
        Ok(())
    }

    /// The failed-connections section: lines most likely blocked first, each with its
    /// most failing client -> server pairs.
    fn write_failed(&self, s: &Summary, out: &mut dyn Write) -> io::Result<()> {
        if s.failed.is_empty() {
            return Ok(());
        }
        writeln!(out, "\nFAILED CONNECTIONS (most likely blocked first)")?;
        let mut cols = Columns::new(&[
            ("SERVICE", Align::Left),
            ("PORT", Align::Left),
            ("ATTEMPTS", Align::Right),
            ("OK", Align::Right),
            ("FAILED", Align::Right),
            ("UNANSWERED", Align::Right),
            ("REJECTED", Align::Right),
            ("RST AFTER CONNECT", Align::Right),
            ("ERROR ANSWER", Align::Right),
            ("UNREACHABLE", Align::Left),
        ]);
        for line in s.failed.iter().take(self.top) {
            let c = &line.connections;
            let port = line_port_text(line.port, line.port_range, line.ip_proto, line.transport);
            let unreachable: Vec<String> = c
                .unreachable
                .iter()
                .map(|(reason, n)| format!("{} {reason}", units::count(*n)))
                .collect();
            cols.push(vec![
                shorten(
                    line.service.as_deref().unwrap_or("(no table entry)"),
                    LABEL_WIDTH_MAX,
                ),
                port,
                units::count(c.attempts),
                units::count(c.established),
                units::count(line.failed),
                units::count(c.unanswered),
                units::count(c.rejected),
                units::count(c.refused_after_connect),
                units::count(c.answered_with_error),
                if unreachable.is_empty() {
                    "0".to_string()
                } else {
                    unreachable.join(", ")
                },
            ]);
            if let Some(diagnosis) = &line.diagnosis {
                cols.push(note_row(format!("  => {diagnosis}")));
            }
            for pair in line.top_pairs.iter().take(3) {
                let target = match pair.server_port {
                    Some(p) => format!("{}:{p}", pair.server),
                    None => pair.server.clone(),
                };
                let mut what = Vec::new();
                for (n, name) in [
                    (pair.unanswered, "unanswered"),
                    (pair.rejected, "rejected"),
                    (pair.unreachable, "unreachable"),
                    (
                        pair.refused_after_connect,
                        "reset by the server right after connecting",
                    ),
                    (pair.answered_with_error, "answered with an error"),
                ] {
                    if n > 0 {
                        what.push(format!("{} {name}", units::count(n)));
                    }
                }
                if pair.syn_retransmissions > 0 {
                    what.push(format!(
                        "{} SYN retransmissions",
                        units::count(pair.syn_retransmissions)
                    ));
                }
                cols.push(note_row(format!(
                    "{} -> {target}: {}",
                    pair.client,
                    what.join(", ")
                )));
            }
        }
        write_columns_with_notes(&cols, out)?;
        if s.failed.len() > self.top {
            writeln!(
                out,
                "  ... {} more lines with failures (use --top)",
                s.failed.len() - self.top
            )?;
        }
        Ok(())
    }
}

/// A row printed as a note under the row before it (text in the first column only).
/// "alice@EX (12), bob@EX (3) +4": the first `shown` names of a list with their counts.
fn names_text(list: &[CountedName], shown: usize) -> String {
    let mut text = list
        .iter()
        .take(shown)
        .map(|n| format!("{} ({})", printable(&n.name), units::count(n.count)))
        .collect::<Vec<_>>()
        .join(", ");
    if list.len() > shown {
        text.push_str(&format!(" +{}", list.len() - shown));
    }
    text
}

/// Servers shown on a service line's note, and clients per server.
const SERVERS_SHOWN: usize = 3;
const CLIENTS_SHOWN: usize = 2;

/// `1 flow`, `2 flows`: a count with its noun.
fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", units::count(n), if n == 1 { one } else { many })
}

/// "; SMB 3.1.1 x9, SMB 2.1 x1; signing required in 4 of 10; 1 encrypted": what an SMB
/// server's sessions negotiated.
fn smb_text(f: &crate::summary::outcome::SmbFacts) -> String {
    if f.negotiated == 0 && f.encrypted == 0 {
        return String::new();
    }
    let dialects: Vec<String> = f
        .dialects
        .iter()
        .take(3)
        .map(|d| format!("{} x{}", printable(&d.name), units::count(d.count)))
        .collect();
    let mut text = format!("; {}", dialects.join(", "));
    if f.negotiated > 0 {
        text.push_str(&format!(
            "; signing required in {} of {}",
            units::count(f.signing_required),
            units::count(f.negotiated)
        ));
    }
    if f.encrypted > 0 {
        text.push_str(&format!("; {} encrypted", units::count(f.encrypted)));
    }
    text
}

/// "servers: 10.0.0.5 (40 flows from 3 clients: 10.0.1.7, 10.0.1.8 +1), 10.0.0.6 (...)":
/// the line's heaviest servers and who used them (None when the line lists none).
fn servers_text(servers: &[crate::summary::ServerLine]) -> Option<String> {
    if servers.is_empty() {
        return None;
    }
    let shown: Vec<String> = servers
        .iter()
        .take(SERVERS_SHOWN)
        .map(|s| {
            let clients: Vec<&str> = s
                .top_clients
                .iter()
                .take(CLIENTS_SHOWN)
                .map(|c| c.addr.as_str())
                .collect();
            let distinct = s.clients.max(s.top_clients.len() as u64);
            let more = distinct.saturating_sub(clients.len() as u64);
            let more = if more > 0 {
                format!(" +{more}")
            } else {
                String::new()
            };
            let from = match distinct {
                0 => String::new(),
                1 => format!(" from {}", clients.join(", ")),
                n => format!(
                    " from {}: {}{more}",
                    counted(n, "client", "clients"),
                    clients.join(", ")
                ),
            };
            let smb = s.smb.as_ref().map(smb_text).unwrap_or_default();
            format!(
                "{} ({}{from}{smb})",
                s.addr,
                counted(s.counters.flows, "flow", "flows")
            )
        })
        .collect();
    let more = servers.len().saturating_sub(SERVERS_SHOWN);
    let label = if servers.len() == 1 {
        "server"
    } else {
        "servers"
    };
    let suffix = if more > 0 {
        format!(", +{more} more")
    } else {
        String::new()
    };
    Some(format!("{label}: {}{suffix}", shown.join(", ")))
}

fn note_row(text: String) -> Vec<String> {
    let mut row = vec![text];
    row.extend(std::iter::repeat_n(String::new(), 7));
    row
}

/// Writes a table where some rows are notes (one long first cell, the rest empty): the
/// notes are printed as they are instead of widening the first column.
fn write_columns_with_notes(cols: &Columns, out: &mut dyn Write) -> io::Result<()> {
    let is_note = |row: &Vec<String>| row[1..].iter().all(String::is_empty);
    let normal = Columns {
        aligns: cols.aligns.clone(),
        rows: cols.rows.iter().filter(|r| !is_note(r)).cloned().collect(),
    };
    let mut rendered = Vec::new();
    normal.write(&mut rendered, "  ")?;
    let rendered = String::from_utf8(rendered).map_err(io::Error::other)?;
    let mut lines = rendered.lines();
    for row in &cols.rows {
        if is_note(row) {
            writeln!(out, "    {}", row[0].trim())?;
        } else if let Some(line) = lines.next() {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}
