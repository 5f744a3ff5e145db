//! The `wiretally-gen` command line: help on stdout with status 0, usage errors status 2.

use std::process::Command;

#[test]
fn generator_help_exits_0_and_bad_usage_2() {
    let gen_run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_wiretally-gen"))
            .args(args)
            .output()
            .unwrap()
    };
    for flag in ["--help", "-h"] {
        let out = gen_run(&[flag]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{flag}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.starts_with("usage: wiretally-gen fixtures [DIR]"),
            "{text}"
        );
        assert!(out.stderr.is_empty());
    }
    for args in [&[][..], &["no-such-command"][..]] {
        let out = gen_run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).starts_with("usage: wiretally-gen"));
    }
}
