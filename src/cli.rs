//! The command line: clap definitions, then a validation step that turns raw flags into a
//! checked configuration before anything is read.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use wiretally::capture::PacketFilter;
use wiretally::flow::expiry::Expiry;
use wiretally::pipeline::focus::{Focus, Network, ServiceFocus};
use wiretally::report::Format;
use wiretally::table::ServiceTable;
use wiretally::table::query::{LookupQuery, parse_lookup};

/// Classify packet captures by Windows service port.
#[derive(Debug, Parser)]
#[command(name = "wiretally", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Summarise capture files (pcap or pcapng; '-' reads standard input).
    Read(ReadArgs),
    /// Capture live on an interface: a refreshing per-service view, then the full report.
    Live(LiveArgs),
    /// List capture interfaces with their addresses and flags.
    Interfaces,
    /// Print the loaded port table as service entries.
    Table(TableArgs),
    /// Show what ports or protocols map to, e.g. 445/tcp 50000/tcp 2703/udp esp.
    Lookup(LookupArgs),
    /// Combine JSON summaries of several runs (e.g. one per capture file or sensor) into
    /// one report, as if one run had read all their captures.
    Merge(MergeArgs),
}

/// Options shared by the commands that load a table.
#[derive(Debug, Args)]
pub struct TableOption {
    /// Port table to use instead of the built-in one (markdown or CSV).
    #[arg(long, value_name = "FILE")]
    pub table: Option<PathBuf>,
}

/// Options every report-producing command shares.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub table: TableOption,

    /// Output format (with `live`, json also makes the snapshots NDJSON lines).
    #[arg(long, default_value = "text", value_parser = format_parser())]
    pub format: Format,

    /// BPF filter (libpcap syntax).
    #[arg(short = 'f', long, value_name = "BPF")]
    pub filter: Option<String>,

    /// Rows per section, and hosts per unknown line.
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub top: u32,

    /// Write one record per flow: NDJSON, CSV when FILE ends in .csv, or Parquet when it
    /// ends in .parquet (or .pq).
    #[arg(long, value_name = "FILE")]
    pub flows: Option<PathBuf>,

    /// End a flow after this long without a packet (packet time; 'off' keeps flows to
    /// the end of the run). A later packet on the same addresses and ports starts a new flow.
    #[arg(long, value_name = "DURATION|off", default_value = "5m", value_parser = parse_timeout)]
    pub idle_timeout: Timeout,

    /// End a closed flow (FIN both ways, or RST) after this long without a packet ('off':
    /// closing does not end flows).
    #[arg(long, value_name = "DURATION|off", default_value = "5s", value_parser = parse_timeout)]
    pub close_grace: Timeout,

    /// Keep at most N flows; when full, the oldest idle ones are ended early and counted
    /// ('none': no cap). Default: none for read, 1000000 for live.
    #[arg(long, value_name = "N|none", value_parser = parse_max_flows)]
    pub max_flows: Option<FlowCap>,

    /// Report only flows with an endpoint at this address or in this CIDR network.
    #[arg(long, value_name = "IP|CIDR", value_parser = Network::parse)]
    pub host: Option<Network>,

    /// Report only flows of this service: a name from the table (Kerberos, SMB, ...), a
    /// server port (88/tcp, 49668/tcp) or an IP protocol (esp, gre, ah, ip/47).
    #[arg(long, value_name = "NAME|PORT/PROTO")]
    pub service: Option<String>,

    /// Report only failed connection attempts: unanswered, rejected or unreachable.
    #[arg(long)]
    pub failed: bool,
}

impl ReportArgs {
    /// The focus options resolved against the loaded table.
    pub fn focus(&self, table: &ServiceTable) -> Result<Focus, String> {
        let service = self
            .service
            .as_deref()
            .map(|text| match parse_lookup(text) {
                Ok(LookupQuery::Port(transport, port)) => {
                    ServiceFocus::Port(transport.ip_proto(), port)
                }
                Ok(LookupQuery::IpProto(n)) => ServiceFocus::IpProto(n),
                Err(_) => ServiceFocus::Name(text.to_string()),
            });
        let mut given = Vec::new();
        if let Some(host) = &self.host {
            given.push(format!("--host {host}"));
        }
        if let Some(text) = &self.service {
            given.push(format!("--service {text}"));
        }
        if self.failed {
            given.push("--failed".to_string());
        }
        let description = (!given.is_empty()).then(|| given.join(" "));
        Focus::new(self.host, service, self.failed, description, table)
    }

    /// The expiry settings, with `default_cap` when `--max-flows` was not given.
    pub fn expiry(&self, default_cap: Option<usize>) -> Expiry {
        let ns = |t: &Timeout| t.0.map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
        Expiry {
            idle_timeout_ns: ns(&self.idle_timeout),
            closed_grace_ns: ns(&self.close_grace),
            max_flows: self.max_flows.map_or(default_cap, |c| c.0),
        }
    }
}

/// A timeout, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeout(pub Option<std::time::Duration>);

/// A flow cap, or `none`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowCap(pub Option<usize>);

/// Parses a duration (see [`parse_duration`]) or `off`.
pub fn parse_timeout(text: &str) -> Result<Timeout, String> {
    if text.trim().eq_ignore_ascii_case("off") {
        return Ok(Timeout(None));
    }
    parse_duration(text).map(|d| Timeout(Some(d)))
}

/// Parses a flow count of at least 1, or `none`.
pub fn parse_max_flows(text: &str) -> Result<FlowCap, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("none") {
        return Ok(FlowCap(None));
    }
    match text.replace('_', "").parse::<usize>() {
        Ok(n) if n >= 1 => Ok(FlowCap(Some(n))),
        _ => Err(format!(
            "'{text}' is not a flow count of at least 1 (or 'none')"
        )),
    }
}

/// `wiretally read`.
#[derive(Debug, Args)]
pub struct ReadArgs {
    /// Capture files; '-' for standard input. Several files are read in order as one
    /// capture (a flow can go on from one file into the next).
    #[arg(required_unless_present = "dirs", value_name = "FILE")]
    pub files: Vec<String>,

    /// A directory of captures (pcap, pcapng, cap, also gzip-compressed), searched
    /// recursively and read in sorted order: each file is its own capture, and the files
    /// are read in parallel on --threads cores; the report is their merge.
    #[arg(short = 'R', long = "dir", value_name = "DIR")]
    pub dirs: Vec<std::path::PathBuf>,

    /// With -R: the files are consecutive pieces of one capture (rotated by tcpdump -G or
    /// -C, dumpcap -b): read them in order as one, so flows go on across the cuts.
    #[arg(long, requires = "dirs")]
    pub join_rotated: bool,

    #[command(flatten)]
    pub report: ReportArgs,

    /// Show a progress bar on stderr (the default when stderr is a terminal; never in pipes).
    #[arg(long, overrides_with = "no_progress")]
    pub progress: bool,

    /// Never show a progress bar.
    #[arg(long)]
    pub no_progress: bool,

    /// Threads: 1 keeps everything on one thread; the default uses a second thread for the
    /// flow table when the machine has a second core. Results are identical either way.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub threads: Option<u32>,
}

/// `wiretally live`.
#[derive(Debug, Args)]
pub struct LiveArgs {
    /// Interface to capture on (see `wiretally interfaces`).
    #[arg(short = 'i', long = "interface", value_name = "IFACE")]
    pub interface: String,

    #[command(flatten)]
    pub report: ReportArgs,

    /// Time between view refreshes (e.g. 2, 500ms, 5s; at least 100ms).
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_interval)]
    pub interval: std::time::Duration,

    /// Stop after this long (e.g. 30s, 5m).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub duration: Option<std::time::Duration>,

    /// Stop after N packets.
    #[arg(short = 'c', long = "count", value_name = "N")]
    pub count: Option<u64>,

    /// Bytes kept of each frame (headers plus the start of the payload).
    #[arg(long, value_name = "BYTES", default_value_t = 256, value_parser = clap::value_parser!(u32).range(64..=262_144))]
    pub snaplen: u32,

    /// Do not put the interface in promiscuous mode.
    #[arg(long)]
    pub no_promisc: bool,

    /// Kernel capture buffer size in bytes (libpcap's default otherwise).
    #[arg(long, value_name = "BYTES")]
    pub buffer_size: Option<u32>,

    /// Also write the captured frames to this pcap file.
    #[arg(short = 'w', long = "write", value_name = "FILE")]
    pub write: Option<PathBuf>,

    /// When started as root: once the capture and output files are open, drop to this
    /// user (its uid, primary group and supplementary groups) before reading any packet,
    /// as tcpdump's -Z does.
    #[arg(
        long = "user",
        short = 'Z',
        value_name = "NAME",
        default_value = "nobody",
        conflicts_with = "no_drop"
    )]
    pub user: String,

    /// Keep running as root after opening the capture (not recommended).
    #[arg(long)]
    pub no_drop: bool,
}

/// Shortest view refresh: each snapshot classifies every flow.
const MIN_INTERVAL: std::time::Duration = std::time::Duration::from_millis(100);

/// A refresh interval: a duration of at least [`MIN_INTERVAL`].
pub fn parse_interval(text: &str) -> Result<std::time::Duration, String> {
    let d = parse_duration(text)?;
    if d < MIN_INTERVAL {
        return Err(format!("'{text}' is shorter than the 100ms minimum"));
    }
    Ok(d)
}

/// Parses `30s`, `500ms`, `5m`, `1h` or a plain number of seconds.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration (e.g. 2s, 500ms, 5m)"))?;
    let seconds = match unit.trim() {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        other => return Err(format!("unknown unit '{other}' in '{text}' (ms, s, m, h)")),
    };
    if !(seconds > 0.0 && seconds.is_finite()) {
        return Err(format!("'{text}' must be longer than zero"));
    }
    std::time::Duration::try_from_secs_f64(seconds).map_err(|_| format!("'{text}' is too long"))
}

/// `wiretally table`.
#[derive(Debug, Args)]
pub struct TableArgs {
    #[command(flatten)]
    pub table: TableOption,

    /// Validate the table and report warnings instead of printing it.
    #[arg(long)]
    pub check: bool,

    /// Output format: text, json or csv.
    #[arg(long, default_value = "text", value_parser = format_parser())]
    pub format: Format,
}

/// `wiretally merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// JSON summaries written by `read --format json` (or the last line of `live --format json`).
    #[arg(required = true, value_name = "SUMMARY.json")]
    pub files: Vec<PathBuf>,

    /// Output format.
    #[arg(long, default_value = "text", value_parser = format_parser())]
    pub format: Format,
}

/// `wiretally lookup`.
#[derive(Debug, Args)]
pub struct LookupArgs {
    /// PORT/PROTO (445/tcp, 2703/udp) or an IP protocol (gre, esp, ah, ip/47).
    #[arg(required = true, value_name = "PORT/PROTO")]
    pub queries: Vec<String>,

    #[command(flatten)]
    pub table: TableOption,

    /// Output format: text, json or csv.
    #[arg(long, default_value = "text", value_parser = format_parser())]
    pub format: Format,
}

/// The command line after the second stage: every flag checked, the table loaded, the
/// focus resolved, filters compiled and lookups parsed, so commands start from values.
pub enum Config {
    /// `read`, with its checked inputs.
    Read(ReadArgs, Checked),
    /// `live`, with its checked inputs (the filter is compiled on the interface).
    Live(LiveArgs, Checked),
    /// `interfaces`.
    Interfaces,
    /// `table`, with the loaded table.
    Table(TableArgs, ServiceTable),
    /// `lookup`, with the loaded table and the parsed queries.
    Lookup(LookupArgs, ServiceTable, Vec<LookupQuery>),
    /// `merge`.
    Merge(MergeArgs),
}

/// What `read` and `live` need checked before anything is read.
pub struct Checked {
    /// The port table (`--table`, or the built-in one).
    pub table: ServiceTable,
    /// `--host`, `--service` and `--failed`, resolved against the table.
    pub focus: Focus,
    /// `--filter`, compiled (for Ethernet; other link types compile as files show them).
    pub filter: Option<PacketFilter>,
}

/// Why the command line cannot run: usage problems (exit status 2, all of them at once,
/// with the subcommand's usage), or a file or filter that fails as the spec says files
/// and filters fail (exit status 1, one line).
pub enum Invalid {
    /// Flag values that cannot be right, each one line.
    Usage(clap::Error),
    /// A table file that cannot be loaded, or a filter that does not compile.
    Failed(anyhow::Error),
}

/// Problems found so far, and the subcommand whose usage they concern.
struct Problems {
    subcommand: &'static str,
    usage: Vec<String>,
    failed: Vec<anyhow::Error>,
}

impl Problems {
    fn new(subcommand: &'static str) -> Problems {
        Problems {
            subcommand,
            usage: Vec::new(),
            failed: Vec::new(),
        }
    }

    /// Done checking: any usage problem makes the whole a usage error listing everything
    /// found (one `error:` line each); file and filter problems alone keep their status 1.
    fn finish(mut self) -> Result<(), Invalid> {
        use clap::CommandFactory;
        if self.usage.is_empty() {
            return match self.failed.is_empty() {
                true => Ok(()),
                false => Err(Invalid::Failed(self.failed.remove(0))),
            };
        }
        let mut lines = self.usage;
        lines.extend(self.failed.iter().map(|e| format!("{e:#}")));
        let message = lines
            .iter()
            .map(|l| wiretally::report::printable(l).into_owned())
            .collect::<Vec<_>>()
            .join("\nerror: ");
        let mut command = Cli::command();
        command.build();
        let command = command
            .find_subcommand_mut(self.subcommand)
            .expect("every subcommand is defined")
            .clone()
            .bin_name(format!("wiretally {}", self.subcommand));
        let mut command = command;
        Err(Invalid::Usage(
            command.error(clap::error::ErrorKind::ValueValidation, message),
        ))
    }
}

/// Loads `--table FILE` or the built-in table.
fn load_table(option: &TableOption) -> anyhow::Result<ServiceTable> {
    match &option.table {
        Some(path) => Ok(ServiceTable::from_file(path)?),
        None => Ok(ServiceTable::builtin()),
    }
}

impl ReportArgs {
    /// Checks the report options shared by `read` and `live`: the table loads, the focus
    /// resolves, and (for `read`) the filter compiles.
    fn check(&self, problems: &mut Problems, compile_filter: bool) -> Option<Checked> {
        // The table first: when it does not load, that is the one line a run without
        // usage problems reports, as before the filter.
        let table = load_table(&self.table)
            .map_err(|e| problems.failed.push(e))
            .ok();
        let filter = match (&self.filter, compile_filter) {
            (Some(expression), true) => PacketFilter::new(expression)
                .map_err(|e| problems.failed.push(e.into()))
                .ok(),
            _ => None,
        };
        let table = table?;
        let focus = match self.focus(&table) {
            Ok(focus) => focus,
            Err(message) => {
                let service = self.service.as_deref().unwrap_or_default();
                problems.usage.push(format!(
                    "invalid value '{service}' for '--service <NAME|PORT/PROTO>': {message}"
                ));
                return None;
            }
        };
        if compile_filter && self.filter.is_some() && filter.is_none() {
            return None; // the filter's problem is recorded
        }
        Some(Checked {
            table,
            focus,
            filter,
        })
    }
}

impl Cli {
    /// The second stage of argument handling: the checks clap cannot express, every
    /// problem of the command line reported together before anything is read.
    pub fn validate(self) -> Result<Config, Invalid> {
        match self.command {
            Command::Read(args) => {
                let mut problems = Problems::new("read");
                if args.files.iter().filter(|f| *f == "-").count() > 1 {
                    problems
                        .usage
                        .push("standard input ('-') can be read only once".to_string());
                }
                let checked = args.report.check(&mut problems, true);
                problems.finish()?;
                Ok(Config::Read(
                    args,
                    checked.expect("no problems, so checked"),
                ))
            }
            Command::Live(args) => {
                let mut problems = Problems::new("live");
                let checked = args.report.check(&mut problems, false);
                problems.finish()?;
                Ok(Config::Live(
                    args,
                    checked.expect("no problems, so checked"),
                ))
            }
            Command::Interfaces => Ok(Config::Interfaces),
            Command::Table(args) => {
                let table = load_table(&args.table).map_err(Invalid::Failed)?;
                Ok(Config::Table(args, table))
            }
            Command::Lookup(args) => {
                let mut problems = Problems::new("lookup");
                let mut queries = Vec::new();
                for query in &args.queries {
                    match parse_lookup(query) {
                        Ok(q) => queries.push(q),
                        Err(message) => problems.usage.push(message),
                    }
                }
                let table = load_table(&args.table);
                if let Err(e) = &table {
                    problems.failed.push(anyhow::anyhow!("{e:#}"));
                }
                problems.finish()?;
                let table = table.map_err(Invalid::Failed)?;
                Ok(Config::Lookup(args, table, queries))
            }
            Command::Merge(args) => Ok(Config::Merge(args)),
        }
    }
}

/// `--format`: the report formats as clap shows and parses them (the library's
/// [`Format`] knows nothing of clap).
fn format_parser() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(
        Format::ALL.map(|(_, name, help)| PossibleValue::new(name).help(help)),
    )
    .map(|name| Format::from_name(&name).expect("clap admits only the names of Format::ALL"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_and_caps() {
        assert_eq!(parse_timeout("off"), Ok(Timeout(None)));
        assert_eq!(
            parse_timeout("90s"),
            Ok(Timeout(Some(std::time::Duration::from_secs(90))))
        );
        assert!(parse_timeout("0").is_err());
        assert_eq!(parse_max_flows("none"), Ok(FlowCap(None)));
        assert_eq!(parse_max_flows("100_000"), Ok(FlowCap(Some(100_000))));
        assert!(parse_max_flows("0").is_err());
        assert!(parse_max_flows("-5").is_err());
    }

    #[test]
    fn durations() {
        use std::time::Duration;
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("3 weeks").is_err());
        assert!(parse_duration("100000000000000000000s").is_err());
    }

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
