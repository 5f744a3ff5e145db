//! Cross-check of what the servers answered against tshark: `tests/outcomes_crosscheck.py`
//! counts the error answers tshark decodes per protocol and code (`kerberos.error_code`,
//! `smb2.nt_status`, `smb.nt_status`, `ldap.resultCode`, `dns.flags.rcode`,
//! `dcerpc.cn_ack_result`, `dcerpc.cn_reject_reason`, `dcerpc.cn_status`) and compares
//! them with the `outcomes` of wiretally's JSON, on the Samba lab captures
//! (`fixtures/lab/`, made with a real AD domain controller) and on the real captures in
//! `../shared/captures/ndpi/` when they are beside the clone. Skipped, with a message,
//! when tshark or python3 is missing (a failure under CI, which installs them).
//!
//! The generated fixtures are left out: their SMB and Kerberos payloads are fingerprints
//! only, messages that end early, which wiretally rightly reads no answer from and
//! tshark decodes anyway.

#[path = "integration/common.rs"]
mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};

#[test]
fn answers_match_tshark() {
    for tool in ["tshark", "python3"] {
        if !common::available(tool, "--version") {
            return common::skip(&format!(
                "outcomes cross-check: `{tool}` is not installed (CI installs it)"
            ));
        }
    }
    let root = common::root();
    let mut files: Vec<PathBuf> = common::files_of(&root.join("fixtures/lab"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "pcap"))
        .collect();
    assert_eq!(files.len(), 5, "the five lab captures");
    if let Some(ndpi) = common::shared_capture("ndpi") {
        files.extend(common::files_of(&ndpi));
    }
    let out = Command::new("python3")
        .arg(root.join("tests/outcomes_crosscheck.py"))
        .arg("--wiretally")
        .arg(env!("CARGO_BIN_EXE_wiretally"))
        .args(["--jobs", "2"])
        .args(&files)
        .stdin(Stdio::null())
        .output()
        .expect("python3 runs the outcomes cross-check");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or("").to_string();
    assert!(
        out.status.success() && last.ends_with(" 0 failed"),
        "outcomes cross-check failed ({last}):\n{stdout}\n{}",
        common::stderr(&out)
    );
}
