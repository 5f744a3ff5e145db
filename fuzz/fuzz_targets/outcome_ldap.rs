//! An LDAP stream (BER framing) and a CLDAP datagram through the outcome parser.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    wiretally::fuzz_entry::outcome_ldap(data);
});
