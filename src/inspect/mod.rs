//! Payload inspection: what the bytes above TCP and UDP say, read by bounded parsers that
//! never trust a length. Fingerprints of the first payload of each direction (TLS, HTTP,
//! SMB, Kerberos, ...), the TLS server name, and the DCE/RPC parsers that name dynamic
//! RPC ports, and the outcome parsers that read what servers answered (Kerberos errors,
//! SMB status, NTLM accounts, LDAP results, DNS rcodes, DCE/RPC rejections and faults).
//! Readers only: the generator's writers live in `crates/wiretally-synth`.
//!
//! May import: `decode` and `table` (the RPC interface table's source text).

pub mod fingerprint;
pub mod outcome;
pub mod rpc;
