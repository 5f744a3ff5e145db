//! The table of DCE/RPC interfaces (`data/rpc-interfaces.md`): parsed and checked (UUIDs,
//! versions, duplicates, the system services against the port table, in tests), and
//! looked up by interface UUID and major version, or by named pipe.

use rustc_hash::FxHashMap;

use super::markdown::rows;

/// The built-in interface table.
pub const BUILTIN_INTERFACES: &str = include_str!("../../../data/rpc-interfaces.md");

/// A 16-byte interface UUID in its canonical (string-order) byte layout.
pub type Uuid = [u8; 16];

/// One interface of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcInterface {
    /// The interface UUID.
    pub uuid: Uuid,
    /// Major version.
    pub major: u16,
    /// Minor version.
    pub minor: u16,
    /// Short name (`drsuapi`, `netlogon`, ...).
    pub name: String,
    /// The specification (`MS-DRSR`, ...).
    pub spec: String,
    /// What it is (`AD replication`, ...).
    pub description: String,
    /// Named pipes it is reached over (lower case, without `\pipe\`).
    pub pipes: Vec<String>,
    /// The system service of the port table that hosts it, if the port table has one.
    pub system_service: Option<String>,
}

impl RpcInterface {
    /// DCOM plumbing: activation, object exporter and remote IUnknown, which lead to the
    /// interface a DCOM client is after rather than being it.
    pub fn is_plumbing(&self) -> bool {
        self.spec == "MS-DCOM"
    }
}

impl RpcInterface {
    /// The label of report lines: `RPC: MS-DRSR drsuapi (AD replication)`.
    pub fn label(&self) -> String {
        format!("RPC: {} {} ({})", self.spec, self.name, self.description)
    }

    /// The UUID as text (`e3514235-4b06-11d1-ab04-00c04fc2dcd2`).
    pub fn uuid_text(&self) -> String {
        uuid_text(&self.uuid)
    }
}

/// Formats a UUID in canonical layout as text.
pub fn uuid_text(u: &Uuid) -> String {
    let hex =
        |r: std::ops::Range<usize>| u[r].iter().map(|b| format!("{b:02x}")).collect::<String>();
    format!(
        "{}-{}-{}-{}-{}",
        hex(0..4),
        hex(4..6),
        hex(6..8),
        hex(8..10),
        hex(10..16)
    )
}

/// Parses `e3514235-4b06-11d1-ab04-00c04fc2dcd2` (any case) into canonical layout.
pub fn parse_uuid(text: &str) -> Option<Uuid> {
    let groups: Vec<&str> = text.trim().split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    if groups.len() != 5 || groups.iter().zip(lens).any(|(g, n)| g.len() != n) {
        return None;
    }
    let hex: String = groups.concat();
    let mut out = [0u8; 16];
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// Why an interface table could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("RPC interface table {source_name} line {line}: {message}")]
pub struct InterfaceTableError {
    /// Where the table came from.
    pub source_name: String,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// The interfaces, with lookups by (UUID, major version) and by pipe.
#[derive(Debug, Clone)]
pub struct InterfaceTable {
    interfaces: Vec<RpcInterface>,
    by_uuid: FxHashMap<(Uuid, u16), u16>,
    by_pipe: FxHashMap<String, u16>,
}

impl InterfaceTable {
    /// The built-in table (checked by the test suite, so it always loads).
    pub fn builtin() -> InterfaceTable {
        InterfaceTable::from_markdown("data/rpc-interfaces.md", BUILTIN_INTERFACES)
            .expect("the built-in RPC interface table is valid")
    }

    /// Parses a markdown table with the columns of `data/rpc-interfaces.md`.
    pub fn from_markdown(source: &str, text: &str) -> Result<InterfaceTable, InterfaceTableError> {
        let err = |line: usize, message: String| InterfaceTableError {
            source_name: source.to_string(),
            line,
            message,
        };
        let mut table = InterfaceTable {
            interfaces: Vec::new(),
            by_uuid: FxHashMap::default(),
            by_pipe: FxHashMap::default(),
        };
        let rows = rows::<7>(text, "UUID").map_err(|(line, message)| err(line, message))?;
        for (line, [uuid, version, name, spec, description, pipes, service]) in rows {
            let uuid =
                parse_uuid(uuid).ok_or_else(|| err(line, format!("'{uuid}' is not a UUID")))?;
            let (major, minor) = version
                .split_once('.')
                .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
                .ok_or_else(|| err(line, format!("version '{version}' is not MAJOR.MINOR")))?;
            if name.is_empty() || spec.is_empty() || description.is_empty() {
                return Err(err(
                    line,
                    "name, specification and description are required".into(),
                ));
            }
            let index = u16::try_from(table.interfaces.len())
                .ok()
                .filter(|i| *i < MAX_INTERFACES)
                .ok_or_else(|| err(line, format!("more than {MAX_INTERFACES} interfaces")))?;
            if table.by_uuid.insert((uuid, major), index).is_some() {
                return Err(err(
                    line,
                    format!(
                        "interface {} version {major} is listed twice",
                        uuid_text(&uuid)
                    ),
                ));
            }
            let pipes: Vec<String> = pipes
                .split_whitespace()
                .map(str::to_ascii_lowercase)
                .collect();
            for pipe in &pipes {
                // The first interface that names a pipe owns it.
                table.by_pipe.entry(pipe.clone()).or_insert(index);
            }
            table.interfaces.push(RpcInterface {
                uuid,
                major,
                minor,
                name: name.to_string(),
                spec: spec.to_string(),
                description: description.to_string(),
                pipes,
                system_service: (!service.is_empty()).then(|| service.to_string()),
            });
        }
        Ok(table)
    }

    /// All interfaces, in table order.
    pub fn interfaces(&self) -> &[RpcInterface] {
        &self.interfaces
    }

    /// The interface at `index`.
    pub fn get(&self, index: u16) -> Option<&RpcInterface> {
        self.interfaces.get(usize::from(index))
    }

    /// The interface with this UUID and major version.
    pub fn find(&self, uuid: &Uuid, major: u16) -> Option<u16> {
        self.by_uuid.get(&(*uuid, major)).copied()
    }

    /// The interface reached over this named pipe (`lsarpc`, `\pipe\lsarpc`, any case).
    pub fn by_pipe(&self, pipe: &str) -> Option<u16> {
        let lower = pipe.to_ascii_lowercase();
        let name = lower
            .trim_start_matches('\\')
            .trim_start_matches("pipe\\")
            .trim_start_matches("pipe/");
        self.by_pipe.get(name).copied()
    }
}

/// Interfaces a table may hold (their index shares a u16 with how they were identified).
pub const MAX_INTERFACES: u16 = (1 << 13) - 1;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::ServiceTable;

    #[test]
    fn builtin_table_loads_and_its_services_exist_in_the_port_table() {
        let t = InterfaceTable::builtin();
        assert!(t.interfaces().len() >= 35);
        let names: std::collections::BTreeSet<&str> =
            t.interfaces().iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names.len(), t.interfaces().len(), "short names are unique");
        let pipe_owner = |p: &str| t.by_pipe(p).map(|i| t.get(i).unwrap().name.as_str());
        assert_eq!(pipe_owner("eventlog"), Some("eventlog"));
        assert_eq!(pipe_owner("efsrpc"), Some("efsr"));
        assert_eq!(pipe_owner("atsvc"), Some("ITaskSchedulerService"));
        let ports = ServiceTable::builtin();
        let services: std::collections::BTreeSet<&str> = ports
            .entries()
            .iter()
            .flat_map(|e| e.system_services.iter().map(String::as_str))
            .collect();
        for i in t.interfaces() {
            if let Some(s) = &i.system_service {
                assert!(
                    services.contains(s.as_str()),
                    "{} names '{s}', not in the port table",
                    i.name
                );
            }
        }
        let drs = t
            .find(
                &parse_uuid("E3514235-4B06-11D1-AB04-00C04FC2DCD2").unwrap(),
                4,
            )
            .unwrap();
        assert_eq!(
            t.get(drs).unwrap().label(),
            "RPC: MS-DRSR drsuapi (AD replication)"
        );
        assert_eq!(
            t.by_pipe("\\PIPE\\lsarpc")
                .map(|i| t.get(i).unwrap().name.as_str()),
            Some("lsarpc")
        );
        assert_eq!(
            t.by_pipe("netlogon")
                .map(|i| t.get(i).unwrap().name.as_str()),
            Some("netlogon")
        );
        assert_eq!(t.by_pipe("nosuchpipe"), None);
        // The same UUID at another major version is another interface (or none).
        assert_eq!(
            t.find(
                &parse_uuid("e3514235-4b06-11d1-ab04-00c04fc2dcd2").unwrap(),
                3
            ),
            None
        );
    }

    #[test]
    fn uuids_round_trip_and_bad_rows_are_named() {
        let text = "e3514235-4b06-11d1-ab04-00c04fc2dcd2";
        assert_eq!(uuid_text(&parse_uuid(text).unwrap()), text);
        for bad in [
            "",
            "e3514235-4b06-11d1-ab04",
            "g3514235-4b06-11d1-ab04-00c04fc2dcd2",
            "e3514235-4b0-611d1-ab04-00c04fc2dcd2",
        ] {
            assert_eq!(parse_uuid(bad), None, "{bad}");
        }
        let header = "| UUID | Version | Name | Specification | Description | Pipes | System service |\n|---|---|---|---|---|---|---|\n";
        let cases = [
            (
                "| nope | 1.0 | a | B | c | | |",
                "line 3: 'nope' is not a UUID",
            ),
            (
                "| e3514235-4b06-11d1-ab04-00c04fc2dcd2 | 4 | a | B | c | | |",
                "line 3: version '4' is not MAJOR.MINOR",
            ),
            (
                "| e3514235-4b06-11d1-ab04-00c04fc2dcd2 | 4.0 | a | B | c |",
                "line 3: expected 7 cells, found 5",
            ),
            (
                "| e3514235-4b06-11d1-ab04-00c04fc2dcd2 | 4.0 | a | B | c | | |\n| e3514235-4b06-11d1-ab04-00c04fc2dcd2 | 4.1 | a | B | c | | |",
                "line 4: interface e3514235-4b06-11d1-ab04-00c04fc2dcd2 version 4 is listed twice",
            ),
        ];
        for (rows, message) in cases {
            let e =
                InterfaceTable::from_markdown("t.md", &format!("{header}{rows}\n")).unwrap_err();
            assert_eq!(e.to_string(), format!("RPC interface table t.md {message}"));
        }
        assert!(InterfaceTable::from_markdown("t.md", "no table").is_err());
    }
}
