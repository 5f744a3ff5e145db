//! A Kerberos message as a UDP datagram, a Kerberos/TCP stream of record-marked messages, and
//! a GSS-API blob, through the outcome parser.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    wiretally::fuzz_entry::outcome_kerberos(data);
});
