//! A DCE/RPC PDU and a stream of them through the outcome parser.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    wiretally::fuzz_entry::outcome_dcerpc(data);
});
