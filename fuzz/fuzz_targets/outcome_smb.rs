//! A TCP stream of SMB under the NetBIOS and direct-TCP framings, and one SMB1/SMB2 message,
//! through the outcome parser (named-pipe payloads on to the DCE/RPC one).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    wiretally::fuzz_entry::outcome_smb(data);
});
