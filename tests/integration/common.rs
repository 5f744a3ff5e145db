//! The one home of the helpers the integration tests share: where the project and its
//! fixtures are, running the built binary, its stderr as text, JSON summaries and flow
//! records read back into the library's own types, temporary directories, the captures
//! the tests sweep, one way to skip a test that cannot run here, and a copy of the binary
//! that user `nobody` can run. Declared by `tests/integration/main.rs`, and by the separate
//! test binaries (`tests/live.rs`, `tests/crosscheck.rs`, `tests/duckdb.rs`) through
//! `#[path = "integration/common.rs"] mod common;`.
//!
//! Skips: a test that needs root, a network namespace, tshark or DuckDB calls [`skip`],
//! which prints `skipped: ...` and lets the test return, except under CI (`CI=true`),
//! where everything is installed and the test runs as root, so a skip is a failure. The
//! real captures of `../shared/captures` are optional everywhere: without them the tests
//! say so and check the fixtures only.

// The separate test binaries use only some of these.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use wiretally::summary::Summary;

/// The project root (`CARGO_MANIFEST_DIR`): `fixtures/`, `src/` and `tests/` are found
/// from it, wherever the clone sits.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `fixtures/NAME`, as an argument for the binary.
pub fn fixture(name: &str) -> String {
    root().join("fixtures").join(name).display().to_string()
}

/// The bytes of `fixtures/NAME`.
pub fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(root().join("fixtures").join(name))
        .unwrap_or_else(|e| panic!("cannot read fixture {name}: {e}"))
}

/// The `wiretally` binary cargo built for these tests; add arguments and run it.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wiretally"))
}

/// Runs `wiretally ARGS` to its end: exit status, stdout and stderr.
pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("wiretally runs")
}

/// What a run printed on stderr, as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs `wiretally ARGS`, checks that it succeeded (failing with its stderr) and returns
/// its stdout.
pub fn stdout_of(args: &[&str]) -> Vec<u8> {
    let out = run(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    out.stdout
}

/// A JSON summary (as the binary prints it, or a file holds it) read back into the
/// library's own type.
pub fn parse_summary(json: &[u8]) -> Summary {
    serde_json::from_slice(json).expect("a valid JSON summary")
}

/// The reconciliation invariant: the report lines add up to the totals.
pub fn assert_reconciles(s: &Summary) {
    assert_eq!(
        s.line_sums(),
        (s.totals.packets, s.totals.bytes),
        "lines must add up to the totals"
    );
}

/// Runs `read --format json ARGS` and returns the summary, checking on the way that the
/// run succeeded, that the schema is version 2 and that the lines add up to the totals.
pub fn read_json(args: &[&str]) -> Summary {
    let mut full = vec!["read", "--format", "json"];
    full.extend(args);
    let out = run(&full);
    assert!(
        out.status.success(),
        "wiretally {full:?} failed: {}",
        stderr(&out)
    );
    let s = parse_summary(&out.stdout);
    assert_eq!(s.schema_version, wiretally::summary::SCHEMA_VERSION);
    assert_reconciles(&s);
    s
}

/// The records of an NDJSON flows file (`--flows F.ndjson`), one JSON value a line.
pub fn ndjson(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).expect("an NDJSON record"))
        .collect()
}

/// A new temporary directory, removed when dropped.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

/// Whether this is a CI run (`CI` set, and not to `false` or `0`).
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Says that (part of) a test is skipped and why, on stderr past the test harness's
/// capture so it shows in every run. Under CI it panics instead: there nothing may be
/// skipped.
pub fn skip(what: &str) {
    assert!(!under_ci(), "CI=true, so this test may not skip: {what}");
    let _ = writeln!(std::io::stderr(), "skipped: {what}");
}

/// Whether the tests run as root (CI does).
pub fn is_root() -> bool {
    nix::unistd::Uid::effective().is_root()
}

/// Whether `program ARG` runs and succeeds (e.g. `tshark --version`).
pub fn available(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The project's fixtures, sorted: every file of `fixtures/` but the README.
pub fn fixtures() -> Vec<PathBuf> {
    files_of(&root().join("fixtures"))
}

/// `../shared/captures/NAME` beside the clone (a directory or a file), when it is there.
/// A clone placed anywhere else has none: then this says that what it holds is skipped
/// (not a failure, under CI either).
pub fn shared_capture(name: &str) -> Option<PathBuf> {
    let path = root().join("../shared/captures").join(name);
    match path.canonicalize() {
        Ok(found) => Some(found),
        Err(_) => {
            let _ = writeln!(
                std::io::stderr(),
                "skipped: {} (not found beside this clone); checking the fixtures only",
                path.display()
            );
            None
        }
    }
}

/// The files of a directory, sorted, without READMEs (`.md`).
pub fn files_of(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_none_or(|e| e != "md"))
        .collect();
    files.sort();
    files
}

/// Every fixture and every capture of `../shared/captures/ndpi` (when present), sorted.
pub fn captures() -> Vec<PathBuf> {
    let mut files = fixtures();
    if let Some(ndpi) = shared_capture("ndpi") {
        files.extend(files_of(&ndpi));
    }
    files.sort();
    files
}

/// A copy of the wiretally binary in a new directory of mode 755 under the system's
/// temporary directory, so user `nobody` can run it even when the clone sits in a
/// directory other users cannot enter (mode 700, like /root or `mktemp -d`). Removed
/// when dropped.
pub struct NobodyBinary {
    _dir: tempfile::TempDir,
    /// The copy.
    pub path: PathBuf,
}

impl NobodyBinary {
    /// Copies the binary and checks that `nobody` can run it; `Err` says why not (a
    /// temporary directory that `nobody` cannot reach either, or no `setpriv`).
    pub fn new() -> Result<NobodyBinary, String> {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::Builder::new()
            .prefix("wiretally-nobody-")
            .tempdir()
            .map_err(|e| format!("cannot make a temporary directory: {e}"))?;
        let path = dir.path().join("wiretally");
        std::fs::copy(env!("CARGO_BIN_EXE_wiretally"), &path)
            .map_err(|e| format!("cannot copy the binary: {e}"))?;
        for p in [dir.path(), path.as_path()] {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755))
                .map_err(|e| format!("cannot chmod {}: {e}", p.display()))?;
        }
        let binary = NobodyBinary { _dir: dir, path };
        let out = binary
            .command()
            .arg("--version")
            .output()
            .map_err(|e| format!("cannot run setpriv (util-linux): {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "user nobody cannot run {}: {}",
                binary.path.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(binary)
    }

    /// `setpriv` running the copy as `nobody` (no groups); add wiretally's arguments.
    pub fn command(&self) -> Command {
        let mut command = Command::new("setpriv");
        command
            .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"])
            .arg(&self.path);
        command
    }
}
