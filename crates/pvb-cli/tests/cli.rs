//! The `pvb` binary on every verb, with good and bad input: exit codes and messages.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn pvb(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pvb"))
        .args(args)
        .output()
        .expect("run pvb")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(args: &[&str]) -> String {
    let out = pvb(args);
    assert!(
        out.status.success(),
        "pvb {args:?} failed: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn fails(args: &[&str], code: i32, needle: &str) -> String {
    let out = pvb(args);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "pvb {args:?}: {stderr}");
    assert!(
        stderr.contains(needle),
        "pvb {args:?}: expected '{needle}' in: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "{stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "one sentence: {stderr}"
    );
    stderr
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8 path")
}

/// A generated year at scale 0.02, imported into a FileLog: shared by the tests below.
struct Year {
    _dir: tempfile::TempDir,
    file: PathBuf,
    log: PathBuf,
}

fn year() -> Year {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("year.jsonl");
    let log = dir.path().join("ledger");
    ok(&[
        "generate",
        "--scale",
        "0.02",
        "--seed",
        "42",
        "-o",
        s(&file),
    ]);
    let out = ok(&["import", s(&file), "--log", s(&log)]);
    assert!(out.contains(" 0 rejected"), "{out}");
    Year {
        _dir: dir,
        file,
        log,
    }
}

#[test]
fn generate_is_deterministic_and_imports_without_rejections_and_consumed_matches() {
    let y = year();
    let again = y.file.with_extension("again");
    ok(&[
        "generate",
        "--scale",
        "0.02",
        "--seed",
        "42",
        "-o",
        s(&again),
    ]);
    let first = std::fs::read(&y.file).expect("read");
    assert_eq!(
        first,
        std::fs::read(&again).expect("read"),
        "same seed, same bytes"
    );
    let other = y.file.with_extension("other");
    ok(&[
        "generate",
        "--scale",
        "0.02",
        "--seed",
        "43",
        "-o",
        s(&other),
    ]);
    assert_ne!(first, std::fs::read(&other).expect("read"));

    // Total consumed from the report equals the sum of deliver_care amounts in the file,
    // computed here from the JSON itself.
    let mut expected: i64 = 0;
    for line in text(&first).lines() {
        let value: serde_json::Value = serde_json::from_str(line).expect("json");
        if value["type"] == "deliver_care" {
            expected += value["amount"].as_i64().expect("amount");
        }
    }
    let csv = ok(&["report", "budgets", "--log", s(&y.log), "--format", "csv"]);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("provider,region,year,allocated,reserved,consumed,remaining")
    );
    let consumed: i64 = lines
        .map(|l| {
            l.split(',')
                .nth(5)
                .expect("column")
                .parse::<i64>()
                .expect("cents")
        })
        .sum();
    assert_eq!(consumed, expected);

    // Waiting lists: the CSV columns, and the year-end count of WORKLOAD.md (273 at 0.02/42).
    let waiting = ok(&[
        "report",
        "waiting",
        "--log",
        s(&y.log),
        "--as-of",
        "2026-12-31",
        "--format",
        "csv",
    ]);
    let mut rows = waiting.lines();
    assert_eq!(
        rows.next(),
        Some("provider,position,client,status,since,days_waiting")
    );
    assert_eq!(rows.filter(|r| r.contains(",active,")).count(), 273);

    // Every other report format runs.
    for what in ["budgets", "pools", "waiting", "regions"] {
        ok(&["report", what, "--log", s(&y.log)]);
        let json = ok(&["report", what, "--log", s(&y.log), "--format", "json"]);
        serde_json::from_str::<serde_json::Value>(&json).expect("json output");
    }
    let known = ok(&[
        "report",
        "budgets",
        "--log",
        s(&y.log),
        "--known-at",
        "100",
        "--format",
        "csv",
    ]);
    assert!(known.lines().count() >= 1);

    // verify passes on the imported year, and copy keeps the chain head.
    let verified = ok(&["verify", "--log", s(&y.log)]);
    assert!(verified.starts_with("verify ok"), "{verified}");
    let copy = y.log.with_extension("copy");
    let copied = ok(&["copy", "--from", s(&y.log), "--to", s(&copy)]);
    let head = verified
        .split("chain head ")
        .nth(1)
        .expect("head")
        .split(')')
        .next()
        .expect("head");
    assert!(copied.contains(head), "{copied} vs {head}");
    let verified_copy = ok(&["verify", "--log", s(&copy)]);
    assert!(verified_copy.contains(head));

    // compare runs both policies.
    let compared = ok(&["compare", s(&y.file)]);
    assert!(compared.contains("fixed"), "{compared}");

    // The HTML report is one self-contained page.
    let html = y.log.with_extension("html");
    ok(&["report", "html", "--log", s(&y.log), "-o", s(&html)]);
    let page = std::fs::read_to_string(&html).expect("html");
    assert!(page.contains("<svg") && page.contains("</html>"));
    assert!(!page.contains("http://") && !page.contains("https://") && !page.contains("<script"));
}

#[test]
fn a_flipped_byte_fails_verify_with_its_position() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("y.jsonl");
    let log = dir.path().join("ledger");
    ok(&[
        "generate",
        "--scale",
        "0.001",
        "--seed",
        "1",
        "-o",
        s(&file),
    ]);
    ok(&["import", s(&file), "--log", s(&log)]);
    let segment = std::fs::read_dir(&log)
        .expect("dir")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "pvb"))
        .expect("segment");
    let mut bytes = std::fs::read(&segment).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x10;
    std::fs::write(&segment, bytes).expect("write");
    let err = fails(&["verify", "--log", s(&log)], 2, "verify FAILED");
    assert!(err.contains("position"), "{err}");
    assert!(err.contains("segment-"), "{err}");
}

#[test]
fn bad_input_gives_one_sentence_and_a_nonzero_exit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("ledger");
    fails(
        &["import", "/no/such/file.jsonl", "--log", s(&log)],
        1,
        "/no/such/file.jsonl",
    );
    fails(
        &["report", "budgets", "--log", "/no/such/log"],
        1,
        "/no/such/log",
    );
    fails(&["verify", "--log", "/no/such/log"], 1, "/no/such/log");
    fails(
        &["generate", "--scale", "0", "-o", s(&dir.path().join("x"))],
        1,
        "--scale",
    );
    fails(
        &[
            "generate",
            "--scale",
            "lots",
            "-o",
            s(&dir.path().join("x")),
        ],
        1,
        "--scale",
    );
    fails(
        &["compare", "/no/such/file.jsonl"],
        1,
        "/no/such/file.jsonl",
    );

    // A malformed line is reported with its number; the good lines are imported.
    let file = dir.path().join("mixed.jsonl");
    std::fs::write(
        &file,
        concat!(
            "{\"type\":\"set_region_budget\",\"region\":5531,\"year\":2026,\"amount\":1000}\n",
            "{\"type\":\"set_region_budget\",\"region\":5531,\"year\":\n",
            "{\"type\":\"set_region_budget\",\"region\":5530,\"year\":2026,\"amount\":1000}\n",
        ),
    )
    .expect("write");
    let out = ok(&["import", s(&file), "--log", s(&log)]);
    assert!(out.contains("read 3 lines: 2 accepted"), "{out}");
    let report =
        std::fs::read_to_string(dir.path().join("ledger.rejections.jsonl")).expect("report");
    assert!(report.contains("\"line\":2"), "{report}");
    assert!(report.contains("not valid JSON"), "{report}");

    fails(
        &[
            "report",
            "budgets",
            "--log",
            s(&log),
            "--as-of",
            "2026-02-30",
        ],
        1,
        "--as-of",
    );
    fails(
        &["report", "budgets", "--log", s(&log), "--known-at", "99"],
        1,
        "--known-at 99",
    );
    fails(&["report", "html", "--log", s(&log)], 1, "-o FILE");
    let key = dir.path().join("ledger.key");
    std::fs::remove_file(&key).expect("remove key");
    fails(&["import", s(&file), "--log", s(&log)], 1, "ledger.key");
}

#[test]
fn every_verb_has_help_with_an_example() {
    for verb in [
        "demo", "generate", "import", "report", "verify", "compare", "bench", "copy",
    ] {
        let out = ok(&[verb, "--help"]);
        assert!(out.contains("Example"), "{verb}: {out}");
    }
}

#[test]
fn bench_prints_every_figure() {
    let out = ok(&["bench", "--scale", "0.001", "--store", "file"]);
    for figure in [
        "command throughput",
        "replay (all projections)",
        "replay peak memory",
        "log size",
        "checksum (a) consumed",
    ] {
        assert!(out.contains(figure), "{figure} missing: {out}");
    }
    assert!(out.contains(": equal)"), "{out}");
    let memory = ok(&["bench", "--scale", "0.001", "--store", "memory"]);
    assert!(memory.contains("replay"), "{memory}");
}
