//! The conformance suite (`pvb_store::conformance::run`) against every adapter of this crate:
//! MemoryLog, FileLog on the real file system, and FileLog on the simulated storage.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use pvb_store::conformance::{run, Harness};
use pvb_store::{FileLog, MemoryLog, Options, SimStorage};

struct Memory;

impl Harness for Memory {
    type Log = MemoryLog;
    fn fresh(&mut self) -> MemoryLog {
        MemoryLog::new()
    }
    fn reopen(&mut self, log: MemoryLog) -> MemoryLog {
        log
    }
}

/// FileLog in temporary folders, with 64 KiB segments so that large cases cross segments (the
/// simulated harness below uses 1 KiB segments, so that almost every case does).
struct Files {
    dir: Option<tempfile::TempDir>,
}

fn small_segments() -> Options {
    Options::new().segment_bytes(64 << 10)
}

impl Harness for Files {
    type Log = FileLog;
    fn fresh(&mut self) -> FileLog {
        let dir = tempfile::tempdir().unwrap();
        let log = FileLog::open_with(dir.path(), small_segments()).unwrap();
        self.dir = Some(dir);
        log
    }
    fn reopen(&mut self, log: FileLog) -> FileLog {
        let dir = log.dir().to_path_buf();
        drop(log);
        let log = FileLog::open_with(&dir, small_segments()).unwrap();
        assert!(log.open_report().torn_tail.is_none());
        log
    }
}

struct Simulated {
    sim: SimStorage,
    count: u64,
}

impl Harness for Simulated {
    type Log = FileLog<SimStorage>;
    fn fresh(&mut self) -> FileLog<SimStorage> {
        self.count += 1;
        let dir = PathBuf::from(format!("/sim/log-{}", self.count));
        FileLog::open_in(self.sim.clone(), &dir, Options::new().segment_bytes(1024)).unwrap()
    }
    fn reopen(&mut self, log: FileLog<SimStorage>) -> FileLog<SimStorage> {
        let dir = log.dir().to_path_buf();
        drop(log);
        FileLog::open_in(self.sim.clone(), &dir, Options::new().segment_bytes(1024)).unwrap()
    }
}

#[test]
fn memory_log_keeps_the_event_log_contract() {
    run(Memory);
}

#[test]
fn file_log_keeps_the_event_log_contract() {
    run(Files { dir: None });
}

#[test]
fn file_log_on_simulated_storage_keeps_the_event_log_contract() {
    run(Simulated {
        sim: SimStorage::new(),
        count: 0,
    });
}
