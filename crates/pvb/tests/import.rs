//! Import of JSON Lines: counts add up, every invalid line is reported with its number and
//! reason, every valid one reaches the log, a second import with ids is a no-op, and no BSN is
//! ever written in clear (RELIABILITY.md T19).

use std::collections::BTreeMap;
use std::io::Cursor;

use pvb::import::{import_lines, RejectedLine};
use pvb::{Ledger, Options, Outcome};
use pvb_core::{Command, EventLog, Money, Policy, Position, RegionId};
use pvb_store::{FileLog, MemoryLog};
use pvb_workload::{Generator, Scale};

fn options() -> Options {
    let mut t = 0;
    Options {
        clock: Box::new(move || {
            t += 1;
            t
        }),
        ..Options::new(Policy::PersonFollowing, [9; 32])
    }
}

/// The first `n` lines of a generated year, each given an id.
fn workload_lines(n: usize) -> Vec<String> {
    let mut generator = Generator::new(7, Scale::new(0.001).expect("scale"));
    let mut out = Vec::new();
    let mut buffer = Vec::new();
    while out.len() < n {
        buffer.clear();
        if generator.next_line(&mut buffer).is_none() {
            break;
        }
        let text = String::from_utf8(buffer.clone()).expect("utf8");
        let text = text.trim_end();
        let with_id = format!("{{\"id\":\"w-{}\",{}", out.len(), &text[1..]);
        out.push(with_id);
    }
    out
}

/// Bad lines of every kind, each with the field and rule (or reason fragment) expected.
fn bad_lines() -> Vec<(String, Option<&'static str>, &'static str)> {
    vec![
        ("this is not json".into(), None, "not valid JSON"),
        (r#"{"type":"start_care","client":"c-1","on":"2026-01-05"}"#.into(), Some("provider"), "missing"),
        (r#"{"type":"start_care","client":"c-1","provider":"10000000","on":"2026-13-05"}"#.into(), Some("on"), "date"),
        (r#"{"type":"set_tariff","year":2026,"profile":"12VV","form":"verblijf","day_tariff":1}"#.into(), Some("profile"), "COD163"),
        (r#"{"type":"grant_indication","bsn":"111222334","indication":"x","profile":"5VV","region":5501,"from":"2026-01-01"}"#.into(), Some("bsn"), "11-proef"),
        (r#"{"type":"deliver_care","client":"c-unknown","provider":"10000000","from":"2026-01-01","until":"2026-01-02","ref":"R-x"}"#.into(), None, "UnknownClient"),
        (r#"{"type":"start_care","client":"111222333","provider":"10000000","on":"2026-01-05"}"#.into(), Some("client"), "BSN"),
        ("".into(), None, "empty line"),
    ]
}

#[test]
fn thousand_mixed_lines_report_every_rejection_and_reimport_is_a_no_op() {
    let good = workload_lines(900);
    let bad = bad_lines();
    // Interleave: a bad line after every ~9 good ones, 100 bad lines in all.
    let mut lines = Vec::new();
    let mut expected_bad: BTreeMap<u64, (Option<&str>, &str)> = BTreeMap::new();
    let mut good_iter = good.iter();
    for i in 0..1000u64 {
        if i % 10 == 9 {
            let (text, field, why) = &bad[(i as usize / 10) % bad.len()];
            lines.push(text.clone());
            expected_bad.insert(i + 1, (*field, *why));
        } else if let Some(g) = good_iter.next() {
            lines.push(g.clone());
        }
    }
    let input = lines.join("\n") + "\n";
    let dir = tempfile::tempdir().expect("tempdir");
    let log = FileLog::open(dir.path()).expect("open");
    let mut ledger = Ledger::open(log, options()).expect("ledger");
    let mut report_bytes = Vec::new();
    let report = import_lines(
        &mut ledger,
        Cursor::new(input.clone()),
        &mut report_bytes,
        |_| {},
    )
    .expect("import");
    assert_eq!(report.read, 1000);
    assert_eq!(
        report.read,
        report.accepted + report.duplicates + report.rejected
    );
    let rejected: Vec<RejectedLine> = String::from_utf8(report_bytes)
        .expect("utf8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("report line"))
        .collect();
    assert_eq!(rejected.len() as u64, report.rejected);
    // Every planted bad line is reported with its number and the expected field/reason.
    for (number, (field, why)) in &expected_bad {
        let r = rejected
            .iter()
            .find(|r| r.line == *number)
            .unwrap_or_else(|| panic!("line {number} not in the report"));
        assert_eq!(r.field.as_deref(), *field, "line {number}: {r:?}");
        let text = format!("{} {}", r.rule.as_deref().unwrap_or(""), r.reason);
        assert!(
            text.contains(why),
            "line {number}: expected '{why}' in {text}"
        );
    }
    // The generated lines are all valid: only planted lines are rejected.
    assert_eq!(report.rejected, expected_bad.len() as u64);
    assert_eq!(report.accepted, 900);
    let head = ledger.head();
    assert!(head.0 >= 900);

    // Second run: nothing appended, every good line is a duplicate.
    let mut second_report = Vec::new();
    let again = import_lines(&mut ledger, Cursor::new(input), &mut second_report, |_| {})
        .expect("import again");
    assert_eq!(again.accepted, 0);
    assert_eq!(again.duplicates, 900);
    assert_eq!(ledger.head(), head);
    let mut log = ledger.into_log();
    assert_eq!(log.head().expect("head"), head);
}

#[test]
fn no_bsn_in_clear_in_log_files_or_report() {
    let bsns = ["111222333", "123456782", "999999990"];
    let mut lines = vec![
        r#"{"type":"set_region_budget","region":5501,"year":2026,"amount":100000000}"#.to_owned(),
    ];
    for (i, bsn) in bsns.iter().enumerate() {
        lines.push(format!(
            r#"{{"type":"grant_indication","bsn":"{bsn}","indication":"I-{i}","profile":"5VV","region":5501,"from":"2026-01-01"}}"#
        ));
        // A rejected line that names the same BSN.
        lines.push(format!(
            r#"{{"type":"start_care","bsn":"{bsn}","provider":"10000000","on":"2026-01-02"}}"#
        ));
        // A BSN where a client reference belongs, and in a bad JSON line.
        lines.push(format!(
            r#"{{"type":"start_care","client":"{bsn}","provider":"10000000","on":"2026-01-02"}}"#
        ));
        lines.push(format!("{bsn},oops"));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let log_dir = dir.path().join("log");
    let report_path = dir.path().join("rejections.jsonl");
    {
        let log = FileLog::open(&log_dir).expect("open");
        let mut ledger = Ledger::open(log, options()).expect("ledger");
        let mut report = std::fs::File::create(&report_path).expect("report");
        let counts = import_lines(
            &mut ledger,
            Cursor::new(lines.join("\n")),
            &mut report,
            |_| {},
        )
        .expect("import");
        assert_eq!(counts.accepted, 4);
        assert_eq!(counts.rejected, 9);
    }
    let mut scanned = 0;
    for entry in walk(dir.path()) {
        let bytes = std::fs::read(&entry).expect("read");
        scanned += 1;
        for bsn in bsns {
            let hit = bytes.windows(bsn.len()).any(|w| w == bsn.as_bytes());
            assert!(!hit, "BSN {bsn} found in clear in {}", entry.display());
        }
    }
    assert!(scanned >= 2, "scanned {scanned} files");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn rejected_command_leaves_log_and_state_untouched() {
    let mut ledger = Ledger::open(MemoryLog::new(), options()).expect("ledger");
    let region = RegionId::new(5531).expect("region");
    let set = Command::SetRegionBudget {
        region,
        year: 2026,
        amount: Money::from_cents(1000),
    };
    assert!(matches!(
        ledger.execute(set.clone()).expect("execute"),
        Outcome::Accepted {
            first: Position(1),
            events: 1
        }
    ));
    let outcome = ledger.execute(set).expect("execute");
    assert!(matches!(outcome, Outcome::Rejected(ref r) if r.rule() == "RegionBudgetAlreadySet"));
    assert_eq!(ledger.head(), Position(1));
    let mut log = ledger.into_log();
    assert_eq!(log.head().expect("head"), Position(1));
}

#[test]
fn reopening_replays_to_the_same_state() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lines = workload_lines(300).join("\n");
    let balances = {
        let mut ledger =
            Ledger::open(FileLog::open(dir.path()).expect("open"), options()).expect("ledger");
        let mut sink = Vec::new();
        import_lines(&mut ledger, Cursor::new(lines), &mut sink, |_| {}).expect("import");
        format!("{:?}", ledger.state().balances().collect::<Vec<_>>())
    };
    let ledger =
        Ledger::open(FileLog::open(dir.path()).expect("reopen"), options()).expect("ledger");
    assert_eq!(
        format!("{:?}", ledger.state().balances().collect::<Vec<_>>()),
        balances
    );
}
