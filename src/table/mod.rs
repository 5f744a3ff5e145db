//! The Windows service port table: loading it (markdown or CSV), folding its rows into
//! service entries, and the dense lookup arrays built from them.
//!
//! # Rules (from the product spec; each has a test below)
//!
//! * Rows sharing (transport, port) form one service entry whose label joins the distinct
//!   application protocols with ` / `, in table order, and which lists every distinct
//!   system service.
//! * An exact port beats any range covering it.
//! * A port covered only by ranges gets the union of all range rows covering it; ports
//!   covered by the same set of range rows share one entry (e.g. 1024-49151/tcp is "RPC",
//!   49152-65535/tcp is "RPC / Randomly allocated high TCP ports").
//! * `n/a` rows are matched by IP protocol number (GRE 47, ESP 50, AH 51).
//!
//! May import: decode (transports and IP protocol numbers) only.

mod lookup;
pub mod parse;
pub mod query;
pub mod row;

use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};
use std::path::Path;

pub use crate::decode::Transport;
pub use lookup::{Lookup, MatchKind, Specificity};
pub use row::{PortSpec, RowProtocol, TableError, TableRow, TableWarning};

/// The table shipped in the binary: Microsoft's port summary, kept as the source has it.
pub const BUILTIN_TABLE: &str = include_str!("../../data/windows-service-ports.md");

/// The name the built-in table is reported under.
pub const BUILTIN_NAME: &str = "built-in Windows service port table";

/// What a service entry covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryScope {
    /// One exact (transport, port).
    Port(Transport, u16),
    /// Ports of one transport covered only by ranges; `lo..=hi` is the span of ports
    /// that share exactly this set of range rows.
    Range(Transport, u16, u16),
    /// An IP protocol without ports.
    IpProto(u8),
}

impl EntryScope {
    /// `445/tcp`, `49152-65535/tcp` or `ip/47`.
    pub fn port_text(&self) -> String {
        match *self {
            EntryScope::Port(t, p) => format!("{p}/{t}"),
            EntryScope::Range(t, lo, hi) => format!("{lo}-{hi}/{t}"),
            EntryScope::IpProto(n) => format!("ip/{n}"),
        }
    }

    /// The JSON transport name: `tcp`, `udp`, `sctp` or `ip`.
    pub fn transport_name(&self) -> &'static str {
        self.transport().map_or("ip", Transport::as_str)
    }

    /// The port-carrying transport of a port or range entry (none for IP protocols).
    pub fn transport(&self) -> Option<Transport> {
        match *self {
            EntryScope::Port(t, _) | EntryScope::Range(t, _, _) => Some(t),
            EntryScope::IpProto(_) => None,
        }
    }
}

/// Rows folded into one classification target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceEntry {
    /// Distinct application protocols joined with ` / `, in table order.
    pub label: String,
    /// What the entry covers.
    pub scope: EntryScope,
    /// Distinct application protocols, in table order.
    pub application_protocols: Vec<String>,
    /// Distinct system services, in table order.
    pub system_services: Vec<String>,
    /// Lines of the rows behind the entry.
    pub lines: Vec<usize>,
}

impl ServiceEntry {
    /// Whether the entry comes from port ranges (weak evidence).
    pub fn is_range(&self) -> bool {
        matches!(self.scope, EntryScope::Range(..))
    }
}

/// A loaded table: its rows, the service entries built from them and the lookup arrays.
#[derive(Debug, Clone)]
pub struct ServiceTable {
    source_name: String,
    rows: Vec<TableRow>,
    entries: Vec<ServiceEntry>,
    warnings: Vec<TableWarning>,
    /// Shared with the packet-size observer of every analyzer (read -R runs many).
    lookup: Arc<Lookup>,
}

impl ServiceTable {
    /// The table embedded in the binary.
    pub fn builtin() -> ServiceTable {
        ServiceTable::from_markdown(BUILTIN_NAME, BUILTIN_TABLE)
            .expect("the built-in table is checked by tests")
    }

    /// Loads a table file: CSV when the name ends in `.csv` or the first line is the
    /// CSV header, markdown otherwise.
    pub fn from_file(path: &Path) -> Result<ServiceTable, TableError> {
        let name = path.display().to_string();
        let text = read_bounded(path).map_err(|source| TableError::Io {
            path: name.clone(),
            source,
        })?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let looks_csv = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
            || text
                .lines()
                .next()
                .is_some_and(|l| l.trim().to_ascii_lowercase().starts_with("port,"));
        if looks_csv {
            ServiceTable::from_csv(&name, text)
        } else {
            ServiceTable::from_markdown(&name, text)
        }
    }

    /// Builds a table from markdown text.
    pub fn from_markdown(source: &str, text: &str) -> Result<ServiceTable, TableError> {
        let parsed = parse::parse_markdown(source, text)?;
        ServiceTable::from_rows(source, parsed.rows, parsed.warnings)
    }

    /// Builds a table from CSV text.
    pub fn from_csv(source: &str, text: &str) -> Result<ServiceTable, TableError> {
        let parsed = parse::parse_csv(source, text)?;
        ServiceTable::from_rows(source, parsed.rows, parsed.warnings)
    }

    /// Folds rows into service entries and builds the lookup arrays.
    pub fn from_rows(
        source: &str,
        rows: Vec<TableRow>,
        warnings: Vec<TableWarning>,
    ) -> Result<ServiceTable, TableError> {
        // First the shape: each entry's scope and the indices of its rows. Strings are
        // only gathered at the end, once per entry.
        let mut drafts: Vec<(EntryScope, Vec<usize>)> = Vec::new();
        let mut by_scope: FxHashMap<EntryScope, usize> = FxHashMap::default();
        let mut builder = lookup::LookupBuilder::new();

        // Exact ports and IP protocols: one entry per key, in order of first row.
        for (row_index, row) in rows.iter().enumerate() {
            let scope = match (row.ports, row.protocol) {
                (PortSpec::Single(p), RowProtocol::Port(t)) => EntryScope::Port(t, p),
                (PortSpec::NotApplicable, RowProtocol::Ip(n)) => EntryScope::IpProto(n),
                _ => continue,
            };
            let index = *by_scope.entry(scope).or_insert_with(|| {
                drafts.push((scope, Vec::new()));
                drafts.len() - 1
            });
            drafts[index].1.push(row_index);
            match scope {
                EntryScope::Port(t, p) => builder.set_exact(t, p, index),
                EntryScope::IpProto(n) => builder.set_ip(n, index),
                EntryScope::Range(..) => unreachable!("ranges are handled below"),
            }
        }

        // Ranges: split each transport's port space where the set of covering range rows
        // changes; every span with a non-empty set becomes one entry.
        let mut references = 0usize;
        for transport in Transport::ALL {
            let ranges: Vec<(u16, u16, usize)> = rows
                .iter()
                .enumerate()
                .filter_map(|(i, r)| match (r.ports, r.protocol) {
                    (PortSpec::Range(lo, hi), RowProtocol::Port(t)) if t == transport => {
                        Some((lo, hi, i))
                    }
                    _ => None,
                })
                .collect();
            let mut cuts: Vec<u32> = ranges
                .iter()
                .flat_map(|&(lo, hi, _)| [u32::from(lo), u32::from(hi) + 1])
                .collect();
            cuts.sort_unstable();
            cuts.dedup();
            for span in cuts.windows(2) {
                let (lo, hi) = (span[0] as u16, (span[1] - 1) as u16);
                let covering: Vec<usize> = ranges
                    .iter()
                    .filter(|&&(rlo, rhi, _)| rlo <= lo && hi <= rhi)
                    .map(|&(_, _, i)| i)
                    .collect();
                if covering.is_empty() {
                    continue;
                }
                references += covering.len();
                if references > MAX_RANGE_REFERENCES || drafts.len() >= lookup::MAX_ENTRIES {
                    return Err(TableError::Row {
                        source_name: source.to_string(),
                        line: rows[covering[0]].line,
                        message: format!(
                            "too many overlapping ranges (more than {} service entries or {MAX_RANGE_REFERENCES} range memberships)",
                            lookup::MAX_ENTRIES
                        ),
                    });
                }
                drafts.push((EntryScope::Range(transport, lo, hi), covering));
                builder.set_range(transport, lo, hi, drafts.len() - 1);
            }
        }

        let entries: Vec<ServiceEntry> = drafts
            .into_iter()
            .map(|(scope, row_indices)| build_entry(scope, &row_indices, &rows))
            .collect();
        let lookup = builder.finish().map_err(|max| TableError::TooManyEntries {
            source_name: source.to_string(),
            count: entries.len(),
            max,
        })?;
        Ok(ServiceTable {
            source_name: source.to_string(),
            rows,
            entries,
            warnings,
            lookup: Arc::new(lookup),
        })
    }

    /// The name of the file (or the built-in table) this came from.
    pub fn source_name(&self) -> &str {
        &self.source_name
    }

    /// The rows as read.
    pub fn rows(&self) -> &[TableRow] {
        &self.rows
    }

    /// The service entries; indices match [`Lookup`] results.
    pub fn entries(&self) -> &[ServiceEntry] {
        &self.entries
    }

    /// One entry by index.
    pub fn entry(&self, index: u16) -> &ServiceEntry {
        &self.entries[usize::from(index)]
    }

    /// Warnings from loading.
    pub fn warnings(&self) -> &[TableWarning] {
        &self.warnings
    }

    /// The dense lookup arrays.
    pub fn lookup(&self) -> &Lookup {
        &self.lookup
    }

    /// The lookup arrays, shared rather than copied.
    pub fn shared_lookup(&self) -> Arc<Lookup> {
        Arc::clone(&self.lookup)
    }
}

/// Range rows an oversized table may reference across all its range entries; beyond it
/// the table is refused rather than built slowly into an unreadable report.
const MAX_RANGE_REFERENCES: usize = 1_000_000;

/// One entry from its rows: distinct application protocols and services in table order.
fn build_entry(scope: EntryScope, row_indices: &[usize], rows: &[TableRow]) -> ServiceEntry {
    let mut seen_apps: FxHashSet<&str> = FxHashSet::default();
    let mut seen_services: FxHashSet<&str> = FxHashSet::default();
    let mut entry = ServiceEntry {
        label: String::new(),
        scope,
        application_protocols: Vec::new(),
        system_services: Vec::new(),
        lines: Vec::with_capacity(row_indices.len()),
    };
    for &i in row_indices {
        let row = &rows[i];
        if seen_apps.insert(&row.application_protocol) {
            entry
                .application_protocols
                .push(row.application_protocol.clone());
        }
        if seen_services.insert(&row.service) {
            entry.system_services.push(row.service.clone());
        }
        entry.lines.push(row.line);
    }
    entry.label = entry.application_protocols.join(" / ");
    entry
}

/// Largest table file read: the real table is a few hundred lines, so anything near this
/// is not a table (and `/dev/zero` must not exhaust memory).
const MAX_TABLE_BYTES: u64 = 16 << 20;

/// Reads a table file as UTF-8 text of at most [`MAX_TABLE_BYTES`].
fn read_bounded(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_TABLE_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_TABLE_BYTES {
        return Err(std::io::Error::other(format!(
            "larger than {} MiB, which no port table is",
            MAX_TABLE_BYTES >> 20
        )));
    }
    String::from_utf8(bytes).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin_entry(table: &ServiceTable, t: Transport, port: u16) -> Option<&ServiceEntry> {
        table.lookup().port(t, port).entry().map(|i| table.entry(i))
    }

    #[test]
    fn builtin_table_loads_every_row() {
        let table = ServiceTable::builtin();
        let data_rows = BUILTIN_TABLE.lines().filter(|l| l.starts_with('|')).count() - 2; // header and separator
        assert_eq!(table.rows().len(), data_rows);
        assert_eq!(table.rows().len(), 183);
        // 3 IP protocols + exact ports + 2 range spans on TCP.
        let ranges = table.entries().iter().filter(|e| e.is_range()).count();
        assert_eq!(ranges, 2);
        assert_eq!(table.entries().len(), 110);
    }

    #[test]
    fn rows_sharing_a_port_form_one_entry_with_joined_label() {
        let table = ServiceTable::builtin();
        let https = builtin_entry(&table, Transport::Tcp, 443).unwrap();
        assert_eq!(
            https.label,
            "HTTPS / RPC over HTTPS / Certificate-based Authentication (HTTPS)"
        );
        assert_eq!(https.scope, EntryScope::Port(Transport::Tcp, 443));
        assert_eq!(
            https.system_services,
            [
                "HTTP SSL",
                "World Wide Web Publishing Service",
                "SharePoint Portal Server",
                "Exchange Server 2003",
                "WinRM 1.1 and earlier",
                "Hyper-V service"
            ]
        );
        let dns_udp = builtin_entry(&table, Transport::Udp, 53).unwrap();
        assert_eq!(dns_udp.label, "DNS");
        assert_eq!(dns_udp.system_services.len(), 2);
    }

    #[test]
    fn exact_port_beats_range() {
        let table = ServiceTable::builtin();
        let m = table.lookup().port(Transport::Tcp, 3389);
        assert_eq!(m.kind(), MatchKind::Exact);
        assert_eq!(table.entry(m.entry().unwrap()).label, "RDS");
        // 42424 and 51515 sit inside both ranges but are exact rows.
        let m = table.lookup().port(Transport::Tcp, 51515);
        assert_eq!(m.kind(), MatchKind::Exact);
        assert_eq!(table.entry(m.entry().unwrap()).label, "MOM-Clear");
    }

    #[test]
    fn overlapping_ranges_unite() {
        let table = ServiceTable::builtin();
        let m = table.lookup().port(Transport::Tcp, 50000);
        assert_eq!(m.kind(), MatchKind::Range);
        let e = table.entry(m.entry().unwrap());
        assert_eq!(e.scope, EntryScope::Range(Transport::Tcp, 49152, 65535));
        assert_eq!(e.label, "RPC / Randomly allocated high TCP ports");
        assert_eq!(
            e.system_services,
            ["Randomly allocated high TCP ports", "Hyper-V service"]
        );
        let low = table.entry(table.lookup().port(Transport::Tcp, 8080).entry().unwrap());
        assert_eq!(low.scope, EntryScope::Range(Transport::Tcp, 1024, 49151));
        assert_eq!(low.label, "RPC");
        // Ranges are TCP only: a high UDP port is unknown.
        assert_eq!(
            table.lookup().port(Transport::Udp, 50000).kind(),
            MatchKind::None
        );
        assert_eq!(
            table.lookup().port(Transport::Tcp, 1023).kind(),
            MatchKind::None
        );
    }

    #[test]
    fn ip_protocol_rows() {
        let table = ServiceTable::builtin();
        for (n, label) in [
            (47, "GRE (IP protocol 47)"),
            (50, "IPsec ESP (IP protocol 50)"),
            (51, "IPsec AH (IP protocol 51)"),
        ] {
            let e = table.entry(table.lookup().ip_proto(n).unwrap());
            assert_eq!(e.label, label);
            assert_eq!(e.scope, EntryScope::IpProto(n));
        }
        assert_eq!(table.lookup().ip_proto(1), None);
    }

    #[test]
    fn backticks_are_stripped_and_typo_warned() {
        let table = ServiceTable::builtin();
        let quotd = builtin_entry(&table, Transport::Tcp, 17).unwrap();
        assert_eq!(quotd.label, "Quotd");
        let chat = builtin_entry(&table, Transport::Udp, 2703).unwrap();
        assert_eq!(chat.label, "SMS Remote Chat");
        assert_eq!(table.warnings().len(), 1);
        assert!(table.warnings()[0].message.contains("UPD"));
    }

    #[test]
    fn every_source_row_is_reachable_by_lookup() {
        let table = ServiceTable::builtin();
        for row in table.rows() {
            let entry = match (row.ports, row.protocol) {
                (PortSpec::Single(p), RowProtocol::Port(t)) => table.lookup().port(t, p).entry(),
                (PortSpec::Range(lo, hi), RowProtocol::Port(t)) => {
                    // Some port of the range not named exactly must reach an entry holding the row.
                    (lo..=hi)
                        .map(|p| table.lookup().port(t, p))
                        .find(|m| m.kind() == MatchKind::Range)
                        .and_then(|m| m.entry())
                }
                (PortSpec::NotApplicable, RowProtocol::Ip(n)) => table.lookup().ip_proto(n),
                _ => None,
            };
            let entry = table.entry(entry.expect("row reachable"));
            assert!(entry.lines.contains(&row.line), "row at line {}", row.line);
            assert!(entry.system_services.contains(&row.service));
        }
    }

    #[test]
    fn csv_table_builds_entries() {
        let csv = "port,protocol,application_protocol,service\n\
                   8443,TCP,Portal,Web\n8443,TCP,Admin,Web\n9000-9100,udp,Games,Lobby\n";
        let table = ServiceTable::from_csv("c.csv", csv).unwrap();
        let e = table.entry(table.lookup().port(Transport::Tcp, 8443).entry().unwrap());
        assert_eq!(e.label, "Portal / Admin");
        assert_eq!(e.system_services, ["Web"]);
        let r = table.lookup().port(Transport::Udp, 9050);
        assert_eq!(r.kind(), MatchKind::Range);
    }

    #[test]
    fn pathological_overlapping_ranges_are_refused_quickly() {
        let mut csv = String::from("port,protocol,application_protocol,service\n");
        for i in 0..3000u32 {
            csv.push_str(&format!("{}-{},tcp,App {i},Svc {i}\n", 1000 + i, 60000 - i));
        }
        let err = ServiceTable::from_csv("big.csv", &csv)
            .unwrap_err()
            .to_string();
        assert!(err.contains("too many overlapping ranges"), "{err}");
    }
}
