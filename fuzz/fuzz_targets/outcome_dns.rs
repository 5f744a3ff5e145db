//! A DNS datagram and a DNS/TCP stream through the outcome parser.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    wiretally::fuzz_entry::outcome_dns(data);
});
