//! RELIABILITY.md T3 and T16 on SledLog: the kill -9 loop of `pvb_store::kill_loop`. A child
//! process appends and reports each acknowledgement after `Ok` (after sled's `flush()`); the
//! parent kills it with SIGKILL at a random moment within 80 ms of its start, opens the log,
//! and checks that every acknowledged event is there with its bytes and the chain verifies.
//! 200 cycles by default; `PVB_KILL_CYCLES=10000` for the T16 gate. A fresh log every 100
//! cycles keeps the check after each kill cheap (it reads the whole log).

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use pvb_store::kill_loop::{child, KillLoop, KillReport, DIR_VARIABLE};
use pvb_store_sled::{Options, SledLog};

const CYCLES_PER_LOG: u64 = 100;

fn open(dir: &std::path::Path) -> Result<SledLog, pvb_store_sled::Error> {
    SledLog::open_with(dir, Options::new().cache_bytes(8 << 20))
}

/// The child: does nothing unless run by the loop below.
#[test]
fn kill_child() {
    child(open);
}

#[test]
fn t3_t16_kill_9_at_random_moments_loses_no_acknowledged_event() {
    if std::env::var_os(DIR_VARIABLE).is_some() {
        return;
    }
    let template = KillLoop::new("kill_child");
    let mut total = KillReport::default();
    let mut logs = 0u64;
    let set_aside = std::cell::Cell::new(0u64);
    while total.cycles < template.cycles {
        let mut kill = template.clone();
        kill.cycles = CYCLES_PER_LOG.min(template.cycles - total.cycles);
        kill.seed = template.seed ^ logs.wrapping_mul(0x9E37_79B9);
        // A sled child needs about 20 to 40 ms to start and open: a wider window than the
        // default 50 ms lands most kills while it appends, some while it opens.
        kill.kill_within = Duration::from_millis(80);
        // The parent's opens (after each kill) count the half-written snapshots SledLog had
        // to set aside for sled to open (see `SledLog::set_aside`).
        let report = kill.run(|dir: &std::path::Path| {
            let log = open(dir)?;
            set_aside.set(set_aside.get() + log.set_aside().len() as u64);
            Ok::<_, pvb_store_sled::Error>(log)
        });
        logs += 1;
        total.cycles += report.cycles;
        total.killed_before_open += report.killed_before_open;
        total.killed_while_appending += report.killed_while_appending;
        total.finished += report.finished;
        total.acknowledged += report.acknowledged;
        total.records = report.records;
        total.unrecoverable_opens += report.unrecoverable_opens;
        total.lost += report.lost;
        total.elapsed += report.elapsed;
        total
            .problems
            .extend(report.problems.iter().map(|p| format!("log {logs}: {p}")));
        if !report.is_clean() || report.cycles == 0 {
            break;
        }
    }
    println!(
        "T3/T16 kill -9 on SledLog ({logs} logs of up to {CYCLES_PER_LOG} cycles): {total}; \
         {} half-written sled snapshots set aside on open",
        set_aside.get()
    );
    assert!(total.is_clean(), "T3/T16 on SledLog failed: {total}");
}

/// sled 0.34.7 reads a `snap.<lsn>.generating` file a crash left half-written and refuses to
/// open (upstream issue #1527; it happened once in 2,477 cycles of the loop above). SledLog
/// moves such a file aside and opens; every record is still there.
#[test]
fn a_half_written_sled_snapshot_is_set_aside_and_the_log_opens() {
    use pvb_core::{Condition, EventLog, Position};
    if std::env::var_os(DIR_VARIABLE).is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    let mut log = open(&path).unwrap();
    for b in 0..20u64 {
        let batch: Vec<_> = (0..5)
            .map(|i| pvb_core::NewRecord {
                id: pvb_core::EventId::derived(&[7; 32], b * 5 + i),
                recorded_at_us: 0,
                schema: pvb_core::SCHEMA_VERSION,
                codec: 1,
                payload: vec![b as u8; 40],
            })
            .collect();
        log.append(&batch, Condition::Any).unwrap();
    }
    let commit = log.head_commit().unwrap();
    drop(log);
    // What a kill during snapshot generation leaves: a newer snapshot file, cut short.
    std::fs::write(path.join("snap.7FFFFFFFFFFFFFFF.generating"), [0x5au8; 300]).unwrap();
    let mut log = open(&path).unwrap();
    assert_eq!(log.set_aside().len(), 1, "{:?}", log.set_aside());
    assert!(path
        .join("set-aside.snap.7FFFFFFFFFFFFFFF.generating")
        .exists());
    assert_eq!(log.head().unwrap(), Position(100));
    assert_eq!(log.head_commit().unwrap(), commit);
    let mut count = 0;
    log.read(Position(1), &mut |_| {
        count += 1;
        std::ops::ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(count, 100);
    drop(log);
    // Without the file sled opens as before; nothing more is set aside.
    assert!(open(&path).unwrap().set_aside().is_empty());
}
