//! Replays the saved fuzz inputs of the IMAP targets on stable: every file in
//! `fuzz/regressions/<target>/` (inputs that once failed) and `fuzz/corpus/<target>/` (the
//! seeds), through the same `mailwire::__fuzz_imap` functions the fuzz targets call. See
//! `fuzz/README.md` for adding a crash here.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The files of `fuzz/<kind>/<target>/`; a missing or empty directory fails the test, so a
/// renamed target cannot silently replay nothing.
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = fuzz_dir().join(kind).join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    assert!(!files.is_empty(), "{} holds no input", dir.display());
    files.sort();
    files
}

/// Runs `check` on every regression and seed of `target` and reports every input that fails,
/// not only the first.
fn replay(target: &str, check: fn(&[u8])) {
    let mut failed = Vec::new();
    let mut count = 0;
    for kind in ["regressions", "corpus"] {
        for path in inputs(kind, target) {
            let data = std::fs::read(&path).expect("readable input");
            count += 1;
            if catch_unwind(AssertUnwindSafe(|| check(&data))).is_err() {
                failed.push(path.display().to_string());
            }
        }
    }
    assert!(
        failed.is_empty(),
        "{target}: {} of {count} inputs fail:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

#[test]
fn mutf7_inputs_replay() {
    replay("mutf7", mailwire::__fuzz_imap::mutf7);
}

#[test]
fn bodystructure_names_inputs_replay() {
    replay(
        "bodystructure_names",
        mailwire::__fuzz_imap::bodystructure_names,
    );
}

#[test]
fn imap_stream_inputs_replay() {
    replay("imap_stream", mailwire::__fuzz_imap::imap_stream);
}

#[test]
fn uid_set_inputs_replay() {
    replay("uid_set", mailwire::__fuzz_imap::uid_set);
}

#[test]
fn search_serialise_inputs_replay() {
    replay("search_serialise", mailwire::__fuzz_imap::search_serialise);
}
