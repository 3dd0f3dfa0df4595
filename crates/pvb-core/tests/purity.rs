//! "Nothing in pvb-core does I/O, reads a clock or draws random numbers" (DESIGN.md section 2):
//! the source of `src/` names none of the APIs that would, and the crate depends on no source
//! of randomness.

use std::path::{Path, PathBuf};

/// Names whose presence in `src/` would mean I/O, a clock, the environment or randomness.
const FORBIDDEN: &[&str] = &[
    "std::fs",
    "std::net",
    "std::io::stdin",
    "std::io::stdout",
    "std::io::stderr",
    "stdin()",
    "stdout()",
    "stderr()",
    "File::",
    "OpenOptions",
    "TcpStream",
    "UdpSocket",
    "SystemTime",
    "Instant",
    "OffsetDateTime::now",
    "now_utc",
    "now_local",
    "thread_rng",
    "rand::",
    "getrandom",
    "std::env",
    "env::var",
    "std::process",
    "println!",
    "eprintln!",
    "print!",
    "dbg!",
];

/// Crates that would draw random numbers.
const RANDOM_CRATES: &[&str] = &["rand", "rand_core", "getrandom", "fastrand", "oorandom"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// True when `name` occurs in `line` as a whole name (not inside a longer identifier).
fn names(line: &str, name: &str) -> bool {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    line.match_indices(name).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + name.len()..].chars().next();
        let starts_clean = !name.starts_with(is_ident) || !before.is_some_and(is_ident);
        let ends_clean = !name.ends_with(is_ident) || !after.is_some_and(is_ident);
        starts_clean && ends_clean
    })
}

#[test]
fn src_does_no_io_reads_no_clock_draws_no_random_numbers() {
    let mut files = Vec::new();
    rust_files(&crate_dir().join("src"), &mut files);
    assert!(
        files.len() >= 8,
        "expected the crate's source files, found {files:?}"
    );
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable source");
        for (number, line) in text.lines().enumerate() {
            for name in FORBIDDEN {
                if names(line, name) {
                    found.push(format!(
                        "{}:{}: {name}: {}",
                        file.display(),
                        number + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "pvb-core must do no I/O, read no clock and draw no random numbers:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_scan_finds_what_it_looks_for() {
    assert!(names("let t = std::time::SystemTime::now();", "SystemTime"));
    assert!(names("use std::fs::File;", "std::fs"));
    assert!(names("let mut r = rand::thread_rng();", "rand::"));
    assert!(names("let i = Instant::now();", "Instant"));
    assert!(!names("let instantly = 1;", "Instant"));
    assert!(!names("let operand::x = 1;", "rand::"));
    assert!(!names("fn InstantView() {}", "Instant"));
}

/// The dependency tables of Cargo.toml (`[dependencies]`, `[target.*.dependencies]`, but not
/// `[dev-dependencies]`: tests may use proptest, which draws random cases).
fn normal_dependencies(manifest: &str) -> Vec<String> {
    let mut deps = Vec::new();
    let mut in_deps = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            let table = line.trim_matches(|c| c == '[' || c == ']');
            in_deps = table == "dependencies"
                || (table.starts_with("target.") && table.ends_with(".dependencies"));
            if let Some(name) = table.strip_prefix("dependencies.") {
                deps.push(name.to_owned());
            }
            continue;
        }
        if in_deps {
            if let Some((key, _)) = line.split_once('=') {
                // `serde.workspace = true` names serde.
                let name = key.trim().split('.').next().unwrap_or_default();
                if !name.is_empty() && !name.starts_with('#') {
                    deps.push(name.to_owned());
                }
            }
        }
    }
    deps
}

#[test]
fn no_dependency_draws_random_numbers() {
    let manifest =
        std::fs::read_to_string(crate_dir().join("Cargo.toml")).expect("readable Cargo.toml");
    let deps = normal_dependencies(&manifest);
    assert!(
        deps.iter().any(|d| d == "serde"),
        "parsed the dependencies: {deps:?}"
    );
    for dep in &deps {
        assert!(
            !RANDOM_CRATES.contains(&dep.as_str()),
            "pvb-core depends on {dep}, a source of randomness"
        );
    }
    // Optional features of the workspace's `time` must not pull in a clock or randomness
    // either: pvb-core takes `time` as the workspace defines it.
    let workspace = std::fs::read_to_string(crate_dir().join("../../Cargo.toml"))
        .expect("readable workspace Cargo.toml");
    let time_line = workspace
        .lines()
        .find(|l| l.trim_start().starts_with("time ="))
        .expect("the workspace defines time");
    for feature in ["\"rand\"", "\"local-offset\""] {
        assert!(
            !time_line.contains(feature),
            "time with feature {feature}: {time_line}"
        );
    }
}
