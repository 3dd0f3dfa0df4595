//! Long reads of a FileLog verify on a second thread ahead of the caller
//! (`FileLog::read_verified_ahead`, taken for reads of 65,536 records or more when the machine
//! has two cores). These tests hold that path to what the one-thread read promises: every
//! record once, in order, with its bytes; a visitor's `Break` stops at once; damage made while
//! the log is open is reported as corruption after exactly the verified records before it, and
//! nothing damaged is ever handed out.
//!
//! It does not test the frame walk itself (see `corruption.rs` and `scan.rs`).

#![allow(clippy::unwrap_used)]

mod common;

use std::ops::ControlFlow;

use common::{open, records};
use pvb_core::{Condition, EventLog, Position};
use pvb_store::{CrashMode, Error, SimStorage};

const SEGMENT_BYTES: u64 = 2 << 20;
const BATCHES: u64 = 90;
const PER_BATCH: u64 = 1_000;

fn filled() -> (SimStorage, Vec<Vec<u8>>) {
    let sim = SimStorage::new();
    let mut log = open(&sim, SEGMENT_BYTES).unwrap();
    let mut payloads = Vec::new();
    for batch in 0..BATCHES {
        let batch = records(1 + batch * PER_BATCH, PER_BATCH);
        payloads.extend(batch.iter().map(|r| r.payload.clone()));
        log.append(&batch, Condition::Any).unwrap();
    }
    drop(log);
    (sim, payloads)
}

/// Positions and payloads a read handed out.
type Seen = Vec<(u64, Vec<u8>)>;

/// Reads from `from`, stopping after `stop_after` records if given; returns the positions and
/// payloads seen, and the result.
fn read(
    log: &mut impl EventLog<Error = Error>,
    from: u64,
    stop_after: Option<usize>,
) -> (Seen, Result<(), Error>) {
    let mut seen = Vec::new();
    let result = log.read(Position(from), &mut |record| {
        seen.push((record.position.0, record.payload.to_vec()));
        match stop_after {
            Some(n) if seen.len() >= n => ControlFlow::Break(()),
            _ => ControlFlow::Continue(()),
        }
    });
    (seen, result)
}

#[test]
fn a_long_read_hands_out_every_record_once_in_order() {
    let (sim, payloads) = filled();
    let mut log = open(&sim, SEGMENT_BYTES).unwrap();
    let (seen, result) = read(&mut log, 1, None);
    result.unwrap();
    assert_eq!(seen.len(), payloads.len());
    for (i, (position, payload)) in seen.iter().enumerate() {
        assert_eq!(*position, i as u64 + 1);
        assert_eq!(payload, &payloads[i], "position {position}");
    }
    // A long read from the middle (still the second-thread path) and a short one from near
    // the end (the one-thread path) agree with it.
    let (middle, result) = read(&mut log, 20_001, None);
    result.unwrap();
    assert_eq!(middle, seen[20_000..]);
    let (tail, result) = read(&mut log, 89_001, None);
    result.unwrap();
    assert_eq!(tail, seen[89_000..]);
}

#[test]
fn break_stops_a_long_read_at_once() {
    let (sim, payloads) = filled();
    let mut log = open(&sim, SEGMENT_BYTES).unwrap();
    for stop in [1usize, 999, 1_000, 1_001, 30_000, 65_536, 89_999] {
        let (seen, result) = read(&mut log, 1, Some(stop));
        result.unwrap();
        assert_eq!(seen.len(), stop, "stop after {stop}");
        assert_eq!(seen.last().unwrap().1, payloads[stop - 1]);
    }
    // The log reads whole again afterwards.
    let (seen, result) = read(&mut log, 1, None);
    result.unwrap();
    assert_eq!(seen.len(), payloads.len());
}

#[test]
fn damage_under_an_open_log_ends_a_long_read_after_the_good_records() {
    let (sim, payloads) = filled();
    let mut segments: Vec<_> = sim
        .files()
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "pvb"))
        .collect();
    segments.sort();
    assert!(segments.len() >= 3, "{} segments", segments.len());
    for (case, fraction) in [0.1f64, 0.5, 0.9].into_iter().enumerate() {
        let image = sim.crash(CrashMode::Keep);
        let mut log = open(&image, SEGMENT_BYTES).unwrap();
        let segment = &segments[segments.len() / 2];
        let mut bytes = image.read_file(segment).unwrap();
        let at = 64 + ((bytes.len() - 64) as f64 * fraction) as usize;
        bytes[at] ^= 0x40;
        image.write_file(segment, &bytes);
        let (seen, result) = read(&mut log, 1, None);
        match result {
            Err(Error::Corruption { .. }) => {}
            other => panic!("case {case}: read returned {other:?}"),
        }
        // What was handed out is a clean prefix: positions 1.. in order, bytes unchanged,
        // ending at a batch boundary before the damage.
        for (i, (position, payload)) in seen.iter().enumerate() {
            assert_eq!(*position, i as u64 + 1, "case {case}");
            assert_eq!(payload, &payloads[i], "case {case}: position {position}");
        }
        assert_eq!(
            seen.len() as u64 % PER_BATCH,
            0,
            "case {case}: {}",
            seen.len()
        );
        assert!((seen.len() as u64) < BATCHES * PER_BATCH, "case {case}");
    }
}

#[test]
fn random_damage_under_an_open_log_is_always_found_by_a_long_read() {
    let (sim, payloads) = filled();
    let mut segments: Vec<_> = sim
        .files()
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "pvb"))
        .collect();
    segments.sort();
    let mut seed = 0x5eed_u64;
    let mut next = move |n: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    for case in 0..40 {
        let image = sim.crash(CrashMode::Keep);
        let mut log = open(&image, SEGMENT_BYTES).unwrap();
        let segment = &segments[next(segments.len() as u64) as usize];
        let mut bytes = image.read_file(segment).unwrap();
        let at = next(bytes.len() as u64) as usize;
        bytes[at] ^= 1 << next(8);
        image.write_file(segment, &bytes);
        let (seen, result) = read(&mut log, 1, None);
        assert!(
            matches!(result, Err(Error::Corruption { .. })),
            "case {case}: byte {at} of {}: {result:?}",
            segment.display()
        );
        for (i, (position, payload)) in seen.iter().enumerate() {
            assert_eq!(*position, i as u64 + 1, "case {case}");
            assert_eq!(payload, &payloads[i], "case {case}: position {position}");
        }
        assert_eq!(seen.len() as u64 % PER_BATCH, 0, "case {case}");
    }
}
