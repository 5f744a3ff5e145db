//! Reading table rows from text: the markdown layout of the Microsoft source and
//! the `port,protocol,application_protocol,service` CSV layout.
//!
//! Parsing is all-or-nothing: the first row that cannot be read stops the load with
//! a [`TableError`] naming the line, so no caller ever sees half a table.

use super::row::{PortSpec, RowProtocol, TableError, TableRow, TableWarning};
use crate::decode::Transport;

/// IP protocol numbers for the names the protocol column may carry instead of a
/// transport (the `n/a` rows of the source table).
const NAMED_IP_PROTOCOLS: &[(&str, u8)] = &[
    ("ICMP", 1),
    ("IGMP", 2),
    ("GRE", 47),
    ("ESP", 50),
    ("AH", 51),
    ("ICMPV6", 58),
    ("OSPF", 89),
    ("PIM", 103),
    ("VRRP", 112),
    ("L2TP", 115),
];

/// The rows of a table file and the warnings seen while reading it.
#[derive(Debug, Default)]
pub struct ParsedRows {
    /// Every row of the file, in file order.
    pub rows: Vec<TableRow>,
    /// Things that were accepted but deserve a word (e.g. the `UPD` typo).
    pub warnings: Vec<TableWarning>,
}

/// Reads a markdown table: every line starting with `|` is a row; the header row
/// (naming `Port` and `Protocol`) and the `| --- |` separator are skipped, other
/// text is ignored.
pub fn parse_markdown(source: &str, text: &str) -> Result<ParsedRows, TableError> {
    let mut parsed = ParsedRows::default();
    for (index, raw_line) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw_line.trim();
        if !line.starts_with('|') {
            continue;
        }
        let inner = line.trim_start_matches('|');
        let inner = inner.strip_suffix('|').unwrap_or(inner);
        let cells: Vec<&str> = inner.split('|').map(str::trim).collect();
        if cells
            .iter()
            .all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')))
        {
            continue; // the separator row
        }
        if is_header(&cells) {
            continue;
        }
        if cells.len() != 4 {
            return Err(TableError::row(
                source,
                line_no,
                format!(
                    "expected 4 columns (port, protocol, application protocol, service), found {}",
                    cells.len()
                ),
            ));
        }
        parsed.push_row(source, line_no, [cells[0], cells[1], cells[2], cells[3]])?;
    }
    if parsed.rows.is_empty() {
        return Err(TableError::Empty {
            source_name: source.to_string(),
        });
    }
    Ok(parsed)
}

/// Reads a CSV table whose header is `port,protocol,application_protocol,service`.
pub fn parse_csv(source: &str, text: &str) -> Result<ParsedRows, TableError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let expected = ["port", "protocol", "application_protocol", "service"];
    let headers = reader
        .headers()
        .map_err(|e| TableError::row(source, 1, e.to_string()))?;
    let found: Vec<String> = headers.iter().map(|h| h.to_ascii_lowercase()).collect();
    if found != expected {
        return Err(TableError::row(
            source,
            1,
            format!(
                "CSV header must be '{}', found '{}'",
                expected.join(","),
                headers.iter().collect::<Vec<_>>().join(",")
            ),
        ));
    }
    let mut parsed = ParsedRows::default();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            TableError::row(source, line, e.to_string())
        })?;
        let line_no = record.position().map_or(0, |p| p.line() as usize);
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != 4 {
            return Err(TableError::row(
                source,
                line_no,
                format!("expected 4 fields, found {}", record.len()),
            ));
        }
        parsed.push_row(
            source,
            line_no,
            [&record[0], &record[1], &record[2], &record[3]],
        )?;
    }
    if parsed.rows.is_empty() {
        return Err(TableError::Empty {
            source_name: source.to_string(),
        });
    }
    Ok(parsed)
}

fn is_header(cells: &[&str]) -> bool {
    cells.len() >= 2
        && cells[0].eq_ignore_ascii_case("port")
        && cells[1].eq_ignore_ascii_case("protocol")
}

impl ParsedRows {
    fn push_row(&mut self, source: &str, line: usize, cells: [&str; 4]) -> Result<(), TableError> {
        let [port_text, proto_text, app_text, service_text] = cells.map(normalise_name);
        let ports = parse_port_spec(&port_text).ok_or_else(|| {
            TableError::row(
                source,
                line,
                format!("cannot read port '{port_text}' (expected a port 0-65535, a range such as 49152-65535, or N/A)"),
            )
        })?;
        let protocol = self.parse_protocol(source, line, &proto_text, &app_text)?;
        match (&ports, &protocol) {
            (PortSpec::NotApplicable, RowProtocol::Port(_)) => {
                return Err(TableError::row(
                    source,
                    line,
                    format!("port 'n/a' needs an IP protocol (GRE, ESP, AH), not {proto_text}"),
                ));
            }
            (PortSpec::Single(_) | PortSpec::Range(..), RowProtocol::Ip(_)) => {
                return Err(TableError::row(
                    source,
                    line,
                    format!("protocol {proto_text} has no ports; write 'n/a' in the port column"),
                ));
            }
            _ => {}
        }
        if app_text.is_empty() {
            return Err(TableError::row(
                source,
                line,
                "empty application protocol".into(),
            ));
        }
        if service_text.is_empty() {
            return Err(TableError::row(
                source,
                line,
                "empty system service name".into(),
            ));
        }
        self.rows.push(TableRow {
            line,
            ports,
            protocol,
            application_protocol: app_text,
            service: service_text,
        });
        Ok(())
    }

    fn parse_protocol(
        &mut self,
        source: &str,
        line: usize,
        proto: &str,
        app: &str,
    ) -> Result<RowProtocol, TableError> {
        let upper = proto.to_ascii_uppercase();
        match upper.as_str() {
            "TCP" => return Ok(RowProtocol::Port(Transport::Tcp)),
            "UDP" => return Ok(RowProtocol::Port(Transport::Udp)),
            "SCTP" => return Ok(RowProtocol::Port(Transport::Sctp)),
            "UPD" => {
                self.warnings.push(TableWarning {
                    line,
                    message: format!("protocol '{proto}' read as UDP (typo in the source table)"),
                });
                return Ok(RowProtocol::Port(Transport::Udp));
            }
            _ => {}
        }
        let by_name = NAMED_IP_PROTOCOLS
            .iter()
            .find(|(name, _)| *name == upper)
            .map(|&(_, n)| n)
            .or_else(|| {
                upper
                    .strip_prefix("IP")
                    .unwrap_or(&upper)
                    .trim()
                    .parse::<u8>()
                    .ok()
            });
        let by_text = ip_protocol_in_text(app);
        match (by_name, by_text) {
            (Some(a), Some(b)) if a != b => Err(TableError::row(
                source,
                line,
                format!("protocol {proto} is IP protocol {a}, but the text says IP protocol {b}"),
            )),
            (Some(n), _) | (None, Some(n)) if Transport::from_ip_proto(n).is_some() => {
                Err(TableError::row(
                    source,
                    line,
                    format!("IP protocol {n} carries ports: write TCP, UDP or SCTP with a port"),
                ))
            }
            (Some(n), _) | (None, Some(n)) => Ok(RowProtocol::Ip(n)),
            (None, None) => Err(TableError::row(
                source,
                line,
                format!(
                    "unknown protocol '{proto}' (expected TCP, UDP, SCTP, GRE, ESP, AH or an IP protocol number)"
                ),
            )),
        }
    }
}

/// Strips markdown code ticks and surrounding padding from a cell.
pub fn normalise_name(cell: &str) -> String {
    let stripped: String = cell.chars().filter(|&c| c != '`').collect();
    stripped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Reads a port column: `445`, `1024-65535`, `n/a`, or prose that names a range
/// (`random port number between 49152 - 65535`, `from 5000 to 5100`). Two numbers count as
/// a range only when a range word or dash stands between them: `88, 464` is not a range.
pub fn parse_port_spec(text: &str) -> Option<PortSpec> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("n/a") || text.eq_ignore_ascii_case("na") {
        return Some(PortSpec::NotApplicable);
    }
    if let Ok(port) = text.parse::<u16>() {
        return Some(PortSpec::Single(port));
    }
    // Split into number and non-number runs: exactly two numbers, joined by a separator.
    let mut numbers = Vec::new();
    let mut between = String::new();
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            run.push(c);
            continue;
        }
        if !run.is_empty() {
            numbers.push(std::mem::take(&mut run));
        }
        if numbers.len() == 1 {
            between.push(c);
        }
    }
    if numbers.len() != 2 {
        return None;
    }
    let separator = between.trim().to_ascii_lowercase();
    let lead = text[..text.find(numbers[0].as_str())?].to_ascii_lowercase();
    let is_range = match separator.as_str() {
        "-" | "\u{2013}" | "\u{2014}" | "to" | "through" | "thru" | ".." => true,
        "and" => lead.contains("between"),
        _ => false,
    };
    if !is_range {
        return None;
    }
    let lo = numbers[0].parse::<u16>().ok()?;
    let hi = numbers[1].parse::<u16>().ok()?;
    (lo <= hi).then_some(PortSpec::Range(lo, hi))
}

/// Finds `IP protocol N` in an application-protocol text.
fn ip_protocol_in_text(text: &str) -> Option<u8> {
    let lower = text.to_ascii_lowercase();
    let at = lower.find("ip protocol")?;
    let digits: String = lower[at + "ip protocol".len()..]
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_specs() {
        assert_eq!(parse_port_spec("445"), Some(PortSpec::Single(445)));
        assert_eq!(
            parse_port_spec("1024-65535"),
            Some(PortSpec::Range(1024, 65535))
        );
        assert_eq!(
            parse_port_spec("random port number between 49152 - 65535"),
            Some(PortSpec::Range(49152, 65535))
        );
        assert_eq!(parse_port_spec("n/a"), Some(PortSpec::NotApplicable));
        assert_eq!(parse_port_spec("70000"), None);
        assert_eq!(parse_port_spec("500-400"), None);
        assert_eq!(parse_port_spec("lots"), None);
        assert_eq!(parse_port_spec("1, 2, 3"), None);
        assert_eq!(parse_port_spec("88, 464"), None);
        assert_eq!(parse_port_spec("8080 (alt 8443)"), None);
        assert_eq!(
            parse_port_spec("between 5000 and 5100"),
            Some(PortSpec::Range(5000, 5100))
        );
        assert_eq!(
            parse_port_spec("5000 to 5100"),
            Some(PortSpec::Range(5000, 5100))
        );
        assert_eq!(parse_port_spec("5000 and 5100"), None);
    }

    #[test]
    fn names_lose_backticks_and_padding() {
        assert_eq!(normalise_name("  `Quotd`  "), "Quotd");
        assert_eq!(normalise_name("Net   Logon"), "Net Logon");
    }

    #[test]
    fn ip_protocol_from_text() {
        assert_eq!(ip_protocol_in_text("GRE (IP protocol 47)"), Some(47));
        assert_eq!(ip_protocol_in_text("IPsec ESP (IP protocol 50)"), Some(50));
        assert_eq!(ip_protocol_in_text("HTTP"), None);
    }

    #[test]
    fn upd_typo_is_udp_with_warning() {
        let text = "| Port | Protocol | Application protocol | System service name |\n\
                    | --- | --- | --- | --- |\n\
                    | 2703 | UPD | SMS Remote Chat | SMS Remote Control Agent |\n";
        let parsed = parse_markdown("t.md", text).unwrap();
        assert_eq!(parsed.rows[0].protocol, RowProtocol::Port(Transport::Udp));
        assert_eq!(parsed.warnings.len(), 1);
        assert_eq!(parsed.warnings[0].line, 3);
        assert!(parsed.warnings[0].message.contains("UPD"));
    }

    #[test]
    fn bad_markdown_row_names_line() {
        let text = "| Port | Protocol | Application protocol | System service name |\n\
                    | --- | --- | --- | --- |\n\
                    | 53 | UDP | DNS | DNS Server |\n\
                    | fifty | UDP | DNS | DNS Server |\n";
        let err = parse_markdown("bad.md", text).unwrap_err().to_string();
        assert!(err.contains("bad.md"), "{err}");
        assert!(err.contains("line 4"), "{err}");
        assert!(err.contains("fifty"), "{err}");
    }

    #[test]
    fn wrong_column_count_is_an_error() {
        let text = "| 53 | UDP | DNS |\n";
        let err = parse_markdown("x.md", text).unwrap_err().to_string();
        assert!(err.contains("line 1") && err.contains("4 columns"), "{err}");
    }

    #[test]
    fn csv_rows_and_errors() {
        let ok = "port,protocol,application_protocol,service\n8443,tcp,Portal,Web Portal\nn/a,GRE,GRE (IP protocol 47),RRAS\n";
        let parsed = parse_csv("t.csv", ok).unwrap();
        assert_eq!(parsed.rows.len(), 2);
        assert_eq!(parsed.rows[0].ports, PortSpec::Single(8443));
        assert_eq!(parsed.rows[0].line, 2);
        assert_eq!(parsed.rows[1].protocol, RowProtocol::Ip(47));

        let bad_header = "port,proto,app,service\n1,tcp,a,b\n";
        assert!(
            parse_csv("h.csv", bad_header)
                .unwrap_err()
                .to_string()
                .contains("header")
        );

        let bad_proto = "port,protocol,application_protocol,service\n1,tcp,a,b\n2,xyz,a,b\n";
        let err = parse_csv("p.csv", bad_proto).unwrap_err().to_string();
        assert!(err.contains("line 3") && err.contains("xyz"), "{err}");
    }

    #[test]
    fn ports_with_ip_protocol_and_na_with_transport_are_rejected() {
        let a = "port,protocol,application_protocol,service\nn/a,TCP,x,y\n";
        assert!(parse_csv("a.csv", a).is_err());
        let b = "port,protocol,application_protocol,service\n47,GRE,x,y\n";
        assert!(parse_csv("b.csv", b).is_err());
        let d = "port,protocol,application_protocol,service\nn/a,6,x,y\n";
        assert!(
            parse_csv("d.csv", d)
                .unwrap_err()
                .to_string()
                .contains("carries ports")
        );
        let c = "port,protocol,application_protocol,service\nn/a,GRE,GRE (IP protocol 50),y\n";
        assert!(
            parse_csv("c.csv", c)
                .unwrap_err()
                .to_string()
                .contains("50")
        );
    }
}
