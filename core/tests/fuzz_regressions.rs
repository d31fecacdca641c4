//! Replays the saved inputs of the message-layer fuzz targets on stable: every file in
//! `fuzz/regressions/<target>/` (inputs that once broke a property, and seeds for the bugs
//! issue 12 fixed) goes through the `mailwire::__fuzz` function that the fuzz target of the
//! same name calls. A missing or empty directory fails, and so does a directory no target
//! here replays, so nothing is skipped silently.
//!
//! To keep a crash found by `cargo fuzz`: copy `fuzz/artifacts/<target>/crash-…` to
//! `fuzz/regressions/<target>/<what-it-is>`; this test fails until the bug is fixed.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// A fuzz entry point.
type Target = fn(&[u8]);

/// Every message-layer target, by the name of its directory and fuzz target.
const TARGETS: &[(&str, Target)] = &[
    ("message_parse", mailwire::__fuzz::message_parse),
    ("header_roundtrip", mailwire::__fuzz::header_roundtrip),
    ("address_roundtrip", mailwire::__fuzz::address_roundtrip),
    ("smtp_reply", mailwire::__fuzz::smtp_reply),
    ("dot_stuffing", mailwire::__fuzz::dot_stuffing),
];

/// Directories of `fuzz/regressions/` that other test files replay (the IMAP targets).
const REPLAYED_ELSEWHERE: &[&str] = &[
    "mutf7",
    "bodystructure_names",
    "uid_set",
    "search_serialise",
    "imap_stream",
];

fn regressions() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions")
}

/// The inputs of `target`: every file but the README.
fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = regressions().join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.is_file() && !p.file_name().is_some_and(|n| n == "README.md"))
        .collect();
    assert!(!files.is_empty(), "{} holds no input", dir.display());
    files.sort();
    files
}

/// Runs `check` on every input of `target` and reports every one that fails.
fn replay(target: &str, check: Target) {
    let files = inputs(target);
    let failed: Vec<String> = files
        .iter()
        .filter(|path| {
            let data = std::fs::read(path).expect("readable input");
            catch_unwind(AssertUnwindSafe(|| check(&data))).is_err()
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        failed.is_empty(),
        "{target}: {} of {} inputs fail:\n{}",
        failed.len(),
        files.len(),
        failed.join("\n")
    );
}

fn check(target: &str) {
    let (_, f) = TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .unwrap_or_else(|| panic!("{target} is not listed in TARGETS"));
    replay(target, *f);
}

#[test]
fn message_parse_inputs_replay() {
    check("message_parse");
}

#[test]
fn header_roundtrip_inputs_replay() {
    check("header_roundtrip");
}

#[test]
fn address_roundtrip_inputs_replay() {
    check("address_roundtrip");
}

#[test]
fn smtp_reply_inputs_replay() {
    check("smtp_reply");
}

#[test]
fn dot_stuffing_inputs_replay() {
    check("dot_stuffing");
}

#[test]
fn every_regression_directory_is_replayed() {
    for entry in std::fs::read_dir(regressions()).expect("fuzz/regressions exists") {
        let path = entry.expect("directory entry").path();
        if !path.is_dir() {
            continue;
        }
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        assert!(
            TARGETS.iter().any(|(t, _)| *t == name) || REPLAYED_ELSEWHERE.contains(&name.as_str()),
            "fuzz/regressions/{name} is replayed by no test: add it to TARGETS"
        );
    }
}
