//! What a table file holds before it is folded into entries: its rows ([`TableRow`]),
//! the warnings about them, and why a file cannot be loaded ([`TableError`]).

use crate::decode::Transport;

/// The port column of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortSpec {
    /// One port.
    Single(u16),
    /// An inclusive range of ports.
    Range(u16, u16),
    /// `n/a`: the row is matched by IP protocol number.
    NotApplicable,
}

/// The protocol column of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowProtocol {
    /// A port-carrying transport.
    Port(Transport),
    /// An IP protocol matched by number (GRE, ESP, AH, ...).
    Ip(u8),
}

/// One row of a table file, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    /// 1-based line in the file the row came from.
    pub line: usize,
    /// Port column.
    pub ports: PortSpec,
    /// Protocol column.
    pub protocol: RowProtocol,
    /// Application protocol column (backticks stripped).
    pub application_protocol: String,
    /// System service name column (backticks stripped).
    pub service: String,
}

/// Something the loader accepted but reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableWarning {
    /// 1-based line of the row.
    pub line: usize,
    /// What was noticed.
    pub message: String,
}

/// Why a table could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// The file could not be read.
    #[error("cannot read table {path}")]
    Io {
        /// File path.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// A row could not be parsed.
    #[error("table {source_name} line {line}: {message}")]
    Row {
        /// File name.
        source_name: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The file holds no rows.
    #[error("table {source_name}: no table rows found")]
    Empty {
        /// File name.
        source_name: String,
    },
    /// More entries than the lookup arrays can index.
    #[error("table {source_name}: {count} service entries, at most {max} are supported")]
    TooManyEntries {
        /// File name.
        source_name: String,
        /// Entries the table would need.
        count: usize,
        /// Supported maximum.
        max: usize,
    },
}

impl TableError {
    pub(crate) fn row(source: &str, line: usize, message: String) -> TableError {
        TableError::Row {
            source_name: source.to_string(),
            line,
            message,
        }
    }
}
