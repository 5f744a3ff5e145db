//! The commands: glue between the checked command line, the capture sources, the core and
//! the report writers, one file per subcommand. Errors get their context here, at the
//! binary's edge.

mod live;
mod merge;
mod output;
mod read;
mod table;

pub use live::{interfaces, live};
pub use merge::merge;
pub use read::read;
pub use table::{lookup, table};
