//! `make fixtures` changes no byte: the generator writes exactly the committed fixtures and
//! their README.

use std::path::Path;

#[test]
fn the_committed_fixtures_are_what_the_generator_writes() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let dir = tempfile::tempdir().unwrap();
    wiretally_synth::scenarios::write_all(dir.path()).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&committed)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
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
