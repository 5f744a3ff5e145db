//! Segments of a known stream, in any order, cut, repeated, into the TCP reassembly buffer:
//! what it delivers must be the stream's bytes, within its cap; then every framing reads them.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    wiretally::fuzz_entry::outcome_stream(data);
});
