//! What the servers answered: pure parsers of the first messages of a flow that carry an
//! outcome (Kerberos errors, SMB2/3 status and negotiation, NTLM accounts, LDAP and CLDAP
//! result codes, DNS rcodes, DCE/RPC binds, rejections and faults), a bounded TCP
//! reassembly buffer with the framings these protocols use, and the code tables that name
//! each answer as its specification spells it, with a plain meaning and a severity.
//!
//! Every parser takes untrusted bytes: lengths are checked before use, nothing is sliced
//! unchecked, and everything built from input is bounded (names at
//! [`text::MAX_NAME`] bytes, lists at [`text::MAX_ITEMS`] items). Text decoded from
//! packets passes through [`text::printable`], so a crafted name cannot drive a terminal.
//! A message cut by the reassembly cap or the snaplen is incomplete and yields no outcome.
//!
//! Layout (each file imports only those above it, so the file graph has no cycle):
//! [`code`] and [`text`] (shared types), [`ber`], [`stream`], [`ntstatus`], [`ntlmssp`],
//! [`kerberos`], [`smb`], [`ldap`], [`dns`], [`dcerpc`].

pub mod ber;
pub mod code;
pub mod dcerpc;
pub mod dns;
pub mod kerberos;
pub mod ldap;
pub mod ntlmssp;
pub mod ntstatus;
pub mod smb;
pub mod stream;
pub mod text;

pub use code::{Code, Entry, Outcome, Protocol, Severity, Space};

#[cfg(test)]
pub(crate) mod samples;
