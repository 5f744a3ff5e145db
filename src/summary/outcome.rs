//! The answers part of the report model: what the servers of a line answered above TCP
//! (Kerberos errors, SMB and NTLM logon status, LDAP result codes, DNS rcodes, DCE/RPC
//! bind results and faults), each with its count, its plain meaning and the clients,
//! accounts and names behind it; and the SMB session facts of a server.

use serde::{Deserialize, Serialize};

pub use crate::inspect::outcome::answers::{AppProtocol, OutcomeClass};

/// A name with how often it stood behind an answer (a client, an account, a query name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountedName {
    /// The name (an address, `user@REALM`, `DOMAIN\user`, a DNS name, a share, an RPC
    /// operation), as read from the packets: escaped when a report prints it.
    pub name: String,
    /// Answers it stood behind.
    pub count: u64,
}

/// One kind of answer on a line: a protocol's operation and code, with its count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeLine {
    /// The protocol.
    pub protocol: AppProtocol,
    /// What was answered: `AS-REQ`, `TGS-REQ`, `SESSION_SETUP`, `TREE_CONNECT`, `CREATE`,
    /// `bind`, `search`, `query`, `bind_ack`, `fault`, ...
    pub operation: String,
    /// The protocol's own code (Kerberos error code, NT status, LDAP resultCode, DNS
    /// rcode, DCE/RPC status or result).
    pub code: u64,
    /// The code's name (`KDC_ERR_PREAUTH_FAILED`, `STATUS_LOGON_FAILURE`, ...), or the
    /// code in hex when no table names it.
    pub name: String,
    /// A more specific code the answers carried (the AD data code of an LDAP bind
    /// failure, the NTSTATUS in a Kerberos error), as `NAME (code)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// What it means in plain words, where that is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meaning: Option<String>,
    /// How bad it is.
    pub class: OutcomeClass,
    /// Answers of this kind.
    pub count: u64,
    /// Clients that got them, most first (at most `--top`).
    #[serde(default)]
    pub top_clients: Vec<CountedName>,
    /// Accounts they were for (Kerberos principals, NTLM users, LDAP bind names).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub top_accounts: Vec<CountedName>,
    /// Names they were about (DNS query names, shares, service principals, RPC
    /// operations and interfaces).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub top_names: Vec<CountedName>,
    /// Distinct accounts behind them (after `merge`, a lower bound when a part's list
    /// was cut).
    #[serde(default)]
    pub accounts: u64,
}

impl OutcomeLine {
    /// The code as its protocol writes it: hex for NT status and DCE/RPC status codes,
    /// decimal otherwise.
    pub fn code_text(&self) -> String {
        let hex = match self.protocol {
            AppProtocol::Smb => true,
            AppProtocol::Dcerpc => self.code > 0xffff,
            _ => false,
        };
        if hex {
            format!("0x{:08X}", self.code)
        } else {
            self.code.to_string()
        }
    }

    /// The report's order: worst class first, then most answers, then by protocol,
    /// operation and code.
    pub fn order(a: &OutcomeLine, b: &OutcomeLine) -> std::cmp::Ordering {
        a.class
            .cmp(&b.class)
            .then(b.count.cmp(&a.count))
            .then(a.protocol.cmp(&b.protocol))
            .then(a.operation.cmp(&b.operation))
            .then(a.code.cmp(&b.code))
            .then(a.detail.cmp(&b.detail))
    }
}

/// A client that failed to log on as many distinct accounts: a likely password spray.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SprayLine {
    /// The client.
    pub client: String,
    /// Distinct accounts it failed to log on as.
    pub accounts: u64,
    /// Logon failures in all.
    pub failures: u64,
}

/// What the SMB sessions of a server had: dialects, signing and encryption.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmbFacts {
    /// Negotiations seen (NEGOTIATE responses).
    pub negotiated: u64,
    /// Dialects chosen, most first (`SMB 3.1.1`, `SMB 2.1`, `SMB1`, ...).
    pub dialects: Vec<CountedName>,
    /// Negotiations in which the server required signing.
    pub signing_required: u64,
    /// Flows whose traffic was encrypted (SMB3 transform headers, or sessions the server
    /// told to encrypt).
    pub encrypted: u64,
}
