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

pub mod answers;
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

#[cfg(test)]
mod tests {
    use super::samples;
    use super::text::is_printable;

    /// Every real sample, whole, cut and with its framing header skipped, through every
    /// parser: nothing panics, and every name that comes out is printable and bounded.
    #[test]
    fn every_sample_through_every_parser() {
        for (name, bytes) in samples::all() {
            let mut inputs = vec![&bytes[..]];
            for skip in [2, 4] {
                inputs.extend(bytes.get(skip..));
            }
            for cut in [1, 13, bytes.len() / 2] {
                inputs.extend(bytes.get(..cut));
            }
            for input in inputs {
                if let Some(m) = super::kerberos::parse(input) {
                    for s in [&m.cname, &m.sname, &m.realm, &m.crealm]
                        .into_iter()
                        .flatten()
                    {
                        assert!(is_printable(s), "{name}: {s:?}");
                    }
                }
                if let Some(super::smb::SmbMessage::Smb2(chain)) = super::smb::parse(input) {
                    assert!(chain.len() <= super::text::MAX_ITEMS, "{name}");
                }
                if let Some(m) = super::ldap::parse(input) {
                    if let Some(r) = m.result() {
                        assert!(is_printable(&r.diagnostic) && is_printable(&r.matched_dn));
                    }
                }
                if let Some(m) = super::dns::parse(input) {
                    if let Some(q) = m.question {
                        assert!(is_printable(&q.name), "{name}");
                    }
                }
                if let Some(m) = super::dcerpc::parse(input) {
                    let _ = m.outcome();
                }
                let _ = super::ntlmssp::find(input);
                let _ = super::kerberos::find_in_gss(input);
            }
        }
    }
}
