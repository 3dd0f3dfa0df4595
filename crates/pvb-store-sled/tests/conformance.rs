//! The conformance suite of pvb-store (`pvb_store::conformance::run`), unchanged, against
//! SledLog in temporary folders (RELIABILITY.md T1 and the first half of T16).

#![allow(clippy::unwrap_used)]

use pvb_store::conformance::{run, Harness};
use pvb_store_sled::{Options, SledLog};

/// A small page cache: the suite opens hundreds of logs.
fn options() -> Options {
    Options::new().cache_bytes(4 << 20)
}

struct Sled {
    dir: Option<tempfile::TempDir>,
}

impl Harness for Sled {
    type Log = SledLog;
    fn fresh(&mut self) -> SledLog {
        let dir = tempfile::tempdir().unwrap();
        let log = SledLog::open_with(dir.path(), options()).unwrap();
        self.dir = Some(dir);
        log
    }
    fn reopen(&mut self, log: SledLog) -> SledLog {
        let path = log.path().to_path_buf();
        drop(log);
        SledLog::open_with(&path, options()).unwrap()
    }
}

#[test]
fn sled_log_keeps_the_event_log_contract() {
    run(Sled { dir: None });
}
