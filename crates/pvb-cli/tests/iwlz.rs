//! `pvb import-iwlz` on the sample messages of pvb-iwlz: the counts add up to the messages
//! read, rejections go to the report without a BSN or a name, and a second import of the same
//! folder appends nothing.
#![cfg(feature = "iwlz")]

use std::path::Path;
use std::process::Command;

fn pvb(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_pvb"))
        .args(args)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn counts(out: &str) -> (u64, u64, u64, u64) {
    let number = |word: &str| -> u64 {
        let before = out.split(word).next().expect("word");
        before
            .split_whitespace()
            .last()
            .and_then(|n| n.parse().ok())
            .expect("count")
    };
    (
        number(" messages:"),
        number(" mapped"),
        number(" skipped"),
        number(" rejected"),
    )
}

#[test]
fn import_iwlz_counts_add_up_and_a_second_run_appends_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("ledger");
    let preamble = dir.path().join("preamble.jsonl");
    let mut lines = vec![
        r#"{"type":"set_region_budget","region":5531,"year":2026,"amount":10000000000}"#.to_owned(),
    ];
    for provider in ["12345678", "23456789", "34567890"] {
        lines.push(format!(r#"{{"type":"contract_provider","provider":"{provider}","region":5531,"year":2026,"places":40,"tariff_bp":9700}}"#));
    }
    for profile in ["5VV", "6VV", "4VV", "9VV A", "3VV", "7VV"] {
        for form in ["verblijf", "vpt", "mpt", "pgb", "dtv"] {
            lines.push(format!(r#"{{"type":"set_tariff","year":2026,"profile":"{profile}","form":"{form}","day_tariff":23000}}"#));
        }
    }
    std::fs::write(&preamble, lines.join("\n")).expect("write");
    let p = |path: &Path| path.to_str().expect("utf8").to_owned();
    pvb(&["import", &p(&preamble), "--log", &p(&log)]);
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../pvb-iwlz/tests/messages/valid");
    let first = pvb(&["import-iwlz", &p(&samples), "--log", &p(&log)]);
    let (read, mapped, skipped, rejected) = counts(&first);
    assert_eq!(read, mapped + skipped + rejected, "{first}");
    assert!(mapped > 0 && rejected > 0, "{first}");
    let report =
        std::fs::read_to_string(dir.path().join("ledger.rejections.jsonl")).expect("report");
    assert_eq!(report.lines().count() as u64, rejected);
    // No BSN of any sample message appears in the report or the output.
    let mut bsns = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(&samples).expect("samples").flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for part in text.split("Bsn>").skip(1) {
            let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
            if digits.len() == 9 {
                bsns.insert(digits);
            }
        }
    }
    assert!(!bsns.is_empty());
    for bsn in &bsns {
        assert!(
            !report.contains(bsn.as_str()) && !first.contains(bsn.as_str()),
            "BSN in clear"
        );
    }
    // A resent message appends nothing: one decision into a fresh log, twice.
    let fresh = dir.path().join("fresh");
    pvb(&["import", &p(&preamble), "--log", &p(&fresh)]);
    let decision = samples.join("io31-a-grant.xml");
    let once = pvb(&["import-iwlz", &p(&decision), "--log", &p(&fresh)]);
    assert_eq!(counts(&once), (1, 1, 0, 0), "{once}");
    let twice = pvb(&["import-iwlz", &p(&decision), "--log", &p(&fresh)]);
    assert_eq!(counts(&twice), (1, 0, 1, 0), "{twice}");
}
