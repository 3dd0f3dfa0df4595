//! The checked-in seed corpora of `fuzz/` replay through the same harness functions the fuzz
//! targets call, so every `cargo test` exercises them on stable Rust. Inputs a fuzzer found
//! (crashes fixed since) are kept in the corpora too.

use std::path::{Path, PathBuf};

use pvb_testkit::harness;

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file())
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (path, bytes)
        })
        .collect();
    files.sort();
    assert!(files.len() >= 20, "{target}: only {} seeds", files.len());
    files
}

#[track_caller]
fn replay(target: &str, harness: fn(&[u8])) {
    for (path, bytes) in corpus(target) {
        let outcome = std::panic::catch_unwind(|| harness(&bytes));
        assert!(outcome.is_ok(), "{target}: {} fails", path.display());
    }
}

#[test]
fn record_decode_corpus() {
    replay("record_decode", harness::fuzz_record_decode);
}

#[test]
fn filelog_open_corpus() {
    replay("filelog_open", harness::fuzz_filelog_open);
}

#[test]
fn jsonl_line_corpus() {
    replay("jsonl_line", harness::fuzz_jsonl_line);
}

#[test]
fn ledger_vs_model_corpus() {
    replay("ledger_vs_model", harness::fuzz_ledger_vs_model);
}

/// The fuzz target opens segments in memory (`SimStorage`) for speed; on a real folder the
/// same bytes give the same outcome.
#[test]
fn filelog_corpus_opens_the_same_on_disk() {
    for (i, (path, bytes)) in corpus("filelog_open").into_iter().enumerate() {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let on_disk =
            harness::filelog_summary_on_disk(&bytes, &folder.path().join(format!("log-{i}")))
                .expect("writing the segments");
        assert_eq!(
            on_disk,
            harness::filelog_summary_in_memory(&bytes),
            "{}",
            path.display()
        );
    }
}
