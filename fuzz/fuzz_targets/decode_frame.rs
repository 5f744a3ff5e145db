//! One frame under each supported link type (the first byte chooses it), decoded and
//! then counted by the analyzer.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Some((&selector, frame)) = data.split_first() {
        wiretally::fuzz_entry::decode_frame(selector, frame);
    }
});
