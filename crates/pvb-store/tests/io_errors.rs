//! RELIABILITY.md T5: an I/O error (EIO) injected at every storage call of three workloads,
//! once and from then on. The failing append returns an error and is not acknowledged; after a
//! failed write or sync the writer stays poisoned (every later append fails) until the log is
//! reopened; after reopening, and after a power loss, every acknowledged event is there and the
//! log verifies.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{open, read_all, records, DIR};
use pvb_core::{AppendError, Condition, EventLog, NewRecord, Position, RecordView};
use pvb_store::{verify_in, CrashMode, Error, SimStorage};

struct Workload {
    name: &'static str,
    segment_bytes: u64,
    batches: &'static [u64],
    /// Builds the storage the workload starts from.
    setup: fn() -> SimStorage,
}

fn empty() -> SimStorage {
    SimStorage::new()
}

/// A log with 3 acknowledged batches and half a frame after them (what a crash in the middle
/// of a write leaves), so the first open has to cut a tail: the recovery's calls fail too.
fn torn() -> SimStorage {
    let sim = SimStorage::new();
    let mut log = open(&sim, 1 << 20).unwrap();
    for (i, count) in [4u64, 9, 2].into_iter().enumerate() {
        log.append(&records(1000 + i as u64 * 100, count), Condition::Any)
            .unwrap();
    }
    let segment = log.segment_paths().pop().unwrap();
    drop(log);
    let image = sim.crash(CrashMode::Keep);
    let mut bytes = image.read_file(&segment).unwrap();
    bytes.extend_from_slice(&[90, 0, 0, 0, 1, 2, 3, 4, 16, 0, 0, 0, 0, 0, 0, 0, 9, 9]);
    image.write_file(&segment, &bytes);
    assert!(read_back(&image).is_some());
    image
}

fn read_back(sim: &SimStorage) -> Option<usize> {
    let probe = sim.crash(CrashMode::Keep);
    let mut log = open(&probe, 1 << 20).ok()?;
    log.open_report().torn_tail.as_ref()?;
    Some(read_all(&mut log).ok()?.len())
}

const WORKLOADS: [Workload; 3] = [
    Workload {
        name: "single appends across segments",
        segment_bytes: 512,
        batches: &[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
        setup: empty,
    },
    Workload {
        name: "batches across segments",
        segment_bytes: 2048,
        batches: &[3, 17, 1, 40, 5, 2, 25],
        setup: empty,
    },
    Workload {
        name: "recovery of a torn tail, then appends",
        segment_bytes: 1 << 20,
        batches: &[2, 7, 1],
        setup: torn,
    },
];

#[derive(Default)]
struct Figures {
    runs: u64,
    open_errors: u64,
    append_errors: u64,
    refused_after_error: u64,
    acks: u64,
}

/// Acknowledged records, with their positions.
type Acks = Vec<(Position, NewRecord)>;

/// Runs the workload with the fault armed; asserts that nothing is acknowledged after the first
/// storage error. Returns the acknowledgements.
fn run(workload: &Workload, sim: &SimStorage, figures: &mut Figures, what: &str) -> Acks {
    let mut acks = Vec::new();
    let mut log = match open(sim, workload.segment_bytes) {
        Ok(log) => log,
        Err(_) => {
            figures.open_errors += 1;
            return acks;
        }
    };
    let mut failed = false;
    let mut next = 0u64;
    for &count in workload.batches {
        let batch = records(next, count);
        next += count;
        match log.append(&batch, Condition::Any) {
            Ok(positions) => {
                assert!(
                    !failed,
                    "{what}: an append was acknowledged after a storage error"
                );
                acks.extend(positions.into_iter().zip(batch));
            }
            Err(AppendError::Storage(e)) => {
                if failed {
                    figures.refused_after_error += 1;
                    assert!(
                        matches!(e, Error::Poisoned { .. }),
                        "{what}: after an error the writer refused with {e} instead of Poisoned"
                    );
                } else {
                    figures.append_errors += 1;
                }
                failed = true;
                assert!(
                    log.poisoned().is_some(),
                    "{what}: the writer is not poisoned"
                );
            }
            Err(e) => panic!("{what}: unexpected append error {e}"),
        }
    }
    // Reads and the head still answer for the acknowledged prefix; a read may fail (an I/O
    // error), but what it returns includes every acknowledged record.
    if let Some((last, _)) = acks.last() {
        assert!(log.head().unwrap() >= *last, "{what}: head went back");
    }
    if let Ok(all) = read_all(&mut log) {
        for (position, record) in &acks {
            let view = RecordView::parse(&all[position.0 as usize - 1].1).unwrap();
            assert_eq!(
                view.id, record.id,
                "{what}: read returned another event at {position}"
            );
        }
    }
    figures.acks += acks.len() as u64;
    acks
}

fn check(image: &SimStorage, workload: &Workload, acks: &Acks, what: &str) {
    let mut log = open(image, workload.segment_bytes)
        .unwrap_or_else(|e| panic!("{what}: the log did not open after the fault: {e}"));
    let recovered = read_all(&mut log).unwrap_or_else(|e| panic!("{what}: read: {e}"));
    for (position, record) in acks {
        let Some((_, bytes)) = recovered.get(position.0 as usize - 1) else {
            panic!("{what}: acknowledged position {position} lost");
        };
        let view = RecordView::parse(bytes).unwrap();
        assert_eq!(view.id, record.id, "{what}: position {position} changed");
        assert_eq!(
            view.payload,
            &record.payload[..],
            "{what}: position {position} changed"
        );
    }
    drop(log);
    let report = verify_in(image, Path::new(DIR)).unwrap();
    assert!(report.is_ok(), "{what}: verify: {:?}", report.problem);
}

#[test]
fn t5_an_io_error_at_any_call_is_never_acknowledged_and_poisons_the_writer() {
    let mut all_sites = BTreeSet::new();
    let mut all_failed = BTreeSet::new();
    for workload in &WORKLOADS {
        let dry = (workload.setup)();
        let before = dry.calls();
        let mut figures = Figures::default();
        run(workload, &dry, &mut figures, "dry run");
        let calls = dry.calls() - before;
        let sites = dry.sites();
        let mut failed_sites = BTreeSet::new();
        let mut figures = Figures::default();
        for k in 1..=calls {
            for persistent in [false, true] {
                let sim = (workload.setup)();
                sim.fail_at(sim.calls() + k, persistent);
                let what = format!(
                    "{}: EIO at call {k} of {calls}{}",
                    workload.name,
                    if persistent {
                        " and every call after"
                    } else {
                        " once"
                    }
                );
                figures.runs += 1;
                let acks = run(workload, &sim, &mut figures, &what);
                failed_sites.extend(sim.failed_sites());
                sim.clear_fault();
                // Reopened in the same process (the page cache kept), and after a power loss.
                check(&sim.crash(CrashMode::Keep), workload, &acks, &what);
                check(
                    &sim.crash(CrashMode::Drop),
                    workload,
                    &acks,
                    &format!("{what}, power loss"),
                );
                check(&sim, workload, &acks, &format!("{what}, reopened"));
            }
        }
        let missed: Vec<_> = sites.difference(&failed_sites).collect();
        assert!(
            missed.is_empty(),
            "{}: call sites never failed: {missed:?}",
            workload.name
        );
        println!(
            "T5 {}: {} storage calls x (once, persistent) = {} runs; {} call sites, every one \
             failed; {} open errors, {} append errors, {} appends refused by the poisoned \
             writer, 0 acknowledged after an error, 0 acknowledged events lost ({} acks)",
            workload.name,
            calls,
            figures.runs,
            sites.len(),
            figures.open_errors,
            figures.append_errors,
            figures.refused_after_error,
            figures.acks,
        );
        all_sites.extend(sites);
        all_failed.extend(failed_sites);
    }
    println!(
        "T5 call sites ({} distinct, all failed at least once):",
        all_sites.len()
    );
    for site in &all_sites {
        println!("  {site}");
    }
    assert!(all_sites.is_subset(&all_failed));
}

#[test]
fn t5_a_failed_fsync_is_never_retried_into_an_acknowledgement() {
    let sim = SimStorage::new();
    let mut log = open(&sim, 1 << 20).unwrap();
    let acked = log.append(&records(0, 3), Condition::Any).unwrap();
    // Calls of an append without a segment roll: write, then sync_data. Fail the sync.
    sim.fail_at(sim.calls() + 2, false);
    let failed = log.append(&records(3, 5), Condition::Any);
    assert!(matches!(
        failed,
        Err(AppendError::Storage(Error::Io {
            op: "sync_data",
            ..
        }))
    ));
    // The storage works again, and a retried fsync would "succeed": the writer must not try.
    for _ in 0..3 {
        let again = log.append(&records(3, 5), Condition::Any);
        assert!(matches!(
            again,
            Err(AppendError::Storage(Error::Poisoned { .. }))
        ));
        let other = log.append(&records(10, 1), Condition::Any);
        assert!(matches!(
            other,
            Err(AppendError::Storage(Error::Poisoned { .. }))
        ));
    }
    assert!(log.poisoned().unwrap().contains("sync_data"));
    // Reads still serve what was acknowledged.
    assert_eq!(log.head().unwrap(), Position(3));
    drop(log);
    // Reopened in the same process: the batch whose sync failed was taken out again, so nothing
    // is built on bytes that may never reach the disk.
    let mut log = open(&sim, 1 << 20).unwrap();
    assert_eq!(log.head().unwrap(), Position(3));
    drop(log);
    // After a power loss the acknowledged batch is there, the other one is not.
    let image = sim.crash(CrashMode::Keep);
    let mut log = open(&image, 1 << 20).unwrap();
    assert_eq!(log.head().unwrap(), Position(3));
    assert_eq!(read_all(&mut log).unwrap().len(), acked.len());
    // A fresh open acknowledges again.
    assert_eq!(
        log.append(&records(3, 5), Condition::Any).unwrap(),
        (4..=8).map(Position).collect::<Vec<_>>()
    );
}
