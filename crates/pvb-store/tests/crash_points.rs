//! RELIABILITY.md T2: simulated power loss after every mutating I/O call of three workloads,
//! with the unsynced writes kept, dropped, or torn at a sector boundary (18 seeds), and again
//! during the recovery of every image that had a torn tail. After each crash the log must open,
//! hold every acknowledged event byte for byte at its position, and be a prefix of the log the
//! workload writes without a crash (so unacknowledged events are absent or whole and valid).

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::{open, read_all, records, DIR};
use pvb_core::{AppendError, Condition, EventLog, NewRecord, Position};
use pvb_store::{verify_in, CrashMode, SimStorage};

/// Acknowledged appends: each record with the position `append` returned for it.
type Acks = Vec<(Position, NewRecord)>;

/// A workload runs against a storage until it finishes or the storage fails.
type Workload = fn(&SimStorage, &mut Acks);

fn ack(acks: &mut Acks, batch: &[NewRecord], positions: &[Position]) {
    for (record, position) in batch.iter().zip(positions) {
        acks.push((*position, record.clone()));
    }
}

/// Single-event appends in 512-byte segments: a segment roll every few appends.
fn single_appends(sim: &SimStorage, acks: &mut Acks) {
    let Ok(mut log) = open(sim, 512) else { return };
    for n in 0..30 {
        let batch = records(n, 1);
        match log.append(&batch, Condition::Any) {
            Ok(positions) => ack(acks, &batch, &positions),
            Err(_) => return,
        }
    }
}

/// Batches of 1 to 60 events in 2 KiB segments, with `Head` conditions, a stale condition
/// (refused, then retried) and retries of acknowledged ids mixed into new batches.
fn batches_with_conditions(sim: &SimStorage, acks: &mut Acks) {
    let Ok(mut log) = open(sim, 2048) else { return };
    let sizes = [1u64, 5, 17, 3, 40, 2, 9, 1, 25, 4, 60, 7];
    let mut next = 0u64;
    for (i, &size) in sizes.iter().enumerate() {
        let mut batch = records(next, size);
        next += size;
        if i % 3 == 2 {
            // Retries of two acknowledged events ride along: they keep their positions.
            batch.insert(0, records(1, 1).remove(0));
            batch.push(records(next - size - 1, 1).remove(0));
        }
        let Ok(head) = log.head() else { return };
        let condition = match i {
            5 => Condition::Head(Position(head.0.saturating_sub(1))),
            _ if i % 2 == 0 => Condition::Head(head),
            _ => Condition::Any,
        };
        match log.append(&batch, condition) {
            Ok(positions) => ack(acks, &batch, &positions),
            Err(AppendError::Conflict { actual, .. }) => {
                match log.append(&batch, Condition::Head(actual)) {
                    Ok(positions) => ack(acks, &batch, &positions),
                    Err(_) => return,
                }
            }
            Err(_) => return,
        }
    }
}

/// A write fails half way (a torn tail in the page cache), the writer refuses further
/// appends, the log is reopened (the recovery cuts the tail), appended to, reopened again.
fn failure_and_recovery(sim: &SimStorage, acks: &mut Acks) {
    let Ok(mut log) = open(sim, 1 << 20) else {
        return;
    };
    let mut next = 0u64;
    let mut append = |log: &mut pvb_store::FileLog<SimStorage>, count: u64, acks: &mut Acks| {
        let batch = records(next, count);
        next += count;
        match log.append(&batch, Condition::Any) {
            Ok(positions) => {
                ack(acks, &batch, &positions);
                true
            }
            Err(_) => false,
        }
    };
    for count in [3, 8, 1, 12] {
        if !append(&mut log, count, acks) {
            return;
        }
    }
    // The next call is the batch's write: it fails after writing half.
    sim.fail_at(sim.calls() + 1, false);
    if append(&mut log, 20, acks) {
        panic!("an append whose write failed was acknowledged");
    }
    if append(&mut log, 2, acks) {
        panic!("a poisoned writer acknowledged an append");
    }
    drop(log);
    let Ok(mut log) = open(sim, 1 << 20) else {
        return;
    };
    for count in [4, 1, 9] {
        if !append(&mut log, count, acks) {
            return;
        }
    }
    drop(log);
    let Ok(mut log) = open(sim, 1 << 20) else {
        return;
    };
    for count in [6, 2] {
        if !append(&mut log, count, acks) {
            return;
        }
    }
}

#[derive(Default)]
struct Figures {
    crash_points: u64,
    images: u64,
    torn_tails_cut: u64,
    max_bytes_cut: u64,
    acks_checked: u64,
    recovery_times: Vec<Duration>,
    nested_images: u64,
}

/// Opens the image, checks it against the acknowledgements and the full run; returns whether
/// the open cut a torn tail.
fn check_image(
    image: &SimStorage,
    acks: &Acks,
    full: &[(Position, Vec<u8>)],
    segment_bytes: u64,
    figures: &mut Figures,
    what: &str,
) -> bool {
    let start = Instant::now();
    let mut log = match open(image, segment_bytes) {
        Ok(log) => log,
        Err(e) => panic!("{what}: the log did not open after the crash: {e}"),
    };
    figures.recovery_times.push(start.elapsed());
    let torn = log.open_report().torn_tail.clone();
    let recovered = read_all(&mut log).unwrap_or_else(|e| panic!("{what}: read failed: {e}"));
    assert!(
        recovered.len() <= full.len() && recovered[..] == full[..recovered.len()],
        "{what}: the recovered log ({} records) is not a prefix of the log without a crash",
        recovered.len()
    );
    for (position, record) in acks {
        let index = position.0 as usize - 1;
        let Some((_, bytes)) = recovered.get(index) else {
            panic!(
                "{what}: acknowledged position {position} lost (log has {})",
                recovered.len()
            );
        };
        let view = pvb_core::RecordView::parse(bytes).unwrap();
        assert_eq!(
            view.id, record.id,
            "{what}: position {position} holds another event"
        );
        assert_eq!(
            view.payload,
            &record.payload[..],
            "{what}: position {position} changed"
        );
    }
    figures.acks_checked += acks.len() as u64;
    drop(log);
    let report = verify_in(image, std::path::Path::new(DIR)).unwrap();
    assert!(
        report.is_ok(),
        "{what}: verify after recovery: {:?}",
        report.problem
    );
    assert!(
        report.torn_tail.is_none(),
        "{what}: a torn tail survived the recovery"
    );
    if let Some(torn) = &torn {
        assert!(
            torn.cut,
            "{what}: a writable open did not cut the torn tail"
        );
        figures.torn_tails_cut += 1;
        figures.max_bytes_cut = figures.max_bytes_cut.max(torn.bytes);
    }
    torn.is_some()
}

fn modes() -> Vec<CrashMode> {
    let mut modes = vec![CrashMode::Keep, CrashMode::Drop];
    modes.extend((0..18).map(|seed| CrashMode::Tear { seed }));
    modes
}

fn enumerate(name: &str, workload: Workload, segment_bytes: u64) -> Figures {
    let sim = SimStorage::new();
    let mut acks = Vec::new();
    workload(&sim, &mut acks);
    let total = sim.mutations();
    let mut log = open(&sim.crash(CrashMode::Keep), segment_bytes).unwrap();
    let full = read_all(&mut log).unwrap();
    drop(log);
    assert!(!full.is_empty() && !acks.is_empty());
    let mut figures = Figures::default();
    for k in 1..=total {
        let sim = SimStorage::new();
        sim.crash_after(k);
        let mut acks = Vec::new();
        workload(&sim, &mut acks);
        assert!(sim.is_crashed(), "{name}: no crash after mutation {k}");
        figures.crash_points += 1;
        for mode in modes() {
            let image = sim.crash(mode);
            let what = format!("{name}, crash after mutation {k} of {total}, {mode:?}");
            figures.images += 1;
            // The image before its recovery changes it, for crashing again during recovery.
            let pristine = image.crash(CrashMode::Keep);
            let torn = check_image(&image, &acks, &full, segment_bytes, &mut figures, &what);
            let nested = torn && matches!(mode, CrashMode::Keep | CrashMode::Tear { seed: 0..=1 });
            if nested {
                // Crash again during this image's recovery, after each of its mutations.
                let probe = pristine.crash(CrashMode::Keep);
                let _ = open(&probe, segment_bytes).unwrap();
                for j in 1..=probe.mutations() {
                    let again = pristine.crash(CrashMode::Keep);
                    again.crash_after(j);
                    let _ = open(&again, segment_bytes);
                    for mode2 in [
                        CrashMode::Keep,
                        CrashMode::Drop,
                        CrashMode::Tear { seed: j },
                    ] {
                        let image2 = again.crash(mode2);
                        let what2 =
                            format!("{what}, then during recovery after mutation {j}, {mode2:?}");
                        figures.nested_images += 1;
                        check_image(&image2, &acks, &full, segment_bytes, &mut figures, &what2);
                    }
                }
            }
        }
    }
    figures
}

fn report(name: &str, mut f: Figures) {
    let p50 = common::quantile_us(&mut f.recovery_times, 0.5);
    let p99 = common::quantile_us(&mut f.recovery_times, 0.99);
    println!(
        "T2 {name}: {} crash points x {} modes = {} images, plus {} crashes during recovery; \
         0 unrecoverable opens, 0 acknowledged events lost ({} checks); {} torn tails cut, \
         at most {} bytes; recovery p50 {p50:.0} us, p99 {p99:.0} us",
        f.crash_points,
        modes().len(),
        f.images,
        f.nested_images,
        f.acks_checked,
        f.torn_tails_cut,
        f.max_bytes_cut,
    );
}

#[test]
fn t2_no_acknowledged_event_is_lost_at_any_crash_point_of_single_appends() {
    report(
        "single appends",
        enumerate("single appends", single_appends, 512),
    );
}

#[test]
fn t2_no_acknowledged_event_is_lost_at_any_crash_point_of_conditional_batches() {
    report(
        "conditional batches",
        enumerate("conditional batches", batches_with_conditions, 2048),
    );
}

#[test]
fn t2_no_acknowledged_event_is_lost_at_any_crash_point_of_failure_and_recovery() {
    report(
        "failure and recovery",
        enumerate("failure and recovery", failure_and_recovery, 1 << 20),
    );
}
