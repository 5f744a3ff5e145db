//! `make fixtures` changes no byte: the generator writes exactly the committed fixtures and
//! their README. Only the files at the top of `fixtures/` are the generator's: folders
//! such as `fixtures/lab/` (captures made with real software by `tests/lab/run.sh`) are not.

use std::path::Path;

#[test]
fn the_committed_fixtures_are_what_the_generator_writes() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let dir = tempfile::tempdir().unwrap();
    wiretally_synth::scenarios::write_all(dir.path()).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&committed)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut written: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(
        written, names,
        "the generator writes other files than are committed"
    );
    for name in names {
        let a = std::fs::read(committed.join(&name)).unwrap();
        let b = std::fs::read(dir.path().join(&name)).unwrap();
        assert!(a == b, "{name} differs from what `make fixtures` writes");
    }
}
