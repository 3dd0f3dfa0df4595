//! RELIABILITY.md T3 on FileLog, with `pvb_store::kill_loop`: a child process appends to a
//! FileLog (64 KiB segments) and reports each acknowledgement on stdout after `append` returned
//! `Ok`; the parent kills it with SIGKILL at a random moment 0 to 50 ms after its start (so some
//! kills land while it opens and recovers the log), then opens the log itself: it must open,
//! verify, and hold every acknowledged event at its position. 200 cycles by default,
//! `PVB_KILL_CYCLES` for more. The child is this test binary, run again with
//! `PVB_KILL_LOOP_DIR` set.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use pvb_store::kill_loop::{child, KillLoop};
use pvb_store::{Error, FileLog, Options};

fn open(dir: &Path) -> Result<FileLog, Error> {
    FileLog::open_with(dir, Options::new().segment_bytes(64 << 10))
}

/// The child: does nothing unless run by the loop below.
#[test]
fn kill_child() {
    child(open);
}

#[test]
fn t3_kill_9_at_random_moments_loses_no_acknowledged_event() {
    if std::env::var_os(pvb_store::kill_loop::DIR_VARIABLE).is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut kill = KillLoop::new("kill_child");
    kill.dir = Some(dir.path().to_path_buf());
    let report = kill.run(open);
    println!("T3 kill -9 on FileLog: {report}");
    assert!(report.is_clean(), "T3 on FileLog failed: {report}");
    let verified = pvb_store::verify(dir.path()).unwrap();
    assert!(verified.is_ok(), "{:?}", verified.problem);
    println!(
        "T3: the final log verifies: {} records in {} segments",
        verified.head, verified.segments
    );
}
