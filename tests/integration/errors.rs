//! The error audit: every case of SPEC's "Errors and bad input", run through the binary,
//! with the exact line it prints and the exit status (1 for bad input, 2 for usage).
//! Also the output-safety rules: names that would drive a terminal are escaped, and
//! error lines stay one line whatever a file name holds.

use std::process::Command;

use crate::common::{NobodyBinary, fixture, fixture_bytes, is_root, run, skip, stderr, tempdir};

/// Exit status 1, nothing on stdout, and exactly `line` on stderr.
fn assert_fails_with(args: &[&str], line: &str) {
    let out = run(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
    assert_eq!(err, format!("wiretally: error: {line}\n"), "{args:?}");
    assert!(out.stdout.is_empty(), "{args:?}");
}

/// Exit status 2 with clap's usage error, whose first line is `first_line`.
fn assert_usage_error(args: &[&str], first_line: &str) {
    let out = run(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.lines().next(), Some(first_line), "{args:?}: {err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn missing_unreadable_and_non_capture_files() {
    let dir = tempdir();
    let d = dir.path().display().to_string();
    assert_fails_with(
        &["read", "/nonexistent/x.pcap"],
        "cannot read /nonexistent/x.pcap: No such file or directory (os error 2)",
    );
    assert_fails_with(&["read", &d], &format!("cannot read {d}: is a directory"));
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "hello, this is no capture").unwrap();
    assert_fails_with(
        &["read", text.to_str().unwrap()],
        &format!(
            "{}: not a pcap or pcapng capture (unknown magic number [68, 65, 6c, 6c, 6f, 2c, 20, 74])",
            text.display()
        ),
    );
    // A file that is no capture, after one that is: the run fails before reading anything,
    // and the flows file is not even created.
    let flows = dir.path().join("flows.ndjson");
    assert_fails_with(
        &[
            "read",
            "--flows",
            flows.to_str().unwrap(),
            &fixture("cutoff.pcap"),
            text.to_str().unwrap(),
        ],
        &format!(
            "{}: not a pcap or pcapng capture (unknown magic number [68, 65, 6c, 6c, 6f, 2c, 20, 74])",
            text.display()
        ),
    );
    assert!(!flows.exists());
    let empty = dir.path().join("empty.pcap");
    std::fs::write(&empty, b"").unwrap();
    assert_fails_with(
        &["read", empty.to_str().unwrap()],
        &format!(
            "{}: file too short to be a capture (0 bytes)",
            empty.display()
        ),
    );
    // gzip is read directly; gzip inside gzip is named as such (no advice to pipe through
    // zcat, which wiretally does not need).
    let twice = dir.path().join("twice.pcap.gz.gz");
    let gzip = |bytes: &[u8]| {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(bytes).unwrap();
        gz.finish().unwrap()
    };
    let once = gzip(&fixture_bytes("link-raw.pcap"));
    std::fs::write(&twice, gzip(&once)).unwrap();
    assert_fails_with(
        &["read", twice.to_str().unwrap()],
        &format!(
            "{} (gzip inside gzip: compressed twice): not a pcap or pcapng capture (unknown magic number {:02x?})",
            twice.display(),
            &once[..8]
        ),
    );
    // A later file that is bad stops the run with its own name, not the first file's.
    assert_fails_with(
        &["read", &fixture("link-raw.pcap"), "/nonexistent/y.pcap"],
        "cannot read /nonexistent/y.pcap: No such file or directory (os error 2)",
    );
}

#[test]
fn unreadable_file_as_an_unprivileged_user() {
    if !is_root() {
        return skip("unreadable file: needs root to make a file another user cannot read");
    }
    let nobody = match NobodyBinary::new() {
        Ok(binary) => binary,
        Err(why) => return skip(&format!("unreadable file: {why}")),
    };
    let dir = tempdir();
    let secret = dir.path().join("secret.pcap");
    std::fs::copy(fixture("link-raw.pcap"), &secret).unwrap();
    // The directory must be searchable by nobody, the file not readable.
    Command::new("chmod")
        .args(["755", dir.path().to_str().unwrap()])
        .status()
        .unwrap();
    Command::new("chmod")
        .args(["600", secret.to_str().unwrap()])
        .status()
        .unwrap();
    let out = nobody
        .command()
        .args(["read", secret.to_str().unwrap()])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(
        err,
        format!(
            "wiretally: error: cannot read {}: Permission denied (os error 13)\n",
            secret.display()
        )
    );
}

#[test]
fn filters_that_do_not_compile() {
    assert_fails_with(
        &["read", "-f", "tcp port eleventy", &fixture("demo.pcap")],
        "filter 'tcp port eleventy' does not compile for link type ETHERNET (1): libpcap error: unknown port 'eleventy'",
    );
    if !is_root() {
        return skip("filter on a live capture: needs root to open lo");
    }
    assert_fails_with(
        &["live", "-i", "lo", "-f", "tcp port eleventy", "-c", "1"],
        "filter 'tcp port eleventy' does not compile on lo: libpcap error: unknown port 'eleventy'",
    );
}

#[test]
fn interfaces_that_do_not_exist() {
    if !is_root() {
        return skip("missing interface: an unprivileged run stops at the permission check first");
    }
    let out = run(&["live", "-i", "no-such-if0", "-c", "1"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("wiretally: error: no capture interface named 'no-such-if0'; interfaces: ")
            && err.contains("lo"),
        "{err}"
    );
}

#[test]
fn capture_without_permission_says_how_to_grant_it() {
    if !is_root() {
        return skip("capture permission: needs root to run the binary as nobody");
    }
    let nobody = match NobodyBinary::new() {
        Ok(binary) => binary,
        Err(why) => return skip(&format!("capture permission: {why}")),
    };
    let out = nobody
        .command()
        .args(["live", "-i", "lo", "-c", "1"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("wiretally: error: no permission to capture on lo ("),
        "{err}"
    );
    assert!(
        err.ends_with(&format!(
            "); run as root, or grant the binary the capability: sudo setcap cap_net_raw,cap_net_admin=eip {}\n",
            nobody.path.display()
        )),
        "{err}"
    );
}

#[test]
fn bad_table_files() {
    let dir = tempdir();
    let bad = dir.path().join("bad.md");
    std::fs::write(
        &bad,
        "| Port | Protocol | Application protocol | System service name |\n|---|---|---|---|\n| 53 | UDP | DNS | DNS Server |\n| 99999 | TCP | X | Y |\n",
    )
    .unwrap();
    let expected = format!(
        "table {} line 4: cannot read port '99999' (expected a port 0-65535, a range such as 49152-65535, or N/A)",
        bad.display()
    );
    assert_fails_with(
        &[
            "read",
            "--table",
            bad.to_str().unwrap(),
            &fixture("link-raw.pcap"),
        ],
        &expected,
    );
    assert_fails_with(
        &["table", "--check", "--table", bad.to_str().unwrap()],
        &expected,
    );
    assert_fails_with(
        &[
            "read",
            "--table",
            "/nonexistent/t.md",
            &fixture("link-raw.pcap"),
        ],
        "cannot read table /nonexistent/t.md: No such file or directory (os error 2)",
    );
    // An endless file is refused after a bounded read, not read into memory.
    assert_fails_with(
        &["table", "--check", "--table", "/dev/zero"],
        "cannot read table /dev/zero: larger than 16 MiB, which no port table is",
    );
    let binary = dir.path().join("table.csv");
    std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x41]).unwrap();
    assert_fails_with(
        &["table", "--check", "--table", binary.to_str().unwrap()],
        &format!(
            "cannot read table {}: stream did not contain valid UTF-8",
            binary.display()
        ),
    );
}

#[test]
fn focus_options_that_name_nothing() {
    // A --service no table entry carries is a usage error, checked before any file is
    // read; a near name is suggested.
    assert_usage_error(
        &["read", "--service", "nosuch", &fixture("link-raw.pcap")],
        "error: invalid value 'nosuch' for '--service <NAME|PORT/PROTO>': no entry of the table is named 'nosuch' (see `wiretally table`; or give a port like 88/tcp)",
    );
    assert_usage_error(
        &["read", "--service", "Kerbros", &fixture("link-raw.pcap")],
        "error: invalid value 'Kerbros' for '--service <NAME|PORT/PROTO>': no entry of the table is named 'Kerbros'; did you mean 'Kerberos'? (see `wiretally table`; or give a port like 88/tcp)",
    );
}

#[test]
fn every_flag_problem_is_reported_at_once() {
    // Three problems in one command line: all three lines, the subcommand's usage, exit 2,
    // and nothing read (the files do not exist).
    let out = run(&[
        "read",
        "--service",
        "Kerbros",
        "-f",
        "tcp port eleventy",
        "-",
        "-",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(out.stdout.is_empty());
    let lines: Vec<&str> = err.lines().take_while(|l| !l.is_empty()).collect();
    assert_eq!(
        lines,
        [
            "error: standard input ('-') can be read only once",
            "error: invalid value 'Kerbros' for '--service <NAME|PORT/PROTO>': no entry of the table is named 'Kerbros'; did you mean 'Kerberos'? (see `wiretally table`; or give a port like 88/tcp)",
            "error: filter 'tcp port eleventy' does not compile for link type ETHERNET (1): libpcap error: unknown port 'eleventy'",
        ],
        "{err}"
    );
    assert!(
        err.contains("Usage: wiretally read [OPTIONS] [FILE]..."),
        "{err}"
    );
    // Lookup queries: every bad one, with lookup's own usage.
    let out = run(&["lookup", "445/tpc", "88/udp", "1/xx"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let lines: Vec<&str> = err.lines().take_while(|l| !l.is_empty()).collect();
    assert_eq!(
        lines,
        [
            "error: '445/tpc': unknown protocol 'tpc' (tcp, udp, sctp or ip)",
            "error: '1/xx': unknown protocol 'xx' (tcp, udp, sctp or ip)",
        ]
    );
    assert!(
        err.contains("Usage: wiretally lookup [OPTIONS] <PORT/PROTO>..."),
        "{err}"
    );
    // A filter alone stays what the spec says: one line, status 1 (see
    // filters_that_do_not_compile).
}

#[test]
fn usage_errors_exit_2() {
    assert_usage_error(
        &["read"],
        "error: the following required arguments were not provided:",
    );
    assert_usage_error(
        &["read", "--bogus", "x.pcap"],
        "error: unexpected argument '--bogus' found",
    );
    assert_usage_error(
        &["read", "--host", "300.1.1.1", "x.pcap"],
        "error: invalid value '300.1.1.1' for '--host <IP|CIDR>': '300.1.1.1' is not an IP address or CIDR network",
    );
    assert_usage_error(
        &["read", "--idle-timeout", "soon", "x.pcap"],
        "error: invalid value 'soon' for '--idle-timeout <DURATION|off>': 'soon' is not a duration (e.g. 2s, 500ms, 5m)",
    );
    assert_usage_error(
        &["live", "-i", "lo", "--user", "nobody", "--no-drop"],
        "error: the argument '--user <NAME>' cannot be used with '--no-drop'",
    );
    assert_usage_error(
        &["frobnicate"],
        "error: unrecognized subcommand 'frobnicate'",
    );
}

#[test]
fn cut_off_capture_is_summarised_with_a_warning_and_exit_0() {
    let out = run(&["read", "--format", "json", &fixture("cutoff.pcap")]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stderr(&out),
        format!(
            "wiretally: warning: {}: capture cut off at byte offset 1295 inside a record (7 more bytes expected); everything before it was counted\n",
            fixture("cutoff.pcap")
        )
    );
}

#[test]
fn names_cannot_drive_the_terminal() {
    let dir = tempdir();
    // A table whose names carry an escape sequence, a bell and a right-to-left override.
    let table = dir.path().join("evil.csv");
    std::fs::write(
        &table,
        "port,protocol,application_protocol,service\n53,udp,\u{1b}[2J\u{1b}[31mDNS\u{7},Resolver \u{202e}revreS\n",
    )
    .unwrap();
    for format in ["text", "csv", "json"] {
        let out = run(&[
            "read",
            "--format",
            format,
            "--table",
            table.to_str().unwrap(),
            &fixture("link-raw.pcap"),
        ]);
        assert!(out.status.success());
        let stdout = String::from_utf8_lossy(&out.stdout);
        // JSON escapes control characters itself and keeps other text as data.
        assert!(
            !stdout.contains('\u{1b}') && !stdout.contains('\u{7}'),
            "{format}: {stdout}"
        );
        if format != "json" {
            assert!(!stdout.contains('\u{202e}'), "{format}: {stdout}");
            assert!(
                stdout.contains("\\u{1b}[2J\\u{1b}[31mDNS\\u{7}"),
                "{format}: {stdout}"
            );
        }
    }
    // `table` and `lookup` print the names too.
    for args in [vec!["table"], vec!["lookup", "53/udp"]] {
        let mut full = args.clone();
        full.extend(["--table", table.to_str().unwrap()]);
        let out = run(&full);
        assert!(out.status.success(), "{full:?}");
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains('\u{1b}'),
            "{full:?}"
        );
    }
    // A file name with a newline and an escape stays on one error line.
    let odd = dir.path().join("two\nlines\u{1b}[A.pcap");
    std::fs::write(&odd, b"no capture here at all").unwrap();
    let out = run(&["read", odd.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("two\\nlines\\u{1b}[A.pcap") && !err.contains('\u{1b}'),
        "{err}"
    );
}
