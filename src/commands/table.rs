//! `wiretally table` and `wiretally lookup`: the port table's entries, and what given
//! ports or protocols map to.

use anyhow::Result;
use wiretally::report::table_view::{check_line, lookups, write_lookups, write_table};

use super::output::{emit, warn};
use crate::cli::{LookupArgs, TableArgs};
use wiretally::table::ServiceTable;
use wiretally::table::query::LookupQuery;

/// `wiretally table`.
pub fn table(args: TableArgs, table: ServiceTable) -> Result<()> {
    if args.check {
        for w in table.warnings() {
            warn(&format!(
                "table {} line {}: {}",
                table.source_name(),
                w.line,
                w.message
            ));
        }
        return emit(|out| writeln!(out, "{}", check_line(&table)));
    }
    emit(|out| write_table(&table, args.format, out))
}

/// `wiretally lookup`.
pub fn lookup(args: LookupArgs, table: ServiceTable, queries: Vec<LookupQuery>) -> Result<()> {
    let views = lookups(&table, &queries);
    emit(|out| write_lookups(&views, args.format, out))
}
