//! RELIABILITY.md T15 for this version: a FileLog folder written by format version 1
//! (`tests/fixtures/v1/`, several segments, one event of each of the 14 kinds) opens, verifies
//! and reads back to the same events and the same chain head with this build, and a copy of it
//! takes appends. Every later version must keep passing this test unchanged (docs/FORMAT.md,
//! "Versions"). The fixture was written once with `PVB_WRITE_FIXTURES=1`; do not rewrite it.

#![allow(clippy::unwrap_used)]

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use pvb_core::*;
use pvb_store::{verify, FileLog, Options};

/// The chain head of the fixture, as written by version 1.
const HEAD_COMMIT: &str = "b24def3dc304f2743237ed7b767c81b39b97d68cf2adf1b09bce05e868dff543";
/// Batches of the fixture, in event order.
const BATCHES: [usize; 5] = [1, 2, 3, 4, 4];

/// One event of every kind, in tag order, with fixed values.
fn events() -> Vec<Event> {
    pvb_core::samples::one_of_each_kind().unwrap()
}

fn new_records() -> Vec<NewRecord> {
    events()
        .iter()
        .enumerate()
        .map(|(i, event)| {
            NewRecord::encode(
                EventId::from_text(&format!("fixture-v1-{i}")),
                1_767_225_600_000_000 + i as i64 * 60_000_000,
                event,
            )
        })
        .collect()
}

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v1")
}

fn write_fixture(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    let mut log = FileLog::open_with(dir, Options::new().segment_bytes(600)).unwrap();
    let records = new_records();
    let mut at = 0;
    for size in BATCHES {
        log.append(
            &records[at..at + size],
            Condition::Head(Position(at as u64)),
        )
        .unwrap();
        at += size;
    }
    println!("fixture head commit: {}", log.head_commit().unwrap());
    drop(log);
    std::fs::remove_file(dir.join(pvb_store::LOCK_FILE)).unwrap();
}

#[test]
fn the_v1_fixture_opens_verifies_and_reads_back_with_this_build() {
    let dir = fixture();
    if std::env::var("PVB_WRITE_FIXTURES").is_ok_and(|v| v == "1") {
        write_fixture(&dir);
    }
    let report = verify(&dir).unwrap();
    assert!(report.is_ok(), "{:?}", report.problem);
    assert!(report.torn_tail.is_none());
    assert!(
        report.segments >= 3,
        "the fixture should span several segments"
    );
    assert_eq!(report.head, Position(14));
    assert_eq!(report.head_commit.to_hex(), HEAD_COMMIT);

    // Read-only: the fixture in the source tree is never written.
    let mut log = FileLog::open_with(&dir, Options::new().read_only(true)).unwrap();
    let mut read = Vec::new();
    log.read(Position(1), &mut |r| {
        read.push((
            r.position,
            r.id,
            r.recorded_at_us,
            r.event().unwrap(),
            r.is_batch_end(),
        ));
        ControlFlow::Continue(())
    })
    .unwrap();
    let records = new_records();
    let events = events();
    assert_eq!(read.len(), 14);
    let mut batch_ends = Vec::new();
    let mut total = 0;
    for size in BATCHES {
        total += size;
        batch_ends.push(total);
    }
    for (i, (position, id, at, event, end)) in read.into_iter().enumerate() {
        assert_eq!(position, Position(i as u64 + 1));
        assert_eq!(id, records[i].id);
        assert_eq!(at, records[i].recorded_at_us);
        assert_eq!(event, events[i]);
        assert_eq!(end, batch_ends.contains(&(i + 1)));
    }
    drop(log);

    // A copy takes appends and keeps verifying.
    let copy = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, copy.path().join(path.file_name().unwrap())).unwrap();
    }
    let mut log = FileLog::open(copy.path()).unwrap();
    let again = log.append(&new_records()[3..5], Condition::Any).unwrap();
    assert_eq!(
        again,
        vec![Position(4), Position(5)],
        "ids are known after reopening"
    );
    let extra = NewRecord::encode(EventId::from_text("after-v1"), 0, &events[0]);
    assert_eq!(
        log.append(&[extra], Condition::Head(Position(14))).unwrap(),
        vec![Position(15)]
    );
    drop(log);
    let report = verify(copy.path()).unwrap();
    assert!(report.is_ok() && report.head == Position(15));
}
