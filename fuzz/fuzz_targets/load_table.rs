//! An arbitrary byte string loaded as a port table, in markdown and in CSV.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    wiretally::fuzz_entry::load_table(data);
});
