//! An arbitrary byte string read as a pcap or pcapng file and summarised.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    wiretally::fuzz_entry::read_capture(data);
});
