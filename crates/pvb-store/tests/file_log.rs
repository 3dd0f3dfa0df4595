//! FileLog on the real file system: one writer at a time, read-only opens, the torn-tail repair
//! with its `.broken` copy, and the errors an operator sees (their messages name the file).

#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;

use common::records;
use pvb_core::{AppendError, Condition, EventLog, Position};
use pvb_store::{verify, Error, FileLog, Options, FORMAT_VERSION};

#[test]
fn a_second_writer_is_kept_out_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = FileLog::open(dir.path()).unwrap();
    first.append(&records(0, 3), Condition::Any).unwrap();
    let second = FileLog::open(dir.path()).unwrap_err();
    assert!(matches!(second, Error::Locked { .. }), "{second}");
    let message = second.to_string();
    assert!(message.contains("locked by another writer"), "{message}");
    assert!(
        message.contains(&dir.path().display().to_string()),
        "{message}"
    );
    // A reader must wait for the writer too (it could see a half-written tail).
    let reader = FileLog::open_with(dir.path(), Options::new().read_only(true)).unwrap_err();
    assert!(matches!(reader, Error::Locked { .. }));
    // verify() takes no lock: it can check a live log.
    assert!(verify(dir.path()).unwrap().is_ok());
    drop(first);
    let mut again = FileLog::open(dir.path()).unwrap();
    assert_eq!(again.head().unwrap(), Position(3));
}

#[test]
fn a_read_only_open_reads_and_refuses_appends() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = FileLog::open(dir.path()).unwrap();
    log.append(&records(0, 5), Condition::Any).unwrap();
    drop(log);
    let mut a = FileLog::open_with(dir.path(), Options::new().read_only(true)).unwrap();
    let mut b = FileLog::open_with(dir.path(), Options::new().read_only(true)).unwrap();
    assert_eq!(a.head().unwrap(), Position(5));
    assert_eq!(b.head().unwrap(), Position(5));
    let refused = a.append(&records(5, 1), Condition::Any).unwrap_err();
    assert!(matches!(
        refused,
        AppendError::Storage(Error::ReadOnly { .. })
    ));
    assert!(
        FileLog::open(dir.path()).is_err(),
        "a writer while readers hold the log"
    );
}

#[test]
fn missing_logs_and_stray_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nothing-here");
    let error = FileLog::open_with(&missing, Options::new().create(false)).unwrap_err();
    assert!(matches!(error, Error::NotFound { .. }) && error.to_string().contains("nothing-here"));
    assert!(matches!(verify(&missing), Err(Error::NotFound { .. })));
    let mut log = FileLog::open(dir.path()).unwrap();
    log.append(&records(0, 1), Condition::Any).unwrap();
    drop(log);
    std::fs::write(dir.path().join("segment-7.pvb"), b"?").unwrap();
    let error = FileLog::open(dir.path()).unwrap_err();
    assert!(matches!(error, Error::StrayFile { .. }), "{error}");
    assert!(error.to_string().contains("segment-7.pvb"));
}

#[test]
fn a_torn_tail_is_cut_reported_and_kept_in_a_broken_copy() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = FileLog::open(dir.path()).unwrap();
    log.append(&records(0, 4), Condition::Any).unwrap();
    log.append(&records(4, 2), Condition::Any).unwrap();
    let segment = log.segment_paths().pop().unwrap();
    drop(log);
    // Half a frame at the end, as a crash in the middle of a write leaves it.
    let tail = [
        0x40u8, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef, 7, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3,
    ];
    std::fs::OpenOptions::new()
        .append(true)
        .open(&segment)
        .unwrap()
        .write_all(&tail)
        .unwrap();
    let before = std::fs::metadata(&segment).unwrap().len();
    // verify reports it and leaves it.
    let report = verify(dir.path()).unwrap();
    assert!(report.is_ok());
    let torn = report.torn_tail.unwrap();
    assert!(!torn.cut);
    assert_eq!(torn.bytes, tail.len() as u64);
    assert_eq!(std::fs::metadata(&segment).unwrap().len(), before);
    // A writable open cuts it and keeps a copy.
    let mut log = FileLog::open(dir.path()).unwrap();
    let torn = log.open_report().torn_tail.clone().unwrap();
    assert!(torn.cut);
    assert_eq!(torn.segment, segment);
    assert_eq!(torn.offset, before - tail.len() as u64);
    assert_eq!(torn.first_position, Position(7));
    assert_eq!(std::fs::read(torn.broken_copy.unwrap()).unwrap(), tail);
    assert_eq!(std::fs::metadata(&segment).unwrap().len(), torn.offset);
    assert_eq!(
        log.append(&records(6, 1), Condition::Head(Position(6)))
            .unwrap(),
        vec![Position(7)]
    );
    drop(log);
    assert!(verify(dir.path()).unwrap().torn_tail.is_none());
}

#[test]
fn damage_before_the_tail_refuses_a_writable_open_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = FileLog::open_with(dir.path(), Options::new().segment_bytes(1024)).unwrap();
    for i in 0..10 {
        log.append(&records(i * 3, 3), Condition::Any).unwrap();
    }
    let segments = log.segment_paths();
    drop(log);
    assert!(segments.len() >= 3);
    let target = &segments[1];
    let mut bytes = std::fs::read(target).unwrap();
    bytes[100] ^= 0x01;
    std::fs::write(target, &bytes).unwrap();
    let error = FileLog::open(dir.path()).unwrap_err();
    let message = error.to_string();
    let Error::Corruption {
        segment,
        offset,
        position,
        ..
    } = &error
    else {
        panic!("{error}");
    };
    assert_eq!(segment, target);
    assert!(*offset <= 100 && *offset >= 64);
    assert!(position.0 > 1);
    assert!(
        message.contains(&target.display().to_string()) && message.contains("byte"),
        "{message}"
    );
    assert!(
        message.contains(&format!("position {position}")),
        "{message}"
    );
    let report = verify(dir.path()).unwrap();
    assert_eq!(report.problem.unwrap().to_string(), message);
    assert!(report.head < *position);
}

#[test]
fn a_segment_from_a_later_format_version_is_refused_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = FileLog::open(dir.path()).unwrap();
    log.append(&records(0, 2), Condition::Any).unwrap();
    let segment = log.segment_paths().pop().unwrap();
    drop(log);
    let mut bytes = std::fs::read(&segment).unwrap();
    bytes[8..10].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let crc = crc32c::crc32c(&bytes[0..60]);
    bytes[60..64].copy_from_slice(&crc.to_le_bytes());
    std::fs::write(&segment, &bytes).unwrap();
    let error = FileLog::open(dir.path()).unwrap_err();
    assert!(
        matches!(error, Error::UnsupportedVersion { version: 2, .. }),
        "{error}"
    );
}

#[test]
fn segments_roll_at_their_bound_and_reads_start_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = FileLog::open_with(dir.path(), Options::new().segment_bytes(4096)).unwrap();
    let mut next = 0;
    for size in [1u64, 50, 3, 200, 1, 1, 80] {
        log.append(&records(next, size), Condition::Any).unwrap();
        next += size;
    }
    let segments = log.segment_paths();
    for path in &segments {
        let bytes = std::fs::read(path).unwrap();
        // A batch larger than the bound gets a segment of its own; none is ever split.
        let mut at = 64;
        let mut batches = 0;
        while at < bytes.len() {
            let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
            batches += usize::from(bytes[at + 8 + 34] == 1);
            at += 8 + len;
        }
        assert_eq!(at, bytes.len());
        assert!(
            bytes.len() <= 4096 || batches == 1,
            "{} bytes, {batches} batches",
            bytes.len()
        );
    }
    drop(log);
    let mut log = FileLog::open(dir.path()).unwrap();
    for from in [1, 2, 51, 54, 200, 255, next - 1, next, next + 1] {
        let mut first = None;
        let mut count = 0;
        log.read(Position(from), &mut |r| {
            first.get_or_insert(r.position);
            count += 1;
            std::ops::ControlFlow::Continue(())
        })
        .unwrap();
        let expected = next.saturating_sub(from.max(1)) + u64::from(from <= next);
        assert_eq!(count, expected, "from {from}");
        if count > 0 {
            assert_eq!(first, Some(Position(from.max(1))));
        }
    }
    assert!(segments.len() >= 4, "{}", segments.len());
}
