//! `pvb copy` between adapters: a year imported into a FileLog, copied to sled and back (and
//! to PostgreSQL and back when `PVB_TEST_POSTGRES` names a server); `pvb verify` prints the
//! same chain head for every copy, and the budgets report is the same byte for byte.

#![allow(clippy::unwrap_used)]
// Built without both adapters, only the last test remains.
#![cfg_attr(not(any(feature = "sled", feature = "postgres")), allow(dead_code))]

/// Writes to the process's stderr directly, past libtest's output capture, so that a skipped
/// test says so in a plain `cargo test` run.
macro_rules! skip_note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

use std::path::Path;
use std::process::{Command, Output};

fn pvb(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pvb"));
    command.args(args).env_remove("PVB_KEY_FILE");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

fn ok(args: &[&str]) -> String {
    ok_with(args, &[])
}

fn ok_with(args: &[&str], env: &[(&str, &str)]) -> String {
    let out = pvb(args, env);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "pvb {args:?} failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The chain head `pvb verify` prints.
fn verified_head(log: &str) -> String {
    let out = ok(&["verify", "--log", log]);
    assert!(out.starts_with("verify ok: "), "{out}");
    let start = out.find("chain head ").unwrap() + "chain head ".len();
    out[start..start + 64].to_owned()
}

fn budgets(log: &str) -> String {
    ok(&["report", "budgets", "--log", log, "--format", "csv"])
}

/// A small year imported into a FileLog; returns (folder guard, log path, its chain head).
fn year(dir: &Path) -> (String, String) {
    let file = dir.join("year.jsonl");
    let log = dir.join("ledger");
    ok(&[
        "generate",
        "--scale",
        "0.002",
        "--seed",
        "7",
        "-o",
        s(&file),
    ]);
    ok(&["import", s(&file), "--log", s(&log)]);
    let head = verified_head(s(&log));
    (s(&log).to_owned(), head)
}

/// Copies `from` to `to`, checks the copy's verified chain head and budgets, and returns it.
fn copy_and_check(from: &str, to: &str, head: &str, report: &str) {
    let out = ok(&["copy", "--from", from, "--to", to]);
    assert!(out.contains(&format!("chain head {head} on both")), "{out}");
    assert_eq!(verified_head(to), head, "verify of {to}");
    assert_eq!(budgets(to), report, "budgets of {to}");
}

#[cfg(feature = "sled")]
#[test]
fn copy_file_to_sled_and_back_keeps_the_chain_head() {
    let dir = tempfile::tempdir().unwrap();
    let (file, head) = year(dir.path());
    let report = budgets(&file);
    let sled = format!("sled:{}", s(&dir.path().join("ledger.sled")));
    copy_and_check(&file, &sled, &head, &report);
    let back = s(&dir.path().join("back")).to_owned();
    copy_and_check(&sled, &back, &head, &report);
    // The copy back holds the same bytes: the same segments verify with the same head, and a
    // copy into a non-empty log is refused.
    let out = pvb(&["copy", "--from", &file, "--to", &sled], &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not empty"));
}

#[cfg(feature = "postgres")]
fn postgres_url() -> Option<String> {
    match std::env::var("PVB_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if std::env::var("PVB_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!("PVB_REQUIRE_POSTGRES=1 but PVB_TEST_POSTGRES is not set (see README)");
            }
            skip_note!("skipped: PVB_TEST_POSTGRES is not set (see README)");
            None
        }
    }
}

/// Drops the test's schema when dropped.
#[cfg(feature = "postgres")]
struct Schema(String);

#[cfg(feature = "postgres")]
impl Drop for Schema {
    fn drop(&mut self) {
        if let Ok(log) = pvb_store_postgres::PostgresLog::open_url(&self.0, false) {
            let _ = log.drop_tables();
        }
    }
}

#[cfg(feature = "postgres")]
#[test]
fn copy_file_to_postgres_and_back_keeps_the_chain_head() {
    let Some(url) = postgres_url() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (file, head) = year(dir.path());
    let report = budgets(&file);
    let separator = if url.contains('?') { '&' } else { '?' };
    let pg = format!(
        "{url}{separator}pvb_schema=pvb_cli_copy_{}",
        std::process::id()
    );
    let _drop = Schema(pg.clone());
    copy_and_check(&file, &pg, &head, &report);
    let back = s(&dir.path().join("back")).to_owned();
    copy_and_check(&pg, &back, &head, &report);
    #[cfg(feature = "sled")]
    {
        let sled = format!("sled:{}", s(&dir.path().join("from-pg.sled")));
        copy_and_check(&pg, &sled, &head, &report);
    }
}

#[cfg(feature = "postgres")]
#[test]
fn import_into_postgres_needs_a_key_file() {
    let Some(url) = postgres_url() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("year.jsonl");
    ok(&[
        "generate",
        "--scale",
        "0.0005",
        "--seed",
        "3",
        "-o",
        s(&file),
    ]);
    let separator = if url.contains('?') { '&' } else { '?' };
    let pg = format!(
        "{url}{separator}pvb_schema=pvb_cli_key_{}",
        std::process::id()
    );
    let _drop = Schema(pg.clone());
    let rejections = dir.path().join("rejections.jsonl");
    let out = pvb(
        &[
            "import",
            s(&file),
            "--log",
            &pg,
            "--rejections",
            s(&rejections),
        ],
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("--key-file"), "{stderr}");
    assert!(stderr.contains("PVB_KEY_FILE"), "{stderr}");
    let key = dir.path().join("pg.key");
    let out = ok_with(
        &[
            "import",
            s(&file),
            "--log",
            &pg,
            "--rejections",
            s(&rejections),
        ],
        &[("PVB_KEY_FILE", s(&key))],
    );
    assert!(out.contains(" 0 rejected"), "{out}");
    assert!(key.exists());
    let head = verified_head(&pg);
    assert_eq!(head.len(), 64);
}

#[test]
fn unknown_or_missing_adapters_are_one_sentence_errors() {
    let out = pvb(&["verify", "--log", "postgres://h/db?pvb_schema=Bad"], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    let out = pvb(&["verify", "--log", "sled:/nonexistent/pvb-sled"], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("sled"), "{stderr}");
}
