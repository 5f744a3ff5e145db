//! The table of DCE/RPC operations (`data/rpc-operations.md`): the method name of an
//! (interface UUID, opnum) pair, parsed and checked like the interface table (UUIDs,
//! opnums, duplicates, and in tests that every interface it names is in
//! `data/rpc-interfaces.md` under the same UUID).

use rustc_hash::FxHashMap;

use super::interfaces::{Uuid, parse_uuid, uuid_text};
use super::markdown::rows;

/// The built-in operation table.
pub const BUILTIN_OPERATIONS: &str = include_str!("../../../data/rpc-operations.md");

/// One operation of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// The interface's short name (as in the interface table).
    pub interface: String,
    /// The interface UUID.
    pub uuid: Uuid,
    /// The operation number.
    pub opnum: u16,
    /// The method name as its specification spells it.
    pub name: String,
}

/// Why an operation table could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("RPC operation table {source_name} line {line}: {message}")]
pub struct OperationTableError {
    /// Where the table came from.
    pub source_name: String,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// The operations, with a lookup by (interface UUID, opnum).
#[derive(Debug, Clone)]
pub struct OperationTable {
    operations: Vec<Operation>,
    by_key: FxHashMap<(Uuid, u16), usize>,
}

impl OperationTable {
    /// The built-in table (checked by the test suite, so it always loads).
    pub fn builtin() -> OperationTable {
        OperationTable::from_markdown("data/rpc-operations.md", BUILTIN_OPERATIONS)
            .expect("the built-in RPC operation table is valid")
    }

    /// Parses a markdown table with the columns of `data/rpc-operations.md`.
    pub fn from_markdown(source: &str, text: &str) -> Result<OperationTable, OperationTableError> {
        let err = |line: usize, message: String| OperationTableError {
            source_name: source.to_string(),
            line,
            message,
        };
        let mut table = OperationTable {
            operations: Vec::new(),
            by_key: FxHashMap::default(),
        };
        let rows = rows::<4>(text, "Interface").map_err(|(line, message)| err(line, message))?;
        for (line, [interface, uuid, opnum, name]) in rows {
            let uuid =
                parse_uuid(uuid).ok_or_else(|| err(line, format!("'{uuid}' is not a UUID")))?;
            let opnum: u16 = opnum
                .parse()
                .map_err(|_| err(line, format!("opnum '{opnum}' is not a number")))?;
            if interface.is_empty() || name.is_empty() {
                return Err(err(
                    line,
                    "interface and operation names are required".into(),
                ));
            }
            let index = table.operations.len();
            if table.by_key.insert((uuid, opnum), index).is_some() {
                return Err(err(
                    line,
                    format!(
                        "opnum {opnum} of interface {} is listed twice",
                        uuid_text(&uuid)
                    ),
                ));
            }
            table.operations.push(Operation {
                interface: interface.to_string(),
                uuid,
                opnum,
                name: name.to_string(),
            });
        }
        Ok(table)
    }

    /// All operations, in table order.
    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    /// The name of operation `opnum` of the interface with this UUID.
    pub fn name(&self, uuid: &Uuid, opnum: u16) -> Option<&str> {
        let index = *self.by_key.get(&(*uuid, opnum))?;
        self.operations.get(index).map(|o| o.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::rpc::interfaces::InterfaceTable;

    #[test]
    fn builtin_table_loads_and_agrees_with_the_interface_table() {
        let ops = OperationTable::builtin();
        assert!(ops.operations().len() >= 200);
        let interfaces = InterfaceTable::builtin();
        for op in ops.operations() {
            let owner = interfaces
                .interfaces()
                .iter()
                .find(|i| i.uuid == op.uuid)
                .unwrap_or_else(|| {
                    panic!(
                        "{} {} is not in rpc-interfaces.md",
                        op.interface,
                        uuid_text(&op.uuid)
                    )
                });
            assert_eq!(owner.name, op.interface, "{}", op.name);
        }
        let uuid = |s| parse_uuid(s).unwrap();
        let samr = uuid("12345778-1234-abcd-ef00-0123456789ac");
        assert_eq!(ops.name(&samr, 64), Some("SamrConnect5"));
        assert_eq!(ops.name(&samr, 27), Some("SamrOpenAlias"));
        assert_eq!(ops.name(&samr, 4), None);
        let drs = uuid("e3514235-4b06-11d1-ab04-00c04fc2dcd2");
        assert_eq!(ops.name(&drs, 3), Some("IDL_DRSGetNCChanges"));
        let nrpc = uuid("12345678-1234-abcd-ef00-01234567cffb");
        assert_eq!(ops.name(&nrpc, 26), Some("NetrServerAuthenticate3"));
        let lsa = uuid("12345778-1234-abcd-ef00-0123456789ab");
        assert_eq!(ops.name(&lsa, 14), Some("LsarLookupNames"));
        let epm = uuid("e1af8308-5d1f-11c9-91a4-08002b14a0fa");
        assert_eq!(ops.name(&epm, 3), Some("ept_map"));
    }

    #[test]
    fn bad_rows_are_named() {
        let header = "| Interface | UUID | Opnum | Operation |\n|---|---|---|---|\n";
        let cases = [
            ("| a | nope | 1 | X |", "line 3: 'nope' is not a UUID"),
            (
                "| a | e3514235-4b06-11d1-ab04-00c04fc2dcd2 | x | X |",
                "line 3: opnum 'x' is not a number",
            ),
            (
                "| a | e3514235-4b06-11d1-ab04-00c04fc2dcd2 | 1 |",
                "line 3: expected 4 cells, found 3",
            ),
            (
                "| a | e3514235-4b06-11d1-ab04-00c04fc2dcd2 | 1 | X |\n| a | e3514235-4b06-11d1-ab04-00c04fc2dcd2 | 1 | Y |",
                "line 4: opnum 1 of interface e3514235-4b06-11d1-ab04-00c04fc2dcd2 is listed twice",
            ),
        ];
        for (rows, message) in cases {
            let e =
                OperationTable::from_markdown("t.md", &format!("{header}{rows}\n")).unwrap_err();
            assert_eq!(e.to_string(), format!("RPC operation table t.md {message}"));
        }
        assert!(OperationTable::from_markdown("t.md", "no table").is_err());
    }
}
